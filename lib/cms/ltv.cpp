#include "cms/ltv.hpp"

#include <algorithm>
#include <set>

#include <openssl/err.h>

#include "cms/ltv_asn1.h"
#include "tsign/error.hpp"
#include "tsp/tsp_impl.hpp"

namespace tsign::detail {

namespace {

/// One DER element: its whole encoding [start, end) and its contents.
struct Tlv {
    const unsigned char* start = nullptr;
    const unsigned char* content = nullptr;
    const unsigned char* end = nullptr;
    int tag = 0, cls = 0;
    Bytes bytes() const { return Bytes(start, end); }
};

Tlv read_tlv(const unsigned char*& p, const unsigned char* end) {
    Tlv t;
    t.start = p;
    long len = 0;
    const int r = ASN1_get_object(&p, &len, &t.tag, &t.cls, end - p);
    if ((r & 0x80) || (r & 0x01)) {  // error, or indefinite length (not DER)
        ERR_clear_error();
        throw Error(Errc::malformed, "the signature is not in DER: cannot compute its archive timestamp data");
    }
    t.content = p;
    p += len;
    t.end = p;
    return t;
}

std::vector<Tlv> children(const Tlv& t) {
    std::vector<Tlv> out;
    for (const unsigned char* p = t.content; p < t.end;) out.push_back(read_tlv(p, t.end));
    return out;
}

Bytes digest(const EVP_MD* md, std::span<const unsigned char> data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!EVP_Digest(data.data(), data.size(), out, &len, md, nullptr)) ossl::fail(Errc::internal, "cannot hash");
    return Bytes(out, out + len);
}

Bytes attribute_value_bytes(X509_ATTRIBUTE* a, int j) {
    ASN1_TYPE* v = X509_ATTRIBUTE_get0_type(a, j);
    if (v == nullptr || v->type != V_ASN1_SEQUENCE) return {};
    const ASN1_STRING* s = v->value.sequence;
    return Bytes(ASN1_STRING_get0_data(s), ASN1_STRING_get0_data(s) + ASN1_STRING_length(s));
}

std::vector<Bytes> attribute_values(CMS_SignerInfo* si, int nid) {
    std::vector<Bytes> out;
    for (int idx = CMS_unsigned_get_attr_by_NID(si, nid, -1); idx >= 0; idx = CMS_unsigned_get_attr_by_NID(si, nid, idx)) {
        X509_ATTRIBUTE* a = CMS_unsigned_get_attr(si, idx);
        for (int j = 0; j < X509_ATTRIBUTE_count(a); ++j)
            if (Bytes b = attribute_value_bytes(a, j); !b.empty()) out.push_back(std::move(b));
    }
    return out;
}

Bytes basic_of(const Bytes& ocsp_response) {
    auto r = ossl::d2i_exact<OCSP_RESPONSE, OCSP_RESPONSE_free>(d2i_OCSP_RESPONSE, ocsp_response);
    ossl::OcspBasicPtr bs(r ? OCSP_response_get1_basic(r.get()) : nullptr);
    ERR_clear_error();
    return bs ? ossl::to_der(bs.get(), i2d_OCSP_BASICRESP) : Bytes{};
}

}  // namespace

namespace {
/// The NID of an OID OpenSSL does not know, created once.
int nid_of(const char* oid, const char* sn, const char* ln) {
    const int known = OBJ_txt2nid(oid);
    return known != NID_undef ? known : OBJ_create(oid, sn, ln);
}
}  // namespace

int nid_archive_timestamp_v3() {
    static const int nid = nid_of("0.4.0.1733.2.4", "id-aa-ets-archiveTimestampV3", "archive-time-stamp-v3");
    return nid;
}

int nid_ats_hash_index_v3() {
    static const int nid = nid_of("0.4.0.19122.1.5", "id-aa-ATSHashIndex-v3", "ats-hash-index-v3");
    return nid;
}

std::vector<Bytes> timestamp_tokens(CMS_SignerInfo* si, int nid) {
    std::vector<Bytes> out;
    for (int idx = CMS_unsigned_get_attr_by_NID(si, nid, -1); idx >= 0; idx = CMS_unsigned_get_attr_by_NID(si, nid, idx)) {
        X509_ATTRIBUTE* a = CMS_unsigned_get_attr(si, idx);
        const int n = X509_ATTRIBUTE_count(a);
        if (n <= 0) out.emplace_back();  // an attribute without a value: reported, not skipped
        for (int j = 0; j < n; ++j) out.push_back(attribute_value_bytes(a, j));
    }
    return out;
}

Evidence embedded_evidence(CMS_SignerInfo* si) {
    Evidence ev;
    for (const Bytes& v : attribute_values(si, NID_id_smime_aa_ets_certValues)) {
        const unsigned char* p = v.data();
        const ossl::X509StackPtr certs(tsign_d2i_cert_values(&p, static_cast<long>(v.size())));
        for (int i = 0; certs && i < sk_X509_num(certs.get()); ++i)
            ev.certificates.push_back(ossl::to_der(sk_X509_value(certs.get(), i), i2d_X509));
    }
    for (const Bytes& v : attribute_values(si, NID_id_smime_aa_ets_revocationValues)) {
        const unsigned char* p = v.data();
        const ossl::Ptr<TSIGN_REVOCATION_VALUES, TSIGN_REVOCATION_VALUES_free> owned(
            d2i_TSIGN_REVOCATION_VALUES(nullptr, &p, static_cast<long>(v.size())));
        if (!owned) continue;
        TSIGN_REVOCATION_VALUES* rv = owned.get();
        for (int i = 0; rv->crls && i < sk_X509_CRL_num(rv->crls); ++i) ev.crls.push_back(ossl::to_der(sk_X509_CRL_value(rv->crls, i), i2d_X509_CRL));
        const auto* ocsps = reinterpret_cast<OPENSSL_STACK*>(rv->ocsps);
        for (int i = 0; ocsps && i < OPENSSL_sk_num(ocsps); ++i) {
            auto* bs = static_cast<OCSP_BASICRESP*>(OPENSSL_sk_value(ocsps, i));
            ossl::OcspRespPtr r(OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs));
            if (r) ev.ocsp.push_back(ossl::to_der(r.get(), i2d_OCSP_RESPONSE));
        }
    }
    ERR_clear_error();
    return ev;
}

OfferedCertificates offer_certificates(STACK_OF(X509) * msg_certs, const std::vector<Bytes>& carried,
                                       const std::vector<ossl::X509Ptr>& given) {
    OfferedCertificates o;
    for (int i = 0; msg_certs && i < sk_X509_num(msg_certs); ++i) sk_X509_push(o.stack.get(), sk_X509_value(msg_certs, i));
    for (const auto& der : carried)
        if (auto x = ossl::d2i_exact<X509, X509_free>(d2i_X509, der)) {
            sk_X509_push(o.stack.get(), x.get());
            o.carried.push_back(std::move(x));
        }
    for (const auto& c : given) sk_X509_push(o.stack.get(), c.get());
    ERR_clear_error();
    return o;
}

bool add_evidence_attributes(CMS_SignerInfo* si, const Evidence& ev) {
    const Evidence have = embedded_evidence(si);
    std::set<Bytes> seen_certs(have.certificates.begin(), have.certificates.end());
    std::set<Bytes> seen_crls(have.crls.begin(), have.crls.end());
    std::set<Bytes> seen_ocsp;
    for (const auto& o : have.ocsp) seen_ocsp.insert(basic_of(o));

    ossl::X509StackPtr certs(sk_X509_new_null());
    for (const auto& c : ev.certificates) {
        if (!seen_certs.insert(c).second) continue;
        const unsigned char* p = c.data();
        if (X509* x = d2i_X509(nullptr, &p, static_cast<long>(c.size()))) sk_X509_push(certs.get(), x);
    }
    ossl::Ptr<TSIGN_REVOCATION_VALUES, TSIGN_REVOCATION_VALUES_free> rv(TSIGN_REVOCATION_VALUES_new());
    int revocations = 0;
    for (const auto& c : ev.crls) {
        if (!seen_crls.insert(c).second) continue;
        const unsigned char* p = c.data();
        X509_CRL* crl = d2i_X509_CRL(nullptr, &p, static_cast<long>(c.size()));
        if (crl == nullptr) continue;
        if (rv->crls == nullptr) rv->crls = sk_X509_CRL_new_null();
        sk_X509_CRL_push(rv->crls, crl);
        ++revocations;
    }
    for (const auto& o : ev.ocsp) {
        const Bytes basic = basic_of(o);
        if (basic.empty() || !seen_ocsp.insert(basic).second) continue;
        const unsigned char* p = basic.data();
        OCSP_BASICRESP* bs = d2i_OCSP_BASICRESP(nullptr, &p, static_cast<long>(basic.size()));
        if (bs == nullptr) continue;
        if (rv->ocsps == nullptr) rv->ocsps = reinterpret_cast<STACK_OF(OCSP_BASICRESP)*>(OPENSSL_sk_new_null());
        OPENSSL_sk_push(reinterpret_cast<OPENSSL_STACK*>(rv->ocsps), bs);
        ++revocations;
    }
    ERR_clear_error();
    bool added = false;
    if (sk_X509_num(certs.get()) > 0) {
        const Bytes der = ossl::to_der(certs.get(), tsign_i2d_cert_values);
        if (CMS_unsigned_add1_attr_by_NID(si, NID_id_smime_aa_ets_certValues, V_ASN1_SEQUENCE, der.data(), static_cast<int>(der.size())) <= 0)
            ossl::fail(Errc::internal, "cannot add the certificate-values attribute");
        added = true;
    }
    if (revocations > 0) {
        const Bytes der = ossl::to_der(rv.get(), i2d_TSIGN_REVOCATION_VALUES);
        if (CMS_unsigned_add1_attr_by_NID(si, NID_id_smime_aa_ets_revocationValues, V_ASN1_SEQUENCE, der.data(), static_cast<int>(der.size())) <= 0)
            ossl::fail(Errc::internal, "cannot add the revocation-values attribute");
        added = true;
    }
    return added;
}

AtsParts ats_parts(const Bytes& der, std::span<const std::uint8_t> signature_value) {
    AtsParts parts;
    const unsigned char* p = der.data();
    const Tlv ci = read_tlv(p, der.data() + der.size());
    const auto ci_items = children(ci);
    if (ci_items.size() < 2) throw Error(Errc::malformed, "the signature is not a ContentInfo");
    const auto wrapper = children(ci_items[1]);
    if (wrapper.empty()) throw Error(Errc::malformed, "the signature holds no SignedData");
    bool found = false;
    for (const Tlv& field : children(wrapper[0])) {
        if (field.cls == V_ASN1_UNIVERSAL && field.tag == V_ASN1_SEQUENCE && parts.content_type.empty()) {
            const auto eci = children(field);  // encapContentInfo
            if (eci.empty()) throw Error(Errc::malformed, "the SignedData has no content type");
            parts.content_type = eci[0].bytes();
            if (eci.size() > 1) {
                const auto inner = children(eci[1]);  // [0] EXPLICIT OCTET STRING
                if (!inner.empty()) parts.content = Bytes(inner[0].content, inner[0].end);
            }
        } else if (field.cls == V_ASN1_CONTEXT_SPECIFIC && field.tag == 0) {
            for (const Tlv& c : children(field)) parts.certificates.push_back(c.bytes());
        } else if (field.cls == V_ASN1_CONTEXT_SPECIFIC && field.tag == 1) {
            for (const Tlv& c : children(field)) parts.crls.push_back(c.bytes());
        } else if (field.cls == V_ASN1_UNIVERSAL && field.tag == V_ASN1_SET && !parts.content_type.empty()) {
            for (const Tlv& si : children(field)) {
                const auto si_fields = children(si);
                bool same = false;
                for (const Tlv& f : si_fields)
                    if (f.cls == V_ASN1_UNIVERSAL && f.tag == V_ASN1_OCTET_STRING)  // the signature value
                        same = std::equal(f.content, f.end, signature_value.begin(), signature_value.end());
                if (!same || found) continue;  // two signers with one signature value: the first
                found = true;
                for (const Tlv& f : si_fields) {
                    if (f.cls == V_ASN1_CONTEXT_SPECIFIC && f.tag == 1) {  // unsignedAttrs
                        for (const Tlv& attr : children(f)) {
                            const auto av = children(attr);
                            if (av.size() != 2) throw Error(Errc::malformed, "malformed unsigned attribute");
                            const Bytes type = av[0].bytes();
                            for (const Tlv& value : children(av[1])) {
                                Bytes b = type;
                                b.insert(b.end(), value.start, value.end);
                                parts.unsigned_values.push_back(std::move(b));
                            }
                        }
                    } else {
                        parts.signer_fields.insert(parts.signer_fields.end(), f.start, f.end);
                    }
                }
            }
        }
    }
    if (!found) throw Error(Errc::internal, "signer not found in the SignedData");
    return parts;
}

Bytes ats_hash_index(const AtsParts& parts) {
    ossl::Ptr<TSIGN_ATS_HASH_INDEX, TSIGN_ATS_HASH_INDEX_free> idx(TSIGN_ATS_HASH_INDEX_new());
    auto fill = [](STACK_OF(ASN1_OCTET_STRING) *& stack, const std::vector<Bytes>& items) {
        if (stack == nullptr) stack = reinterpret_cast<STACK_OF(ASN1_OCTET_STRING)*>(OPENSSL_sk_new_null());
        for (const auto& item : items) {
            const Bytes h = digest(EVP_sha256(), item);
            ASN1_OCTET_STRING* os = ASN1_OCTET_STRING_new();
            ASN1_OCTET_STRING_set(os, h.data(), static_cast<int>(h.size()));
            OPENSSL_sk_push(reinterpret_cast<OPENSSL_STACK*>(stack), os);
        }
    };
    fill(idx->certificates, parts.certificates);
    fill(idx->crls, parts.crls);
    fill(idx->attributes, parts.unsigned_values);
    return ossl::to_der(idx.get(), i2d_TSIGN_ATS_HASH_INDEX);
}

Bytes ats_imprint(const AtsParts& parts, std::span<const std::uint8_t> content_sha256, const Bytes& hash_index_der) {
    ossl::MdCtxPtr ctx(EVP_MD_CTX_new());
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!ctx || !EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) ||
        !EVP_DigestUpdate(ctx.get(), parts.content_type.data(), parts.content_type.size()) ||
        !EVP_DigestUpdate(ctx.get(), content_sha256.data(), content_sha256.size()) ||
        !EVP_DigestUpdate(ctx.get(), parts.signer_fields.data(), parts.signer_fields.size()) ||
        !EVP_DigestUpdate(ctx.get(), hash_index_der.data(), hash_index_der.size()) || !EVP_DigestFinal_ex(ctx.get(), out, &len))
        ossl::fail(Errc::internal, "cannot hash the archive timestamp data");
    return Bytes(out, out + len);
}

std::string check_hash_index(const Bytes& der, const AtsParts& parts) {
    // Read with the DER walker: OpenSSL's template decoder cannot tell the optional
    // AlgorithmIdentifier from the SEQUENCE OF that follows it (both are SEQUENCEs).
    std::vector<Tlv> fields;
    try {
        const unsigned char* p = der.data();
        const Tlv top = read_tlv(p, der.data() + der.size());
        if (p != der.data() + der.size() || top.tag != V_ASN1_SEQUENCE) return "the ats-hash-index-v3 attribute is malformed";
        fields = children(top);
    } catch (const Error&) {
        return "the ats-hash-index-v3 attribute is malformed";
    }
    const EVP_MD* md = EVP_sha256();
    if (fields.size() == 4) {  // hashIndAlgorithm present
        const auto alg = children(fields[0]);
        if (alg.empty() || alg[0].tag != V_ASN1_OBJECT) return "the ats-hash-index-v3 attribute is malformed";
        const unsigned char* q = alg[0].start;
        ossl::Asn1ObjPtr obj(d2i_ASN1_OBJECT(nullptr, &q, alg[0].end - alg[0].start));
        md = obj ? EVP_get_digestbyobj(obj.get()) : nullptr;
        ERR_clear_error();
        if (md == nullptr) return "the ats-hash-index-v3 uses an unknown hash algorithm";
        fields.erase(fields.begin());
    }
    if (fields.size() != 3) return "the ats-hash-index-v3 attribute is malformed";
    const std::vector<Bytes>* current[3] = {&parts.certificates, &parts.crls, &parts.unsigned_values};
    const char* names[3] = {"a certificate", "a CRL", "an unsigned attribute"};
    for (int k = 0; k < 3; ++k) {
        std::set<Bytes> now;
        for (const auto& item : *current[k]) now.insert(digest(md, item));
        for (const Tlv& h : children(fields[k])) {
            if (h.tag != V_ASN1_OCTET_STRING) return "the ats-hash-index-v3 attribute is malformed";
            if (!now.count(Bytes(h.content, h.end)))
                return std::string(names[k]) + " covered by the archive timestamp was removed or changed";
        }
    }
    return {};
}

Bytes add_hash_index_to_token(const Bytes& token, const Bytes& hash_index_der) {
    CmsPtr cms = parse_cms(token, "the archive timestamp");
    if (cms_der(cms.get()) != token)
        throw Error(Errc::unsupported, "the TSA's token is not in DER: cannot add the ats-hash-index-v3 attribute");
    STACK_OF(CMS_SignerInfo)* sis = CMS_get0_SignerInfos(cms.get());
    if (sis == nullptr || sk_CMS_SignerInfo_num(sis) != 1) throw Error(Errc::malformed, "the TSA's token has no single signer");
    if (CMS_unsigned_add1_attr_by_NID(sk_CMS_SignerInfo_value(sis, 0), nid_ats_hash_index_v3(), V_ASN1_SEQUENCE,
                                      hash_index_der.data(), static_cast<int>(hash_index_der.size())) <= 0)
        ossl::fail(Errc::internal, "cannot add the ats-hash-index-v3 attribute");
    return cms_der(cms.get());
}

/// SHA-256 of the signed content: from the message-digest attribute when the signer used SHA-256
/// (the verifier checks that it matches the content), else the embedded content or the file.
Bytes content_sha256(CMS_SignerInfo* si, const detail::AtsParts& parts, const std::string& content_path) {
    X509_ALGOR* dig = nullptr;
    CMS_SignerInfo_get0_algs(si, nullptr, nullptr, &dig, nullptr);
    const ASN1_OBJECT* obj = nullptr;
    X509_ALGOR_get0(&obj, nullptr, nullptr, dig);
    if (OBJ_obj2nid(obj) == NID_sha256)
        if (auto md = detail::message_digest_of(si)) return *md;
    if (parts.content) return ossl::sha256(*parts.content);
    if (content_path.empty())
        throw Error(Errc::usage, "the signature is detached and its signer did not use SHA-256: the archive timestamp needs the document",
                    "give --content DOC");
    return detail::digest_file(content_path, EVP_sha256());
}

std::optional<Bytes> hash_index_of_token(const Bytes& token) {
    CmsPtr cms = parse_cms(token, "the archive timestamp");
    STACK_OF(CMS_SignerInfo)* sis = CMS_get0_SignerInfos(cms.get());
    if (sis == nullptr || sk_CMS_SignerInfo_num(sis) != 1) return std::nullopt;
    const auto values = attribute_values(sk_CMS_SignerInfo_value(sis, 0), nid_ats_hash_index_v3());
    if (values.size() != 1) return std::nullopt;
    return values[0];
}

}  // namespace tsign::detail
