/// @file server.hpp
/// What every tsign HTTP service (the TSA, the OCSP responder, the tender portal) shares: its limits,
/// its threads, how it drains, and its access log.
#pragma once

#include <cstddef>

// Everything declared here is the library's public interface (exported from libtsign.so).
#pragma GCC visibility push(default)

namespace tsign {

/// The format of the access log (one line per request, on the service's log).
enum class AccessLogFormat { text, json, off };

/// Limits and threads of an HTTP service. Filled by field name; the defaults suit a public service.
struct ServerLimits {
    std::size_t max_header = 8 * 1024;    ///< request line and header fields; larger: HTTP 431, connection closed
    double header_timeout = 10;           ///< seconds for a whole request head, from its first byte (HTTP 408)
    double body_timeout = 10;             ///< seconds for a whole body, after its head (HTTP 408)
    double idle_timeout = 30;             ///< seconds a keep-alive connection may wait for its next request
    double write_timeout = 10;            ///< seconds for a response to be taken by the client
    std::size_t max_connections = 10000;  ///< at the limit the oldest idle connection is closed (lowered to RLIMIT_NOFILE)
    double drain_timeout = 10;            ///< on SIGTERM / SIGINT, seconds to finish the requests in flight
    unsigned workers = 0;                 ///< signing threads, apart from the I/O threads (0: one per core)
    unsigned io_threads = 0;              ///< I/O threads (0: one per core)
    std::size_t max_queue = 4096;         ///< requests waiting for a worker; more: HTTP 503
    AccessLogFormat access_log = AccessLogFormat::text;
};

}  // namespace tsign

#pragma GCC visibility pop
