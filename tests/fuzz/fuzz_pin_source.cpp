// PIN-source specifications (--pin-source, pin-source= in a PKCS#11 URI): prompt, env:VAR,
// file:PATH, fd:N. Parsed; an env: source is also read (the variable is set by the harness).
#include "fuzz_common.hpp"
#include "tsign/pin.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string spec(reinterpret_cast<const char*>(data), size);
    fuzz::refuse_or_run([&] {
        const tsign::PinSource p = tsign::PinSource::parse(spec);
        if (spec.rfind("env:", 0) == 0 && spec.find('\0') == std::string::npos && spec.find('=') == std::string::npos) {
            setenv(spec.c_str() + 4, "123456", 1);
            tsign::PinRequest request;
            request.prompt = "PIN: ";
            (void)p.read(request);
            unsetenv(spec.c_str() + 4);
        }
    });
    return 0;
}
