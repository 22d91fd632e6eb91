#include <cstring>

#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "keys/p11.hpp"
#include "keys/signer_impl.hpp"
#include "tsign/error.hpp"
#include "tsign/token.hpp"

namespace tsign {

namespace p11 {
std::string resolve_pkcs11_module_impl(const std::string& explicit_path);
}

std::string resolve_pkcs11_module(const std::string& explicit_path) {
    return p11::resolve_pkcs11_module_impl(explicit_path);
}

std::vector<TokenInfo> list_tokens(const TokenOptions& options) {
    auto module = p11::load_for(options.module, nullptr);
    std::vector<TokenInfo> out;
    for (PKCS11_SLOT* s : module->all_slots()) out.push_back(module->describe(s));
    return out;
}

namespace {

struct Opened {
    std::shared_ptr<p11::Module> module;
    PKCS11_SLOT* slot;
    CK_SLOT_ID slot_id;
    std::string label;
};

Opened open_token(const TokenOptions& options, const std::string& token_label) {
    if (token_label.empty()) throw Error(Errc::usage, "no token given", "use --token LABEL (see 'tsign token list')");
    Pkcs11Uri uri;
    if (Pkcs11Uri::is_uri(token_label)) uri = Pkcs11Uri::parse(token_label);
    else uri.token = token_label;
    auto module = p11::load_for(options.module, &uri);
    PKCS11_SLOT* slot = module->find_token(uri);
    PinSource pin = options.pin;
    if (uri.pin_source && pin.is_default()) pin = PinSource::parse(*uri.pin_source);
    module->login(slot, pin, options.allow_final_pin_try);
    return {module, slot, module->raw_slot(slot), slot->token->label};
}

std::string curve_of_params(const Bytes& params) {
    const unsigned char* p = params.data();
    ossl::Asn1ObjPtr obj(d2i_ASN1_OBJECT(nullptr, &p, static_cast<long>(params.size())));
    ERR_clear_error();
    if (!obj) return "";
    const int nid = OBJ_obj2nid(obj.get());
    if (const char* nist = EC_curve_nid2nist(nid)) return nist;
    return nid != NID_undef ? OBJ_nid2sn(nid) : "";
}

TokenObjectInfo describe_object(const p11::Session& s, CK_OBJECT_HANDLE h, const std::string& token_label) {
    TokenObjectInfo info;
    const unsigned long cls = s.ulong_attribute(h, CKA_CLASS, ~0UL);
    Pkcs11Uri u;
    u.token = token_label;
    if (auto l = s.attribute(h, CKA_LABEL)) {
        info.label.assign(l->begin(), l->end());
        u.object = info.label;
    }
    if (auto id = s.attribute(h, CKA_ID); id && !id->empty()) {
        info.id_hex = ossl::hex(*id);
        u.id = *id;
    }
    if (cls == CKO_CERTIFICATE) {
        info.kind = "certificate";
        u.type = "cert";
        if (auto v = s.attribute(h, CKA_VALUE)) {
            const unsigned char* p = v->data();
            ossl::X509Ptr c(d2i_X509(nullptr, &p, static_cast<long>(v->size())));
            if (c) info.subject = ossl::name_to_utf8(X509_get_subject_name(c.get()));
            ERR_clear_error();
        }
    } else {
        info.kind = cls == CKO_PRIVATE_KEY ? "private-key" : "public-key";
        u.type = cls == CKO_PRIVATE_KEY ? "private" : "public";
        const unsigned long kt = s.ulong_attribute(h, CKA_KEY_TYPE, ~0UL);
        if (kt == CKK_RSA) {
            info.key_algorithm = "RSA";
            if (auto m = s.attribute(h, CKA_MODULUS)) {
                size_t i = 0;
                while (i < m->size() && (*m)[i] == 0) ++i;
                info.key_bits = static_cast<int>((m->size() - i) * 8);
            }
        } else if (kt == CKK_EC) {
            info.key_algorithm = "EC";
            if (auto p = s.attribute(h, CKA_EC_PARAMS)) {
                const std::string c = curve_of_params(*p);
                info.key_bits = c == "P-256" ? 256 : c == "P-384" ? 384 : c == "P-521" ? 521 : 0;
                info.key_algorithm = c.empty() ? "EC" : "EC " + c;
            }
        } else {
            info.key_algorithm = "other";
        }
        if (cls == CKO_PRIVATE_KEY) {
            info.sensitive = s.bool_attribute(h, CKA_SENSITIVE);
            info.extractable = s.bool_attribute(h, CKA_EXTRACTABLE);
            info.always_authenticate = s.bool_attribute(h, CKA_ALWAYS_AUTHENTICATE);
        }
    }
    info.uri = u.to_string();
    return info;
}

std::vector<CK_OBJECT_HANDLE> find_class(const p11::Session& s, CK_OBJECT_CLASS cls) {
    return s.find({{CKA_CLASS, &cls, sizeof cls}});
}

/// The CKA_ID (hex) of the private key on the token whose public key is the certificate's. A CA
/// certificate with no key on the token (an issuer kept there so that signatures carry it) gets
/// its subject key identifier (or the SHA-1 of its public key, RFC 5280 §4.2.1.2 method 1).
/// Throws Errc::key_not_found when neither applies.
std::string id_of_key_for(const Opened& t, X509* cert) {
    EVP_PKEY* want = X509_get0_pubkey(cert);
    if (want == nullptr) ossl::fail(Errc::malformed, "cannot read the public key of the certificate to import");
    PKCS11_KEY* keys = nullptr;
    unsigned int nkeys = 0;
    if (PKCS11_enumerate_keys(t.slot->token, &keys, &nkeys) == 0) {
        for (unsigned i = 0; i < nkeys; ++i) {
            if (!keys[i].isPrivate || keys[i].id_len == 0) continue;
            // libp11's private-key EVP_PKEY carries the public parameters (as open_token_signer uses
            // it; PKCS11_get_public_key leaks in libp11 0.4.12).
            ossl::PkeyPtr pub(PKCS11_get_private_key(&keys[i]));
            if (pub && EVP_PKEY_eq(pub.get(), want) == 1) {
                ERR_clear_error();
                return ossl::hex(Bytes(keys[i].id, keys[i].id + keys[i].id_len));
            }
        }
    }
    ERR_clear_error();
    if (X509_check_ca(cert) > 0) {
        if (const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(cert); ski != nullptr && ASN1_STRING_length(ski) > 0)
            return ossl::hex(Bytes(ASN1_STRING_get0_data(ski), ASN1_STRING_get0_data(ski) + ASN1_STRING_length(ski)));
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        if (X509_pubkey_digest(cert, EVP_sha1(), md, &n) == 1) return ossl::hex(Bytes(md, md + n));
        ERR_clear_error();
    }
    throw Error(Errc::key_not_found,
                "cannot import the certificate: no key on token '" + t.label + "' has its public key (" +
                    ossl::name_to_utf8(X509_get_subject_name(cert)) + ")",
                "generate the key on the token first, or give --id HEX (see 'tsign token keys --token " + t.label + "')");
}

}  // namespace

std::vector<TokenObjectInfo> list_token_objects(const TokenOptions& options, const std::string& token_label) {
    Opened t = open_token(options, token_label);
    p11::Session s(*t.module, t.slot_id, false);
    std::vector<TokenObjectInfo> out;
    for (CK_OBJECT_CLASS cls : {CKO_PRIVATE_KEY, CKO_PUBLIC_KEY, CKO_CERTIFICATE})
        for (auto h : find_class(s, cls)) out.push_back(describe_object(s, h, t.label));
    // Which keys have their certificate on the token (a certificate object with the same id).
    for (auto& key : out) {
        if (key.kind == "certificate" || key.id_hex.empty()) continue;
        for (const auto& c : out) {
            if (c.kind != "certificate" || c.id_hex != key.id_hex) continue;
            key.has_certificate = true;
            key.certificate_label = c.label;
            key.certificate_subject = c.subject;
            break;
        }
    }
    return out;
}

TokenObjectInfo generate_token_key(const TokenOptions& options, const TokenKeyGenOptions& g) {
    if (g.key_label.empty()) throw Error(Errc::usage, "no key label given", "use --label NAME");
    Opened t = open_token(options, g.token_label);
    p11::Session s(*t.module, t.slot_id, true);

    CK_OBJECT_CLASS priv_cls = CKO_PRIVATE_KEY;
    std::vector<CK_ATTRIBUTE> by_label = {{CKA_CLASS, &priv_cls, sizeof priv_cls},
                                          {CKA_LABEL, const_cast<char*>(g.key_label.data()), g.key_label.size()}};
    if (!s.find(by_label).empty())
        throw Error(Errc::usage, "refusing to generate key '" + g.key_label + "': a key with this label exists on token '" + t.label + "'",
                    "choose another --label");
    Bytes id;
    if (!g.id_hex.empty()) {
        id = ossl::unhex(g.id_hex);
        std::vector<CK_ATTRIBUTE> by_id = {{CKA_CLASS, &priv_cls, sizeof priv_cls}, {CKA_ID, id.data(), id.size()}};
        if (!s.find(by_id).empty())
            throw Error(Errc::usage, "refusing to generate key with id " + g.id_hex + ": the id is in use on token '" + t.label + "'");
    } else {
        id.resize(8);
        if (RAND_bytes(id.data(), 8) != 1) ossl::fail(Errc::internal, "random generator failed");
    }

    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_BBOOL always = g.always_authenticate ? CK_TRUE : CK_FALSE;
    CK_MECHANISM mech{};
    CK_ULONG bits = 0;
    CK_BYTE exponent[] = {0x01, 0x00, 0x01};
    static const CK_BYTE p256[] = {0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};
    static const CK_BYTE p384[] = {0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22};
    CK_ULONG label_len = g.key_label.size();
    char* label = const_cast<char*>(g.key_label.data());
    std::vector<CK_ATTRIBUTE> pub = {{CKA_TOKEN, &yes, sizeof yes},
                                     {CKA_PRIVATE, &no, sizeof no},
                                     {CKA_VERIFY, &yes, sizeof yes},
                                     {CKA_LABEL, label, label_len},
                                     {CKA_ID, id.data(), id.size()}};
    std::vector<CK_ATTRIBUTE> priv = {{CKA_TOKEN, &yes, sizeof yes},
                                      {CKA_PRIVATE, &yes, sizeof yes},
                                      {CKA_SENSITIVE, &yes, sizeof yes},
                                      {CKA_EXTRACTABLE, &no, sizeof no},
                                      {CKA_SIGN, g.encryption ? &no : &yes, sizeof yes},
                                      {CKA_LABEL, label, label_len},
                                      {CKA_ID, id.data(), id.size()}};
    if (g.always_authenticate) priv.push_back({CKA_ALWAYS_AUTHENTICATE, &always, sizeof always});
    const bool rsa_key = g.type == KeyType::rsa2048 || g.type == KeyType::rsa3072 || g.type == KeyType::rsa4096;
    if (g.encryption && rsa_key) {
        priv.push_back({CKA_DECRYPT, &yes, sizeof yes});
        priv.push_back({CKA_UNWRAP, &yes, sizeof yes});
        pub.push_back({CKA_ENCRYPT, &yes, sizeof yes});
        pub.push_back({CKA_WRAP, &yes, sizeof yes});
    } else if (g.encryption) {
        priv.push_back({CKA_DERIVE, &yes, sizeof yes});
    } else {
        priv.push_back({CKA_DECRYPT, &no, sizeof no});
        priv.push_back({CKA_DERIVE, &no, sizeof no});
    }
    switch (g.type) {
    case KeyType::rsa2048:
    case KeyType::rsa3072:
    case KeyType::rsa4096:
        bits = g.type == KeyType::rsa2048 ? 2048 : g.type == KeyType::rsa3072 ? 3072 : 4096;
        mech.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
        pub.push_back({CKA_MODULUS_BITS, &bits, sizeof bits});
        pub.push_back({CKA_PUBLIC_EXPONENT, exponent, sizeof exponent});
        break;
    case KeyType::ec_p256:
        mech.mechanism = CKM_EC_KEY_PAIR_GEN;
        pub.push_back({CKA_EC_PARAMS, const_cast<CK_BYTE*>(p256), sizeof p256});
        break;
    case KeyType::ec_p384:
        mech.mechanism = CKM_EC_KEY_PAIR_GEN;
        pub.push_back({CKA_EC_PARAMS, const_cast<CK_BYTE*>(p384), sizeof p384});
        break;
    }
    CK_OBJECT_HANDLE hpub = 0, hpriv = 0;
    CK_RV rv = s.fl()->C_GenerateKeyPair(s.handle(), &mech, pub.data(), static_cast<CK_ULONG>(pub.size()), priv.data(),
                                         static_cast<CK_ULONG>(priv.size()), &hpub, &hpriv);
    if (rv != CKR_OK) p11::fail_rv(rv, "cannot generate a " + key_type_name(g.type) + " key on token '" + t.label + "'");
    TokenObjectInfo info = describe_object(s, hpriv, t.label);
    if (info.key_bits == 0 && bits != 0) info.key_bits = static_cast<int>(bits);
    return info;
}

TokenObjectInfo import_token_certificate(const TokenOptions& options, const std::string& token_label, const std::string& label,
                                         const std::string& given_id_hex, const Bytes& certificate) {
    if (label.empty()) throw Error(Errc::usage, "no certificate label given", "use --label NAME");
    ossl::X509Ptr cert = detail::parse_certificate(certificate, "the certificate to import");
    Opened t = open_token(options, token_label);
    // Without an id: the id of the key whose public key is the certificate's.
    const std::string id_hex = given_id_hex.empty() ? id_of_key_for(t, cert.get()) : given_id_hex;
    Bytes id = ossl::unhex(id_hex);

    // The certificate must belong to the key with the same id, if there is one.
    PKCS11_KEY* keys = nullptr;
    unsigned int nkeys = 0;
    if (PKCS11_enumerate_keys(t.slot->token, &keys, &nkeys) == 0) {
        for (unsigned i = 0; i < nkeys; ++i) {
            if (keys[i].id_len != id.size() || std::memcmp(keys[i].id, id.data(), id.size()) != 0) continue;
            ossl::PkeyPtr pub(PKCS11_get_private_key(&keys[i]));
            if (pub && EVP_PKEY_eq(pub.get(), X509_get0_pubkey(cert.get())) != 1)
                throw Error(Errc::key_cert_mismatch,
                            "refusing to import the certificate: it does not match the key with id " + id_hex +
                                " on token '" + t.label + "'");
            break;
        }
    }
    ERR_clear_error();

    p11::Session s(*t.module, t.slot_id, true);
    CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
    std::vector<CK_ATTRIBUTE> by_id = {{CKA_CLASS, &cls, sizeof cls}, {CKA_ID, id.data(), id.size()}};
    if (!s.find(by_id).empty())
        throw Error(Errc::usage, "refusing to import: a certificate with id " + id_hex + " is already on token '" + t.label + "'");


    Bytes value = ossl::to_der(cert.get(), i2d_X509);
    Bytes subject = ossl::to_der(X509_get_subject_name(cert.get()), i2d_X509_NAME);
    Bytes issuer = ossl::to_der(X509_get_issuer_name(cert.get()), i2d_X509_NAME);
    Bytes serial = ossl::to_der(X509_get0_serialNumber(cert.get()), i2d_ASN1_INTEGER);
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_CERTIFICATE_TYPE ctype = CKC_X_509;
    std::vector<CK_ATTRIBUTE> tmpl = {{CKA_CLASS, &cls, sizeof cls},
                                      {CKA_CERTIFICATE_TYPE, &ctype, sizeof ctype},
                                      {CKA_TOKEN, &yes, sizeof yes},
                                      {CKA_PRIVATE, &no, sizeof no},
                                      {CKA_LABEL, const_cast<char*>(label.data()), label.size()},
                                      {CKA_ID, id.data(), id.size()},
                                      {CKA_SUBJECT, subject.data(), subject.size()},
                                      {CKA_ISSUER, issuer.data(), issuer.size()},
                                      {CKA_SERIAL_NUMBER, serial.data(), serial.size()},
                                      {CKA_VALUE, value.data(), value.size()}};
    CK_OBJECT_HANDLE h = 0;
    CK_RV rv = s.fl()->C_CreateObject(s.handle(), tmpl.data(), static_cast<CK_ULONG>(tmpl.size()), &h);
    if (rv != CKR_OK) p11::fail_rv(rv, "cannot store the certificate on token '" + t.label + "'");
    return describe_object(s, h, t.label);
}

}  // namespace tsign
