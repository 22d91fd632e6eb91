// Sealing on the bidder's machine, and the check of a sealed package's outside (portal, opening).
//
// package  = SignedData(bidder) { TenderPackage }
// payload  = AuthEnvelopedData (AES-256-GCM) { SignedData(bidder, CAdES, attached) { the bid } },
//            its content key wrapped (AES-256 key wrap, KEKRecipientInfo) under a fresh 256-bit secret
// shares   = the secret split k of n (Shamir, GF(256)); share i in an EnvelopedData to member i
#include <unistd.h>

#include <filesystem>

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

}  // namespace

Bytes tender::seal_to(std::span<const std::uint8_t> data, const Bytes& member_cert) {
    ossl::X509Ptr cert = ossl::d2i_exact<X509, X509_free>(d2i_X509, member_cert);
    if (!cert) throw Error(Errc::malformed, "cannot read a member certificate");
    detail::CmsPtr cms(CMS_EnvelopedData_create(EVP_aes_256_cbc()));
    if (!cms || CMS_set_detached(cms.get(), 0) != 1) ossl::fail(Errc::internal, "cannot create an EnvelopedData");
    CMS_RecipientInfo* ri = CMS_add1_recipient_cert(cms.get(), cert.get(), CMS_KEY_PARAM);
    if (ri == nullptr)
        ossl::fail(Errc::internal, "cannot seal a share to " + ossl::name_to_utf8(X509_get_subject_name(cert.get())));
    EVP_PKEY_CTX* pctx = CMS_RecipientInfo_get0_pkey_ctx(ri);
    if (pctx == nullptr) ossl::fail(Errc::internal, "cannot set the key transport parameters");
    if (CMS_RecipientInfo_type(ri) == CMS_RECIPINFO_TRANS) {
        if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_OAEP_PADDING) <= 0 ||
            EVP_PKEY_CTX_set_rsa_oaep_md(pctx, EVP_sha256()) <= 0 || EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) <= 0)
            ossl::fail(Errc::internal, "cannot set RSA-OAEP");
    } else if (CMS_RecipientInfo_type(ri) == CMS_RECIPINFO_AGREE) {
        if (EVP_PKEY_CTX_set_ecdh_kdf_md(pctx, EVP_sha256()) <= 0)
            ossl::fail(Errc::internal, "cannot set the ECDH key derivation");
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

namespace {

/// A BIO chain owned as a whole (BIO_new_CMS() chains end in the BIO they were given).
using ChainPtr = ossl::Ptr<BIO, BIO_free_all>;

/// Takes a BIO off the chain it is in when it goes (BIO_pop), so that freeing the chain spares it.
struct Unlink {
    BIO* bio;
    ~Unlink() { BIO_pop(bio); }
};

/// DER length octets.
void der_length(Bytes& out, std::size_t n) {
    if (n < 0x80) {
        out.push_back(static_cast<std::uint8_t>(n));
        return;
    }
    Bytes be;
    for (std::size_t v = n; v > 0; v >>= 8) be.insert(be.begin(), static_cast<std::uint8_t>(v & 0xff));
    out.push_back(static_cast<std::uint8_t>(0x80 | be.size()));
    out.insert(out.end(), be.begin(), be.end());
}

/// Copies everything from `in` into `out`, in 1 MiB blocks. False when a write fails.
bool pump(BIO* in, BIO* out, const std::string& what) {
    std::vector<unsigned char> buf(1 << 20);
    for (;;) {
        const int n = BIO_read(in, buf.data(), static_cast<int>(buf.size()));
        if (n < 0 && !BIO_should_retry(in)) throw Error(Errc::file_unreadable, "cannot read " + what);
        if (n <= 0) break;
        if (BIO_write(out, buf.data(), n) != n) return false;
    }
    return true;
}

/// Seals into `out`, streaming: the document passes once through the inner signature and the
/// encryption into an unnamed scratch file (ciphertext only), which then passes once through the
/// outer signature. Memory stays at a few MiB whatever the document's size.
void seal_stream(const TenderDescriptor& t, Signer& bidder, const TenderSealOptions& o, BIO* out,
                 const std::string& scratch_dir) {
    tender::require_envelope(t, o.envelope);
    const ossl::X509Ptr cert = detail::usable_certificate(bidder);
    const std::vector<ossl::X509Ptr> extra = detail::load_certificate_files(o.chain_files);
    const ossl::BioPtr doc(detail::open_content(o.document_path));

    // 1. A fresh key-encryption secret, split k of n; share i sealed to member i (locked memory).
    SecretBytes kek(tender::kSecretBytes);
    if (RAND_priv_bytes(kek.data(), static_cast<int>(kek.size())) != 1) ossl::fail(Errc::internal, "random generator failed");
    Bytes key_id(16);
    if (RAND_bytes(key_id.data(), static_cast<int>(key_id.size())) != 1) ossl::fail(Errc::internal, "random generator failed");
    tender::Package pkg;
    pkg.tender_id = t.id;
    pkg.envelope = o.envelope;
    pkg.descriptor_hash = ossl::unhex(t.sha256);
    pkg.threshold = t.threshold;
    {
        std::vector<unsigned char> xs;
        for (const auto& m : t.members) xs.push_back(static_cast<unsigned char>(m.index));
        const std::vector<SecretBytes> shares = tender::shamir_split(kek, xs, t.threshold);
        for (std::size_t i = 0; i < t.members.size(); ++i)
            pkg.shares.push_back(
                {t.members[i].index, ossl::unhex(t.members[i].cert_sha256),
                 tender::seal_to(std::span<const std::uint8_t>(shares[i].data(), shares[i].size()), t.members[i].certificate)});
    }

    // 2. document -> SignedData (bidder, CAdES, attached) -> AuthEnvelopedData -> scratch file
    const int scratch_fd = detail::anonymous_file(scratch_dir);
    const ossl::BioPtr scratch(BIO_new_fd(scratch_fd, BIO_CLOSE));
    if (!scratch) {
        ::close(scratch_fd);
        ossl::fail(Errc::internal, "out of memory");
    }
    {
        detail::CmsPtr env(CMS_AuthEnvelopedData_create(EVP_aes_256_gcm()));
        if (!env || CMS_set_detached(env.get(), 0) != 1) ossl::fail(Errc::internal, "cannot create an AuthEnvelopedData");
        ossl::SecretBufPtr k(static_cast<unsigned char*>(OPENSSL_malloc(kek.size())), ossl::ClearFree{static_cast<long>(kek.size())});
        ossl::OsslBytesPtr id(static_cast<unsigned char*>(OPENSSL_malloc(key_id.size())));
        if (!k || !id) throw Error(Errc::internal, "out of memory");
        std::memcpy(k.get(), kek.data(), kek.size());
        std::memcpy(id.get(), key_id.data(), key_id.size());
        // CMS_add0_recipient_key takes both buffers (and clears the key when it is freed).
        if (CMS_add0_recipient_key(env.get(), NID_id_aes256_wrap, k.get(), kek.size(), id.get(), key_id.size(), nullptr, nullptr,
                                   nullptr) == nullptr)
            ossl::fail(Errc::internal, "cannot add the key-encryption recipient");
        (void)k.release();
        (void)id.release();
        detail::SigningKey key(bidder);
        detail::CmsPtr inner = detail::streaming_signed_data(key, cert.get(), o.scheme, extra);
        // The chains hold the CMS structures: they go first. The scratch BIO is not theirs.
        ossl::BioOnePtr tail(BIO_new(BIO_f_buffer()));
        if (!tail) ossl::fail(Errc::internal, "out of memory");
        BIO_push(tail.get(), scratch.get());
        ChainPtr enc(BIO_new_CMS(tail.get(), env.get()));
        if (!enc) {
            BIO_pop(tail.get());
            ossl::fail(Errc::internal, "cannot start the encryption");
        }
        (void)tail.release();  // in enc's chain now
        const Unlink keep_scratch{scratch.get()};  // destroyed before the chains: the scratch BIO stays ours
        ChainPtr sig(BIO_new_CMS(enc.get(), inner.get()));
        if (!sig) ossl::fail(Errc::internal, "cannot start the bid's signature");
        (void)enc.release();  // now part of sig's chain
        const Unlink keep_scratch_too{scratch.get()};
        if (!pump(doc.get(), sig.get(), "'" + o.document_path + "'"))
            ossl::fail(Errc::output_failed, "cannot write the sealed bid");
        // One flush finishes both: the inner signature (made now), then the GCM tag.
        if (BIO_flush(sig.get()) <= 0) key.fail("signing the bid");
    }
    const long payload_size = BIO_tell(scratch.get());
    if (payload_size <= 0 || BIO_seek(scratch.get(), 0) != 0) ossl::fail(Errc::output_failed, "cannot read back the sealed bid");

    // 3. The package (DER with definite lengths: the payload's size is known now), signed as a whole.
    Bytes fields = tender::encode_package(pkg);  // ... shares, payload OCTET STRING of 0 bytes
    {
        const unsigned char* p = fields.data();
        long len = 0;
        int tag = 0, cls = 0;
        if (ASN1_get_object(&p, &len, &tag, &cls, static_cast<long>(fields.size())) & 0x80)
            ossl::fail(Errc::internal, "package encoding");
        fields.erase(fields.begin(), fields.begin() + (p - fields.data()));
        fields.resize(fields.size() - 2);  // the empty payload: 04 00
    }
    Bytes payload_header{0x04};
    der_length(payload_header, static_cast<std::size_t>(payload_size));
    Bytes head{0x30};
    der_length(head, fields.size() + payload_header.size() + static_cast<std::size_t>(payload_size));
    head.insert(head.end(), fields.begin(), fields.end());
    head.insert(head.end(), payload_header.begin(), payload_header.end());
    {
        detail::SigningKey key(bidder);
        detail::CmsPtr outer = detail::streaming_signed_data(key, cert.get(), o.scheme, extra);
        ChainPtr sig(BIO_new_CMS(out, outer.get()));
        if (!sig) ossl::fail(Errc::internal, "cannot start the package's signature");
        const Unlink keep_out{out};  // `out` is the caller's: off the chain before the chain goes
        bool ok = BIO_write(sig.get(), head.data(), static_cast<int>(head.size())) == static_cast<int>(head.size());
        ok = ok && pump(scratch.get(), sig.get(), "the sealed bid");
        if (!ok) ossl::fail(Errc::output_failed, "cannot write the package");
        if (BIO_flush(sig.get()) <= 0) key.fail("signing the package");
    }
}

}  // namespace

Bytes tender_seal(const TenderDescriptor& t, Signer& bidder, const TenderSealOptions& o) {
    ossl::BioPtr out(BIO_new(BIO_s_mem()));
    if (!out) ossl::fail(Errc::internal, "out of memory");
    seal_stream(t, bidder, o, out.get(), std::filesystem::temp_directory_path().string());
    return ossl::bio_bytes(out.get());
}

void tender_seal_file(const TenderDescriptor& t, Signer& bidder, const TenderSealOptions& o, const std::string& out_path,
                      bool force) {
    detail::AtomicOutput file(out_path, WriteOptions{force, 0644});
    {
        const ossl::BioPtr out(BIO_new_fd(file.fd(), BIO_NOCLOSE));
        if (!out) ossl::fail(Errc::internal, "out of memory");
        std::string dir = std::filesystem::path(out_path).parent_path().string();
        seal_stream(t, bidder, o, out.get(), dir.empty() ? "." : dir);
        if (BIO_flush(out.get()) <= 0) ossl::fail(Errc::output_failed, "cannot write '" + out_path + "'");
    }
    file.commit();
}

TenderPackageInfo check_tender_package(const TenderDescriptor& t, const Bytes& package, const ChainOptions& chain) {
    const std::string what = "the package";
    if (package.size() > tender::kMaxPackageBytes) throw Error(Errc::malformed, "cannot read the package: larger than 2 GiB");
    VerifyOptions vo;
    vo.chain = chain;
    const VerifyReport rep = verify_signature(package, vo);
    if (rep.signers.size() != 1)
        throw Error(Errc::not_valid, "refusing the package: it must have exactly one signer (the bidder)");
    const SignerReport& s = rep.signers.front();
    if (!rep.valid)
        throw Error(Errc::not_valid, "refusing the package: the bidder's signature (" + s.subject + ") is not valid: " +
                                         (s.errors.empty() ? std::string("see tsign verify") : s.errors.front()));
    const tender::Package p = tender::parse_package(tender::content_of(package, what));
    if (p.tender_id != t.id)
        throw Error(Errc::not_valid, "refusing the package: it is for tender '" + p.tender_id + "', not '" + t.id + "'");
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
        throw Error(Errc::not_valid,
                    "refusing the package: its payload is not an AuthEnvelopedData with one key-encryption recipient");
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
