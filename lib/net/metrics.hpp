// Internal: counters, gauges and histograms rendered in the Prometheus text format (0.0.4).
// Lock-free on the hot path: every value is an atomic; rendering reads them without stopping writers.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace tsign::net {

/// A latency histogram with fixed buckets (seconds), from 100 µs to 10 s.
class Histogram {
public:
    static constexpr std::array<double, 14> kBounds{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                    0.025,  0.05,    0.1,    0.25,  0.5,    1,     10};
    void observe(double seconds) noexcept;
    /// "<name>_bucket{<labels>le="..."} n" lines (cumulative), then _sum and _count.
    void render(std::string& out, std::string_view name, std::string_view labels) const;
    std::uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }

private:
    std::array<std::atomic<std::uint64_t>, kBounds.size() + 1> buckets_{};  // the last one: +Inf
    std::atomic<std::uint64_t> count_{0};
    std::atomic<std::uint64_t> sum_us_{0};  // microseconds
};

/// "# HELP" and "# TYPE" lines.
void metric_header(std::string& out, std::string_view name, std::string_view type, std::string_view help);

/// One sample line: name{labels} value.
void metric_line(std::string& out, std::string_view name, std::string_view labels, double value);

}  // namespace tsign::net
