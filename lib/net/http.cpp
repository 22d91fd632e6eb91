#include "net/http.hpp"
#include "net/curl.hpp"

#include <memory>
#include <mutex>

#include <curl/curl.h>

#include "tsign/error.hpp"

namespace tsign::net {

namespace {

struct Sink {
    Bytes* out;
    std::size_t max;
    bool too_big = false;
};

size_t on_data(char* p, size_t size, size_t n, void* user) noexcept {
    auto* s = static_cast<Sink*>(user);
    const size_t len = size * n;
    if (s->out->size() + len > s->max) {
        s->too_big = true;
        return 0;
    }
    try {  // nothing is thrown through libcurl
        s->out->insert(s->out->end(), p, p + len);
    } catch (...) {
        s->too_big = true;
        return 0;
    }
    return len;
}

Fetched perform(const std::string& url, const std::string* content_type, const Bytes* body, int timeout, std::size_t max_body) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    const CurlPtr handle(curl_easy_init());
    if (!handle) throw Error(Errc::internal, "cannot start an HTTP client");
    CURL* c = handle.get();
    Fetched r;
    Sink sink{&r.body, max_body};
    SlistPtr headers;
    char err[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(timeout));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(timeout));
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "tsign");
    if (body != nullptr) {
        curl_slist* list = curl_slist_append(nullptr, ("Content-Type: " + *content_type).c_str());
        if (list == nullptr) throw Error(Errc::internal, "cannot prepare an HTTP request");
        headers.reset(list);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->data());
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
    }
    const CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
        char* ct = nullptr;
        curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
        if (ct) r.content_type = ct;
    }
    if (sink.too_big) throw Error(Errc::network, url + ": the answer is larger than " + std::to_string(max_body) + " bytes");
    if (rc != CURLE_OK)
        throw Error(Errc::network, url + ": " + (err[0] ? std::string(err) : std::string(curl_easy_strerror(rc))));
    return r;
}

}  // namespace

Fetched post(const std::string& url, const std::string& content_type, const Bytes& body, int timeout_seconds,
             std::size_t max_body) {
    return perform(url, &content_type, &body, timeout_seconds, max_body);
}

Fetched get(const std::string& url, int timeout_seconds, std::size_t max_body) {
    return perform(url, nullptr, nullptr, timeout_seconds, max_body);
}

}  // namespace tsign::net
