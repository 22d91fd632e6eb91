#include <openssl/err.h>

#include "keys/signer_impl.hpp"
#include "tsign/error.hpp"
#include "tsign/x509.hpp"
#include "x509/name.hpp"

namespace tsign {

Bytes make_csr(Signer& signer, const CsrOptions& o) {
    ossl::X509NamePtr subject = detail::parse_slash_dn(o.subject);
    ossl::X509ReqPtr req(X509_REQ_new());
    if (!req || !X509_REQ_set_version(req.get(), X509_REQ_VERSION_1) ||
        !X509_REQ_set_subject_name(req.get(), subject.get()))
        ossl::fail(Errc::internal, "cannot build the certificate request");

    // The public key from its DER form: token keys are private-key handles without exportable parts.
    const PublicKeyInfo pub = signer.public_key();
    const unsigned char* p = pub.spki_der.data();
    ossl::PkeyPtr pubkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(pub.spki_der.size())));
    if (!pubkey || !X509_REQ_set_pubkey(req.get(), pubkey.get()))
        ossl::fail(Errc::internal, "cannot set the public key of the certificate request");

    if (!o.emails.empty() || !o.dns_names.empty()) {
        std::string san;
        for (const auto& e : o.emails) san += (san.empty() ? "" : ",") + std::string("email:") + e;
        for (const auto& d : o.dns_names) san += (san.empty() ? "" : ",") + std::string("DNS:") + d;
        ossl::ExtStackPtr exts(sk_X509_EXTENSION_new_null());
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, san.c_str());
        if (ext == nullptr) ossl::fail(Errc::usage, "invalid subject alternative name '" + san + "'");
        sk_X509_EXTENSION_push(exts.get(), ext);
        if (!X509_REQ_add_extensions(req.get(), exts.get()))
            ossl::fail(Errc::internal, "cannot add extensions to the certificate request");
    }

    detail::SigningKey key(signer);
    ossl::MdCtxPtr mctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    if (!mctx || EVP_DigestSignInit(mctx.get(), &pctx, detail::md_of(o.scheme.digest), nullptr, key.pkey()) <= 0)
        key.fail("signing the certificate request");
    detail::configure_signature(pctx, key.pkey(), o.scheme);
    if (X509_REQ_sign_ctx(req.get(), mctx.get()) <= 0) key.fail("signing the certificate request");

    // Never hand out a request whose signature does not verify (a wrong mechanism on a token).
    if (X509_REQ_verify(req.get(), pubkey.get()) != 1)
        ossl::fail(Errc::token_error, "the signature of the new certificate request does not verify");

    return ossl::to_der(req.get(), i2d_X509_REQ);
}

}  // namespace tsign
