// Internal: an HTTP POST client (libcurl) for TSA, OCSP and CRL requests.
#pragma once

#include <string>

#include "tsign/io.hpp"

namespace tsign::net {

struct Fetched {
    long status = 0;
    std::string content_type;
    Bytes body;
};

/// POSTs body to url. Throws Errc::network on connection errors and time-outs; HTTP error
/// statuses are returned, not thrown. Responses over max_body bytes are an error.
Fetched post(const std::string& url, const std::string& content_type, const Bytes& body, int timeout_seconds,
             std::size_t max_body = 1 << 20);

/// GETs url (same rules).
Fetched get(const std::string& url, int timeout_seconds, std::size_t max_body = 64 << 20);

}  // namespace tsign::net
