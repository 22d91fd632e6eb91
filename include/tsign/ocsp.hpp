/// @file ocsp.hpp
/// The OCSP responder (RFC 6960, RFC 5019 profile) and CRL publisher of a CA.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <string>

#include "tsign/ca.hpp"

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
    std::size_t max_request = 16 * 1024;  ///< larger requests are refused (HTTP 413)
    std::function<void(const std::string&)> log;  ///< one line per event (may be empty)
};

/// Answers one DER OCSP request (any malformed input gives a malformedRequest response).
class OcspResponder {
public:
    explicit OcspResponder(const OcspServeOptions& options);
    ~OcspResponder();
    Bytes respond(const Bytes& request);
    /// Signs a new CRL when there is none, when half its validity has passed, or when a
    /// revocation changed since it was signed. Returns the current CRL.
    Bytes crl();
    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

/// Serves OCSP (POST and GET on any path) and the current CRL (GET /crl) over HTTP until
/// SIGINT / SIGTERM or *stop. Throws Errc::network when the address cannot be bound.
void ocsp_serve(const OcspServeOptions& options, std::atomic<bool>* stop = nullptr);

}  // namespace tsign
