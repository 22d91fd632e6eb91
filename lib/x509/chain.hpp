// Internal: trust material loaded once and the path validation used by cert verify and CMS verify.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/ossl.hpp"
#include "tsign/verify.hpp"

namespace tsign::detail {

/// All certificates in a file: one DER certificate or any number of PEM certificates.
std::vector<ossl::X509Ptr> load_certificates(const std::string& path);
/// All CRLs in a file (DER or PEM).
std::vector<ossl::X509CrlPtr> load_crls(const std::string& path);

/// Trust anchors, intermediates and CRLs from ChainOptions, loaded once.
class TrustMaterial {
public:
    explicit TrustMaterial(const ChainOptions& options);
    const ChainOptions& options() const { return options_; }
    /// Validates leaf at time t (Unix seconds), offering extra intermediates (e.g. from a CMS message).
    /// With t_proven (a timestamp or the user's --at), a revocation dated after t does not count.
    ChainReport validate(X509* leaf, STACK_OF(X509) * extra_untrusted, std::optional<std::int64_t> t,
                         bool t_proven = false) const;
    /// Certificates offered as untrusted (for finding signer certificates).
    const std::vector<ossl::X509Ptr>& untrusted() const { return untrusted_; }

private:
    ChainOptions options_;
    std::vector<ossl::X509Ptr> trust_;
    std::vector<ossl::X509Ptr> untrusted_;
    std::vector<ossl::X509CrlPtr> crls_;
    std::vector<std::string> notes_;  // CRLs not used, and why
};

}  // namespace tsign::detail
