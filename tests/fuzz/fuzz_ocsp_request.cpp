// The OCSP responder's request parser and answer (what `tsign ocsp serve` does with a POST body
// or a GET request target, when the input starts with '/'): any bytes must give a DER
// OCSPResponse (malformedRequest at worst), or HTTP 400 for a malformed GET percent-encoding.
#include <memory>
#include <optional>
#include <string_view>

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
        // an input starting with '/' is a GET request target (RFC 6960 A.1), anything else a POST body
        tsign::Bytes der;
        if (size > 0 && data[0] == '/') {
            const std::optional<tsign::Bytes> got =
                responder->respond_get(std::string_view(reinterpret_cast<const char*>(data), size));
            if (!got) return;  // malformed percent-encoding: HTTP 400
            der = *got;
        } else {
            der = responder->respond(fuzz::bytes(data, size));
        }
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
