// The certificate reader and path validation: the input is the end certificate (PEM or DER)
// validated as `tsign cert verify` does, against the sample PKI, and read as a bundle the way
// --trust / --untrusted files are.
#include "fuzz_common.hpp"
#include "tsign/verify.hpp"
#include "x509/chain.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const tsign::ChainOptions o = [] {
        tsign::ChainOptions c;
        c.trust_files = {fuzz::source("certs-sample/root.crt.pem")};
        c.untrusted_files = {fuzz::source("certs-sample/intermediate.crt.pem")};
        c.fetch = false;
        return c;
    }();
    fuzz::refuse_or_run([&] {
        const tsign::ChainReport r = tsign::verify_certificate(fuzz::bytes(data, size), o);
        fuzz::require_utf8("cert verify --json", r.to_json());
    });
    fuzz::refuse_or_run([&] { (void)tsign::detail::load_certificates(fuzz::write("bundle", data, size)); });
    return 0;
}
