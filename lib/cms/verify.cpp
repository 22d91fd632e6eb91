// Verification of CMS SignedData per signer, with ETSI EN 319 102-1 indications.
#include <optional>

#include <nlohmann/json.hpp>
#include <openssl/err.h>
#include <openssl/ess.h>

#include "cms/cms_util.hpp"
#include "cms/roster.hpp"
#include "cms/ltv.hpp"
#include "tsign/cms.hpp"
#include "tsign/error.hpp"
#include "tsign/time.hpp"
#include "tsign/tsp.hpp"
#include "tsp/tsp_impl.hpp"
#include "x509/chain.hpp"

namespace tsign {

// Stable strings of findings.hpp. Stop-gap of the roster branch so that it builds: the lead's
// verification engine (which replaces this file) defines these.
namespace {
const std::pair<SubIndication, const char*> kSubIndications[] = {
    {SubIndication::none, ""},
    {SubIndication::format_failure, "FORMAT_FAILURE"},
    {SubIndication::hash_failure, "HASH_FAILURE"},
    {SubIndication::sig_crypto_failure, "SIG_CRYPTO_FAILURE"},
    {SubIndication::revoked, "REVOKED"},
    {SubIndication::sig_constraints_failure, "SIG_CONSTRAINTS_FAILURE"},
    {SubIndication::chain_constraints_failure, "CHAIN_CONSTRAINTS_FAILURE"},
    {SubIndication::certificate_chain_general_failure, "CERTIFICATE_CHAIN_GENERAL_FAILURE"},
    {SubIndication::crypto_constraints_failure, "CRYPTO_CONSTRAINTS_FAILURE"},
    {SubIndication::expired, "EXPIRED"},
    {SubIndication::not_yet_valid, "NOT_YET_VALID"},
    {SubIndication::policy_processing_error, "POLICY_PROCESSING_ERROR"},
    {SubIndication::timestamp_order_failure, "TIMESTAMP_ORDER_FAILURE"},
    {SubIndication::no_signing_certificate_found, "NO_SIGNING_CERTIFICATE_FOUND"},
    {SubIndication::no_certificate_chain_found, "NO_CERTIFICATE_CHAIN_FOUND"},
    {SubIndication::revoked_no_poe, "REVOKED_NO_POE"},
    {SubIndication::revoked_ca_no_poe, "REVOKED_CA_NO_POE"},
    {SubIndication::out_of_bounds_no_poe, "OUT_OF_BOUNDS_NO_POE"},
    {SubIndication::out_of_bounds_not_revoked, "OUT_OF_BOUNDS_NOT_REVOKED"},
    {SubIndication::crypto_constraints_failure_no_poe, "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"},
    {SubIndication::no_poe, "NO_POE"},
    {SubIndication::try_later, "TRY_LATER"},
    {SubIndication::signed_data_not_found, "SIGNED_DATA_NOT_FOUND"},
};
}  // namespace

const char* to_string(Indication v) {
    switch (v) {
        case Indication::total_passed: return "TOTAL_PASSED";
        case Indication::total_failed: return "TOTAL_FAILED";
        case Indication::indeterminate: return "INDETERMINATE";
    }
    return "INDETERMINATE";
}

const char* to_string(SubIndication v) {
    for (const auto& [k, s] : kSubIndications)
        if (k == v) return s;
    return "";
}

const char* to_string(FindingCode v) { return v == FindingCode::not_in_roster ? "not_in_roster" : "chain_error"; }

const char* to_string(FindingScope v) {
    switch (v) {
        case FindingScope::signer: return "signer";
        case FindingScope::chain: return "chain";
        case FindingScope::signature_timestamp: return "signature-timestamp";
        case FindingScope::archive_timestamp: return "archive-timestamp";
        case FindingScope::roster: return "roster";
    }
    return "signer";
}

std::optional<Indication> indication_from_string(std::string_view s) {
    for (auto v : {Indication::total_passed, Indication::total_failed, Indication::indeterminate})
        if (s == to_string(v)) return v;
    return std::nullopt;
}

std::optional<SubIndication> sub_indication_from_string(std::string_view s) {
    for (const auto& [k, name] : kSubIndications)
        if (s == name) return k;
    return std::nullopt;
}

namespace {

using json = nlohmann::ordered_json;

// ETSI EN 319 102-1 §5.2.8 / ETSI TS 119 312: digests and key sizes below these are refused.
bool weak_digest(int nid) {
    return nid == NID_md5 || nid == NID_md4 || nid == NID_md2 || nid == NID_sha1 || nid == NID_mdc2 || nid == NID_ripemd160;
}

std::string weak_key_reason(EVP_PKEY* pk) {
    if (pk == nullptr) return "";
    const int id = EVP_PKEY_get_base_id(pk);
    const int bits = EVP_PKEY_get_bits(pk);
    if ((id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS) && bits < 2048) return "RSA key of " + std::to_string(bits) + " bits (below 2048)";
    if (id == EVP_PKEY_DSA && bits < 2048) return "DSA key of " + std::to_string(bits) + " bits";
    if (id == EVP_PKEY_EC && bits < 256) return "EC key of " + std::to_string(bits) + " bits (below 256)";
    return "";
}

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

void fail_with(SignerReport& r, Indication indication, SubIndication sub, std::string error) {
    if (r.valid || r.indication == Indication::total_passed) {
        r.indication = indication;
        r.sub_indication = sub;
    } else if (indication == Indication::total_failed && r.indication != Indication::total_failed) {
        r.indication = indication;  // a definite failure outranks an indeterminate one
        r.sub_indication = sub;
    }
    r.valid = false;
    r.errors.push_back(std::move(error));
}

/// What a signer is checked with besides its SignerInfo.
struct SignerContext {
    BIO* content_chain;             // the digest BIOs the content went through
    STACK_OF(X509) * offered;       // certificates of the message, carried by signers, and given
    const detail::Evidence* carried;  // revocation data carried by the signers (CAdES-LT)
    const Bytes* der;               // the SignedData (DER), for archive timestamps
    int index;                      // the signer's position
};

SignerReport check_signer(CMS_SignerInfo* si, const SignerContext& ctx, const detail::TrustMaterial& tm, const VerifyOptions& o) {
    BIO* content_chain = ctx.content_chain;
    STACK_OF(X509)* msg_certs = ctx.offered;
    SignerReport r;
    r.valid = true;
    r.indication = Indication::total_passed;
    EVP_PKEY* pk = nullptr;
    X509* signer_field = nullptr;
    X509_ALGOR* dig = nullptr;
    X509_ALGOR* sig = nullptr;
    CMS_SignerInfo_get0_algs(si, &pk, &signer_field, &dig, &sig);
    r.digest_algorithm = detail::algorithm_name(dig);
    r.signature_algorithm = detail::algorithm_name(sig);
    r.signing_time = detail::signing_time_of(si);

    X509* cert = detail::find_signer_cert(si, msg_certs, nullptr);
    if (cert == nullptr) {
        ASN1_OCTET_STRING* keyid = nullptr;
        X509_NAME* issuer = nullptr;
        ASN1_INTEGER* serial = nullptr;
        if (CMS_SignerInfo_get0_signer_id(si, &keyid, &issuer, &serial) == 1) {
            if (issuer) r.issuer = ossl::name_to_utf8(issuer);
            if (serial) r.serial = ossl::serial_hex(serial);
        }
        fail_with(r, Indication::indeterminate, SubIndication::no_signing_certificate_found, "the signer's certificate is neither in the signature nor given with --untrusted");
        ERR_clear_error();
        return r;
    }
    r.subject = ossl::name_to_utf8(X509_get_subject_name(cert));
    r.issuer = ossl::name_to_utf8(X509_get_issuer_name(cert));
    r.serial = ossl::serial_hex(X509_get0_serialNumber(cert));
    r.certificate = ossl::to_der(cert, i2d_X509);
    CMS_SignerInfo_set1_signer_cert(si, cert);

    // ETSI EN 319 102-1 §5.2.8 cryptographic constraints.
    const ASN1_OBJECT* dobj = nullptr;
    X509_ALGOR_get0(&dobj, nullptr, nullptr, dig);
    auto weak = [&](std::string what) {
        if (o.allow_weak_algorithms) r.warnings.push_back(what + " (accepted: --allow-weak-algorithms)");
        else fail_with(r, Indication::indeterminate, SubIndication::crypto_constraints_failure, std::move(what));
    };
    if (weak_digest(OBJ_obj2nid(dobj))) weak("weak digest algorithm " + r.digest_algorithm);
    if (const std::string reason = weak_key_reason(X509_get0_pubkey(cert)); !reason.empty()) weak("weak signer key: " + reason);

    // RFC 5652 §5.4 / §5.6: signature value over the signed attributes, then the message digest.
    const bool has_attrs = CMS_signed_get_attr_count(si) >= 0;
    if (has_attrs && CMS_SignerInfo_verify(si) != 1)
        fail_with(r, Indication::total_failed, SubIndication::sig_crypto_failure, "the signature value does not verify (altered signed attributes or wrong key)");
    ERR_clear_error();
    if (CMS_SignerInfo_verify_content(si, content_chain) != 1) {
        if (has_attrs) fail_with(r, Indication::total_failed, SubIndication::hash_failure, "the document does not match the signed message digest (altered document)");
        else fail_with(r, Indication::total_failed, SubIndication::sig_crypto_failure, "the signature value does not verify over the document");
    }
    ERR_clear_error();
    if (has_attrs && !detail::message_digest_of(si))
        fail_with(r, Indication::total_failed, SubIndication::format_failure, "the message-digest signed attribute is missing");

    // RFC 5035: the signing-certificate-v2 attribute binds the certificate actually used.
    const int bound = check_signing_certificate(si, cert, msg_certs);
    r.cades = bound != 0;
    if (bound < 0)
        fail_with(r, Indication::indeterminate, SubIndication::no_signing_certificate_found, "the signing-certificate attribute does not match the signer's certificate");
    else if (bound == 0)
        r.warnings.push_back("no signing-certificate(-v2) attribute: a plain CMS signature, not CAdES");

    // ETSI EN 319 122-1 §5.3 signature-time-stamp: proves the signature existed at its genTime.
    if (auto* tst = static_cast<ASN1_STRING*>(
            CMS_unsigned_get0_data_by_OBJ(si, OBJ_nid2obj(NID_id_smime_aa_timeStampToken), -3, V_ASN1_SEQUENCE))) {
        ASN1_OCTET_STRING* sigval = CMS_SignerInfo_get0_signature(si);
        const Bytes token(ASN1_STRING_get0_data(tst), ASN1_STRING_get0_data(tst) + ASN1_STRING_length(tst));
        try {
            const TimestampReport ts = detail::verify_timestamp_over(
                token, std::span(ASN1_STRING_get0_data(sigval), static_cast<size_t>(ASN1_STRING_length(sigval))), o.chain,
                msg_certs, ctx.carried);
            if (ts.valid) {
                r.timestamp_time = ts.time;
                if (r.signing_time && *r.signing_time > ts.time + 300)
                    fail_with(r, Indication::indeterminate, SubIndication::timestamp_order_failure, "the claimed signing time is after the signature timestamp");
            } else {
                for (const auto& e : ts.errors) fail_with(r, Indication::indeterminate, SubIndication::sig_constraints_failure, "signature timestamp: " + e);
            }
        } catch (const Error& e) {
            fail_with(r, Indication::indeterminate, SubIndication::format_failure, std::string("signature timestamp: ") + e.what());
        }
    }

    // ETSI EN 319 122-1 §5.5.3 archive-time-stamp-v3: over the content, this SignerInfo and the
    // validation data indexed in its ats-hash-index-v3 (which may grow, never shrink or change).
    const std::vector<Bytes> archive_tokens = detail::timestamp_tokens(si, detail::nid_archive_timestamp_v3());
    std::optional<detail::AtsParts> parts;  // the same for every archive timestamp of this signer
    Bytes content_hash;
    if (!archive_tokens.empty()) {
        try {
            parts = detail::ats_parts(*ctx.der, ctx.index);
            content_hash = detail::content_sha256(si, *parts, o.content_path);
        } catch (const Error& e) {
            fail_with(r, Indication::indeterminate, SubIndication::format_failure, std::string("archive timestamp: ") + e.what());
        }
    }
    for (const Bytes& token : archive_tokens) {
        if (!parts) break;
        try {
            const auto index = detail::hash_index_of_token(token);
            if (!index) {
                fail_with(r, Indication::indeterminate, SubIndication::format_failure, "archive timestamp without an ats-hash-index-v3 attribute");
                continue;
            }
            if (const std::string why = detail::check_hash_index(*index, *parts); !why.empty()) {
                fail_with(r, Indication::total_failed, SubIndication::hash_failure, "archive timestamp: " + why);
                continue;
            }
            const Bytes imprint = detail::ats_imprint(*parts, content_hash, *index);
            const TimestampReport ats = detail::verify_timestamp_digest(token, imprint, o.chain, msg_certs, ctx.carried);
            if (ats.valid) r.archive_timestamps.push_back(ats.time);
            else for (const auto& e : ats.errors) fail_with(r, Indication::indeterminate, SubIndication::sig_constraints_failure, "archive timestamp: " + e);
        } catch (const Error& e) {
            fail_with(r, Indication::indeterminate, SubIndication::format_failure, std::string("archive timestamp: ") + e.what());
        }
    }
    const bool carries_lt = CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_ets_certValues, -1) >= 0 ||
                            CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_ets_revocationValues, -1) >= 0;
    r.level = !r.archive_timestamps.empty() ? "B-LTA" : (carries_lt && r.timestamp_time) ? "B-LT" : r.timestamp_time ? "B-T" : "B-B";

    // RFC 5280 path validation at the proven time of signing (the timestamp), else the claimed one.
    std::optional<std::int64_t> t = o.chain.at;
    if (!t) t = r.timestamp_time ? r.timestamp_time : r.signing_time;
    const ChainReport chain = tm.validate(cert, msg_certs, t, o.chain.at.has_value() || r.timestamp_time.has_value());
    r.chain = chain.chain;
    r.revocation = chain.revocation;
    for (const auto& n : chain.notes) r.warnings.push_back(n);
    if (!chain.valid) {
        for (const auto& f : chain.findings) {
            std::string where = f.depth == 0 ? "signer certificate" : "certificate at depth " + std::to_string(f.depth);
            const bool revoked = f.code == "revoked";
            fail_with(r, revoked ? Indication::total_failed : indication_from_string(chain.indication).value_or(Indication::indeterminate),
                      revoked ? SubIndication::revoked : sub_indication_from_string(chain.sub_indication).value_or(SubIndication::none),
                      where + (f.subject.empty() ? "" : " (" + f.subject + ")") + ": " + f.message);
        }
    }
    return r;
}

json opt_time(const std::optional<std::int64_t>& t) { return t ? json(format_iso8601(*t)) : json(nullptr); }

}  // namespace

VerifyReport verify_signature(const Bytes& signature, const VerifyOptions& o) {
    ossl::BioPtr smime_content;
    detail::CmsPtr cms = detail::parse_signed_data(signature, "the signature", &smime_content);
    // Signer certificates must allow signing (RFC 5280 §4.2.1.3: digitalSignature or nonRepudiation).
    ChainOptions chain_options = o.chain;
    if (chain_options.purpose == Purpose::any) chain_options.purpose = Purpose::signing;
    detail::TrustMaterial tm(chain_options);
    if (o.chain.trust_files.empty()) throw Error(Errc::usage, "no trust anchor given", "use --trust FILE");
    VerifyReport report;
    report.detached = CMS_is_detached(cms.get()) == 1;
    const ASN1_OBJECT* ctype = CMS_get0_eContentType(cms.get());
    report.content_type = ctype ? OBJ_nid2ln(OBJ_obj2nid(ctype)) : "?";
    STACK_OF(CMS_SignerInfo)* sis = CMS_get0_SignerInfos(cms.get());
    if (sk_CMS_SignerInfo_num(sis) <= 0) {
        report.valid = false;  // RFC 5652 §5.1: a degenerate SignedData (certificates only) signs nothing
        return report;
    }
    if (report.detached && o.content_path.empty() && !smime_content)
        throw Error(Errc::usage, "the signature is detached: give the signed document", "tsign verify SIG DOC, or --content DOC");

    ossl::BioPtr file;
    if (smime_content && o.content_path.empty()) {
        file = std::move(smime_content);  // the signed part of a multipart/signed message
    } else if (!o.content_path.empty()) {
        file.reset(o.content_path == "-" ? BIO_new_fp(stdin, BIO_NOCLOSE) : BIO_new_file(o.content_path.c_str(), "rb"));
        if (!file) {
            ERR_clear_error();
            (void)read_file(o.content_path);
            throw Error(Errc::file_unreadable, "cannot read '" + o.content_path + "'");
        }
    }
    // One streamed pass computes the digests of all signers (a digest BIO per algorithm).
    BIO* chain = CMS_dataInit(cms.get(), report.detached ? file.get() : nullptr);
    if (chain == nullptr) ossl::fail(Errc::unsupported, "cannot verify: unsupported digest algorithm or content in the SignedData");
    std::vector<unsigned char> buf(1 << 16);
    for (;;) {
        const int n = BIO_read(chain, buf.data(), static_cast<int>(buf.size()));
        if (n <= 0) break;
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
    tm.add_evidence(carried.crls, carried.ocsp);
    const detail::OfferedCertificates offered = detail::offer_certificates(msg_certs.get(), carried.certificates, tm.untrusted());
    const Bytes der = (!ossl::looks_like_pem(signature) && !signature.empty() && signature[0] == 0x30) ? signature : detail::cms_der(cms.get());
    for (int i = 0; i < sk_CMS_SignerInfo_num(sis); ++i)
        report.signers.push_back(check_signer(sk_CMS_SignerInfo_value(sis, i), {chain, offered.stack.get(), &carried, &der, i}, tm, o));
    // Free the digest BIOs we pushed on top of the caller's file BIO.
    if (report.detached) BIO_pop(file.get());
    while (chain != nullptr && chain != file.get()) {
        BIO* next = BIO_pop(chain);
        BIO_free(chain);
        chain = next;
    }

    if (!report.detached && !o.content_path.empty()) {
        // An attached signature and a document: they must be the same bytes.
        ASN1_OCTET_STRING** content = CMS_get0_content(cms.get());
        const Bytes doc = read_file(o.content_path);
        const bool same = content && *content && static_cast<size_t>(ASN1_STRING_length(*content)) == doc.size() &&
                          std::equal(doc.begin(), doc.end(), ASN1_STRING_get0_data(*content));
        if (!same)
            for (auto& s : report.signers)
                fail_with(s, Indication::total_failed, SubIndication::hash_failure, "the given document differs from the content embedded in the signature");
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

std::string VerifyReport::to_json() const {
    json j;
    j["valid"] = valid;
    j["detached"] = detached;
    j["content_type"] = content_type;
    json arr = json::array();
    for (const auto& s : signers) {
        json e;
        e["subject"] = s.subject;
        e["issuer"] = s.issuer;
        e["serial"] = s.serial;
        e["signing_time"] = opt_time(s.signing_time);
        e["timestamp_time"] = opt_time(s.timestamp_time);
        e["level"] = s.level;
        auto ats = json::array();
        for (auto t : s.archive_timestamps) ats.push_back(format_iso8601(t));
        e["archive_timestamps"] = ats;
        e["digest_algorithm"] = s.digest_algorithm;
        e["signature_algorithm"] = s.signature_algorithm;
        e["chain"] = s.chain;
        e["revocation"] = s.revocation;
        e["cades"] = s.cades;
        e["valid"] = s.valid;
        e["indication"] = to_string(s.indication);
        e["sub_indication"] = s.sub_indication == SubIndication::none ? json(nullptr) : json(to_string(s.sub_indication));
        auto findings = json::array();
        for (const auto& f : s.findings)
            findings.push_back({{"code", to_string(f.code)}, {"scope", to_string(f.scope)}, {"message", f.message}});
        e["findings"] = findings;
        e["errors"] = s.errors;
        e["warnings"] = s.warnings;
        arr.push_back(e);
    }
    j["signers"] = arr;
    if (roster) j["roster"] = detail::roster_json(*roster);
    return j.dump(2);
}

std::string VerifyReport::to_text(bool jalali) const {
    std::string out;
    out += std::string("Signature: ") + (detached ? "detached" : "attached") + ", " + std::to_string(signers.size()) +
           (signers.size() == 1 ? " signer" : " signers") + ", content " + content_type + "\n";
    for (size_t i = 0; i < signers.size(); ++i) {
        const auto& s = signers[i];
        out += "Signer " + std::to_string(i + 1) + ": " + (s.valid ? "VALID" : "NOT VALID (" + std::string(to_string(s.indication)) + " / " + to_string(s.sub_indication) + ")") + "\n";
        out += "  subject:    " + s.subject + "\n";
        out += "  issuer:     " + s.issuer + "\n";
        out += "  serial:     " + s.serial + "\n";
        if (s.signing_time) out += "  signed at:  " + format_human(*s.signing_time, jalali) + " (claimed by the signer)\n";
        if (s.timestamp_time) out += "  timestamp:  " + format_human(*s.timestamp_time, jalali) + " (proven by the TSA)\n";
        for (auto t : s.archive_timestamps) out += "  archived:   " + format_human(t, jalali) + " (archive timestamp)\n";
        if (!s.level.empty()) out += "  level:      CAdES " + s.level + "\n";
        out += "  algorithms: " + s.digest_algorithm + ", " + s.signature_algorithm + "\n";
        if (!s.chain.empty()) {
            out += "  chain:      ";
            for (size_t k = 0; k < s.chain.size(); ++k) out += (k ? "\n              <- " : "") + s.chain[k];
            out += "\n";
        }
        out += "  revocation: " + s.revocation + "\n";
        for (const auto& e : s.errors) out += "  error:      " + e + "\n";
        for (const auto& w : s.warnings) out += "  note:       " + w + "\n";
    }
    if (roster) out += detail::roster_text(*roster);
    size_t ok = 0;
    for (const auto& s : signers) ok += s.valid ? 1 : 0;
    if (signers.empty()) out += "No signers: a certificates-only SignedData signs nothing\n";
    out += std::string("Result: ") + (valid ? "VALID" : "NOT VALID") + " (" + std::to_string(ok) + " of " +
           std::to_string(signers.size()) + " signatures valid)\n";
    return out;
}

}  // namespace tsign
