// Internal: what the HTTP services (OCSP responder, TSA) share: the listen address, a worker
// pool sized to the machine, request limits, and running until SIGINT / SIGTERM.
#pragma once

#include <atomic>
#include <string>
#include <utility>

#include <httplib.h>

namespace tsign::net {

/// "ADDR:PORT" to its parts. Throws Errc::usage.
std::pair<std::string, int> parse_listen(const std::string& listen);

/// A worker per core, the request size limit and I/O time-outs.
void configure(httplib::Server& svr, std::size_t max_request);

/// Listens until SIGINT or SIGTERM (or *stop). Throws Errc::network when the address cannot be bound.
void run_until_signal(httplib::Server& svr, const std::string& listen, std::atomic<bool>* stop = nullptr);

}  // namespace tsign::net
