/// @file x509.hpp
/// Names, certificate requests and the description of PKI objects.
#pragma once

#include <string>
#include <vector>

#include "tsign/io.hpp"
#include "tsign/keys.hpp"

// Everything declared here is the library's public interface (exported from libtsign.so).
#pragma GCC visibility push(default)

namespace tsign {

/// Options of make_csr(). Filled by field name.
struct CsrOptions {
    std::string subject;                        ///< "/CN=علی رضایی/O=شهرداری تهران/C=IR" (UTF-8)
    SignatureScheme scheme;                     ///< digest and RSA padding of the CSR's signature
    std::vector<std::string> emails;            ///< subjectAltName rfc822Name entries
    std::vector<std::string> dns_names;         ///< subjectAltName dNSName entries
};

/// Builds a PKCS#10 request for the signer's key and signs it with that key (file or token).
/// Returns DER.
Bytes make_csr(Signer& signer, const CsrOptions& options);

/// Checks that a DN in OpenSSL slash form parses; returns its UTF-8 one-line form
/// ("CN=علی رضایی, O=شهرداری تهران, C=IR"). Throws Errc::usage.
std::string normalize_dn(const std::string& slash_dn);

/// Options of describe().
struct DescribeOptions {
    bool jalali = true;  ///< human text also shows Solar Hijri dates
};

/// A description of a PKI object: its kind, a JSON document and a human text.
struct Description {
    std::string kind;  ///< "certificate", "csr", "private-key", "crl", "public-key", "pkcs12"
    std::string json;  ///< one JSON document
    std::string text;  ///< human-readable, UTF-8 names, dates with Jalali unless turned off
};

/// Detects what the bytes are (PEM or DER) and describes them. Throws Errc::malformed.
Description describe(const Bytes& data, const std::string& name, const DescribeOptions& options = {});

}  // namespace tsign

#pragma GCC visibility pop
