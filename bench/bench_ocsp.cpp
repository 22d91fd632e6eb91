// OCSP load generator: T threads each POST the same request N times (a new connection each time,
// as `openssl ocsp -port` closes every connection). Usage: tsign-bench-ocsp HOST PORT REQUEST.der T N
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

int main(int argc, char** argv) {
    if (argc < 6) {
        std::fprintf(stderr, "usage: %s HOST PORT REQUEST.der THREADS N\n", argv[0]);
        return 2;
    }
    std::ifstream f(argv[3], std::ios::binary);
    const std::string body((std::istreambuf_iterator<char>(f)), {});
    const int threads = std::stoi(argv[4]), n = std::stoi(argv[5]);
    std::atomic<int> ok{0}, failed{0};
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
        pool.emplace_back([&] {
            for (int i = 0; i < n; ++i) {
                httplib::Client cli(argv[1], std::stoi(argv[2]));
                cli.set_keep_alive(false);
                auto res = cli.Post("/", body, "application/ocsp-request");
                if (res && res->status == 200 && !res->body.empty()) ++ok;
                else ++failed;
            }
        });
    for (auto& th : pool) th.join();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%d %d %.3f %.1f\n", ok.load(), failed.load(), s, ok / s);
    return failed > 0 ? 1 : 0;
}
