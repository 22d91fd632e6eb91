// CAdES-LT and -LTA: validation data and archive timestamps (ETSI EN 319 122-1 §5.5).
#include <openssl/err.h>
#include <openssl/ts.h>

#include "cms/cms_util.hpp"
#include "cms/ltv.hpp"
#include "tsign/cms.hpp"
#include "tsign/error.hpp"
#include "tsign/tsp.hpp"
#include "tsp/tsp_impl.hpp"
#include "x509/chain.hpp"

namespace tsign {

namespace {

/// genTime of a TimeStampToken (DER).
std::int64_t gen_time_of(const Bytes& token) {
    const unsigned char* p = token.data();
    ossl::Ptr<PKCS7, PKCS7_free> p7(d2i_PKCS7(nullptr, &p, static_cast<long>(token.size())));
    ossl::Ptr<TS_TST_INFO, TS_TST_INFO_free> info(p7 ? PKCS7_to_TS_TST_INFO(p7.get()) : nullptr);
    if (!info) ossl::fail(Errc::malformed, "cannot read a timestamp token in the signature");
    return ossl::asn1_time_to_unix(TS_TST_INFO_get_time(info.get()));
}

std::string first_problem(const ChainReport& r) {
    if (!r.findings.empty()) {
        const auto& f = r.findings.front();
        return (f.subject.empty() ? std::string() : "'" + f.subject + "': ") + f.message;
    }
    return "not valid";
}

/// Throws the error that fits a failed validation: network when only revocation data was missing.
[[noreturn]] void refuse(const std::string& what, const ChainReport& r) {
    bool only_unknown = !r.findings.empty();
    for (const auto& f : r.findings) only_unknown = only_unknown && f.code == "revocation_unknown";
    throw Error(only_unknown ? Errc::network : Errc::not_valid, "cannot extend to LT: " + what + ": " + first_problem(r),
                only_unknown ? "the revocation data could not be had: check that the OCSP responder or CRL server is reachable" : "");
}

/// The LT step on a parsed SignedData: timestamps where missing, then validation data for
/// every signer and every timestamp of every signer.
void add_lt(CMS_ContentInfo* cms, const ExtendOptions& o) {
    if (o.chain.trust_files.empty()) throw Error(Errc::usage, "no trust anchor given", "LT validates every signer: use --trust FILE");
    ChainOptions co = o.chain;
    co.revocation = RevocationMode::require;
    co.purpose = Purpose::signing;
    detail::TrustMaterial tm(co);
    ossl::X509StackPtr msg_certs(CMS_get1_certs(cms));
    ERR_clear_error();
    if (!msg_certs) msg_certs.reset(sk_X509_new_null());
    ossl::X509RefStackPtr given(sk_X509_new_null());
    for (const auto& c : tm.untrusted()) sk_X509_push(given.get(), c.get());

    STACK_OF(CMS_SignerInfo)* sis = CMS_get0_SignerInfos(cms);
    for (int i = 0; i < sk_CMS_SignerInfo_num(sis); ++i) {
        CMS_SignerInfo* si = sk_CMS_SignerInfo_value(sis, i);
        if (!detail::has_signature_timestamp(si)) {
            if (o.tsa_urls.empty())
                throw Error(Errc::usage, "cannot extend to LT: signer " + std::to_string(i + 1) + " has no signature timestamp",
                            "give --tsa URL: LT needs the proven time of signing");
            detail::add_signature_timestamp(si, o.tsa_urls, o.tsa_timeout_seconds);
        }
        // What the signer carries already serves first (and its certificates help build paths).
        const detail::Evidence carried = detail::embedded_evidence(si);
        tm.add_evidence(carried.crls, carried.ocsp);
        std::vector<ossl::X509Ptr> carried_certs;
        ossl::X509RefStackPtr offered(sk_X509_new_null());
        for (int k = 0; k < sk_X509_num(msg_certs.get()); ++k) sk_X509_push(offered.get(), sk_X509_value(msg_certs.get(), k));
        for (const auto& der : carried.certificates) {
            const unsigned char* p = der.data();
            if (X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()))) {
                carried_certs.emplace_back(x);
                sk_X509_push(offered.get(), x);
            }
        }
        X509* cert = detail::find_signer_cert(si, offered.get(), given.get());
        if (cert == nullptr)
            throw Error(Errc::cert_not_found, "cannot extend to LT: signer " + std::to_string(i + 1) + "'s certificate is not in the signature",
                        "give it with --untrusted FILE");
        detail::Evidence ev;
        // Signature timestamp first: its time is the proven time of signing.
        const auto sig_tokens = detail::timestamp_tokens(si, NID_id_smime_aa_timeStampToken);
        ASN1_OCTET_STRING* sigval = CMS_SignerInfo_get0_signature(si);
        const std::int64_t t = gen_time_of(sig_tokens.front());
        for (const auto& token : sig_tokens) {
            const TimestampReport ts = detail::verify_timestamp_over(
                token, std::span(ASN1_STRING_get0_data(sigval), static_cast<size_t>(ASN1_STRING_length(sigval))), co, offered.get(),
                &carried, &ev);
            if (!ts.valid) {
                ChainReport fake;
                fake.findings.push_back({0, ts.tsa, ts.revocation == "unknown" ? "revocation_unknown" : "timestamp", ts.errors.empty() ? "not valid" : ts.errors.front()});
                refuse("the signature timestamp of signer " + std::to_string(i + 1) + " (TSA " + ts.tsa + ")", fake);
            }
        }
        const ChainReport cr = tm.validate(cert, offered.get(), t, true, &ev);
        if (!cr.valid) refuse("signer '" + ossl::name_to_utf8(X509_get_subject_name(cert)) + "'", cr);
        // Earlier archive timestamps: their TSAs' paths and revocation data (the renewal of LTA).
        for (const auto& token : detail::timestamp_tokens(si, detail::nid_archive_timestamp_v3())) {
            detail::TrustMaterial tsa_tm([&] {
                ChainOptions c = co;
                c.purpose = Purpose::timestamping;
                return c;
            }());
            tsa_tm.add_evidence(carried.crls, carried.ocsp);
            const unsigned char* p = token.data();
            ossl::Ptr<PKCS7, PKCS7_free> p7(d2i_PKCS7(nullptr, &p, static_cast<long>(token.size())));
            STACK_OF(X509)* tcerts = p7 && PKCS7_type_is_signed(p7.get()) ? p7->d.sign->cert : nullptr;
            STACK_OF(PKCS7_SIGNER_INFO)* tsis = p7 ? PKCS7_get_signer_info(p7.get()) : nullptr;
            if (!tsis || sk_PKCS7_SIGNER_INFO_num(tsis) != 1) throw Error(Errc::malformed, "an archive timestamp in the signature is malformed");
            PKCS7_ISSUER_AND_SERIAL* ias = sk_PKCS7_SIGNER_INFO_value(tsis, 0)->issuer_and_serial;
            X509* tsa = X509_find_by_issuer_and_serial(tcerts, ias->issuer, ias->serial);
            if (tsa == nullptr) throw Error(Errc::cert_not_found, "an archive timestamp carries no TSA certificate");
            ossl::X509RefStackPtr all(sk_X509_new_null());
            for (int k = 0; k < sk_X509_num(offered.get()); ++k) sk_X509_push(all.get(), sk_X509_value(offered.get(), k));
            for (int k = 0; tcerts && k < sk_X509_num(tcerts); ++k) sk_X509_push(all.get(), sk_X509_value(tcerts, k));
            const ChainReport ar = tsa_tm.validate(tsa, all.get(), gen_time_of(token), true, &ev);
            if (!ar.valid) refuse("an archive timestamp's TSA", ar);
        }
        detail::add_evidence_attributes(si, ev);
    }
}

}  // namespace

Bytes extend_to_lt(const Bytes& signature, const ExtendOptions& o) {
    detail::CmsPtr cms = detail::parse_signed_data(signature, "the signature");
    if (!ossl::looks_like_pem(signature) && detail::cms_der(cms.get()) != signature)
        throw Error(Errc::unsupported, "cannot extend: the signature is not in DER, and re-encoding it could change other signatures");
    add_lt(cms.get(), o);
    return detail::cms_der(cms.get());
}

Bytes extend_to_lta(const Bytes& signature, const ExtendOptions& o) {
    if (o.tsa_urls.empty()) throw Error(Errc::usage, "no TSA given", "an archive timestamp needs --tsa URL");
    detail::CmsPtr cms = detail::parse_signed_data(signature, "the signature");
    if (!ossl::looks_like_pem(signature) && detail::cms_der(cms.get()) != signature)
        throw Error(Errc::unsupported, "cannot extend: the signature is not in DER, and re-encoding it could change other signatures");
    add_lt(cms.get(), o);
    const Bytes der = detail::cms_der(cms.get());
    STACK_OF(CMS_SignerInfo)* sis = CMS_get0_SignerInfos(cms.get());
    TimestampOptions to;
    to.urls = o.tsa_urls;
    to.timeout_seconds = o.tsa_timeout_seconds;
    for (int i = 0; i < sk_CMS_SignerInfo_num(sis); ++i) {
        CMS_SignerInfo* si = sk_CMS_SignerInfo_value(sis, i);
        const detail::AtsParts parts = detail::ats_parts(der, i);
        const Bytes index = detail::ats_hash_index(parts);
        const Bytes imprint = detail::ats_imprint(parts, detail::content_sha256(si, parts, o.content_path), index);
        const Bytes token = detail::add_hash_index_to_token(token_of_response(request_timestamp(imprint, to)), index);
        if (CMS_unsigned_add1_attr_by_NID(si, detail::nid_archive_timestamp_v3(), V_ASN1_SEQUENCE, token.data(),
                                          static_cast<int>(token.size())) <= 0)
            ossl::fail(Errc::internal, "cannot add the archive timestamp");
    }
    return detail::cms_der(cms.get());
}

}  // namespace tsign
