// The RFC 7512 PKCS#11 URI parser (--key pkcs11:..., token commands). Invariant: what parse()
// accepts, to_string() writes back as a URI that parses to the same thing.
#include "fuzz_common.hpp"
#include "tsign/pkcs11_uri.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    fuzz::refuse_or_run([&] {
        (void)tsign::Pkcs11Uri::is_uri(text);
        const tsign::Pkcs11Uri uri = tsign::Pkcs11Uri::parse(text);
        const std::string once = uri.to_string();
        const std::string twice = tsign::Pkcs11Uri::parse(once).to_string();
        if (once != twice) {
            std::fprintf(stderr, "FINDING: PKCS#11 URI round trip differs:\n  %s\n  %s\n", once.c_str(), twice.c_str());
            std::abort();
        }
    });
    return 0;
}
