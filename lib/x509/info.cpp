#include <map>
#include <set>

#include <nlohmann/json.hpp>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "cms/cms_util.hpp"
#include "core/ossl.hpp"
#include "keys/signer_impl.hpp"
#include "tsign/error.hpp"
#include "tsign/time.hpp"
#include "tsign/x509.hpp"

namespace tsign {

namespace {

using json = nlohmann::ordered_json;

std::string obj_name(const ASN1_OBJECT* obj) {
    const int nid = OBJ_obj2nid(obj);
    if (nid != NID_undef) return OBJ_nid2ln(nid);
    char buf[128];
    OBJ_obj2txt(buf, sizeof buf, obj, 1);
    return buf;
}

std::string iso(const ASN1_TIME* t) { return t ? format_iso8601(ossl::asn1_time_to_unix(t)) : ""; }

json public_key_json(EVP_PKEY* pkey) {
    const PublicKeyInfo info = detail::describe_pkey(pkey);
    json j;
    j["algorithm"] = info.algorithm;
    j["bits"] = info.bits;
    if (!info.curve.empty()) j["curve"] = info.curve;
    j["spki_sha256"] = info.spki_sha256;
    return j;
}

json general_names_json(const GENERAL_NAMES* names) {
    json arr = json::array();
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
        const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, i);
        int type = 0;
        const void* v = GENERAL_NAME_get0_value(gn, &type);
        auto str = [](const ASN1_STRING* s) {
            return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)), static_cast<size_t>(ASN1_STRING_length(s)));
        };
        switch (type) {
        case GEN_EMAIL: arr.push_back("email:" + str(static_cast<const ASN1_STRING*>(v))); break;
        case GEN_DNS: arr.push_back("DNS:" + str(static_cast<const ASN1_STRING*>(v))); break;
        case GEN_URI: arr.push_back("URI:" + str(static_cast<const ASN1_STRING*>(v))); break;
        case GEN_DIRNAME: arr.push_back("DirName:" + ossl::name_to_utf8(static_cast<const X509_NAME*>(v))); break;
        case GEN_IPADD: {
            auto* s = static_cast<const ASN1_OCTET_STRING*>(v);
            arr.push_back("IP:" + ossl::hex(std::span(ASN1_STRING_get0_data(s), static_cast<size_t>(ASN1_STRING_length(s))), ':'));
            break;
        }
        default: arr.push_back("other"); break;
        }
    }
    return arr;
}

json extensions_json(const STACK_OF(X509_EXTENSION) * exts) {
    json j = json::object();
    for (int i = 0; i < sk_X509_EXTENSION_num(exts); ++i) {
        X509_EXTENSION* ext = sk_X509_EXTENSION_value(exts, i);
        const int nid = OBJ_obj2nid(X509_EXTENSION_get_object(ext));
        const bool critical = X509_EXTENSION_get_critical(ext);
        void* d = X509V3_EXT_d2i(ext);
        ERR_clear_error();
        switch (nid) {
        case NID_basic_constraints: {
            auto* bc = static_cast<BASIC_CONSTRAINTS*>(d);
            json b;
            b["critical"] = critical;
            b["ca"] = bc && bc->ca;
            if (bc && bc->pathlen) b["path_length"] = ASN1_INTEGER_get(bc->pathlen);
            j["basic_constraints"] = b;
            BASIC_CONSTRAINTS_free(bc);
            break;
        }
        case NID_key_usage: {
            auto* ku = static_cast<ASN1_BIT_STRING*>(d);
            static const char* names[] = {"digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment",
                                          "keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly"};
            json arr = json::array();
            for (int bit = 0; bit < 9; ++bit)
                if (ku && ASN1_BIT_STRING_get_bit(ku, bit)) arr.push_back(names[bit]);
            j["key_usage"] = {{"critical", critical}, {"usages", arr}};
            ASN1_BIT_STRING_free(ku);
            break;
        }
        case NID_ext_key_usage: {
            auto* eku = static_cast<EXTENDED_KEY_USAGE*>(d);
            json arr = json::array();
            for (int k = 0; eku && k < sk_ASN1_OBJECT_num(eku); ++k) arr.push_back(obj_name(sk_ASN1_OBJECT_value(eku, k)));
            j["extended_key_usage"] = {{"critical", critical}, {"usages", arr}};
            EXTENDED_KEY_USAGE_free(eku);
            break;
        }
        case NID_subject_key_identifier: {
            auto* ski = static_cast<ASN1_OCTET_STRING*>(d);
            if (ski) j["subject_key_identifier"] = ossl::hex(std::span(ASN1_STRING_get0_data(ski), static_cast<size_t>(ASN1_STRING_length(ski))));
            ASN1_OCTET_STRING_free(ski);
            break;
        }
        case NID_authority_key_identifier: {
            auto* aki = static_cast<AUTHORITY_KEYID*>(d);
            if (aki && aki->keyid)
                j["authority_key_identifier"] = ossl::hex(std::span(ASN1_STRING_get0_data(aki->keyid), static_cast<size_t>(ASN1_STRING_length(aki->keyid))));
            AUTHORITY_KEYID_free(aki);
            break;
        }
        case NID_subject_alt_name: {
            auto* gens = static_cast<GENERAL_NAMES*>(d);
            if (gens) j["subject_alt_names"] = general_names_json(gens);
            GENERAL_NAMES_free(gens);
            break;
        }
        case NID_certificate_policies: {
            auto* pols = static_cast<CERTIFICATEPOLICIES*>(d);
            json arr = json::array();
            for (int k = 0; pols && k < sk_POLICYINFO_num(pols); ++k) {
                char buf[128];
                OBJ_obj2txt(buf, sizeof buf, sk_POLICYINFO_value(pols, k)->policyid, 1);
                arr.push_back(buf);
            }
            j["certificate_policies"] = arr;
            CERTIFICATEPOLICIES_free(pols);
            break;
        }
        case NID_crl_distribution_points: {
            auto* dps = static_cast<CRL_DIST_POINTS*>(d);
            json arr = json::array();
            for (int k = 0; dps && k < sk_DIST_POINT_num(dps); ++k) {
                DIST_POINT* dp = sk_DIST_POINT_value(dps, k);
                if (dp->distpoint && dp->distpoint->type == 0)
                    for (auto& n : general_names_json(dp->distpoint->name.fullname)) arr.push_back(n);
            }
            j["crl_distribution_points"] = arr;
            CRL_DIST_POINTS_free(dps);
            break;
        }
        case NID_info_access: {
            auto* aia = static_cast<AUTHORITY_INFO_ACCESS*>(d);
            json ocsp = json::array(), issuers = json::array();
            for (int k = 0; aia && k < sk_ACCESS_DESCRIPTION_num(aia); ++k) {
                ACCESS_DESCRIPTION* ad = sk_ACCESS_DESCRIPTION_value(aia, k);
                GENERAL_NAMES* one = sk_GENERAL_NAME_new_null();
                sk_GENERAL_NAME_push(one, ad->location);
                json names = general_names_json(one);
                sk_GENERAL_NAME_free(one);
                const int m = OBJ_obj2nid(ad->method);
                for (auto& n : names) (m == NID_ad_OCSP ? ocsp : issuers).push_back(n);
            }
            if (!ocsp.empty()) j["ocsp"] = ocsp;
            if (!issuers.empty()) j["ca_issuers"] = issuers;
            AUTHORITY_INFO_ACCESS_free(aia);
            break;
        }
        default:
            if (d != nullptr) {
                const X509V3_EXT_METHOD* m = X509V3_EXT_get(ext);
                if (m && m->it) ASN1_item_free(static_cast<ASN1_VALUE*>(d), ASN1_ITEM_ptr(m->it));
                else if (m && m->ext_free) m->ext_free(d);
            }
            if (nid == NID_id_pkix_OCSP_noCheck) j["ocsp_no_check"] = true;
            else j[obj_name(X509_EXTENSION_get_object(ext))] = {{"critical", critical}};
        }
    }
    return j;
}

json cert_json(X509* cert) {
    json j;
    j["type"] = "certificate";
    j["version"] = X509_get_version(cert) + 1;
    j["serial"] = ossl::serial_hex(X509_get0_serialNumber(cert));
    j["subject"] = ossl::name_to_utf8(X509_get_subject_name(cert));
    j["issuer"] = ossl::name_to_utf8(X509_get_issuer_name(cert));
    j["not_before"] = iso(X509_get0_notBefore(cert));
    j["not_after"] = iso(X509_get0_notAfter(cert));
    j["public_key"] = public_key_json(X509_get0_pubkey(cert));
    j["signature_algorithm"] = obj_name(OBJ_nid2obj(X509_get_signature_nid(cert)));
    j["self_signed"] = X509_check_issued(cert, cert) == X509_V_OK;
    j["extensions"] = extensions_json(X509_get0_extensions(cert));
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    X509_digest(cert, EVP_sha256(), md, &n);
    j["fingerprint_sha256"] = ossl::hex(std::span(md, n), ':');
    ERR_clear_error();
    return j;
}

json csr_json(X509_REQ* req) {
    json j;
    j["type"] = "csr";
    j["subject"] = ossl::name_to_utf8(X509_REQ_get_subject_name(req));
    EVP_PKEY* pk = X509_REQ_get0_pubkey(req);
    if (pk) j["public_key"] = public_key_json(pk);
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
    j["signature_algorithm"] = obj_name(OBJ_nid2obj(X509_CRL_get_signature_nid(crl)));
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
            static const char* names[] = {"unspecified", "keyCompromise", "cACompromise", "affiliationChanged",
                                          "superseded", "cessationOfOperation", "certificateHold", "7",
                                          "removeFromCRL", "privilegeWithdrawn", "aACompromise"};
            const long rc = ASN1_ENUMERATED_get(reason.get());
            e["reason"] = rc >= 0 && rc <= 10 ? names[rc] : std::to_string(rc);
        }
        revoked.push_back(e);
    }
    j["revoked"] = revoked;
    ERR_clear_error();
    return j;
}

json private_key_json(const std::string& format, bool encrypted, EVP_PKEY* pkey, const std::string& enc_alg = {}) {
    json j;
    j["type"] = "private-key";
    j["format"] = format;
    j["encrypted"] = encrypted;
    if (!enc_alg.empty()) j["encryption"] = enc_alg;
    if (pkey) j["public_key"] = public_key_json(pkey);
    return j;
}

std::string encryption_of(const X509_SIG* sig) {
    const X509_ALGOR* alg = nullptr;
    X509_SIG_get0(sig, &alg, nullptr);
    const ASN1_OBJECT* obj = nullptr;
    X509_ALGOR_get0(&obj, nullptr, nullptr, alg);
    return obj ? obj_name(obj) : "unknown";
}

json signed_data_json(CMS_ContentInfo* cms) {
    json j;
    const int type = OBJ_obj2nid(CMS_get0_type(cms));
    if (type != NID_pkcs7_signed) {
        j["type"] = "cms";
        j["content_type"] = OBJ_nid2ln(type);
        return j;
    }
    j["type"] = "signed-data";
    const ASN1_OBJECT* ect = CMS_get0_eContentType(cms);
    j["content_type"] = ect ? OBJ_nid2ln(OBJ_obj2nid(ect)) : "?";
    j["detached"] = CMS_is_detached(cms) == 1;
    if (CMS_is_detached(cms) != 1) {
        ASN1_OCTET_STRING** c = CMS_get0_content(cms);
        j["content_size"] = (c && *c) ? ASN1_STRING_length(*c) : 0;
    }
    ossl::X509StackPtr certs(CMS_get1_certs(cms));
    j["certificates"] = certs ? sk_X509_num(certs.get()) : 0;
    json arr = json::array();
    STACK_OF(CMS_SignerInfo)* sis = CMS_get0_SignerInfos(cms);
    for (int i = 0; i < sk_CMS_SignerInfo_num(sis); ++i) {
        CMS_SignerInfo* si = sk_CMS_SignerInfo_value(sis, i);
        json e;
        X509* cert = nullptr;
        for (int k = 0; certs && k < sk_X509_num(certs.get()); ++k)
            if (CMS_SignerInfo_cert_cmp(si, sk_X509_value(certs.get(), k)) == 0) cert = sk_X509_value(certs.get(), k);
        if (cert) {
            e["subject"] = ossl::name_to_utf8(X509_get_subject_name(cert));
            e["issuer"] = ossl::name_to_utf8(X509_get_issuer_name(cert));
            e["serial"] = ossl::serial_hex(X509_get0_serialNumber(cert));
        } else {
            X509_NAME* issuer = nullptr;
            ASN1_INTEGER* serial = nullptr;
            ASN1_OCTET_STRING* keyid = nullptr;
            CMS_SignerInfo_get0_signer_id(si, &keyid, &issuer, &serial);
            e["subject"] = nullptr;
            e["issuer"] = issuer ? json(ossl::name_to_utf8(issuer)) : json(nullptr);
            e["serial"] = serial ? json(ossl::serial_hex(serial)) : json(nullptr);
        }
        const auto t = detail::signing_time_of(si);
        e["signing_time"] = t ? json(format_iso8601(*t)) : json(nullptr);
        X509_ALGOR* dig = nullptr;
        X509_ALGOR* sig = nullptr;
        CMS_SignerInfo_get0_algs(si, nullptr, nullptr, &dig, &sig);
        e["digest_algorithm"] = detail::algorithm_name(dig);
        e["signature_algorithm"] = detail::algorithm_name(sig);
        e["signed_attributes"] = CMS_signed_get_attr_count(si) > 0 ? CMS_signed_get_attr_count(si) : 0;
        e["unsigned_attributes"] = CMS_unsigned_get_attr_count(si) > 0 ? CMS_unsigned_get_attr_count(si) : 0;
        arr.push_back(e);
    }
    j["signers"] = arr;
    ERR_clear_error();
    return j;
}

using ossl::d2i_exact;

json describe_der(const Bytes& data, const std::string& name) {
    auto typed_key = [](int type) {
        return [type](const unsigned char** p, long n) { return d2i_PrivateKey(type, nullptr, p, n); };
    };
    if (auto c = d2i_exact<X509, X509_free>([](auto p, long n) { return d2i_X509(nullptr, p, n); }, data))
        return cert_json(c.get());
    if (auto r = d2i_exact<X509_REQ, X509_REQ_free>([](auto p, long n) { return d2i_X509_REQ(nullptr, p, n); }, data))
        return csr_json(r.get());
    if (auto c = d2i_exact<X509_CRL, X509_CRL_free>([](auto p, long n) { return d2i_X509_CRL(nullptr, p, n); }, data))
        return crl_json(c.get());
    if (auto cms = d2i_exact<CMS_ContentInfo, CMS_ContentInfo_free>(
            [](auto p, long n) { return d2i_CMS_ContentInfo(nullptr, p, n); }, data))
        return signed_data_json(cms.get());
    if (auto inf = d2i_exact<PKCS8_PRIV_KEY_INFO, PKCS8_PRIV_KEY_INFO_free>(
            [](auto p, long n) { return d2i_PKCS8_PRIV_KEY_INFO(nullptr, p, n); }, data)) {
        if (ossl::PkeyPtr pk(EVP_PKCS82PKEY(inf.get())); pk) return private_key_json("PKCS#8", false, pk.get());
    }
    if (auto sig = d2i_exact<X509_SIG, X509_SIG_free>([](auto p, long n) { return d2i_X509_SIG(nullptr, p, n); }, data))
        return private_key_json("PKCS#8", true, nullptr, encryption_of(sig.get()));
    if (auto p12 = d2i_exact<PKCS12, PKCS12_free>([](auto p, long n) { return d2i_PKCS12(nullptr, p, n); }, data)) {
        json j;
        j["type"] = "pkcs12";
        j["mac"] = PKCS12_mac_present(p12.get()) == 1;
        return j;
    }
    if (auto pk = d2i_exact<EVP_PKEY, EVP_PKEY_free>(typed_key(EVP_PKEY_RSA), data))
        return private_key_json("PKCS#1", false, pk.get());
    if (auto pk = d2i_exact<EVP_PKEY, EVP_PKEY_free>(typed_key(EVP_PKEY_EC), data))
        return private_key_json("SEC1", false, pk.get());
    if (auto pk = d2i_exact<EVP_PKEY, EVP_PKEY_free>([](auto p, long n) { return d2i_PUBKEY(nullptr, p, n); }, data)) {
        json j;
        j["type"] = "public-key";
        j["public_key"] = public_key_json(pk.get());
        return j;
    }
    ossl::fail(Errc::malformed, "cannot describe '" + name + "': not a recognised PKI object (malformed, truncated or unsupported)");
}

json describe_pem(const Bytes& data, const std::string& name) {
    auto bio = ossl::mem_bio(data);
    char* pem_name = nullptr;
    char* header = nullptr;
    unsigned char* der = nullptr;
    long len = 0;
    if (!PEM_read_bio(bio.get(), &pem_name, &header, &der, &len))
        ossl::fail(Errc::malformed, "cannot describe '" + name + "': malformed or truncated PEM");
    const std::string label = pem_name;
    const std::string hdr = header ? header : "";
    Bytes body(der, der + len);
    OPENSSL_free(pem_name);
    OPENSSL_free(header);
    OPENSSL_clear_free(der, static_cast<size_t>(len));
    if (label == "RSA PRIVATE KEY" || label == "EC PRIVATE KEY") {
        if (hdr.find("ENCRYPTED") != std::string::npos)
            return private_key_json(label == "RSA PRIVATE KEY" ? "PKCS#1" : "SEC1", true, nullptr, "legacy PEM encryption");
        const unsigned char* p = body.data();
        ossl::PkeyPtr pk(d2i_PrivateKey(label == "RSA PRIVATE KEY" ? EVP_PKEY_RSA : EVP_PKEY_EC, nullptr, &p,
                                        static_cast<long>(body.size())));
        secure_wipe(body.data(), body.size());
        if (!pk) ossl::fail(Errc::malformed, "cannot describe '" + name + "': malformed " + label);
        return private_key_json(label == "RSA PRIVATE KEY" ? "PKCS#1" : "SEC1", false, pk.get());
    }
    if (label == "CMS" || label == "PKCS7") {
        detail::CmsPtr cms = detail::parse_cms(body, name);
        return signed_data_json(cms.get());
    }
    static const std::set<std::string> known = {"CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE",
                                                "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST", "X509 CRL",
                                                "PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "PUBLIC KEY"};
    if (!known.count(label))
        throw Error(Errc::unsupported, "cannot describe '" + name + "': unsupported PEM type '" + label + "'");
    json j = describe_der(body, name);
    secure_wipe(body.data(), body.size());
    return j;
}

const std::set<std::string>& time_keys() {
    static const std::set<std::string> k = {"not_before", "not_after", "this_update", "next_update", "revocation_date", "signing_time"};
    return k;
}

std::string label_of(const std::string& key) {
    static const std::map<std::string, std::string> fixed = {
        {"spki_sha256", "SPKI SHA-256"},     {"fingerprint_sha256", "Fingerprint SHA-256"},
        {"crl_number", "CRL number"},       {"crl_distribution_points", "CRL distribution points"},
        {"ocsp", "OCSP"},                   {"ca_issuers", "CA issuers"},
        {"ca", "CA"},                       {"ocsp_no_check", "OCSP no check"},
        {"mac", "MAC"},                     {"type", "Type"}};
    if (auto it = fixed.find(key); it != fixed.end()) return it->second;
    std::string s = key;
    for (auto& c : s)
        if (c == '_') c = ' ';
    if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
    return s;
}

void render(const json& j, const DescribeOptions& o, int indent, std::string& out) {
    const std::string pad(static_cast<size_t>(indent) * 2, ' ');
    for (auto it = j.begin(); it != j.end(); ++it) {
        const json& v = it.value();
        const std::string label = label_of(it.key());
        if (v.is_object()) {
            // one-line form for {critical, usages}
            if (v.contains("usages")) {
                std::string line;
                for (auto& u : v["usages"]) line += (line.empty() ? "" : ", ") + u.get<std::string>();
                out += pad + label + ": " + line + (v.value("critical", false) ? " (critical)" : "") + "\n";
                continue;
            }
            if (v.empty()) {
                out += pad + label + ": none\n";
                continue;
            }
            out += pad + label + ":\n";
            render(v, o, indent + 1, out);
        } else if (v.is_array()) {
            if (v.empty()) {
                out += pad + label + ": none\n";
                continue;
            }
            out += pad + label + ":\n";
            for (auto& e : v) {
                if (e.is_object()) {
                    out += pad + "  -\n";
                    render(e, o, indent + 2, out);
                } else {
                    out += pad + "  - " + (e.is_string() ? e.get<std::string>() : e.dump()) + "\n";
                }
            }
        } else if (v.is_string()) {
            std::string s = v.get<std::string>();
            if (time_keys().count(it.key())) s = format_human(parse_iso8601(s), o.jalali);
            out += pad + label + ": " + s + "\n";
        } else if (v.is_boolean()) {
            out += pad + label + ": " + (v.get<bool>() ? "yes" : "no") + "\n";
        } else if (v.is_null()) {
            out += pad + label + ": none\n";
        } else {
            out += pad + label + ": " + v.dump() + "\n";
        }
    }
}

}  // namespace

Description describe(const Bytes& data, const std::string& name, const DescribeOptions& options) {
    if (data.empty()) throw Error(Errc::malformed, "cannot describe '" + name + "': the file is empty");
    json j = ossl::looks_like_pem(data) ? describe_pem(data, name) : describe_der(data, name);
    ERR_clear_error();
    Description d;
    d.kind = j["type"].get<std::string>();
    d.json = j.dump(2);
    render(j, options, 0, d.text);
    return d;
}

}  // namespace tsign
