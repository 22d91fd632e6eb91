#include "x509/chain.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <nlohmann/json.hpp>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "core/io_impl.hpp"
#include "keys/signer_impl.hpp"
#include "x509/revocation.hpp"
#include "tsign/error.hpp"
#include "tsign/time.hpp"

namespace tsign {

RevocationMode parse_revocation_mode(const std::string& text) {
    if (text == "auto") return RevocationMode::automatic;
    if (text == "require") return RevocationMode::require;
    if (text == "off") return RevocationMode::off;
    throw Error(Errc::usage, "invalid revocation mode '" + text + "'", "use auto, require or off");
}

const char* to_string(RevocationStatus status) {
    switch (status) {
    case RevocationStatus::good: return "good";
    case RevocationStatus::revoked: return "revoked";
    case RevocationStatus::unknown: return "unknown";
    case RevocationStatus::revoked_after_proof: return "revoked_after_proof";
    case RevocationStatus::not_checked: break;
    }
    return "not_checked";
}

Purpose parse_purpose(const std::string& text) {
    if (text == "any") return Purpose::any;
    if (text == "signing") return Purpose::signing;
    if (text == "timestamping") return Purpose::timestamping;
    if (text == "ocsp") return Purpose::ocsp;
    throw Error(Errc::usage, "invalid purpose '" + text + "'", "use signing, timestamping, ocsp or any");
}

std::string ChainReport::to_json() const {
    nlohmann::ordered_json j;
    j["valid"] = valid;
    j["indication"] = to_string(indication);
    j["sub_indication"] = sub_indication == SubIndication::none ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(to_string(sub_indication));
    j["validation_time"] = validation_time ? nlohmann::ordered_json(format_iso8601(validation_time)) : nlohmann::ordered_json(nullptr);
    j["validation_policy"] = {{"name", policy_name}, {"sha256", policy_sha256}};
    j["chain"] = chain;
    j["revocation"] = to_string(revocation);
    if (revocation_time) {
        j["revocation_time"] = format_iso8601(*revocation_time);
        j["revocation_reason"] =
            revocation_reason.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(revocation_reason);
    }
    auto arr = nlohmann::ordered_json::array();
    for (const auto& f : findings)
        arr.push_back({{"depth", f.depth}, {"subject", f.subject}, {"code", to_string(f.code)}, {"message", f.message}});
    j["findings"] = arr;
    j["warnings"] = notes;
    return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace detail {

std::vector<ossl::X509Ptr> load_certificates(const std::string& path) {
    const Bytes data = read_input_limited(path, kMaxCertificateFileBytes, "certificates '" + path + "'");
    std::vector<ossl::X509Ptr> out;
    if (ossl::looks_like_pem(data)) {
        auto bio = ossl::mem_bio(data);
        for (;;) {
            X509* x = PEM_read_bio_X509(bio.get(), nullptr, ossl::no_passphrase, nullptr);
            if (x == nullptr) break;
            out.emplace_back(x);
        }
        const unsigned long e = ERR_peek_last_error();
        if (ERR_GET_REASON(e) == PEM_R_NO_START_LINE) ERR_clear_error();
        else if (e != 0 || out.empty()) ossl::fail(Errc::malformed, "cannot read certificates from '" + path + "': malformed PEM");
    } else {
        const unsigned char* p = data.data();
        ossl::X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(data.size())));
        if (!x || p != data.data() + data.size())
            ossl::fail(Errc::malformed, "cannot read certificate '" + path + "': malformed or truncated");
        out.push_back(std::move(x));
    }
    if (out.empty()) throw Error(Errc::malformed, "cannot read certificates from '" + path + "': none found");
    return out;
}

std::vector<ossl::X509CrlPtr> load_crls(const std::string& path) {
    const Bytes data = read_input_limited(path, kMaxCrlFileBytes, "CRL '" + path + "'");
    std::vector<ossl::X509CrlPtr> out;
    if (ossl::looks_like_pem(data)) {
        auto bio = ossl::mem_bio(data);
        for (;;) {
            X509_CRL* c = PEM_read_bio_X509_CRL(bio.get(), nullptr, ossl::no_passphrase, nullptr);
            if (c == nullptr) break;
            out.emplace_back(c);
        }
        ERR_clear_error();
    } else {
        const unsigned char* p = data.data();
        ossl::X509CrlPtr c(d2i_X509_CRL(nullptr, &p, static_cast<long>(data.size())));
        if (c && p == data.data() + data.size()) out.push_back(std::move(c));
    }
    if (out.empty()) ossl::fail(Errc::malformed, "cannot read CRL '" + path + "': malformed, truncated or not a CRL");
    return out;
}

TrustMaterial::TrustMaterial(const ChainOptions& options) : options_(options), policy_(Policy::load(options.validation_policy_file)) {
    for (const auto& f : options.trust_files)
        for (auto& c : load_certificates(f)) trust_.push_back(std::move(c));
    for (const auto& f : options.untrusted_files)
        for (auto& c : load_certificates(f)) untrusted_.push_back(std::move(c));
    for (const auto& f : options.crl_files)
        for (auto& c : load_crls(f)) add_crl(std::move(c), "'" + f + "'");
    for (const auto& f : options.ocsp_files) {
        auto r = ossl::d2i_exact<OCSP_RESPONSE, OCSP_RESPONSE_free>(
            d2i_OCSP_RESPONSE, read_input_limited(f, kMaxOcspFileBytes, "OCSP response '" + f + "'"));
        if (!r) ossl::fail(Errc::malformed, "cannot read OCSP response '" + f + "': malformed or truncated (DER expected)");
        ocsp_.push_back(std::move(r));
    }
    options_.fetch = options.fetch && network_allowed_by_environment();
    if (options_.cache_dir.empty()) options_.cache_dir = default_cache_dir();
    for (const auto& p : options.policies) {
        ossl::Asn1ObjPtr obj(OBJ_txt2obj(p.c_str(), 0));
        if (!obj) {
            ERR_clear_error();
            throw Error(Errc::usage, "invalid policy OID '" + p + "'");
        }
    }
    for (const auto& e : options.ekus) {
        ossl::Asn1ObjPtr obj(OBJ_txt2obj(e.c_str(), 0));
        if (!obj) {
            ERR_clear_error();
            throw Error(Errc::usage, "invalid extended key usage '" + e + "'");
        }
    }
}

namespace {

/// An RFC 5280 §5.1.2.4 time: UTCTime YYMMDDHHMMSSZ or GeneralizedTime YYYYMMDDHHMMSSZ that converts.
bool rfc5280_time(const ASN1_TIME* t) {
    if (t == nullptr) return false;
    const int type = ASN1_STRING_type(t);
    const int len = ASN1_STRING_length(t);
    if (!((type == V_ASN1_UTCTIME && len == 13) || (type == V_ASN1_GENERALIZEDTIME && len == 15))) return false;
    const unsigned char* d = ASN1_STRING_get0_data(t);
    for (int i = 0; i + 1 < len; ++i)
        if (d[i] < '0' || d[i] > '9') return false;
    struct tm tm {};
    const bool ok = d[len - 1] == 'Z' && ASN1_TIME_to_tm(t, &tm) == 1;
    ERR_clear_error();
    return ok;
}

}  // namespace

void TrustMaterial::add_crl(ossl::X509CrlPtr c, const std::string& source) {
    // A CRL whose thisUpdate or nextUpdate is not a valid time says nothing usable. It is not
    // offered to OpenSSL either: OpenSSL 3.0's CRL lookup (get_crl_sk) takes a reference to such
    // a "near match" that it never releases (see tests/data/hostile/FINDINGS.md, verify-crl-leak).
    const ASN1_TIME* next = X509_CRL_get0_nextUpdate(c.get());
    if (!rfc5280_time(X509_CRL_get0_lastUpdate(c.get())) || (next != nullptr && !rfc5280_time(next))) {
        notes_.push_back("CRL from " + source + " (issuer " + ossl::name_to_utf8(X509_CRL_get_issuer(c.get())) +
                         ") ignored: its thisUpdate or nextUpdate is not a valid time (RFC 5280 §5.1.2.4)");
        return;
    }
    // RFC 5280 §5.2.3: conforming CRLs carry a CRL number; a CRL without one is not used.
    ossl::Asn1IntPtr num(static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(c.get(), NID_crl_number, nullptr, nullptr)));
    ERR_clear_error();
    if (!num) {
        notes_.push_back("CRL from " + source + " (issuer " + ossl::name_to_utf8(X509_CRL_get_issuer(c.get())) +
                         ") ignored: it has no CRL number (RFC 5280 §5.2.3)");
        return;
    }
    crls_.push_back(std::move(c));
}

void TrustMaterial::add_evidence(const std::vector<Bytes>& crls, const std::vector<Bytes>& ocsp_responses) {
    for (const auto& der : crls)
        if (auto c = ossl::d2i_exact<X509_CRL, X509_CRL_free>(d2i_X509_CRL, der)) add_crl(std::move(c), "the signature");
    for (const auto& der : ocsp_responses)
        if (auto r = ossl::d2i_exact<OCSP_RESPONSE, OCSP_RESPONSE_free>(d2i_OCSP_RESPONSE, der)) ocsp_.push_back(std::move(r));
    ERR_clear_error();
}

namespace {

bool is_crl_error(int err) {
    return err == X509_V_ERR_UNABLE_TO_GET_CRL || err == X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER ||
           err == X509_V_ERR_CRL_HAS_EXPIRED || err == X509_V_ERR_CRL_NOT_YET_VALID;
}

struct State {
    RevocationMode mode;
    std::optional<std::int64_t> at;
    bool at_proven = false;
    Purpose purpose = Purpose::any;
    STACK_OF(X509_CRL) * crls = nullptr;
    std::vector<CertFinding> findings;
    std::vector<std::string> notes;
    std::set<int> crl_unknown_depths;
    std::map<int, OcspVerdict> ocsp;          // definitive OCSP answers (good / revoked) by depth
    std::map<int, std::string> unreachable;   // why no revocation data could be had, by depth
    std::map<int, std::string> stale;         // OCSP responses too old for the policy, by depth
    std::vector<X509_CRL*> stale_crls;        // CRLs too old for the policy (not offered to OpenSSL)
    std::set<int> weak_evidence;              // depths whose revocation data the policy refused (reported already)
    struct Revocation {
        std::int64_t time = 0;
        std::string reason;  // empty: none given
    };
    std::map<int, Revocation> revoked_after_proof;  // revoked after the proven time, by depth
};

/// RFC 3161 §4 / EN 319 102-1: a TSA whose key is (or may be) compromised makes every token it
/// signed untrustworthy, whatever its genTime. Reasons that say so: none given, unspecified,
/// keyCompromise, cACompromise, aACompromise.
/// The CRLs (of those offered) that cert's issuer issued, matched by name.
std::vector<X509_CRL*> crls_by_issuer(STACK_OF(X509_CRL) * crls, X509* cert) {
    std::vector<X509_CRL*> out;
    for (int i = 0; crls && i < sk_X509_CRL_num(crls); ++i)
        if (X509_NAME_cmp(X509_CRL_get_issuer(sk_X509_CRL_value(crls, i)), X509_get_issuer_name(cert)) == 0)
            out.push_back(sk_X509_CRL_value(crls, i));
    return out;
}

bool has_finding(const std::vector<CertFinding>& findings, int depth, FindingCode code) {
    for (const auto& f : findings)
        if (f.depth == depth && f.code == code) return true;
    return false;
}

/// Only the reasons that say the key is fine spare the TSA's tokens: affiliationChanged,
/// superseded, cessationOfOperation, certificateHold, privilegeWithdrawn. Anything else (none,
/// unspecified, a compromise, removeFromCRL in a base CRL, a value RFC 5280 §5.3.1 does not define)
/// is treated as a compromise.
bool compromise_reason(int reason) {
    return !(reason == OCSP_REVOKED_STATUS_AFFILIATIONCHANGED || reason == OCSP_REVOKED_STATUS_SUPERSEDED ||
             reason == OCSP_REVOKED_STATUS_CESSATIONOFOPERATION || reason == OCSP_REVOKED_STATUS_CERTIFICATEHOLD ||
             reason == 9 /* privilegeWithdrawn */);
}

bool compromise_reason(const std::string& ocsp_reason) {
    return !(ocsp_reason == "affiliationChanged" || ocsp_reason == "superseded" || ocsp_reason == "cessationOfOperation" ||
             ocsp_reason == "certificateHold" || ocsp_reason == "privilegeWithdrawn");
}

/// RFC 5280 §5.3.2: when the key is known to have been compromised before the revocation date,
/// the invalidity date says since when; the earlier of the two counts.
std::int64_t effective_revocation_time(X509_REVOKED* rev) {
    std::int64_t t = ossl::asn1_time_to_unix(X509_REVOKED_get0_revocationDate(rev));
    ossl::Ptr<ASN1_GENERALIZEDTIME, ASN1_GENERALIZEDTIME_free> inv(
        static_cast<ASN1_GENERALIZEDTIME*>(X509_REVOKED_get_ext_d2i(rev, NID_invalidity_date, nullptr, nullptr)));
    ERR_clear_error();
    if (inv && ASN1_TIME_check(inv.get()) == 1) t = std::min<std::int64_t>(t, ossl::asn1_time_to_unix(inv.get()));
    return t;
}

int crl_reason(X509_REVOKED* rev) {
    ossl::Ptr<ASN1_ENUMERATED, ASN1_ENUMERATED_free> r(
        static_cast<ASN1_ENUMERATED*>(X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, nullptr, nullptr)));
    ERR_clear_error();
    return r ? static_cast<int>(ASN1_ENUMERATED_get(r.get())) : -1;
}

FindingCode code_of(int err) {
    switch (err) {
    case X509_V_ERR_CERT_HAS_EXPIRED: return FindingCode::certificate_expired;
    case X509_V_ERR_CERT_NOT_YET_VALID: return FindingCode::certificate_not_yet_valid;
    case X509_V_ERR_CERT_REVOKED: return FindingCode::revoked;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE: return FindingCode::no_chain_to_trust_anchor;
    case X509_V_ERR_UNABLE_TO_GET_CRL:
    case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER: return FindingCode::revocation_unknown;
    case X509_V_ERR_CRL_HAS_EXPIRED:
    case X509_V_ERR_CRL_NOT_YET_VALID: return FindingCode::crl_out_of_date;
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_CRL_SIGNATURE_FAILURE: return FindingCode::bad_signature;
    case X509_V_ERR_INVALID_CA: return FindingCode::invalid_ca;
    case X509_V_ERR_PATH_LENGTH_EXCEEDED: return FindingCode::path_length_exceeded;
    case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
    case X509_V_ERR_KEYUSAGE_NO_CRL_SIGN:
    case X509_V_ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE: return FindingCode::key_usage;
    case X509_V_ERR_INVALID_POLICY_EXTENSION:
    case X509_V_ERR_NO_EXPLICIT_POLICY: return FindingCode::policy;
    case X509_V_ERR_PERMITTED_VIOLATION:
    case X509_V_ERR_EXCLUDED_VIOLATION:
    case X509_V_ERR_SUBTREE_MINMAX:
    case X509_V_ERR_UNSUPPORTED_CONSTRAINT_TYPE:
    case X509_V_ERR_UNSUPPORTED_CONSTRAINT_SYNTAX:
    case X509_V_ERR_UNSUPPORTED_NAME_SYNTAX: return FindingCode::name_constraints;
    case X509_V_ERR_INVALID_PURPOSE: return FindingCode::purpose;
    case X509_V_ERR_CA_KEY_TOO_SMALL:
    case X509_V_ERR_EE_KEY_TOO_SMALL:
    case X509_V_ERR_CA_MD_TOO_WEAK: return FindingCode::weak_algorithm;
    default: return FindingCode::chain_error;
    }
}

int verify_cb_checked(int ok, X509_STORE_CTX* ctx) {
    if (ok) return ok;
    auto* st = static_cast<State*>(X509_STORE_CTX_get_app_data(ctx));
    // OpenSSL validates the path of a CRL signer in a context of its own, without our state:
    // there the failure must stand, and the outer validation reports the CRL as unusable.
    if (st == nullptr) return ok;
    const int err = X509_STORE_CTX_get_error(ctx);
    const int depth = X509_STORE_CTX_get_error_depth(ctx);
    X509* cert = X509_STORE_CTX_get_current_cert(ctx);
    const std::string subject = cert ? ossl::name_to_utf8(X509_get_subject_name(cert)) : "";
    // RFC 5280 §6.1: not checked by path validation (see the flags in validate()).
    if (err == X509_V_ERR_CA_BCONS_NOT_CRITICAL || err == X509_V_ERR_CA_CERT_MISSING_KEY_USAGE) return 1;
    // An OCSP answer about this certificate stands in for a missing or out-of-date CRL
    // (a revoked answer is judged after path validation). A CRL that lists the certificate as
    // revoked is not overridden by a "good" answer: revocation is final. Only a certificateHold
    // that a newer OCSP answer says was released gives way.
    if ((is_crl_error(err) || err == X509_V_ERR_CERT_REVOKED) && st->ocsp.count(depth)) {
        if (err != X509_V_ERR_CERT_REVOKED) return 1;
        // The CRL's revocation is judged below (its date against the proven time), whatever the
        // OCSP answer says: a "revoked later" answer cannot move an earlier revocation.
        const OcspVerdict& answer = st->ocsp.at(depth);
        bool listed = false, released_hold = cert != nullptr && answer.status == "good";
        for (X509_CRL* crl : cert ? crls_by_issuer(st->crls, cert) : std::vector<X509_CRL*>{}) {
            X509_REVOKED* rev = nullptr;
            if (X509_CRL_get0_by_cert(crl, &rev, cert) != 1 || rev == nullptr) continue;
            listed = true;
            released_hold = released_hold && crl_reason(rev) == OCSP_REVOKED_STATUS_CERTIFICATEHOLD &&
                            answer.this_update > ossl::asn1_time_to_unix(X509_CRL_get0_lastUpdate(crl));
        }
        ERR_clear_error();
        if (listed && released_hold) {
            st->notes.push_back("'" + subject +
                                "' is on hold in a CRL, but a newer OCSP answer says good: the hold was released");
            return 1;
        }
    }
    // The trust anchor is not part of the path (RFC 5280 §6.1): nothing to say about its revocation.
    if (err == X509_V_ERR_UNABLE_TO_GET_CRL) {
        STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx);
        if (chain && depth == sk_X509_num(chain) - 1 && X509_check_issued(cert, cert) == X509_V_OK) return 1;
    }
    // RFC 5280 §4.1.2.5: the validity period includes notAfter; OpenSSL counts that second as expired.
    if (err == X509_V_ERR_CERT_HAS_EXPIRED && cert != nullptr && st->at &&
        ossl::asn1_time_to_unix(X509_get0_notAfter(cert)) == *st->at)
        return 1;
    // Validating at a past time: a CRL issued after that time is the best evidence there is.
    if (err == X509_V_ERR_CRL_NOT_YET_VALID && st->at && *st->at < static_cast<std::int64_t>(::time(nullptr))) return 1;
    // A revocation after a proven time of signing does not touch the signature (ETSI EN 319 102-1 §5.6.2.4).
    if (err == X509_V_ERR_CERT_REVOKED && st->at && st->at_proven && cert != nullptr) {
        X509_REVOKED* rev = nullptr;
        X509_CRL* listing = nullptr;
        for (X509_CRL* crl : crls_by_issuer(st->crls, cert)) {
            if (X509_CRL_get0_by_cert(crl, &rev, cert) == 1) {
                listing = crl;
                break;
            }
            rev = nullptr;
        }
        const int reason = rev ? crl_reason(rev) : -1;
        if (rev && st->purpose == Purpose::timestamping && compromise_reason(reason)) {
            st->findings.push_back({depth, subject, FindingCode::revoked,
                                    "TSA certificate revoked on " +
                                        format_iso8601(ossl::asn1_time_to_unix(X509_REVOKED_get0_revocationDate(rev))) + " (" +
                                        (reason < 0 ? std::string("no reason given") : OCSP_crl_reason_str(reason)) +
                                        "): every token it signed is untrustworthy, whatever its time"});
            return 1;
        }
        // A CRL cannot vouch for a revocation later than its own thisUpdate: a date in the future
        // counts as the CRL's time (RFC 5280 §5.3.2 allows no such date).
        if (rev && std::min<std::int64_t>(effective_revocation_time(rev),
                                          ossl::asn1_time_to_unix(X509_CRL_get0_lastUpdate(listing))) > *st->at) {
            st->revoked_after_proof[depth] = {ossl::asn1_time_to_unix(X509_REVOKED_get0_revocationDate(rev)),
                                              reason < 0 ? std::string() : OCSP_crl_reason_str(reason)};
            st->notes.push_back("'" + subject + "' was revoked on " +
                                format_iso8601(ossl::asn1_time_to_unix(X509_REVOKED_get0_revocationDate(rev))) + " (" +
                                (reason < 0 ? std::string("no reason given") : OCSP_crl_reason_str(reason)) + "), after the proven time " +
                                format_iso8601(*st->at));
            return 1;
        }
    }
    if (err == X509_V_ERR_UNABLE_TO_GET_CRL || err == X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER) {
        st->crl_unknown_depths.insert(depth);
        const auto why = st->unreachable.find(depth);
        std::string reason = why == st->unreachable.end() ? "no CRL or OCSP response available" : why->second;
        // Revocation data that exist but are older than the policy allows (revocation max_age).
        if (st->weak_evidence.count(depth)) return 1;
        bool stale = st->stale.count(depth) > 0;
        if (stale) reason = st->stale[depth];
        for (X509_CRL* c : st->stale_crls)
            if (!stale && cert && X509_NAME_cmp(X509_CRL_get_issuer(c), X509_get_issuer_name(cert)) == 0) {
                stale = true;
                reason = "the CRL (thisUpdate " + format_iso8601(ossl::asn1_time_to_unix(X509_CRL_get0_lastUpdate(c))) +
                         ") is older than the validation policy allows";
            }
        if (stale && st->mode != RevocationMode::automatic) {
            st->findings.push_back({depth, subject, FindingCode::revocation_not_fresh, "revocation data not fresh enough: " + reason});
            return 1;
        }
        if (st->mode == RevocationMode::automatic) {
            st->notes.push_back("revocation of '" + subject + "' not checked: " + reason);
            return 1;
        }
        st->findings.push_back({depth, subject, code_of(err),
                                std::string("revocation status unknown: ") + reason +
                                    " (give the issuer's CRL with --crl, or an OCSP response with --ocsp-response)"});
        return 1;
    }
    st->findings.push_back({depth, subject, code_of(err), X509_verify_cert_error_string(err)});
    // Go on: collect every finding; the verdict is made from the findings, never from OpenSSL's return alone.
    return 1;
}

/// OpenSSL's verify callback. Nothing may be thrown through X509_verify_cert(): unwinding its C
/// frames would skip their cleanup (the CRL references its lookup holds leaked that way on a
/// revocation date that is not a valid time) and leave the context half-done. What the checks
/// above cannot judge (malformed times in a CRL entry, ...) is a finding under OpenSSL's error.
int verify_cb(int ok, X509_STORE_CTX* ctx) noexcept {
    try {
        return verify_cb_checked(ok, ctx);
    } catch (const std::exception& e) {
        try {
            if (auto* st = static_cast<State*>(X509_STORE_CTX_get_app_data(ctx))) {
                const int err = X509_STORE_CTX_get_error(ctx);
                X509* cert = X509_STORE_CTX_get_current_cert(ctx);
                st->findings.push_back({X509_STORE_CTX_get_error_depth(ctx),
                                        cert ? ossl::name_to_utf8(X509_get_subject_name(cert)) : "", code_of(err),
                                        std::string(X509_verify_cert_error_string(err)) + " (" + e.what() + ")"});
                return 1;
            }
        } catch (...) {}
        return 0;  // no way to record it: OpenSSL's own failure stands
    }
}

bool critical_ext(X509* x, int nid, bool* present) {
    const int idx = X509_get_ext_by_NID(x, nid, -1);
    *present = idx >= 0;
    return idx >= 0 && X509_EXTENSION_get_critical(X509_get_ext(x, idx));
}

/// RFC 5280 §4.2.1.3 / §4.2.1.12 and RFC 9336: what the end certificate may be used for.
void check_purpose(X509* leaf, const ChainOptions& o, const Policy& policy, std::vector<CertFinding>& findings) {
    if (X509_get_extension_flags(leaf) & EXFLAG_INVALID) return;  // reported as malformed: its extensions say nothing
    const std::string subject = ossl::name_to_utf8(X509_get_subject_name(leaf));
    ossl::Ptr<EXTENDED_KEY_USAGE, EXTENDED_KEY_USAGE_free> eku(
        static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(leaf, NID_ext_key_usage, nullptr, nullptr)));
    ERR_clear_error();
    auto has_eku = [&](const ASN1_OBJECT* want) {
        for (int i = 0; eku && i < sk_ASN1_OBJECT_num(eku.get()); ++i)
            if (OBJ_cmp(sk_ASN1_OBJECT_value(eku.get(), i), want) == 0) return true;
        return false;
    };
    if (o.purpose == Purpose::signing) {
        const uint32_t ku = X509_get_key_usage(leaf);
        if (ku != UINT32_MAX && !(ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)))
            findings.push_back({0, subject, FindingCode::key_usage, "key usage allows neither digitalSignature nor nonRepudiation"});
        if (eku) {
            // RFC 3161 §2.3: a critical EKU with timeStamping marks a TSA's certificate.
            bool present = false;
            if (critical_ext(leaf, NID_ext_key_usage, &present) && has_eku(OBJ_nid2obj(NID_time_stamp))) {
                findings.push_back({0, subject, FindingCode::purpose,
                                    "a TSA certificate (critical extended key usage timeStamping) cannot sign documents"});
            } else {
                bool allowed = false;
                for (const auto& oid : policy.signer_ekus()) {
                    ossl::Asn1ObjPtr w(OBJ_txt2obj(oid.c_str(), 1));
                    allowed = allowed || (w && has_eku(w.get()));
                }
                if (!allowed)
                    findings.push_back({0, subject, FindingCode::purpose,
                                        "extended key usage does not allow document signing (the validation policy accepts "
                                        "documentSigning, emailProtection or anyExtendedKeyUsage"
                                        + std::string(policy.signer_ekus().size() > 3 ? " and what it adds" : "") + ")"});
            }
        }
    }
    if (!o.ekus.empty() && eku) {
        for (const auto& want : o.ekus) {
            ossl::Asn1ObjPtr w(OBJ_txt2obj(want.c_str(), 0));
            if (!has_eku(w.get()) && !has_eku(OBJ_nid2obj(NID_anyExtendedKeyUsage)))
                findings.push_back({0, subject, FindingCode::purpose, "extended key usage lacks " + want});
        }
    }
    ERR_clear_error();
}

/// RFC 5280 certificate profile rules that OpenSSL's path validation leaves out.
void profile_checks(STACK_OF(X509) * chain, std::vector<CertFinding>& findings) {
    for (int depth = 0; chain && depth < sk_X509_num(chain); ++depth) {
        X509* x = sk_X509_value(chain, depth);
        const std::string subject = ossl::name_to_utf8(X509_get_subject_name(x));
        auto add = [&](FindingCode code, std::string msg) { findings.push_back({depth, subject, code, std::move(msg)}); };
        // §4.1.2.2: the serial number is a positive integer of at most 20 octets.
        const ASN1_INTEGER* serial = X509_get0_serialNumber(x);
        ossl::BnPtr bn(ASN1_INTEGER_to_BN(serial, nullptr));
        if (!bn || BN_is_negative(bn.get()) || BN_is_zero(bn.get())) add(FindingCode::malformed_certificate, "serial number is not positive");
        else if (ASN1_STRING_length(serial) > 20) add(FindingCode::malformed_certificate, "serial number is longer than 20 octets");
        const bool is_ca = X509_check_ca(x) != 0;
        bool present = false;
        // §4.2.1.10: name constraints appear only in CA certificates and are critical.
        const bool nc_critical = critical_ext(x, NID_name_constraints, &present);
        if (present && depth == 0 && !is_ca) add(FindingCode::name_constraints, "name constraints in an end-entity certificate");
        else if (present && !nc_critical) add(FindingCode::name_constraints, "name constraints extension is not critical");
        // (§4.2.1.11 asks CAs to mark policy constraints critical, but NIST PKITS 4.8.6/4.8.10+
        // requires paths whose CAs do not to validate: that rule is not enforced here.)
        // §4.2.1.12: ExtKeyUsageSyntax is SEQUENCE SIZE (1..MAX).
        ossl::Ptr<EXTENDED_KEY_USAGE, EXTENDED_KEY_USAGE_free> eku(
            static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(x, NID_ext_key_usage, nullptr, nullptr)));
        if (eku && sk_ASN1_OBJECT_num(eku.get()) == 0) add(FindingCode::malformed_certificate, "extended key usage extension is empty");
        // §4.2.1.3: keyCertSign only with cA asserted.
        const uint32_t ku = X509_get_key_usage(x);
        if (depth == 0 && ku != UINT32_MAX && (ku & KU_KEY_CERT_SIGN) && !is_ca)
            add(FindingCode::key_usage, "keyCertSign in a certificate that is not a CA");
    }
    ERR_clear_error();
}

}  // namespace

TrustMaterial::Gathered TrustMaterial::gather_revocation(X509_STORE* store, X509* leaf, STACK_OF(X509) * untrusted,
                                                         STACK_OF(X509_CRL) * crls, std::int64_t t,
                                                         const ValidateOptions& options) const {
    Gathered g;
    auto& fetched = g.fetched;
    auto& answers = g.answers;
    auto& unreachable = g.unreachable;
    auto& stale = g.stale;
    auto& crypto = g.crypto;
    auto& notes = g.notes;
    const bool t_proven = options.at_proven;
    Evidence* used = options.used;
    // The path as it will be built, without revocation checks.
    ossl::Ptr<X509_STORE_CTX, X509_STORE_CTX_free> ctx(X509_STORE_CTX_new());
    if (!ctx || !X509_STORE_CTX_init(ctx.get(), store, leaf, untrusted)) ossl::fail(Errc::internal, "cannot set up path validation");
    X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx.get()), X509_V_FLAG_PARTIAL_CHAIN);
    X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx.get()), static_cast<time_t>(t));
    X509_STORE_CTX_set_verify_cb(ctx.get(), [](int, X509_STORE_CTX*) { return 1; });
    X509_verify_cert(ctx.get());
    ERR_clear_error();
    ossl::X509StackPtr chain(X509_STORE_CTX_get1_chain(ctx.get()));
    const int n = chain ? sk_X509_num(chain.get()) : 0;
    std::vector<X509*> anchors;
    for (const auto& c : trust_) anchors.push_back(c.get());
    for (int d = 0; d + 1 < n; ++d) {
        X509* cert = sk_X509_value(chain.get(), d);
        X509* issuer = sk_X509_value(chain.get(), d + 1);
        const std::string subject = ossl::name_to_utf8(X509_get_subject_name(cert));
        auto take = [&](OCSP_RESPONSE* resp, OCSP_REQUEST* req) {
            OcspVerdict v = check_ocsp(resp, cert, issuer,
                                       {.trust = anchors,
                                        .untrusted = untrusted,
                                        .at = t,
                                        .at_proven = t_proven,
                                        .request = req,
                                        .policy = policy_.get()});
            if (!v.crypto.ok()) {
                // Evidence signed with what the policy refuses is reported, never silently dropped.
                crypto_finding(v.crypto, d, subject, "OCSP response about it: signature", options_.allow_weak_algorithms, crypto, notes);
                unreachable[d] = "the OCSP response is unusable: " + v.message;
                return false;
            }
            if (v.stale) {
                stale[d] = v.message;
                notes.push_back("OCSP response about '" + subject + "' not used: " + v.message);
                return false;
            }
            if (v.status == "good" || v.status == "revoked") {
                if (used) used->ocsp.push_back(ossl::to_der(resp, i2d_OCSP_RESPONSE));
                answers[d] = std::move(v);
                return true;
            }
            notes.push_back("OCSP response about '" + subject + "' not used: " + v.message);
            unreachable[d] = "the OCSP response is unusable: " + v.message;
            return false;
        };
        bool answered = false;
        for (const auto& r : ocsp_)
            if (!answered && ocsp_is_about(r.get(), cert, issuer)) answered = take(r.get(), nullptr);
        if (answered || !options_.fetch || !crls_by_issuer(crls, cert).empty()) continue;
        std::string why;
        if (auto f = fetch_ocsp(cert, issuer, options_.fetch_timeout_seconds, &why)) {
            if (take(f->response.get(), f->request.get())) continue;
        } else {
            unreachable[d] = why;
        }
        const auto urls = crl_urls(cert);
        for (const auto& url : urls) {
            std::string crl_why;
            if (ossl::X509CrlPtr crl = fetch_crl(url, options_.cache_dir, options_.fetch_timeout_seconds, &crl_why)) {
                sk_X509_CRL_push(crls, crl.get());
                fetched.push_back(std::move(crl));
                unreachable.erase(d);
                break;
            }
            unreachable[d] += (unreachable[d].empty() ? "" : "; ") + crl_why;
        }
        if (urls.empty() && unreachable[d].find("CRL") == std::string::npos)
            unreachable[d] += (unreachable[d].empty() ? "" : "; ") + std::string("no CRL distribution point in the certificate");
    }
    return g;
}

bool crypto_finding(const CryptoCheck& c, int depth, const std::string& subject, const std::string& what, bool allow_weak,
                    std::vector<CertFinding>& findings, std::vector<std::string>& notes) {
    if (c.ok()) return false;
    const std::string msg = what + ": " + c.what;
    if (allow_weak) notes.push_back(msg + " (accepted: --allow-weak-algorithms)");
    else findings.push_back({depth, subject, c.verdict == CryptoVerdict::expired ? FindingCode::algorithm_expired : FindingCode::weak_algorithm, msg});
    return true;
}

namespace {

/// ETSI EN 319 102-1 §5.2.8 cryptographic constraints on every key and signature of the path at
/// time t; the trust anchor's own signature is exempt, its key is not.
void crypto_checks(STACK_OF(X509) * chain, const Policy& policy, std::int64_t t, bool allow_weak, std::vector<CertFinding>& findings,
                   std::vector<std::string>& notes) {
    const int n = chain ? sk_X509_num(chain) : 0;
    for (int d = 0; d < n; ++d) {
        X509* x = sk_X509_value(chain, d);
        const std::string subject = ossl::name_to_utf8(X509_get_subject_name(x));
        crypto_finding(policy.key(X509_get0_pubkey(x), t), d, subject, "its key", allow_weak, findings, notes);
        if (d + 1 < n)
            crypto_finding(policy.signature_hash(X509_get0_tbs_sigalg(x), t), d, subject, "the signature on it", allow_weak, findings, notes);
    }
    ERR_clear_error();
}

/// The same for the CRLs that served the path: their signatures, at time t.
void crl_crypto_checks(STACK_OF(X509) * chain, STACK_OF(X509_CRL) * crls, const Policy& policy, std::int64_t t, bool allow_weak,
                       std::vector<CertFinding>& findings, std::vector<std::string>& notes) {
    const int n = chain ? sk_X509_num(chain) : 0;
    for (int d = 0; d + 1 < n; ++d) {
        X509* x = sk_X509_value(chain, d);
        for (X509_CRL* crl : crls_by_issuer(crls, x)) {
            const X509_ALGOR* alg = nullptr;
            X509_CRL_get0_signature(crl, nullptr, &alg);
            // Nothing proves the CRL existed before it was issued (thisUpdate).
            const ASN1_TIME* issued = X509_CRL_get0_lastUpdate(crl);
            const std::int64_t ct = issued ? std::max<std::int64_t>(t, ossl::asn1_time_to_unix(issued)) : t;
            crypto_finding(policy.signature_hash(alg, ct), d, ossl::name_to_utf8(X509_get_subject_name(x)), "the CRL about it: signature",
                           allow_weak, findings, notes);
        }
    }
    ERR_clear_error();
}

/// ETSI EN 319 102-1 §5.2.6 indications of an X.509 validation, most specific first.
void set_indication(ChainReport& r) {
    auto has = [&](FindingCode code, int min_depth = 0) {
        for (const auto& f : r.findings)
            if (f.code == code && f.depth >= min_depth) return true;
        return false;
    };
    r.indication = Indication::indeterminate;
    if (has(FindingCode::no_chain_to_trust_anchor)) r.sub_indication = SubIndication::no_certificate_chain_found;
    else if (has(FindingCode::revoked, 1)) r.sub_indication = SubIndication::revoked_ca_no_poe;
    else if (has(FindingCode::revoked)) r.sub_indication = SubIndication::revoked_no_poe;
    else if (has(FindingCode::certificate_expired)) r.sub_indication = SubIndication::out_of_bounds_no_poe;
    else if (has(FindingCode::certificate_not_yet_valid)) r.sub_indication = SubIndication::not_yet_valid;
    else if (has(FindingCode::weak_algorithm)) r.sub_indication = SubIndication::crypto_constraints_failure;
    else if (has(FindingCode::algorithm_expired)) r.sub_indication = SubIndication::crypto_constraints_failure_no_poe;
    else if (has(FindingCode::revocation_unknown) || has(FindingCode::crl_out_of_date) || has(FindingCode::revocation_not_fresh))
        r.sub_indication = SubIndication::try_later;
    else r.sub_indication = SubIndication::chain_constraints_failure;
}

}  // namespace

ChainReport TrustMaterial::validate(X509* leaf, const ValidateOptions& vo) const {
    const std::optional<std::int64_t>& t = vo.at;
    const bool t_proven = vo.at_proven;
    STACK_OF(X509)* extra_untrusted = vo.extra_untrusted;
    Evidence* used = vo.used;
    const std::optional<std::int64_t>& crypto_time = vo.crypto_time;
    const ChainOptions& o = options_;
    const Policy& policy = *policy_;
    const RevocationMode mode = policy.revocation_required() && o.revocation == RevocationMode::automatic ? RevocationMode::require
                                                                                                        : o.revocation;
    ossl::Ptr<X509_STORE, X509_STORE_free> store(X509_STORE_new());
    for (const auto& c : trust_) X509_STORE_add_cert(store.get(), c.get());
    ERR_clear_error();
    ossl::X509RefStackPtr untrusted(sk_X509_new_null());
    for (const auto& c : untrusted_) sk_X509_push(untrusted.get(), c.get());
    for (int i = 0; extra_untrusted && i < sk_X509_num(extra_untrusted); ++i)
        sk_X509_push(untrusted.get(), sk_X509_value(extra_untrusted, i));
    const std::int64_t vt = t ? *t : static_cast<std::int64_t>(::time(nullptr));
    // CRLs older than the policy's max_age are not offered (their absence is reported as such).
    ossl::CrlRefStackPtr crls(sk_X509_CRL_new_null());
    std::vector<X509_CRL*> stale_crls;
    for (const auto& c : crls_) {
        const ASN1_TIME* last = X509_CRL_get0_lastUpdate(c.get());
        if (policy.revocation_max_age() && last && ossl::asn1_time_to_unix(last) < vt - *policy.revocation_max_age())
            stale_crls.push_back(c.get());
        else sk_X509_CRL_push(crls.get(), c.get());
    }

    Gathered gathered;
    if (mode != RevocationMode::off && (options_.fetch || !ocsp_.empty()))
        gathered = gather_revocation(store.get(), leaf, untrusted.get(), crls.get(), vt, vo);
    auto& answers = gathered.answers;  // gathered.fetched keeps the fetched CRLs alive until the end
    auto& unreachable = gathered.unreachable;
    auto& stale = gathered.stale;
    auto& evidence_findings = gathered.crypto;
    auto& gather_notes = gathered.notes;

    ossl::Ptr<X509_STORE_CTX, X509_STORE_CTX_free> ctx(X509_STORE_CTX_new());
    if (!ctx || !X509_STORE_CTX_init(ctx.get(), store.get(), leaf, untrusted.get()))
        ossl::fail(Errc::internal, "cannot set up path validation");
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
    // X509_STRICT adds RFC 5280 profile checks (AKI/SKI presence, empty names, critical
    // extensions); two of them are profile rules for CAs that RFC 5280 §6 path validation does
    // not apply, and NIST PKITS 4.6.4 requires accepting: they are ignored in verify_cb.
    unsigned long flags = X509_V_FLAG_POLICY_CHECK | X509_V_FLAG_PARTIAL_CHAIN | X509_V_FLAG_X509_STRICT;
    const bool check_crls = mode == RevocationMode::require ||
                            (mode == RevocationMode::automatic &&
                             (sk_X509_CRL_num(crls.get()) > 0 || !stale_crls.empty() || !notes_.empty() || !answers.empty() ||
                              !unreachable.empty() || !stale.empty()));
    if (check_crls) {
        flags |= X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL | X509_V_FLAG_EXTENDED_CRL_SUPPORT | X509_V_FLAG_USE_DELTAS;
        X509_STORE_CTX_set0_crls(ctx.get(), crls.get());
    }
    if (o.explicit_policy) flags |= X509_V_FLAG_EXPLICIT_POLICY;
    if (o.inhibit_policy_mapping) flags |= X509_V_FLAG_INHIBIT_MAP;
    if (o.inhibit_any_policy) flags |= X509_V_FLAG_INHIBIT_ANY;
    X509_VERIFY_PARAM_set_flags(param, flags);
    // Algorithms and key sizes are the validation policy's call (with their dates), not OpenSSL's
    // security level.
    X509_VERIFY_PARAM_set_auth_level(param, 0);
    // The user-initial-policy-set is {anyPolicy} unless given: OpenSSL treats an empty set as "none".
    const std::vector<std::string> policies = o.policies.empty() ? std::vector<std::string>{"2.5.29.32.0"} : o.policies;
    for (const auto& p : policies) X509_VERIFY_PARAM_add0_policy(param, OBJ_txt2obj(p.c_str(), 1));
    X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(vt));
    if (o.max_depth) X509_VERIFY_PARAM_set_depth(param, *o.max_depth);
    if (o.purpose == Purpose::timestamping) X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_TIMESTAMP_SIGN);
    if (o.purpose == Purpose::ocsp) X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_OCSP_HELPER);

    State st{mode, vt, t_proven, o.purpose, crls.get(), {}, std::move(gather_notes), {}, std::move(answers), std::move(unreachable),
             std::move(stale), std::move(stale_crls), {}};
    for (const auto& f : evidence_findings) st.weak_evidence.insert(f.depth);
    X509_STORE_CTX_set_app_data(ctx.get(), &st);
    X509_STORE_CTX_set_verify_cb(ctx.get(), verify_cb);
    const int rc = X509_verify_cert(ctx.get());
    if (rc < 0) {
        // OpenSSL could not run the checks (for example a DSA key that inherits its parameters):
        // the path is not shown valid.
        const auto causes = ossl::drain_errors();
        st.findings.push_back({X509_STORE_CTX_get_error_depth(ctx.get()), ossl::name_to_utf8(X509_get_subject_name(leaf)),
                               FindingCode::chain_error,
                               "path validation could not be completed" + (causes.empty() ? std::string() : ": " + causes.back())});
    }
    ERR_clear_error();
    STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx.get());
    // OCSP answers: a revocation before the validation time invalidates (one after a proven time
    // does not, unless a TSA's key is compromised).
    for (const auto& [depth, v] : st.ocsp) {
        X509* cert = chain && depth < sk_X509_num(chain) ? sk_X509_value(chain, depth) : nullptr;
        const std::string subject = cert ? ossl::name_to_utf8(X509_get_subject_name(cert)) : "";
        if (v.status == "good") {
            st.notes.push_back("revocation of '" + subject + "': " + v.message);
            continue;
        }
        const bool compromised = o.purpose == Purpose::timestamping && compromise_reason(v.reason);
        // An answer cannot vouch for a revocation later than its own thisUpdate; an invalidity date
        // moves it earlier. A CRL that says the certificate was revoked before is not overruled.
        std::int64_t revoked_at =
            v.this_update > 0 ? std::min<std::int64_t>(v.revocation_time, v.this_update) : v.revocation_time;
        if (v.invalidity_time) revoked_at = std::min(revoked_at, *v.invalidity_time);
        if (t && t_proven && revoked_at > *t && !compromised && !has_finding(st.findings, depth, FindingCode::revoked)) {
            st.revoked_after_proof[depth] = {v.revocation_time, v.reason};
            st.notes.push_back("'" + subject + "' was revoked on " + format_iso8601(v.revocation_time) + ", after the proven time " +
                               format_iso8601(*t) + " (OCSP)");
            continue;
        }
        if (!has_finding(st.findings, depth, FindingCode::revoked))
            st.findings.push_back({depth, subject, FindingCode::revoked,
                                   (compromised ? "TSA certificate revoked on " : "certificate revoked on ") +
                                       format_iso8601(v.revocation_time) + " (" + v.reason + "; OCSP, responder " + v.responder + ")" +
                                       (compromised ? ": every token it signed is untrustworthy, whatever its time" : "")});
    }
    // A base CRL that lists a TSA's certificate with removeFromCRL (a reason RFC 5280 §5.3.1 allows
    // only in delta CRLs) is malformed; OpenSSL reads it as "not revoked". For a TSA it counts as
    // revoked without a usable reason: its tokens cannot be trusted.
    if (check_crls && chain && o.purpose == Purpose::timestamping) {
        for (int d = 0; d + 1 < sk_X509_num(chain); ++d) {
            X509* c = sk_X509_value(chain, d);
            for (X509_CRL* crl : crls_by_issuer(crls.get(), c)) {
                X509_REVOKED* rev = nullptr;
                if (X509_CRL_get_ext_by_NID(crl, NID_delta_crl, -1) >= 0 || X509_CRL_get0_by_cert(crl, &rev, c) != 2) continue;
                if (!has_finding(st.findings, d, FindingCode::revoked))
                    st.findings.push_back({d, ossl::name_to_utf8(X509_get_subject_name(c)), FindingCode::revoked,
                                           "TSA certificate listed with removeFromCRL in a base CRL (allowed only in delta CRLs): "
                                           "its status cannot be trusted, nor its tokens"});
            }
        }
        ERR_clear_error();
    }
    // RFC 5280 §3.3: a CRL issued after a certificate expired need not list it any more; unless it
    // says it keeps expired certificates (ExpiredCertsOnCRL), its silence is no evidence.
    if (check_crls && chain) {
        static const int nid_expired_on_crl = OBJ_txt2nid("2.5.29.60") != NID_undef ? OBJ_txt2nid("2.5.29.60")
                                                                                   : OBJ_create("2.5.29.60", "expiredCertsOnCRL", "Expired Certificates on CRL");
        for (int d = 0; d + 1 < sk_X509_num(chain); ++d) {
            if (st.ocsp.count(d) || st.crl_unknown_depths.count(d) || has_finding(st.findings, d, FindingCode::revoked)) continue;
            X509* c = sk_X509_value(chain, d);
            const std::int64_t not_after = ossl::asn1_time_to_unix(X509_get0_notAfter(c));
            const std::vector<X509_CRL*> about = crls_by_issuer(crls.get(), c);
            bool informative = false;
            for (X509_CRL* crl : about) {
                const ASN1_TIME* issued = X509_CRL_get0_lastUpdate(crl);
                informative = informative || (issued && ossl::asn1_time_to_unix(issued) <= not_after) ||
                              X509_CRL_get_ext_by_NID(crl, nid_expired_on_crl, -1) >= 0;
            }
            ERR_clear_error();
            if (about.empty() || informative) continue;
            st.crl_unknown_depths.insert(d);
            const std::string subject = ossl::name_to_utf8(X509_get_subject_name(c));
            const std::string why = "the CRLs about it were issued after it expired (" + format_iso8601(not_after) +
                                    ") and do not keep expired certificates: they say nothing about it";
            if (mode == RevocationMode::require)
                st.findings.push_back({d, subject, FindingCode::revocation_unknown,
                                       "revocation status unknown: " + why + " (give a CRL or OCSP response from before it expired)"});
            else st.notes.push_back("revocation of '" + subject + "' not checked: " + why);
        }
    }
    if (used && chain) {
        for (int i = 0; i < sk_X509_num(chain); ++i) {
            X509* c = sk_X509_value(chain, i);
            used->certificates.push_back(ossl::to_der(c, i2d_X509));
            if (check_crls && i + 1 < sk_X509_num(chain))
                for (X509_CRL* crl : crls_by_issuer(crls.get(), c)) used->crls.push_back(ossl::to_der(crl, i2d_X509_CRL));
        }
    }

    ChainReport r;
    r.validation_time = vt;
    r.policy_name = policy.info().name;
    r.policy_sha256 = policy.info().sha256;
    if (chain)
        for (int i = 0; i < sk_X509_num(chain); ++i) r.chain.push_back(ossl::name_to_utf8(X509_get_subject_name(sk_X509_value(chain, i))));
    // RFC 5280 §4.2: a certificate with a repeated or undecodable extension is malformed; OpenSSL
    // then cannot use it for path building, which is not the real problem to report.
    bool invalid_extensions = false;
    for (int i = 0; i < (chain ? sk_X509_num(chain) : 0) || (i == 0 && !chain); ++i) {
        X509* x = chain ? sk_X509_value(chain, i) : leaf;
        if (X509_get_extension_flags(x) & EXFLAG_INVALID) {
            invalid_extensions = true;
            st.findings.push_back({i, ossl::name_to_utf8(X509_get_subject_name(x)), FindingCode::malformed_certificate,
                                   "an extension is repeated or cannot be decoded (RFC 5280 §4.2)"});
        }
    }
    if (invalid_extensions)
        std::erase_if(st.findings, [](const CertFinding& f) { return f.code == FindingCode::no_chain_to_trust_anchor; });
    ERR_clear_error();
    check_purpose(leaf, o, policy, st.findings);
    profile_checks(chain, st.findings);
    const std::int64_t ct = crypto_time.value_or(vt);
    crypto_checks(chain, policy, ct, o.allow_weak_algorithms, st.findings, st.notes);
    if (check_crls) crl_crypto_checks(chain, crls.get(), policy, ct, o.allow_weak_algorithms, st.findings, st.notes);
    for (auto& f : evidence_findings) st.findings.push_back(std::move(f));
    if (rc == 0 && st.findings.empty())
        st.findings.push_back({X509_STORE_CTX_get_error_depth(ctx.get()), "", code_of(X509_STORE_CTX_get_error(ctx.get())),
                               X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()))});
    r.findings = std::move(st.findings);
    r.notes = notes_;
    r.notes.insert(r.notes.end(), st.notes.begin(), st.notes.end());
    r.valid = r.findings.empty();

    bool revoked = false;
    for (const auto& f : r.findings) revoked = revoked || f.code == FindingCode::revoked;
    bool leaf_revoked = false;
    for (const auto& f : r.findings) leaf_revoked = leaf_revoked || (f.code == FindingCode::revoked && f.depth == 0);
    if (revoked)
        r.revocation = RevocationStatus::revoked;
    else if (st.revoked_after_proof.count(0))
        r.revocation = RevocationStatus::revoked_after_proof;
    else if (!check_crls)
        r.revocation = RevocationStatus::not_checked;
    else if (st.crl_unknown_depths.count(0) && !st.ocsp.count(0))
        r.revocation = RevocationStatus::unknown;
    else
        r.revocation = RevocationStatus::good;
    // The end certificate's revocation date and reason, from the evidence that said so.
    if (const auto it = st.revoked_after_proof.find(0); it != st.revoked_after_proof.end() && !leaf_revoked) {
        r.revocation_time = it->second.time;
        r.revocation_reason = it->second.reason;
    } else if (leaf_revoked) {
        // the earliest revocation any evidence gives
        auto consider = [&](std::int64_t when, const std::string& why) {
            if (!r.revocation_time || when < *r.revocation_time) {
                r.revocation_time = when;
                r.revocation_reason = why;
            }
        };
        if (const auto o_it = st.ocsp.find(0); o_it != st.ocsp.end() && o_it->second.status == "revoked")
            consider(o_it->second.revocation_time, o_it->second.reason);
        for (X509_CRL* crl : crls_by_issuer(crls.get(), leaf)) {
            X509_REVOKED* rev = nullptr;
            if (X509_CRL_get0_by_cert(crl, &rev, leaf) != 1 || rev == nullptr) continue;
            try {
                const int reason = crl_reason(rev);
                consider(ossl::asn1_time_to_unix(X509_REVOKED_get0_revocationDate(rev)),
                         reason < 0 ? std::string() : OCSP_crl_reason_str(reason));
            } catch (const Error&) {
                // a malformed date: the finding names it; the report has no date to give
            }
        }
        ERR_clear_error();
    }
    if (!check_crls && mode != RevocationMode::off)
        r.notes.push_back(options_.fetch ? "revocation not checked: no CRL given and none to fetch"
                                         : "revocation not checked: no CRL or OCSP response given (fetching is off)");
    if (!r.valid) set_indication(r);
    return r;
}

}  // namespace detail

ChainReport verify_certificate(const Bytes& certificate, const ChainOptions& options) {
    ossl::X509Ptr leaf = detail::parse_certificate(certificate, "the certificate to verify");
    detail::TrustMaterial tm(options);
    if (options.trust_files.empty()) throw Error(Errc::usage, "no trust anchor given", "use --trust FILE");
    return tm.validate(leaf.get(), {.at = options.at, .at_proven = options.at.has_value()});
}

}  // namespace tsign
