// Internal: trust material loaded once and the path validation used by cert verify and CMS verify.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <map>

#include "core/ossl.hpp"
#include "policy/policy.hpp"
#include "x509/revocation.hpp"
#include "tsign/verify.hpp"

namespace tsign::detail {

/// All certificates in a file: one DER certificate or any number of PEM certificates.
std::vector<ossl::X509Ptr> load_certificates(const std::string& path);
/// All CRLs in a file (DER or PEM).
std::vector<ossl::X509CrlPtr> load_crls(const std::string& path);

/// Adds a finding for an algorithm the policy refuses (or a warning when weak algorithms are
/// allowed). Returns false when the check passed.
bool crypto_finding(const CryptoCheck& c, int depth, const std::string& subject, const std::string& what, bool allow_weak,
                    std::vector<CertFinding>& findings, std::vector<std::string>& notes);

/// The certificates and revocation data (DER) a validation used: what CAdES-LT embeds.
struct Evidence {
    std::vector<Bytes> certificates, crls, ocsp;
};

/// How TrustMaterial::validate() judges a path, filled by field name.
struct ValidateOptions {
    /// The validation time (Unix seconds); none: now.
    std::optional<std::int64_t> at;
    /// `at` comes from proof (a timestamp, the user's --at): a revocation dated after it does not count.
    bool at_proven = false;
    /// More intermediates to offer (e.g. the certificates of a CMS message).
    STACK_OF(X509) * extra_untrusted = nullptr;
    /// When given, receives the certificates, CRLs and OCSP responses that served (what CAdES-LT embeds).
    Evidence* used = nullptr;
    /// When keys and signature algorithms of the path and its CRLs are judged: the time of a proof
    /// of existence of what the path serves (default: `at`).
    std::optional<std::int64_t> crypto_time;
};

/// Trust anchors, intermediates and CRLs from ChainOptions, loaded once.
class TrustMaterial {
public:
    explicit TrustMaterial(const ChainOptions& options);
    const ChainOptions& options() const { return options_; }
    /// Validates leaf (RFC 5280 §6.1) as the options say. Revocation evidence: the given and
    /// embedded CRLs and OCSP responses first; then, unless fetching is off, the certificate's
    /// OCSP responder and CRL distribution points.
    ChainReport validate(X509* leaf, const ValidateOptions& options) const;
    /// Adds revocation data carried by a signature (CAdES-LT): CRLs and OCSP responses, DER.
    void add_evidence(const std::vector<Bytes>& crls, const std::vector<Bytes>& ocsp_responses);
    /// Certificates offered as untrusted (for finding signer certificates).
    const std::vector<ossl::X509Ptr>& untrusted() const { return untrusted_; }
    /// The validation policy in force (options.validation_policy_file, else the built-in one).
    const Policy& policy() const { return *policy_; }
    std::shared_ptr<const Policy> shared_policy() const { return policy_; }

private:
    void add_crl(ossl::X509CrlPtr crl, const std::string& source);
    /// What gather_revocation() found, per depth of the path.
    struct Gathered {
        std::vector<ossl::X509CrlPtr> fetched;   ///< CRLs fetched (also pushed onto the CRL stack)
        std::map<int, OcspVerdict> answers;      ///< usable OCSP answers
        std::map<int, std::string> unreachable;  ///< why no revocation data could be had
        std::map<int, std::string> stale;        ///< OCSP answers too old for the policy
        std::vector<CertFinding> crypto;         ///< evidence signed with what the policy refuses
        std::vector<std::string> notes;
    };
    /// OCSP answers (given, then fetched) and fetched CRLs (pushed onto crls) for the path of leaf at time t.
    Gathered gather_revocation(X509_STORE* store, X509* leaf, STACK_OF(X509) * untrusted, STACK_OF(X509_CRL) * crls,
                               std::int64_t t, const ValidateOptions& options) const;
    ChainOptions options_;
    std::shared_ptr<const Policy> policy_;
    std::vector<ossl::X509Ptr> trust_;
    std::vector<ossl::X509Ptr> untrusted_;
    std::vector<ossl::X509CrlPtr> crls_;
    std::vector<ossl::OcspRespPtr> ocsp_;
    std::vector<std::string> notes_;  // CRLs not used, and why
};

}  // namespace tsign::detail
