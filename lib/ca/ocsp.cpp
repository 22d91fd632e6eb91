// OCSP responder (RFC 6960; RFC 5019 for GET and caching) and CRL publisher.
#include "tsign/ocsp.hpp"

#include <chrono>
#include <mutex>
#include <thread>

#include <openssl/err.h>
#include <openssl/ocsp.h>

#include "ca/ocsp_impl.hpp"
#include <openssl/pkcs7.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>
#include "keys/signer_impl.hpp"
#include "net/http.hpp"
#include "tsign/error.hpp"
#include "tsign/time.hpp"
#include "x509/chain.hpp"
#include "x509/revocation.hpp"

namespace tsign {

namespace {

using ossl::OcspBasicPtr;
using ossl::OcspIdPtr;
using ossl::OcspReqPtr;
using ossl::OcspRespPtr;

Bytes der_of(OCSP_RESPONSE* r) { return ossl::to_der(r, i2d_OCSP_RESPONSE); }

Bytes status_only(int status) {
    OcspRespPtr r(OCSP_response_create(status, nullptr));
    return der_of(r.get());
}

int reason_code(const std::string& r) {
    static const std::pair<const char*, int> map[] = {{"unspecified", 0},         {"keyCompromise", 1},
                                                      {"cACompromise", 2},        {"affiliationChanged", 3},
                                                      {"superseded", 4},          {"cessationOfOperation", 5},
                                                      {"certificateHold", 6},     {"privilegeWithdrawn", 9},
                                                      {"aACompromise", 10}};
    for (const auto& [n, c] : map)
        if (r == n) return c;
    return 0;
}

bool is_token_failure(const Error& e) {
    return e.code() == Errc::token_error || e.code() == Errc::token_not_found;
}

}  // namespace

OcspResponder::Impl::Impl(const OcspServeOptions& o) : opt(o), ca(o.dir, o.ca_key) {
    if (!(o.next_update_hours > 0)) throw Error(Errc::usage, "the OCSP response validity must be positive");
    if (!o.responder_key.empty()) {
        if (o.responder_cert.empty()) throw Error(Errc::usage, "--responder-key needs --responder-cert");
        open_responder();
        X509* rc = responder_cert.get();
        // RFC 6960 §4.2.2.2: a delegated responder is issued by the CA and has the OCSPSigning EKU.
        if (X509_check_issued(ca.impl().cert.get(), rc) != X509_V_OK)
            throw Error(Errc::usage, "refusing to start: the responder certificate was not issued by this CA");
        if (!(X509_get_extension_flags(rc) & EXFLAG_XKUSAGE) || !(X509_get_extended_key_usage(rc) & XKU_OCSP_SIGN))
            throw Error(Errc::usage, "refusing to start: the responder certificate lacks the OCSPSigning extended key usage");
        ERR_clear_error();
    }
    // Open the CA key now: a wrong PIN must stop the start, not the first request.
    ca.impl().signer();
    for (const EVP_MD* md : {EVP_sha1(), EVP_sha256(), EVP_sha384(), EVP_sha512()}) {
        OcspIdPtr id(OCSP_cert_to_id(md, nullptr, ca.impl().cert.get()));
        ASN1_OCTET_STRING *nh = nullptr, *kh = nullptr;
        if (!id || !OCSP_id_get0_info(&nh, nullptr, &kh, nullptr, id.get())) continue;
        issuer_ids.push_back(
            {EVP_MD_get_type(md), Bytes(nh->data, nh->data + nh->length), Bytes(kh->data, kh->data + kh->length)});
    }
    ERR_clear_error();
}

OcspResponder::Impl::~Impl() { stop_background(); }

void OcspResponder::Impl::open_responder() {
    KeyOptions k;
    k.spec = opt.responder_key;
    k.cert_file = opt.responder_cert;
    k.pin = opt.responder_access.pin;
    k.pkcs11_module = opt.responder_access.pkcs11_module;
    responder.reset();
    responder = open_signer(k);
    auto c = responder->certificate();
    const unsigned char* p = c->data();
    responder_cert.reset(d2i_X509(nullptr, &p, static_cast<long>(c->size())));
}

std::int64_t OcspResponder::Impl::validity_seconds() const {
    return std::max<std::int64_t>(60, static_cast<std::int64_t>(opt.next_update_hours * 3600));
}

void OcspResponder::Impl::sign(OCSP_BASICRESP* bs) {
    for (int attempt = 0;; ++attempt) {
        try {
            Signer& s = responder ? *responder : ca.impl().signer();
            std::unique_lock<std::mutex> lock(sign_mutex, std::defer_lock);
            if (!s.thread_safe()) lock.lock();
            detail::SigningKey k(s);
            X509* cert = responder ? responder_cert.get() : ca.impl().cert.get();
            ossl::MdCtxPtr mctx(EVP_MD_CTX_new());
            EVP_PKEY_CTX* pctx = nullptr;
            if (EVP_DigestSignInit(mctx.get(), &pctx, EVP_sha256(), nullptr, k.pkey()) <= 0) k.fail("signing the OCSP response");
            detail::configure_signature(pctx, k.pkey(), SignatureScheme{});
            if (OCSP_basic_sign_ctx(bs, cert, mctx.get(), nullptr, 0) <= 0) k.fail("signing the OCSP response");
            signatures.fetch_add(1, std::memory_order_relaxed);
            return;
        } catch (const Error& e) {
            if (attempt > 0 || !is_token_failure(e)) throw;
            log(std::string("token session failed (") + e.what() + "); reopening");
            std::lock_guard<std::mutex> lock(sign_mutex);
            if (responder)
                open_responder();
            else
                ca.impl().reopen_key();
        }
    }
}

OcspAnswer OcspResponder::Impl::build(OCSP_REQUEST* req, bool include_nonce) {
    OcspAnswer a;
    OcspBasicPtr bs(OCSP_BASICRESP_new());
    X509* ca_cert = ca.impl().cert.get();
    const std::int64_t now = static_cast<std::int64_t>(::time(nullptr));
    const std::int64_t next = now + validity_seconds();
    ossl::Ptr<ASN1_TIME, ASN1_TIME_free> this_update(ASN1_TIME_set(nullptr, static_cast<time_t>(now)));
    ossl::Ptr<ASN1_TIME, ASN1_TIME_free> next_update(ASN1_TIME_set(nullptr, static_cast<time_t>(next)));
    bool all_known = true;
    for (int i = 0; i < OCSP_request_onereq_count(req); ++i) {
        OCSP_CERTID* cid = OCSP_onereq_get0_id(OCSP_request_onereq_get0(req, i));
        ASN1_OBJECT* md_obj = nullptr;
        ASN1_INTEGER* serial = nullptr;
        OCSP_id_get0_info(nullptr, &md_obj, nullptr, &serial, cid);
        const EVP_MD* md = md_obj ? EVP_get_digestbyobj(md_obj) : nullptr;
        int status = V_OCSP_CERTSTATUS_UNKNOWN, reason = -1;
        ossl::Ptr<ASN1_TIME, ASN1_TIME_free> revtime;
        std::string serial_hex = serial ? ossl::serial_hex(serial) : "?";
        if (md != nullptr) {
            OcspIdPtr ca_id(OCSP_cert_to_id(md, nullptr, ca_cert));
            if (ca_id && OCSP_id_issuer_cmp(ca_id.get(), cid) == 0 && serial != nullptr) {
                if (auto rec = ca.find(serial_hex)) {
                    if (rec->revoked_at) {
                        status = V_OCSP_CERTSTATUS_REVOKED;
                        reason = reason_code(rec->reason);
                        revtime.reset(ASN1_TIME_set(nullptr, static_cast<time_t>(*rec->revoked_at)));
                    } else {
                        status = V_OCSP_CERTSTATUS_GOOD;
                    }
                }
            }
        }
        if (status == V_OCSP_CERTSTATUS_UNKNOWN) all_known = false;
        ERR_clear_error();
        if (!OCSP_basic_add1_status(bs.get(), cid, status, reason, revtime.get(), this_update.get(), next_update.get())) {
            a.der = status_only(OCSP_RESPONSE_STATUS_INTERNALERROR);
            return a;
        }
    }
    if (include_nonce) OCSP_copy_nonce(bs.get(), req);  // RFC 6960 §4.4.1: echo the nonce
    try {
        sign(bs.get());
    } catch (const Error& e) {
        log(std::string("cannot sign the OCSP response: ") + e.what());
        ERR_clear_error();
        a.der = status_only(OCSP_RESPONSE_STATUS_TRYLATER);
        return a;
    }
    OcspRespPtr resp(OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs.get()));
    a.der = der_of(resp.get());
    a.this_update = now;
    a.next_update = next;
    a.storable = OCSP_request_onereq_count(req) == 1 &&
                 !(include_nonce && OCSP_REQUEST_get_ext_by_NID(req, NID_id_pkix_OCSP_Nonce, -1) >= 0);
    a.cacheable = a.storable && all_known;
    if (a.cacheable) {
        unsigned char h[32];
        SHA256(a.der.data(), a.der.size(), h);
        a.etag = "\"" + ossl::hex(std::span<const unsigned char>(h, sizeof h)) + "\"";
    }
    return a;
}

namespace {
OcspReqPtr parse_request(const Bytes& request) {
    const unsigned char* p = request.data();
    OcspReqPtr req(d2i_OCSP_REQUEST(nullptr, &p, static_cast<long>(request.size())));
    if (!req || p != request.data() + request.size() || OCSP_request_onereq_count(req.get()) <= 0) {
        ERR_clear_error();
        return nullptr;
    }
    return req;
}

std::string key_of(int md_nid, const std::string& serial_hex) { return std::to_string(md_nid) + ":" + serial_hex; }
}  // namespace

std::string OcspResponder::Impl::cache_key(OCSP_REQUEST* req) {
    if (OCSP_request_onereq_count(req) != 1) return {};
    if (!opt.ignore_nonces && OCSP_REQUEST_get_ext_by_NID(req, NID_id_pkix_OCSP_Nonce, -1) >= 0) return {};
    OCSP_CERTID* cid = OCSP_onereq_get0_id(OCSP_request_onereq_get0(req, 0));
    ASN1_OCTET_STRING *nh = nullptr, *kh = nullptr;
    ASN1_OBJECT* md_obj = nullptr;
    ASN1_INTEGER* serial = nullptr;
    if (!OCSP_id_get0_info(&nh, &md_obj, &kh, &serial, cid) || !nh || !kh || !md_obj || !serial) return {};
    const int nid = OBJ_obj2nid(md_obj);
    for (const auto& id : issuer_ids) {
        if (id.md_nid != nid) continue;
        const bool same = static_cast<std::size_t>(nh->length) == id.name_hash.size() &&
                          static_cast<std::size_t>(kh->length) == id.key_hash.size() &&
                          std::equal(id.name_hash.begin(), id.name_hash.end(), nh->data) &&
                          std::equal(id.key_hash.begin(), id.key_hash.end(), kh->data);
        if (!same) return {};
        return key_of(nid, ossl::serial_hex(serial));
    }
    return {};
}

std::shared_ptr<const OcspAnswer> OcspResponder::Impl::cached(const Bytes& request) {
    OcspReqPtr req = parse_request(request);
    return req ? kept(cache_key(req.get())) : nullptr;
}

std::shared_ptr<const OcspAnswer> OcspResponder::Impl::kept(const std::string& key) {
    if (key.empty()) return nullptr;
    std::shared_lock<std::shared_mutex> lock(cache_mutex);
    auto it = cache.find(key);
    if (it == cache.end() || static_cast<std::int64_t>(::time(nullptr)) >= it->second->next_update) return nullptr;
    hits.fetch_add(1, std::memory_order_relaxed);
    return it->second;
}

std::shared_ptr<const OcspAnswer> OcspResponder::Impl::answer(const Bytes& request) {
    OcspReqPtr req = parse_request(request);  // parsed once, for the look-up and the signature
    if (!req) {
        auto a = std::make_shared<OcspAnswer>();
        a->der = status_only(OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
        return a;
    }
    const std::string key = cache_key(req.get());
    if (auto hit = kept(key)) return hit;
    misses.fetch_add(1, std::memory_order_relaxed);
    const std::uint64_t seen = epoch.load();
    auto a = std::make_shared<OcspAnswer>(build(req.get(), key.empty() || !opt.ignore_nonces));
    if (!key.empty() && a->storable) {
        // An "unknown" is kept too (a flood of serials never issued costs one signature each, not one
        // per request), up to a bound, until the database changes.
        std::unique_lock<std::shared_mutex> lock(cache_mutex);
        const bool room = a->cacheable || unknown_entries.load() < kMaxUnknown;
        if (epoch.load() == seen && room) {  // a status changed meanwhile: this one may be stale
            auto& slot = cache[key];
            if (!a->cacheable && (!slot || slot->cacheable)) unknown_entries.fetch_add(1);
            if (a->cacheable && slot && !slot->cacheable) unknown_entries.fetch_sub(1);
            slot = a;
        }
    }
    return a;
}

void OcspResponder::Impl::presign(int md_nid, const std::string& serial_hex) {
    const EVP_MD* md = EVP_get_digestbynid(md_nid);
    if (md == nullptr) return;
    X509* ca_cert = ca.impl().cert.get();
    ossl::Ptr<BIGNUM, BN_free> bn;
    BIGNUM* raw = nullptr;
    if (!BN_hex2bn(&raw, serial_hex.c_str())) return;
    bn.reset(raw);
    ossl::Ptr<ASN1_INTEGER, ASN1_INTEGER_free> serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
    OcspIdPtr id(OCSP_cert_id_new(md, X509_get_subject_name(ca_cert), X509_get0_pubkey_bitstr(ca_cert), serial.get()));
    OcspReqPtr req(OCSP_REQUEST_new());
    if (!id || !req) return;
    if (!OCSP_request_add0_id(req.get(), id.get())) return;
    (void)id.release();  // owned by the request now
    const std::uint64_t seen = epoch.load();
    auto a = std::make_shared<OcspAnswer>(build(req.get(), false));
    ERR_clear_error();
    if (!a->cacheable) return;
    std::unique_lock<std::shared_mutex> lock(cache_mutex);
    if (epoch.load() == seen) cache[key_of(md_nid, serial_hex)] = a;
}

void OcspResponder::Impl::status_changed(const std::string& serial_hex) {
    std::vector<int> variants;
    {
        std::unique_lock<std::shared_mutex> lock(cache_mutex);
        epoch.fetch_add(1);
        for (const auto& id : issuer_ids) {
            auto it = cache.find(key_of(id.md_nid, serial_hex));
            if (it == cache.end()) continue;
            if (!it->second->cacheable) unknown_entries.fetch_sub(1);
            cache.erase(it);
            variants.push_back(id.md_nid);
        }
    }
    log("status of " + serial_hex + " changed: its OCSP responses are signed again");
    if (variants.empty()) variants.push_back(NID_sha1);
    for (int nid : variants) presign(nid, serial_hex);
}

std::pair<std::int64_t, std::size_t> OcspResponder::Impl::cache_stats() {
    std::shared_lock<std::shared_mutex> lock(cache_mutex);
    std::int64_t oldest = 0;
    for (const auto& [k, a] : cache)
        if (oldest == 0 || a->this_update < oldest) oldest = a->this_update;
    return {oldest, cache.size()};
}

void OcspResponder::Impl::start_background() {
    {
        std::lock_guard<std::mutex> lock(bg_mutex);
        bg_stop = false;
    }
    background = std::thread([this] { background_loop(); });
    watcher = std::thread([this] { watch_loop(); });
}

void OcspResponder::Impl::stop_background() {
    {
        std::lock_guard<std::mutex> lock(bg_mutex);
        bg_stop = true;
    }
    bg_cv.notify_all();
    if (background.joinable()) background.join();
    if (watcher.joinable()) watcher.join();
}

void OcspResponder::Impl::watch_loop() {
    // Status changes in the database (by this process or another): the old responses are dropped at
    // once and signed again. A thread of its own, so that no signing backlog can delay it.
    auto& db = *ca.impl().db;
    auto data_version = [&db] {
        auto st = db.prepare("PRAGMA data_version");
        return st.step() ? st.int64(0) : 0;
    };
    // serial -> "status|revoked_at|reason" of every certificate that is not plainly valid
    auto not_valid = [&db] {
        std::unordered_map<std::string, std::string> out;
        auto st = db.prepare(
            "SELECT serial, status, COALESCE(revoked_at, 0), COALESCE(reason, '') FROM certificates WHERE status != 'valid'");
        while (st.step()) out[st.text(0)] = st.text(1) + "|" + std::to_string(st.int64(2)) + "|" + st.text(3);
        return out;
    };
    std::unordered_map<std::string, std::string> known;
    std::int64_t version = 0;
    bool loaded = false;
    for (;;) {
        {
            std::unique_lock<std::mutex> lock(bg_mutex);
            if (loaded) bg_cv.wait_for(lock, std::chrono::milliseconds(50), [this] { return bg_stop; });
            if (bg_stop) return;
        }
        try {
            if (!loaded) {
                version = data_version();
                known = not_valid();
                loaded = true;
                continue;
            }
            const std::int64_t v = data_version();
            if (v == version) continue;
            version = v;
            drop_unknown();  // a serial unknown until now may have been issued
            auto now_known = not_valid();
            for (const auto& [serial, state] : now_known) {
                auto it = known.find(serial);
                if (it == known.end() || it->second != state) status_changed(serial);
            }
            for (const auto& [serial, state] : known)
                if (!now_known.count(serial)) status_changed(serial);
            known = std::move(now_known);
        } catch (const std::exception& e) {
            log(std::string("cannot watch the CA database: ") + e.what());
        }
    }
}

void OcspResponder::Impl::background_loop() {
    // Pre-signing (newest certificates first), then re-signing what passed half its validity.
    auto& db = *ca.impl().db;
    std::vector<std::string> todo;
    try {
        auto st = db.prepare("SELECT serial FROM certificates WHERE not_after > ? ORDER BY issued_at DESC");
        st.bind(1, static_cast<std::int64_t>(::time(nullptr)));
        while (st.step()) todo.push_back(st.text(0));
    } catch (const std::exception& e) {
        log(std::string("cannot read the CA database: ") + e.what());
    }
    auto stopping = [this] {
        std::lock_guard<std::mutex> lock(bg_mutex);
        return bg_stop;
    };
    const auto started = std::chrono::steady_clock::now();
    for (const auto& serial : todo) {
        if (stopping()) return;
        try {
            bool have = false;
            {
                std::shared_lock<std::shared_mutex> lock(cache_mutex);
                have = cache.count(key_of(NID_sha1, serial)) > 0;
            }
            if (!have) presign(NID_sha1, serial);
        } catch (const std::exception& e) {
            log(std::string("cannot pre-sign: ") + e.what());
        }
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    log("pre-signed the responses of " + std::to_string(todo.size()) + " certificate(s) in " + std::to_string(secs) + " s");
    todo.clear();
    todo.shrink_to_fit();
    for (;;) {
        {
            std::unique_lock<std::mutex> lock(bg_mutex);
            bg_cv.wait_for(lock, std::chrono::seconds(1), [this] { return bg_stop; });
            if (bg_stop) return;
        }
        try {
            const std::int64_t now = static_cast<std::int64_t>(::time(nullptr));
            const std::int64_t half = validity_seconds() / 2;
            std::vector<std::string> stale;
            {
                std::shared_lock<std::shared_mutex> lock(cache_mutex);
                for (const auto& [k, a] : cache)
                    if (a->cacheable && now >= a->this_update + half) stale.push_back(k);
            }
            for (const auto& k : stale) {
                if (stopping()) return;
                const auto colon = k.find(':');
                presign(std::stoi(k.substr(0, colon)), k.substr(colon + 1));
            }
        } catch (const std::exception& e) {
            log(std::string("OCSP re-signing failed: ") + e.what());
        }
    }
}

void OcspResponder::Impl::drop_unknown() {
    std::unique_lock<std::shared_mutex> lock(cache_mutex);
    if (unknown_entries.load() == 0) return;
    epoch.fetch_add(1);
    for (auto it = cache.begin(); it != cache.end();) it = it->second->cacheable ? std::next(it) : cache.erase(it);
    unknown_entries = 0;
}

OcspResponder::OcspResponder(const OcspServeOptions& options) : impl_(std::make_unique<Impl>(options)) {}
OcspResponder::~OcspResponder() = default;

Bytes OcspResponder::respond(const Bytes& request) { return impl_->answer(request)->der; }

Bytes OcspResponder::crl() {
    Impl& m = *impl_;
    std::lock_guard<std::mutex> lock(m.crl_mutex);
    const std::int64_t now = static_cast<std::int64_t>(::time(nullptr));
    const std::int64_t validity = static_cast<std::int64_t>(m.opt.crl_hours * 3600);
    auto current = m.ca.current_crl();
    bool stale = !current;
    if (current) {
        auto& db = *m.ca.impl().db;
        auto st = db.prepare("SELECT this_update FROM crls ORDER BY number DESC LIMIT 1");
        std::int64_t this_update = 0;
        if (st.step()) this_update = st.int64(0);
        // half of its life gone, or a revocation (or a released hold) since it was signed
        stale = now >= current->second - validity / 2;
        auto changed = db.prepare("SELECT COUNT(*) FROM audit WHERE action IN ('revoke', 'unrevoke') AND time >= ?");
        changed.bind(1, this_update);
        if (changed.step() && changed.int64(0) > 0) stale = true;
    }
    if (!stale) return current->first;
    for (int attempt = 0;; ++attempt) {
        try {
            Bytes der = m.ca.make_crl_seconds(validity);
            m.log("crl re-signed");
            return der;
        } catch (const Error& e) {
            if (attempt > 0 || !is_token_failure(e)) throw;
            m.log(std::string("token session failed (") + e.what() + "); reopening");
            m.ca.impl().reopen_key();
        }
    }
}

namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/// RFC 3986 percent-decoding; nothing when a '%' is not followed by two hex digits ("%zz", "%4").
std::optional<std::string> url_decode(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out.push_back(s[i]);
            continue;
        }
        const int hi = i + 1 < s.size() ? hex_digit(s[i + 1]) : -1;
        const int lo = i + 2 < s.size() ? hex_digit(s[i + 2]) : -1;
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
    }
    return out;
}

std::optional<Bytes> base64_decode(const std::string& in) {
    if (in.empty() || in.size() % 4 != 0) return std::nullopt;
    Bytes out(in.size() / 4 * 3);
    const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
    if (n < 0) return std::nullopt;
    size_t pad = 0;
    if (in.size() >= 1 && in[in.size() - 1] == '=') ++pad;
    if (in.size() >= 2 && in[in.size() - 2] == '=') ++pad;
    out.resize(static_cast<size_t>(n) - pad);
    return out;
}

}  // namespace

std::optional<Bytes> detail::ocsp_get_request(std::string_view target) {
    // RFC 6960 Appendix A.1: GET {url}/{url-encoding of base-64 encoding of the DER request}.
    std::string_view path = target.substr(0, target.find('?'));
    if (!path.empty() && path.front() == '/') path.remove_prefix(1);
    if (path.rfind("ocsp/", 0) == 0) path.remove_prefix(5);
    const std::optional<std::string> b64 = url_decode(path);
    if (!b64) return std::nullopt;
    std::optional<Bytes> der = base64_decode(*b64);
    return der ? std::move(*der) : Bytes{};  // no base64: an empty request, a malformedRequest answer
}

std::optional<Bytes> OcspResponder::respond_get(std::string_view target) {
    const std::optional<Bytes> der = detail::ocsp_get_request(target);
    if (!der) return std::nullopt;
    return respond(*der);
}

// ---------------------------------------------------------------------------------------------
// The OCSP client: `tsign ocsp query`

namespace {

bool issued_and_signed(X509* cert, X509* issuer) {
    EVP_PKEY* key = X509_get0_pubkey(issuer);
    const bool ok = X509_check_issued(issuer, cert) == X509_V_OK && key != nullptr && X509_verify(cert, key) == 1;
    ERR_clear_error();
    return ok;
}

/// The HTTP(S) caIssuers URLs of a certificate's AIA.
std::vector<std::string> ca_issuers_urls(X509* cert) {
    std::vector<std::string> out;
    ossl::Ptr<AUTHORITY_INFO_ACCESS, AUTHORITY_INFO_ACCESS_free> aia(
        static_cast<AUTHORITY_INFO_ACCESS*>(X509_get_ext_d2i(cert, NID_info_access, nullptr, nullptr)));
    ERR_clear_error();
    for (int i = 0; aia && i < sk_ACCESS_DESCRIPTION_num(aia.get()) && out.size() < detail::kMaxUrlsPerCertificate; ++i) {
        const ACCESS_DESCRIPTION* ad = sk_ACCESS_DESCRIPTION_value(aia.get(), i);
        if (OBJ_obj2nid(ad->method) != NID_ad_ca_issuers || ad->location->type != GEN_URI) continue;
        const ASN1_IA5STRING* uri = ad->location->d.uniformResourceIdentifier;
        std::string u(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)),
                      static_cast<std::size_t>(ASN1_STRING_length(uri)));
        const bool printable = std::all_of(u.begin(), u.end(), [](char c) { return c > 0x20 && c < 0x7F; });
        if (printable && (u.rfind("http://", 0) == 0 || u.rfind("https://", 0) == 0)) out.push_back(u);
    }
    return out;
}

/// The issuer of cert from its AIA caIssuers URLs (RFC 5280 §4.2.2.1: a DER certificate or a
/// certs-only CMS; PEM accepted too): the first certificate that issued and signed cert.
ossl::X509Ptr fetch_issuer(X509* cert, int timeout_seconds, std::string* from) {
    const auto urls = ca_issuers_urls(cert);
    if (urls.empty())
        throw Error(Errc::malformed, "cannot find the certificate's issuer: it names no caIssuers URL (AIA)",
                    "give the issuer certificate with --issuer FILE");
    std::string reasons;
    for (const auto& url : urls) {
        auto why = [&](const std::string& w) { reasons += (reasons.empty() ? "" : "; ") + url + ": " + w; };
        try {
            const net::Fetched r = net::get(url, timeout_seconds, std::size_t{1} << 20);
            if (r.status != 200) {
                why("HTTP status " + std::to_string(r.status));
                continue;
            }
            std::vector<ossl::X509Ptr> found;
            const unsigned char* p = r.body.data();
            ossl::Ptr<PKCS7, PKCS7_free> p7(d2i_PKCS7(nullptr, &p, static_cast<long>(r.body.size())));
            ERR_clear_error();
            if (p7 && PKCS7_type_is_signed(p7.get()) && p7->d.sign != nullptr) {
                STACK_OF(X509)* certs = p7->d.sign->cert;
                for (int i = 0; i < sk_X509_num(certs); ++i) {
                    X509_up_ref(sk_X509_value(certs, i));
                    found.emplace_back(sk_X509_value(certs, i));
                }
            } else {
                try {
                    found.push_back(detail::parse_certificate(r.body, "the certificate at " + url));
                } catch (const Error&) {
                    why("the answer is neither a certificate nor a certs-only CMS");
                    continue;
                }
            }
            for (auto& c : found)
                if (issued_and_signed(cert, c.get())) {
                    *from = url;
                    return std::move(c);
                }
            why("the certificate found there did not issue this certificate");
        } catch (const Error& e) {
            reasons += (reasons.empty() ? "" : "; ") + std::string(e.what());
        }
    }
    throw Error(Errc::network, "cannot fetch the certificate's issuer: " + reasons,
                "give the issuer certificate with --issuer FILE");
}

}  // namespace

OcspQueryResult query_ocsp(const Bytes& certificate, const OcspQueryOptions& o) {
    ossl::X509Ptr cert = detail::parse_certificate(certificate, "the certificate");
    OcspQueryResult res;
    res.serial = ossl::serial_hex(X509_get0_serialNumber(cert.get()));
    std::vector<std::string> urls;
    if (!o.url.empty())
        urls.push_back(o.url);
    else if (urls = detail::ocsp_urls(cert.get()); urls.empty())
        throw Error(Errc::malformed, "cannot ask for the certificate's status: it names no OCSP responder (AIA)",
                    "give the responder with --url URL");
    const bool online = o.trust.fetch && detail::network_allowed_by_environment();
    const std::string off_hint = o.trust.fetch ? "unset TSIGN_OFFLINE to allow it" : "drop --offline";
    ossl::X509Ptr issuer;
    if (!o.issuer.empty()) {
        issuer = detail::parse_certificate(o.issuer, "the issuer certificate");
        if (!issued_and_signed(cert.get(), issuer.get()))
            throw Error(Errc::malformed,
                        "the issuer certificate '" + ossl::name_to_utf8(X509_get_subject_name(issuer.get())) +
                            "' did not issue the certificate (issuer '" + ossl::name_to_utf8(X509_get_issuer_name(cert.get())) +
                            "')",
                        "give the certificate's issuer with --issuer");
    } else {
        if (!online) throw Error(Errc::network, "not fetching the certificate's issuer: network access is off", off_hint);
        issuer = fetch_issuer(cert.get(), o.trust.fetch_timeout_seconds, &res.issuer_url);
    }
    if (!online) throw Error(Errc::network, "not asking the OCSP responder: network access is off", off_hint);
    std::string why;
    std::optional<detail::OcspFetch> f = detail::fetch_ocsp(cert.get(), issuer.get(), o.trust.fetch_timeout_seconds, &why, urls);
    if (!f) throw Error(Errc::network, why);
    res.url = f->url;
    res.response = ossl::to_der(f->response.get(), i2d_OCSP_RESPONSE);
    const int st = OCSP_response_status(f->response.get());
    if (st != OCSP_RESPONSE_STATUS_SUCCESSFUL)
        throw Error(Errc::network, "the OCSP responder " + f->url + " answered " + OCSP_response_status_str(st),
                    "try again later");
    // RFC 6960 §4.4.1 / RFC 8954: our nonce, when echoed, must be ours (a responder may ignore it).
    res.report = detail::check_ocsp_report(f->response.get(), cert.get(), issuer.get(), o.trust, f->request.get());
    return res;
}

}  // namespace tsign
