// Internal: the one Signer implementation. Both file keys and token keys are EVP_PKEYs (libp11
// bridges token keys), so certificate, CSR, CMS, TSA and OCSP code sign through the same path
// and never know where the key lives.
#pragma once

#include <memory>

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

    EVP_PKEY* pkey() const { return pkey_.get(); }
    X509* cert() const { return cert_.get(); }
    bool on_token() const { return module_ != nullptr; }

private:
    std::shared_ptr<p11::Module> module_;  // declared first: the module outlives the keys
    ossl::PkeyPtr pkey_;
    ossl::PkeyPtr public_key_;
    ossl::X509Ptr cert_;
    std::string location_;
    bool always_authenticate_;
};

/// The KeySigner behind a Signer from open_signer(). Throws Errc::internal for foreign Signers.
KeySigner& key_signer(Signer& signer);

/// Raises the right error after a failed signature with this signer.
[[noreturn]] void fail_signing(const KeySigner& signer, const std::string& what);

}  // namespace tsign::detail
