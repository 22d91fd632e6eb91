/// @file verify.hpp
/// RFC 5280 path validation: the engine behind `tsign cert verify` and the signer checks of
/// `tsign verify`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tsign/findings.hpp"
#include "tsign/io.hpp"

// Everything declared here is the library's public interface (exported from libtsign.so).
#pragma GCC visibility push(default)

namespace tsign {

/// How revocation is checked: auto (use what is available, say what was not checked),
/// require (no revocation information means not valid), off.
enum class RevocationMode { automatic, require, off };
/// Parses "auto", "require" or "off". Throws Errc::usage.
RevocationMode parse_revocation_mode(const std::string& text);

/// The revocation status of a certificate, as reports give it (JSON: the enumerator's name).
enum class RevocationStatus {
    not_checked,          ///< no revocation check was asked for or possible (--revocation off, auto without data)
    good,                 ///< a CRL or OCSP response says it is not revoked
    revoked,              ///< revoked at or before the validation time (or a TSA's key compromised)
    unknown,              ///< checked, but no usable CRL or OCSP response covers it
    revoked_after_proof,  ///< revoked, but after the proven time of the signature: the signature stands
};
/// The stable name: "not_checked", "good", "revoked", "unknown", "revoked_after_proof".
const char* to_string(RevocationStatus status);

/// What the end certificate must be good for.
enum class Purpose { any, signing, timestamping, ocsp };
/// Parses "signing", "timestamping", "ocsp" or "any". Throws Errc::usage.
Purpose parse_purpose(const std::string& text);

/// Inputs of path validation. Filled by field name.
struct ChainOptions {
    std::vector<std::string> trust_files;      ///< trust anchors (PEM bundles or DER)
    std::vector<std::string> untrusted_files;  ///< intermediates offered for path building
    std::vector<std::string> crl_files;        ///< CRLs (PEM bundles or DER)
    std::vector<std::string> ocsp_files;       ///< OCSP responses (DER), used before asking any responder
    RevocationMode revocation = RevocationMode::automatic;
    /// Ask the certificates' OCSP responders (AIA) and fetch CRLs from their distribution points
    /// when the given evidence does not cover a certificate. Off when TSIGN_OFFLINE is set.
    bool fetch = true;
    int fetch_timeout_seconds = 10;            ///< per OCSP responder / CRL distribution point
    std::string cache_dir;                     ///< fetched CRLs kept until nextUpdate; empty: default (~/.cache/tsign)
    std::optional<std::int64_t> at;            ///< validation time (Unix seconds); empty: now
    Purpose purpose = Purpose::any;
    std::vector<std::string> ekus;             ///< required extended key usages (OIDs or short names)
    std::optional<int> max_depth;              ///< most intermediate CA certificates allowed in the path
    // RFC 5280 §6.1.1 policy inputs
    std::vector<std::string> policies;         ///< user-initial-policy-set; empty: anyPolicy
    bool explicit_policy = false;              ///< initial-explicit-policy
    bool inhibit_policy_mapping = false;       ///< initial-policy-mapping-inhibit
    bool inhibit_any_policy = false;           ///< initial-any-policy-inhibit
    /// The validation policy (YAML, see policy.hpp); empty: the built-in one.
    std::string validation_policy_file;
    /// Report algorithms and keys the policy refuses as warnings instead of failures (old archives).
    bool allow_weak_algorithms = false;
};

/// One problem found with one certificate of the path.
struct CertFinding {
    int depth = 0;              ///< 0 = the end certificate
    std::string subject;        ///< UTF-8
    FindingCode code = FindingCode::chain_error;  ///< stable code (JSON: "certificate_expired", "revoked", ...)
    std::string message;        ///< human text
};

/// The outcome of path validation.
struct ChainReport {
    bool valid = false;
    std::vector<std::string> chain;          ///< subjects, end certificate first, trust anchor last
    std::vector<CertFinding> findings;       ///< every problem, per certificate
    std::vector<std::string> notes;          ///< what was not checked (auto revocation)
    RevocationStatus revocation = RevocationStatus::not_checked;  ///< of the end certificate
    /// When revocation is revoked or revoked_after_proof: the revocation date and its CRL reason
    /// ("keyCompromise", ...; empty when none was given).
    std::optional<std::int64_t> revocation_time;
    std::string revocation_reason;
    Indication indication = Indication::total_passed;  ///< ETSI EN 319 102-1
    SubIndication sub_indication = SubIndication::none;
    std::int64_t validation_time = 0;        ///< the time the path was validated at (Unix seconds)
    std::string policy_name, policy_sha256;  ///< the validation policy used
    /// The report as one JSON document.
    std::string to_json() const;
};

/// Validates the certificate (PEM or DER bytes) against the options.
ChainReport verify_certificate(const Bytes& certificate, const ChainOptions& options);

}  // namespace tsign

#pragma GCC visibility pop
