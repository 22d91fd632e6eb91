// Internal: tsign's own Signer (file keys and token keys, both EVP_PKEYs: libp11 bridges token
// keys), and SigningKey, the bridge through which certificate, CSR, CMS, TSA and OCSP code sign
// with ANY Signer, tsign's or a user's, knowing nothing but the public virtuals.
#pragma once

#include <exception>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "core/ossl.hpp"
#include "tsign/keys.hpp"

namespace tsign::p11 {
class Module;
}

namespace tsign::detail {

const EVP_MD* md_of(DigestAlgorithm digest);

/// Sets padding / PSS parameters on a signing context for the key's type.
void configure_signature(EVP_PKEY_CTX* pctx, EVP_PKEY* pkey, const SignatureScheme& scheme);

/// Public key description of an EVP_PKEY (public or private).
PublicKeyInfo describe_pkey(EVP_PKEY* pkey);

/// Parses a certificate from PEM or DER; `what` names it in errors. Throws Errc::malformed.
ossl::X509Ptr parse_certificate(const Bytes& data, const std::string& what);

/// RSA below 2048 bits and curves other than P-256/P-384/P-521 are refused (Errc::weak_key).
void check_key_strength(EVP_PKEY* pkey, const std::string& what);

class KeySigner final : public Signer {
public:
    KeySigner(std::shared_ptr<p11::Module> module, ossl::PkeyPtr pkey, ossl::PkeyPtr public_key, ossl::X509Ptr cert,
              std::string location, bool always_authenticate);
    ~KeySigner() override;

    PublicKeyInfo public_key() const override;
    std::optional<Bytes> certificate() const override;
    Bytes sign_digest(std::span<const std::uint8_t> digest, const SignatureScheme& scheme) override;
    std::string location() const override { return location_; }
    bool always_authenticate() const override { return always_authenticate_; }

    /// File keys sign from any thread; token keys too, through libp11's session pool, unless the
    /// key wants its PIN for every signature.
    bool thread_safe() const override { return !always_authenticate_; }
    bool on_token() const { return module_ != nullptr; }
    /// The private key itself (file keys) or libp11's bridge to it (token keys), for decryption.
    EVP_PKEY* private_key() const { return pkey_.get(); }
    /// The certificates stored on the key's token (none for file keys).
    std::vector<ossl::X509Ptr> token_certificates() const;

private:
    /// A signing context for scheme, ready to sign: from the pool when one was set up for it.
    ossl::PkeyCtxPtr take_context(const SignatureScheme& scheme);
    void give_back(ossl::PkeyCtxPtr ctx, const SignatureScheme& scheme);

    std::shared_ptr<p11::Module> module_;  // declared first: the module outlives the keys
    ossl::PkeyPtr pkey_;
    // Contexts set up for one scheme and reused (setting one up costs more than an ECDSA signature).
    std::mutex pool_mutex_;
    std::vector<ossl::PkeyCtxPtr> pool_;
    int pool_digest_ = -1;
    bool pool_pss_ = false;
    ossl::PkeyPtr public_key_;
    ossl::X509Ptr cert_;
    std::string location_;
    bool always_authenticate_;
};

/// Key files are encrypted with scrypt (RFC 7914) at N = 2^14, r = 8, p = 5: OWASP's equivalent
/// of N = 2^17, p = 1 within the 32 MiB that OpenSSL 3.0 allows a decoder (N = 2^15, r = 8 is
/// refused by `openssl pkey`), so every key stays readable by OpenSSL and tsign alike.
inline constexpr std::uint64_t kScryptN = std::uint64_t{1} << 14;
inline constexpr std::uint64_t kScryptR = 8;
inline constexpr std::uint64_t kScryptP = 5;

/// The private key as an encrypted PKCS#8 structure (PBES2: scrypt, AES-256-CBC).
ossl::X509SigPtr encrypt_pkcs8(EVP_PKEY* pkey, const Secret& passphrase);

/// An EVP_PKEY for OpenSSL's signing functions (CMS_add1_signer, X509_sign_ctx, OCSP_basic_sign_ctx,
/// TS_RESP_CTX) whose private-key operation is signer.sign_digest(): made from the signer's public
/// key (RSA with PKCS#1 v1.5 or PSS, EC), so every Signer signs everything. Each signature is
/// checked against the public key before OpenSSL uses it. One per operation and thread: it keeps
/// the Signer's own exception, which fail() rethrows after OpenSSL reports the failure.
class SigningKey {
public:
    /// Throws Errc::unsupported for keys other than RSA and EC, Errc::malformed for a bad SPKI.
    explicit SigningKey(Signer& signer);
    ~SigningKey();
    SigningKey(const SigningKey&) = delete;
    SigningKey& operator=(const SigningKey&) = delete;

    EVP_PKEY* pkey() const { return pkey_.get(); }
    Signer& signer() const { return signer_; }
    /// After an OpenSSL signing call failed on this thread: rethrows the Signer's error, or
    /// Errc::internal. A SigningKey may serve several threads at once when its Signer is thread-safe.
    [[noreturn]] void fail(const std::string& what);
    /// The bridge's sign callback (OpenSSL EVP_PKEY_METHOD convention).
    int sign(EVP_PKEY_CTX* ctx, unsigned char* sig, size_t* siglen, const unsigned char* tbs, size_t tbslen) noexcept;

private:
    Signer& signer_;
    ossl::PkeyPtr public_;  // provider key: checks each signature
    ossl::PkeyPtr pkey_;    // legacy key bound to the bridge
    bool check_ = true;     // verify each signature (all but tsign's own file keys)
};

/// The signer's certificate, parsed. Throws Errc::cert_not_found when it has none.
ossl::X509Ptr signer_certificate(const Signer& signer, const std::string& what);

/// Raises the right error after a failed signature with this signer.
[[noreturn]] void fail_signing(const KeySigner& signer, const std::string& what);

/// Passes a warning to the handler of set_warning_handler() (if any).
void warn(const std::string& message);

/// The certificates to embed with a signature by `signer` whose certificate is `cert` when the
/// caller gave none (no --chain): for a key on a token, the issuers of `cert` found among the
/// certificate objects on that token (subject = issuer and the key verifies the signature), nearest
/// first, up to but without the self-signed root. When the signer's issuer is not on the token,
/// warns that verifiers will need it. Nothing for other signers.
std::vector<ossl::X509Ptr> token_issuer_chain(const Signer& signer, X509* cert);

}  // namespace tsign::detail
