/// @file ocsp.hpp
/// The OCSP responder (RFC 6960, RFC 5019 profile) and CRL publisher of a CA.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "tsign/ca.hpp"
#include "tsign/server.hpp"
#include "tsign/verify.hpp"

// Everything declared here is the library's public interface (exported from libtsign.so).
#pragma GCC visibility push(default)

namespace tsign {

/// Options of ocsp_serve(). Filled by field name.
struct OcspServeOptions {
    std::string dir;                  ///< the CA folder
    std::string listen = "127.0.0.1:8080";
    CaKeyAccess ca_key;               ///< the CA key (signs responses unless a responder is given, and CRLs)
    std::string responder_key;        ///< delegated responder: key spec (file or pkcs11: URI)
    std::string responder_cert;       ///< delegated responder: certificate (OCSPSigning EKU, issued by the CA)
    CaKeyAccess responder_access;     ///< PIN / passphrase of the responder key
    double crl_hours = 24;            ///< validity of the CRLs the server signs; re-signed when half is left
    double next_update_hours = 1;     ///< validity of OCSP responses (nextUpdate - thisUpdate); re-signed when half is left
    bool ignore_nonces = false;       ///< RFC 8954: answer requests with a nonce from the pre-signed responses
    std::size_t max_request = 16 * 1024;  ///< larger requests are refused (HTTP 413)
    ServerLimits server;                  ///< connections, deadlines, threads, access log
    std::function<void(const std::string&)> log;  ///< one line per event and per request (may be empty)
};

/// Answers one DER OCSP request (any malformed input gives a malformedRequest response).
class OcspResponder {
public:
    /// Opens the CA and the responder key. Throws Errc::usage for a responder not allowed to answer.
    explicit OcspResponder(const OcspServeOptions& options);
    /// Closes the keys and the CA.
    ~OcspResponder();
    /// The DER OCSPResponse to a DER OCSPRequest.
    Bytes respond(const Bytes& request);
    /// Answers an RFC 6960 Appendix A.1 GET: the request target ("/ocsp/<url-encoded base64 of the
    /// DER request>", query ignored), percent-decoded exactly once. Empty when the percent-encoding
    /// is malformed (the server answers HTTP 400).
    std::optional<Bytes> respond_get(std::string_view target);
    /// Signs a new CRL when there is none, when half its validity has passed, or when a
    /// revocation changed since it was signed. Returns the current CRL.
    Bytes crl();
    /// The implementation (private).
    struct Impl;
    Impl& impl() { return *impl_; }

private:
    std::unique_ptr<Impl> impl_;
};

/// Serves OCSP (POST and GET on any path), the current CRL (GET /crl) and the CA certificate (GET
/// /ca.crt, DER: the target of an AIA caIssuers URL) over HTTP until SIGINT / SIGTERM or *stop.
/// Throws Errc::network when the address cannot be bound.
void ocsp_serve(const OcspServeOptions& options, std::atomic<bool>* stop = nullptr);

/// What an OCSP response says about one certificate, and whether it can be relied on.
struct OcspCheckReport {
    bool valid = false;              ///< the response verified and says "good"
    std::string status = "invalid";  ///< good | revoked | unknown | invalid (the response cannot be relied on)
    std::string message;             ///< why, in words
    std::string responder;           ///< subject of the certificate that signed the response
    std::int64_t produced_at = 0, this_update = 0, next_update = 0, revocation_time = 0;  ///< Unix seconds; 0: absent
    std::string reason;              ///< revocation reason
    /// The report as one JSON document.
    std::string to_json() const;
};

/// The checks tsign's OCSP client makes (RFC 6960): response status, signature, the responder
/// authorised by the certificate's issuer (the issuer itself, or a delegated responder with
/// OCSPSigning issued by it, whose path to trust.trust_files is valid at producedAt), the certID
/// of certificate/issuer, and freshness at trust.at (default now). Bytes are DER or PEM.
OcspCheckReport check_ocsp_response(const Bytes& response, const Bytes& certificate, const Bytes& issuer,
                                    const ChainOptions& trust);

/// Options of query_ocsp(). Filled by field name.
struct OcspQueryOptions {
    Bytes issuer;     ///< the certificate's issuer (DER or PEM); empty: fetched from its AIA caIssuers URL
    std::string url;  ///< the responder; empty: the certificate's AIA OCSP URLs, tried in order
    /// As check_ocsp_response(); without trust_files the issuer is the responder's only anchor (the
    /// answer is then the issuer's word about its own certificate). fetch_timeout_seconds per request.
    ChainOptions trust;
};

/// What query_ocsp() got.
struct OcspQueryResult {
    OcspCheckReport report;  ///< the response judged as check_ocsp_response() judges it, and its nonce
    Bytes response;          ///< the DER OCSPResponse received
    std::string serial;      ///< the certificate's serial number, uppercase hex
    std::string url;         ///< the responder that answered
    std::string issuer_url;  ///< where the issuer certificate was fetched from (empty: given)
};

/// Asks the certificate's OCSP responder about it (POST, SHA-1 CertID, with a nonce) and checks the
/// answer as check_ocsp_response() does, and its nonce (one that differs makes the report "invalid").
/// Errors: Errc::network when network access is off (TSIGN_OFFLINE, trust.fetch false), when no
/// responder (or caIssuers URL) answers, or when the responder's status is not successful
/// (malformedRequest, internalError, tryLater, unauthorized...); Errc::malformed when the certificate
/// names no responder and no url is given, names no caIssuers and no issuer is given, or the issuer
/// did not sign the certificate.
OcspQueryResult query_ocsp(const Bytes& certificate, const OcspQueryOptions& options);

}  // namespace tsign

#pragma GCC visibility pop
