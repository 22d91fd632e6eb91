// Signs every file named on the command line in one process (one key load, one token login) and
// prints the rate. Usage: tsign-bench-sign KEY CERT PIN_SOURCE FILE...
// Outputs go to FILE.p7s (replaced). Used by bench/run.sh; not a test.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "tsign/cms.hpp"
#include "tsign/error.hpp"
#include "tsign/io.hpp"
#include "tsign/keys.hpp"

int main(int argc, char** argv) {
    if (argc < 5) {
        std::fprintf(stderr, "usage: %s KEY CERT PIN_SOURCE FILE...\n", argv[0]);
        return 2;
    }
    try {
        tsign::KeyOptions ko;
        ko.spec = argv[1];
        ko.cert_file = argv[2];
        ko.pin = tsign::PinSource::parse(argv[3]);
        auto signer = tsign::open_signer(ko);
        const auto start = std::chrono::steady_clock::now();
        int n = 0;
        for (int i = 4; i < argc; ++i, ++n) {
            const tsign::Bytes sig = tsign::sign_document(*signer, argv[i], {});
            tsign::write_file_atomic(std::string(argv[i]) + ".p7s", sig, {.force = true});
        }
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::printf("%d %.3f %.1f\n", n, s, n / s);
    } catch (const tsign::Error& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return static_cast<int>(e.exit_code());
    }
    return 0;
}
