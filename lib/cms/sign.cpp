// CAdES baseline B-B signing (ETSI EN 319 122-1 §5.2.2): content-type, message-digest,
// signing-time and signing-certificate-v2 (RFC 5035, ESSCertIDv2 with issuerSerial).
#include <cstring>
#include <map>
#include <mutex>

#include <openssl/err.h>
#include <openssl/ess.h>

#include "cms/cms_util.hpp"
#include "core/io_impl.hpp"
#include "keys/signer_impl.hpp"
#include "tsign/cms.hpp"
#include "tsign/error.hpp"
#include "tsign/time.hpp"
#include "tsign/tsp.hpp"

namespace tsign {

/// The certificate to sign with: present, valid now, allowed to sign (RFC 5280 §4.2.1.3).
ossl::X509Ptr detail::usable_certificate(const Signer& signer) {
    ossl::X509Ptr owned = signer_certificate(signer, "sign");
    X509* cert = owned.get();
    const std::string subject = ossl::name_to_utf8(X509_get_subject_name(cert));
    if (X509_cmp_current_time(X509_get0_notAfter(cert)) < 0)
        throw Error(Errc::cert_unusable, "refusing to sign: the certificate of '" + subject + "' expired on " +
                                             format_iso8601(ossl::asn1_time_to_unix(X509_get0_notAfter(cert))));
    if (X509_cmp_current_time(X509_get0_notBefore(cert)) > 0)
        throw Error(Errc::cert_unusable, "refusing to sign: the certificate of '" + subject + "' is not valid before " +
                                             format_iso8601(ossl::asn1_time_to_unix(X509_get0_notBefore(cert))));
    const uint32_t ku = X509_get_key_usage(cert);
    if (ku != UINT32_MAX && !(ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)))
        throw Error(Errc::cert_unusable, "refusing to sign: the certificate of '" + subject +
                                             "' allows neither digitalSignature nor nonRepudiation");
    ERR_clear_error();
    return owned;
}

namespace {

/// Adds a signer (CAdES attributes come from CMS_CADES: ESS signing-certificate-v2 with SHA-256).
CMS_SignerInfo* add_signer(CMS_ContentInfo* cms, detail::SigningKey& key, X509* cert, const SignatureScheme& scheme,
                           unsigned int flags) {
    CMS_SignerInfo* si = CMS_add1_signer(cms, cert, key.pkey(), detail::md_of(scheme.digest),
                                         flags | CMS_PARTIAL | CMS_KEY_PARAM | CMS_NOSMIMECAP | CMS_CADES);
    if (si == nullptr) key.fail("preparing the signature");
    detail::configure_signature(CMS_SignerInfo_get0_pkey_ctx(si), key.pkey(), scheme);
    return si;
}

}  // namespace

BIO* detail::open_content(const std::string& path) {
    detail::check_input_file(path);
    BIO* in = path == "-" ? BIO_new_fp(stdin, BIO_NOCLOSE) : BIO_new_file(path.c_str(), "rb");
    if (in == nullptr) {
        ERR_clear_error();
        (void)read_file(path);  // throws the precise error (missing, unreadable, a folder)
        throw Error(Errc::file_unreadable, "cannot read '" + path + "'");
    }
    return in;
}

namespace {

/// A complete one-signer SignedData over the content read from `in`.
detail::CmsPtr one_signer(Signer& signer, X509* cert, const SignatureScheme& scheme, bool attached, BIO* in,
                          const ASN1_OBJECT* content_type, const std::string& what) {
    detail::SigningKey key(signer);
    const unsigned int flags = CMS_BINARY | (attached ? 0U : CMS_DETACHED);
    detail::CmsPtr cms(CMS_sign(nullptr, nullptr, nullptr, nullptr, flags | CMS_PARTIAL));
    if (!cms) ossl::fail(Errc::internal, "cannot create a SignedData");
    if (content_type != nullptr && OBJ_obj2nid(content_type) != NID_pkcs7_data &&
        !CMS_set1_eContentType(cms.get(), content_type))
        ossl::fail(Errc::internal, "cannot set the content type");
    add_signer(cms.get(), key, cert, scheme, flags);
    // What CMS_final does, with 1 MiB blocks instead of its 1 KiB lines: the document streams
    // through the digest (and, when attached, into the content), then the signed attributes are signed.
    const ossl::BioPtr owned_chain(CMS_dataInit(cms.get(), nullptr));
    BIO* chain = owned_chain.get();
    if (chain == nullptr) ossl::fail(Errc::internal, "cannot start the SignedData");
    bool ok = true;
    char* mem = nullptr;
    const long mem_len = BIO_method_type(in) == BIO_TYPE_MEM ? BIO_get_mem_data(in, &mem) : -1;
    if (mem_len >= 0) {
        // A document in memory (batch): straight into the digest, no copy.
        ok = mem_len == 0 || BIO_write(chain, mem, static_cast<int>(mem_len)) == mem_len;
    } else {
        std::vector<unsigned char> buf(1 << 20);
        for (int n; ok && (n = BIO_read(in, buf.data(), static_cast<int>(buf.size()))) > 0;)
            ok = BIO_write(chain, buf.data(), n) == n;
    }
    ok = ok && BIO_flush(chain) > 0;
    ok = ok && CMS_dataFinal(cms.get(), chain);
    if (!ok) key.fail(what);
    return cms;
}

}  // namespace

detail::CmsPtr detail::streaming_signed_data(SigningKey& key, X509* cert, const SignatureScheme& scheme,
                                             const std::vector<ossl::X509Ptr>& extra_certs) {
    // The stream's prefix is the encoding of the whole structure, signature algorithm included:
    // it must be set now, which CMS_KEY_PARAM (PSS parameters) would defer.
    if (scheme.rsa_pss) throw Error(Errc::unsupported, "cannot stream an RSA-PSS signature", "sign without --pss");
    const unsigned int flags = CMS_BINARY | CMS_STREAM;
    CmsPtr cms(CMS_sign(nullptr, nullptr, nullptr, nullptr, flags | CMS_PARTIAL));
    if (!cms) ossl::fail(Errc::internal, "cannot create a SignedData");
    if (CMS_add1_signer(cms.get(), cert, key.pkey(), detail::md_of(scheme.digest),
                        flags | CMS_PARTIAL | CMS_NOSMIMECAP | CMS_CADES) == nullptr)
        key.fail("preparing the signature");
    add_certificates(cms.get(), extra_certs);
    return cms;
}

/// ETSI EN 319 122-1 §5.3: the signature-time-stamp over the SignerInfo's signature value.
void detail::add_signature_timestamp(CMS_SignerInfo* si, const std::vector<std::string>& urls, int timeout) {
    ASN1_OCTET_STRING* sig = CMS_SignerInfo_get0_signature(si);
    const Bytes value(ASN1_STRING_get0_data(sig), ASN1_STRING_get0_data(sig) + ASN1_STRING_length(sig));
    const Bytes digest = ossl::sha256(value);
    TimestampOptions to;
    to.urls = urls;
    to.timeout_seconds = timeout;
    const Bytes token = token_of_response(request_timestamp(digest, to));
    if (CMS_unsigned_add1_attr_by_NID(si, NID_id_smime_aa_timeStampToken, V_ASN1_SEQUENCE, token.data(),
                                      static_cast<int>(token.size())) <= 0)
        ossl::fail(Errc::internal, "cannot add the signature timestamp");
}

bool detail::has_signature_timestamp(CMS_SignerInfo* si) {
    return CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken, -1) >= 0;
}


Bytes extend_to_t(const Bytes& signature, const std::vector<std::string>& urls, int timeout) {
    if (urls.empty()) throw Error(Errc::usage, "no TSA given", "use --tsa URL");
    detail::CmsPtr cms = detail::parse_signed_data(signature, "the signature");
    if (!ossl::looks_like_pem(signature) && detail::cms_der(cms.get()) != signature)
        throw Error(Errc::unsupported, "cannot extend: the signature is not in DER, and re-encoding it could change other signatures");
    STACK_OF(CMS_SignerInfo)* sis = CMS_get0_SignerInfos(cms.get());
    int added = 0;
    for (int i = 0; i < sk_CMS_SignerInfo_num(sis); ++i) {
        CMS_SignerInfo* si = sk_CMS_SignerInfo_value(sis, i);
        if (detail::has_signature_timestamp(si)) continue;
        detail::add_signature_timestamp(si, urls, timeout);
        ++added;
    }
    if (added == 0) throw Error(Errc::usage, "nothing to do: every signer has a signature timestamp already");
    return detail::cms_der(cms.get());
}

Bytes detail::sign_buffer(Signer& signer, std::span<const std::uint8_t> data, const BufferSignOptions& o) {
    ossl::BioPtr in = ossl::mem_bio(data);
    CmsPtr cms;
    {
        std::unique_lock<std::mutex> lock;
        if (o.sign_mutex) lock = std::unique_lock<std::mutex>(*o.sign_mutex);
        cms = one_signer(signer, o.cert, o.scheme, o.attached, in.get(), nullptr, o.what);
    }
    if (!o.tsa_urls.empty())
        add_signature_timestamp(sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms.get()), 0), o.tsa_urls, o.tsa_timeout_seconds);
    if (o.extra_certs != nullptr) add_certificates(cms.get(), *o.extra_certs);
    return cms_der(cms.get());
}

Bytes sign_data(Signer& signer, std::span<const std::uint8_t> data, const SignOptions& o) {
    const ossl::X509Ptr cert = detail::usable_certificate(signer);
    const std::vector<ossl::X509Ptr> chain =
        o.chain_files.empty() ? detail::token_issuer_chain(signer, cert.get()) : detail::load_certificate_files(o.chain_files);
    return detail::sign_buffer(signer, data,
                               {.cert = cert.get(),
                                .scheme = o.scheme,
                                .attached = o.attached,
                                .extra_certs = &chain,
                                .what = "signing data",
                                .tsa_urls = o.tsa_urls,
                                .tsa_timeout_seconds = o.tsa_timeout_seconds});
}

Bytes sign_document(Signer& signer, const std::string& document_path, const SignOptions& o) {
    const ossl::X509Ptr owned_cert = detail::usable_certificate(signer);
    X509* cert = owned_cert.get();
    ossl::BioPtr in(detail::open_content(document_path));
    detail::CmsPtr cms = one_signer(signer, cert, o.scheme, o.attached, in.get(), nullptr, "signing '" + document_path + "'");
    if (!o.tsa_urls.empty())
        detail::add_signature_timestamp(sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms.get()), 0), o.tsa_urls, o.tsa_timeout_seconds);
    if (o.chain_files.empty()) detail::add_certificates(cms.get(), detail::token_issuer_chain(signer, cert));
    detail::add_certificates(cms.get(), o.chain_files);
    return detail::cms_der(cms.get());
}

Bytes cosign_document(const Bytes& signature, Signer& signer, const CosignOptions& o) {
    const ossl::X509Ptr owned_cert = detail::usable_certificate(signer);
    X509* cert = owned_cert.get();
    detail::CmsPtr cms = detail::parse_signed_data(signature, "the signature");
    const bool detached = CMS_is_detached(cms.get()) == 1;
    if (detached && o.content_path.empty())
        throw Error(Errc::usage, "cannot co-sign a detached signature without its document", "give --content DOC");
    // The earlier SignerInfos must come out exactly as they went in: that holds when OpenSSL's
    // re-encoding of the parsed structure reproduces the input (DER input, as every DER encoder makes).
    const Bytes reencoded = detail::cms_der(cms.get());
    if (!ossl::looks_like_pem(signature) && reencoded != signature)
        throw Error(Errc::unsupported, "cannot co-sign: the signature is not in DER, and re-encoding it could change earlier signatures",
                    "convert it to DER first with 'openssl cms -cmsout -outform DER'");

    STACK_OF(CMS_SignerInfo)* sis = CMS_get0_SignerInfos(cms.get());
    // Co-signing adds a member's signature to a document others signed: a SignedData without an
    // earlier signer, or whose content is not a document (id-data: a timestamp token's TSTInfo,
    // ...), is not one, and signing it would put the member's name under whatever it holds.
    if (sk_CMS_SignerInfo_num(sis) == 0)
        throw Error(Errc::malformed, "refusing to co-sign: the signature has no signer",
                    "sign the document with 'tsign sign' instead");
    if (OBJ_obj2nid(CMS_get0_eContentType(cms.get())) != NID_pkcs7_data) {
        char type[128] = "?";
        OBJ_obj2txt(type, sizeof type, CMS_get0_eContentType(cms.get()), 1);
        throw Error(Errc::unsupported, std::string("refusing to co-sign: the signed content is not a document (content type ") +
                                           type + ", not id-data)");
    }
    for (int i = 0; i < sk_CMS_SignerInfo_num(sis); ++i) {
        if (CMS_SignerInfo_cert_cmp(sk_CMS_SignerInfo_value(sis, i), cert) == 0 && !o.allow_same_signer)
            throw Error(
                Errc::already_signed,
                "refusing to co-sign: '" + ossl::name_to_utf8(X509_get_subject_name(cert)) + "' has signed this document already",
                "use --allow-same-signer to add a second signature by the same certificate");
    }

    // One pass over the document computes every digest the signers use.
    std::map<int, ossl::MdCtxPtr> digests;
    auto want = [&](int nid) {
        if (digests.count(nid)) return;
        const EVP_MD* md = EVP_get_digestbynid(nid);
        if (md == nullptr) return;
        ossl::MdCtxPtr ctx(EVP_MD_CTX_new());
        EVP_DigestInit_ex(ctx.get(), md, nullptr);
        digests.emplace(nid, std::move(ctx));
    };
    const int new_nid = EVP_MD_get_type(detail::md_of(o.scheme.digest));
    want(new_nid);
    for (int i = 0; i < sk_CMS_SignerInfo_num(sis); ++i) {
        X509_ALGOR* dig = nullptr;
        CMS_SignerInfo_get0_algs(sk_CMS_SignerInfo_value(sis, i), nullptr, nullptr, &dig, nullptr);
        const ASN1_OBJECT* obj = nullptr;
        X509_ALGOR_get0(&obj, nullptr, nullptr, dig);
        want(OBJ_obj2nid(obj));
    }
    auto feed = [&](const unsigned char* p, size_t n) {
        for (auto& [nid, ctx] : digests) EVP_DigestUpdate(ctx.get(), p, n);
    };
    if (!o.content_path.empty()) {
        ossl::BioPtr in(detail::open_content(o.content_path));
        std::vector<unsigned char> buf(1 << 16);
        for (int n; (n = BIO_read(in.get(), buf.data(), static_cast<int>(buf.size()))) > 0;) feed(buf.data(), static_cast<size_t>(n));
    } else {
        ASN1_OCTET_STRING** content = CMS_get0_content(cms.get());
        if (content == nullptr || *content == nullptr) throw Error(Errc::malformed, "cannot co-sign: the signature holds no content");
        feed(ASN1_STRING_get0_data(*content), static_cast<size_t>(ASN1_STRING_length(*content)));
    }
    std::map<int, Bytes> values;
    for (auto& [nid, ctx] : digests) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        EVP_DigestFinal_ex(ctx.get(), md, &n);
        values[nid] = Bytes(md, md + n);
    }
    for (int i = 0; i < sk_CMS_SignerInfo_num(sis); ++i) {
        CMS_SignerInfo* si = sk_CMS_SignerInfo_value(sis, i);
        X509_ALGOR* dig = nullptr;
        CMS_SignerInfo_get0_algs(si, nullptr, nullptr, &dig, nullptr);
        const ASN1_OBJECT* obj = nullptr;
        X509_ALGOR_get0(&obj, nullptr, nullptr, dig);
        auto md = detail::message_digest_of(si);
        auto it = values.find(OBJ_obj2nid(obj));
        if (md && it != values.end() && *md != it->second)
            throw Error(Errc::content_mismatch,
                        "refusing to co-sign: the document differs from the one the earlier signer(s) signed",
                        "give the document that was signed with --content");
    }

    // The new SignerInfo is made exactly as `sign` makes it, in a SignedData of its own, then
    // moved into the existing one (OpenSSL sets the signature algorithm only when it finishes a
    // SignedData, so a signer added to a finished one would lack it).
    ossl::BioPtr in;
    if (!o.content_path.empty()) {
        in.reset(detail::open_content(o.content_path));
    } else {
        ASN1_OCTET_STRING** content = CMS_get0_content(cms.get());
        in = ossl::mem_bio(std::span(ASN1_STRING_get0_data(*content), static_cast<size_t>(ASN1_STRING_length(*content))));
    }
    detail::CmsPtr fresh = one_signer(signer, cert, o.scheme, false, in.get(), CMS_get0_eContentType(cms.get()), "co-signing");
    // Make sure the digest algorithm is listed in the existing SignedData: CMS_add1_signer adds it
    // when missing; the placeholder SignerInfo it also adds is moved into a throw-away SignedData.
    detail::CmsPtr scrap(CMS_sign(nullptr, nullptr, nullptr, nullptr, CMS_PARTIAL | CMS_DETACHED));
    detail::SigningKey key(signer);  // never signs: CMS_add1_signer wants a key that matches the certificate
    CMS_SignerInfo* placeholder = CMS_add1_signer(cms.get(), cert, key.pkey(), detail::md_of(o.scheme.digest),
                                                  CMS_PARTIAL | CMS_NOATTR | CMS_NOCERTS | CMS_KEY_PARAM);
    if (placeholder == nullptr || !scrap) ossl::fail(Errc::internal, "cannot extend the SignedData");
    sk_CMS_SignerInfo_pop(sis);
    sk_CMS_SignerInfo_push(CMS_get0_SignerInfos(scrap.get()), placeholder);
    CMS_SignerInfo* si = sk_CMS_SignerInfo_pop(CMS_get0_SignerInfos(fresh.get()));
    if (!o.tsa_urls.empty()) {
        try {
            detail::add_signature_timestamp(si, o.tsa_urls, o.tsa_timeout_seconds);
        } catch (...) {
            sk_CMS_SignerInfo_push(CMS_get0_SignerInfos(fresh.get()), si);  // freed with `fresh`
            throw;
        }
    }
    sk_CMS_SignerInfo_push(sis, si);
    if (!CMS_add1_cert(cms.get(), cert)) ERR_clear_error();  // already present is fine
    if (o.chain_files.empty()) detail::add_certificates(cms.get(), detail::token_issuer_chain(signer, cert));
    detail::add_certificates(cms.get(), o.chain_files);
    // The input was DER and re-encoded to itself, so each earlier SignerInfo is written again
    // byte for byte; only the new SignerInfo, its digest algorithm and its certificates are added.
    ERR_clear_error();
    return detail::cms_der(cms.get());
}

}  // namespace tsign
