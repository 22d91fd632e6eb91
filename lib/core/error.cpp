#include "tsign/error.hpp"

namespace tsign {

ExitCode exit_code_for(Errc code) noexcept {
    const int c = static_cast<int>(code);
    if (c >= 100 && c < 200) return ExitCode::invalid;
    if (c >= 200 && c < 300) return ExitCode::usage;
    if (c >= 300 && c < 400) return ExitCode::input;
    if (c >= 400 && c < 500) return ExitCode::key;
    if (c >= 500 && c < 600) return ExitCode::network;
    return ExitCode::internal;
}

const char* errc_name(Errc code) noexcept {
    switch (code) {
    case Errc::usage: return "usage";
    case Errc::file_not_found: return "file_not_found";
    case Errc::file_unreadable: return "file_unreadable";
    case Errc::malformed: return "malformed";
    case Errc::unsupported: return "unsupported";
    case Errc::output_exists: return "output_exists";
    case Errc::output_failed: return "output_failed";
    case Errc::weak_key: return "weak_key";
    case Errc::content_mismatch: return "content_mismatch";
    case Errc::already_signed: return "already_signed";
    case Errc::profile_violation: return "profile_violation";
    case Errc::state_conflict: return "state_conflict";
    case Errc::cert_unusable: return "cert_unusable";
    case Errc::pin_incorrect: return "pin_incorrect";
    case Errc::pin_locked: return "pin_locked";
    case Errc::pin_final_try: return "pin_final_try";
    case Errc::pin_unavailable: return "pin_unavailable";
    case Errc::pin_invalid: return "pin_invalid";
    case Errc::bad_passphrase: return "bad_passphrase";
    case Errc::module_load_failed: return "module_load_failed";
    case Errc::token_not_found: return "token_not_found";
    case Errc::token_error: return "token_error";
    case Errc::key_not_found: return "key_not_found";
    case Errc::key_ambiguous: return "key_ambiguous";
    case Errc::cert_not_found: return "cert_not_found";
    case Errc::key_cert_mismatch: return "key_cert_mismatch";
    case Errc::network: return "network";
    case Errc::not_valid: return "not_valid";
    case Errc::closed: return "closed";
    case Errc::internal: return "internal";
    }
    return "internal";
}

Error::Error(Errc code, const std::string& message, const std::string& hint)
    : std::runtime_error(to_valid_utf8(message)), code_(code), hint_(to_valid_utf8(hint)) {}

Error& Error::add_detail(const std::string& detail) {
    details_.push_back(to_valid_utf8(detail));
    return *this;
}

Error& Error::set_hint(const std::string& hint) {
    hint_ = to_valid_utf8(hint);
    return *this;
}

Error& Error::set_pkcs11_rv(unsigned long rv) {
    rv_ = rv;
    return *this;
}

}  // namespace tsign
