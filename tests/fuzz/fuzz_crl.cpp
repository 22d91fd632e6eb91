// The CRL reader and CRL checking in path validation: the input is given as --crl while the
// signer's path (tests/data/verify/revoc-signer-revoked-crl) is validated with revocation required;
// the root's CRL on the intermediate is given too.
#include "fuzz_common.hpp"
#include "tsign/io.hpp"
#include "tsign/verify.hpp"
#include "x509/chain.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const tsign::Bytes signer = tsign::read_file(fuzz::source("tests/fuzz/fixtures/crl-signer.pem"));
    const std::string crl = fuzz::write("crl", data, size);
    fuzz::refuse_or_run([&] { (void)tsign::detail::load_crls(crl); });
    fuzz::refuse_or_run([&] {
        tsign::ChainOptions c;
        c.trust_files = {fuzz::source("tests/fuzz/fixtures/crl-trust.pem")};
        c.untrusted_files = {fuzz::source("tests/fuzz/fixtures/crl-untrusted.pem")};
        c.crl_files = {crl, fuzz::source("tests/fuzz/fixtures/crl-root.pem")};
        c.revocation = tsign::RevocationMode::require;
        c.fetch = false;
        c.at = 1796256000;  // 2026-12-03: inside the fixtures' validity (CRLs of 2026-12-01)
        const tsign::ChainReport r = tsign::verify_certificate(signer, c);
        fuzz::require_utf8("cert verify --json", r.to_json());
    });
    return 0;
}
