// The bridge from OpenSSL's signing functions to Signer::sign_digest(): an EVP_PKEY made from the
// signer's public key whose private-key operation calls back into the Signer. OpenSSL 3.0 keeps
// per-key EVP_PKEY_METHODs for legacy keys bound to an ENGINE (the way libp11 bridges tokens), so
// the bridge copies OpenSSL's own RSA and EC methods and replaces only `sign`: padding, PSS
// parameters, AlgorithmIdentifiers and DER stay OpenSSL's.
#define OPENSSL_SUPPRESS_DEPRECATED  // ENGINE, EVP_PKEY_METHOD and the legacy key accessors
#include <algorithm>
#include <exception>
#include <mutex>

#include <openssl/ec.h>
#include <openssl/engine.h>
#include <openssl/rsa.h>

#include "keys/signer_impl.hpp"
#include "tsign/error.hpp"

namespace tsign::detail {

namespace {

struct Bridge {
    ENGINE* engine = nullptr;
    EVP_PKEY_METHOD* rsa = nullptr;
    EVP_PKEY_METHOD* ec = nullptr;
    int index = -1;  // EVP_PKEY ex_data: the SigningKey
};

int bridge_sign(EVP_PKEY_CTX* ctx, unsigned char* sig, size_t* siglen, const unsigned char* tbs, size_t tbslen);

const int kNids[] = {EVP_PKEY_RSA, EVP_PKEY_EC};

int bridge_methods(ENGINE* /*engine*/, EVP_PKEY_METHOD** method, const int** nids, int nid);

// Made once, never freed (reachable from here until exit).
const Bridge& bridge() {
    static Bridge b;
    static std::once_flag once;
    std::call_once(once, [] {
        b.rsa = EVP_PKEY_meth_new(EVP_PKEY_RSA, EVP_PKEY_FLAG_AUTOARGLEN);
        b.ec = EVP_PKEY_meth_new(EVP_PKEY_EC, 0);
        const EVP_PKEY_METHOD* rsa = EVP_PKEY_meth_find(EVP_PKEY_RSA);
        const EVP_PKEY_METHOD* ec = EVP_PKEY_meth_find(EVP_PKEY_EC);
        ossl::Ptr<ENGINE, ENGINE_free> engine(ENGINE_new());
        b.index = EVP_PKEY_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
        if (b.rsa == nullptr || b.ec == nullptr || rsa == nullptr || ec == nullptr || !engine || b.index < 0) return;
        EVP_PKEY_meth_copy(b.rsa, rsa);
        EVP_PKEY_meth_copy(b.ec, ec);
        EVP_PKEY_meth_set_sign(b.rsa, nullptr, bridge_sign);
        EVP_PKEY_meth_set_sign(b.ec, nullptr, bridge_sign);
        if (ENGINE_set_id(engine.get(), "tsign-signer") && ENGINE_set_name(engine.get(), "tsign Signer bridge") &&
            ENGINE_set_pkey_meths(engine.get(), bridge_methods))
            b.engine = engine.release();
    });
    if (b.engine == nullptr) ossl::fail(Errc::internal, "cannot set up the signing bridge");
    return b;
}

int bridge_methods(ENGINE* /*engine*/, EVP_PKEY_METHOD** method, const int** nids, int nid) {
    if (method == nullptr) {
        *nids = kNids;
        return 2;
    }
    const Bridge& b = bridge();
    *method = nid == EVP_PKEY_RSA ? b.rsa : nid == EVP_PKEY_EC ? b.ec : nullptr;
    return *method != nullptr ? 1 : 0;
}

int bridge_sign(EVP_PKEY_CTX* ctx, unsigned char* sig, size_t* siglen, const unsigned char* tbs, size_t tbslen) {
    EVP_PKEY* pkey = EVP_PKEY_CTX_get0_pkey(ctx);
    auto* key = pkey != nullptr ? static_cast<SigningKey*>(EVP_PKEY_get_ex_data(pkey, bridge().index)) : nullptr;
    if (key == nullptr) return 0;  // the SigningKey is gone: OpenSSL kept the EVP_PKEY longer
    return key->sign(ctx, sig, siglen, tbs, tbslen);
}

}  // namespace

SigningKey::SigningKey(Signer& signer) : signer_(signer) {
    const Bridge& b = bridge();
    const PublicKeyInfo pub = signer.public_key();
    const unsigned char* p = pub.spki_der.data();
    public_.reset(d2i_PUBKEY(nullptr, &p, static_cast<long>(pub.spki_der.size())));
    if (!public_ || p != pub.spki_der.data() + pub.spki_der.size())
        ossl::fail(Errc::malformed, "cannot sign with " + signer.location() + ": its public key is not a SubjectPublicKeyInfo");
    // A legacy copy of the public key, bound to the bridge's methods.
    pkey_.reset(EVP_PKEY_new());
    bool ok = false;
    switch (EVP_PKEY_get_base_id(public_.get())) {
    case EVP_PKEY_RSA:
        if (ossl::Ptr<RSA, RSA_free> rsa{EVP_PKEY_get1_RSA(public_.get())}) {
            ok = EVP_PKEY_assign_RSA(pkey_.get(), rsa.get()) == 1;
            if (ok) (void)rsa.release();  // the EVP_PKEY owns it now
        }
        break;
    case EVP_PKEY_EC:
        if (ossl::Ptr<EC_KEY, EC_KEY_free> ec{EVP_PKEY_get1_EC_KEY(public_.get())}) {
            ok = EVP_PKEY_assign_EC_KEY(pkey_.get(), ec.get()) == 1;
            if (ok) (void)ec.release();  // the EVP_PKEY owns it now
        }
        break;
    default:
        throw Error(Errc::unsupported,
                    "cannot sign with " + signer.location() + ": " + pub.algorithm + " keys are not supported (RSA and EC are)");
    }
    if (!ok || !EVP_PKEY_set1_engine(pkey_.get(), b.engine) || !EVP_PKEY_set_ex_data(pkey_.get(), b.index, this))
        ossl::fail(Errc::internal, "cannot prepare the key of " + signer.location() + " for signing");
    // A file key signs inside OpenSSL with the private key its public key came from (and OpenSSL
    // checks its own RSA-CRT results): nothing to catch. Tokens and user Signers are checked.
    const auto* own = dynamic_cast<const KeySigner*>(&signer);
    check_ = own == nullptr || own->on_token();
}

SigningKey::~SigningKey() {
    // OpenSSL may hold the EVP_PKEY longer (a finished CMS SignerInfo keeps a reference).
    if (pkey_) EVP_PKEY_set_ex_data(pkey_.get(), bridge().index, nullptr);
}

namespace {
thread_local std::exception_ptr last_error;  // of the last failed sign() on this thread
}  // namespace

void SigningKey::fail(const std::string& what) {
    if (last_error) {
        std::exception_ptr e = last_error;
        last_error = nullptr;
        ERR_clear_error();
        std::rethrow_exception(e);
    }
    ossl::fail(Errc::internal, what + " with " + signer_.location() + " failed");
}

int SigningKey::sign(EVP_PKEY_CTX* ctx, unsigned char* sig, size_t* siglen, const unsigned char* tbs, size_t tbslen) noexcept {
    try {
        last_error = nullptr;
        if (sig == nullptr) {  // the size query
            *siglen = static_cast<size_t>(EVP_PKEY_get_size(pkey_.get()));
            return 1;
        }
        const EVP_MD* md = nullptr;
        if (EVP_PKEY_CTX_get_signature_md(ctx, &md) <= 0 || md == nullptr)
            throw Error(Errc::unsupported, "cannot sign: no digest algorithm given");
        SignatureScheme scheme;
        switch (EVP_MD_get_type(md)) {
        case NID_sha256: scheme.digest = DigestAlgorithm::sha256; break;
        case NID_sha384: scheme.digest = DigestAlgorithm::sha384; break;
        case NID_sha512: scheme.digest = DigestAlgorithm::sha512; break;
        default:
            throw Error(Errc::unsupported,
                        std::string("cannot sign with ") + EVP_MD_get0_name(md) + ": use SHA-256, SHA-384 or SHA-512");
        }
        if (EVP_PKEY_get_base_id(pkey_.get()) == EVP_PKEY_RSA) {
            int padding = RSA_PKCS1_PADDING;
            EVP_PKEY_CTX_get_rsa_padding(ctx, &padding);
            if (padding == RSA_PKCS1_PSS_PADDING) {
                // The Signer's PSS: salt length = digest length, MGF1 with the same digest.
                int salt = RSA_PSS_SALTLEN_DIGEST;
                const EVP_MD* mgf1 = md;
                EVP_PKEY_CTX_get_rsa_pss_saltlen(ctx, &salt);
                EVP_PKEY_CTX_get_rsa_mgf1_md(ctx, &mgf1);
                if ((salt != RSA_PSS_SALTLEN_DIGEST && salt != EVP_MD_get_size(md)) || mgf1 == nullptr ||
                    EVP_MD_get_type(mgf1) != EVP_MD_get_type(md))
                    throw Error(Errc::unsupported,
                                "cannot sign: RSA-PSS with a salt or MGF1 digest other than the message digest's");
                scheme.rsa_pss = true;
            } else if (padding != RSA_PKCS1_PADDING) {
                throw Error(Errc::unsupported, "cannot sign: RSA padding mode " + std::to_string(padding) + " is not supported");
            }
        }
        const Bytes value = signer_.sign_digest(std::span<const std::uint8_t>(tbs, tbslen), scheme);
        // A Signer is any code (a token too): its signature must verify with its own public key before it is used.
        ossl::PkeyCtxPtr vctx(check_ ? EVP_PKEY_CTX_new(public_.get(), nullptr) : nullptr);
        if (check_ && (!vctx || EVP_PKEY_verify_init(vctx.get()) <= 0)) ossl::fail(Errc::internal, "cannot check the signature");
        if (check_) configure_signature(vctx.get(), public_.get(), scheme);
        if (check_ && (EVP_PKEY_CTX_set_signature_md(vctx.get(), md) <= 0 ||
                       EVP_PKEY_verify(vctx.get(), value.data(), value.size(), tbs, tbslen) != 1)) {
            ERR_clear_error();
            throw Error(Errc::token_error, "the signature made with " + signer_.location() +
                                               " does not verify with its public key (wrong key, mechanism or encoding)");
        }
        if (value.size() > *siglen) throw Error(Errc::internal, "the signature is longer than the key allows");
        std::copy(value.begin(), value.end(), sig);
        *siglen = value.size();
        return 1;
    } catch (...) {
        last_error = std::current_exception();
        return 0;
    }
}

}  // namespace tsign::detail
