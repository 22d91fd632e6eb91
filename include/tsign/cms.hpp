/// @file cms.hpp
/// CMS SignedData with CAdES baseline B-B attributes: sign, co-sign, verify.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tsign/findings.hpp"
#include "tsign/io.hpp"
#include "tsign/keys.hpp"
#include "tsign/verify.hpp"

// Everything declared here is the library's public interface (exported from libtsign.so).
#pragma GCC visibility push(default)

namespace tsign {

/// Options of sign_document(). Filled by field name.
struct SignOptions {
    SignatureScheme scheme;                 ///< digest and RSA padding
    bool attached = false;                  ///< embed the document (default: detached)
    std::vector<std::string> chain_files;   ///< extra certificates to embed (duplicates are dropped)
    std::vector<std::string> tsa_urls;      ///< CAdES-B-T: a signature timestamp from the first TSA that answers
    int tsa_timeout_seconds = 10;
};

/// Signs a document (streamed from the file; "-" is standard input) with a CAdES baseline B-B
/// signature: CMS SignedData with the content-type, message-digest, signing-time and
/// signing-certificate-v2 signed attributes. The signer needs a certificate (KeyOptions.cert_file
/// or one on the token); a certificate that is not valid now or not for signing is refused.
/// Returns the DER ContentInfo.
Bytes sign_document(Signer& signer, const std::string& document_path, const SignOptions& options);

/// Signs bytes in memory; otherwise as sign_document(). Returns the DER ContentInfo.
Bytes sign_data(Signer& signer, std::span<const std::uint8_t> data, const SignOptions& options);

/// Options of cosign_document(). Filled by field name.
struct CosignOptions {
    SignatureScheme scheme;
    std::vector<std::string> chain_files;
    std::string content_path;   ///< the document for a detached signature (or to check an attached one)
    bool allow_same_signer = false;     ///< allow the same certificate to sign twice (CLI: --allow-same-signer)
    std::vector<std::string> tsa_urls;  ///< CAdES-B-T for the new signer
    int tsa_timeout_seconds = 10;
};

/// Raises signers to CAdES-B-T: adds a signature timestamp (ETSI EN 319 122-1 §5.3) to every
/// signer that has none. Only those signers' unsigned attributes change. Returns DER.
Bytes extend_to_t(const Bytes& signature, const std::vector<std::string>& tsa_urls, int timeout_seconds = 10);

/// Options of extend_to_lt() and extend_to_lta(). Filled by field name.
struct ExtendOptions {
    std::vector<std::string> tsa_urls;  ///< for signers without a signature timestamp, and for archive timestamps
    int tsa_timeout_seconds = 10;
    ChainOptions chain;                 ///< trust anchors, intermediates, CRLs / OCSP responses, fetching
    std::string content_path;           ///< the document of a detached signature (needed for LTA unless SHA-256)
};

/// extend_to_t() after checking that every signer would verify (as verify_signature(), revocation
/// aside; without options.chain.trust_files, only the checks that need no trust anchor: the
/// signature value, the digest with content_path, the structure, the algorithms). Throws
/// Errc::not_valid, writing nothing, when a signer would not verify.
Bytes extend_to_t(const Bytes& signature, const ExtendOptions& options);

/// Raises signers to CAdES-LT (ETSI EN 319 122-1 §5.5.1-5.5.2): validates every signer at its
/// signature timestamp's time and every timestamp's TSA at its genTime, with revocation required,
/// and adds the certificates and the CRLs / OCSP responses used as certificate-values and
/// revocation-values unsigned attributes, so that later verification needs no network. Signers
/// without a signature timestamp get one first (tsa_urls). Only unsigned attributes change.
/// Throws Errc::network when revocation data cannot be had, Errc::not_valid when a
/// signer or TSA does not validate. Returns DER.
Bytes extend_to_lt(const Bytes& signature, const ExtendOptions& options);

/// Raises signers to CAdES-LTA: LT as above, then an archive-time-stamp-v3 (EN 319 122-1 §5.5.3,
/// with its ats-hash-index-v3) over the content, the SignerInfo and all validation data. Applied
/// to an LTA signature it renews it: validation data for the earlier archive timestamps are added,
/// then a new archive timestamp covers everything. Returns DER.
Bytes extend_to_lta(const Bytes& signature, const ExtendOptions& options);

/// Adds one parallel SignerInfo to an existing SignedData. Earlier SignerInfos stay byte for byte
/// as they were. Refuses when the document does not match the earlier signers' message digests,
/// and a second signature by the same certificate unless options.allow_same_signer. Returns DER.
Bytes cosign_document(const Bytes& signature, Signer& signer, const CosignOptions& options);

/// Options of verify_signature(). Filled by field name.
struct VerifyOptions {
    ChainOptions chain;          ///< trust anchors, intermediates, CRLs, revocation mode, --at
    std::string content_path;    ///< the document of a detached signature
    std::string roster_file;     ///< a commission roster (YAML) to check signers and quorum against
    bool allow_weak_algorithms = false;  ///< report SHA-1 / MD5 / short keys as warnings, not failures (archives)
    std::string extract_path;    ///< write the signed content of an attached signature here (atomic)
    bool force = false;          ///< replace an existing extract_path
};

/// Where the validation time of a signer came from (EN 319 102-1 §5.6.2 best-signature-time).
enum class TimeSource {
    current,              ///< no proof of existence: now. JSON "current"
    signature_timestamp,  ///< the signature timestamp's genTime. JSON "signature-timestamp"
    archive_timestamp,    ///< the earliest archive timestamp's genTime. JSON "archive-timestamp"
    user,                 ///< the user's --at. JSON "user"
};
/// Stable JSON string of a TimeSource.
const char* to_string(TimeSource v);

/// The verdict on one signer.
struct SignerReport {
    std::string subject, issuer, serial;          ///< names with RFC 4514 escaping
    Bytes certificate;                            ///< the signer's certificate (DER), empty when not found
    std::optional<std::int64_t> signing_time;     ///< the signing-time attribute: the signer's claim, never proof
    std::optional<std::int64_t> timestamp_time;   ///< a signature timestamp's time (CAdES-B-T)
    std::int64_t validation_time = 0;             ///< the time the signer was validated at
    TimeSource validation_time_source = TimeSource::current;
    std::string digest_algorithm, signature_algorithm;
    std::vector<std::string> chain;               ///< subjects, signer first
    RevocationStatus revocation = RevocationStatus::not_checked;  ///< of the signer's certificate
    std::optional<std::int64_t> revocation_time;                  ///< revoked / revoked_after_proof: the revocation date
    std::string revocation_reason;                                ///< and its CRL reason (empty when none was given)
    bool valid = false;
    Indication indication = Indication::indeterminate;  ///< ETSI EN 319 102-1
    SubIndication sub_indication = SubIndication::none;
    std::vector<Finding> findings;                ///< every problem, with its stable code
    std::vector<std::string> errors;              ///< the findings' messages, for people
    std::vector<std::string> warnings;            ///< what was not checked
    bool cades = false;                           ///< has a signing-certificate(-v2) attribute
    std::string level;                            ///< B-B, B-T, B-LT or B-LTA (what the signer carries)
    std::vector<std::int64_t> archive_timestamps; ///< times of the verified archive timestamps (LTA)
};

/// One member of a roster and what the signature says of them.
struct RosterMemberReport {
    std::string name;
    bool required = false;
    bool has_signed = false;       ///< at least one valid signer is this member
    std::vector<int> signers;      ///< indexes (into VerifyReport::signers) of the signers that are this member
};

/// The roster check (commission members, required members and quorum).
struct RosterReport {
    std::string name;
    std::string sha256;            ///< of the roster file
    int quorum = 0;
    std::vector<RosterMemberReport> members;
    std::vector<std::string> signed_members, missing_members, outsiders;  ///< names (outsiders: subjects)
    std::vector<std::string> required_missing;  ///< required members who have not signed
    bool quorum_met = false;       ///< at least `quorum` distinct members signed validly
    bool required_met = true;      ///< every required member signed validly
    /// The roster is satisfied: quorum met, every required member signed, no signer outside it.
    bool satisfied() const { return quorum_met && required_met && outsiders.empty(); }
};

/// The verdict on a whole SignedData.
struct VerifyReport {
    bool valid = false;                 ///< every signer valid (and the roster satisfied)
    std::string policy_name, policy_sha256;  ///< the validation policy used
    bool detached = true;
    std::string content_type;
    std::vector<SignerReport> signers;
    std::optional<RosterReport> roster;
    /// The report as one JSON document (CLI.md: `verify --json`).
    std::string to_json() const;
    /// The report for people; dates also in the Jalali calendar unless jalali is false.
    std::string to_text(bool jalali = true) const;
};

/// Verifies every signer of a SignedData (PEM, DER, BER or S/MIME). Throws Errc::malformed for input that
/// is not a SignedData; an invalid signature is a report with valid == false, not an exception.
VerifyReport verify_signature(const Bytes& signature, const VerifyOptions& options);

}  // namespace tsign

#pragma GCC visibility pop
