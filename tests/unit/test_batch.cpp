// The batch API used directly, as another system would: no CLI.
#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <fstream>

#include <openssl/cms.h>
#include <openssl/pem.h>

#include "tsign/batch.hpp"
#include "tsign/error.hpp"
#include "tsign/io.hpp"
#include "tsign/keys.hpp"
#include "util.hpp"

namespace fs = std::filesystem;
using namespace tsign;
using tsign::test::TempDir;

namespace {

// Independent check with OpenSSL's CMS_verify against the self-signed certificate.
bool openssl_verifies(const std::string& sig, const std::string& doc, const std::string& cert) {
    BIO* cb = BIO_new_file(cert.c_str(), "rb");
    X509* x = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
    BIO_free(cb);
    X509_STORE* store = X509_STORE_new();
    X509_STORE_add_cert(store, x);
    const Bytes der = read_file(sig);
    const unsigned char* p = der.data();
    CMS_ContentInfo* cms = d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size()));
    BIO* content = BIO_new_file(doc.c_str(), "rb");
    const int ok = cms ? CMS_verify(cms, nullptr, store, content, nullptr, CMS_BINARY) : 0;
    BIO_free(content);
    CMS_ContentInfo_free(cms);
    X509_STORE_free(store);
    X509_free(x);
    return ok == 1;
}

}  // namespace

TEST_CASE("batch_sign: a folder, the report, resume, progress, cancel") {
    TempDir d;
    generate_key_file(d / "k.key", {.type = KeyType::ec_p256});
    tsign::test::make_cert(d / "k.key", d / "k.crt");
    fs::create_directories(d.path / "in" / "sub");
    for (int i = 0; i < 40; ++i) std::ofstream(d.path / "in" / (i % 2 ? "sub" : "") / ("doc" + std::to_string(i) + ".txt")) << "voucher " << i;
    auto signer = open_signer({.spec = d / "k.key", .cert_file = d / "k.crt"});

    BatchOptions o;
    o.inputs = {d / "in"};
    o.out_dir = d / "out";
    o.jobs = 2;
    std::atomic<int> calls{0};
    o.progress = [&](const BatchProgress& p) {
        ++calls;
        CHECK(p.done <= p.total);
    };
    BatchReport r = batch_sign(*signer, o);
    CHECK(r.exit_code == 0);
    CHECK(r.signed_count == 40);
    CHECK(calls.load() >= 1);
    CHECK(fs::exists(d.path / "out" / "batch-report.json"));
    for (const auto& e : r.entries) {
        CHECK(e.status == "signed");
        CHECK(e.sha256.size() == 64);
        CHECK(openssl_verifies(e.output, e.input, d / "k.crt"));
    }
    CHECK(fs::exists(d.path / "out" / "sub" / "doc1.txt.p7s"));  // structure kept

    // resume: everything is there; one input changed is signed again
    std::ofstream(d.path / "in" / "doc0.txt") << "changed";
    o.resume = true;
    r = batch_sign(*signer, o);
    CHECK(r.skipped == 39);
    CHECK(r.resigned == 1);
    CHECK(openssl_verifies(d / "out/doc0.txt.p7s", d / "in/doc0.txt", d / "k.crt"));

    // cancelled before it starts: nothing done, and the report says so
    std::atomic<bool> cancel{true};
    o.resume = false;
    o.out_dir = d / "out2";
    o.cancel = &cancel;
    r = batch_sign(*signer, o);
    CHECK(r.stopped);
    CHECK(r.exit_code == 130);
    CHECK(r.not_done == 40);
}

TEST_CASE("batch_sign: no inputs and a missing input") {
    TempDir d;
    generate_key_file(d / "k.key", {.type = KeyType::ec_p256});
    tsign::test::make_cert(d / "k.key", d / "k.crt");
    auto signer = open_signer({.spec = d / "k.key", .cert_file = d / "k.crt"});
    BatchOptions o;
    o.out_dir = d / "out";
    CHECK_THROWS_AS(batch_sign(*signer, o), Error);
    o.inputs = {d / "missing.txt"};
    const BatchReport r = batch_sign(*signer, o);
    CHECK(r.failed == 1);
    CHECK(r.exit_code == 3);
    CHECK(!r.entries[0].error.empty());
}
