// The commission roster reader (`verify --roster FILE`, `roster check`): any YAML, matched against
// three valid signers (the sample members). Certificates a roster names are looked up next to it:
// ali.pem, sara.pem and maryam.pem exist there. Reports must be valid UTF-8.
#include <filesystem>
#include <memory>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cms/roster.hpp"
#include "fuzz_common.hpp"
#include "tsign/io.hpp"
#include "tsign/roster.hpp"

namespace {
/// A PEM certificate file as DER.
tsign::Bytes der_of(const std::string& pem_file) {
    const tsign::Bytes text = tsign::read_file(pem_file);
    const std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), BIO_free);
    const std::unique_ptr<X509, decltype(&X509_free)> x(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
    const int len = i2d_X509(x.get(), nullptr);
    tsign::Bytes der(static_cast<size_t>(len));
    unsigned char* p = der.data();
    i2d_X509(x.get(), &p);
    return der;
}

/// A valid signer, as verify_signature() reports one; its certificate is also put next to the roster.
tsign::SignerReport signer(const std::string& pem_file, const std::string& copy_as) {
    std::filesystem::copy_file(pem_file, fuzz::scratch() + "/" + copy_as, std::filesystem::copy_options::overwrite_existing);
    tsign::SignerReport r;
    r.certificate = der_of(pem_file);
    r.valid = true;
    r.subject = copy_as;
    return r;
}

/// The three sample members (ali.pem, sara.pem, maryam.pem) and the signer of the regression
/// inputs (signer.crt, tests/fuzz/regressions/_fixtures).
std::vector<tsign::SignerReport> signers() {
    std::vector<tsign::SignerReport> out;
    for (const std::string m : {"ali-rezaei", "sara-ahmadi", "maryam-karimi"})
        out.push_back(signer(fuzz::source("certs-sample/signer-" + m + ".crt.pem"), m.substr(0, m.find('-')) + ".pem"));
    out.push_back(signer(fuzz::source("tests/fuzz/regressions/_fixtures/signer.crt"), "signer.crt"));
    return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::vector<tsign::SignerReport> base = signers();
    const std::string file = fuzz::write("roster.yaml", data, size);
    fuzz::refuse_or_run([&] {
        std::vector<tsign::SignerReport> s = base;
        const tsign::RosterReport r = tsign::detail::check_roster(file, s);
        fuzz::require_utf8("the roster in verify --json", tsign::detail::roster_json(r).dump());
        fuzz::require_utf8("the roster in the verify report", tsign::detail::roster_text(r));
    });
    fuzz::refuse_or_run([&] {
        const tsign::RosterInfo info = tsign::check_roster_file(file);
        (void)info;
    });
    return 0;
}
