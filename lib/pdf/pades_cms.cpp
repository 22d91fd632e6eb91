// The CMS of a PAdES signature. OpenSSL's CMS_SignerInfo_sign() always adds a signing-time
// attribute, which PAdES forbids (EN 319 142-1 §6.3 a), so the signed attributes are encoded and
// signed here, through the same Signer interface every other signature uses.
#include "pdf/pades_cms.hpp"

#include <openssl/err.h>
#include <openssl/pkcs7.h>

#include "cms/cms_util.hpp"
#include "keys/signer_impl.hpp"
#include "tsign/error.hpp"

namespace tsign::pdf::detail {

namespace {

/// RSASSA-PSS-params (RFC 4055): the digest, MGF1 with the same digest, salt length = digest length.
void set_pss_algorithm(X509_ALGOR* alg, const EVP_MD* md) {
    ossl::RsaPssParamsPtr params(RSA_PSS_PARAMS_new());
    ossl::X509AlgorPtr hash(X509_ALGOR_new());
    if (!params || !hash) ossl::fail(Errc::internal, "out of memory");
    X509_ALGOR_set_md(hash.get(), md);
    ossl::Asn1StringPtr hash_der(ASN1_item_pack(hash.get(), ASN1_ITEM_rptr(X509_ALGOR), nullptr));
    params->hashAlgorithm = X509_ALGOR_dup(hash.get());
    params->maskGenAlgorithm = X509_ALGOR_new();
    params->saltLength = ASN1_INTEGER_new();
    if (!hash_der || !params->hashAlgorithm || !params->maskGenAlgorithm || !params->saltLength ||
        !X509_ALGOR_set0(params->maskGenAlgorithm, OBJ_nid2obj(NID_mgf1), V_ASN1_SEQUENCE, hash_der.get()) ||
        !ASN1_INTEGER_set(params->saltLength, EVP_MD_get_size(md)))
        ossl::fail(Errc::internal, "cannot encode the RSA-PSS parameters");
    (void)hash_der.release();  // owned by maskGenAlgorithm now
    ossl::Asn1StringPtr der(ASN1_item_pack(params.get(), ASN1_ITEM_rptr(RSA_PSS_PARAMS), nullptr));
    if (!der || !X509_ALGOR_set0(alg, OBJ_nid2obj(NID_rsassaPss), V_ASN1_SEQUENCE, der.get()))
        ossl::fail(Errc::internal, "cannot encode the RSA-PSS parameters");
    (void)der.release();
}

}  // namespace

Bytes pades_cms(Signer& signer, X509* cert, const SignatureScheme& scheme, std::span<const std::uint8_t> digest,
                const std::vector<ossl::X509Ptr>& extra_certs, const std::vector<std::string>& tsa_urls, int tsa_timeout,
                std::mutex* sign_mutex) {
    const EVP_MD* md = tsign::detail::md_of(scheme.digest);
    tsign::detail::CmsPtr cms(CMS_sign(nullptr, nullptr, nullptr, nullptr, CMS_BINARY | CMS_DETACHED | CMS_PARTIAL));
    if (!cms) ossl::fail(Errc::internal, "cannot create a SignedData");
    // CMS_add1_signer only matches the key with the certificate and picks the algorithm from its
    // type: the certificate's own public key serves (the signature is made below, by the Signer).
    CMS_SignerInfo* si =
        CMS_add1_signer(cms.get(), cert, X509_get0_pubkey(cert), md, CMS_PARTIAL | CMS_NOSMIMECAP | CMS_CADES | CMS_BINARY);
    if (si == nullptr) ossl::fail(Errc::unsupported, "cannot prepare the signature for this certificate's key");
    X509_ALGOR* sig_alg = nullptr;
    CMS_SignerInfo_get0_algs(si, nullptr, nullptr, nullptr, &sig_alg);
    if (scheme.rsa_pss) {
        if (EVP_PKEY_get_base_id(X509_get0_pubkey(cert)) != EVP_PKEY_RSA) throw Error(Errc::usage, "--pss needs an RSA key");
        set_pss_algorithm(sig_alg, md);
    }
    if (CMS_signed_add1_attr_by_NID(si, NID_pkcs9_contentType, V_ASN1_OBJECT, OBJ_nid2obj(NID_pkcs7_data), -1) <= 0 ||
        CMS_signed_add1_attr_by_NID(si, NID_pkcs9_messageDigest, V_ASN1_OCTET_STRING, digest.data(),
                                    static_cast<int>(digest.size())) <= 0)
        ossl::fail(Errc::internal, "cannot add the signed attributes");
    // The DER SET OF the signed attributes (sorted as the SignerInfo's encoding sorts them).
    ossl::AttributeRefStackPtr attrs(sk_X509_ATTRIBUTE_new_null());
    for (int i = 0; attrs && i < CMS_signed_get_attr_count(si); ++i)
        sk_X509_ATTRIBUTE_push(attrs.get(), CMS_signed_get_attr(si, i));
    unsigned char* raw = nullptr;
    const int n = attrs ? ASN1_item_i2d(reinterpret_cast<ASN1_VALUE*>(attrs.get()), &raw, ASN1_ITEM_rptr(PKCS7_ATTR_SIGN)) : -1;
    const ossl::OsslBytesPtr der(raw);
    if (n <= 0) ossl::fail(Errc::internal, "cannot encode the signed attributes");
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned int hlen = 0;
    if (!EVP_Digest(der.get(), static_cast<size_t>(n), h, &hlen, md, nullptr)) ossl::fail(Errc::internal, "digest failed");
    Bytes value;
    {
        // A value that does not verify under the certificate's key never goes into a file.
        {
            std::unique_lock<std::mutex> lock;
            if (sign_mutex) lock = std::unique_lock<std::mutex>(*sign_mutex);
            value = signer.sign_digest(std::span(h, hlen), scheme);
        }
        ossl::PkeyCtxPtr vctx(EVP_PKEY_CTX_new(X509_get0_pubkey(cert), nullptr));
        bool ok = vctx && EVP_PKEY_verify_init(vctx.get()) == 1 && EVP_PKEY_CTX_set_signature_md(vctx.get(), md) == 1;
        if (ok && scheme.rsa_pss)
            ok = EVP_PKEY_CTX_set_rsa_padding(vctx.get(), RSA_PKCS1_PSS_PADDING) == 1 &&
                 EVP_PKEY_CTX_set_rsa_pss_saltlen(vctx.get(), RSA_PSS_SALTLEN_DIGEST) == 1;
        ok = ok && EVP_PKEY_verify(vctx.get(), value.data(), value.size(), h, hlen) == 1;
        ERR_clear_error();
        if (!ok) throw Error(Errc::token_error, "the key's signature does not verify under the certificate's public key");
    }
    if (!ASN1_STRING_set(CMS_SignerInfo_get0_signature(si), value.data(), static_cast<int>(value.size())))
        ossl::fail(Errc::internal, "out of memory");
    if (!tsa_urls.empty()) tsign::detail::add_signature_timestamp(si, tsa_urls, tsa_timeout);
    tsign::detail::add_certificates(cms.get(), extra_certs);
    ERR_clear_error();
    return tsign::detail::cms_der(cms.get());
}

std::size_t pades_cms_estimate(Signer& signer, X509* cert, const std::vector<ossl::X509Ptr>& extra_certs, bool timestamp) {
    std::size_t n = 2048 + static_cast<std::size_t>(i2d_X509(cert, nullptr));
    for (const auto& c : extra_certs) n += static_cast<std::size_t>(i2d_X509(c.get(), nullptr));
    (void)signer;
    n += static_cast<std::size_t>(EVP_PKEY_get_bits(X509_get0_pubkey(cert)) / 8 + 16) * 2;
    if (timestamp) n += 12288;  // a token with the TSA's certificate chain
    return n;
}

}  // namespace tsign::pdf::detail
