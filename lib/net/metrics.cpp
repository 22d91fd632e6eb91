#include "net/metrics.hpp"

#include <cmath>
#include <cstdio>

namespace tsign::net {

namespace {
std::string number(double v, const char* format = "%.15g") {
    char buf[64];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}
}  // namespace

void Histogram::observe(double seconds) noexcept {
    std::size_t i = 0;
    while (i < kBounds.size() && seconds > kBounds[i]) ++i;
    buckets_[i].fetch_add(1, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
    const double us = seconds > 0 ? std::round(seconds * 1e6) : 0;
    sum_us_.fetch_add(static_cast<std::uint64_t>(us), std::memory_order_relaxed);
}

void Histogram::render(std::string& out, std::string_view name, std::string_view labels) const {
    // The count is derived from the buckets as read, so that +Inf always equals _count.
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i <= kBounds.size(); ++i) {
        cumulative += buckets_[i].load(std::memory_order_relaxed);
        out.append(name).append("_bucket{").append(labels).append(labels.empty() ? "" : ",").append("le=\"");
        out.append(i < kBounds.size() ? number(kBounds[i], "%g") : "+Inf").append("\"} ");
        out.append(std::to_string(cumulative)).push_back('\n');
    }
    const std::string braces = labels.empty() ? "" : "{" + std::string(labels) + "}";
    out.append(name).append("_sum").append(braces).append(" ");
    out.append(number(static_cast<double>(sum_us_.load(std::memory_order_relaxed)) / 1e6)).push_back('\n');
    out.append(name).append("_count").append(braces).append(" ").append(std::to_string(cumulative)).push_back('\n');
}

void metric_header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
    out.append("# HELP ").append(name).append(" ").append(help).push_back('\n');
    out.append("# TYPE ").append(name).append(" ").append(type).push_back('\n');
}

void metric_line(std::string& out, std::string_view name, std::string_view labels, double value) {
    out.append(name);
    if (!labels.empty()) out.append("{").append(labels).append("}");
    out.append(" ").append(number(value)).push_back('\n');
}

}  // namespace tsign::net
