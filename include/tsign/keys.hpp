/// @file keys.hpp
/// Private keys in files and on PKCS#11 tokens, behind one Signer interface.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tsign/io.hpp"
#include "tsign/pin.hpp"

// Everything declared here is the library's public interface (exported from libtsign.so).
#pragma GCC visibility push(default)

namespace tsign {

/// Key types tsign generates: "rsa2048", "rsa3072", "rsa4096", "ec-p256", "ec-p384".
enum class KeyType { rsa2048, rsa3072, rsa4096, ec_p256, ec_p384 };

/// Parses a key type name. Throws Errc::usage.
KeyType parse_key_type(const std::string& name);
/// The name of a key type ("ec-p256").
std::string key_type_name(KeyType type);

/// Digest algorithms used for signatures.
enum class DigestAlgorithm { sha256, sha384, sha512 };
/// Parses "sha256" / "sha384" / "sha512" (also "SHA-256"). Throws Errc::usage.
DigestAlgorithm parse_digest(const std::string& name);
/// "sha256", "sha384" or "sha512".
std::string digest_name(DigestAlgorithm digest);
/// Digest length in bytes.
std::size_t digest_size(DigestAlgorithm digest);

/// The public half of a key.
struct PublicKeyInfo {
    std::string algorithm;     ///< "RSA" or "EC"
    int bits = 0;              ///< modulus size or curve size
    std::string curve;         ///< "P-256", "P-384" for EC, empty for RSA
    std::string spki_sha256;   ///< SHA-256 of the DER SubjectPublicKeyInfo, hex
    Bytes spki_der;            ///< DER SubjectPublicKeyInfo
    /// "RSA 3072" or "EC P-256".
    std::string description() const;
};

/// How a signature is produced from a digest.
struct SignatureScheme {
    DigestAlgorithm digest = DigestAlgorithm::sha256;
    bool rsa_pss = false;  ///< RSASSA-PSS (salt length = digest length, MGF1 with the same digest)
};

/// Where a key lives and how to reach it. Filled by field name.
struct KeyOptions {
    std::string spec;                 ///< a key file path or an RFC 7512 "pkcs11:" URI
    std::string cert_file;            ///< optional signer certificate (PEM or DER)
    std::string pkcs11_module;        ///< module path; empty: TSIGN_PKCS11_MODULE, config, p11-kit proxy
    PinSource pin;                    ///< PIN / passphrase source (a URI pin-source overrides the default)
    bool allow_final_pin_try = false; ///< send a PIN even when the token says the next wrong one locks it
};

/// Something that signs digests: a key in a file or on a token (open_signer()), or your own
/// implementation (a remote signing service, an HSM API tsign does not speak). Everything that
/// signs in tsign (sign_data, sign_document, cosign_document, batch_sign, make_csr, the CA, the
/// OCSP responder, the TSA) signs through these virtuals alone and never needs to know where the
/// key lives.
///
/// Implementing one: public_key() must describe an RSA or EC key (SubjectPublicKeyInfo in
/// spki_der); certificate() returns the signer certificate where one is needed (CMS signing;
/// not for a CSR); sign_digest() must honour the scheme: RSA PKCS#1 v1.5 (it builds the DigestInfo
/// itself) or RSASSA-PSS (salt length = digest length, MGF1 with the same digest), or ECDSA
/// (DER ECDSA-Sig-Value). Every signature is checked against public_key() before it is used; one
/// that does not verify is Errc::token_error. Exceptions from sign_digest() reach the caller of
/// the tsign function unchanged (throw tsign::Error to choose the exit code). sign_digest() is
/// called from one thread at a time unless thread_safe() says otherwise. Other key types are
/// Errc::unsupported.
class Signer {
public:
    /// Closes the key (and its token session when it was the last user).
    virtual ~Signer();
    /// The public key.
    virtual PublicKeyInfo public_key() const = 0;
    /// The signer certificate (DER), if one was given or found on the token.
    virtual std::optional<Bytes> certificate() const = 0;
    /// Signs a digest (already computed with scheme.digest). RSA: PKCS#1 v1.5 DigestInfo or PSS;
    /// EC: a DER-encoded ECDSA-Sig-Value.
    virtual Bytes sign_digest(std::span<const std::uint8_t> digest, const SignatureScheme& scheme) = 0;
    /// Hashes data with scheme.digest and signs it.
    Bytes sign_data(std::span<const std::uint8_t> data, const SignatureScheme& scheme);
    /// A description of where the key lives ("file key.pem", "pkcs11:token=...;object=...").
    virtual std::string location() const = 0;
    /// True when the key demands a PIN for every signature (CKA_ALWAYS_AUTHENTICATE).
    virtual bool always_authenticate() const { return false; }
    /// True when sign_digest() may run on several threads at once (batch_sign then signs in
    /// parallel; the TSA and OCSP responder serve requests in parallel). Default: false.
    virtual bool thread_safe() const { return false; }
};

/// Opens a key. Files: PEM/DER PKCS#8 (plain or encrypted), PKCS#1, SEC1, PKCS#12. Tokens: an
/// RFC 7512 URI. When options.cert_file is given, a key whose public half does not match it is
/// refused (Errc::key_cert_mismatch) before anything is signed. With a token key and no
/// cert_file, the certificate with the same CKA_ID on the token is used if there is one.
std::unique_ptr<Signer> open_signer(const KeyOptions& options);

/// Options of generate_key_file().
struct KeyGenOptions {
    KeyType type = KeyType::ec_p256;
    bool encrypt = false;   ///< encrypted PKCS#8 (PBES2: AES-256-CBC, key from scrypt N=2^14 r=8 p=5)
    PinSource passphrase;   ///< where the passphrase comes from when encrypt is set
    bool pem = false;       ///< PEM instead of DER
    bool force = false;     ///< replace an existing file
};

/// Generates a key pair and writes the private key as PKCS#8 (mode 0600, atomic).
PublicKeyInfo generate_key_file(const std::string& path, const KeyGenOptions& options);

/// Describes the public key of a DER SubjectPublicKeyInfo.
PublicKeyInfo describe_spki(std::span<const std::uint8_t> spki_der);

/// Receives the library's warnings: one line each, without a prefix (the command prints them as
/// "tsign: warning: ..."). Warnings are things worth knowing that do not stop the operation, such
/// as a signature made without the intermediate certificates its verifiers will need. Without a
/// handler (the default) warnings are dropped. Set it once, before other calls.
void set_warning_handler(std::function<void(const std::string&)> handler);

}  // namespace tsign

#pragma GCC visibility pop
