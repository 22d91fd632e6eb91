#include "cms/cms_util.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <cstring>
#include <strings.h>

#include "tsign/error.hpp"
#include "x509/chain.hpp"

namespace tsign::detail {

CmsPtr parse_cms(const Bytes& data, const std::string& what) {
    if (data.empty()) throw Error(Errc::malformed, "cannot read CMS '" + what + "': the file is empty");
    CmsPtr cms;
    if (ossl::looks_like_pem(data)) {
        // One PEM block ("CMS" or "PKCS7") holding exactly one ContentInfo; a second block, or
        // bytes after the ContentInfo inside the block, are refused, never ignored.
        auto bio = ossl::mem_bio(data);
        ossl::PemBlock block;
        if (ossl::read_pem_block(bio.get(), block)) {
            const std::string label = block.name ? block.name.get() : "";
            const Bytes der(block.body.get(), block.body.get() + block.length);
            if (label != "CMS" && label != "PKCS7" && label != "PKCS #7 SIGNED DATA")
                throw Error(Errc::malformed, "cannot read CMS '" + what + "': the PEM block is a " + label + ", not CMS");
            const std::string rest = ossl::bio_string(bio.get());
            if (rest.find("-----BEGIN") != std::string::npos)
                throw Error(Errc::malformed, "cannot read CMS '" + what + "': more than one PEM block");
            return parse_cms(der, what);
        }
        ERR_clear_error();
    } else {
        // Exactly one ContentInfo (DER or BER): bytes after it are refused, never ignored.
        const unsigned char* p = data.data();
        cms.reset(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(data.size())));
        if (cms && p != data.data() + data.size()) {
            ERR_clear_error();
            throw Error(Errc::malformed, "cannot read CMS '" + what + "': " + std::to_string(data.data() + data.size() - p) +
                                             " bytes follow the signature (trailing data)");
        }
    }
    if (!cms) ossl::fail(Errc::malformed, "cannot read CMS '" + what + "': malformed or truncated");
    return cms;
}

namespace {
bool looks_like_smime(const Bytes& data) {
    const std::string head(data.begin(), data.begin() + static_cast<long>(std::min<size_t>(data.size(), 4096)));
    auto starts = [&](const char* h) { return strncasecmp(head.c_str(), h, std::strlen(h)) == 0; };
    return starts("MIME-Version:") || starts("Content-Type:");
}
}  // namespace

CmsPtr parse_signed_data(const Bytes& data, const std::string& what, ossl::BioPtr* smime_content) {
    CmsPtr cms;
    if (looks_like_smime(data)) {
        auto bio = ossl::mem_bio(data);
        BIO* content = nullptr;
        cms.reset(SMIME_read_CMS(bio.get(), &content));
        if (!cms) ossl::fail(Errc::malformed, "cannot read S/MIME '" + what + "': malformed or not a signed message");
        if (content != nullptr) {
            // SMIME_read_CMS's content BIO reads from the input BIO: copy it into a BIO of its own.
            ossl::BioPtr owned(content);
            ossl::BioPtr copy(BIO_new(BIO_s_mem()));
            char buf[4096];
            for (int n; (n = BIO_read(owned.get(), buf, sizeof buf)) > 0;) BIO_write(copy.get(), buf, n);
            if (smime_content) *smime_content = std::move(copy);
        }
    } else {
        cms = parse_cms(data, what);
    }
    const int type = OBJ_obj2nid(CMS_get0_type(cms.get()));
    if (type != NID_pkcs7_signed)
        throw Error(Errc::unsupported, "cannot use '" + what + "': it is a CMS " + OBJ_nid2ln(type) + ", not a SignedData");
    return cms;
}

Bytes cms_der(CMS_ContentInfo* cms) { return ossl::to_der(cms, i2d_CMS_ContentInfo); }

std::optional<std::int64_t> signing_time_of(CMS_SignerInfo* si) {
    const int idx = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);
    if (idx < 0) return std::nullopt;
    X509_ATTRIBUTE* attr = CMS_signed_get_attr(si, idx);
    ASN1_TYPE* v = X509_ATTRIBUTE_get0_type(attr, 0);
    if (v == nullptr || (v->type != V_ASN1_UTCTIME && v->type != V_ASN1_GENERALIZEDTIME)) return std::nullopt;
    try {
        return ossl::asn1_time_to_unix(v->value.utctime);
    } catch (const Error&) {
        return std::nullopt;
    }
}

std::optional<Bytes> message_digest_of(CMS_SignerInfo* si) {
    auto* os = static_cast<ASN1_OCTET_STRING*>(
        CMS_signed_get0_data_by_OBJ(si, OBJ_nid2obj(NID_pkcs9_messageDigest), -3, V_ASN1_OCTET_STRING));
    if (os == nullptr) return std::nullopt;
    return Bytes(ASN1_STRING_get0_data(os), ASN1_STRING_get0_data(os) + ASN1_STRING_length(os));
}

std::string algorithm_name(const X509_ALGOR* alg) {
    const ASN1_OBJECT* obj = nullptr;
    X509_ALGOR_get0(&obj, nullptr, nullptr, alg);
    if (obj == nullptr) return "?";
    const int nid = OBJ_obj2nid(obj);
    if (nid != NID_undef) return OBJ_nid2ln(nid);
    char buf[128];
    OBJ_obj2txt(buf, sizeof buf, obj, 1);
    return buf;
}

std::vector<ossl::X509Ptr> load_certificate_files(const std::vector<std::string>& files) {
    std::vector<ossl::X509Ptr> out;
    for (const auto& f : files)
        for (auto& c : load_certificates(f)) out.push_back(std::move(c));
    return out;
}

void add_certificates(CMS_ContentInfo* cms, const std::vector<ossl::X509Ptr>& certs) {
    for (const auto& c : certs) {
        ossl::X509StackPtr have(CMS_get1_certs(cms));
        bool present = false;
        for (int i = 0; have && i < sk_X509_num(have.get()); ++i)
            if (X509_cmp(sk_X509_value(have.get(), i), c.get()) == 0) present = true;
        if (!present && !CMS_add1_cert(cms, c.get())) ossl::fail(Errc::internal, "cannot add a certificate to the SignedData");
    }
    ERR_clear_error();
}

void add_certificates(CMS_ContentInfo* cms, const std::vector<std::string>& files) {
    add_certificates(cms, load_certificate_files(files));
}

}  // namespace tsign::detail

namespace tsign::detail {

X509* find_signer_cert(CMS_SignerInfo* si, STACK_OF(X509) * msg_certs, STACK_OF(X509) * extra) {
    for (STACK_OF(X509)* set : {msg_certs, extra})
        for (int i = 0; set && i < sk_X509_num(set); ++i)
            if (CMS_SignerInfo_cert_cmp(si, sk_X509_value(set, i)) == 0) return sk_X509_value(set, i);
    return nullptr;
}

}  // namespace tsign::detail
