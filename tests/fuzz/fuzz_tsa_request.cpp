// The TSA's request parser (`tsign tsa serve`, the body of a POST): any bytes must give a DER
// TimeStampResp, a token (archived first) or a rejection. The sample TSA key and certificate.
#include <cstdlib>
#include <filesystem>
#include <memory>

#include <openssl/ts.h>

#include "fuzz_common.hpp"
#include "tsp/tsp_impl.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static std::unique_ptr<tsign::detail::TsaResponder> tsa;
    static int answered = 0;
    if (!tsa || ++answered % 20000 == 0) {  // a new archive now and then: long runs do not fill tmpfs
        tsa.reset();
        std::filesystem::remove_all(fuzz::scratch() + "/tsa");
        setenv("TSIGN_FUZZ_PASS", "tsign-sample", 1);
        tsign::TsaServeOptions o;
        o.key.spec = fuzz::source("certs-sample/tsa.key.pem");
        o.key.cert_file = fuzz::source("certs-sample/tsa.crt.pem");
        o.key.pin = tsign::PinSource::parse("env:TSIGN_FUZZ_PASS");
        o.state_dir = fuzz::scratch() + "/tsa";
        tsa = std::make_unique<tsign::detail::TsaResponder>(o);
        // Closed at exit before OpenSSL's own clean-up (registered earlier, it runs later): its key
        // is bound to an ENGINE that must still exist.
        static const bool closed_at_exit = std::atexit([] { tsa.reset(); }) == 0;
        (void)closed_at_exit;
    }
    fuzz::refuse_or_run([&] {
        const tsign::Bytes der = tsa->respond(fuzz::bytes(data, size));
        const unsigned char* p = der.data();
        const std::unique_ptr<TS_RESP, decltype(&TS_RESP_free)> r(d2i_TS_RESP(nullptr, &p, static_cast<long>(der.size())),
                                                                  TS_RESP_free);
        if (!r || p != der.data() + der.size()) {
            std::fprintf(stderr, "FINDING: the TSA answered with something that is not a TimeStampResp\n");
            std::abort();
        }
    });
    return 0;
}
