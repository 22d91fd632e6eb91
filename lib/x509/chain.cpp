#include "x509/chain.hpp"

#include <map>
#include <set>

#include <nlohmann/json.hpp>
#include <openssl/err.h>
#include <openssl/pem.h>

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
    j["indication"] = indication;
    j["sub_indication"] = sub_indication.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(sub_indication);
    j["chain"] = chain;
    j["revocation"] = revocation;
    auto arr = nlohmann::ordered_json::array();
    for (const auto& f : findings)
        arr.push_back({{"depth", f.depth}, {"subject", f.subject}, {"code", f.code}, {"message", f.message}});
    j["findings"] = arr;
    j["notes"] = notes;
    return j.dump(2);
}

namespace detail {

std::vector<ossl::X509Ptr> load_certificates(const std::string& path) {
    const Bytes data = read_file(path);
    std::vector<ossl::X509Ptr> out;
    if (ossl::looks_like_pem(data)) {
        auto bio = ossl::mem_bio(data);
        for (;;) {
            X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
            if (x == nullptr) break;
            out.emplace_back(x);
        }
        const unsigned long e = ERR_peek_last_error();
        if (ERR_GET_REASON(e) == PEM_R_NO_START_LINE) ERR_clear_error();
        else if (e != 0 || out.empty()) ossl::fail(Errc::malformed, "cannot read certificates from '" + path + "': malformed PEM");
    } else {
        const unsigned char* p = data.data();
        X509* x = d2i_X509(nullptr, &p, static_cast<long>(data.size()));
        if (x == nullptr || p != data.data() + data.size()) {
            X509_free(x);
            ossl::fail(Errc::malformed, "cannot read certificate '" + path + "': malformed or truncated");
        }
        out.emplace_back(x);
    }
    if (out.empty()) throw Error(Errc::malformed, "cannot read certificates from '" + path + "': none found");
    return out;
}

std::vector<ossl::X509CrlPtr> load_crls(const std::string& path) {
    const Bytes data = read_file(path);
    std::vector<ossl::X509CrlPtr> out;
    if (ossl::looks_like_pem(data)) {
        auto bio = ossl::mem_bio(data);
        for (;;) {
            X509_CRL* c = PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr);
            if (c == nullptr) break;
            out.emplace_back(c);
        }
        ERR_clear_error();
    } else {
        const unsigned char* p = data.data();
        X509_CRL* c = d2i_X509_CRL(nullptr, &p, static_cast<long>(data.size()));
        if (c != nullptr && p == data.data() + data.size()) out.emplace_back(c);
        else X509_CRL_free(c);
    }
    if (out.empty()) ossl::fail(Errc::malformed, "cannot read CRL '" + path + "': malformed, truncated or not a CRL");
    return out;
}

TrustMaterial::TrustMaterial(const ChainOptions& options) : options_(options) {
    for (const auto& f : options.trust_files)
        for (auto& c : load_certificates(f)) trust_.push_back(std::move(c));
    for (const auto& f : options.untrusted_files)
        for (auto& c : load_certificates(f)) untrusted_.push_back(std::move(c));
    for (const auto& f : options.crl_files)
        for (auto& c : load_crls(f)) add_crl(std::move(c), "'" + f + "'");
    for (const auto& f : options.ocsp_files) {
        auto r = ossl::d2i_exact<OCSP_RESPONSE, OCSP_RESPONSE_free>(d2i_OCSP_RESPONSE, read_file(f));
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

void TrustMaterial::add_crl(ossl::X509CrlPtr c, const std::string& source) {
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
    STACK_OF(X509_CRL) * crls = nullptr;
    std::vector<CertFinding> findings;
    std::vector<std::string> notes;
    std::set<int> crl_unknown_depths;
    std::map<int, OcspVerdict> ocsp;          // definitive OCSP answers (good / revoked) by depth
    std::map<int, std::string> unreachable;   // why no revocation data could be had, by depth
};

std::string code_of(int err) {
    switch (err) {
    case X509_V_ERR_CERT_HAS_EXPIRED: return "certificate_expired";
    case X509_V_ERR_CERT_NOT_YET_VALID: return "certificate_not_yet_valid";
    case X509_V_ERR_CERT_REVOKED: return "revoked";
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE: return "no_chain_to_trust_anchor";
    case X509_V_ERR_UNABLE_TO_GET_CRL:
    case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER: return "revocation_unknown";
    case X509_V_ERR_CRL_HAS_EXPIRED:
    case X509_V_ERR_CRL_NOT_YET_VALID: return "crl_out_of_date";
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_CRL_SIGNATURE_FAILURE: return "bad_signature";
    case X509_V_ERR_INVALID_CA: return "invalid_ca";
    case X509_V_ERR_PATH_LENGTH_EXCEEDED: return "path_length_exceeded";
    case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
    case X509_V_ERR_KEYUSAGE_NO_CRL_SIGN:
    case X509_V_ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE: return "key_usage";
    case X509_V_ERR_INVALID_POLICY_EXTENSION:
    case X509_V_ERR_NO_EXPLICIT_POLICY: return "policy";
    case X509_V_ERR_PERMITTED_VIOLATION:
    case X509_V_ERR_EXCLUDED_VIOLATION:
    case X509_V_ERR_SUBTREE_MINMAX:
    case X509_V_ERR_UNSUPPORTED_CONSTRAINT_TYPE:
    case X509_V_ERR_UNSUPPORTED_CONSTRAINT_SYNTAX:
    case X509_V_ERR_UNSUPPORTED_NAME_SYNTAX: return "name_constraints";
    case X509_V_ERR_INVALID_PURPOSE: return "purpose";
    case X509_V_ERR_CA_KEY_TOO_SMALL:
    case X509_V_ERR_EE_KEY_TOO_SMALL:
    case X509_V_ERR_CA_MD_TOO_WEAK: return "weak_algorithm";
    default: return "chain_error";
    }
}

int verify_cb(int ok, X509_STORE_CTX* ctx) {
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
    // (a revoked answer is judged after path validation).
    if (is_crl_error(err) && st->ocsp.count(depth)) return 1;
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
        for (int i = 0; st->crls && i < sk_X509_CRL_num(st->crls) && rev == nullptr; ++i) {
            X509_CRL* crl = sk_X509_CRL_value(st->crls, i);
            if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_issuer_name(cert)) != 0 ||
                X509_CRL_get0_by_cert(crl, &rev, cert) != 1)
                rev = nullptr;
        }
        if (rev && ossl::asn1_time_to_unix(X509_REVOKED_get0_revocationDate(rev)) > *st->at) {
            st->notes.push_back("'" + subject + "' was revoked on " +
                                format_iso8601(ossl::asn1_time_to_unix(X509_REVOKED_get0_revocationDate(rev))) +
                                ", after the proven time " + format_iso8601(*st->at));
            return 1;
        }
    }
    if (err == X509_V_ERR_UNABLE_TO_GET_CRL || err == X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER) {
        st->crl_unknown_depths.insert(depth);
        const auto why = st->unreachable.find(depth);
        const std::string reason = why == st->unreachable.end() ? "no CRL or OCSP response available" : why->second;
        if (st->mode == RevocationMode::automatic) {
            st->notes.push_back("revocation of '" + subject + "' not checked: " + reason);
            return 1;
        }
        st->findings.push_back({depth, subject, code_of(err), std::string("revocation status unknown: ") + reason});
        return 1;
    }
    st->findings.push_back({depth, subject, code_of(err), X509_verify_cert_error_string(err)});
    // Go on: collect every finding; the verdict is made from the findings, never from OpenSSL's return alone.
    return 1;
}

void check_purpose(X509* leaf, const ChainOptions& o, std::vector<CertFinding>& findings) {
    const std::string subject = ossl::name_to_utf8(X509_get_subject_name(leaf));
    if (o.purpose == Purpose::signing) {
        const uint32_t ku = X509_get_key_usage(leaf);
        if (ku != UINT32_MAX && !(ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)))
            findings.push_back({0, subject, "key_usage", "key usage allows neither digitalSignature nor nonRepudiation"});
    }
    if (!o.ekus.empty()) {
        ossl::Ptr<EXTENDED_KEY_USAGE, EXTENDED_KEY_USAGE_free> eku(
            static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(leaf, NID_ext_key_usage, nullptr, nullptr)));
        if (eku) {
            for (const auto& want : o.ekus) {
                ossl::Asn1ObjPtr w(OBJ_txt2obj(want.c_str(), 0));
                bool found = false;
                for (int i = 0; i < sk_ASN1_OBJECT_num(eku.get()); ++i) {
                    const int nid = OBJ_obj2nid(sk_ASN1_OBJECT_value(eku.get(), i));
                    if (OBJ_cmp(sk_ASN1_OBJECT_value(eku.get(), i), w.get()) == 0 || nid == NID_anyExtendedKeyUsage) found = true;
                }
                if (!found) findings.push_back({0, subject, "purpose", "extended key usage lacks " + want});
            }
        }
    }
}

bool critical_ext(X509* x, int nid, bool* present) {
    const int idx = X509_get_ext_by_NID(x, nid, -1);
    *present = idx >= 0;
    return idx >= 0 && X509_EXTENSION_get_critical(X509_get_ext(x, idx));
}

/// RFC 5280 certificate profile rules that OpenSSL's path validation leaves out.
void profile_checks(STACK_OF(X509) * chain, std::vector<CertFinding>& findings) {
    for (int depth = 0; chain && depth < sk_X509_num(chain); ++depth) {
        X509* x = sk_X509_value(chain, depth);
        const std::string subject = ossl::name_to_utf8(X509_get_subject_name(x));
        auto add = [&](const char* code, std::string msg) { findings.push_back({depth, subject, code, std::move(msg)}); };
        // §4.1.2.2: the serial number is a positive integer of at most 20 octets.
        const ASN1_INTEGER* serial = X509_get0_serialNumber(x);
        ossl::BnPtr bn(ASN1_INTEGER_to_BN(serial, nullptr));
        if (!bn || BN_is_negative(bn.get()) || BN_is_zero(bn.get())) add("malformed_certificate", "serial number is not positive");
        else if (ASN1_STRING_length(serial) > 20) add("malformed_certificate", "serial number is longer than 20 octets");
        const bool is_ca = X509_check_ca(x) != 0;
        bool present = false;
        // §4.2.1.10: name constraints appear only in CA certificates and are critical.
        const bool nc_critical = critical_ext(x, NID_name_constraints, &present);
        if (present && depth == 0 && !is_ca) add("name_constraints", "name constraints in an end-entity certificate");
        else if (present && !nc_critical) add("name_constraints", "name constraints extension is not critical");
        // (§4.2.1.11 asks CAs to mark policy constraints critical, but NIST PKITS 4.8.6/4.8.10+
        // requires paths whose CAs do not to validate: that rule is not enforced here.)
        // §4.2.1.12: ExtKeyUsageSyntax is SEQUENCE SIZE (1..MAX).
        ossl::Ptr<EXTENDED_KEY_USAGE, EXTENDED_KEY_USAGE_free> eku(
            static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(x, NID_ext_key_usage, nullptr, nullptr)));
        if (eku && sk_ASN1_OBJECT_num(eku.get()) == 0) add("malformed_certificate", "extended key usage extension is empty");
        // §4.2.1.3: keyCertSign only with cA asserted.
        const uint32_t ku = X509_get_key_usage(x);
        if (depth == 0 && ku != UINT32_MAX && (ku & KU_KEY_CERT_SIGN) && !is_ca)
            add("key_usage", "keyCertSign in a certificate that is not a CA");
    }
    ERR_clear_error();
}

}  // namespace

namespace {

bool crl_covers(STACK_OF(X509_CRL) * crls, X509* cert) {
    for (int i = 0; i < sk_X509_CRL_num(crls); ++i)
        if (X509_NAME_cmp(X509_CRL_get_issuer(sk_X509_CRL_value(crls, i)), X509_get_issuer_name(cert)) == 0) return true;
    return false;
}

}  // namespace

void TrustMaterial::gather_revocation(X509_STORE* store, X509* leaf, STACK_OF(X509) * untrusted, std::int64_t t, bool t_proven,
                                      STACK_OF(X509_CRL) * crls, std::vector<ossl::X509CrlPtr>& fetched,
                                      std::map<int, OcspVerdict>& answers, std::map<int, std::string>& unreachable,
                                      std::vector<std::string>& notes, Evidence* used) const {
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
            OcspVerdict v = check_ocsp(resp, cert, issuer, anchors, untrusted, t, t_proven, req);
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
        if (answered || !options_.fetch || crl_covers(crls, cert)) continue;
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
}

ChainReport TrustMaterial::validate(X509* leaf, STACK_OF(X509) * extra_untrusted, std::optional<std::int64_t> t,
                                    bool t_proven, Evidence* used) const {
    const ChainOptions& o = options_;
    ossl::Ptr<X509_STORE, X509_STORE_free> store(X509_STORE_new());
    for (const auto& c : trust_) X509_STORE_add_cert(store.get(), c.get());
    ERR_clear_error();
    ossl::X509RefStackPtr untrusted(sk_X509_new_null());
    for (const auto& c : untrusted_) sk_X509_push(untrusted.get(), c.get());
    for (int i = 0; extra_untrusted && i < sk_X509_num(extra_untrusted); ++i)
        sk_X509_push(untrusted.get(), sk_X509_value(extra_untrusted, i));
    ossl::CrlRefStackPtr crls(sk_X509_CRL_new_null());
    for (const auto& c : crls_) sk_X509_CRL_push(crls.get(), c.get());

    std::vector<ossl::X509CrlPtr> fetched;
    std::map<int, OcspVerdict> answers;
    std::map<int, std::string> unreachable;
    std::vector<std::string> gather_notes;
    const std::int64_t vt = t ? *t : static_cast<std::int64_t>(::time(nullptr));
    if (o.revocation != RevocationMode::off && (options_.fetch || !ocsp_.empty()))
        gather_revocation(store.get(), leaf, untrusted.get(), vt, t_proven, crls.get(), fetched, answers, unreachable, gather_notes, used);

    ossl::Ptr<X509_STORE_CTX, X509_STORE_CTX_free> ctx(X509_STORE_CTX_new());
    if (!ctx || !X509_STORE_CTX_init(ctx.get(), store.get(), leaf, untrusted.get()))
        ossl::fail(Errc::internal, "cannot set up path validation");
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
    // X509_STRICT adds RFC 5280 profile checks (AKI/SKI presence, empty names, critical
    // extensions); two of them are profile rules for CAs that RFC 5280 §6 path validation does
    // not apply, and NIST PKITS 4.6.4 requires accepting: they are ignored in verify_cb.
    unsigned long flags = X509_V_FLAG_POLICY_CHECK | X509_V_FLAG_PARTIAL_CHAIN | X509_V_FLAG_X509_STRICT;
    const bool check_crls = o.revocation == RevocationMode::require ||
                            (o.revocation == RevocationMode::automatic &&
                             (sk_X509_CRL_num(crls.get()) > 0 || !notes_.empty() || !answers.empty() || !unreachable.empty()));
    if (check_crls) {
        flags |= X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL | X509_V_FLAG_EXTENDED_CRL_SUPPORT | X509_V_FLAG_USE_DELTAS;
        X509_STORE_CTX_set0_crls(ctx.get(), crls.get());
    }
    if (o.explicit_policy) flags |= X509_V_FLAG_EXPLICIT_POLICY;
    if (o.inhibit_policy_mapping) flags |= X509_V_FLAG_INHIBIT_MAP;
    if (o.inhibit_any_policy) flags |= X509_V_FLAG_INHIBIT_ANY;
    X509_VERIFY_PARAM_set_flags(param, flags);
    // The user-initial-policy-set is {anyPolicy} unless given: OpenSSL treats an empty set as "none".
    const std::vector<std::string> policies = o.policies.empty() ? std::vector<std::string>{"2.5.29.32.0"} : o.policies;
    for (const auto& p : policies) X509_VERIFY_PARAM_add0_policy(param, OBJ_txt2obj(p.c_str(), 1));
    if (t) X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(*t));
    if (o.max_depth) X509_VERIFY_PARAM_set_depth(param, *o.max_depth);
    if (o.purpose == Purpose::timestamping) X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_TIMESTAMP_SIGN);
    if (o.purpose == Purpose::ocsp) X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_OCSP_HELPER);

    State st{o.revocation, t, t_proven, crls.get(), {}, std::move(gather_notes), {}, std::move(answers), std::move(unreachable)};
    X509_STORE_CTX_set_app_data(ctx.get(), &st);
    X509_STORE_CTX_set_verify_cb(ctx.get(), verify_cb);
    const int rc = X509_verify_cert(ctx.get());
    if (rc < 0) {
        // OpenSSL could not run the checks (for example a DSA key that inherits its parameters):
        // the path is not shown valid.
        const auto causes = ossl::drain_errors();
        st.findings.push_back({X509_STORE_CTX_get_error_depth(ctx.get()), ossl::name_to_utf8(X509_get_subject_name(leaf)),
                               "chain_error", "path validation could not be completed" + (causes.empty() ? std::string() : ": " + causes.back())});
    }
    ERR_clear_error();
    // OCSP answers: a revocation before the validation time invalidates (one after a proven time does not).
    for (const auto& [depth, v] : st.ocsp) {
        STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx.get());
        X509* cert = chain && depth < sk_X509_num(chain) ? sk_X509_value(chain, depth) : nullptr;
        const std::string subject = cert ? ossl::name_to_utf8(X509_get_subject_name(cert)) : "";
        if (v.status == "good") {
            st.notes.push_back("revocation of '" + subject + "': " + v.message);
            continue;
        }
        if (t && t_proven && v.revocation_time > *t) {
            st.notes.push_back("'" + subject + "' was revoked on " + format_iso8601(v.revocation_time) + ", after the proven time " +
                               format_iso8601(*t) + " (OCSP)");
            continue;
        }
        bool already = false;
        for (const auto& f : st.findings) already = already || (f.depth == depth && f.code == "revoked");
        if (!already)
            st.findings.push_back({depth, subject, "revoked",
                                   "certificate revoked on " + format_iso8601(v.revocation_time) + " (" + v.reason + "; OCSP, responder " +
                                       v.responder + ")"});
    }
    if (used) {
        if (STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx.get())) {
            for (int i = 0; i < sk_X509_num(chain); ++i) {
                X509* c = sk_X509_value(chain, i);
                used->certificates.push_back(ossl::to_der(c, i2d_X509));
                for (int k = 0; check_crls && k < sk_X509_CRL_num(crls.get()); ++k) {
                    X509_CRL* crl = sk_X509_CRL_value(crls.get(), k);
                    if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_issuer_name(c)) == 0 && i + 1 < sk_X509_num(chain))
                        used->crls.push_back(ossl::to_der(crl, i2d_X509_CRL));
                }
            }
        }
    }

    ChainReport r;
    if (STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx.get()))
        for (int i = 0; i < sk_X509_num(chain); ++i) r.chain.push_back(ossl::name_to_utf8(X509_get_subject_name(sk_X509_value(chain, i))));
    check_purpose(leaf, o, st.findings);
    profile_checks(X509_STORE_CTX_get0_chain(ctx.get()), st.findings);
    if (rc == 0 && st.findings.empty())
        st.findings.push_back({X509_STORE_CTX_get_error_depth(ctx.get()), "", code_of(X509_STORE_CTX_get_error(ctx.get())),
                               X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()))});
    r.findings = std::move(st.findings);
    r.notes = notes_;
    r.notes.insert(r.notes.end(), st.notes.begin(), st.notes.end());
    r.valid = r.findings.empty();

    bool revoked = false;
    for (const auto& f : r.findings) revoked = revoked || f.code == "revoked";
    if (revoked) r.revocation = "revoked";
    else if (!check_crls) r.revocation = "not_checked";
    else if (st.crl_unknown_depths.count(0) && !st.ocsp.count(0)) r.revocation = "unknown";
    else r.revocation = "good";
    if (!check_crls && o.revocation != RevocationMode::off)
        r.notes.push_back(options_.fetch ? "revocation not checked: no CRL given and none to fetch"
                                         : "revocation not checked: no CRL or OCSP response given (fetching is off)");

    if (!r.valid) {
        // ETSI EN 319 102-1 §5.2.6 (X.509 certificate validation) indications, most specific first.
        auto has = [&](const char* code) {
            for (const auto& f : r.findings)
                if (f.code == code) return true;
            return false;
        };
        if (has("revoked")) r.indication = "INDETERMINATE", r.sub_indication = "REVOKED_NO_POE";
        else if (has("no_chain_to_trust_anchor")) r.indication = "INDETERMINATE", r.sub_indication = "NO_CERTIFICATE_CHAIN_FOUND";
        else if (has("certificate_expired")) r.indication = "INDETERMINATE", r.sub_indication = "OUT_OF_BOUNDS_NO_POE";
        else if (has("certificate_not_yet_valid")) r.indication = "INDETERMINATE", r.sub_indication = "NOT_YET_VALID";
        else if (has("weak_algorithm")) r.indication = "INDETERMINATE", r.sub_indication = "CRYPTO_CONSTRAINTS_FAILURE_NO_POE";
        else if (has("revocation_unknown") || has("crl_out_of_date")) r.indication = "INDETERMINATE", r.sub_indication = "TRY_LATER";
        else r.indication = "INDETERMINATE", r.sub_indication = "CHAIN_CONSTRAINTS_FAILURE";
    }
    return r;
}

}  // namespace detail

ChainReport verify_certificate(const Bytes& certificate, const ChainOptions& options) {
    ossl::X509Ptr leaf = detail::parse_certificate(certificate, "the certificate to verify");
    detail::TrustMaterial tm(options);
    if (options.trust_files.empty()) throw Error(Errc::usage, "no trust anchor given", "use --trust FILE");
    return tm.validate(leaf.get(), nullptr, options.at, options.at.has_value());
}

}  // namespace tsign
