#include <doctest/doctest.h>

#include <filesystem>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "tsign/error.hpp"
#include "util.hpp"
#include "tsign/io.hpp"
#include "tsign/keys.hpp"
#include "tsign/x509.hpp"

namespace fs = std::filesystem;
using namespace tsign;

namespace {

using tsign::test::TempDir;

// Independent check with OpenSSL: verify a signature over a digest with the SPKI.
bool openssl_verifies(const Bytes& spki, const Bytes& digest, const Bytes& sig, const SignatureScheme& s) {
    const unsigned char* p = spki.data();
    EVP_PKEY* pk = d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size()));
    REQUIRE(pk != nullptr);
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(pk, nullptr);
    EVP_PKEY_verify_init(ctx);
    const EVP_MD* md = s.digest == DigestAlgorithm::sha256 ? EVP_sha256() : s.digest == DigestAlgorithm::sha384 ? EVP_sha384() : EVP_sha512();
    if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA) {
        EVP_PKEY_CTX_set_rsa_padding(ctx, s.rsa_pss ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING);
        if (s.rsa_pss) EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST);
    }
    EVP_PKEY_CTX_set_signature_md(ctx, md);
    const int ok = EVP_PKEY_verify(ctx, sig.data(), sig.size(), digest.data(), digest.size());
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(pk);
    return ok == 1;
}

Bytes sha(DigestAlgorithm d, const std::string& text) {
    unsigned char md[64];
    unsigned int n = 0;
    const EVP_MD* m = d == DigestAlgorithm::sha256 ? EVP_sha256() : d == DigestAlgorithm::sha384 ? EVP_sha384() : EVP_sha512();
    EVP_Digest(text.data(), text.size(), md, &n, m, nullptr);
    return Bytes(md, md + n);
}

using tsign::test::make_cert;

}  // namespace

TEST_CASE("file keys: generate, open, sign, verified by OpenSSL") {
    TempDir d;
    for (KeyType t : {KeyType::rsa2048, KeyType::ec_p256, KeyType::ec_p384}) {
        CAPTURE(key_type_name(t));
        const std::string path = d / (key_type_name(t) + ".der");
        const PublicKeyInfo gen = generate_key_file(path, {.type = t});
        struct stat st {};
        REQUIRE(stat(path.c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0600);
        auto signer = open_signer({.spec = path});
        CHECK(signer->public_key().spki_sha256 == gen.spki_sha256);
        CHECK_FALSE(signer->certificate().has_value());
        for (DigestAlgorithm dg : {DigestAlgorithm::sha256, DigestAlgorithm::sha384, DigestAlgorithm::sha512}) {
            SignatureScheme s{.digest = dg, .rsa_pss = false};
            const Bytes digest = sha(dg, "صورتجلسه کمیسیون مناقصه");
            const Bytes sig = signer->sign_digest(digest, s);
            CHECK(openssl_verifies(gen.spki_der, digest, sig, s));
            Bytes other = digest;
            other[0] ^= 1;
            CHECK_FALSE(openssl_verifies(gen.spki_der, other, sig, s));
            if (gen.algorithm == "RSA") {
                s.rsa_pss = true;
                const Bytes pss = signer->sign_digest(digest, s);
                CHECK(openssl_verifies(gen.spki_der, digest, pss, s));
            } else {
                s.rsa_pss = true;
                CHECK_THROWS_AS(signer->sign_digest(digest, s), Error);
            }
        }
        // a digest of the wrong length is refused
        CHECK_THROWS_AS(signer->sign_digest(Bytes(20, 0), {}), Error);
    }
}

TEST_CASE("file keys: encrypted PKCS#8, wrong passphrase, malformed and truncated files") {
    TempDir d;
    const std::string path = d / "enc.pem";
    auto pass = PinSource::from_callback([](const PinRequest&) { return Secret("correct horse"); });
    generate_key_file(path, {.type = KeyType::ec_p256, .encrypt = true, .passphrase = pass, .pem = true});
    const Bytes pem = read_file(path);
    CHECK(std::string(pem.begin(), pem.end()).find("ENCRYPTED PRIVATE KEY") != std::string::npos);
    auto s = open_signer({.spec = path, .pin = pass});
    CHECK(s->public_key().curve == "P-256");

    auto wrong = PinSource::from_callback([](const PinRequest&) { return Secret("wrong"); });
    try {
        open_signer({.spec = path, .pin = wrong});
        FAIL("wrong passphrase accepted");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::bad_passphrase);
        CHECK(e.exit_code() == ExitCode::key);
    }

    const std::string plain = d / "plain.der";
    generate_key_file(plain, {.type = KeyType::rsa2048});
    Bytes der = read_file(plain);
    der.resize(der.size() / 2);
    write_file_atomic(d / "trunc.der", der);
    try {
        open_signer({.spec = d / "trunc.der"});
        FAIL("truncated key accepted");
    } catch (const Error& e) {
        CHECK(e.exit_code() == ExitCode::input);
    }
    write_file_atomic(d / "junk.pem", std::string("-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n"));
    CHECK_THROWS_AS(open_signer({.spec = d / "junk.pem"}), Error);
    try {
        open_signer({.spec = d / "missing.pem"});
        FAIL("missing file accepted");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::file_not_found);
    }
    try {
        generate_key_file(plain, {.type = KeyType::ec_p256});
        FAIL("overwrote a key");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::output_exists);
    }
}

TEST_CASE("key and certificate must match") {
    TempDir d;
    generate_key_file(d / "a.der", {.type = KeyType::ec_p256});
    generate_key_file(d / "b.der", {.type = KeyType::ec_p256});
    make_cert(d / "a.der", d / "a.crt");
    auto ok = open_signer({.spec = d / "a.der", .cert_file = d / "a.crt"});
    CHECK(ok->certificate().has_value());
    try {
        open_signer({.spec = d / "b.der", .cert_file = d / "a.crt"});
        FAIL("mismatch accepted");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::key_cert_mismatch);
        CHECK(e.exit_code() == ExitCode::key);
    }
}

TEST_CASE("subjects: UTF-8 slash form") {
    CHECK(normalize_dn("/CN=علی رضایی/O=شهرداری تهران/C=IR") == "CN=علی رضایی, O=شهرداری تهران, C=IR");
    CHECK(normalize_dn("/CN=a\\/b/O=x") == "CN=a/b, O=x");
    CHECK(normalize_dn("/CN=a+serialNumber=12/C=IR") == "CN=a+serialNumber=12, C=IR");
    CHECK_THROWS_AS(normalize_dn("CN=x"), Error);
    CHECK_THROWS_AS(normalize_dn("/CN"), Error);
    CHECK_THROWS_AS(normalize_dn("/XX=1"), Error);
    CHECK_THROWS_AS(normalize_dn("/C=Iran"), Error);
    CHECK_THROWS_AS(normalize_dn("/CN=\xff\xfe"), Error);
}

TEST_CASE("CSR from a file key verifies with OpenSSL and carries the UTF-8 subject") {
    TempDir d;
    generate_key_file(d / "k.der", {.type = KeyType::rsa2048});
    auto signer = open_signer({.spec = d / "k.der"});
    const Bytes der = make_csr(*signer, {.subject = "/CN=سارا احمدی/C=IR", .scheme = {.digest = DigestAlgorithm::sha384, .rsa_pss = true},
                                         .emails = {"sara@example.ir"}});
    const unsigned char* p = der.data();
    X509_REQ* req = d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size()));
    REQUIRE(req != nullptr);
    CHECK(X509_REQ_verify(req, X509_REQ_get0_pubkey(req)) == 1);
    X509_NAME_ENTRY* cn = X509_NAME_get_entry(X509_REQ_get_subject_name(req), 0);
    CHECK(ASN1_STRING_type(X509_NAME_ENTRY_get_data(cn)) == V_ASN1_UTF8STRING);
    X509_REQ_free(req);
    const Description desc = describe(der, "csr");
    CHECK(desc.kind == "csr");
    CHECK(desc.json.find("سارا احمدی") != std::string::npos);
    CHECK(desc.json.find("\"signature_valid\": true") != std::string::npos);
    CHECK(desc.json.find("email:sara@example.ir") != std::string::npos);
}
