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

#include <curl/curl.h>

int main(int argc, char** argv) {
    if (argc < 7) {
        std::fprintf(stderr, "usage: %s HOST PORT REQUEST.der CONTENT_TYPE THREADS N\n", argv[0]);
        return 2;
    }
    std::ifstream f(argv[3], std::ios::binary);
    const std::string body((std::istreambuf_iterator<char>(f)), {});
    const std::string type = argv[4];
    const int threads = std::stoi(argv[5]), n = std::stoi(argv[6]);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const std::string url = std::string("http://") + argv[1] + ":" + argv[2] + "/";
    std::atomic<int> ok{0}, failed{0};
    std::mutex m;
    std::vector<double> latencies;
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
        pool.emplace_back([&] {
            std::vector<double> mine;
            CURL* c = curl_easy_init();
            const std::string content_type = "Content-Type: " + type;
            curl_slist* headers = curl_slist_append(nullptr, content_type.c_str());
            headers = curl_slist_append(headers, "Expect:");
            std::string received;
            curl_easy_setopt(c, CURLOPT_URL, url.c_str());
            curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
            curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);  // a new connection per request
            curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
            curl_easy_setopt(c, CURLOPT_WRITEDATA, &received);
            curl_easy_setopt(
                c, CURLOPT_WRITEFUNCTION, +[](char* p, size_t sz, size_t nm, void* out) -> size_t {
                    static_cast<std::string*>(out)->append(p, sz * nm);
                    return sz * nm;
                });
            for (int i = 0; i < n; ++i) {
                const auto s = std::chrono::steady_clock::now();
                received.clear();
                long status = 0;
                const CURLcode rc = curl_easy_perform(c);
                curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
                if (rc == CURLE_OK && status == 200 && !received.empty())
                    ++ok;
                else ++failed;
                mine.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s).count());
            }
            curl_slist_free_all(headers);
            curl_easy_cleanup(c);
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
