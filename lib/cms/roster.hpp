// Internal: the commission roster check that verify_signature() runs for VerifyOptions::roster_file,
// and the roster part of the verification report.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tsign/cms.hpp"

namespace tsign::detail {

/// Loads the roster (YAML, at most 1 MiB; see include/tsign/roster.hpp and examples/) and matches
/// every signer against its members structurally: a `certificate` member by DER equality with
/// SignerReport::certificate, `spki_sha256` by the SHA-256 of the certificate's
/// SubjectPublicKeyInfo, `subject` (+ `issuer`) by X509_NAME_cmp with the certificate's names. A
/// signer matches at most one member (the most specific entry); a member counts once however many
/// of its signers there are, and only through a valid one (SignerReport::valid). Signers that match
/// no member are RosterReport::outsiders and get a FindingCode::not_in_roster finding and error;
/// their valid flag and indication stay as they were (RosterReport::satisfied() fails instead).
/// Throws Errc::malformed / file_not_found / file_unreadable (exit 3) for a roster that cannot be
/// read or is not valid (unknown keys, quorum outside 1..members, two entries that can name the same
/// signer, files too large or not regular, ...).
RosterReport check_roster(const std::string& file, std::vector<SignerReport>& signers);

/// The "roster" object of `verify --json`: {"commission", "sha256", "quorum", "signed",
/// "not_signed", "outside_roster", "quorum_met", "required", "required_missing", "required_met",
/// "satisfied", "members": [{"name", "required", "signed", "signers": [index, ...]}]}.
nlohmann::ordered_json roster_json(const RosterReport& report);

/// The roster part of the human report (VerifyReport::to_text), one or more lines ending in '\n'.
std::string roster_text(const RosterReport& report);

}  // namespace tsign::detail
