// HTTP load generator for the OCSP and TSA benchmarks: T threads each POST the same request N
// times, a new connection each time (as `openssl ocsp -port` closes every connection).
// Usage: tsign-bench-http HOST PORT REQUEST.der CONTENT_TYPE THREADS N
// Prints: ok failed seconds requests/s p50_ms p99_ms
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

int main(int argc, char** argv) {
    if (argc < 7) {
        std::fprintf(stderr, "usage: %s HOST PORT REQUEST.der CONTENT_TYPE THREADS N\n", argv[0]);
        return 2;
    }
    std::ifstream f(argv[3], std::ios::binary);
    const std::string body((std::istreambuf_iterator<char>(f)), {});
    const std::string type = argv[4];
    const int threads = std::stoi(argv[5]), n = std::stoi(argv[6]);
    std::atomic<int> ok{0}, failed{0};
    std::mutex m;
    std::vector<double> latencies;
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
        pool.emplace_back([&] {
            std::vector<double> mine;
            for (int i = 0; i < n; ++i) {
                const auto s = std::chrono::steady_clock::now();
                httplib::Client cli(argv[1], std::stoi(argv[2]));
                cli.set_keep_alive(false);
                auto res = cli.Post("/", body, type);
                if (res && res->status == 200 && !res->body.empty()) ++ok;
                else ++failed;
                mine.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s).count());
            }
            std::lock_guard<std::mutex> lock(m);
            latencies.insert(latencies.end(), mine.begin(), mine.end());
        });
    for (auto& th : pool) th.join();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::sort(latencies.begin(), latencies.end());
    auto pct = [&](double p) {
        return latencies.empty() ? 0.0 : latencies[static_cast<size_t>(p * static_cast<double>(latencies.size() - 1))];
    };
    std::printf("%d %d %.3f %.1f %.2f %.2f\n", ok.load(), failed.load(), s, ok / s, pct(0.5), pct(0.99));
    return failed > 0 ? 1 : 0;
}
