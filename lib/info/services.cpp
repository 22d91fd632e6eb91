// tsign info: what the services exchange: RFC 3161 timestamp requests, responses and tokens
// (TSTInfo), RFC 6960 OCSP requests and responses.
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>

#include "cms/cms_util.hpp"
#include "core/ossl.hpp"
#include "info/info_impl.hpp"

namespace tsign::info {

namespace {

using TstInfoPtr = ossl::Ptr<TS_TST_INFO, TS_TST_INFO_free>;

json imprint_json(const TS_MSG_IMPRINT* mi) {
    json j;
    X509_ALGOR* alg = mi ? TS_MSG_IMPRINT_get_algo(const_cast<TS_MSG_IMPRINT*>(mi)) : nullptr;
    const ASN1_OBJECT* oid = nullptr;
    if (alg) X509_ALGOR_get0(&oid, nullptr, nullptr, alg);
    j["algorithm"] = obj_name(oid);
    j["hash"] = mi ? hex_of(TS_MSG_IMPRINT_get_msg(const_cast<TS_MSG_IMPRINT*>(mi))) : "";
    return j;
}

json opt_integer_hex(const ASN1_INTEGER* i) { return i ? json(ossl::serial_hex(i)) : json(nullptr); }

/// The content of an extension that wraps an OCTET STRING (the OCSP nonce, RFC 8954): its bytes
/// in hex; the raw extension value when it does not (RFC 2560 let clients send bare bytes).
json nonce_json(X509_EXTENSION* ext) {
    if (ext == nullptr) return nullptr;
    const ASN1_OCTET_STRING* v = X509_EXTENSION_get_data(ext);
    if (auto inner = ossl::d2i_exact<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>(
            d2i_ASN1_OCTET_STRING, std::span(ASN1_STRING_get0_data(v), static_cast<size_t>(ASN1_STRING_length(v))))) {
        return hex_of(inner.get());
    }
    ERR_clear_error();
    return hex_of(v);
}

json cert_id_json(OCSP_CERTID* id) {
    json j;
    ASN1_OCTET_STRING* name_hash = nullptr;
    ASN1_OBJECT* md = nullptr;
    ASN1_OCTET_STRING* key_hash = nullptr;
    ASN1_INTEGER* serial = nullptr;
    if (id == nullptr || OCSP_id_get0_info(&name_hash, &md, &key_hash, &serial, id) != 1) {
        ERR_clear_error();
        j["undecodable"] = true;
        return j;
    }
    j["serial"] = opt_integer_hex(serial);
    j["hash_algorithm"] = obj_name(md);
    j["issuer_name_hash"] = hex_of(name_hash);
    j["issuer_key_hash"] = hex_of(key_hash);
    return j;
}

const char* ts_status_name(long s) {
    switch (s) {
    case 0: return "granted";
    case 1: return "grantedWithMods";
    case 2: return "rejection";
    case 3: return "waiting";
    case 4: return "revocationWarning";
    case 5: return "revocationNotification";
    default: return "unknown";
    }
}

const char* ocsp_cert_status_name(int s) {
    switch (s) {
    case V_OCSP_CERTSTATUS_GOOD: return "good";
    case V_OCSP_CERTSTATUS_REVOKED: return "revoked";
    default: return "unknown";
    }
}

}  // namespace

json tst_info_json(const Bytes& econtent) {
    json j;
    auto tst = ossl::d2i_exact<TS_TST_INFO, TS_TST_INFO_free>(d2i_TS_TST_INFO, econtent);
    if (!tst) {
        ERR_clear_error();
        j["undecodable"] = true;
        return j;
    }
    j["version"] = TS_TST_INFO_get_version(tst.get());
    j["gen_time"] = iso(TS_TST_INFO_get_time(tst.get()));
    j["serial"] = opt_integer_hex(TS_TST_INFO_get_serial(tst.get()));
    j["policy"] = obj_name(TS_TST_INFO_get_policy_id(tst.get()));
    j["message_imprint"] = imprint_json(TS_TST_INFO_get_msg_imprint(tst.get()));
    if (TS_ACCURACY* acc = TS_TST_INFO_get_accuracy(tst.get())) {
        json a;
        auto part = [](const ASN1_INTEGER* i) { return i ? json(ASN1_INTEGER_get(i)) : json(0); };
        a["seconds"] = part(TS_ACCURACY_get_seconds(acc));
        a["millis"] = part(TS_ACCURACY_get_millis(acc));
        a["micros"] = part(TS_ACCURACY_get_micros(acc));
        j["accuracy"] = a;
    } else {
        j["accuracy"] = nullptr;
    }
    j["ordering"] = TS_TST_INFO_get_ordering(tst.get()) != 0;
    j["nonce"] = opt_integer_hex(TS_TST_INFO_get_nonce(tst.get()));
    const GENERAL_NAME* tsa = TS_TST_INFO_get_tsa(tst.get());
    j["tsa_name"] = tsa ? json(general_name_text(tsa)) : json(nullptr);
    ERR_clear_error();
    return j;
}

json timestamp_request_json(TS_REQ* req) {
    json j;
    j["type"] = "timestamp-request";
    j["version"] = TS_REQ_get_version(req);
    j["message_imprint"] = imprint_json(TS_REQ_get_msg_imprint(req));
    const ASN1_OBJECT* policy = TS_REQ_get_policy_id(req);
    j["policy"] = policy ? json(obj_name(policy)) : json(nullptr);
    j["nonce"] = opt_integer_hex(TS_REQ_get_nonce(req));
    j["cert_req"] = TS_REQ_get_cert_req(req) != 0;
    j["extensions"] = std::max(0, TS_REQ_get_ext_count(req));
    ERR_clear_error();
    return j;
}

json timestamp_response_json(TS_RESP* resp) {
    json j;
    j["type"] = "timestamp-response";
    TS_STATUS_INFO* si = TS_RESP_get_status_info(resp);
    const ASN1_INTEGER* status = si ? TS_STATUS_INFO_get0_status(si) : nullptr;
    const long s = status ? ASN1_INTEGER_get(status) : -1;
    j["status"] = ts_status_name(s);
    json text = json::array();
    const STACK_OF(ASN1_UTF8STRING)* t = si ? TS_STATUS_INFO_get0_text(si) : nullptr;
    for (int i = 0; t && i < sk_ASN1_UTF8STRING_num(t); ++i) {
        const ASN1_UTF8STRING* u = sk_ASN1_UTF8STRING_value(t, i);
        text.push_back(to_valid_utf8(std::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(u)),
                                                      static_cast<size_t>(std::max(0, ASN1_STRING_length(u))))));
    }
    j["status_text"] = text;
    json failures = json::array();
    if (const ASN1_BIT_STRING* fi = si ? TS_STATUS_INFO_get0_failure_info(si) : nullptr) {
        static const std::pair<int, const char*> bits[] = {{TS_INFO_BAD_ALG, "badAlg"},
                                                           {TS_INFO_BAD_REQUEST, "badRequest"},
                                                           {TS_INFO_BAD_DATA_FORMAT, "badDataFormat"},
                                                           {TS_INFO_TIME_NOT_AVAILABLE, "timeNotAvailable"},
                                                           {TS_INFO_UNACCEPTED_POLICY, "unacceptedPolicy"},
                                                           {TS_INFO_UNACCEPTED_EXTENSION, "unacceptedExtension"},
                                                           {TS_INFO_ADD_INFO_NOT_AVAILABLE, "addInfoNotAvailable"},
                                                           {TS_INFO_SYSTEM_FAILURE, "systemFailure"}};
        for (const auto& [bit, name] : bits)
            if (ASN1_BIT_STRING_get_bit(fi, bit)) failures.push_back(name);
    }
    j["failure_info"] = failures;
    PKCS7* token = TS_RESP_get_token(resp);
    if (token == nullptr) {
        j["token"] = nullptr;
    } else {
        unsigned char* der = nullptr;
        const int n = i2d_PKCS7(token, &der);
        const ossl::OsslStrPtr owned(reinterpret_cast<char*>(der));
        using CmsPtr = ossl::Ptr<CMS_ContentInfo, CMS_ContentInfo_free>;
        CmsPtr cms;
        if (n > 0)
            cms = ossl::d2i_exact<CMS_ContentInfo, CMS_ContentInfo_free>(d2i_CMS_ContentInfo,
                                                                         std::span(der, static_cast<size_t>(n)));
        j["token"] = cms ? signed_data_json(cms.get()) : json({{"undecodable", true}});
    }
    ERR_clear_error();
    return j;
}

json ocsp_request_json(OCSP_REQUEST* req) {
    json j;
    j["type"] = "ocsp-request";
    j["signed"] = OCSP_request_is_signed(req) == 1;
    json arr = json::array();
    const int n = OCSP_request_onereq_count(req);
    for (int i = 0; i < n; ++i) arr.push_back(cert_id_json(OCSP_onereq_get0_id(OCSP_request_onereq_get0(req, i))));
    j["requests"] = arr;
    const int at = OCSP_REQUEST_get_ext_by_NID(req, NID_id_pkix_OCSP_Nonce, -1);
    j["nonce"] = at >= 0 ? nonce_json(OCSP_REQUEST_get_ext(req, at)) : json(nullptr);
    ERR_clear_error();
    return j;
}

json ocsp_response_json(OCSP_RESPONSE* resp) {
    json j;
    j["type"] = "ocsp-response";
    const int status = OCSP_response_status(resp);
    j["status"] = OCSP_response_status_str(status);
    if (status != OCSP_RESPONSE_STATUS_SUCCESSFUL) return j;
    ossl::OcspBasicPtr bs(OCSP_response_get1_basic(resp));
    if (!bs) {
        ERR_clear_error();
        j["basic_response"] = nullptr;
        return j;
    }
    const ASN1_OCTET_STRING* key_id = nullptr;
    const X509_NAME* name = nullptr;
    json rid;
    if (OCSP_resp_get0_id(bs.get(), &key_id, &name) == 1) {
        if (name) rid["name"] = ossl::name_to_utf8(name);
        if (key_id) rid["key_hash"] = hex_of(key_id);
    }
    j["responder_id"] = rid.is_null() ? json(nullptr) : rid;
    j["produced_at"] = iso(OCSP_resp_get0_produced_at(bs.get()));
    const X509_ALGOR* sig_alg = OCSP_resp_get0_tbs_sigalg(bs.get());
    const ASN1_OBJECT* sig_oid = nullptr;
    if (sig_alg) X509_ALGOR_get0(&sig_oid, nullptr, nullptr, sig_alg);
    j["signature_algorithm"] = obj_name(sig_oid);
    const STACK_OF(X509)* certs = OCSP_resp_get0_certs(bs.get());
    j["certificates"] = certs ? sk_X509_num(certs) : 0;
    json arr = json::array();
    for (int i = 0; i < OCSP_resp_count(bs.get()); ++i) {
        OCSP_SINGLERESP* single = OCSP_resp_get0(bs.get(), i);
        json e = cert_id_json(const_cast<OCSP_CERTID*>(OCSP_SINGLERESP_get0_id(single)));
        int reason = -1;
        ASN1_GENERALIZEDTIME *revoked_at = nullptr, *this_update = nullptr, *next_update = nullptr;
        const int cs = OCSP_single_get0_status(single, &reason, &revoked_at, &this_update, &next_update);
        e["cert_status"] = ocsp_cert_status_name(cs);
        if (cs == V_OCSP_CERTSTATUS_REVOKED) {
            e["revocation_time"] = iso(revoked_at);
            e["reason"] = reason >= 0 ? json(OCSP_crl_reason_str(reason)) : json(nullptr);
        }
        e["this_update"] = iso(this_update);
        e["next_update"] = next_update ? json(iso(next_update)) : json(nullptr);
        arr.push_back(e);
    }
    j["responses"] = arr;
    const int at = OCSP_BASICRESP_get_ext_by_NID(bs.get(), NID_id_pkix_OCSP_Nonce, -1);
    j["nonce"] = at >= 0 ? nonce_json(OCSP_BASICRESP_get_ext(bs.get(), at)) : json(nullptr);
    ERR_clear_error();
    return j;
}

}  // namespace tsign::info
