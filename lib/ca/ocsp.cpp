// OCSP responder (RFC 6960; RFC 5019 for GET and caching) and CRL publisher.
#include "tsign/ocsp.hpp"

#include <chrono>
#include <mutex>
#include <thread>

#include <httplib.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>

#include "ca/ca_impl.hpp"
#include "tsign/error.hpp"
#include "tsign/time.hpp"
#include "net/server.hpp"
#include "x509/chain.hpp"

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

struct OcspResponder::Impl {
    OcspServeOptions opt;
    CertificateAuthority ca;
    std::unique_ptr<Signer> responder;  // delegated responder, if any
    ossl::X509Ptr responder_cert;
    std::mutex mutex;                   // one signature at a time; one CRL decision at a time

    explicit Impl(const OcspServeOptions& o) : opt(o), ca(o.dir, o.ca_key) {
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
    }

    void open_responder() {
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

    void log(const std::string& s) {
        if (opt.log) opt.log(s);
    }

    /// Signs with the responder or CA key; a failed token session is reopened once.
    void sign(OCSP_BASICRESP* bs) {
        for (int attempt = 0;; ++attempt) {
            try {
                detail::SigningKey k(responder ? *responder : ca.impl().signer());
                X509* cert = responder ? responder_cert.get() : ca.impl().cert.get();
                ossl::MdCtxPtr mctx(EVP_MD_CTX_new());
                EVP_PKEY_CTX* pctx = nullptr;
                if (EVP_DigestSignInit(mctx.get(), &pctx, EVP_sha256(), nullptr, k.pkey()) <= 0)
                    k.fail("signing the OCSP response");
                detail::configure_signature(pctx, k.pkey(), SignatureScheme{});
                if (OCSP_basic_sign_ctx(bs, cert, mctx.get(), nullptr, 0) <= 0) k.fail("signing the OCSP response");
                return;
            } catch (const Error& e) {
                if (attempt > 0 || !is_token_failure(e)) throw;
                log(std::string("token session failed (") + e.what() + "); reopening");
                if (responder) open_responder();
                else ca.impl().reopen_key();
            }
        }
    }
};

OcspResponder::OcspResponder(const OcspServeOptions& options) : impl_(std::make_unique<Impl>(options)) {}
OcspResponder::~OcspResponder() = default;

Bytes OcspResponder::respond(const Bytes& request) {
    Impl& m = *impl_;
    const unsigned char* p = request.data();
    OcspReqPtr req(d2i_OCSP_REQUEST(nullptr, &p, static_cast<long>(request.size())));
    if (!req || p != request.data() + request.size() || OCSP_request_onereq_count(req.get()) <= 0) {
        ERR_clear_error();
        return status_only(OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
    }
    OcspBasicPtr bs(OCSP_BASICRESP_new());
    X509* ca_cert = m.ca.impl().cert.get();
    const std::int64_t now = static_cast<std::int64_t>(::time(nullptr));
    ossl::Ptr<ASN1_TIME, ASN1_TIME_free> this_update(ASN1_TIME_set(nullptr, static_cast<time_t>(now)));
    ossl::Ptr<ASN1_TIME, ASN1_TIME_free> next_update(ASN1_TIME_set(nullptr, static_cast<time_t>(now + 3600)));
    std::string summary;
    for (int i = 0; i < OCSP_request_onereq_count(req.get()); ++i) {
        OCSP_CERTID* cid = OCSP_onereq_get0_id(OCSP_request_onereq_get0(req.get(), i));
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
                if (auto rec = m.ca.find(serial_hex)) {
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
        ERR_clear_error();
        if (!OCSP_basic_add1_status(bs.get(), cid, status, reason, revtime.get(), this_update.get(), next_update.get()))
            return status_only(OCSP_RESPONSE_STATUS_INTERNALERROR);
        summary += (summary.empty() ? "" : ", ") + serial_hex + "=" +
                   (status == V_OCSP_CERTSTATUS_GOOD ? "good" : status == V_OCSP_CERTSTATUS_REVOKED ? "revoked" : "unknown");
    }
    OCSP_copy_nonce(bs.get(), req.get());  // RFC 6960 §4.4.1: echo the nonce
    try {
        std::lock_guard<std::mutex> lock(m.mutex);
        m.sign(bs.get());
    } catch (const Error& e) {
        m.log(std::string("cannot sign the OCSP response: ") + e.what());
        ERR_clear_error();
        return status_only(OCSP_RESPONSE_STATUS_TRYLATER);
    }
    OcspRespPtr resp(OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs.get()));
    m.log("ocsp " + summary);
    return der_of(resp.get());
}

Bytes OcspResponder::crl() {
    Impl& m = *impl_;
    std::lock_guard<std::mutex> lock(m.mutex);
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

std::optional<Bytes> OcspResponder::respond_get(std::string_view target) {
    // RFC 6960 Appendix A.1: GET {url}/{url-encoding of base-64 encoding of the DER request}.
    std::string_view path = target.substr(0, target.find('?'));
    if (!path.empty() && path.front() == '/') path.remove_prefix(1);
    if (path.rfind("ocsp/", 0) == 0) path.remove_prefix(5);
    const std::optional<std::string> b64 = url_decode(path);
    if (!b64) return std::nullopt;
    const std::optional<Bytes> der = base64_decode(*b64);
    return der ? respond(*der) : status_only(OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
}

void ocsp_serve(const OcspServeOptions& o, std::atomic<bool>* stop) {
    net::parse_listen(o.listen);  // a bad address is a usage error before anything starts
    if (o.crl_hours <= 0) throw Error(Errc::usage, "the CRL validity must be positive");

    OcspResponder responder(o);
    responder.crl();  // a fresh CRL before the first request

    httplib::Server svr;
    net::configure(svr, o.max_request);
    auto answer = [&](httplib::Response& res, const Bytes& der) {
        res.set_content(std::string(der.begin(), der.end()), "application/ocsp-response");
    };
    svr.Get("/crl", [&](const httplib::Request&, httplib::Response& res) {
        try {
            const Bytes der = responder.crl();
            res.set_content(std::string(der.begin(), der.end()), "application/pkix-crl");
        } catch (const Error& e) {
            res.status = 503;
            res.set_content(std::string(e.what()) + "\n", "text/plain");
        }
    });
    svr.Post(R"(/.*)", [&](const httplib::Request& req, httplib::Response& res) {
        answer(res, responder.respond(Bytes(req.body.begin(), req.body.end())));
    });
    svr.Get(R"(/(.+))", [&](const httplib::Request& req, httplib::Response& res) {
        // The raw request target is decoded, exactly once (req.path is httplib's decoded copy,
        // which leaves malformed escapes as they are and would be decoded a second time).
        const std::optional<Bytes> der = responder.respond_get(req.target);
        if (!der) {
            res.status = 400;
            res.set_content("malformed request: invalid percent-encoding in the URL\n", "text/plain");
            return;
        }
        answer(res, *der);
        res.set_header("Cache-Control", "max-age=3600, public, no-transform, must-revalidate");
    });

    // The CRL keeper: re-signs before nextUpdate passes, whether or not anyone revokes.
    std::atomic<bool> done{false};
    std::thread keeper([&] {
        const auto period = std::chrono::milliseconds(
            std::max<long long>(200, std::min<long long>(30000, static_cast<long long>(o.crl_hours * 3600 * 1000 / 10))));
        auto next = std::chrono::steady_clock::now() + period;
        while (!done) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            if (std::chrono::steady_clock::now() < next) continue;
            next = std::chrono::steady_clock::now() + period;
            try {
                responder.crl();
            } catch (const Error& e) {
                if (o.log) o.log(std::string("cannot re-sign the CRL: ") + e.what());
            }
        }
    });
    if (o.log) o.log("listening on http://" + o.listen + "/ (OCSP: POST or GET; CRL: GET /crl)");
    try {
        net::run_until_signal(svr, o.listen, stop);
    } catch (...) {
        done = true;
        keeper.join();
        throw;
    }
    done = true;
    keeper.join();
}

}  // namespace tsign
