// OCSP response checking (`tsign ocsp check`, and every response a signature carries or a
// responder sends): the input is the response about a fixed certificate and issuer
// (tests/data/verify/revoc-ocsp-good-require), judged against that case's root.
#include "fuzz_common.hpp"
#include "tsign/io.hpp"
#include "tsign/ocsp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const tsign::Bytes cert = tsign::read_file(fuzz::source("tests/fuzz/fixtures/ocsp-cert.pem"));
    static const tsign::Bytes issuer = tsign::read_file(fuzz::source("tests/fuzz/fixtures/ocsp-issuer.pem"));
    static const tsign::ChainOptions o = [] {
        tsign::ChainOptions c;
        c.trust_files = {fuzz::source("tests/fuzz/fixtures/ocsp-trust.pem")};
        c.fetch = false;
        c.at = 1796256000;  // 2026-12-03, inside the fixture's validity
        return c;
    }();
    fuzz::refuse_or_run([&] {
        const tsign::OcspCheckReport r = tsign::check_ocsp_response(fuzz::bytes(data, size), cert, issuer, o);
        fuzz::require_utf8("ocsp check --json", r.to_json());
    });
    return 0;
}
