// Verification of CMS SignedData per signer, with ETSI EN 319 102-1 indications.
#include <algorithm>
#include <filesystem>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>
#include <openssl/err.h>
#include <openssl/ess.h>

#include "cms/cms_util.hpp"
#include "cms/ltv.hpp"
#include "cms/roster.hpp"
#include "cms/verify_impl.hpp"
#include "core/findings_json.hpp"
#include "core/io_impl.hpp"
#include "tsign/cms.hpp"
#include "tsign/error.hpp"
#include "tsign/time.hpp"
#include "tsign/tsp.hpp"
#include "tsp/tsp_impl.hpp"
#include "x509/chain.hpp"

namespace tsign {

namespace {

using json = nlohmann::ordered_json;

/// The digest BIOs CMS_dataInit pushes on top of a caller's BIO (or of the attached content),
/// freed on every path, the caller's BIO unlinked first and left to its owner.
class DigestChain {
public:
    DigestChain() = default;
    DigestChain(BIO* top, BIO* callers) : top_(top), callers_(callers) {}
    DigestChain(const DigestChain&) = delete;
    DigestChain& operator=(const DigestChain&) = delete;
    ~DigestChain() {
        if (top_ && callers_ != nullptr && callers_ != top_.get()) BIO_pop(callers_);
    }
    BIO* get() const { return top_.get(); }

private:
    ossl::BioPtr top_;  // freed after the destructor's body has unlinked the caller's BIO
    BIO* callers_ = nullptr;
};

/// RFC 5035 / RFC 2634 §5.4: the signing-certificate(-v2) attribute must name the certificate used.
/// Returns: 1 bound and matching, 0 absent, -1 present and not matching.
int check_signing_certificate(CMS_SignerInfo* si, X509* cert, STACK_OF(X509) * others) {
    auto* v2 = static_cast<ASN1_STRING*>(
        CMS_signed_get0_data_by_OBJ(si, OBJ_nid2obj(NID_id_smime_aa_signingCertificateV2), -3, V_ASN1_SEQUENCE));
    auto* v1 = static_cast<ASN1_STRING*>(
        CMS_signed_get0_data_by_OBJ(si, OBJ_nid2obj(NID_id_smime_aa_signingCertificate), -3, V_ASN1_SEQUENCE));
    if (v1 == nullptr && v2 == nullptr) return 0;
    ossl::Ptr<ESS_SIGNING_CERT_V2, ESS_SIGNING_CERT_V2_free> ssv2;
    ossl::Ptr<ESS_SIGNING_CERT, ESS_SIGNING_CERT_free> ss;
    if (v2) {
        const unsigned char* p = ASN1_STRING_get0_data(v2);
        ssv2.reset(d2i_ESS_SIGNING_CERT_V2(nullptr, &p, ASN1_STRING_length(v2)));
        if (!ssv2) return -1;
    }
    if (v1) {
        const unsigned char* p = ASN1_STRING_get0_data(v1);
        ss.reset(d2i_ESS_SIGNING_CERT(nullptr, &p, ASN1_STRING_length(v1)));
        if (!ss) return -1;
    }
    ossl::X509RefStackPtr chain(sk_X509_new_null());
    sk_X509_push(chain.get(), cert);
    for (int i = 0; others && i < sk_X509_num(others); ++i)
        if (X509_cmp(sk_X509_value(others, i), cert) != 0) sk_X509_push(chain.get(), sk_X509_value(others, i));
    const int ok = OSSL_ESS_check_signing_certs(ss.get(), ssv2.get(), chain.get(), 1);
    ERR_clear_error();
    return ok > 0 ? 1 : -1;
}

void add(SignerReport& r, FindingCode code, FindingScope scope, std::string message, int depth = -1, std::string subject = {}) {
    detail::add_finding(r, code, scope, std::move(message), depth, std::move(subject));
}
}  // namespace

void detail::add_finding(SignerReport& r, FindingCode code, FindingScope scope, std::string message, int depth,
                         std::string subject) {
    r.errors.push_back(message);
    r.findings.push_back({code, scope, depth, std::move(subject), std::move(message)});
}

namespace {
void set_indication(SignerReport& r) { detail::set_signer_indication(r); }
}  // namespace

/// ETSI EN 319 102-1 §5.1.3: the signer's indication from its findings (roster findings aside).
void detail::set_signer_indication(SignerReport& r) {
    auto has = [&](FindingCode code, std::optional<FindingScope> scope = std::nullopt, int min_depth = -1) {
        for (const auto& f : r.findings)
            if (f.code == code && (!scope || f.scope == *scope) && f.depth >= min_depth) return true;
        return false;
    };
    bool any = false, timestamp = false;
    for (const auto& f : r.findings) {
        if (f.scope == FindingScope::roster) continue;
        any = true;
        timestamp = timestamp || f.scope == FindingScope::signature_timestamp || f.scope == FindingScope::archive_timestamp;
    }
    r.valid = !any;
    if (!any) {
        r.indication = Indication::total_passed;
        r.sub_indication = SubIndication::none;
        return;
    }
    const FindingScope S = FindingScope::signer, C = FindingScope::chain;
    using SI = SubIndication;
    r.indication = Indication::total_failed;
    if (has(FindingCode::content_type_mismatch, S) || has(FindingCode::message_digest_missing, S) ||
        has(FindingCode::malformed_signed_attributes, S) || has(FindingCode::pdf_byte_range_invalid, S) ||
        has(FindingCode::pdf_contents_extra_data, S) || has(FindingCode::pdf_unsupported_subfilter, S))
        r.sub_indication = SI::format_failure;
    else if (has(FindingCode::signature_invalid, S)) r.sub_indication = SI::sig_crypto_failure;
    else if (has(FindingCode::hash_mismatch, S) || has(FindingCode::timestamp_index_changed, FindingScope::archive_timestamp) ||
             has(FindingCode::pdf_modified_after_signing, S))
        r.sub_indication = SI::hash_failure;
    else if (has(FindingCode::pdf_docmdp_violation, S))
        r.sub_indication = SI::sig_constraints_failure;
    else if (has(FindingCode::revoked, C, 0) && !has(FindingCode::revoked, C, 1)) r.sub_indication = SI::revoked;
    else {
        r.indication = Indication::indeterminate;
        if (has(FindingCode::signer_certificate_not_found, S) || has(FindingCode::signing_certificate_mismatch, S))
            r.sub_indication = SI::no_signing_certificate_found;
        else if (has(FindingCode::no_chain_to_trust_anchor, C)) r.sub_indication = SI::no_certificate_chain_found;
        else if (has(FindingCode::revoked, C, 1)) r.sub_indication = SI::revoked_ca_no_poe;
        else if (has(FindingCode::certificate_expired, C)) r.sub_indication = SI::out_of_bounds_no_poe;
        else if (has(FindingCode::certificate_not_yet_valid, C)) r.sub_indication = SI::not_yet_valid;
        else if (has(FindingCode::weak_algorithm)) r.sub_indication = SI::crypto_constraints_failure;
        else if (has(FindingCode::algorithm_expired)) r.sub_indication = SI::crypto_constraints_failure_no_poe;
        else if (timestamp) r.sub_indication = SI::sig_constraints_failure;
        else if (has(FindingCode::signing_time_after_timestamp, S)) r.sub_indication = SI::timestamp_order_failure;
        else if (has(FindingCode::revocation_unknown, C) || has(FindingCode::crl_out_of_date, C) || has(FindingCode::revocation_not_fresh, C))
            r.sub_indication = SI::try_later;
        else r.sub_indication = SI::chain_constraints_failure;
    }
}

namespace {

/// RFC 8419 §3: an EdDSA signature over the DER of the signed attributes (a SET OF in the order
/// received). OpenSSL 3.0's CMS_SignerInfo_verify cannot verify EdDSA with signed attributes.
int verify_signed_attributes_eddsa(CMS_SignerInfo* si, X509* cert) {
    Bytes body;
    for (int i = 0; i < CMS_signed_get_attr_count(si); ++i) {
        const Bytes a = ossl::to_der(CMS_signed_get_attr(si, i), i2d_X509_ATTRIBUTE);
        body.insert(body.end(), a.begin(), a.end());
    }
    Bytes der = {0x31};
    if (body.size() < 0x80) {
        der.push_back(static_cast<std::uint8_t>(body.size()));
    } else {
        Bytes len;
        for (std::size_t n = body.size(); n > 0; n >>= 8) len.insert(len.begin(), static_cast<std::uint8_t>(n & 0xff));
        der.push_back(static_cast<std::uint8_t>(0x80 | len.size()));
        der.insert(der.end(), len.begin(), len.end());
    }
    der.insert(der.end(), body.begin(), body.end());
    const ASN1_OCTET_STRING* sig = CMS_SignerInfo_get0_signature(si);
    ossl::MdCtxPtr ctx(EVP_MD_CTX_new());
    const int ok = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, X509_get0_pubkey(cert)) == 1 &&
                           EVP_DigestVerify(ctx.get(), ASN1_STRING_get0_data(sig), static_cast<size_t>(ASN1_STRING_length(sig)), der.data(),
                                            der.size()) == 1
                       ? 1
                       : 0;
    ERR_clear_error();
    return ok;
}

/// RFC 5652 §11 and RFC 5035 §5.4 attribute rules, for every signer (OpenSSL applies its own table
/// only on its verification path, which EdDSA signers do not take). Empty when they hold.
std::string attribute_rule_violation(CMS_SignerInfo* si) {
    static const int once_signed[] = {NID_pkcs9_contentType, NID_pkcs9_messageDigest, NID_pkcs9_signingTime,
                                      NID_id_smime_aa_signingCertificate, NID_id_smime_aa_signingCertificateV2};
    for (const int nid : once_signed) {
        int count = 0;
        for (int idx = CMS_signed_get_attr_by_NID(si, nid, -1); idx >= 0; idx = CMS_signed_get_attr_by_NID(si, nid, idx)) {
            ++count;
            if (X509_ATTRIBUTE_count(CMS_signed_get_attr(si, idx)) != 1)
                return std::string("the ") + OBJ_nid2ln(nid) + " signed attribute must have exactly one value";
        }
        if (count > 1) return std::string("the ") + OBJ_nid2ln(nid) + " signed attribute is repeated";
        if (CMS_unsigned_get_attr_by_NID(si, nid, -1) >= 0)
            return std::string("the ") + OBJ_nid2ln(nid) + " attribute must be signed, not unsigned";
    }
    if (CMS_signed_get_attr_by_NID(si, NID_pkcs9_countersignature, -1) >= 0)
        return "a countersignature among the signed attributes (RFC 5652 §11.4: unsigned only)";
    if (const int idx = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1); idx >= 0) {
        const ASN1_TYPE* v = X509_ATTRIBUTE_get0_type(CMS_signed_get_attr(si, idx), 0);
        if (v == nullptr || (v->type != V_ASN1_UTCTIME && v->type != V_ASN1_GENERALIZEDTIME) ||
            ASN1_TIME_check(v->value.utctime) != 1)
            return "the signing-time attribute is not a Time (RFC 5652 §11.3)";
    }
    ERR_clear_error();
    return {};
}

/// What a signer is checked with besides its SignerInfo.
struct SignerContext {
    BIO* content_chain;               // the digest BIOs the content went through
    STACK_OF(X509) * offered;         // certificates of the message, carried by signers, and given
    const detail::Evidence* carried;  // revocation data carried by the signers (CAdES-LT)
    const Bytes* der;                 // the SignedData (DER), for archive timestamps
    int index;                        // the signer's position
    const ASN1_OBJECT* econtent_type; // encapContentInfo.eContentType
    std::optional<std::int64_t> poe;  // a proof of existence from outside the signature (PDF document timestamp)
};

/// The findings of a timestamp's report, in the timestamp's scope.
void add_timestamp_findings(SignerReport& r, const TimestampReport& ts, FindingScope scope, const char* what) {
    for (const auto& f : ts.findings) {
        const FindingCode code = f.scope == FindingScope::chain || f.code == FindingCode::weak_algorithm ||
                                         f.code == FindingCode::algorithm_expired
                                     ? f.code
                                     : FindingCode::timestamp_invalid;
        add(r, code, scope, std::string(what) + ": " + f.message, f.depth, f.subject);
    }
    for (const auto& n : ts.notes) r.warnings.push_back(std::string(what) + ": " + n);
}

SignerReport check_signer(CMS_SignerInfo* si, const SignerContext& ctx, const detail::TrustMaterial& tm, const VerifyOptions& o) {
    const ChainOptions& co = tm.options();
    STACK_OF(X509)* msg_certs = ctx.offered;
    const FindingScope S = FindingScope::signer;
    SignerReport r;
    EVP_PKEY* pk = nullptr;
    X509* signer_field = nullptr;
    X509_ALGOR* dig = nullptr;
    X509_ALGOR* sig = nullptr;
    CMS_SignerInfo_get0_algs(si, &pk, &signer_field, &dig, &sig);
    r.digest_algorithm = detail::algorithm_name(dig);
    r.signature_algorithm = detail::algorithm_name(sig);
    r.signing_time = detail::signing_time_of(si);
    const std::int64_t now = static_cast<std::int64_t>(::time(nullptr));
    r.validation_time = co.at.value_or(now);
    r.validation_time_source = co.at ? TimeSource::user : TimeSource::current;

    // The certificates that match the SignerIdentifier: anyone can add certificates to a SignedData,
    // so the first match is not enough. The one the signing-certificate(-v2) attribute names wins
    // (EN 319 102-1 §5.2.3), else one under which the signature verifies.
    std::vector<X509*> candidates;
    for (int i = 0; msg_certs && i < sk_X509_num(msg_certs); ++i)
        if (CMS_SignerInfo_cert_cmp(si, sk_X509_value(msg_certs, i)) == 0) candidates.push_back(sk_X509_value(msg_certs, i));
    X509* cert = nullptr;
    for (X509* c : candidates)
        if (!cert && check_signing_certificate(si, c, msg_certs) == 1) cert = c;
    for (X509* c : candidates) {
        if (cert || CMS_signed_get_attr_count(si) < 0) break;
        CMS_SignerInfo_set1_signer_cert(si, c);
        if (CMS_SignerInfo_verify(si) == 1) cert = c;
    }
    ERR_clear_error();
    if (!cert && !candidates.empty()) cert = candidates.front();
    if (cert == nullptr) {
        ASN1_OCTET_STRING* keyid = nullptr;
        X509_NAME* issuer = nullptr;
        ASN1_INTEGER* serial = nullptr;
        if (CMS_SignerInfo_get0_signer_id(si, &keyid, &issuer, &serial) == 1) {
            if (issuer) r.issuer = ossl::name_to_utf8(issuer);
            if (serial) r.serial = ossl::serial_hex(serial);
        }
        add(r, FindingCode::signer_certificate_not_found, S, "the signer's certificate is neither in the signature nor given with --untrusted");
        ERR_clear_error();
        set_indication(r);
        return r;
    }
    r.subject = ossl::name_to_utf8(X509_get_subject_name(cert));
    r.issuer = ossl::name_to_utf8(X509_get_issuer_name(cert));
    r.serial = ossl::serial_hex(X509_get0_serialNumber(cert));
    r.certificate = ossl::to_der(cert, i2d_X509);
    CMS_SignerInfo_set1_signer_cert(si, cert);

    // RFC 5652 §5.3 / §11.1: with signed attributes, exactly one content-type attribute, equal to eContentType.
    const bool has_attrs = CMS_signed_get_attr_count(si) >= 0;
    // One finding says the signed attributes are malformed: the most precise one found first.
    auto format_reported = [&r] {
        for (const auto& f : r.findings)
            if (f.code == FindingCode::content_type_mismatch || f.code == FindingCode::malformed_signed_attributes ||
                f.code == FindingCode::message_digest_missing)
                return true;
        return false;
    };
    if (has_attrs) {
        auto* ct = static_cast<ASN1_OBJECT*>(CMS_signed_get0_data_by_OBJ(si, OBJ_nid2obj(NID_pkcs9_contentType), -3, V_ASN1_OBJECT));
        if (ct == nullptr)
            add(r, FindingCode::content_type_mismatch, S, "the content-type signed attribute is missing, repeated or malformed (RFC 5652 §11.1)");
        else if (ctx.econtent_type == nullptr || OBJ_cmp(ct, ctx.econtent_type) != 0)
            add(r, FindingCode::content_type_mismatch, S, "the content-type signed attribute differs from the signed content's type (RFC 5652 §11.1)");
        ERR_clear_error();
        if (const std::string why = attribute_rule_violation(si); !why.empty() && !format_reported())
            add(r, FindingCode::malformed_signed_attributes, S, why);
    }
    if (CMS_unsigned_get_attr_by_NID(si, NID_pkcs9_countersignature, -1) >= 0)
        r.warnings.push_back("a countersignature is present: tsign does not validate countersignatures, and it counts as no signer");
    // Without signed attributes the signature is over the document itself: nothing can be checked
    // without it.
    if (!has_attrs && ctx.content_chain == nullptr)
        throw Error(Errc::usage, "signer " + std::to_string(ctx.index + 1) + " has no signed attributes: its signature covers the document itself",
                    "give the signed document with --content DOC");
    // RFC 5652 §5.3: signed attributes are required when the content is not id-data.
    if (!has_attrs && ctx.econtent_type && OBJ_obj2nid(ctx.econtent_type) != NID_pkcs7_data)
        add(r, FindingCode::malformed_signed_attributes, S,
            "no signed attributes, though the content type is not id-data (RFC 5652 §5.3 requires them)");
    // RFC 5652 §5.4 / §5.6: signature value over the signed attributes, then the message digest.
    const bool has_digest = !has_attrs || detail::message_digest_of(si).has_value();
    if (!has_digest) add(r, FindingCode::message_digest_missing, S, "the message-digest signed attribute is missing or repeated");
    EVP_PKEY* signer_key = X509_get0_pubkey(cert);
    if (signer_key == nullptr) {
        // DSA parameters inherited from the issuer (RFC 3279 §2.3.2) or an unsupported key type:
        // OpenSSL cannot decode the key, so nothing can verify the signature value.
        ERR_clear_error();
        add(r, FindingCode::signature_invalid, S,
            "the signer certificate's public key cannot be decoded (unsupported, or with parameters inherited from its issuer)");
    } else if (has_attrs) {
        const int pk_type = EVP_PKEY_get_base_id(signer_key);
        int ok = 0;
        if (pk_type == EVP_PKEY_ED25519 || pk_type == EVP_PKEY_ED448) {
            ok = verify_signed_attributes_eddsa(si, cert);  // RFC 8419: OpenSSL 3.0's CMS cannot
        } else {
            ok = CMS_SignerInfo_verify(si);
            // OpenSSL refuses attribute sets that break RFC 5652 §11 (a content-type or message-digest
            // missing or repeated, ...) before it looks at the signature: a format failure.
            if (ok != 1 && ERR_GET_REASON(ERR_peek_last_error()) == CMS_R_ATTRIBUTE_ERROR) {
                ok = -2;
                if (!format_reported())
                    add(r, FindingCode::malformed_signed_attributes, S,
                        "the signed attributes break RFC 5652 §11 (an attribute missing, repeated or not allowed there)");
            }
        }
        if (ok != 1 && ok != -2) add(r, FindingCode::signature_invalid, S, "the signature value does not verify (altered signed attributes or wrong key)");
    }
    ERR_clear_error();
    if (ctx.content_chain == nullptr) {
        r.warnings.push_back("the document was not given: its message digest was not checked");
    } else if (has_digest && (has_attrs || signer_key != nullptr) && CMS_SignerInfo_verify_content(si, ctx.content_chain) != 1) {
        if (has_attrs) add(r, FindingCode::hash_mismatch, S, "the document does not match the signed message digest (altered document)");
        else add(r, FindingCode::signature_invalid, S, "the signature value does not verify over the document");
    }
    ERR_clear_error();

    // RFC 5035: the signing-certificate-v2 attribute binds the certificate actually used.
    const int bound = check_signing_certificate(si, cert, msg_certs);
    r.cades = bound != 0;
    if (bound < 0)
        add(r, FindingCode::signing_certificate_mismatch, S, "the signing-certificate attribute does not match the signer's certificate");
    else if (bound == 0)
        r.warnings.push_back("no signing-certificate(-v2) attribute: a plain CMS signature, not CAdES");

    // ETSI EN 319 122-1 §5.5.3 archive-time-stamp-v3: over the content, this SignerInfo and the
    // validation data indexed in its ats-hash-index-v3 (which may grow, never shrink or change).
    // Each is checked; the latest is judged now, each earlier one at the time of a later valid one.
    const FindingScope A = FindingScope::archive_timestamp;
    const std::vector<Bytes> archive_tokens = detail::timestamp_tokens(si, detail::nid_archive_timestamp_v3());
    std::optional<detail::AtsParts> parts;
    Bytes content_hash;
    if (!archive_tokens.empty()) {
        try {
            ASN1_OCTET_STRING* sigval = CMS_SignerInfo_get0_signature(si);
            parts = detail::ats_parts(*ctx.der,
                                      std::span(ASN1_STRING_get0_data(sigval), static_cast<size_t>(ASN1_STRING_length(sigval))));
            content_hash = detail::content_sha256(si, *parts, o.content_path);
        } catch (const Error& e) {
            add(r, FindingCode::timestamp_invalid, A, std::string("archive timestamp: ") + e.what());
        }
    }
    std::optional<std::int64_t> ats_poe = ctx.poe;  // the earliest valid archive timestamp so far (from the latest back)
    for (auto it = archive_tokens.rbegin(); parts && it != archive_tokens.rend(); ++it) {
        const Bytes& token = *it;
        try {
            if (token.empty()) throw Error(Errc::malformed, "not a TimeStampToken");
            const auto index = detail::hash_index_of_token(token);
            if (!index) {
                add(r, FindingCode::timestamp_invalid, A, "archive timestamp without an ats-hash-index-v3 attribute");
                continue;
            }
            if (const std::string why = detail::check_hash_index(*index, *parts); !why.empty()) {
                add(r, FindingCode::timestamp_index_changed, A, "archive timestamp: " + why);
                continue;
            }
            const Bytes imprint = detail::ats_imprint(*parts, content_hash, *index);
            const TimestampReport ats = detail::verify_timestamp_digest(token, imprint, co, msg_certs, ctx.carried, nullptr, ats_poe);
            if (ats.valid) {
                r.archive_timestamps.push_back(ats.time);
                // RFC 3161 §2.4.2: the time is genTime ± accuracy; existence is proven at its upper end.
                if (!ats_poe || ats.time + ats.accuracy < *ats_poe) ats_poe = ats.time + ats.accuracy;
                for (const auto& n : ats.notes) r.warnings.push_back("archive timestamp: " + n);
            } else {
                add_timestamp_findings(r, ats, A, "archive timestamp");
            }
        } catch (const Error& e) {
            add(r, FindingCode::timestamp_invalid, A, std::string("archive timestamp: ") + e.what());
        }
    }
    std::sort(r.archive_timestamps.begin(), r.archive_timestamps.end());

    // ETSI EN 319 122-1 §5.3 signature-time-stamp: proves the signature existed at its genTime.
    // Every one present is checked (an invalid one is never ignored); the earliest valid one
    // gives the proven time of signing.
    const FindingScope T = FindingScope::signature_timestamp;
    std::optional<std::int64_t> ts_proof;  // the earliest valid signature timestamp's genTime + accuracy
    ASN1_OCTET_STRING* sigval = CMS_SignerInfo_get0_signature(si);
    for (const Bytes& token : detail::timestamp_tokens(si, NID_id_smime_aa_timeStampToken)) {
        try {
            if (token.empty()) throw Error(Errc::malformed, "not a TimeStampToken");
            const TimestampReport ts = detail::verify_timestamp_over(
                token, std::span(ASN1_STRING_get0_data(sigval), static_cast<size_t>(ASN1_STRING_length(sigval))), co, msg_certs,
                ctx.carried, nullptr, ats_poe);
            if (ts.valid) {
                if (!r.timestamp_time || ts.time < *r.timestamp_time) r.timestamp_time = ts.time;
                if (!ts_proof || ts.time + ts.accuracy < *ts_proof) ts_proof = ts.time + ts.accuracy;
                for (const auto& n : ts.notes) r.warnings.push_back("signature timestamp: " + n);
            } else {
                add_timestamp_findings(r, ts, T, "signature timestamp");
            }
        } catch (const Error& e) {
            add(r, FindingCode::timestamp_invalid, T, std::string("signature timestamp: ") + e.what());
        }
    }
    const bool carries_lt = CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_ets_certValues, -1) >= 0 ||
                            CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_ets_revocationValues, -1) >= 0;
    r.level = !r.archive_timestamps.empty() ? "B-LTA" : (carries_lt && r.timestamp_time) ? "B-LT" : r.timestamp_time ? "B-T" : "B-B";

    // EN 319 102-1 §5.6.2 best-signature-time: only a proof of existence moves the validation time
    // into the past; the signing-time attribute is the signer's claim.
    if (ts_proof) {
        r.validation_time = *ts_proof;
        r.validation_time_source = TimeSource::signature_timestamp;
    } else if (ats_poe) {
        r.validation_time = *ats_poe;
        r.validation_time_source = TimeSource::archive_timestamp;
    }
    if (co.at && r.validation_time_source != TimeSource::user)
        r.warnings.push_back("--at ignored: the " + std::string(to_string(r.validation_time_source)) + " proves the time");
    if (r.signing_time) {
        if (r.timestamp_time && *r.signing_time > *r.timestamp_time + 300)
            add(r, FindingCode::signing_time_after_timestamp, S,
                "the claimed signing time " + format_iso8601(*r.signing_time) + " is after the signature timestamp " +
                    format_iso8601(*r.timestamp_time));
        else if (!r.timestamp_time && r.archive_timestamps.empty() && *r.signing_time > r.validation_time + 300)
            r.warnings.push_back("the claimed signing time " + format_iso8601(*r.signing_time) + " is after the validation time");
    }

    // ETSI EN 319 102-1 §5.2.8: the SignerInfo's algorithms under the validation policy, at the
    // proven time (the key is judged with the certificate path).
    std::vector<CertFinding> weak;
    std::vector<std::string> notes;
    if (!detail::crypto_finding(tm.policy().signature_hash(dig, r.validation_time), -1, "", "digest algorithm " + r.digest_algorithm,
                                co.allow_weak_algorithms, weak, notes))
        detail::crypto_finding(tm.policy().signature_hash(sig, r.validation_time), -1, "", "signature algorithm " + r.signature_algorithm,
                               co.allow_weak_algorithms, weak, notes);
    for (auto& w : weak) add(r, w.code, S, std::move(w.message));
    for (auto& n : notes) r.warnings.push_back(std::move(n));

    // RFC 5280 path validation at the validation time.
    const bool proven = r.validation_time_source != TimeSource::current;
    const ChainReport chain = tm.validate(cert, {.at = r.validation_time, .at_proven = proven, .extra_untrusted = msg_certs});
    r.chain = chain.chain;
    r.revocation = chain.revocation;
    r.revocation_time = chain.revocation_time;
    r.revocation_reason = chain.revocation_reason;
    for (const auto& n : chain.notes) r.warnings.push_back(n);
    for (const auto& f : chain.findings) {
        const std::string where = f.depth == 0 ? "signer certificate" : "certificate at depth " + std::to_string(f.depth);
        add(r, f.code, FindingScope::chain, where + (f.subject.empty() ? "" : " (" + f.subject + ")") + ": " + f.message, f.depth, f.subject);
    }
    set_indication(r);
    return r;
}

json opt_time(const std::optional<std::int64_t>& t) { return t ? json(format_iso8601(*t)) : json(nullptr); }

}  // namespace

VerifyReport verify_signature(const Bytes& signature, const VerifyOptions& o) {
    if (o.chain.trust_files.empty()) throw Error(Errc::usage, "no trust anchor given", "use --trust FILE");
    return detail::verify_signed_data(signature, o, false);
}

VerifyReport detail::verify_signed_data(const Bytes& signature, const VerifyOptions& o, bool content_optional,
                                        const ExternalContent* external) {
    ossl::BioPtr smime_content;
    detail::CmsPtr cms = detail::parse_signed_data(signature, "the signature", &smime_content);
    // Signer certificates must allow signing (RFC 5280 §4.2.1.3: digitalSignature or nonRepudiation).
    ChainOptions chain_options = o.chain;
    if (chain_options.purpose == Purpose::any) chain_options.purpose = Purpose::signing;
    chain_options.allow_weak_algorithms = chain_options.allow_weak_algorithms || o.allow_weak_algorithms;
    detail::TrustMaterial tm(chain_options);
    VerifyReport report;
    report.policy_name = tm.policy().info().name;
    report.policy_sha256 = tm.policy().info().sha256;
    report.detached = CMS_is_detached(cms.get()) == 1;
    const ASN1_OBJECT* ctype = CMS_get0_eContentType(cms.get());
    report.content_type = ctype ? OBJ_nid2ln(OBJ_obj2nid(ctype)) : "?";
    STACK_OF(CMS_SignerInfo)* sis = CMS_get0_SignerInfos(cms.get());
    if (sk_CMS_SignerInfo_num(sis) <= 0) {
        report.valid = false;  // RFC 5652 §5.1: a degenerate SignedData (certificates only) signs nothing
        return report;
    }
    const bool no_content = report.detached && o.content_path.empty() && !smime_content && !(external && external->content);
    if (no_content && !content_optional)
        throw Error(Errc::usage, "the signature is detached: give the signed document", "tsign verify SIG DOC, or --content DOC");

    ossl::BioPtr file;
    BIO* source = nullptr;  // the detached content
    if (external && external->content && !report.detached)
        throw Error(Errc::malformed, "the signature is not detached: it does not sign the given content");
    if (external && external->content) {
        source = external->content;
    } else if (smime_content && o.content_path.empty()) {
        file = std::move(smime_content);  // the signed part of a multipart/signed message
    } else if (!o.content_path.empty()) {
        detail::check_input_file(o.content_path);
        file.reset(o.content_path == "-" ? BIO_new_fp(stdin, BIO_NOCLOSE) : BIO_new_file(o.content_path.c_str(), "rb"));
        if (!file) {
            ERR_clear_error();
            (void)read_file(o.content_path);
            throw Error(Errc::file_unreadable, "cannot read '" + o.content_path + "'");
        }
    }
    // One streamed pass computes the digests of all signers (a digest BIO per algorithm).
    BIO* chain = nullptr;
    std::optional<DigestChain> digests;
    if (!no_content) {
        if (source == nullptr) source = file.get();
        chain = CMS_dataInit(cms.get(), report.detached ? source : nullptr);
        if (chain != nullptr) digests.emplace(chain, report.detached ? source : nullptr);
        if (chain == nullptr) ossl::fail(Errc::unsupported, "cannot verify: unsupported digest algorithm or content in the SignedData");
        std::vector<unsigned char> buf(1 << 16);
        for (;;) {
            const int n = BIO_read(chain, buf.data(), static_cast<int>(buf.size()));
            if (n <= 0) break;
        }
    }
    ossl::X509StackPtr msg_certs(CMS_get1_certs(cms.get()));
    ERR_clear_error();
    // Validation data the signers carry (CAdES-LT) serve before anything given or fetched.
    detail::Evidence carried;
    for (int i = 0; i < sk_CMS_SignerInfo_num(sis); ++i) {
        detail::Evidence e = detail::embedded_evidence(sk_CMS_SignerInfo_value(sis, i));
        for (auto v : {&detail::Evidence::certificates, &detail::Evidence::crls, &detail::Evidence::ocsp})
            (carried.*v).insert((carried.*v).end(), (e.*v).begin(), (e.*v).end());
    }
    if (external)
        for (auto v : {&detail::Evidence::certificates, &detail::Evidence::crls, &detail::Evidence::ocsp})
            (carried.*v).insert((carried.*v).end(), (external->evidence.*v).begin(), (external->evidence.*v).end());
    tm.add_evidence(carried.crls, carried.ocsp);
    const detail::OfferedCertificates offered = detail::offer_certificates(msg_certs.get(), carried.certificates, tm.untrusted());
    const Bytes der = (!ossl::looks_like_pem(signature) && !signature.empty() && signature[0] == 0x30) ? signature : detail::cms_der(cms.get());
    for (int i = 0; i < sk_CMS_SignerInfo_num(sis); ++i)
        report.signers.push_back(
            check_signer(sk_CMS_SignerInfo_value(sis, i),
                         {chain, offered.stack.get(), &carried, &der, i, ctype, external ? external->poe : std::nullopt}, tm, o));
    digests.reset();  // the digest BIOs are done with; `file` stays open

    if (!report.detached && !o.content_path.empty()) {
        // An attached signature and a document: they must be the same bytes.
        ASN1_OCTET_STRING** content = CMS_get0_content(cms.get());
        const Bytes doc = read_file(o.content_path);
        const bool same = content && *content && static_cast<size_t>(ASN1_STRING_length(*content)) == doc.size() &&
                          std::equal(doc.begin(), doc.end(), ASN1_STRING_get0_data(*content));
        if (!same)
            for (auto& s : report.signers) {
                add(s, FindingCode::hash_mismatch, FindingScope::signer, "the given document differs from the content embedded in the signature");
                set_indication(s);
            }
    }
    if (!o.extract_path.empty()) {
        ASN1_OCTET_STRING** content = CMS_get0_content(cms.get());
        if (report.detached || content == nullptr || *content == nullptr)
            throw Error(Errc::usage, "cannot extract the content: the signature is detached");
        write_file_atomic(o.extract_path,
                          std::span(ASN1_STRING_get0_data(*content), static_cast<size_t>(ASN1_STRING_length(*content))),
                          WriteOptions{o.force, 0644});
    }
    report.valid = !report.signers.empty();
    for (const auto& s : report.signers) report.valid = report.valid && s.valid;
    if (!o.roster_file.empty()) {
        report.roster = detail::check_roster(o.roster_file, report.signers);
        report.valid = report.valid && report.roster->satisfied();
    }
    ERR_clear_error();
    return report;
}

json detail::signer_json(const SignerReport& s) {
    json e;
    e["subject"] = s.subject;
    e["issuer"] = s.issuer;
    e["serial"] = s.serial;
    e["signing_time"] = opt_time(s.signing_time);
    e["timestamp_time"] = opt_time(s.timestamp_time);
    e["validation_time"] = format_iso8601(s.validation_time);
    e["validation_time_source"] = to_string(s.validation_time_source);
    e["level"] = s.level;
    auto ats = json::array();
    for (auto t : s.archive_timestamps) ats.push_back(format_iso8601(t));
    e["archive_timestamps"] = ats;
    e["digest_algorithm"] = s.digest_algorithm;
    e["signature_algorithm"] = s.signature_algorithm;
    e["chain"] = s.chain;
    e["revocation"] = to_string(s.revocation);
    if (s.revocation_time) {
        e["revocation_time"] = format_iso8601(*s.revocation_time);
        e["revocation_reason"] = s.revocation_reason.empty() ? json(nullptr) : json(s.revocation_reason);
    }
    e["cades"] = s.cades;
    e["valid"] = s.valid;
    e["indication"] = to_string(s.indication);
    e["sub_indication"] = s.sub_indication == SubIndication::none ? json(nullptr) : json(to_string(s.sub_indication));
    e["findings"] = detail::findings_json(s.findings);
    e["errors"] = s.errors;
    e["warnings"] = s.warnings;
    return e;
}

std::string VerifyReport::to_json() const {
    json j;
    j["valid"] = valid;
    j["detached"] = detached;
    j["content_type"] = content_type;
    j["validation_policy"] = {{"name", policy_name}, {"sha256", policy_sha256}};
    json arr = json::array();
    for (const auto& s : signers) arr.push_back(detail::signer_json(s));
    j["signers"] = arr;
    if (roster) j["roster"] = detail::roster_json(*roster);
    return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string detail::signer_text(const SignerReport& s, bool jalali, const std::string& level_prefix) {
    std::string out;
    out += "  subject:    " + s.subject + "\n";
    if (!s.issuer.empty()) out += "  issuer:     " + s.issuer + "\n";
    out += "  serial:     " + s.serial + "\n";
    if (s.signing_time) out += "  signed at:  " + format_human(*s.signing_time, jalali) + " (claimed by the signer)\n";
    if (s.timestamp_time) out += "  timestamp:  " + format_human(*s.timestamp_time, jalali) + " (proven by the TSA)\n";
    static const char* sources[] = {"now: nothing proves an earlier time", "the signature timestamp",
                                    "the earliest archive timestamp", "--at"};
    out += "  validated:  at " + format_human(s.validation_time, jalali) + " (" +
           sources[static_cast<int>(s.validation_time_source)] + ")\n";
    for (auto t : s.archive_timestamps) out += "  archived:   " + format_human(t, jalali) + " (archive timestamp)\n";
    if (!s.level.empty()) out += "  level:      " + level_prefix + s.level + "\n";
    out += "  algorithms: " + s.digest_algorithm + (s.signature_algorithm.empty() ? "" : ", " + s.signature_algorithm) + "\n";
    if (!s.chain.empty()) {
        out += "  chain:      ";
        for (size_t k = 0; k < s.chain.size(); ++k) out += (k ? "\n              <- " : "") + s.chain[k];
        out += "\n";
    }
    out += std::string("  revocation: ") + to_string(s.revocation);
    if (s.revocation_time)
        out += " (revoked " + format_human(*s.revocation_time, jalali) +
               (s.revocation_reason.empty() ? std::string() : ", " + s.revocation_reason) +
               (s.revocation == RevocationStatus::revoked_after_proof ? ", after the proven time: the signature stands)" : ")");
    out += "\n";
    for (const auto& e : s.errors) out += "  error:      " + e + "\n";
    for (const auto& w : s.warnings) out += "  note:       " + w + "\n";
    return out;
}

std::string VerifyReport::to_text(bool jalali) const {
    std::string out;
    out += std::string("Signature: ") + (detached ? "detached" : "attached") + ", " + std::to_string(signers.size()) +
           (signers.size() == 1 ? " signer" : " signers") + ", content " + content_type + "\n";
    for (size_t i = 0; i < signers.size(); ++i) {
        const auto& s = signers[i];
        out += "Signer " + std::to_string(i + 1) + ": " + (s.valid ? "VALID" : "NOT VALID (" + std::string(to_string(s.indication)) + " / " + to_string(s.sub_indication) + ")") + "\n";
        out += detail::signer_text(s, jalali);
    }
    if (roster) out += detail::roster_text(*roster);
    size_t ok = 0;
    for (const auto& s : signers) ok += s.valid ? 1 : 0;
    if (signers.empty()) out += "No signers: a certificates-only SignedData signs nothing\n";
    out += "Policy: " + policy_name + " (sha256 " + policy_sha256.substr(0, 16) + "...)\n";
    out += std::string("Result: ") + (valid ? "VALID" : "NOT VALID") + " (" + std::to_string(ok) + " of " +
           std::to_string(signers.size()) + " signatures valid)\n";
    return out;
}

}  // namespace tsign
