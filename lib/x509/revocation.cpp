#include "x509/revocation.hpp"

#include "core/io_impl.hpp"

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <filesystem>

#include <openssl/err.h>
#include <openssl/pem.h>

#include <nlohmann/json.hpp>

#include "core/io_impl.hpp"
#include "keys/signer_impl.hpp"
#include "net/http.hpp"
#include "tsign/ocsp.hpp"
#include "x509/chain.hpp"
#include "tsign/error.hpp"
#include "tsign/time.hpp"

namespace tsign::detail {

namespace {

constexpr std::int64_t kSkew = 300;                 // clock skew allowed between responder and verifier
constexpr std::int64_t kNoNextUpdateAge = std::int64_t{7} * 86400;  // a response without nextUpdate is fresh this long

std::int64_t now() { return static_cast<std::int64_t>(::time(nullptr)); }

/// The single response about cert, whatever hash algorithm its certID uses.
OCSP_SINGLERESP* find_single(OCSP_BASICRESP* bs, X509* cert, X509* issuer) {
    for (int i = 0; i < OCSP_resp_count(bs); ++i) {
        OCSP_SINGLERESP* single = OCSP_resp_get0(bs, i);
        const OCSP_CERTID* id = OCSP_SINGLERESP_get0_id(single);
        ASN1_OBJECT* md_oid = nullptr;
        if (!OCSP_id_get0_info(nullptr, &md_oid, nullptr, nullptr, const_cast<OCSP_CERTID*>(id))) continue;
        const EVP_MD* md = EVP_get_digestbyobj(md_oid);
        if (md == nullptr) continue;
        ossl::OcspIdPtr want(OCSP_cert_to_id(md, cert, issuer));
        if (want && OCSP_id_cmp(want.get(), id) == 0) return single;
    }
    ERR_clear_error();
    return nullptr;
}

std::string time_or_none(std::int64_t t) { return t ? format_iso8601(t) : std::string("none"); }

bool is_http(const std::string& url) { return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0; }

}  // namespace

bool ocsp_is_about(OCSP_RESPONSE* resp, X509* cert, X509* issuer) {
    if (OCSP_response_status(resp) != OCSP_RESPONSE_STATUS_SUCCESSFUL) return false;
    ossl::OcspBasicPtr bs(OCSP_response_get1_basic(resp));
    ERR_clear_error();
    return bs && find_single(bs.get(), cert, issuer) != nullptr;
}

OcspVerdict check_ocsp(OCSP_RESPONSE* resp, X509* cert, X509* issuer, const OcspCheckContext& context) {
    const std::vector<X509*>& trust = context.trust;
    STACK_OF(X509)* untrusted = context.untrusted;
    const std::int64_t t = context.at;
    const bool t_proven = context.at_proven;
    OCSP_REQUEST* request = context.request;
    const Policy* policy = context.policy;
    OcspVerdict v;
    const int st = OCSP_response_status(resp);
    if (st != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
        v.message = std::string("the responder answered ") + OCSP_response_status_str(st);
        return v;
    }
    ossl::OcspBasicPtr bs(OCSP_response_get1_basic(resp));
    if (!bs) {
        ERR_clear_error();
        v.message = "the response holds no basic OCSP response";
        return v;
    }
    v.produced_at = ossl::asn1_time_to_unix(OCSP_resp_get0_produced_at(bs.get()));
    if (request != nullptr && OCSP_check_nonce(request, bs.get()) == 0) {
        v.message = "the response's nonce differs from the request's (replayed or misdirected)";
        return v;
    }
    // Signature, the responder's path (at producedAt), and its authorisation: the CA itself or a
    // responder with OCSPSigning issued by the CA (RFC 6960 §4.2.2.2). No implicit trust in
    // roots for OCSP signing (OCSP_NOEXPLICIT).
    ossl::Ptr<X509_STORE, X509_STORE_free> store(X509_STORE_new());
    for (X509* c : trust) X509_STORE_add_cert(store.get(), c);
    ERR_clear_error();
    X509_VERIFY_PARAM_set_flags(X509_STORE_get0_param(store.get()), X509_V_FLAG_PARTIAL_CHAIN);
    X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store.get()), static_cast<time_t>(v.produced_at));
    ossl::X509RefStackPtr others(sk_X509_new_null());
    for (int i = 0; untrusted && i < sk_X509_num(untrusted); ++i) sk_X509_push(others.get(), sk_X509_value(untrusted, i));
    sk_X509_push(others.get(), issuer);
    X509* signer = nullptr;
    if (OCSP_resp_get0_signer(bs.get(), &signer, others.get()) == 1 && signer != nullptr)
        v.responder = ossl::name_to_utf8(X509_get_subject_name(signer));
    ERR_clear_error();
    if (signer == nullptr) {
        v.message = "the response's signing certificate could not be found (responder ID matches no certificate)";
        return v;
    }
    if (OCSP_basic_verify(bs.get(), others.get(), store.get(), OCSP_NOEXPLICIT) != 1) {
        const auto causes = ossl::drain_errors();
        std::string why = causes.empty() ? "verification failed" : causes.back();
        const auto colon = why.rfind("::");
        if (colon != std::string::npos) why = why.substr(colon + 2);
        v.message = "the response does not verify (" + why + ")";
        return v;
    }
    // The validation policy: the response's signature, and the delegated responder's certificate
    // (its key, and the CA's signature on it).
    if (policy != nullptr) {
        // Nothing proves the response existed before it was produced: its algorithms are judged
        // at producedAt when that is later than the validation time.
        const std::int64_t ct = std::max(t, v.produced_at);
        CryptoCheck c = policy->signature(OCSP_resp_get0_tbs_sigalg(bs.get()), X509_get0_pubkey(signer), ct);
        if (c.ok() && X509_cmp(signer, issuer) != 0) c = policy->signature(X509_get0_tbs_sigalg(signer), X509_get0_pubkey(issuer), ct);
        ERR_clear_error();
        if (!c.ok()) {
            v.crypto = c;
            v.message = "the response's signature uses " + c.what;
            return v;
        }
    }
    OCSP_SINGLERESP* single = find_single(bs.get(), cert, issuer);
    if (single == nullptr) {
        v.message = "the response says nothing about this certificate (issuer name/key hash or serial differ)";
        return v;
    }
    int reason = -1;
    ASN1_GENERALIZEDTIME *rev = nullptr, *thisupd = nullptr, *nextupd = nullptr;
    const int status = OCSP_single_get0_status(single, &reason, &rev, &thisupd, &nextupd);
    v.this_update = thisupd ? ossl::asn1_time_to_unix(thisupd) : 0;
    v.next_update = nextupd ? ossl::asn1_time_to_unix(nextupd) : 0;
    // RFC 6960 §4.4.4: a response made after the certificate expired says nothing about it unless
    // the responder keeps expired certificates (archiveCutoff).
    if (const std::int64_t not_after = ossl::asn1_time_to_unix(X509_get0_notAfter(cert));
        v.this_update > not_after && OCSP_BASICRESP_get_ext_by_NID(bs.get(), NID_id_pkix_OCSP_archiveCutoff, -1) < 0) {
        v.message = "the response (thisUpdate " + format_iso8601(v.this_update) + ") was made after the certificate expired (" +
                    format_iso8601(not_after) + ") and has no archiveCutoff: it says nothing about it";
        return v;
    }
    // Freshness at the validation time.
    if (v.this_update > t + kSkew) {
        if (!t_proven || t > now()) {
            v.message = "the response is not yet valid (thisUpdate " + format_iso8601(v.this_update) + ")";
            return v;
        }
        // Validating at a proven past time: a later response is the better evidence (its status
        // covers that time, and a revocation after it is told apart by its date).
    } else if (v.next_update != 0 ? v.next_update < t - kSkew : t - v.this_update > kNoNextUpdateAge) {
        v.message = "the response is not recent enough (thisUpdate " + format_iso8601(v.this_update) + ", nextUpdate " +
                    time_or_none(v.next_update) + ", needed at " + format_iso8601(t) + ")";
        return v;
    }
    if (policy != nullptr && policy->revocation_max_age() && v.this_update < t - *policy->revocation_max_age()) {
        v.stale = true;
        v.message = "the response is older than the validation policy allows (thisUpdate " + format_iso8601(v.this_update) +
                    ", needed at " + format_iso8601(t) + ")";
        return v;
    }
    if (status == V_OCSP_CERTSTATUS_GOOD) {
        v.status = "good";
    } else if (status == V_OCSP_CERTSTATUS_REVOKED) {
        v.status = "revoked";
        v.revocation_time = rev ? ossl::asn1_time_to_unix(rev) : 0;
        v.reason = reason >= 0 ? OCSP_crl_reason_str(reason) : "unspecified";
        // RFC 6960 §4.4.7 / RFC 5280 §5.3.2: an invalidity date among the single extensions says
        // since when the key was compromised; the earlier of the two counts as the revocation.
        ossl::Ptr<ASN1_GENERALIZEDTIME, ASN1_GENERALIZEDTIME_free> inv(
            static_cast<ASN1_GENERALIZEDTIME*>(OCSP_SINGLERESP_get1_ext_d2i(single, NID_invalidity_date, nullptr, nullptr)));
        ERR_clear_error();
        if (inv && ASN1_TIME_check(inv.get()) == 1) {
            const std::int64_t since = ossl::asn1_time_to_unix(inv.get());
            if (since < v.revocation_time) v.invalidity_time = since;
        }
    } else {
        v.status = "unknown";
    }
    v.message = "OCSP " + v.status + " (responder " + v.responder + ", thisUpdate " + format_iso8601(v.this_update) + ")";
    return v;
}

std::vector<std::string> ocsp_urls(X509* cert) {
    std::vector<std::string> out;
    const ossl::StringStackPtr urls(X509_get1_ocsp(cert));
    // Each URL may cost a whole timeout: a certificate naming many cannot stall a check for long.
    for (int i = 0; urls && i < sk_OPENSSL_STRING_num(urls.get()) && out.size() < kMaxUrlsPerCertificate; ++i) {
        std::string u = sk_OPENSSL_STRING_value(urls.get(), i);
        if (is_http(u)) out.push_back(u);
    }
    return out;
}

std::vector<std::string> crl_urls(X509* cert) {
    std::vector<std::string> out;
    const ossl::DistPointsPtr dps(
        static_cast<STACK_OF(DIST_POINT)*>(X509_get_ext_d2i(cert, NID_crl_distribution_points, nullptr, nullptr)));
    ERR_clear_error();
    for (int i = 0; dps && i < sk_DIST_POINT_num(dps.get()); ++i) {
        DIST_POINT* dp = sk_DIST_POINT_value(dps.get(), i);
        if (dp->distpoint == nullptr || dp->distpoint->type != 0) continue;
        GENERAL_NAMES* names = dp->distpoint->name.fullname;
        for (int j = 0; j < sk_GENERAL_NAME_num(names); ++j) {
            GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, j);
            if (gn->type != GEN_URI) continue;
            const ASN1_IA5STRING* uri = gn->d.uniformResourceIdentifier;
            std::string u(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)), static_cast<std::size_t>(ASN1_STRING_length(uri)));
            // an IA5String may hold any bytes; a URL to fetch is printable ASCII (RFC 3986)
            const bool printable = std::all_of(u.begin(), u.end(), [](char c) { return c > 0x20 && c < 0x7F; });
            if (printable && is_http(u) && out.size() < kMaxUrlsPerCertificate) out.push_back(u);
        }
    }
    return out;
}

std::optional<OcspFetch> fetch_ocsp(X509* cert, X509* issuer, int timeout_seconds, std::string* why,
                                    const std::vector<std::string>& given_urls) {
    const auto urls = given_urls.empty() ? ocsp_urls(cert) : given_urls;
    if (urls.empty()) {
        *why = "no OCSP responder named in the certificate";
        return std::nullopt;
    }
    std::string reasons;
    for (const auto& url : urls) {
        OcspFetch f;
        f.url = url;
        f.request.reset(OCSP_REQUEST_new());
        OCSP_CERTID* id = OCSP_cert_to_id(nullptr, cert, issuer);
        if (!f.request || id == nullptr || !OCSP_request_add0_id(f.request.get(), id) ||
            !OCSP_request_add1_nonce(f.request.get(), nullptr, -1))
            ossl::fail(Errc::internal, "cannot build an OCSP request");
        try {
            const net::Fetched r =
                net::post(url, "application/ocsp-request", ossl::to_der(f.request.get(), i2d_OCSP_REQUEST), timeout_seconds);
            if (r.status != 200) {
                reasons += (reasons.empty() ? "" : "; ") + url + ": HTTP status " + std::to_string(r.status);
                continue;
            }
            f.response = ossl::d2i_exact<OCSP_RESPONSE, OCSP_RESPONSE_free>(d2i_OCSP_RESPONSE, r.body);
            if (!f.response) {
                ERR_clear_error();
                reasons += (reasons.empty() ? "" : "; ") + url + ": the answer is not an OCSP response";
                continue;
            }
            return f;
        } catch (const Error& e) {
            reasons += (reasons.empty() ? "" : "; ") + std::string(e.what());
        }
    }
    *why = "OCSP responder unreachable: " + reasons;
    return std::nullopt;
}

namespace {

ossl::X509CrlPtr parse_crl(const Bytes& data) {
    return ossl::read_pem_or_der<X509_CRL, X509_CRL_free>(data, PEM_read_bio_X509_CRL, d2i_X509_CRL);
}

bool still_current(X509_CRL* crl) {
    const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl);
    return next != nullptr && ossl::asn1_time_to_unix(next) > now();
}

}  // namespace

ossl::X509CrlPtr fetch_crl(const std::string& url, const std::string& cache_dir, int timeout_seconds, std::string* why) {
    namespace fs = std::filesystem;
    const auto key = ossl::sha256(std::span<const unsigned char>(reinterpret_cast<const unsigned char*>(url.data()), url.size()));
    const fs::path cached = cache_dir.empty() ? fs::path() : fs::path(cache_dir) / "crl" / (ossl::hex(key) + ".crl");
    if (!cached.empty()) {
        std::error_code ec;
        if (fs::exists(cached, ec)) {
            try {
                ossl::X509CrlPtr crl = parse_crl(detail::read_input_limited(cached.string(), detail::kMaxCrlFileBytes,
                                                                            "cached CRL '" + cached.string() + "'"));
                if (crl && still_current(crl.get())) return crl;
            } catch (const Error&) {
                // an unreadable cache entry is fetched again
            }
        }
    }
    try {
        const net::Fetched r = net::get(url, timeout_seconds);
        if (r.status != 200) {
            *why = url + ": HTTP status " + std::to_string(r.status);
            return nullptr;
        }
        ossl::X509CrlPtr crl = parse_crl(r.body);
        if (!crl) {
            *why = url + ": the answer is not a CRL";
            return nullptr;
        }
        if (!cached.empty() && still_current(crl.get())) {
            // The cache is an optimisation: failing to write it changes nothing else. The CRL's
            // signature is checked at every use, so a tampered entry cannot pass.
            try {
                detail::make_dirs(cached.parent_path().string(), 0700);  // the user's cache, nobody else's
                write_file_atomic(cached.string(), r.body, {.force = true, .mode = 0644});
            } catch (const Error&) {
            }
        }
        return crl;
    } catch (const Error& e) {
        *why = "CRL not fetched: " + std::string(e.what());
        return nullptr;
    }
}

std::string default_cache_dir() {
    if (const char* d = std::getenv("TSIGN_CACHE_DIR"); d && *d) return d;
    if (const char* d = std::getenv("XDG_CACHE_HOME"); d && *d) return std::string(d) + "/tsign";
    if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/tsign";
    return {};
}

bool network_allowed_by_environment() {
    const char* v = std::getenv("TSIGN_OFFLINE");
    return v == nullptr || *v == '\0' || std::string(v) == "0";
}

}  // namespace tsign::detail

namespace tsign {

std::string OcspCheckReport::to_json() const {
    auto t = [](std::int64_t v) { return v ? nlohmann::ordered_json(format_iso8601(v)) : nlohmann::ordered_json(nullptr); };
    nlohmann::ordered_json j;
    j["valid"] = valid;
    j["status"] = status;
    j["message"] = message;
    j["responder"] = responder;
    j["produced_at"] = t(produced_at);
    j["this_update"] = t(this_update);
    j["next_update"] = t(next_update);
    j["revocation_time"] = t(revocation_time);
    j["reason"] = reason.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(reason);
    return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

OcspCheckReport check_ocsp_response(const Bytes& response, const Bytes& certificate, const Bytes& issuer,
                                    const ChainOptions& trust) {
    auto resp = ossl::d2i_exact<OCSP_RESPONSE, OCSP_RESPONSE_free>(d2i_OCSP_RESPONSE, response);
    if (!resp) ossl::fail(Errc::malformed, "cannot read the OCSP response: malformed or truncated (DER expected)");
    ossl::X509Ptr cert = detail::parse_certificate(certificate, "the certificate");
    ossl::X509Ptr iss = detail::parse_certificate(issuer, "the issuer certificate");
    if (trust.trust_files.empty()) throw Error(Errc::usage, "no trust anchor given", "use --trust FILE");
    if (X509_check_issued(iss.get(), cert.get()) != X509_V_OK)
        throw Error(Errc::usage, "the issuer certificate did not issue the certificate",
                    "give the certificate's issuer with --issuer");
    return detail::check_ocsp_report(resp.get(), cert.get(), iss.get(), trust);
}

OcspCheckReport detail::check_ocsp_report(OCSP_RESPONSE* resp, X509* cert, X509* iss, const ChainOptions& trust,
                                          OCSP_REQUEST* request) {
    std::vector<ossl::X509Ptr> anchors_owned;
    for (const auto& f : trust.trust_files)
        for (auto& c : detail::load_certificates(f)) anchors_owned.push_back(std::move(c));
    std::vector<ossl::X509Ptr> others_owned;
    for (const auto& f : trust.untrusted_files)
        for (auto& c : detail::load_certificates(f)) others_owned.push_back(std::move(c));
    std::vector<X509*> anchors;
    for (const auto& c : anchors_owned) anchors.push_back(c.get());
    if (anchors.empty()) anchors.push_back(iss);  // the issuer's word about its own certificate
    ossl::X509RefStackPtr others(sk_X509_new_null());
    for (const auto& c : others_owned) sk_X509_push(others.get(), c.get());
    const std::int64_t t = trust.at ? *trust.at : static_cast<std::int64_t>(::time(nullptr));
    const auto policy = detail::Policy::load(trust.validation_policy_file);
    const detail::OcspVerdict v = detail::check_ocsp(resp, cert, iss,
                                                     {.trust = anchors,
                                                      .untrusted = others.get(),
                                                      .at = t,
                                                      .at_proven = trust.at.has_value(),
                                                      .request = request,
                                                      .policy = policy.get()});
    OcspCheckReport r;
    r.status = v.status;
    r.valid = v.status == "good";
    r.message = v.message;
    r.responder = v.responder;
    r.produced_at = v.produced_at;
    r.this_update = v.this_update;
    r.next_update = v.next_update;
    r.revocation_time = v.revocation_time;
    r.reason = v.reason;
    return r;
}

}  // namespace tsign
