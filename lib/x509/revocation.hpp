// Internal: revocation evidence for path validation: OCSP response checks (RFC 6960), OCSP
// requests to a certificate's AIA responder, and CRLs fetched from its distribution points with a
// disk cache kept until nextUpdate.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ossl.hpp"
#include "policy/policy.hpp"
#include "tsign/ocsp.hpp"

namespace tsign::detail {

/// What one OCSP response says about one certificate, after every check.
/// The most URLs of one kind (OCSP, CRL, caIssuers) tried for one certificate: each may cost a
/// whole timeout.
inline constexpr std::size_t kMaxUrlsPerCertificate = 3;

struct OcspVerdict {
    std::string status = "invalid";  ///< good | revoked | unknown | invalid (unusable response)
    std::string message;             ///< why it is invalid, or a summary
    std::int64_t produced_at = 0, this_update = 0, next_update = 0;  ///< next_update 0: none
    std::int64_t revocation_time = 0;
    std::optional<std::int64_t> invalidity_time;  ///< an earlier invalidityDate (single extension), if any
    std::string reason;              ///< CRL reason of a revocation ("keyCompromise", ...)
    std::string responder;           ///< subject of the certificate that signed the response
    CryptoCheck crypto;              ///< the response's signature and its responder under the policy
    bool stale = false;              ///< older than the policy's revocation max_age
};

/// What check_ocsp() judges a response against, filled by field name.
struct OcspCheckContext {
    std::vector<X509*> trust;              ///< anchors for a delegated responder's path
    STACK_OF(X509) * untrusted = nullptr;  ///< intermediates for that path
    std::int64_t at = 0;                   ///< the time the answer must be fresh at
    bool at_proven = false;                ///< `at` is proven (a newer response is then the better evidence)
    OCSP_REQUEST* request = nullptr;       ///< when given, its nonce must be answered
    const Policy* policy = nullptr;        ///< algorithms and max_age (none: not judged)
};

/// Checks resp about cert (issued by issuer): response status, signature, responder
/// authorisation (the CA itself or a delegated responder with OCSPSigning issued by the CA, its
/// path to `trust` valid at producedAt), the certID, the nonce of `request` when given, and
/// freshness at `at` (thisUpdate not after at + 5 min and nextUpdate not before at - 5 min; with a
/// proven past time, a newer response is the better evidence and is accepted).
OcspVerdict check_ocsp(OCSP_RESPONSE* resp, X509* cert, X509* issuer, const OcspCheckContext& context);

/// check_ocsp_response() on parsed objects (cert issued by issuer): the responder's anchors are
/// trust.trust_files, or the issuer alone when there are none (the response is then the issuer's
/// word about its own certificate); with request, its nonce must be answered.
OcspCheckReport check_ocsp_report(OCSP_RESPONSE* resp, X509* cert, X509* issuer, const ChainOptions& trust,
                                  OCSP_REQUEST* request = nullptr);

/// True when the response holds a single response about cert (any certID hash algorithm).
bool ocsp_is_about(OCSP_RESPONSE* resp, X509* cert, X509* issuer);

/// Asks the certificate's AIA OCSP responder (POST, with a nonce), or the responders in urls when
/// given. On failure returns nothing and says why in *why.
struct OcspFetch {
    ossl::OcspRespPtr response;
    ossl::OcspReqPtr request;
    std::string url;
};
std::optional<OcspFetch> fetch_ocsp(X509* cert, X509* issuer, int timeout_seconds, std::string* why,
                                    const std::vector<std::string>& urls = {});

/// The HTTP(S) CRL distribution points of a certificate.
std::vector<std::string> crl_urls(X509* cert);
/// The OCSP responder URLs of a certificate (AIA).
std::vector<std::string> ocsp_urls(X509* cert);

/// Downloads a CRL (DER or PEM) from url, or takes it from the cache in cache_dir while its
/// nextUpdate is in the future. Returns nothing and says why in *why on failure.
ossl::X509CrlPtr fetch_crl(const std::string& url, const std::string& cache_dir, int timeout_seconds, std::string* why);

/// The default cache folder: $TSIGN_CACHE_DIR, else $XDG_CACHE_HOME/tsign, else ~/.cache/tsign.
std::string default_cache_dir();

/// True unless TSIGN_OFFLINE is set to a non-empty value other than 0: network fetching allowed.
bool network_allowed_by_environment();

}  // namespace tsign::detail
