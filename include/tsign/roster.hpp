/// @file roster.hpp
/// Commission rosters: who may sign a document, who must, and how many distinct members make a
/// quorum. `verify_signature()` checks signers against one (VerifyOptions::roster_file); this header
/// writes and checks roster files.
///
/// A roster is YAML:
///
///     commission: "کمیسیون مناقصه ۱۴۰۵-۱۲"    # optional, default: the file's name
///     quorum: 2                               # optional, 1..members, default: every member
///     members:
///       - name: علی رضایی                     # optional
///         spki_sha256: 3f1c...                # SHA-256 (hex) of the DER SubjectPublicKeyInfo
///         required: true                      # optional: the roster fails without this member
///       - certificate: sara.crt               # that exact certificate (PEM or DER, path relative to the roster)
///       - subject: "CN=مریم کریمی, OU=امور مالی, O=شهرداری نمونه (TEST ONLY), C=IR"
///         issuer: "/CN=مرکز صدور گواهی میانی نمونه/O=شهرداری نمونه (TEST ONLY)/C=IR"
///
/// Names are compared structurally (X.509 name matching), never as text; DNs may be in the comma
/// form tsign prints (RFC 4514 escaping) or the OpenSSL slash form. Each person counts once: a
/// roster in which two entries can identify the same signer is refused. Unknown keys are errors.
#pragma once

#include <string>
#include <vector>

// Everything declared here is the library's public interface (exported from libtsign.so).
#pragma GCC visibility push(default)

namespace tsign {

/// How make_roster() names each member.
enum class RosterPin {
    spki,         ///< `spki_sha256`: the member's public key (stays valid when the certificate is renewed with the same key)
    certificate,  ///< `certificate: FILE`: exactly that certificate
    subject,      ///< `subject` + `issuer` in the comma form, compared structurally
};

/// Options of make_roster(). Filled by field name.
struct RosterMakeOptions {
    std::vector<std::string> certificate_files;  ///< the members' certificates (PEM or DER, one each), in order
    std::vector<std::string> required_files;     ///< certificates of required members; added as members when not listed
    int quorum = 0;                              ///< 1..members
    std::string commission;                      ///< the commission's name (optional)
    RosterPin pin = RosterPin::spki;
    std::string output_path;  ///< where the roster will be written: `certificate` paths are made relative to its folder ("-": absolute)
};

/// Writes a roster (YAML text) for the certificates: each member's name from the certificate's CN,
/// a comment with its subject and issuer, its identity as options.pin says, `required: true` where
/// asked. The text is checked with the same loader `verify --roster` uses before it is returned.
/// Throws Errc::usage (quorum outside 1..members, no certificates), Errc::malformed (an unreadable
/// certificate, two certificates of the same member, a subject that cannot be written as text),
/// Errc::file_not_found.
std::string make_roster(const RosterMakeOptions& options);

/// One member of a roster, as check_roster_file() read it.
struct RosterMemberInfo {
    std::string name;
    bool required = false;
    std::string pin;          ///< "certificate", "spki_sha256" or "subject"
    std::string value;        ///< the certificate file / the hex digest / the subject, as written
    std::string subject;      ///< known for certificate and subject members (RFC 4514 escaping)
    std::string issuer;       ///< known for certificate members, and subject members that give one
    std::string spki_sha256;  ///< known for certificate and spki_sha256 members
};

/// A roster that loads and is valid.
struct RosterInfo {
    std::string file;
    std::string commission;
    std::string sha256;         ///< of the file's bytes
    int quorum = 0;
    bool quorum_given = false;  ///< false: the roster gives none, every member must sign
    std::vector<RosterMemberInfo> members;
    /// {"file", "commission", "sha256", "quorum", "quorum_given", "required": [names], "members": [...]}.
    std::string to_json() const;
    /// Members, quorum and required members, for people.
    std::string to_text() const;
};

/// Loads and validates a roster file with the loader `verify --roster` uses. Throws
/// Errc::malformed / file_not_found / file_unreadable (exit 3) with a one-line reason when it is
/// not valid.
RosterInfo check_roster_file(const std::string& path);

}  // namespace tsign

#pragma GCC visibility pop
