// tsign info: CMS structures (SignedData and its signers).
#include <openssl/cms.h>
#include <openssl/err.h>

#include "cms/cms_util.hpp"
#include "core/ossl.hpp"
#include "info/info_impl.hpp"
#include "tsign/time.hpp"

namespace tsign::info {

json signed_data_json(CMS_ContentInfo* cms) {
    json j;
    const int type = OBJ_obj2nid(CMS_get0_type(cms));
    if (type != NID_pkcs7_signed) {
        j["type"] = "cms";
        j["content_type"] = obj_name(CMS_get0_type(cms));
        return j;
    }
    j["type"] = "signed-data";
    const ASN1_OBJECT* ect = CMS_get0_eContentType(cms);
    j["content_type"] = ect ? obj_name(ect) : "?";
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
        std::optional<std::int64_t> t;
        try {
            t = detail::signing_time_of(si);
        } catch (const Error&) {
            e["signing_time_undecodable"] = true;  // a malformed signing-time attribute
        }
        e["signing_time"] = t ? json(format_iso8601(*t)) : json(nullptr);
        X509_ALGOR* dig = nullptr;
        X509_ALGOR* sig = nullptr;
        CMS_SignerInfo_get0_algs(si, nullptr, nullptr, &dig, &sig);
        e["digest_algorithm"] = to_valid_utf8(detail::algorithm_name(dig));
        e["signature_algorithm"] = to_valid_utf8(detail::algorithm_name(sig));
        e["signed_attributes"] = CMS_signed_get_attr_count(si) > 0 ? CMS_signed_get_attr_count(si) : 0;
        e["unsigned_attributes"] = CMS_unsigned_get_attr_count(si) > 0 ? CMS_unsigned_get_attr_count(si) : 0;
        arr.push_back(e);
    }
    j["signers"] = arr;
    // An RFC 3161 timestamp token: a SignedData over a TSTInfo.
    if (ect && OBJ_obj2nid(ect) == NID_id_smime_ct_TSTInfo) {
        j["type"] = "timestamp-token";
        ASN1_OCTET_STRING** c = CMS_get0_content(cms);
        Bytes econtent;
        if (c && *c && ASN1_STRING_length(*c) > 0)
            econtent.assign(ASN1_STRING_get0_data(*c), ASN1_STRING_get0_data(*c) + ASN1_STRING_length(*c));
        j["tst_info"] = tst_info_json(econtent);
    }
    ERR_clear_error();
    return j;
}

}  // namespace tsign::info
