#include <algorithm>
#include <cstring>
#include <mutex>

#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>

#include "keys/p11.hpp"
#include "keys/signer_impl.hpp"

#include "core/io_impl.hpp"
#include "tsign/error.hpp"
#include "tsign/keys.hpp"
#include "tsign/pkcs11_uri.hpp"

namespace tsign {

Signer::~Signer() = default;

Bytes Signer::sign_data(std::span<const std::uint8_t> data, const SignatureScheme& scheme) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!EVP_Digest(data.data(), data.size(), md, &len, detail::md_of(scheme.digest), nullptr))
        ossl::fail(Errc::internal, "cannot hash the data");
    return sign_digest(std::span<const std::uint8_t>(md, len), scheme);
}

KeyType parse_key_type(const std::string& name) {
    if (name == "rsa2048") return KeyType::rsa2048;
    if (name == "rsa3072") return KeyType::rsa3072;
    if (name == "rsa4096") return KeyType::rsa4096;
    if (name == "ec-p256" || name == "p256") return KeyType::ec_p256;
    if (name == "ec-p384" || name == "p384") return KeyType::ec_p384;
    throw Error(Errc::usage, "unknown key type '" + name + "'", "use rsa2048, rsa3072, rsa4096, ec-p256 or ec-p384");
}

std::string key_type_name(KeyType type) {
    switch (type) {
    case KeyType::rsa2048: return "rsa2048";
    case KeyType::rsa3072: return "rsa3072";
    case KeyType::rsa4096: return "rsa4096";
    case KeyType::ec_p256: return "ec-p256";
    case KeyType::ec_p384: return "ec-p384";
    }
    return "?";
}

DigestAlgorithm parse_digest(const std::string& name) {
    std::string n;
    for (char c : name)
        if (c != '-') n.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    if (n == "sha256") return DigestAlgorithm::sha256;
    if (n == "sha384") return DigestAlgorithm::sha384;
    if (n == "sha512") return DigestAlgorithm::sha512;
    throw Error(Errc::usage, "unsupported digest '" + name + "'", "use sha256, sha384 or sha512");
}

std::string digest_name(DigestAlgorithm d) {
    switch (d) {
    case DigestAlgorithm::sha256: return "sha256";
    case DigestAlgorithm::sha384: return "sha384";
    case DigestAlgorithm::sha512: return "sha512";
    }
    return "?";
}

std::size_t digest_size(DigestAlgorithm d) {
    switch (d) {
    case DigestAlgorithm::sha256: return 32;
    case DigestAlgorithm::sha384: return 48;
    case DigestAlgorithm::sha512: return 64;
    }
    return 0;
}

std::string PublicKeyInfo::description() const {
    if (algorithm == "EC") return "EC " + curve;
    return algorithm + " " + std::to_string(bits);
}

PublicKeyInfo describe_spki(std::span<const std::uint8_t> spki_der) {
    const unsigned char* p = spki_der.data();
    ossl::PkeyPtr pk(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki_der.size())));
    if (!pk) ossl::fail(Errc::malformed, "cannot parse public key: malformed SubjectPublicKeyInfo");
    return detail::describe_pkey(pk.get());
}

namespace detail {

const EVP_MD* md_of(DigestAlgorithm digest) {
    switch (digest) {
    case DigestAlgorithm::sha256: return EVP_sha256();
    case DigestAlgorithm::sha384: return EVP_sha384();
    case DigestAlgorithm::sha512: return EVP_sha512();
    }
    return EVP_sha256();
}

void configure_signature(EVP_PKEY_CTX* pctx, EVP_PKEY* pkey, const SignatureScheme& scheme) {
    const int type = EVP_PKEY_get_base_id(pkey);
    if (type == EVP_PKEY_RSA) {
        if (scheme.rsa_pss) {
            if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
                EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) <= 0 ||
                EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md_of(scheme.digest)) <= 0)
                ossl::fail(Errc::internal, "cannot set RSA-PSS parameters");
        } else if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0) {
            ossl::fail(Errc::internal, "cannot set RSA PKCS#1 v1.5 padding");
        }
    } else if (scheme.rsa_pss) {
        throw Error(Errc::usage, "cannot use RSA-PSS: the key is not an RSA key");
    }
}

PublicKeyInfo describe_pkey(EVP_PKEY* pkey) {
    PublicKeyInfo info;
    const int type = EVP_PKEY_get_base_id(pkey);
    info.bits = EVP_PKEY_get_bits(pkey);
    if (type == EVP_PKEY_RSA) {
        info.algorithm = "RSA";
    } else if (type == EVP_PKEY_EC) {
        info.algorithm = "EC";
        char group[80] = {0};
        size_t glen = 0;
        int nid = NID_undef;
        if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &glen)) {
            nid = OBJ_sn2nid(group);
            if (nid == NID_undef) nid = EC_curve_nist2nid(group);
        } else {
            // Token keys from libp11 are legacy EC_KEYs whose parameters are not exported to providers.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
            if (const EC_KEY* ec = EVP_PKEY_get0_EC_KEY(pkey)) nid = EC_GROUP_get_curve_name(EC_KEY_get0_group(ec));
#pragma GCC diagnostic pop
        }
        ERR_clear_error();
        const char* nist = nid != NID_undef ? EC_curve_nid2nist(nid) : nullptr;
        info.curve = nist ? nist : (nid != NID_undef ? OBJ_nid2sn(nid) : group);
    } else if (type == EVP_PKEY_ED25519) {
        info.algorithm = "Ed25519";
    } else {
        info.algorithm = OBJ_nid2sn(type);
    }
    unsigned char* der = nullptr;
    const int n = i2d_PUBKEY(pkey, &der);
    const ossl::OsslBytesPtr owned(der);
    if (n > 0) {
        info.spki_der.assign(der, der + n);
        info.spki_sha256 = ossl::hex(ossl::sha256(info.spki_der));
    }
    ERR_clear_error();
    return info;
}

ossl::X509Ptr parse_certificate(const Bytes& data, const std::string& what) {
    ossl::X509Ptr cert = ossl::read_pem_or_der<X509, X509_free>(data, PEM_read_bio_X509, d2i_X509);
    if (!cert) ossl::fail(Errc::malformed, "cannot read " + what + ": malformed or not a certificate");
    return cert;
}

void check_key_strength(EVP_PKEY* pkey, const std::string& what) {
    const PublicKeyInfo info = describe_pkey(pkey);
    if (info.algorithm == "RSA" && info.bits < 2048)
        throw Error(Errc::weak_key, "refusing key " + what + ": RSA " + std::to_string(info.bits) + " bits is too weak",
                    "use RSA with at least 2048 bits, or EC P-256 / P-384");
    if (info.algorithm == "EC" && info.curve != "P-256" && info.curve != "P-384" && info.curve != "P-521")
        throw Error(Errc::weak_key, "refusing key " + what + ": curve " + info.curve + " is not supported",
                    "use EC P-256 or P-384");
    if (info.algorithm != "RSA" && info.algorithm != "EC")
        throw Error(Errc::unsupported, "refusing key " + what + ": " + info.algorithm + " keys are not supported");
}

KeySigner::KeySigner(std::shared_ptr<p11::Module> module, ossl::PkeyPtr pkey, ossl::PkeyPtr public_key,
                     ossl::X509Ptr cert, std::string location, bool always_authenticate)
    : module_(std::move(module)), pkey_(std::move(pkey)), public_key_(std::move(public_key)), cert_(std::move(cert)),
      location_(std::move(location)), always_authenticate_(always_authenticate) {}

KeySigner::~KeySigner() = default;

PublicKeyInfo KeySigner::public_key() const { return describe_pkey(public_key_ ? public_key_.get() : pkey_.get()); }

std::optional<Bytes> KeySigner::certificate() const {
    if (!cert_) return std::nullopt;
    return ossl::to_der(cert_.get(), i2d_X509);
}

void fail_signing(const KeySigner& signer, const std::string& what) {
    if (!signer.on_token()) ossl::fail(Errc::internal, what + " with " + signer.location() + " failed");
    // libp11 reports the PKCS#11 return value as the reason of its errors (libraries >= ERR_LIB_USER).
    CK_RV rv = CKR_OK;
    for (unsigned long e; (e = ERR_peek_error()) != 0;) {
        if (ERR_GET_LIB(e) >= ERR_LIB_USER) {
            const unsigned long r = static_cast<unsigned long>(ERR_GET_REASON(e));
            switch (r) {
            case CKR_DEVICE_REMOVED:
            case CKR_TOKEN_NOT_PRESENT:
            case CKR_DEVICE_ERROR:
            case CKR_SESSION_HANDLE_INVALID:
            case CKR_SESSION_CLOSED:
            case CKR_USER_NOT_LOGGED_IN:
            case CKR_PIN_INCORRECT:
            case CKR_PIN_LOCKED:
            case CKR_KEY_HANDLE_INVALID:
            case CKR_MECHANISM_INVALID:
            case CKR_FUNCTION_FAILED:
            case CKR_GENERAL_ERROR:
                rv = r;
                break;
            default: break;
            }
        }
        ERR_get_error();
        if (rv != CKR_OK) break;
    }
    ERR_clear_error();
    std::string why = rv != CKR_OK ? p11::rv_name(rv) : "the token refused the operation";
    Errc code = Errc::token_error;
    std::string hint;
    if (rv == CKR_DEVICE_REMOVED || rv == CKR_TOKEN_NOT_PRESENT) {
        code = Errc::token_not_found;
        why = "the token was removed (" + why + ")";
        hint = "insert the token and run the command again";
    } else if (rv == CKR_USER_NOT_LOGGED_IN && signer.always_authenticate()) {
        why = "the key needs its PIN for every signature and the token refused it";
    } else if (rv == CKR_PIN_INCORRECT) {
        code = Errc::pin_incorrect;
    }
    Error e(code, what + " with " + signer.location() + " failed: " + why, hint);
    if (rv != CKR_OK) e.set_pkcs11_rv(rv);
    throw e;
}

Bytes KeySigner::sign_digest(std::span<const std::uint8_t> digest, const SignatureScheme& scheme) {
    if (digest.size() != digest_size(scheme.digest))
        throw Error(Errc::usage, "cannot sign: digest length " + std::to_string(digest.size()) + " does not match " +
                                     digest_name(scheme.digest));
    ossl::PkeyCtxPtr ctx = take_context(scheme);
    size_t len = 0;
    if (EVP_PKEY_sign(ctx.get(), nullptr, &len, digest.data(), digest.size()) <= 0) fail_signing(*this, "signing");
    Bytes sig(len);
    if (EVP_PKEY_sign(ctx.get(), sig.data(), &len, digest.data(), digest.size()) <= 0) fail_signing(*this, "signing");
    sig.resize(len);
    give_back(std::move(ctx), scheme);
    return sig;
}

ossl::PkeyCtxPtr KeySigner::take_context(const SignatureScheme& scheme) {
    if (!module_) {  // file keys only: a token's session is libp11's to manage
        std::lock_guard<std::mutex> lock(pool_mutex_);
        if (!pool_.empty() && pool_digest_ == static_cast<int>(scheme.digest) && pool_pss_ == scheme.rsa_pss) {
            ossl::PkeyCtxPtr ctx = std::move(pool_.back());
            pool_.pop_back();
            return ctx;
        }
    }
    ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new(pkey_.get(), nullptr));
    if (!ctx || EVP_PKEY_sign_init(ctx.get()) <= 0) fail_signing(*this, "signing");
    configure_signature(ctx.get(), pkey_.get(), scheme);
    if (EVP_PKEY_CTX_set_signature_md(ctx.get(), md_of(scheme.digest)) <= 0)
        ossl::fail(Errc::internal, "cannot set the signature digest");
    return ctx;
}

void KeySigner::give_back(ossl::PkeyCtxPtr ctx, const SignatureScheme& scheme) {
    if (module_) return;
    std::lock_guard<std::mutex> lock(pool_mutex_);
    if (pool_digest_ != static_cast<int>(scheme.digest) || pool_pss_ != scheme.rsa_pss) {
        pool_.clear();
        pool_digest_ = static_cast<int>(scheme.digest);
        pool_pss_ = scheme.rsa_pss;
    }
    if (pool_.size() < 64) pool_.push_back(std::move(ctx));
}

ossl::X509SigPtr encrypt_pkcs8(EVP_PKEY* pkey, const Secret& passphrase) {
    const ossl::P8InfPtr info(EVP_PKEY2PKCS8(pkey));
    if (!info) ossl::fail(Errc::internal, "cannot encode the private key");
    // PBES2 (RFC 8018) with scrypt (RFC 7914) and AES-256-CBC; a random 16-byte salt (NIST SP
    // 800-132: at least 128 bits; OpenSSL's default is 8 bytes) and a random IV.
    X509_ALGOR* pbe = PKCS5_pbe2_set_scrypt(EVP_aes_256_cbc(), nullptr, 16, nullptr, kScryptN, kScryptR, kScryptP);
    if (pbe == nullptr) ossl::fail(Errc::internal, "cannot set up the key encryption (scrypt)");
    ossl::X509SigPtr p8(PKCS8_set0_pbe(passphrase.c_str(), static_cast<int>(passphrase.size()), info.get(), pbe));
    if (!p8) {
        ossl::Ptr<X509_ALGOR, X509_ALGOR_free> unused(pbe);  // PKCS8_set0_pbe takes it only on success
        ossl::fail(Errc::internal, "cannot encrypt the private key");
    }
    return p8;
}

ossl::X509Ptr signer_certificate(const Signer& signer, const std::string& what) {
    const std::optional<Bytes> der = signer.certificate();
    if (!der)
        throw Error(Errc::cert_not_found, "cannot " + what + " with " + signer.location() + ": no signer certificate",
                    "give --cert FILE, or store the certificate on the token with the key's id");
    return parse_certificate(*der, "the certificate of " + signer.location());
}

}  // namespace detail

namespace {

struct PassCtx {
    const PinSource* source;
    std::string what;
    Secret secret;
    bool asked = false;
};

int passphrase_cb(char* buf, int size, int /*rwflag*/, void* u) {
    auto* ctx = static_cast<PassCtx*>(u);
    try {
        if (!ctx->asked) {
            ctx->secret = ctx->source->read(PinRequest{"passphrase for " + ctx->what});
            ctx->asked = true;
        }
    } catch (...) {  // nothing is thrown through OpenSSL's decoder
        ctx->asked = true;
        return -1;
    }
    if (ctx->secret.size() > static_cast<size_t>(size)) return -1;  // the passphrase needs no NUL
    std::memcpy(buf, ctx->secret.c_str(), ctx->secret.size());
    return static_cast<int>(ctx->secret.size());
}

ossl::PkeyPtr decode_private_key(const Bytes& data, const std::string& path, PassCtx& pass) {
    EVP_PKEY* decoded = nullptr;
    const ossl::DecoderCtxPtr dctx(
        OSSL_DECODER_CTX_new_for_pkey(&decoded, nullptr, nullptr, nullptr, EVP_PKEY_KEYPAIR, nullptr, nullptr));
    if (!dctx) ossl::fail(Errc::internal, "cannot create a key decoder");
    OSSL_DECODER_CTX_set_pem_password_cb(dctx.get(), passphrase_cb, &pass);
    const unsigned char* p = data.data();
    size_t len = data.size();
    const int ok = OSSL_DECODER_from_data(dctx.get(), &p, &len);
    ossl::PkeyPtr pkey(decoded);
    if (!ok || !pkey) {
        if (pass.asked) {
            if (pass.secret.empty() && pass.source != nullptr) {
                // the callback failed to obtain a passphrase: re-read to surface the reason
                ERR_clear_error();
                pass.source->read(PinRequest{"passphrase for " + pass.what});
            }
            ERR_clear_error();
            throw Error(Errc::bad_passphrase, "cannot decrypt key '" + path + "': wrong passphrase");
        }
        ossl::fail(Errc::malformed, "cannot read key '" + path + "': malformed, truncated or not a private key");
    }
    return pkey;
}

bool is_pkcs12(const Bytes& data, const std::string& path) {
    auto ends = [&](const char* ext) {
        const size_t n = std::strlen(ext);
        if (path.size() < n) return false;
        return strcasecmp(path.c_str() + path.size() - n, ext) == 0;
    };
    if (ends(".p12") || ends(".pfx")) return true;
    if (ossl::looks_like_pem(data)) return false;
    const unsigned char* p = data.data();
    ossl::P12Ptr p12(d2i_PKCS12(nullptr, &p, static_cast<long>(data.size())));
    ERR_clear_error();
    return p12 != nullptr;
}

void load_pkcs12(const Bytes& data, const std::string& path, const PinSource& source, ossl::PkeyPtr& pkey,
                 ossl::X509Ptr& cert) {
    const unsigned char* p = data.data();
    ossl::P12Ptr p12(d2i_PKCS12(nullptr, &p, static_cast<long>(data.size())));
    if (!p12) ossl::fail(Errc::malformed, "cannot read PKCS#12 '" + path + "': malformed or truncated");
    Secret pass;
    bool have = false;
    if (PKCS12_mac_present(p12.get())) {
        if (PKCS12_verify_mac(p12.get(), "", 0) || PKCS12_verify_mac(p12.get(), nullptr, 0)) {
            have = true;
        } else {
            pass = source.read(PinRequest{"passphrase for " + path});
            if (!PKCS12_verify_mac(p12.get(), pass.c_str(), static_cast<int>(pass.size()))) {
                ERR_clear_error();
                throw Error(Errc::bad_passphrase, "cannot open PKCS#12 '" + path + "': wrong passphrase");
            }
            have = true;
        }
    }
    (void)have;
    // PKCS12_parse's outputs, owned as soon as it returns.
    auto parse = [&] {
        EVP_PKEY* k = nullptr;
        X509* c = nullptr;
        STACK_OF(X509)* ca = nullptr;
        const int ok = PKCS12_parse(p12.get(), pass.c_str(), &k, &c, &ca);
        pkey.reset(k);
        cert.reset(c);
        const ossl::X509StackPtr others(ca);
        return ok;
    };
    int ok = parse();
    if (!ok) {
        // Files made by old tools use RC2/3DES: retry with the legacy provider loaded.
        ERR_clear_error();
        OSSL_PROVIDER_try_load(nullptr, "legacy", 1);
        ok = parse();
    }
    if (!ok || !pkey) {
        pkey.reset();
        cert.reset();
        ossl::fail(Errc::malformed, "cannot read PKCS#12 '" + path + "': no private key could be extracted");
    }
}

void check_match(EVP_PKEY* key_public, X509* cert, const std::string& key_what, const std::string& cert_what) {
    EVP_PKEY* cert_key = X509_get0_pubkey(cert);
    if (cert_key == nullptr || EVP_PKEY_eq(cert_key, key_public) != 1) {
        ERR_clear_error();
        throw Error(Errc::key_cert_mismatch,
                    "key " + key_what + " does not match certificate " + cert_what + ": the public keys differ",
                    "give the certificate that was issued for this key");
    }
}

std::unique_ptr<Signer> open_file_signer(const KeyOptions& o) {
    Bytes data = detail::read_input_limited(o.spec, detail::kMaxCertificateFileBytes, "key '" + o.spec + "'");
    ossl::PkeyPtr pkey;
    ossl::X509Ptr cert;
    if (is_pkcs12(data, o.spec)) {
        load_pkcs12(data, o.spec, o.pin, pkey, cert);
    } else {
        PassCtx pass{&o.pin, "'" + o.spec + "'", Secret(), false};
        pkey = decode_private_key(data, o.spec, pass);
    }
    secure_wipe(data.data(), data.size());
    detail::check_key_strength(pkey.get(), "'" + o.spec + "'");
    if (!o.cert_file.empty())
        cert = detail::parse_certificate(
            detail::read_input_limited(o.cert_file, detail::kMaxCertificateFileBytes, "certificate '" + o.cert_file + "'"),
            "certificate '" + o.cert_file + "'");
    if (cert) check_match(pkey.get(), cert.get(), "'" + o.spec + "'", o.cert_file.empty() ? "in the PKCS#12 file" : "'" + o.cert_file + "'");
    return std::make_unique<detail::KeySigner>(nullptr, std::move(pkey), nullptr, std::move(cert), "file " + o.spec,
                                               false);
}

std::unique_ptr<Signer> open_token_signer(const KeyOptions& o) {
    const Pkcs11Uri uri = Pkcs11Uri::parse(o.spec);
    if (uri.type && *uri.type != "private")
        throw Error(Errc::usage, "invalid key URI '" + o.spec + "': type must be 'private' for a signing key");
    auto module = p11::load_for(o.pkcs11_module, &uri);
    PKCS11_SLOT* slot = module->find_token(uri);
    PinSource pin = o.pin;
    if (uri.pin_source && o.pin.is_default()) pin = PinSource::parse(*uri.pin_source);
    module->login(slot, pin, o.allow_final_pin_try);

    PKCS11_KEY* keys = nullptr;
    unsigned int nkeys = 0;
    if (PKCS11_enumerate_keys(slot->token, &keys, &nkeys) != 0) {
        ERR_clear_error();
        throw Error(Errc::token_error, "cannot list the keys on token '" + std::string(slot->token->label) + "'");
    }
    std::vector<PKCS11_KEY*> matches;
    for (unsigned i = 0; i < nkeys; ++i) {
        PKCS11_KEY* k = &keys[i];
        if (!k->isPrivate) continue;
        if (uri.object && (k->label == nullptr || *uri.object != k->label)) continue;
        if (uri.id && (k->id_len != uri.id->size() || std::memcmp(k->id, uri.id->data(), k->id_len) != 0)) continue;
        matches.push_back(k);
    }
    const std::string token_label = slot->token->label;
    if (matches.empty())
        throw Error(Errc::key_not_found, "cannot find key " + o.spec + ": no private key on token '" + token_label + "' matches",
                    "see the keys with 'tsign token keys --token " + token_label + "'");
    if (matches.size() > 1)
        throw Error(Errc::key_ambiguous,
                    "cannot choose key " + o.spec + ": " + std::to_string(matches.size()) + " private keys match",
                    "add object= or id= to the URI");
    PKCS11_KEY* key = matches.front();

    Pkcs11Uri where;
    where.token = token_label;
    if (key->label) where.object = key->label;
    if (key->id_len) where.id = Bytes(key->id, key->id + key->id_len);
    where.type = "private";
    const std::string location = where.to_string();

    // CKA_ALWAYS_AUTHENTICATE is not exposed by libp11: read it with a raw session.
    bool always_auth = false;
    {
        p11::Session s(*module, module->raw_slot(slot), false);
        CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
        std::vector<CK_ATTRIBUTE> tmpl = {{CKA_CLASS, &cls, sizeof cls}};
        if (key->id_len) tmpl.push_back({CKA_ID, key->id, key->id_len});
        if (key->label) tmpl.push_back({CKA_LABEL, key->label, std::strlen(key->label)});
        for (auto h : s.find(tmpl)) always_auth = always_auth || s.bool_attribute(h, CKA_ALWAYS_AUTHENTICATE);
    }

    ossl::PkeyPtr pkey(PKCS11_get_private_key(key));
    if (!pkey) {
        ERR_clear_error();
        throw Error(Errc::token_error, "cannot use key " + location + ": the token did not return its public parameters");
    }
    // libp11's private-key EVP_PKEY carries the public parameters (RSA n/e, EC point), which
    // is all the certificate check and the CSR need. (PKCS11_get_public_key leaks in libp11 0.4.12.)
    ossl::PkeyPtr pub;
    EVP_PKEY* public_half = pkey.get();
    detail::check_key_strength(public_half, location);

    ossl::X509Ptr cert;
    std::string cert_what;
    if (!o.cert_file.empty()) {
        cert = detail::parse_certificate(
            detail::read_input_limited(o.cert_file, detail::kMaxCertificateFileBytes, "certificate '" + o.cert_file + "'"),
            "certificate '" + o.cert_file + "'");
        cert_what = "'" + o.cert_file + "'";
    } else if (PKCS11_CERT* c = PKCS11_find_certificate(key); c != nullptr && c->x509 != nullptr) {
        X509_up_ref(c->x509);
        cert.reset(c->x509);
        cert_what = "on the token (same id)";
    }
    ERR_clear_error();
    if (cert) check_match(public_half, cert.get(), location, cert_what);
    return std::make_unique<detail::KeySigner>(std::move(module), std::move(pkey), std::move(pub), std::move(cert),
                                               location, always_auth);
}

}  // namespace

std::vector<ossl::X509Ptr> detail::KeySigner::token_certificates() const {
    std::vector<ossl::X509Ptr> out;
    if (!module_) return out;
    PKCS11_SLOT* slot = module_->find_token(Pkcs11Uri::parse(location_));
    PKCS11_CERT* certs = nullptr;
    unsigned int n = 0;
    if (PKCS11_enumerate_certs(slot->token, &certs, &n) != 0) {
        ERR_clear_error();
        return out;
    }
    for (unsigned i = 0; i < n; ++i)
        if (certs[i].x509 != nullptr && X509_up_ref(certs[i].x509) == 1) out.emplace_back(certs[i].x509);
    return out;
}

namespace {

std::mutex g_warning_mutex;
std::function<void(const std::string&)> g_warning_handler;

/// True when `issuer` issued `cert`: names chain and its key verifies the signature.
bool issued_by(X509* cert, X509* issuer) {
    const bool yes = X509_NAME_cmp(X509_get_issuer_name(cert), X509_get_subject_name(issuer)) == 0 &&
                     X509_get0_pubkey(issuer) != nullptr && X509_verify(cert, X509_get0_pubkey(issuer)) == 1;
    ERR_clear_error();
    return yes;
}

}  // namespace

void set_warning_handler(std::function<void(const std::string&)> handler) {
    const std::lock_guard<std::mutex> lock(g_warning_mutex);
    g_warning_handler = std::move(handler);
}

void detail::warn(const std::string& message) {
    std::function<void(const std::string&)> h;
    {
        const std::lock_guard<std::mutex> lock(g_warning_mutex);
        h = g_warning_handler;
    }
    if (h) h(message);
}

std::vector<ossl::X509Ptr> detail::token_issuer_chain(const Signer& signer, X509* cert) {
    std::vector<ossl::X509Ptr> chain;
    const auto* key = dynamic_cast<const KeySigner*>(&signer);
    if (key == nullptr || !key->on_token() || cert == nullptr || issued_by(cert, cert)) return chain;
    std::vector<ossl::X509Ptr> on_token;
    try {
        on_token = key->token_certificates();
    } catch (const Error&) {
        ERR_clear_error();  // the token cannot be searched again: sign as without it (and warn below)
    }
    X509* current = cert;
    for (int depth = 0; depth < 16; ++depth) {
        X509* issuer = nullptr;
        for (const auto& c : on_token)
            if (X509_cmp(c.get(), current) != 0 && issued_by(current, c.get())) {
                issuer = c.get();
                break;
            }
        if (issuer == nullptr) break;
        if (issued_by(issuer, issuer)) break;  // the root: verifiers bring their own trust anchor
        X509_up_ref(issuer);
        chain.emplace_back(issuer);
        current = issuer;
    }
    if (chain.empty() && !std::any_of(on_token.begin(), on_token.end(), [&](const ossl::X509Ptr& c) {
            return X509_cmp(c.get(), cert) != 0 && issued_by(cert, c.get());
        }))
        warn("the issuer of the signer's certificate (" + ossl::name_to_utf8(X509_get_issuer_name(cert)) +
             ") is neither given with --chain nor on the token: verifiers will need that intermediate certificate "
             "(give --chain FILE, or import the CA certificate on the token with 'tsign token import-cert')");
    return chain;
}

std::unique_ptr<Signer> open_signer(const KeyOptions& options) {
    if (options.spec.empty()) throw Error(Errc::usage, "no key given", "use --key FILE or --key 'pkcs11:token=...;object=...'");
    if (Pkcs11Uri::is_uri(options.spec)) return open_token_signer(options);
    return open_file_signer(options);
}

PublicKeyInfo generate_key_file(const std::string& path, const KeyGenOptions& o) {
    ossl::PkeyPtr pkey;
    switch (o.type) {
    case KeyType::rsa2048: pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048})); break;
    case KeyType::rsa3072: pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{3072})); break;
    case KeyType::rsa4096: pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{4096})); break;
    case KeyType::ec_p256: pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")); break;
    case KeyType::ec_p384: pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384")); break;
    }
    if (!pkey) ossl::fail(Errc::internal, "key generation failed");
    Secret pass;
    if (o.encrypt) {
        PinRequest req{"passphrase for the new key '" + path + "'"};
        req.confirm = true;
        pass = o.passphrase.read(req);
        if (pass.size() < 4)
            throw Error(Errc::pin_invalid, "refusing passphrase for '" + path + "': shorter than 4 characters");
        // OpenSSL hands the passphrase callback of its key decoders a 1024-byte buffer: a longer
        // passphrase would make a key that can never be opened again.
        if (pass.size() > 1024) throw Error(Errc::pin_invalid, "refusing passphrase for '" + path + "': longer than 1024 bytes");
    }
    ossl::BioPtr bio(BIO_new(BIO_s_secmem()));  // cleared when freed
    int ok;
    if (o.encrypt) {
        const ossl::X509SigPtr p8 = detail::encrypt_pkcs8(pkey.get(), pass);
        ok = o.pem ? PEM_write_bio_PKCS8(bio.get(), p8.get()) : i2d_PKCS8_bio(bio.get(), p8.get());
    } else {
        ok = o.pem ? PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey.get(), nullptr, nullptr, 0, nullptr, nullptr)
                   : i2d_PKCS8PrivateKey_bio(bio.get(), pkey.get(), nullptr, nullptr, 0, nullptr, nullptr);
    }
    if (!ok) ossl::fail(Errc::internal, "cannot encode the private key");
    Bytes der = ossl::bio_bytes(bio.get());
    try {
        write_file_atomic(path, der, WriteOptions{o.force, 0600});
    } catch (...) {
        secure_wipe(der.data(), der.size());
        throw;
    }
    secure_wipe(der.data(), der.size());
    return detail::describe_pkey(pkey.get());
}

}  // namespace tsign
