// tsign info: detects what the bytes are (PEM or DER, every object kind tsign knows) and describes
// them as JSON and as human text. The describers live in one file per object family
// (certificates.cpp, cms.cpp, keys.cpp); this file dispatches and renders.
#include <map>
#include <set>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "cms/cms_util.hpp"
#include "core/ossl.hpp"
#include "info/info_impl.hpp"
#include "tsign/error.hpp"
#include "tsign/pin.hpp"
#include "tsign/time.hpp"
#include "tsign/x509.hpp"

namespace tsign {

namespace {

using info::json;
using namespace info;

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
    if (auto r = d2i_exact<TS_RESP, TS_RESP_free>(d2i_TS_RESP, data)) return timestamp_response_json(r.get());
    if (auto r = d2i_exact<TS_REQ, TS_REQ_free>(d2i_TS_REQ, data)) return timestamp_request_json(r.get());
    if (auto r = d2i_exact<OCSP_RESPONSE, OCSP_RESPONSE_free>(d2i_OCSP_RESPONSE, data)) return ocsp_response_json(r.get());
    if (auto r = d2i_exact<OCSP_REQUEST, OCSP_REQUEST_free>(d2i_OCSP_REQUEST, data)) return ocsp_request_json(r.get());
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
    ossl::fail(Errc::malformed,
               "cannot describe '" + name + "': not a recognised PKI object (malformed, truncated or unsupported)");
}

json describe_pem(const Bytes& data, const std::string& name) {
    auto bio = ossl::mem_bio(data);
    char* pem_name = nullptr;
    char* header = nullptr;
    unsigned char* der = nullptr;
    long len = 0;
    const int read = PEM_read_bio(bio.get(), &pem_name, &header, &der, &len);
    const ossl::OsslStrPtr name_owner(pem_name), header_owner(header);
    const ossl::SecretBufPtr der_owner(der, ossl::ClearFree{len});
    if (!read || pem_name == nullptr || len < 0)
        ossl::fail(Errc::malformed, "cannot describe '" + name + "': malformed or truncated PEM");
    const std::string label = to_valid_utf8(pem_name);
    const std::string hdr = header ? header : "";
    Bytes body(der, der + len);
    struct Wipe {
        Bytes& b;
        ~Wipe() { secure_wipe(b.data(), b.size()); }
    } wipe{body};
    if (label == "RSA PRIVATE KEY" || label == "EC PRIVATE KEY") {
        if (hdr.find("ENCRYPTED") != std::string::npos)
            return private_key_json(label == "RSA PRIVATE KEY" ? "PKCS#1" : "SEC1", true, nullptr, "legacy PEM encryption");
        const unsigned char* p = body.data();
        ossl::PkeyPtr pk(
            d2i_PrivateKey(label == "RSA PRIVATE KEY" ? EVP_PKEY_RSA : EVP_PKEY_EC, nullptr, &p, static_cast<long>(body.size())));
        if (!pk) ossl::fail(Errc::malformed, "cannot describe '" + name + "': malformed " + label);
        return private_key_json(label == "RSA PRIVATE KEY" ? "PKCS#1" : "SEC1", false, pk.get());
    }
    if (label == "CMS" || label == "PKCS7") {
        detail::CmsPtr cms = detail::parse_cms(body, name);
        return signed_data_json(cms.get());
    }
    static const std::set<std::string> known = {
        "CERTIFICATE",  "X509 CERTIFICATE", "TRUSTED CERTIFICATE",   "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST",
        "X509 CRL",     "PRIVATE KEY",      "ENCRYPTED PRIVATE KEY", "PUBLIC KEY",          "OCSP REQUEST",
        "OCSP RESPONSE"};
    if (!known.count(label))
        throw Error(Errc::unsupported, "cannot describe '" + name + "': unsupported PEM type '" + label + "'");
    return describe_der(body, name);
}

const std::set<std::string>& time_keys() {
    static const std::set<std::string> k = {"not_before",   "not_after", "this_update", "next_update",    "revocation_date",
                                            "signing_time", "gen_time",  "produced_at", "revocation_time"};
    return k;
}

std::string label_of(const std::string& key) {
    static const std::map<std::string, std::string> fixed = {{"spki_sha256", "SPKI SHA-256"},
                                                             {"fingerprint_sha256", "Fingerprint SHA-256"},
                                                             {"crl_number", "CRL number"},
                                                             {"crl_distribution_points", "CRL distribution points"},
                                                             {"ocsp", "OCSP"},
                                                             {"ca_issuers", "CA issuers"},
                                                             {"ca", "CA"},
                                                             {"ocsp_no_check", "OCSP no check"},
                                                             {"mac", "MAC"},
                                                             {"tst_info", "TSTInfo"},
                                                             {"tsa_name", "TSA name"},
                                                             {"cert_req", "Certificate requested"},
                                                             {"delta_of_crl_number", "Delta of CRL number"},
                                                             {"type", "Type"}};
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
                    out += pad + "  - " +
                           (e.is_string() ? e.get<std::string>() : e.dump(-1, ' ', false, json::error_handler_t::replace)) + "\n";
                }
            }
        } else if (v.is_string()) {
            std::string s = v.get<std::string>();
            if (time_keys().count(it.key())) {
                try {
                    s = format_human(parse_iso8601(s), o.jalali);
                } catch (const Error&) {
                    // "invalid time" stays as it is
                }
            }
            out += pad + label + ": " + s + "\n";
        } else if (v.is_boolean()) {
            out += pad + label + ": " + (v.get<bool>() ? "yes" : "no") + "\n";
        } else if (v.is_null()) {
            out += pad + label + ": none\n";
        } else {
            out += pad + label + ": " + v.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
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
    d.json = j.dump(2, ' ', false, json::error_handler_t::replace);
    render(j, options, 0, d.text);
    return d;
}

}  // namespace tsign
