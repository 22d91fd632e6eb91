// The CSR reader and the CA's checks of a request (`tsign ca issue --csr FILE`): a CSR from a
// portal upload is parsed, its self-signature, key and extensions judged against a profile, and
// a certificate issued or the request refused.
#include <memory>

#include "fuzz_ca_common.hpp"
#include "tsign/x509.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static std::unique_ptr<tsign::CertificateAuthority> ca;
    static int issued = 0;
    if (!ca || ++issued % fuzz::kIssuancesPerCa == 0) {
        ca.reset();
        ca = std::make_unique<tsign::CertificateAuthority>(fuzz::new_ca(), fuzz::ca_key());
    }
    const tsign::Bytes csr = fuzz::bytes(data, size);
    for (const char* profile : {"signer", "tsa"}) {
        fuzz::refuse_or_run([&] {
            tsign::IssueOptions o;
            o.profile = profile;
            (void)ca->issue(csr, o);
        });
    }
    return 0;
}
