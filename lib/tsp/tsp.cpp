// RFC 3161 timestamps: client (RFC 3161 §2.4), verification, and the TSA server.
#include "tsign/tsp.hpp"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <condition_variable>
#include <future>
#include <mutex>
#include <shared_mutex>
#include <thread>

#include <nlohmann/json.hpp>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ts.h>

#include "core/db.hpp"
#include "core/findings_json.hpp"
#include "core/io_impl.hpp"
#include "tsp/tsp_impl.hpp"
#include "keys/signer_impl.hpp"
#include "net/http.hpp"
#include "net/http_server.hpp"
#include "net/metrics.hpp"
#include "tsign/error.hpp"
#include "tsign/pkcs11_uri.hpp"
#include "tsign/time.hpp"
#include "x509/chain.hpp"
#include "x509/name.hpp"

namespace tsign {

namespace {

using TsReqPtr = ossl::Ptr<TS_REQ, TS_REQ_free>;
using TsRespPtr = ossl::Ptr<TS_RESP, TS_RESP_free>;
using TsMsgImprintPtr = ossl::Ptr<TS_MSG_IMPRINT, TS_MSG_IMPRINT_free>;
using X509AlgorPtr = ossl::Ptr<X509_ALGOR, X509_ALGOR_free>;
using Pkcs7Ptr = ossl::Ptr<PKCS7, PKCS7_free>;
using TsVerifyPtr = ossl::Ptr<TS_VERIFY_CTX, TS_VERIFY_CTX_free>;


std::string status_text(TS_STATUS_INFO* si) {
    static const char* names[] = {"granted", "grantedWithMods", "rejection", "waiting", "revocationWarning", "revocationNotification"};
    const long s = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(si));
    std::string out = s >= 0 && s <= 5 ? names[s] : "status " + std::to_string(s);
    const STACK_OF(ASN1_UTF8STRING)* text = TS_STATUS_INFO_get0_text(si);
    for (int i = 0; text && i < sk_ASN1_UTF8STRING_num(text); ++i) {
        const ASN1_UTF8STRING* t = sk_ASN1_UTF8STRING_value(text, i);
        // PKIFreeText from the TSA: any bytes, shown as valid UTF-8
        out += ": " + ossl::string_to_utf8(t);
    }
    return out;
}

}  // namespace

Bytes request_timestamp(std::span<const std::uint8_t> digest, const TimestampOptions& o) {
    if (o.urls.empty()) throw Error(Errc::usage, "no TSA given", "use --tsa URL");
    // RFC 3161 §2.4.1: version 1, the message imprint, a nonce, certReq.
    TsReqPtr req(TS_REQ_new());
    TsMsgImprintPtr imprint(TS_MSG_IMPRINT_new());
    X509AlgorPtr alg(X509_ALGOR_new());
    X509_ALGOR_set_md(alg.get(), detail::md_of(o.digest));
    TS_MSG_IMPRINT_set_algo(imprint.get(), alg.get());
    TS_MSG_IMPRINT_set_msg(imprint.get(), const_cast<unsigned char*>(digest.data()), static_cast<int>(digest.size()));
    TS_REQ_set_version(req.get(), 1);
    TS_REQ_set_msg_imprint(req.get(), imprint.get());
    unsigned char rnd[8];
    if (RAND_bytes(rnd, sizeof rnd) != 1) ossl::fail(Errc::internal, "random generator failed");
    rnd[0] &= 0x7f;
    rnd[0] |= 0x01;
    ossl::BnPtr bn(BN_bin2bn(rnd, sizeof rnd, nullptr));
    ossl::Asn1IntPtr nonce(BN_to_ASN1_INTEGER(bn.get(), nullptr));
    TS_REQ_set_nonce(req.get(), nonce.get());
    TS_REQ_set_cert_req(req.get(), 1);
    if (!o.policy.empty()) {
        ossl::Asn1ObjPtr pol(OBJ_txt2obj(o.policy.c_str(), 1));
        if (!pol) throw Error(Errc::usage, "invalid TSA policy OID '" + o.policy + "'");
        TS_REQ_set_policy_id(req.get(), pol.get());
    }
    const Bytes query = ossl::to_der(req.get(), i2d_TS_REQ);

    std::string failures;
    for (const auto& url : o.urls) {
        try {
            const net::Fetched r = net::post(url, "application/timestamp-query", query, o.timeout_seconds);
            if (r.status != 200) throw Error(Errc::network, url + ": HTTP status " + std::to_string(r.status));
            const unsigned char* p = r.body.data();
            TsRespPtr resp(d2i_TS_RESP(nullptr, &p, static_cast<long>(r.body.size())));
            if (!resp) throw Error(Errc::network, url + ": the answer is not a timestamp reply");
            const long status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(resp.get())));
            if (status != 0 && status != 1)
                throw Error(Errc::network, url + ": the TSA refused (" + status_text(TS_RESP_get_status_info(resp.get())) + ")");
            // RFC 3161 §2.4.2: the reply must carry our nonce and our imprint.
            TsVerifyPtr v(TS_REQ_to_TS_VERIFY_CTX(req.get(), nullptr));
            TS_VERIFY_CTX_set_flags(v.get(), TS_VFY_VERSION | TS_VFY_NONCE | TS_VFY_IMPRINT);
            if (TS_RESP_verify_response(v.get(), resp.get()) != 1) {
                const auto causes = ossl::drain_errors();
                throw Error(Errc::network, url + ": the reply does not answer our request (" +
                                               (causes.empty() ? std::string("nonce or imprint differ") : causes.back()) + ")");
            }
            ERR_clear_error();
            return r.body;
        } catch (const Error& e) {
            ERR_clear_error();
            failures += (failures.empty() ? "" : "; ") + std::string(e.what());
        }
    }
    throw Error(Errc::network, "no timestamp: " + failures, o.urls.size() > 1 ? "" : "give another TSA with a second --tsa URL");
}

/// Digest of a file, streamed in 1 MiB blocks.
Bytes detail::digest_file(const std::string& path, const EVP_MD* md) {
    detail::check_input_file(path);
    ossl::BioPtr in(path == "-" ? BIO_new_fp(stdin, BIO_NOCLOSE) : BIO_new_file(path.c_str(), "rb"));
    if (!in) {
        ERR_clear_error();
        (void)read_file(path);
        throw Error(Errc::file_unreadable, "cannot read '" + path + "'");
    }
    ossl::MdCtxPtr ctx(EVP_MD_CTX_new());
    EVP_DigestInit_ex(ctx.get(), md, nullptr);
    std::vector<unsigned char> buf(1 << 20);
    for (int n; (n = BIO_read(in.get(), buf.data(), static_cast<int>(buf.size()))) > 0;)
        EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<size_t>(n));
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx.get(), out, &len);
    return Bytes(out, out + len);
}

Bytes timestamp_data(std::span<const std::uint8_t> data, const TimestampOptions& o) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!EVP_Digest(data.data(), data.size(), out, &len, detail::md_of(o.digest), nullptr)) ossl::fail(Errc::internal, "cannot hash");
    return request_timestamp(std::span<const std::uint8_t>(out, len), o);
}

Bytes timestamp_file(const std::string& path, const TimestampOptions& o) {
    return request_timestamp(detail::digest_file(path, detail::md_of(o.digest)), o);
}

Bytes token_of_response(const Bytes& response) {
    const unsigned char* p = response.data();
    TsRespPtr resp(d2i_TS_RESP(nullptr, &p, static_cast<long>(response.size())));
    if (!resp || TS_RESP_get_token(resp.get()) == nullptr) ossl::fail(Errc::malformed, "not a timestamp reply with a token");
    return ossl::to_der(TS_RESP_get_token(resp.get()), i2d_PKCS7);
}

std::string TimestampReport::to_json() const {
    nlohmann::ordered_json j;
    j["valid"] = valid;
    j["time"] = time ? nlohmann::ordered_json(format_iso8601(time)) : nlohmann::ordered_json(nullptr);
    j["accuracy_seconds"] = accuracy;
    j["serial"] = serial;
    j["policy"] = policy;
    j["tsa"] = tsa;
    j["digest_algorithm"] = digest_algorithm;
    j["chain"] = chain;
    j["revocation"] = to_string(revocation);
    j["errors"] = errors;
    j["findings"] = detail::findings_json(findings);
    j["validation_policy"] = {{"name", policy_name}, {"sha256", policy_sha256}};
    j["warnings"] = notes;
    return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

/// A token from either a TimeStampToken or a TimeStampResp.
Pkcs7Ptr parse_token(const Bytes& data) {
    Bytes der = data;
    if (ossl::looks_like_pem(data)) {
        auto bio = ossl::mem_bio(data);
        ossl::PemBlock block;
        if (!ossl::read_pem_block(bio.get(), block)) ossl::fail(Errc::malformed, "cannot read the timestamp: malformed PEM");
        der.assign(block.body.get(), block.body.get() + block.length);
    }
    const unsigned char* p = der.data();
    TsRespPtr resp(d2i_TS_RESP(nullptr, &p, static_cast<long>(der.size())));
    if (resp && p == der.data() + der.size() && TS_RESP_get_token(resp.get()) != nullptr)
        return Pkcs7Ptr(PKCS7_dup(TS_RESP_get_token(resp.get())));
    ERR_clear_error();
    p = der.data();
    Pkcs7Ptr token(d2i_PKCS7(nullptr, &p, static_cast<long>(der.size())));
    if (!token || p != der.data() + der.size()) ossl::fail(Errc::malformed, "cannot read the timestamp: neither a token nor a reply");
    return token;
}

}  // namespace

namespace {
TimestampReport verify_digest(const Bytes& data, std::span<const std::uint8_t> digest, const ChainOptions& chain,
                              STACK_OF(X509) * extra, const TimestampExpectations& expect, const detail::Evidence* embedded = nullptr,
                              detail::Evidence* used = nullptr, std::optional<std::int64_t> poe = std::nullopt);
}

TimestampReport verify_timestamp(const Bytes& data, std::span<const std::uint8_t> digest, const ChainOptions& chain,
                                 const TimestampExpectations& expect) {
    return verify_digest(data, digest, chain, nullptr, expect);
}

namespace {

/// The token against the request it answers (RFC 3161 §2.4.2): same nonce, imprint and policy.
void check_against_request(const Bytes& request, TS_TST_INFO* info, std::vector<std::string>& errors) {
    const unsigned char* p = request.data();
    ossl::Ptr<TS_REQ, TS_REQ_free> req(d2i_TS_REQ(nullptr, &p, static_cast<long>(request.size())));
    if (!req || p != request.data() + request.size()) ossl::fail(Errc::malformed, "cannot read the timestamp request: malformed or truncated");
    const ASN1_INTEGER* want_nonce = TS_REQ_get_nonce(req.get());
    const ASN1_INTEGER* got_nonce = TS_TST_INFO_get_nonce(info);
    if (want_nonce && (!got_nonce || ASN1_INTEGER_cmp(want_nonce, got_nonce) != 0))
        errors.push_back("the token does not answer the request: nonce differs");
    TS_MSG_IMPRINT* want = TS_REQ_get_msg_imprint(req.get());
    TS_MSG_IMPRINT* got = TS_TST_INFO_get_msg_imprint(info);
    const ASN1_OCTET_STRING* wd = TS_MSG_IMPRINT_get_msg(want);
    const ASN1_OCTET_STRING* gd = TS_MSG_IMPRINT_get_msg(got);
    if (OBJ_cmp(TS_MSG_IMPRINT_get_algo(want)->algorithm, TS_MSG_IMPRINT_get_algo(got)->algorithm) != 0 ||
        ASN1_OCTET_STRING_cmp(wd, gd) != 0)
        errors.push_back("the token does not answer the request: message imprint differs");
    if (const ASN1_OBJECT* pol = TS_REQ_get_policy_id(req.get()); pol && OBJ_cmp(pol, TS_TST_INFO_get_policy_id(info)) != 0)
        errors.push_back("the token does not answer the request: policy differs");
}

/// The token's TSA: the certificate its SignerInfo names (from the token, else from the
/// --untrusted certificates), and that certificate's path at genTime with the timestamping purpose
/// (a TSA certificate that expired later is fine).
struct TsaPath {
    X509* cert = nullptr;
    ossl::X509Ptr given;  // the TSA certificate when it comes from --untrusted, not from the token
    ChainReport report;
    std::shared_ptr<const detail::Policy> policy;  // the validation policy the path was judged under
};

TsaPath tsa_path(PKCS7* token, std::int64_t gen_time, const ChainOptions& chain, STACK_OF(X509) * extra,
                 const detail::Evidence* embedded, detail::Evidence* used, std::optional<std::int64_t> poe) {
    TsaPath t;
    ChainOptions co = chain;
    co.purpose = Purpose::timestamping;
    co.at = gen_time;
    detail::TrustMaterial tm(co);
    t.policy = tm.shared_policy();
    STACK_OF(PKCS7_SIGNER_INFO)* sis = PKCS7_get_signer_info(token);
    STACK_OF(X509)* certs = PKCS7_type_is_signed(token) ? token->d.sign->cert : nullptr;
    if (sis && sk_PKCS7_SIGNER_INFO_num(sis) == 1) {
        PKCS7_ISSUER_AND_SERIAL* ias = sk_PKCS7_SIGNER_INFO_value(sis, 0)->issuer_and_serial;
        t.cert = X509_find_by_issuer_and_serial(certs, ias->issuer, ias->serial);
        for (const auto& c : tm.untrusted())
            if (t.cert == nullptr && X509_NAME_cmp(X509_get_issuer_name(c.get()), ias->issuer) == 0 &&
                ASN1_INTEGER_cmp(X509_get0_serialNumber(c.get()), ias->serial) == 0) {
                X509_up_ref(c.get());
                t.given.reset(c.get());
                t.cert = c.get();
            }
    }
    if (t.cert == nullptr) return t;
    if (embedded) tm.add_evidence(embedded->crls, embedded->ocsp);
    ossl::X509RefStackPtr offered(sk_X509_new_null());
    for (int i = 0; certs && i < sk_X509_num(certs); ++i) sk_X509_push(offered.get(), sk_X509_value(certs, i));
    for (int i = 0; extra && i < sk_X509_num(extra); ++i) sk_X509_push(offered.get(), sk_X509_value(extra, i));
    // The TSA's keys and signatures are judged at the time something proves the token existed
    // (a later archive timestamp), else now: genTime is what the token claims, not a proof of itself.
    t.report = tm.validate(t.cert, {.at = gen_time,
                                    .at_proven = true,
                                    .extra_untrusted = offered.get(),
                                    .used = used,
                                    .crypto_time = poe.value_or(static_cast<std::int64_t>(::time(nullptr)))});
    return t;
}

TimestampReport verify_digest(const Bytes& data, std::span<const std::uint8_t> digest, const ChainOptions& chain,
                              STACK_OF(X509) * extra, const TimestampExpectations& expect, const detail::Evidence* embedded,
                              detail::Evidence* used, std::optional<std::int64_t> poe) {
    Pkcs7Ptr token = parse_token(data);
    TimestampReport r;
    auto problem = [&r](FindingCode code, std::string message) {
        r.errors.push_back(message);
        r.findings.push_back({code, FindingScope::signer, -1, "", std::move(message)});
    };
    ossl::Ptr<TS_TST_INFO, TS_TST_INFO_free> info(PKCS7_to_TS_TST_INFO(token.get()));
    if (!info) ossl::fail(Errc::malformed, "cannot read the timestamp: the token holds no TSTInfo");
    r.time = ossl::asn1_time_to_unix(TS_TST_INFO_get_time(info.get()));
    r.serial = ossl::serial_hex(TS_TST_INFO_get_serial(info.get()));
    if (const TS_ACCURACY* acc = TS_TST_INFO_get_accuracy(info.get())) {
        auto value = [](const ASN1_INTEGER* i) { return i ? std::max<long>(0, ASN1_INTEGER_get(i)) : 0L; };
        r.accuracy = value(TS_ACCURACY_get_seconds(acc)) + ((value(TS_ACCURACY_get_millis(acc)) || value(TS_ACCURACY_get_micros(acc))) ? 1 : 0);
    }
    char buf[128];
    OBJ_obj2txt(buf, sizeof buf, TS_TST_INFO_get_policy_id(info.get()), 1);
    r.policy = buf;
    X509_ALGOR* alg = TS_MSG_IMPRINT_get_algo(TS_TST_INFO_get_msg_imprint(info.get()));
    r.digest_algorithm = OBJ_nid2sn(OBJ_obj2nid(alg->algorithm));

    // A token cannot prove that something existed at a time that has not come yet.
    const std::int64_t now = static_cast<std::int64_t>(::time(nullptr));
    if (r.time > now + 300) problem(FindingCode::timestamp_invalid, "the token's time " + format_iso8601(r.time) + " is in the future");
    TsaPath tsa = tsa_path(token.get(), r.time, chain, extra, embedded, used, poe);
    const detail::Policy& policy = *tsa.policy;
    r.policy_name = policy.info().name;
    r.policy_sha256 = policy.info().sha256;
    if (tsa.cert == nullptr) {
        problem(FindingCode::timestamp_invalid, "the TSA's certificate is neither in the token nor given with --untrusted");
        return r;
    }
    X509* tsa_cert = tsa.cert;
    r.tsa = ossl::name_to_utf8(X509_get_subject_name(tsa_cert));
    // The TSA is the signer of the token (SignerInfo), never merely the first certificate in the bag.
    if (!expect.tsa_subject.empty() &&
        X509_NAME_cmp(detail::parse_slash_dn(expect.tsa_subject).get(), X509_get_subject_name(tsa_cert)) != 0)
        problem(FindingCode::timestamp_invalid, "the token is signed by '" + r.tsa + "', not by the expected TSA '" + expect.tsa_subject + "'");
    if (!expect.request.empty()) {
        std::vector<std::string> mismatches;
        check_against_request(expect.request, info.get(), mismatches);
        for (auto& m : mismatches) problem(FindingCode::timestamp_invalid, std::move(m));
    }
    const ChainReport& cr = tsa.report;
    r.revocation = cr.revocation;
    r.notes = cr.notes;
    r.chain = cr.chain;
    for (const auto& f : cr.findings) {
        std::string msg = (f.depth == 0 ? std::string("TSA certificate")
                                        : "certificate at depth " + std::to_string(f.depth) + " of the TSA's path") +
                          (f.subject.empty() ? "" : " ('" + f.subject + "')") + ": " + f.message;
        r.errors.push_back(msg);
        r.findings.push_back({f.code, FindingScope::chain, f.depth, f.subject, std::move(msg)});
    }
    // The validation policy: the imprint's hash and the hash the TSA signed with (its key is in
    // the path checks), at the time of a proof of the token's existence.
    const std::int64_t ct = poe.value_or(static_cast<std::int64_t>(::time(nullptr)));
    std::vector<CertFinding> weak;
    detail::crypto_finding(policy.signature_hash(alg, ct), -1, "", "the timestamp's message imprint", chain.allow_weak_algorithms, weak, r.notes);
    if (STACK_OF(PKCS7_SIGNER_INFO)* sis = PKCS7_get_signer_info(token.get()); sis && sk_PKCS7_SIGNER_INFO_num(sis) == 1) {
        PKCS7_SIGNER_INFO* si = sk_PKCS7_SIGNER_INFO_value(sis, 0);
        detail::crypto_finding(policy.signature_hash(si->digest_alg, ct), -1, "", "the TSA's signature on the token",
                               chain.allow_weak_algorithms, weak, r.notes);
    }
    for (auto& w : weak) problem(w.code, std::move(w.message));

    // The signature over TSTInfo, the ESS signing certificate, and the imprint (RFC 3161 §2.4.2).
    TsVerifyPtr v(TS_VERIFY_CTX_new());
    unsigned char* imp = static_cast<unsigned char*>(OPENSSL_malloc(digest.size()));
    std::memcpy(imp, digest.data(), digest.size());
    TS_VERIFY_CTX_set_imprint(v.get(), imp, static_cast<long>(digest.size()));
    X509_STORE* store = X509_STORE_new();
    X509_STORE_add_cert(store, tsa_cert);  // the path was checked above, at genTime
    X509_VERIFY_PARAM_set_flags(X509_STORE_get0_param(store), X509_V_FLAG_PARTIAL_CHAIN);
    X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store), static_cast<time_t>(r.time));
    X509_VERIFY_PARAM_set_auth_level(X509_STORE_get0_param(store), 0);  // algorithms: the policy's call, above
    TS_VERIFY_CTX_set_store(v.get(), store);
    if (tsa.given) {  // a token without certificates: its signer comes from --untrusted
        STACK_OF(X509)* signer = sk_X509_new_null();
        X509_up_ref(tsa.given.get());
        sk_X509_push(signer, tsa.given.get());
        TS_VERIFY_CTX_set_certs(v.get(), signer);
    }
    TS_VERIFY_CTX_set_flags(v.get(), TS_VFY_VERSION | TS_VFY_SIGNATURE | TS_VFY_IMPRINT | TS_VFY_SIGNER);
    if (TS_RESP_verify_token(v.get(), token.get()) != 1) {
        // OpenSSL's own check of the TSA certificate (purpose, validity now) repeats what the path
        // validation above judged, at genTime: those findings stand for it.
        const bool cert_only = ERR_GET_REASON(ERR_peek_last_error()) == TS_R_CERTIFICATE_VERIFY_ERROR && !cr.findings.empty();
        const auto causes = ossl::drain_errors();
        if (cert_only) {
            r.valid = r.errors.empty();
            return r;
        }
        std::string why = causes.empty() ? "verification failed" : causes.back();
        if (why.find("message imprint mismatch") != std::string::npos) why = "the timestamp is over other data (message imprint mismatch)";
        problem(FindingCode::timestamp_invalid, why);
    }
    ERR_clear_error();
    r.valid = r.errors.empty();
    return r;
}
}  // namespace

namespace {
/// The digest algorithm of a token's message imprint.
const EVP_MD* imprint_md(const Bytes& data) {
    Pkcs7Ptr token = parse_token(data);
    ossl::Ptr<TS_TST_INFO, TS_TST_INFO_free> info(PKCS7_to_TS_TST_INFO(token.get()));
    if (!info) ossl::fail(Errc::malformed, "cannot read the timestamp: the token holds no TSTInfo");
    const EVP_MD* md = EVP_get_digestbyobj(TS_MSG_IMPRINT_get_algo(TS_TST_INFO_get_msg_imprint(info.get()))->algorithm);
    if (md == nullptr) throw Error(Errc::unsupported, "the timestamp uses an unknown digest algorithm");
    return md;
}
}  // namespace

TimestampReport detail::verify_timestamp_over(const Bytes& data, std::span<const std::uint8_t> content,
                                              const ChainOptions& chain, STACK_OF(X509) * extra, const Evidence* embedded,
                                              Evidence* used, std::optional<std::int64_t> poe) {
    const EVP_MD* md = imprint_md(data);
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(content.data(), content.size(), out, &len, md, nullptr);
    return verify_digest(data, std::span<const std::uint8_t>(out, len), chain, extra, {}, embedded, used, poe);
}

ChainReport detail::validate_timestamp_signer(const Bytes& data, const ChainOptions& chain, STACK_OF(X509) * extra,
                                              const Evidence* embedded, Evidence* used) {
    Pkcs7Ptr token = parse_token(data);
    ossl::Ptr<TS_TST_INFO, TS_TST_INFO_free> info(PKCS7_to_TS_TST_INFO(token.get()));
    if (!info) ossl::fail(Errc::malformed, "cannot read the timestamp: the token holds no TSTInfo");
    TsaPath t = tsa_path(token.get(), ossl::asn1_time_to_unix(TS_TST_INFO_get_time(info.get())), chain, extra, embedded, used,
                         std::nullopt);
    if (t.cert == nullptr) {
        ChainReport r;
        r.valid = false;
        r.findings.push_back({0, "", FindingCode::no_chain_to_trust_anchor, "the TSA's certificate is neither in the token nor given with --untrusted"});
        return r;
    }
    return t.report;
}

TimestampReport detail::verify_timestamp_digest(const Bytes& data, std::span<const std::uint8_t> digest, const ChainOptions& chain,
                                                STACK_OF(X509) * extra, const Evidence* embedded, Evidence* used,
                                                std::optional<std::int64_t> poe) {
    return verify_digest(data, digest, chain, extra, {}, embedded, used, poe);
}

TimestampReport verify_timestamp_data(const Bytes& data, std::span<const std::uint8_t> content, const ChainOptions& chain) {
    return detail::verify_timestamp_over(data, content, chain, nullptr);
}

TimestampReport verify_timestamp_file(const Bytes& data, const std::string& path, const ChainOptions& chain,
                                      const TimestampExpectations& expect) {
    const EVP_MD* md = imprint_md(data);
    return verify_timestamp(data, detail::digest_file(path, md), chain, expect);
}

// ---------------------------------------------------------------------------------------------
// The TSA server

namespace {

const char* kTsaSchema = R"(
CREATE TABLE IF NOT EXISTS tokens(
  serial INTEGER PRIMARY KEY AUTOINCREMENT,
  time INTEGER,
  digest_algorithm TEXT,
  imprint TEXT,
  policy TEXT,
  token BLOB);
CREATE TABLE IF NOT EXISTS serials(next INTEGER NOT NULL);
)";

constexpr std::int64_t kSerialBlock = 256;  // serials reserved per durable transaction

/// The timeStampToken inside a DER TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken
/// ContentInfo }: the bytes after the status (as OpenSSL encoded them a moment ago), not encoded twice.
Bytes token_bytes_of_response(const Bytes& der) {
    const unsigned char* p = der.data();
    long len = 0;
    int tag = 0, cls = 0;
    if ((ASN1_get_object(&p, &len, &tag, &cls, static_cast<long>(der.size())) & 0x80) || tag != V_ASN1_SEQUENCE)
        ossl::fail(Errc::internal, "cannot read the timestamp response just made");
    const unsigned char* status = p;
    long slen = 0;
    if ((ASN1_get_object(&p, &slen, &tag, &cls, static_cast<long>(der.data() + der.size() - status)) & 0x80) ||
        tag != V_ASN1_SEQUENCE)
        ossl::fail(Errc::internal, "cannot read the timestamp response just made");
    p += slen;
    return Bytes(p, der.data() + der.size());
}

/// One issued token, on its way into the archive, and whom to answer once it is there (or not).
struct Record {
    std::int64_t serial = 0, time = 0;
    std::string digest_algorithm, imprint;
    Bytes token;
    Bytes response;  // the DER TimeStampResp that carries the token
    std::function<void(detail::TsaAnswer)> done;
};

}  // namespace

namespace {
std::uint64_t next_instance() {
    static std::atomic<std::uint64_t> n{0};
    return ++n;
}
}  // namespace

struct detail::TsaResponder::Impl {
    TsaServeOptions opt;
    std::unique_ptr<Signer> signer;
    std::unique_ptr<detail::SigningKey> key;  // the OpenSSL bridge to signer, made once per opening
    std::uint64_t signer_generation = 0;
    const std::uint64_t instance = next_instance();  // tells this responder's thread-local contexts from another's
    ossl::X509Ptr cert;
    ossl::X509StackPtr chain;  // the TSA's intermediates, put into tokens with the certificate (certReq)
    std::unique_ptr<db::Db> db;
    std::shared_mutex key_mutex;   // shared while signing; exclusive while the key is reopened
    std::mutex token_mutex;        // a token's session signs one request at a time
    // Serials: reserved in blocks, each block one durable transaction; unique and increasing
    // across restarts (a restart skips what was left of the last block).
    std::mutex serial_mutex;
    std::int64_t next_serial = 0, serial_limit = 0;
    // The archive: group commit by one archiver thread. A response leaves only after the
    // transaction that holds its token committed; when a commit fails, every request of that
    // group (and only of that group) gets an error instead of its token.
    std::mutex conn_mutex;  // the SQLite connection: one transaction at a time
    std::mutex queue_mutex;
    std::condition_variable queue_cv, idle_cv;
    std::vector<Record> pending;
    bool committing = false, stopping = false;
    std::thread archiver;
    // metrics
    net::Histogram commit_latency;
    std::atomic<std::uint64_t> tokens{0}, archive_failures{0}, rejections{0};

    ~Impl() {
        {
            std::lock_guard<std::mutex> lock(queue_mutex);
            stopping = true;
        }
        queue_cv.notify_all();
        if (archiver.joinable()) archiver.join();
    }

    std::int64_t take_serial() {
        std::lock_guard<std::mutex> lock(serial_mutex);
        if (next_serial >= serial_limit) {
            std::lock_guard<std::mutex> conn(conn_mutex);
            db::Transaction t(*db);
            std::int64_t next = 1;
            auto q = db->prepare("SELECT next FROM serials");
            if (q.step()) next = q.int64(0);
            auto m = db->prepare("SELECT COALESCE(MAX(serial), 0) + 1 FROM tokens");
            if (m.step()) next = std::max(next, m.int64(0));
            db->exec("DELETE FROM serials");
            db->prepare("INSERT INTO serials(next) VALUES(?)").bind(1, next + kSerialBlock).run();
            t.commit();
            next_serial = next;
            serial_limit = next + kSerialBlock;
        }
        return next_serial++;
    }

    void enqueue(Record r) {
        {
            std::lock_guard<std::mutex> lock(queue_mutex);
            pending.push_back(std::move(r));
        }
        queue_cv.notify_one();
    }

    /// The archiver thread: takes everything queued, commits it in one transaction, answers.
    void archive_loop() {
        std::unique_lock<std::mutex> lock(queue_mutex);
        for (;;) {
            queue_cv.wait(lock, [this] { return stopping || !pending.empty(); });
            if (pending.empty()) return;  // stopping, and nothing left
            std::vector<Record> batch;
            batch.swap(pending);
            committing = true;
            lock.unlock();
            const auto t0 = std::chrono::steady_clock::now();
            std::string failure;
            try {
                std::lock_guard<std::mutex> conn(conn_mutex);
                db::Transaction t(*db);
                auto ins = db->prepare("INSERT INTO tokens(serial, time, digest_algorithm, imprint, policy, token) VALUES(?,?,?,?,?,?)");
                for (const auto& rec : batch) {
                    ins.bind(1, rec.serial).bind(2, rec.time).bind(3, rec.digest_algorithm).bind(4, rec.imprint).bind(5, opt.policy)
                        .bind(6, rec.token);
                    ins.run();
                    ins.reset();
                }
                t.commit();
            } catch (const std::exception& e) {
                failure = e.what();
            }
            commit_latency.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
            if (!failure.empty()) {
                archive_failures.fetch_add(batch.size());
                if (opt.log)
                    opt.log("archive write failed (" + std::to_string(batch.size()) + " timestamp(s) not issued): " + failure);
            } else {
                tokens.fetch_add(batch.size());
            }
            for (auto& rec : batch) {
                TsaAnswer a;
                if (failure.empty()) {
                    a.der = std::move(rec.response);
                } else {
                    a.status = 503;
                    a.error = "the timestamp could not be archived; it was not issued";
                }
                try {
                    rec.done(std::move(a));
                } catch (...) {  // an answer that cannot be delivered: the client is gone
                }
            }
            lock.lock();
            committing = false;
            idle_cv.notify_all();
        }
    }

    void flush() {
        std::unique_lock<std::mutex> lock(queue_mutex);
        idle_cv.wait(lock, [this] { return pending.empty() && !committing; });
    }

    static ASN1_INTEGER* serial_cb(TS_RESP_CTX*, void* data) noexcept {
        ASN1_INTEGER* s = ASN1_INTEGER_new();
        if (s != nullptr) ASN1_INTEGER_set_int64(s, *static_cast<std::int64_t*>(data));
        return s;  // null: OpenSSL answers with a rejection
    }

    /// OpenSSL writes a token's certificates in the order it was given them (the TSA's first), but
    /// they are a SET OF: DER wants them sorted by their encodings (X.690 §11.6). A token that is
    /// not DER cannot take the ats-hash-index-v3 attribute of an archive timestamp (extend --level
    /// lta re-encodes it), so with --chain the certificates are put in DER order. The signature
    /// does not cover them.
    static void der_order_certificates(PKCS7* token) {
        if (token == nullptr || !PKCS7_type_is_signed(token) || token->d.sign == nullptr || token->d.sign->cert == nullptr)
            return;
        STACK_OF(X509)* certs = token->d.sign->cert;
        std::vector<std::pair<Bytes, X509*>> sorted;
        for (int i = 0; i < sk_X509_num(certs); ++i)
            sorted.emplace_back(ossl::to_der(sk_X509_value(certs, i), i2d_X509), sk_X509_value(certs, i));
        // as OpenSSL's DER encoder orders a SET OF: the common prefix, then the shorter first
        std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
            const std::size_t n = std::min(a.first.size(), b.first.size());
            const int c = n == 0 ? 0 : std::memcmp(a.first.data(), b.first.data(), n);
            return c != 0 ? c < 0 : a.first.size() < b.first.size();
        });
        for (int i = 0; i < static_cast<int>(sorted.size()); ++i)
            sk_X509_set(certs, i, sorted[static_cast<std::size_t>(i)].second);
    }

    static bool signing_failed(TS_RESP* resp) {
        if (resp == nullptr || TS_RESP_get_tst_info(resp) != nullptr) return false;
        return status_text(TS_RESP_get_status_info(resp)).find("signature generation") != std::string::npos;
    }

    /// One response, signed with the current key. Sets *on_token.
    TsRespPtr sign_once(const Bytes& query, std::int64_t* serial, bool* on_token) {
        std::shared_lock<std::shared_mutex> key_lock(key_mutex);
        if (!signer || !key) throw Error(Errc::token_not_found, "the TSA key is not available (token removed?)");
        *on_token = Pkcs11Uri::is_uri(opt.key.spec);
        std::unique_lock<std::mutex> token_lock(token_mutex, std::defer_lock);
        if (*on_token || !signer->thread_safe()) token_lock.lock();
        // One response context per thread and key, reused (TS_RESP_create_response resets its
        // per-request state): it holds the bridge's public key, never the token's key itself.
        struct ThreadCtx {
            std::uint64_t owner = 0, generation = 0;
            ossl::Ptr<TS_RESP_CTX, TS_RESP_CTX_free> ctx;
        };
        thread_local ThreadCtx tl;
        if (!tl.ctx || tl.owner != instance || tl.generation != signer_generation) {
            ossl::Ptr<TS_RESP_CTX, TS_RESP_CTX_free> ctx(TS_RESP_CTX_new());
            if (!ctx) ossl::fail(Errc::internal, "cannot set up a timestamp response");
            TS_RESP_CTX_set_signer_cert(ctx.get(), cert.get());
            TS_RESP_CTX_set_signer_key(ctx.get(), key->pkey());
            TS_RESP_CTX_set_signer_digest(ctx.get(), EVP_sha256());
            if (chain && !TS_RESP_CTX_set_certs(ctx.get(), chain.get()))
                ossl::fail(Errc::internal, "cannot set up a timestamp response");
            TS_RESP_CTX_set_ess_cert_id_digest(ctx.get(), EVP_sha256());  // ESSCertIDv2 (RFC 5816)
            ossl::Asn1ObjPtr pol(OBJ_txt2obj(opt.policy.c_str(), 1));
            TS_RESP_CTX_set_def_policy(ctx.get(), pol.get());
            for (const EVP_MD* md : {EVP_sha256(), EVP_sha384(), EVP_sha512()}) TS_RESP_CTX_add_md(ctx.get(), md);
            TS_RESP_CTX_set_accuracy(ctx.get(), 1, 0, 0);
            tl.ctx = std::move(ctx);
            tl.owner = instance;
            tl.generation = signer_generation;
        }
        TS_RESP_CTX_set_serial_cb(tl.ctx.get(), serial_cb, serial);
        auto in = ossl::mem_bio(query);
        TsRespPtr resp(TS_RESP_create_response(tl.ctx.get(), in.get()));
        // The client gets RFC 3161's rejection; the log gets why the Signer failed.
        if (signing_failed(resp.get()) && opt.log) {
            try {
                key->fail("signing the timestamp");
            } catch (const std::exception& e) {
                opt.log(std::string("signature generation failed: ") + e.what());
            }
        }
        return resp;
    }

    /// Opens the key again after a failure on its token, unless another request did already.
    bool reopen(std::uint64_t seen_generation) {
        std::unique_lock<std::shared_mutex> lock(key_mutex);
        if (signer && signer_generation != seen_generation) return true;
        if (opt.log) opt.log("signing failed on the token; reopening the key");
        try {
            key.reset();
            signer.reset();
            signer = open_signer(opt.key);
            key = std::make_unique<detail::SigningKey>(*signer);
            ++signer_generation;
            return true;
        } catch (const Error& e) {
            if (opt.log) opt.log(std::string("cannot reopen the key: ") + e.what());
            return false;
        }
    }

    /// One response; a signature that failed on a token (pulled out, session lost) is retried once
    /// with the key opened again, without restarting the server. A token is answered through done
    /// once it is archived (by the archiver thread); a rejection at once.
    void respond(const Bytes& query, std::function<void(TsaAnswer)> done) {
        {
            std::shared_lock<std::shared_mutex> key_lock(key_mutex);
            if (!signer) {
                key_lock.unlock();
                if (!reopen(signer_generation)) throw Error(Errc::token_not_found, "the TSA key is not available (token removed?)");
            }
        }
        std::int64_t serial = take_serial();
        TsRespPtr resp;
        for (int attempt = 0; attempt < 2; ++attempt) {
            bool on_token = false;
            std::uint64_t generation = 0;
            {
                std::shared_lock<std::shared_mutex> key_lock(key_mutex);
                generation = signer_generation;
            }
            resp = sign_once(query, &serial, &on_token);
            if (!signing_failed(resp.get()) || attempt > 0 || !on_token) break;
            ERR_clear_error();
            if (!reopen(generation)) break;  // answer with the rejection we have; the next request tries again
        }
        if (!resp) {
            ERR_clear_error();
            throw Error(Errc::internal, "the TSA could not build a response");
        }
        if (chain) der_order_certificates(TS_RESP_get_token(resp.get()));
        Bytes der = ossl::to_der(resp.get(), i2d_TS_RESP);
        TS_TST_INFO* info = TS_RESP_get_tst_info(resp.get());
        if (info == nullptr) {
            rejections.fetch_add(1);
            if (opt.log) opt.log("request refused: " + status_text(TS_RESP_get_status_info(resp.get())));
            ERR_clear_error();
            TsaAnswer a;
            a.der = std::move(der);
            return done(std::move(a));
        }
        TS_MSG_IMPRINT* mi = TS_TST_INFO_get_msg_imprint(info);
        ASN1_OCTET_STRING* m = TS_MSG_IMPRINT_get_msg(mi);
        Record r;
        r.serial = serial;
        r.time = ossl::asn1_time_to_unix(TS_TST_INFO_get_time(info));
        r.digest_algorithm = OBJ_nid2sn(OBJ_obj2nid(TS_MSG_IMPRINT_get_algo(mi)->algorithm));
        r.imprint = ossl::hex(std::span(ASN1_STRING_get0_data(m), static_cast<size_t>(ASN1_STRING_length(m))));
        r.token = token_bytes_of_response(der);
        r.response = std::move(der);
        r.done = std::move(done);
        ERR_clear_error();
        enqueue(std::move(r));  // answered once durable
    }

    void metrics(std::string& out) const {
        net::metric_header(out, "tsign_tsa_tokens_total", "counter", "timestamps issued and archived");
        net::metric_line(out, "tsign_tsa_tokens_total", "", static_cast<double>(tokens.load()));
        net::metric_header(out, "tsign_tsa_rejections_total", "counter", "requests answered with an RFC 3161 rejection");
        net::metric_line(out, "tsign_tsa_rejections_total", "", static_cast<double>(rejections.load()));
        net::metric_header(out, "tsign_tsa_archive_failures_total", "counter",
                           "timestamps not issued because their archive commit failed");
        net::metric_line(out, "tsign_tsa_archive_failures_total", "", static_cast<double>(archive_failures.load()));
        net::metric_header(out, "tsign_tsa_archive_commit_seconds", "histogram",
                           "time of one archive transaction (group commit)");
        commit_latency.render(out, "tsign_tsa_archive_commit_seconds", "");
    }
};

namespace {

bool signed_by(X509* cert, X509* issuer) {
    EVP_PKEY* key = X509_get0_pubkey(issuer);
    const bool ok = X509_check_issued(issuer, cert) == X509_V_OK && key != nullptr && X509_verify(cert, key) == 1;
    ERR_clear_error();
    return ok;
}

/// The TSA's intermediates from the --chain files, ordered from the TSA's issuer up; a self-signed
/// root, and the TSA certificate itself, are left out. Every other certificate must be on the path.
ossl::X509StackPtr tsa_chain(X509* tsa_cert, const std::vector<std::string>& files) {
    std::vector<ossl::X509Ptr> given;
    for (const auto& f : files)
        for (auto& c : detail::load_certificates(f)) {
            const bool seen =
                X509_cmp(c.get(), tsa_cert) == 0 ||
                std::any_of(given.begin(), given.end(), [&](const ossl::X509Ptr& g) { return X509_cmp(g.get(), c.get()) == 0; });
            if (!seen) given.push_back(std::move(c));
        }
    ossl::X509StackPtr chain(sk_X509_new_null());
    if (!chain) ossl::fail(Errc::internal, "out of memory");
    std::vector<bool> used(given.size(), false);
    X509* current = tsa_cert;
    const std::string files_text = files.size() == 1 ? "'" + files.front() + "'" : "the --chain files";
    for (;;) {
        if (signed_by(current, current)) break;  // the root: verifiers bring their own
        std::size_t i = 0;
        while (i < given.size() && (used[i] || !signed_by(current, given[i].get()))) ++i;
        if (i == given.size()) {
            if (current == tsa_cert)
                throw Error(Errc::malformed,
                            "refusing to start: " + files_text + " does not hold the TSA certificate's issuer '" +
                                ossl::name_to_utf8(X509_get_issuer_name(tsa_cert)) + "'",
                            "give the CA certificates that issued the TSA certificate (e.g. the CA's chain.pem)");
            break;  // the path ends below a root the verifiers hold
        }
        used[i] = true;
        if (signed_by(given[i].get(), given[i].get())) break;
        X509_up_ref(given[i].get());
        sk_X509_push(chain.get(), given[i].get());
        current = given[i].get();
    }
    for (std::size_t i = 0; i < given.size(); ++i)
        if (!used[i])
            throw Error(Errc::malformed,
                        "refusing to start: the certificate '" + ossl::name_to_utf8(X509_get_subject_name(given[i].get())) +
                            "' in " + files_text + " is not on the TSA certificate's path",
                        "--chain takes the TSA's issuing CA certificates only");
    return chain;
}

}  // namespace

detail::TsaResponder::TsaResponder(const TsaServeOptions& o) : impl_(std::make_unique<Impl>()) {
    if (o.key.cert_file.empty()) throw Error(Errc::usage, "the TSA needs its certificate", "use --cert FILE");
    ossl::Asn1ObjPtr pol(OBJ_txt2obj(o.policy.c_str(), 1));
    if (!pol) throw Error(Errc::usage, "invalid policy OID '" + o.policy + "'");
    Impl& tsa = *impl_;
    tsa.opt = o;
    tsa.signer = open_signer(o.key);
    tsa.key = std::make_unique<detail::SigningKey>(*tsa.signer);
    tsa.cert = detail::signer_certificate(*tsa.signer, "serve timestamps");
    // RFC 3161 §2.3: the TSA's certificate has exactly one EKU, timeStamping, and it is critical.
    const int idx = X509_get_ext_by_NID(tsa.cert.get(), NID_ext_key_usage, -1);
    if (idx < 0 || !X509_EXTENSION_get_critical(X509_get_ext(tsa.cert.get(), idx)) ||
        X509_get_extended_key_usage(tsa.cert.get()) != XKU_TIMESTAMP)
        throw Error(Errc::usage, "refusing to start: the TSA certificate lacks a critical timeStamping extended key usage (RFC 3161 §2.3)",
                    "issue it with 'tsign ca issue --profile tsa'");
    if (!o.chain_files.empty()) tsa.chain = tsa_chain(tsa.cert.get(), o.chain_files);
    detail::make_private_dir(o.state_dir, false);  // a new folder is 0700; tsa.db is 0600 either way
    tsa.db = std::make_unique<db::Db>((std::filesystem::path(o.state_dir) / "tsa.db").string(), true);
    tsa.db->exec(kTsaSchema);
    tsa.archiver = std::thread([&tsa] { tsa.archive_loop(); });
}

detail::TsaResponder::~TsaResponder() = default;

void detail::TsaResponder::respond_async(const Bytes& query, std::function<void(TsaAnswer)> done) {
    impl_->respond(query, std::move(done));
}

Bytes detail::TsaResponder::respond(const Bytes& query) {
    std::promise<TsaAnswer> p;
    auto f = p.get_future();
    impl_->respond(query, [&p](TsaAnswer a) { p.set_value(std::move(a)); });
    TsaAnswer a = f.get();
    if (a.status != 200) throw Error(Errc::network, a.error);
    return a.der;
}

void detail::TsaResponder::flush() { impl_->flush(); }

void detail::TsaResponder::metrics(std::string& out) const { impl_->metrics(out); }

void tsa_serve(const TsaServeOptions& o) {
    net::parse_listen(o.listen);
    net::StopSignals signals;  // before the archiver thread starts
    // The server first: its limits are checked before anything opens, and it outlives the TSA,
    // whose last answers (the archive flushed when it goes) still reach their connections.
    net::Server server("tsa", o.server, o.max_request, o.log);
    detail::TsaResponder tsa(o);

    net::Route route;
    route.name = "tsa";
    route.method = "POST";
    route.path = "/";
    route.prefix = true;
    route.work = [&tsa, &o](const net::Request& req, net::Reply reply) {
        auto shared = std::make_shared<net::Reply>(std::move(reply));
        try {
            tsa.respond_async(Bytes(req.body.begin(), req.body.end()), [shared](detail::TsaAnswer a) {
                net::Response r;
                if (a.status == 200) {
                    r.content_type = "application/timestamp-reply";
                    r.body.assign(a.der.begin(), a.der.end());
                } else {
                    r = net::Response::text(a.status, a.error);
                    r.headers.emplace_back("Retry-After", "5");
                }
                (*shared)(std::move(r));
            });
        } catch (const Error& e) {
            // the key, the token or the archive cannot serve now: the client may try again later
            if (o.log) o.log(std::string("no timestamp: ") + e.what());
            net::Response r = net::Response::text(503, std::string("service unavailable: ") + e.what());
            r.headers.emplace_back("Retry-After", "5");
            (*shared)(std::move(r));
        }
    };
    server.add(std::move(route));
    server.add_metrics([&tsa](std::string& out) { tsa.metrics(out); });
    server.on_drain([&tsa] { tsa.flush(); });
    server.run(o.listen, nullptr, [&o] {
        if (o.log) o.log("listening on http://" + o.listen + "/ (POST application/timestamp-query; GET /healthz, /metrics)");
    });
}

std::vector<TsaRecord> tsa_list(const std::string& state_dir) {
    const auto path = std::filesystem::path(state_dir) / "tsa.db";
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) throw Error(Errc::file_not_found, "no TSA archive in '" + state_dir + "'");
    db::Db database(path.string(), false);
    std::vector<TsaRecord> out;
    auto st = database.prepare("SELECT serial, time, digest_algorithm, imprint, policy FROM tokens WHERE time IS NOT NULL ORDER BY serial");
    while (st.step()) {
        // hex, as the token's own serial number is shown everywhere else
        ossl::Asn1IntPtr serial(ASN1_INTEGER_new());
        if (!serial || !ASN1_INTEGER_set_int64(serial.get(), st.int64(0))) ossl::fail(Errc::internal, "out of memory");
        out.push_back({ossl::serial_hex(serial.get()), st.int64(1), st.text(2), st.text(3), st.text(4)});
    }
    return out;
}

}  // namespace tsign
