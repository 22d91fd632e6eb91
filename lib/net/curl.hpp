// Internal: owning handles of libcurl objects, each release function named once.
#pragma once

#include <memory>

#include <curl/curl.h>

namespace tsign::net {

struct CurlCleanup {
    void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
};
struct SlistFree {
    void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};
using CurlPtr = std::unique_ptr<CURL, CurlCleanup>;
using SlistPtr = std::unique_ptr<curl_slist, SlistFree>;

}  // namespace tsign::net
