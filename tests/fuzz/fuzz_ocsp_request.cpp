// The OCSP responder's request parser and answer (what `tsign ocsp serve` does with a POST body
// or a decoded GET path): any bytes must give a DER OCSPResponse (malformedRequest at worst).
#include <memory>

#include <openssl/ocsp.h>

#include "fuzz_ca_common.hpp"
#include "tsign/ocsp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static tsign::OcspResponder* responder = [] {
        tsign::OcspServeOptions o;
        o.dir = fuzz::new_ca();
        o.ca_key = fuzz::ca_key();
        return new tsign::OcspResponder(o);
    }();
    fuzz::refuse_or_run([&] {
        const tsign::Bytes der = responder->respond(fuzz::bytes(data, size));
        const unsigned char* p = der.data();
        const std::unique_ptr<OCSP_RESPONSE, decltype(&OCSP_RESPONSE_free)> r(
            d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(der.size())), OCSP_RESPONSE_free);
        if (!r || p != der.data() + der.size()) {
            std::fprintf(stderr, "FINDING: the responder answered with something that is not an OCSPResponse\n");
            std::abort();
        }
    });
    return 0;
}
