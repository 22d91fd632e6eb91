// Stable JSON strings of the verification codes (include/tsign/findings.hpp).
#include "tsign/findings.hpp"

#include <array>
#include <utility>

#include "tsign/cms.hpp"

namespace tsign {

namespace {

constexpr std::array kIndications{"TOTAL_PASSED", "TOTAL_FAILED", "INDETERMINATE"};
constexpr std::array kSubIndications{"",
                                     "FORMAT_FAILURE",
                                     "HASH_FAILURE",
                                     "SIG_CRYPTO_FAILURE",
                                     "REVOKED",
                                     "SIG_CONSTRAINTS_FAILURE",
                                     "CHAIN_CONSTRAINTS_FAILURE",
                                     "CERTIFICATE_CHAIN_GENERAL_FAILURE",
                                     "CRYPTO_CONSTRAINTS_FAILURE",
                                     "EXPIRED",
                                     "NOT_YET_VALID",
                                     "POLICY_PROCESSING_ERROR",
                                     "TIMESTAMP_ORDER_FAILURE",
                                     "NO_SIGNING_CERTIFICATE_FOUND",
                                     "NO_CERTIFICATE_CHAIN_FOUND",
                                     "REVOKED_NO_POE",
                                     "REVOKED_CA_NO_POE",
                                     "OUT_OF_BOUNDS_NO_POE",
                                     "OUT_OF_BOUNDS_NOT_REVOKED",
                                     "CRYPTO_CONSTRAINTS_FAILURE_NO_POE",
                                     "NO_POE",
                                     "TRY_LATER",
                                     "SIGNED_DATA_NOT_FOUND"};
constexpr std::array kFindings{"certificate_expired",
                               "certificate_not_yet_valid",
                               "revoked",
                               "no_chain_to_trust_anchor",
                               "revocation_unknown",
                               "revocation_not_fresh",
                               "crl_out_of_date",
                               "bad_signature",
                               "invalid_ca",
                               "path_length_exceeded",
                               "key_usage",
                               "policy",
                               "name_constraints",
                               "purpose",
                               "weak_algorithm",
                               "algorithm_expired",
                               "chain_error",
                               "malformed_certificate",
                               "signer_certificate_not_found",
                               "signing_certificate_mismatch",
                               "signature_invalid",
                               "hash_mismatch",
                               "message_digest_missing",
                               "content_type_mismatch",
                               "signing_time_after_timestamp",
                               "timestamp_invalid",
                               "timestamp_index_changed",
                               "not_in_roster",
                               "malformed_signed_attributes",
                               "pdf_byte_range_invalid",
                               "pdf_contents_extra_data",
                               "pdf_unsupported_subfilter",
                               "pdf_modified_after_signing",
                               "pdf_docmdp_violation"};
constexpr std::array kScopes{"signer", "chain", "signature-timestamp", "archive-timestamp", "roster"};
constexpr std::array kTimeSources{"current", "signature-timestamp", "archive-timestamp", "user"};

static_assert(kSubIndications.size() == static_cast<std::size_t>(SubIndication::signed_data_not_found) + 1);
static_assert(kFindings.size() == static_cast<std::size_t>(FindingCode::pdf_docmdp_violation) + 1);

template <typename E, std::size_t N>
std::optional<E> lookup(const std::array<const char*, N>& names, std::string_view s) {
    for (std::size_t i = 0; i < N; ++i)
        if (s == names[i]) return static_cast<E>(i);
    return std::nullopt;
}

}  // namespace

const char* to_string(Indication v) { return kIndications.at(static_cast<std::size_t>(v)); }
const char* to_string(SubIndication v) { return kSubIndications.at(static_cast<std::size_t>(v)); }
const char* to_string(FindingCode v) { return kFindings.at(static_cast<std::size_t>(v)); }
const char* to_string(FindingScope v) { return kScopes.at(static_cast<std::size_t>(v)); }
const char* to_string(TimeSource v) { return kTimeSources.at(static_cast<std::size_t>(v)); }

std::optional<Indication> indication_from_string(std::string_view s) { return lookup<Indication>(kIndications, s); }
std::optional<SubIndication> sub_indication_from_string(std::string_view s) {
    if (s.empty()) return std::nullopt;
    return lookup<SubIndication>(kSubIndications, s);
}
std::optional<FindingCode> finding_code_from_string(std::string_view s) { return lookup<FindingCode>(kFindings, s); }

}  // namespace tsign
