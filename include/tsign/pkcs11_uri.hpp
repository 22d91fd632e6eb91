/// @file pkcs11_uri.hpp
/// RFC 7512 PKCS#11 URIs.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tsign/io.hpp"

// Everything declared here is the library's public interface (exported from libtsign.so).
#pragma GCC visibility push(default)

namespace tsign {

/// A parsed "pkcs11:" URI (RFC 7512). Unknown path attributes are kept and ignored; "pin-value"
/// is refused, because a PIN never appears in a command line.
struct Pkcs11Uri {
    std::optional<std::string> token;         ///< token label
    std::optional<std::string> manufacturer;  ///< token manufacturer
    std::optional<std::string> model;         ///< token model
    std::optional<std::string> serial;        ///< token serial number
    std::optional<std::string> object;        ///< object label (CKA_LABEL)
    std::optional<Bytes> id;                  ///< object id (CKA_ID)
    std::optional<std::string> type;          ///< "private", "public", "cert", "secret-key", "data"
    std::optional<unsigned long> slot_id;     ///< slot-id
    std::optional<std::string> slot_description;
    std::optional<std::string> module_path;   ///< module-path (query attribute)
    std::optional<std::string> module_name;   ///< module-name (query attribute)
    std::optional<std::string> pin_source;    ///< pin-source (query attribute)

    /// True when the string starts with "pkcs11:".
    static bool is_uri(const std::string& text);
    /// Parses a URI. Throws Errc::usage on syntax errors and on "pin-value".
    static Pkcs11Uri parse(const std::string& text);
    /// Formats the URI again (percent-encoding where RFC 7512 requires).
    std::string to_string() const;
};

}  // namespace tsign

#pragma GCC visibility pop
