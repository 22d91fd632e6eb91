// tsign info: certificates, certificate requests and CRLs.
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "core/ossl.hpp"
#include "info/info_impl.hpp"
#include "keys/signer_impl.hpp"
#include "tsign/error.hpp"
#include "tsign/time.hpp"
#include "tsign/x509.hpp"

namespace tsign::info {

std::string obj_name(const ASN1_OBJECT* obj) {
    if (obj == nullptr) return "unknown";
    const int nid = OBJ_obj2nid(obj);
    if (nid != NID_undef) return OBJ_nid2ln(nid);
    char buf[128] = {0};
    if (OBJ_obj2txt(buf, sizeof buf, obj, 1) <= 0) return "unknown";
    return buf;
}

std::string iso(const ASN1_TIME* t) {
    if (t == nullptr) return "";
    try {
        return format_iso8601(ossl::asn1_time_to_unix(t));
    } catch (const Error&) {
        ERR_clear_error();
        return "invalid time";
    }
}

json public_key_json(EVP_PKEY* pkey) {
    const PublicKeyInfo info = detail::describe_pkey(pkey);
    json j;
    j["algorithm"] = info.algorithm;
    j["bits"] = info.bits;
    if (!info.curve.empty()) j["curve"] = to_valid_utf8(info.curve);
    j["spki_sha256"] = info.spki_sha256;
    return j;
}

namespace {

/// A SubjectPublicKeyInfo OpenSSL cannot turn into a key (DSA with parameters inherited from the
/// issuer, RFC 3279 §2.3.2; an unknown or malformed key): its algorithm and hash, marked undecodable.
json undecodable_key_json(const X509_PUBKEY* spki) {
    json j;
    ASN1_OBJECT* alg = nullptr;
    if (spki != nullptr) X509_PUBKEY_get0_param(&alg, nullptr, nullptr, nullptr, spki);
    j["algorithm"] = obj_name(alg);
    j["undecodable"] = true;
    unsigned char* der = nullptr;
    const int n = spki != nullptr ? i2d_X509_PUBKEY(spki, &der) : -1;
    ossl::OsslStrPtr owned(reinterpret_cast<char*>(der));
    if (n > 0) j["spki_sha256"] = ossl::hex(ossl::sha256(std::span(der, static_cast<size_t>(n))));
    ERR_clear_error();
    return j;
}

std::string raw_text(const ASN1_STRING* s) {
    if (s == nullptr) return "";
    const unsigned char* d = ASN1_STRING_get0_data(s);
    const int n = ASN1_STRING_length(s);
    if (d == nullptr || n <= 0) return "";
    return to_valid_utf8(std::string_view(reinterpret_cast<const char*>(d), static_cast<size_t>(n)));
}

}  // namespace

std::string hex_of(const ASN1_STRING* s) {
    if (s == nullptr || ASN1_STRING_get0_data(s) == nullptr) return "";
    return ossl::hex(std::span(ASN1_STRING_get0_data(s), static_cast<size_t>(std::max(0, ASN1_STRING_length(s)))));
}

/// One general name as "TYPE:value"; IA5String values (email, DNS, URI) are bytes on the wire, shown
/// through to_valid_utf8 so that bytes which are not UTF-8 appear as \XX.
std::string general_name_text(const GENERAL_NAME* gn) {
    int type = -1;
    const void* v = gn ? GENERAL_NAME_get0_value(gn, &type) : nullptr;
    if (v == nullptr) return "other";
    switch (type) {
    case GEN_EMAIL: return "email:" + raw_text(static_cast<const ASN1_STRING*>(v));
    case GEN_DNS: return "DNS:" + raw_text(static_cast<const ASN1_STRING*>(v));
    case GEN_URI: return "URI:" + raw_text(static_cast<const ASN1_STRING*>(v));
    case GEN_DIRNAME: return "DirName:" + ossl::name_to_utf8(static_cast<const X509_NAME*>(v));
    case GEN_IPADD: {
        auto* s = static_cast<const ASN1_OCTET_STRING*>(v);
        return "IP:" +
               ossl::hex(std::span(ASN1_STRING_get0_data(s), static_cast<size_t>(std::max(0, ASN1_STRING_length(s)))), ':');
    }
    case GEN_RID: return "RID:" + obj_name(static_cast<const ASN1_OBJECT*>(v));
    default: return "other";
    }
}

namespace {

json general_names_json(const GENERAL_NAMES* names) {
    json arr = json::array();
    for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i)
        arr.push_back(general_name_text(sk_GENERAL_NAME_value(names, i)));
    return arr;
}

/// The extensions, by name. An extension whose value does not decode is shown as undecodable
/// (with its criticality), never guessed at.
json extensions_json(const STACK_OF(X509_EXTENSION) * exts) {
    json j = json::object();
    for (int i = 0; exts != nullptr && i < sk_X509_EXTENSION_num(exts); ++i) {
        X509_EXTENSION* ext = sk_X509_EXTENSION_value(exts, i);
        const ASN1_OBJECT* oid = X509_EXTENSION_get_object(ext);
        const int nid = OBJ_obj2nid(oid);
        const bool critical = X509_EXTENSION_get_critical(ext) == 1;
        const ossl::ExtValuePtr value = ossl::ext_d2i(ext);
        void* d = value.get();
        std::string key;
        json e;
        switch (nid) {
        case NID_basic_constraints: {
            key = "basic_constraints";
            if (auto* bc = static_cast<BASIC_CONSTRAINTS*>(d)) {
                e["critical"] = critical;
                e["ca"] = bc->ca != 0;
                if (bc->pathlen) e["path_length"] = ASN1_INTEGER_get(bc->pathlen);
            }
            break;
        }
        case NID_key_usage: {
            key = "key_usage";
            if (auto* ku = static_cast<ASN1_BIT_STRING*>(d)) {
                static const char* names[] = {"digitalSignature", "nonRepudiation", "keyEncipherment",
                                              "dataEncipherment", "keyAgreement",   "keyCertSign",
                                              "cRLSign",          "encipherOnly",   "decipherOnly"};
                json arr = json::array();
                for (int bit = 0; bit < 9; ++bit)
                    if (ASN1_BIT_STRING_get_bit(ku, bit)) arr.push_back(names[bit]);
                e = {{"critical", critical}, {"usages", arr}};
            }
            break;
        }
        case NID_ext_key_usage: {
            key = "extended_key_usage";
            if (auto* eku = static_cast<EXTENDED_KEY_USAGE*>(d)) {
                json arr = json::array();
                for (int k = 0; k < sk_ASN1_OBJECT_num(eku); ++k) arr.push_back(obj_name(sk_ASN1_OBJECT_value(eku, k)));
                e = {{"critical", critical}, {"usages", arr}};
            }
            break;
        }
        case NID_subject_key_identifier:
            key = "subject_key_identifier";
            if (d != nullptr) e = hex_of(static_cast<ASN1_OCTET_STRING*>(d));
            break;
        case NID_authority_key_identifier:
            key = "authority_key_identifier";
            if (auto* aki = static_cast<AUTHORITY_KEYID*>(d)) {
                if (aki->keyid == nullptr) continue;  // the issuer-and-serial form only
                e = hex_of(aki->keyid);
            }
            break;
        case NID_subject_alt_name:
            key = "subject_alt_names";
            if (d != nullptr) e = general_names_json(static_cast<GENERAL_NAMES*>(d));
            break;
        case NID_certificate_policies: {
            key = "certificate_policies";
            if (auto* pols = static_cast<CERTIFICATEPOLICIES*>(d)) {
                e = json::array();
                for (int k = 0; k < sk_POLICYINFO_num(pols); ++k) {
                    const POLICYINFO* pi = sk_POLICYINFO_value(pols, k);
                    char buf[128] = {0};
                    if (pi == nullptr || OBJ_obj2txt(buf, sizeof buf, pi->policyid, 1) <= 0)
                        e.push_back("unknown");
                    else
                        e.push_back(buf);
                }
            }
            break;
        }
        case NID_crl_distribution_points: {
            key = "crl_distribution_points";
            if (auto* dps = static_cast<CRL_DIST_POINTS*>(d)) {
                e = json::array();
                for (int k = 0; k < sk_DIST_POINT_num(dps); ++k) {
                    const DIST_POINT* dp = sk_DIST_POINT_value(dps, k);
                    if (dp != nullptr && dp->distpoint && dp->distpoint->type == 0)
                        for (auto& n : general_names_json(dp->distpoint->name.fullname)) e.push_back(n);
                }
            }
            break;
        }
        case NID_info_access: {
            key = "authority_info_access";
            if (auto* aia = static_cast<AUTHORITY_INFO_ACCESS*>(d)) {
                json ocsp = json::array(), issuers = json::array();
                for (int k = 0; k < sk_ACCESS_DESCRIPTION_num(aia); ++k) {
                    const ACCESS_DESCRIPTION* ad = sk_ACCESS_DESCRIPTION_value(aia, k);
                    if (ad == nullptr) continue;
                    (OBJ_obj2nid(ad->method) == NID_ad_OCSP ? ocsp : issuers).push_back(general_name_text(ad->location));
                }
                if (!ocsp.empty()) j["ocsp"] = ocsp;
                if (!issuers.empty()) j["ca_issuers"] = issuers;
                continue;
            }
            break;
        }
        case NID_id_pkix_OCSP_noCheck: j["ocsp_no_check"] = true; continue;
        default:
            // Shown by name with its criticality; one OpenSSL knows but cannot decode is marked.
            key = obj_name(oid);
            e = {{"critical", critical}};
            if (X509V3_EXT_get(ext) != nullptr && d == nullptr) e["undecodable"] = true;
            ERR_clear_error();
            j[key] = e;
            continue;
        }
        if (d == nullptr) e = {{"critical", critical}, {"undecodable", true}};
        j[key] = e;
    }
    return j;
}

}  // namespace

json cert_json(X509* cert) {
    json j;
    j["type"] = "certificate";
    j["version"] = X509_get_version(cert) + 1;
    j["serial"] = ossl::serial_hex(X509_get0_serialNumber(cert));
    j["subject"] = ossl::name_to_utf8(X509_get_subject_name(cert));
    j["issuer"] = ossl::name_to_utf8(X509_get_issuer_name(cert));
    j["not_before"] = iso(X509_get0_notBefore(cert));
    j["not_after"] = iso(X509_get0_notAfter(cert));
    // DSA keys with parameters inherited from the issuer (RFC 3279 §2.3.2) and unknown key types
    // have no decodable key: X509_get0_pubkey() is null for them.
    EVP_PKEY* pk = X509_get0_pubkey(cert);
    ERR_clear_error();
    j["public_key"] = pk != nullptr ? public_key_json(pk) : undecodable_key_json(X509_get_X509_PUBKEY(cert));
    j["signature_algorithm"] = obj_name(OBJ_nid2obj(X509_get_signature_nid(cert)));
    j["self_signed"] = X509_check_issued(cert, cert) == X509_V_OK;
    j["extensions"] = extensions_json(X509_get0_extensions(cert));
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (X509_digest(cert, EVP_sha256(), md, &n) == 1) j["fingerprint_sha256"] = ossl::hex(std::span(md, n), ':');
    ERR_clear_error();
    return j;
}

json csr_json(X509_REQ* req) {
    json j;
    j["type"] = "csr";
    j["subject"] = ossl::name_to_utf8(X509_REQ_get_subject_name(req));
    EVP_PKEY* pk = X509_REQ_get0_pubkey(req);
    ERR_clear_error();
    j["public_key"] = pk != nullptr ? public_key_json(pk) : undecodable_key_json(X509_REQ_get_X509_PUBKEY(req));
    j["signature_algorithm"] = obj_name(OBJ_nid2obj(X509_REQ_get_signature_nid(req)));
    j["signature_valid"] = pk != nullptr && X509_REQ_verify(req, pk) == 1;
    ossl::ExtStackPtr exts(X509_REQ_get_extensions(req));
    j["requested_extensions"] = exts ? extensions_json(exts.get()) : json::object();
    ERR_clear_error();
    return j;
}

json crl_json(X509_CRL* crl) {
    json j;
    j["type"] = "crl";
    j["issuer"] = ossl::name_to_utf8(X509_CRL_get_issuer(crl));
    j["this_update"] = iso(X509_CRL_get0_lastUpdate(crl));
    const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl);
    j["next_update"] = next ? json(iso(next)) : json(nullptr);
    ossl::Asn1IntPtr num(static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(crl, NID_crl_number, nullptr, nullptr)));
    j["crl_number"] = num ? json(ossl::serial_hex(num.get())) : json(nullptr);
    ossl::Asn1IntPtr delta(static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(crl, NID_delta_crl, nullptr, nullptr)));
    j["delta_of_crl_number"] = delta ? json(ossl::serial_hex(delta.get())) : json(nullptr);
    ossl::Ptr<AUTHORITY_KEYID, AUTHORITY_KEYID_free> akid(
        static_cast<AUTHORITY_KEYID*>(X509_CRL_get_ext_d2i(crl, NID_authority_key_identifier, nullptr, nullptr)));
    j["authority_key_id"] = akid && akid->keyid ? json(hex_of(akid->keyid)) : json(nullptr);
    j["signature_algorithm"] = obj_name(OBJ_nid2obj(X509_CRL_get_signature_nid(crl)));
    j["revoked_count"] = std::max(0, sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)));
    json revoked = json::array();
    STACK_OF(X509_REVOKED)* rev = X509_CRL_get_REVOKED(crl);
    for (int i = 0; i < sk_X509_REVOKED_num(rev); ++i) {
        X509_REVOKED* r = sk_X509_REVOKED_value(rev, i);
        json e;
        e["serial"] = ossl::serial_hex(X509_REVOKED_get0_serialNumber(r));
        e["revocation_date"] = iso(X509_REVOKED_get0_revocationDate(r));
        ossl::Ptr<ASN1_ENUMERATED, ASN1_ENUMERATED_free> reason(
            static_cast<ASN1_ENUMERATED*>(X509_REVOKED_get_ext_d2i(r, NID_crl_reason, nullptr, nullptr)));
        if (reason) {
            static const char* names[] = {"unspecified",   "keyCompromise",        "cACompromise",    "affiliationChanged",
                                          "superseded",    "cessationOfOperation", "certificateHold", "7",
                                          "removeFromCRL", "privilegeWithdrawn",   "aACompromise"};
            const long rc = ASN1_ENUMERATED_get(reason.get());
            e["reason"] = rc >= 0 && rc <= 10 ? names[rc] : std::to_string(rc);
        }
        revoked.push_back(e);
    }
    j["revoked"] = revoked;
    ERR_clear_error();
    return j;
}

}  // namespace tsign::info
