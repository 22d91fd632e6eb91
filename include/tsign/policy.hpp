/// @file policy.hpp
/// The validation policy: the algorithms and key sizes accepted (with the date each stops being
/// accepted), the extended key usages a document signer may have, and revocation rules. One
/// readable YAML file in the spirit of EU DSS's constraint file and ETSI TS 119 172-1; every
/// verifier (verify, cert verify, timestamp verify, extend) asks it.
#pragma once

#include <string>

// Everything declared here is the library's public interface (exported from libtsign.so).
#pragma GCC visibility push(default)

namespace tsign {

/// A validation policy as loaded: its name, the SHA-256 of its text (hex), and the text.
struct ValidationPolicyInfo {
    std::string name;
    std::string sha256;
    std::string text;
};

/// The built-in validation policy (YAML text, with comments).
std::string builtin_validation_policy();

/// Loads and checks a validation policy file (YAML, at most 1 MiB); an empty path gives the
/// built-in one. Throws Errc::malformed (exit 3) naming the bad key, Errc::file_* when unreadable.
ValidationPolicyInfo load_validation_policy(const std::string& path);

}  // namespace tsign

#pragma GCC visibility pop
