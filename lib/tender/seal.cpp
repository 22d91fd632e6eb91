// Sealing on the bidder's machine, and the check of a sealed package's outside (portal, opening).
//
// package  = SignedData(bidder) { TenderPackage }
// payload  = AuthEnvelopedData (AES-256-GCM) { SignedData(bidder, CAdES, attached) { the bid } },
//            its content key wrapped (AES-256 key wrap, KEKRecipientInfo) under a fresh 256-bit secret
// shares   = the secret split k of n (Shamir, GF(256)); share i in an EnvelopedData to member i
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "core/io_impl.hpp"
#include "keys/signer_impl.hpp"
#include "tender/tender_impl.hpp"
#include "tsign/cms.hpp"
#include "tsign/error.hpp"

namespace tsign {

namespace {

using tender::SecretBytes;

detail::CmsPtr finish(detail::CmsPtr cms, std::span<const std::uint8_t> content, const std::string& what) {
    ossl::BioPtr in = ossl::mem_bio(content);
    if (CMS_final(cms.get(), in.get(), nullptr, CMS_BINARY) != 1) ossl::fail(Errc::internal, "cannot " + what);
    return cms;
}

/// The payload: AuthEnvelopedData (AES-256-GCM) whose content key is wrapped under kek.
Bytes encrypt_payload(std::span<const std::uint8_t> inner, const SecretBytes& kek, const Bytes& key_id) {
    detail::CmsPtr cms(CMS_AuthEnvelopedData_create(EVP_aes_256_gcm()));
    if (!cms || CMS_set_detached(cms.get(), 0) != 1) ossl::fail(Errc::internal, "cannot create an AuthEnvelopedData");
    // CMS_add0_recipient_key takes both buffers (and clears the key when it is freed).
    auto* k = static_cast<unsigned char*>(OPENSSL_malloc(kek.size()));
    auto* id = static_cast<unsigned char*>(OPENSSL_malloc(key_id.size()));
    if (k == nullptr || id == nullptr) {
        OPENSSL_free(k);
        OPENSSL_free(id);
        throw Error(Errc::internal, "out of memory");
    }
    std::memcpy(k, kek.data(), kek.size());
    std::memcpy(id, key_id.data(), key_id.size());
    if (CMS_add0_recipient_key(cms.get(), NID_id_aes256_wrap, k, kek.size(), id, key_id.size(), nullptr, nullptr, nullptr) == nullptr) {
        OPENSSL_clear_free(k, kek.size());
        OPENSSL_free(id);
        ossl::fail(Errc::internal, "cannot add the key-encryption recipient");
    }
    cms = finish(std::move(cms), inner, "encrypt the bid");
    return detail::cms_der(cms.get());
}

}  // namespace

Bytes tender::seal_to(std::span<const std::uint8_t> data, const Bytes& member_cert) {
    ossl::X509Ptr cert = ossl::d2i_exact<X509, X509_free>(d2i_X509, member_cert);
    if (!cert) throw Error(Errc::malformed, "cannot read a member certificate");
    detail::CmsPtr cms(CMS_EnvelopedData_create(EVP_aes_256_cbc()));
    if (!cms || CMS_set_detached(cms.get(), 0) != 1) ossl::fail(Errc::internal, "cannot create an EnvelopedData");
    CMS_RecipientInfo* ri = CMS_add1_recipient_cert(cms.get(), cert.get(), CMS_KEY_PARAM);
    if (ri == nullptr) ossl::fail(Errc::internal, "cannot seal a share to " + ossl::name_to_utf8(X509_get_subject_name(cert.get())));
    EVP_PKEY_CTX* pctx = CMS_RecipientInfo_get0_pkey_ctx(ri);
    if (pctx == nullptr) ossl::fail(Errc::internal, "cannot set the key transport parameters");
    if (CMS_RecipientInfo_type(ri) == CMS_RECIPINFO_TRANS) {
        if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_OAEP_PADDING) <= 0 || EVP_PKEY_CTX_set_rsa_oaep_md(pctx, EVP_sha256()) <= 0 ||
            EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) <= 0)
            ossl::fail(Errc::internal, "cannot set RSA-OAEP");
    } else if (CMS_RecipientInfo_type(ri) == CMS_RECIPINFO_AGREE) {
        if (EVP_PKEY_CTX_set_ecdh_kdf_md(pctx, EVP_sha256()) <= 0) ossl::fail(Errc::internal, "cannot set the ECDH key derivation");
    }
    ossl::BioPtr in = ossl::mem_bio(data);
    if (CMS_final(cms.get(), in.get(), nullptr, CMS_BINARY) != 1) ossl::fail(Errc::internal, "cannot seal a share");
    return detail::cms_der(cms.get());
}

namespace {

/// True when the EnvelopedData has exactly one recipient, and it is this certificate.
bool sealed_to(const Bytes& enveloped, X509* cert) {
    const unsigned char* p = enveloped.data();
    detail::CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(enveloped.size())));
    if (!cms || p != enveloped.data() + enveloped.size() || OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_enveloped) {
        ERR_clear_error();
        return false;
    }
    STACK_OF(CMS_RecipientInfo)* ris = CMS_get0_RecipientInfos(cms.get());
    if (sk_CMS_RecipientInfo_num(ris) != 1) return false;
    CMS_RecipientInfo* ri = sk_CMS_RecipientInfo_value(ris, 0);
    bool ok = false;
    if (CMS_RecipientInfo_type(ri) == CMS_RECIPINFO_TRANS) {
        ok = CMS_RecipientInfo_ktri_cert_cmp(ri, cert) == 0;
    } else if (CMS_RecipientInfo_type(ri) == CMS_RECIPINFO_AGREE) {
        STACK_OF(CMS_RecipientEncryptedKey)* reks = CMS_RecipientInfo_kari_get0_reks(ri);
        ok = sk_CMS_RecipientEncryptedKey_num(reks) == 1 &&
             CMS_RecipientEncryptedKey_cert_cmp(sk_CMS_RecipientEncryptedKey_value(reks, 0), cert) == 0;
    }
    ERR_clear_error();
    return ok;
}

/// True when the payload is an AuthEnvelopedData with one KEK recipient.
bool is_payload(const Bytes& der) {
    const unsigned char* p = der.data();
    detail::CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
    if (!cms || p != der.data() + der.size() || OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_id_smime_ct_authEnvelopedData) {
        ERR_clear_error();
        return false;
    }
    STACK_OF(CMS_RecipientInfo)* ris = CMS_get0_RecipientInfos(cms.get());
    return sk_CMS_RecipientInfo_num(ris) == 1 && CMS_RecipientInfo_type(sk_CMS_RecipientInfo_value(ris, 0)) == CMS_RECIPINFO_KEK;
}

}  // namespace

Bytes tender_seal(const TenderDescriptor& t, Signer& bidder, const TenderSealOptions& o) {
    if (std::find(t.envelopes.begin(), t.envelopes.end(), o.envelope) == t.envelopes.end())
        throw Error(Errc::usage, "tender " + t.id + " has no envelope '" + o.envelope + "'", "its envelopes: " + [&] {
            std::string s;
            for (const auto& e : t.envelopes) s += (s.empty() ? "" : ", ") + e;
            return s;
        }());
    // 1. The bidder signs the bid (CAdES B-B, attached): the signature travels sealed with it.
    SignOptions so;
    so.scheme = o.scheme;
    so.attached = true;
    so.chain_files = o.chain_files;
    Bytes inner = sign_document(bidder, o.document_path, so);

    // 2. A fresh key-encryption secret; the payload encrypted under a fresh content key wrapped by it.
    SecretBytes kek(tender::kSecretBytes);
    if (RAND_priv_bytes(kek.data(), static_cast<int>(kek.size())) != 1) ossl::fail(Errc::internal, "random generator failed");
    Bytes key_id(16);
    if (RAND_bytes(key_id.data(), static_cast<int>(key_id.size())) != 1) ossl::fail(Errc::internal, "random generator failed");
    tender::Package pkg;
    pkg.payload = encrypt_payload(inner, kek, key_id);
    OPENSSL_cleanse(inner.data(), inner.size());
    Bytes().swap(inner);

    // 3. The secret split k of n; share i sealed to member i. The secret and the shares stay in locked memory.
    std::vector<unsigned char> xs;
    for (const auto& m : t.members) xs.push_back(static_cast<unsigned char>(m.index));
    {
        const std::vector<SecretBytes> shares = tender::shamir_split(kek, xs, t.threshold);
        for (std::size_t i = 0; i < t.members.size(); ++i)
            pkg.shares.push_back({t.members[i].index, ossl::unhex(t.members[i].cert_sha256), tender::seal_to(std::span<const std::uint8_t>(shares[i].data(), shares[i].size()), t.members[i].certificate)});
    }

    // 4. The package, signed by the bidder as a whole.
    pkg.tender_id = t.id;
    pkg.envelope = o.envelope;
    pkg.descriptor_hash = ossl::unhex(t.sha256);
    pkg.threshold = t.threshold;
    Bytes content = tender::encode_package(pkg);
    Bytes().swap(pkg.payload);
    return tender::sign_attached(bidder, content, o.chain_files, {}, 10, "signing the tender package");
}

TenderPackageInfo check_tender_package(const TenderDescriptor& t, const Bytes& package, const ChainOptions& chain) {
    const std::string what = "the package";
    if (package.size() > tender::kMaxPackageBytes) throw Error(Errc::malformed, "cannot read the package: larger than 2 GiB");
    VerifyOptions vo;
    vo.chain = chain;
    const VerifyReport rep = verify_signature(package, vo);
    if (rep.signers.size() != 1) throw Error(Errc::not_valid, "refusing the package: it must have exactly one signer (the bidder)");
    const SignerReport& s = rep.signers.front();
    if (!rep.valid)
        throw Error(Errc::not_valid, "refusing the package: the bidder's signature (" + s.subject + ") is not valid: " +
                                         (s.errors.empty() ? std::string("see tsign verify") : s.errors.front()));
    const tender::Package p = tender::parse_package(tender::content_of(package, what));
    if (p.tender_id != t.id) throw Error(Errc::not_valid, "refusing the package: it is for tender '" + p.tender_id + "', not '" + t.id + "'");
    if (ossl::hex(p.descriptor_hash) != t.sha256)
        throw Error(Errc::not_valid, "refusing the package: it was sealed for another version of the tender descriptor");
    if (std::find(t.envelopes.begin(), t.envelopes.end(), p.envelope) == t.envelopes.end())
        throw Error(Errc::not_valid, "refusing the package: the tender has no envelope '" + p.envelope + "'");
    if (p.threshold != t.threshold)
        throw Error(Errc::not_valid, "refusing the package: its threshold is " + std::to_string(p.threshold) + ", the tender's " +
                                         std::to_string(t.threshold));
    if (p.shares.size() != t.members.size())
        throw Error(Errc::not_valid, "refusing the package: it has " + std::to_string(p.shares.size()) + " shares for " +
                                         std::to_string(t.members.size()) + " members");
    for (std::size_t i = 0; i < p.shares.size(); ++i) {
        const auto& sh = p.shares[i];
        const TenderMember& m = t.members[i];
        if (sh.member != m.index || ossl::hex(sh.cert_hash) != m.cert_sha256)
            throw Error(Errc::not_valid, "refusing the package: share " + std::to_string(i + 1) + " is not for member " + m.name);
        ossl::X509Ptr c = ossl::d2i_exact<X509, X509_free>(d2i_X509, m.certificate);
        if (!c || !sealed_to(sh.sealed, c.get()))
            throw Error(Errc::not_valid, "refusing the package: share " + std::to_string(i + 1) + " is not sealed to " + m.name +
                                             "'s certificate");
    }
    if (!is_payload(p.payload))
        throw Error(Errc::not_valid, "refusing the package: its payload is not an AuthEnvelopedData with one key-encryption recipient");
    TenderPackageInfo info;
    info.tender_id = p.tender_id;
    info.envelope = p.envelope;
    info.bidder = s.subject;
    info.bidder_cert_sha256 = tender::sha256_hex(s.certificate);
    info.sha256 = tender::sha256_hex(package);
    info.shares = static_cast<int>(p.shares.size());
    return info;
}

}  // namespace tsign
