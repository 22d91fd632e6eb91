// Internal: the CMS of a PAdES signature (ETSI EN 319 142-1 §6.3): detached, over the digest of
// the ByteRange, with content-type, message-digest and signing-certificate-v2 signed attributes
// and no signing-time (the /M entry carries the claimed time).
#pragma once

#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "core/ossl.hpp"
#include "tsign/keys.hpp"

namespace tsign::pdf::detail {

/// DER ContentInfo. `digest` is the ByteRange's digest with scheme.digest. With TSAs: B-T.
Bytes pades_cms(Signer& signer, X509* cert, const SignatureScheme& scheme, std::span<const std::uint8_t> digest,
                const std::vector<ossl::X509Ptr>& extra_certs, const std::vector<std::string>& tsa_urls, int tsa_timeout,
                std::mutex* sign_mutex = nullptr);

/// The most bytes pades_cms() should need for this signer (certificates, signature, attributes,
/// and a signature timestamp when `timestamp`).
std::size_t pades_cms_estimate(Signer& signer, X509* cert, const std::vector<ossl::X509Ptr>& extra_certs, bool timestamp);

}  // namespace tsign::pdf::detail
