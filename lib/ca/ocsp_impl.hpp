// Internal: the OCSP responder's state, shared by its logic (ocsp.cpp) and its HTTP service
// (ocsp_serve.cpp).
//
// RFC 5019 / RFC 6960 the way large CAs serve it: a response about one certificate without a nonce
// is signed ahead of time and served from memory; it is re-signed when half its validity has passed,
// and at once when the certificate's status changes in the CA database (by this process or another:
// the database is watched). A request with a nonce, or about several certificates, is signed live.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "ca/ca_impl.hpp"
#include "core/ossl.hpp"
#include "tsign/ocsp.hpp"

namespace tsign {

/// One OCSP answer, as the HTTP layer serves it.
struct OcspAnswer {
    Bytes der;
    std::int64_t this_update = 0, next_update = 0;  ///< 0: not a successful single response
    bool storable = false;                          ///< one certificate, no nonce: may be kept and reused
    bool cacheable = false;                         ///< storable, and the certificate is known to the CA (HTTP caching)
    std::string etag;                               ///< quoted SHA-256 of der, when cacheable
};

struct OcspResponder::Impl {
    OcspServeOptions opt;
    CertificateAuthority ca;
    std::unique_ptr<Signer> responder;  // delegated responder, if any
    ossl::X509Ptr responder_cert;
    std::mutex sign_mutex;  // signatures with a key that is not thread-safe (tokens)
    std::mutex crl_mutex;   // one CRL decision at a time

    /// The CA's issuerNameHash / issuerKeyHash under each digest a CertID may use.
    struct IssuerId {
        int md_nid;
        Bytes name_hash, key_hash;
    };
    std::vector<IssuerId> issuer_ids;

    // The pre-signed responses, by "<digest nid>:<serial hex>".
    std::shared_mutex cache_mutex;
    std::unordered_map<std::string, std::shared_ptr<const OcspAnswer>> cache;
    std::atomic<std::uint64_t> epoch{0};  // bumped when a status changes: older signatures are not stored
    std::atomic<std::uint64_t> signatures{0}, hits{0}, misses{0};
    static constexpr std::size_t kMaxUnknown = 10000;  // "unknown" answers kept
    std::atomic<std::size_t> unknown_entries{0};

    // The background: pre-signing, re-signing, watching the database.
    std::thread background, watcher;
    std::mutex bg_mutex;
    std::condition_variable bg_cv;
    bool bg_stop = false;

    explicit Impl(const OcspServeOptions& o);
    ~Impl();

    void open_responder();
    void log(const std::string& s) {
        if (opt.log) opt.log(s);
    }
    std::int64_t validity_seconds() const;

    /// Signs with the responder or CA key; a failed token session is reopened once.
    void sign(OCSP_BASICRESP* bs);
    /// The answer to a parsed request, signed now (with the nonce echoed when include_nonce).
    OcspAnswer build(OCSP_REQUEST* req, bool include_nonce);
    /// The cache key of a request that a pre-signed response may answer; empty otherwise.
    std::string cache_key(OCSP_REQUEST* req);
    /// The pre-signed answer to a DER request, if there is a fresh one (no signing; any thread).
    std::shared_ptr<const OcspAnswer> cached(const Bytes& request);
    /// The kept answer under a cache key, if it is still fresh (empty key: none).
    std::shared_ptr<const OcspAnswer> kept(const std::string& key);
    /// The answer to a DER request: pre-signed, or signed now (and kept when it may be).
    std::shared_ptr<const OcspAnswer> answer(const Bytes& request);
    /// Signs and keeps the response about one certificate for one CertID digest.
    void presign(int md_nid, const std::string& serial_hex);
    /// Drops the responses about a certificate whose status changed, and signs them again.
    void status_changed(const std::string& serial_hex);

    void start_background();
    void stop_background();
    void background_loop();
    void watch_loop();
    /// Drops the kept "unknown" answers (the database changed: those serials may exist now).
    void drop_unknown();
    /// Oldest this_update among the kept responses (0 when none), and their number.
    std::pair<std::int64_t, std::size_t> cache_stats();
};

namespace detail {
/// The DER request of an RFC 6960 Appendix A.1 GET target, percent-decoded exactly once: nothing
/// when the percent-encoding is malformed (HTTP 400); empty bytes when it is not base64 (the
/// responder answers malformedRequest).
std::optional<Bytes> ocsp_get_request(std::string_view target);
}  // namespace detail

}  // namespace tsign
