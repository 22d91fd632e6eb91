// `tsign info` on any bytes: certificates, CSRs, CRLs, keys, PKCS#12, CMS, timestamp and OCSP
// objects, PEM or DER. Both the JSON and the human text must be valid UTF-8.
#include "fuzz_common.hpp"
#include "tsign/x509.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::refuse_or_run([&] {
        const tsign::Description d = tsign::describe(fuzz::bytes(data, size), "input", {});
        fuzz::require_utf8("info --json", d.json);
        fuzz::require_utf8("info", d.text);
    });
    return 0;
}
