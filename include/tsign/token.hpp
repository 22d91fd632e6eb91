/// @file token.hpp
/// PKCS#11 tokens: listing, key generation on the token, certificate import.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tsign/keys.hpp"
#include "tsign/pin.hpp"

// Everything declared here is the library's public interface (exported from libtsign.so).
#pragma GCC visibility push(default)

namespace tsign {

/// Which module and PIN to use for token operations. Filled by field name.
struct TokenOptions {
    std::string module;               ///< empty: TSIGN_PKCS11_MODULE, then the config file, then p11-kit proxy
    PinSource pin;                    ///< user PIN source
    bool allow_final_pin_try = false; ///< send a PIN even when the token is on its final try
};

/// The module path tsign will load: explicit, else $TSIGN_PKCS11_MODULE, else `pkcs11_module`
/// in the config file ($TSIGN_CONFIG, else $XDG_CONFIG_HOME/tsign/config.yaml or
/// ~/.config/tsign/config.yaml, else /etc/tsign/config.yaml), else the system's p11-kit proxy.
std::string resolve_pkcs11_module(const std::string& explicit_path);

/// A slot and the token in it (PKCS#11 CK_SLOT_INFO + CK_TOKEN_INFO).
struct TokenInfo {
    unsigned long slot_id = 0;
    std::string slot_description;
    bool token_present = false;
    std::string label, manufacturer, model, serial;
    bool initialized = false;
    bool login_required = false;
    bool protected_authentication_path = false;
    bool user_pin_initialized = false;
    bool user_pin_count_low = false;
    bool user_pin_final_try = false;
    bool user_pin_locked = false;
    bool user_pin_to_be_changed = false;
    bool write_protected = false;
    std::string uri;  ///< a pkcs11: URI naming the token
};

/// An object on a token (keys and certificates).
struct TokenObjectInfo {
    std::string kind;          ///< "private-key", "public-key", "certificate"
    std::string label;
    std::string id_hex;
    std::string key_algorithm; ///< "RSA" / "EC" (keys)
    int key_bits = 0;
    bool sensitive = false;
    bool extractable = false;
    bool always_authenticate = false;
    std::string subject;       ///< certificates: UTF-8 subject
    bool has_certificate = false;     ///< keys: a certificate with the same id is on the token
    std::string certificate_label;    ///< keys: that certificate's label
    std::string certificate_subject;  ///< keys: that certificate's UTF-8 subject
    std::string uri;           ///< a pkcs11: URI naming the object
};

/// Lists slots with tokens.
std::vector<TokenInfo> list_tokens(const TokenOptions& options);

/// Lists the keys and certificates on the token with this label (logs in to see private keys).
std::vector<TokenObjectInfo> list_token_objects(const TokenOptions& options, const std::string& token_label);

/// Options of generate_token_key(). Filled by field name.
struct TokenKeyGenOptions {
    std::string token_label;
    std::string key_label;
    KeyType type = KeyType::ec_p256;
    std::string id_hex;                ///< CKA_ID; empty: random 8 bytes... unless a key with the label exists
    bool always_authenticate = false;  ///< CKA_ALWAYS_AUTHENTICATE: a PIN for every signature
    /// An encryption key: it decrypts (RSA: CKA_DECRYPT, CKA_UNWRAP) or derives (EC: CKA_DERIVE) and
    /// never signs (CKA_SIGN false), so one key does one job.
    bool encryption = false;
};

/// Generates a key pair on the token: private key sensitive and never extractable.
/// Refuses if an object with the same label or id exists.
TokenObjectInfo generate_token_key(const TokenOptions& options, const TokenKeyGenOptions& keygen);

/// Stores a certificate (PEM or DER bytes) on the token with the given label and CKA_ID. With an
/// empty id_hex, the id is the one of the private key on the token whose public key is the
/// certificate's (Errc::key_not_found when no key is).
TokenObjectInfo import_token_certificate(const TokenOptions& options, const std::string& token_label,
                                         const std::string& label, const std::string& id_hex,
                                         const Bytes& certificate);

}  // namespace tsign

#pragma GCC visibility pop
