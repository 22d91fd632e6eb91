/// @file findings.hpp
/// The stable codes of verification: ETSI EN 319 102-1 indications and sub-indications, and the
/// finding codes that say what failed. Compare these enums, never the human messages. Each has a
/// stable JSON string (to_string()) that the `--json` reports carry.
#pragma once

#include <optional>
#include <string>
#include <string_view>

// Everything declared here is the library's public interface (exported from libtsign.so).
#pragma GCC visibility push(default)

namespace tsign {

/// ETSI EN 319 102-1 §5.1.3 main status indication. JSON: "TOTAL_PASSED", "TOTAL_FAILED", "INDETERMINATE".
enum class Indication { total_passed, total_failed, indeterminate };

/// ETSI EN 319 102-1 §5.1.3 sub-indications. JSON: the upper-case ETSI names ("HASH_FAILURE", ...);
/// none is JSON null.
enum class SubIndication {
    none,
    format_failure,                     ///< FORMAT_FAILURE
    hash_failure,                       ///< HASH_FAILURE
    sig_crypto_failure,                 ///< SIG_CRYPTO_FAILURE
    revoked,                            ///< REVOKED
    sig_constraints_failure,            ///< SIG_CONSTRAINTS_FAILURE
    chain_constraints_failure,          ///< CHAIN_CONSTRAINTS_FAILURE
    certificate_chain_general_failure,  ///< CERTIFICATE_CHAIN_GENERAL_FAILURE
    crypto_constraints_failure,         ///< CRYPTO_CONSTRAINTS_FAILURE
    expired,                            ///< EXPIRED
    not_yet_valid,                      ///< NOT_YET_VALID
    policy_processing_error,            ///< POLICY_PROCESSING_ERROR
    timestamp_order_failure,            ///< TIMESTAMP_ORDER_FAILURE
    no_signing_certificate_found,       ///< NO_SIGNING_CERTIFICATE_FOUND
    no_certificate_chain_found,         ///< NO_CERTIFICATE_CHAIN_FOUND
    revoked_no_poe,                     ///< REVOKED_NO_POE
    revoked_ca_no_poe,                  ///< REVOKED_CA_NO_POE
    out_of_bounds_no_poe,               ///< OUT_OF_BOUNDS_NO_POE
    out_of_bounds_not_revoked,          ///< OUT_OF_BOUNDS_NOT_REVOKED
    crypto_constraints_failure_no_poe,  ///< CRYPTO_CONSTRAINTS_FAILURE_NO_POE
    no_poe,                             ///< NO_POE
    try_later,                          ///< TRY_LATER
    signed_data_not_found,              ///< SIGNED_DATA_NOT_FOUND
};

/// What one check found. JSON: the snake_case names below.
enum class FindingCode {
    // --- a certificate of a path (signer, TSA, OCSP responder, CRL issuer) ---
    certificate_expired,        ///< outside its validity at the validation time
    certificate_not_yet_valid,  ///< before its notBefore at the validation time
    revoked,                    ///< revoked before the validation time (or a TSA revoked for key compromise)
    no_chain_to_trust_anchor,   ///< no path to a given trust anchor
    revocation_unknown,         ///< no usable CRL / OCSP response (under --revocation require)
    revocation_not_fresh,       ///< revocation data older than the policy's maximum age
    crl_out_of_date,            ///< the CRL's nextUpdate has passed
    bad_signature,              ///< a certificate's or CRL's signature does not verify
    invalid_ca,                 ///< an issuer that is not a CA
    path_length_exceeded,       ///< basicConstraints pathLenConstraint exceeded
    key_usage,                  ///< key usage does not allow the use
    policy,                     ///< RFC 5280 certificate policy processing failed
    name_constraints,           ///< a name outside the issuer's name constraints
    purpose,                    ///< the extended key usage does not allow the use
    weak_algorithm,             ///< an algorithm or key size the validation policy never accepts
    algorithm_expired,          ///< accepted by the policy only until a date before the proof of existence
    chain_error,                ///< any other path validation failure
    malformed_certificate,      ///< breaks the RFC 5280 profile
    // --- the signature itself ---
    signer_certificate_not_found,  ///< the signer's certificate is neither in the signature nor given
    signing_certificate_mismatch,  ///< the signing-certificate(-v2) attribute names another certificate
    signature_invalid,             ///< the signature value does not verify
    hash_mismatch,                 ///< the document (or a covered value) is not what was signed
    message_digest_missing,        ///< signed attributes without a message-digest
    content_type_mismatch,         ///< the content-type attribute is missing or differs from eContentType
    signing_time_after_timestamp,  ///< the claimed signing time is after the proven time
    // --- timestamps (signature and archive timestamps) ---
    timestamp_invalid,        ///< a token that does not verify (signature, imprint, format)
    timestamp_index_changed,  ///< a value an archive timestamp covered was removed or changed
    // --- roster ---
    not_in_roster,  ///< the signer is not a member of the given roster
    // --- added later (appended: the values above stay stable) ---
    malformed_signed_attributes,  ///< signed attributes that break RFC 5652 §11 (missing, repeated, not allowed)
    // --- PDF signatures (PAdES) ---
    pdf_byte_range_invalid,      ///< the ByteRange does not cover its whole revision except exactly /Contents
    pdf_contents_extra_data,     ///< /Contents holds more than the CMS and its zero padding
    pdf_unsupported_subfilter,   ///< a /SubFilter tsign does not verify (adbe.x509.rsa_sha1, ...)
    pdf_modified_after_signing,  ///< a later revision changed what the signature covers (not only signatures, DSS, timestamps)
    pdf_docmdp_violation,        ///< a later revision did what the certification's DocMDP permissions forbid
};

/// Where a finding was made. JSON: "signer", "chain", "signature-timestamp", "archive-timestamp", "roster".
enum class FindingScope { signer, chain, signature_timestamp, archive_timestamp, roster };

/// One finding: its code, where, about which certificate (depth in that path, -1 when none), and a
/// human message.
struct Finding {
    FindingCode code = FindingCode::chain_error;
    FindingScope scope = FindingScope::signer;
    int depth = -1;
    std::string subject;  ///< the certificate concerned (RFC 4514 escaping), empty when none
    std::string message;
};

/// Stable JSON strings.
const char* to_string(Indication v);
const char* to_string(SubIndication v);  ///< "" for none
const char* to_string(FindingCode v);
const char* to_string(FindingScope v);

/// The reverse, for tools that read reports; nothing for an unknown string.
std::optional<Indication> indication_from_string(std::string_view s);
std::optional<SubIndication> sub_indication_from_string(std::string_view s);
std::optional<FindingCode> finding_code_from_string(std::string_view s);

}  // namespace tsign

#pragma GCC visibility pop
