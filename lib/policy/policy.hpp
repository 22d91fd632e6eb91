// Internal: the validation policy as the verifiers use it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <openssl/x509.h>

#include "tsign/policy.hpp"

namespace tsign::detail {

/// What the policy says of one algorithm or key at one time.
enum class CryptoVerdict {
    ok,       ///< accepted at that time
    expired,  ///< accepted only until a date before that time (FindingCode::algorithm_expired)
    never,    ///< not accepted at all (FindingCode::weak_algorithm)
};

struct CryptoCheck {
    CryptoVerdict verdict = CryptoVerdict::ok;
    std::string what;  ///< "sha1 (accepted until 2009-12-31)", "RSA key of 1024 bits (...)"
    bool ok() const { return verdict == CryptoVerdict::ok; }
};

class Policy {
public:
    /// The policy in a file, or the built-in one for an empty path. Throws Errc::malformed.
    static std::shared_ptr<const Policy> load(const std::string& path);
    /// The built-in policy (parsed once).
    static std::shared_ptr<const Policy> builtin();

    const ValidationPolicyInfo& info() const { return info_; }

    /// ETSI TS 119 312 style checks at time t (Unix seconds): a hash function (NID of a digest).
    CryptoCheck digest(int md_nid, std::int64_t t) const;
    /// A public key's type and size.
    CryptoCheck key(EVP_PKEY* key, std::int64_t t) const;
    /// The hash function inside a signature algorithm identifier (RSA-PSS parameters read;
    /// algorithms with no separate hash, such as Ed25519, pass).
    CryptoCheck signature_hash(const X509_ALGOR* alg, std::int64_t t) const;
    /// Both of the above for a signature made by key with alg.
    CryptoCheck signature(const X509_ALGOR* alg, EVP_PKEY* key, std::int64_t t) const;

    /// OIDs (dotted) of the extended key usages a document signer's certificate may carry.
    const std::vector<std::string>& signer_ekus() const { return signer_ekus_; }
    bool revocation_required() const { return revocation_required_; }
    /// Oldest thisUpdate of a CRL / OCSP response accepted, in seconds before the validation time.
    std::optional<std::int64_t> revocation_max_age() const { return max_age_; }

private:
    static std::shared_ptr<const Policy> parse(const std::string& text, const std::string& source);
    struct KeyRule {
        std::string type;  // rsa, ec, dsa, ed25519, ed448
        int min_bits = 0;
        std::optional<std::int64_t> until;
    };
    ValidationPolicyInfo info_;
    std::map<int, std::optional<std::int64_t>> digests_;  // NID -> accepted until (none: no end)
    std::vector<KeyRule> keys_;
    std::vector<std::string> signer_ekus_;
    bool revocation_required_ = false;
    std::optional<std::int64_t> max_age_;
};

}  // namespace tsign::detail
