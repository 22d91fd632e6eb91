// CAdES-LT and -LTA: validation data and archive timestamps (ETSI EN 319 122-1 §5.5).
#include <optional>

#include <openssl/err.h>

#include "cms/cms_util.hpp"
#include "cms/ltv.hpp"
#include "cms/verify_impl.hpp"
#include "tsign/cms.hpp"
#include "tsign/error.hpp"
#include "tsign/tsp.hpp"
#include "tsp/tsp_impl.hpp"
#include "x509/chain.hpp"

namespace tsign {

namespace {

std::string first_problem(const ChainReport& r) {
    if (!r.findings.empty()) {
        const auto& f = r.findings.front();
        return (f.subject.empty() ? std::string() : "'" + f.subject + "': ") + f.message;
    }
    return "not valid";
}

/// Throws the error that fits a failed validation: network when only revocation data was missing.
[[noreturn]] void refuse(const std::string& what, const std::string& problem, bool only_revocation_missing) {
    throw Error(only_revocation_missing ? Errc::network : Errc::not_valid, "cannot extend to LT: " + what + ": " + problem,
                only_revocation_missing ? detail::kMissingRevocationHint : "");
}

/// Whether every finding is a missing revocation status (and there is at least one).
template <class Findings>
bool only_revocation_unknown(const Findings& findings) {
    bool only_unknown = !findings.empty();
    for (const auto& f : findings) only_unknown = only_unknown && f.code == FindingCode::revocation_unknown;
    return only_unknown;
}

[[noreturn]] void refuse(const std::string& what, const ChainReport& r) {
    refuse(what, first_problem(r), only_revocation_unknown(r.findings));
}

/// Refuses to extend a signature that would not verify (EN 319 102-1): every signer is verified
/// first, as `tsign verify` would, but for revocation (which the LT step checks, required).
void refuse_invalid(const Bytes& signature, const ExtendOptions& o) {
    // Without trust anchors (extend --level t without --trust) only what needs none is judged:
    // the signature value, the digest, the structure, the algorithms.
    const bool paths_known = !o.chain.trust_files.empty();
    VerifyOptions vo;
    vo.chain = o.chain;
    vo.chain.revocation = RevocationMode::off;
    vo.content_path = o.content_path;
    const VerifyReport r = detail::verify_signed_data(signature, vo, true);
    if (r.signers.empty())
        throw Error(Errc::not_valid, "cannot extend: the SignedData has no signers (a certificates-only message signs nothing)");
    for (size_t i = 0; i < r.signers.size(); ++i) {
        const SignerReport& s = r.signers[i];
        if (s.valid) continue;
        if (!paths_known) {
            bool own = false;
            for (const auto& f : s.findings) own = own || f.scope == FindingScope::signer;
            if (!own) continue;
        }
        throw Error(Errc::not_valid,
                    "cannot extend: signer " + std::to_string(i + 1) + (s.subject.empty() ? "" : " (" + s.subject + ")") + " is not valid (" +
                        to_string(s.indication) + " / " + to_string(s.sub_indication) + "): " + (s.errors.empty() ? "" : s.errors.front()),
                    "'tsign verify' shows every finding; nothing was written");
    }
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
    STACK_OF(CMS_SignerInfo)* sis = CMS_get0_SignerInfos(cms);
    for (int i = 0; i < sk_CMS_SignerInfo_num(sis); ++i) {
        CMS_SignerInfo* si = sk_CMS_SignerInfo_value(sis, i);
        if (!detail::has_signature_timestamp(si)) {
            if (o.tsa_urls.empty())
                throw Error(Errc::usage, "cannot extend to LT: signer " + std::to_string(i + 1) + " has no signature timestamp",
                            "give --tsa URL: LT needs the proven time of signing");
            detail::add_signature_timestamp(si, o.tsa_urls, o.tsa_timeout_seconds);
        }
        detail::Evidence ev;
        detail::signer_lt_evidence(si, i, msg_certs.get(), tm, co, nullptr, ev);
        detail::add_evidence_attributes(si, ev);
    }
}

}  // namespace

void detail::signer_lt_evidence(CMS_SignerInfo* si, int i, STACK_OF(X509) * msg_certs, TrustMaterial& tm, const ChainOptions& co,
                                const Evidence* outside, Evidence& ev) {
    Evidence carried = detail::embedded_evidence(si);
    if (outside)
        for (auto v : {&detail::Evidence::certificates, &detail::Evidence::crls, &detail::Evidence::ocsp})
            (carried.*v).insert((carried.*v).end(), (outside->*v).begin(), (outside->*v).end());
    // What the signer carries already serves first (and its certificates help build paths).
    tm.add_evidence(carried.crls, carried.ocsp);
    const detail::OfferedCertificates offered = detail::offer_certificates(msg_certs, carried.certificates, tm.untrusted());
    X509* cert = detail::find_signer_cert(si, offered.stack.get(), nullptr);
    if (cert == nullptr)
        throw Error(Errc::cert_not_found,
                    "cannot extend to LT: signer " + std::to_string(i + 1) + "'s certificate is not in the signature",
                    "give it with --untrusted FILE");
    // Signature timestamp first: its time is the proven time of signing.
    const auto sig_tokens = detail::timestamp_tokens(si, NID_id_smime_aa_timeStampToken);
    ASN1_OCTET_STRING* sigval = CMS_SignerInfo_get0_signature(si);
    std::optional<std::int64_t> t;
    for (const auto& token : sig_tokens) {
        const TimestampReport ts = detail::verify_timestamp_over(
            token, std::span(ASN1_STRING_get0_data(sigval), static_cast<size_t>(ASN1_STRING_length(sigval))), co,
            offered.stack.get(), &carried, &ev);
        if (!ts.valid)
            refuse("the signature timestamp of signer " + std::to_string(i + 1) + " (TSA " + ts.tsa + ")",
                   ts.errors.empty() ? "not valid" : ts.errors.front(), only_revocation_unknown(ts.findings));
        if (!t) t = ts.time;
    }
    const ChainReport cr = tm.validate(cert, {.at = t, .at_proven = true, .extra_untrusted = offered.stack.get(), .used = &ev});
    if (!cr.valid) refuse("signer '" + ossl::name_to_utf8(X509_get_subject_name(cert)) + "'", cr);
    // Earlier archive timestamps: their TSAs' paths and revocation data (the renewal of LTA).
    for (const auto& token : detail::timestamp_tokens(si, detail::nid_archive_timestamp_v3())) {
        const ChainReport ar = detail::validate_timestamp_signer(token, co, offered.stack.get(), &carried, &ev);
        if (!ar.valid) refuse("an archive timestamp's TSA", ar);
    }
}

Bytes extend_to_t(const Bytes& signature, const ExtendOptions& o) {
    if (o.tsa_urls.empty()) throw Error(Errc::usage, "no TSA given", "use --tsa URL");
    refuse_invalid(signature, o);
    return extend_to_t(signature, o.tsa_urls, o.tsa_timeout_seconds);
}

Bytes extend_to_lt(const Bytes& signature, const ExtendOptions& o) {
    detail::CmsPtr cms = detail::parse_signed_data(signature, "the signature");
    if (!ossl::looks_like_pem(signature) && detail::cms_der(cms.get()) != signature)
        throw Error(Errc::unsupported, "cannot extend: the signature is not in DER, and re-encoding it could change other signatures");
    if (o.chain.trust_files.empty()) throw Error(Errc::usage, "no trust anchor given", "LT validates every signer: use --trust FILE");
    refuse_invalid(signature, o);
    add_lt(cms.get(), o);
    return detail::cms_der(cms.get());
}

Bytes extend_to_lta(const Bytes& signature, const ExtendOptions& o) {
    if (o.tsa_urls.empty()) throw Error(Errc::usage, "no TSA given", "an archive timestamp needs --tsa URL");
    detail::CmsPtr cms = detail::parse_signed_data(signature, "the signature");
    if (!ossl::looks_like_pem(signature) && detail::cms_der(cms.get()) != signature)
        throw Error(Errc::unsupported, "cannot extend: the signature is not in DER, and re-encoding it could change other signatures");
    if (o.chain.trust_files.empty()) throw Error(Errc::usage, "no trust anchor given", "LT validates every signer: use --trust FILE");
    refuse_invalid(signature, o);
    add_lt(cms.get(), o);
    const Bytes der = detail::cms_der(cms.get());
    STACK_OF(CMS_SignerInfo)* sis = CMS_get0_SignerInfos(cms.get());
    TimestampOptions to;
    to.urls = o.tsa_urls;
    to.timeout_seconds = o.tsa_timeout_seconds;
    for (int i = 0; i < sk_CMS_SignerInfo_num(sis); ++i) {
        CMS_SignerInfo* si = sk_CMS_SignerInfo_value(sis, i);
        ASN1_OCTET_STRING* sigval = CMS_SignerInfo_get0_signature(si);
        const detail::AtsParts parts =
            detail::ats_parts(der, std::span(ASN1_STRING_get0_data(sigval), static_cast<size_t>(ASN1_STRING_length(sigval))));
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
