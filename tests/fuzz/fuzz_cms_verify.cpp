// CMS/CAdES verification of any bytes (PEM, DER, BER, S/MIME), as `tsign verify SIG [DOC]` runs
// it: offline, against fixed trust anchors, with every check on. Built twice: attached
// (fuzz_cms_verify) and with the detached content of the seed corpus (fuzz_cms_verify_detached).
#include "fuzz_common.hpp"
#include "tsign/cms.hpp"

namespace {
tsign::VerifyOptions options() {
    tsign::VerifyOptions o;
    // the anchors of the seeds, and of the regression inputs (tests/fuzz/regressions/_fixtures)
    o.chain.trust_files = {fuzz::source("tests/fuzz/fixtures/verify-trust.pem"),
                           fuzz::source("tests/fuzz/regressions/_fixtures/trust.pem")};
    o.chain.untrusted_files = {fuzz::source("tests/fuzz/regressions/_fixtures/untrusted.pem")};
    o.chain.fetch = false;
#ifdef FUZZ_DETACHED
    o.content_path = fuzz::source("tests/fuzz/fixtures/doc.txt");
#endif
    return o;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const tsign::VerifyOptions o = options();
    fuzz::refuse_or_run([&] {
        const tsign::VerifyReport r = tsign::verify_signature(fuzz::bytes(data, size), o);
        fuzz::require_utf8("verify --json", r.to_json());
        fuzz::require_utf8("the verify report", r.to_text(true));
    });
    return 0;
}
