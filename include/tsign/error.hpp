/// @file error.hpp
/// The one error type of tsign: a stable code, a one-line message, an optional hint and causes.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

// Everything declared here is the library's public interface (exported from libtsign.so).
#pragma GCC visibility push(default)

namespace tsign {

/// Process exit codes of the `tsign` command (see CLI.md). Stable.
enum class ExitCode : int {
    ok = 0,        ///< success
    invalid = 1,   ///< verification ran and something is not valid
    usage = 2,     ///< bad flags or arguments
    input = 3,     ///< unreadable, malformed or unsupported input
    key = 4,       ///< key or token error (absent token, wrong PIN, key not found, mismatch)
    network = 5,   ///< network or remote service error
    internal = 6,  ///< a bug
};

/// Stable error codes. Each maps to one ExitCode (see exit_code_for()).
enum class Errc : int {
    // usage (2)
    usage = 200,
    // input (3)
    file_not_found = 300,
    file_unreadable,
    malformed,
    unsupported,
    output_exists,
    output_failed,
    weak_key,
    content_mismatch,   ///< the document is not the one the signature covers
    already_signed,     ///< this certificate has signed the document already
    profile_violation,  ///< a certificate request breaks the profile's rules
    state_conflict,     ///< the request contradicts the stored state (e.g. revoking a revoked certificate)
    // key and token (4)
    pin_incorrect = 400,
    pin_locked,
    pin_final_try,
    pin_unavailable,
    pin_invalid,
    bad_passphrase,
    module_load_failed,
    token_not_found,
    token_error,
    key_not_found,
    key_ambiguous,
    cert_not_found,
    key_cert_mismatch,
    cert_unusable,  ///< the signer certificate is expired, not yet valid or not for signing
    // network (5)
    network = 500,
    // verification (1)
    not_valid = 100,
    closed,  ///< too late: a deadline has passed, or the tender is closed
    // internal (6)
    internal = 600,
};

/// The exit code that an error code maps to.
ExitCode exit_code_for(Errc code) noexcept;

/// A stable lower-case name of an error code ("pin_incorrect"), for JSON and logs.
const char* errc_name(Errc code) noexcept;

/// Text from outside (certificate names, file names, YAML values, token labels) as valid UTF-8
/// for display, human or JSON: bytes that are not well-formed UTF-8 (RFC 3629), control characters
/// (C0, DEL, C1) and the bidirectional embedding / override / isolate controls are written as \XX
/// hex pairs (the form certificate names use, RFC 4514); other characters, Persian included, stay
/// as they are. Valid UTF-8 without control characters comes back unchanged.
std::string to_valid_utf8(std::string_view s);

/// The error type thrown by every tsign library function.
///
/// what() is a one-line human message in the form "WHAT: WHY", always valid UTF-8 (the message,
/// hint and details pass through to_valid_utf8(), so a hostile file name cannot break the one-line
/// rule or the JSON writer). hint() is an optional
/// suggestion for the user. details() holds the chain of causes (for example the OpenSSL
/// error queue), shown only on request (`--verbose`).
class Error : public std::runtime_error {
public:
    /// An error with its code, a one-line message ("WHAT: WHY") and an optional hint.
    Error(Errc code, const std::string& message, const std::string& hint = {});

    Errc code() const noexcept { return code_; }
    ExitCode exit_code() const noexcept { return exit_code_for(code_); }
    const std::string& hint() const noexcept { return hint_; }
    const std::vector<std::string>& details() const noexcept { return details_; }
    /// The raw PKCS#11 return value (CKR_*) when the error came from a token.
    std::optional<unsigned long> pkcs11_rv() const noexcept { return rv_; }

    /// Adds a cause (shown with --verbose).
    Error& add_detail(const std::string& detail);
    /// Replaces the hint.
    Error& set_hint(const std::string& hint);
    /// Records the PKCS#11 return value (CKR_*) behind the error.
    Error& set_pkcs11_rv(unsigned long rv);

private:
    Errc code_;
    std::string hint_;
    std::vector<std::string> details_;
    std::optional<unsigned long> rv_;
};

}  // namespace tsign

#pragma GCC visibility pop
