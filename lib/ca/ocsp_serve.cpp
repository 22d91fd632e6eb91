// `tsign ocsp serve`: the OCSP responder (POST and RFC 6960 Appendix A GET), the CRL (GET /crl) and
// the CA certificate (GET /ca.crt) on the server core. Pre-signed answers leave from the I/O thread;
// anything to sign goes to a worker.
#include <chrono>
#include <ctime>
#include <thread>

#include "ca/ocsp_impl.hpp"
#include "net/http_server.hpp"
#include "net/metrics.hpp"
#include "tsign/error.hpp"

namespace tsign {

namespace {

net::Response ocsp_response(const OcspAnswer& a, bool get, const net::Request& req) {
    net::Response r;
    r.content_type = "application/ocsp-response";
    if (get) {
        // RFC 5019 §6: caching headers that agree with the response's own times.
        if (a.cacheable) {
            const std::int64_t now = static_cast<std::int64_t>(::time(nullptr));
            r.headers.emplace_back("Cache-Control", "max-age=" + std::to_string(std::max<std::int64_t>(0, a.next_update - now)) +
                                                        ", public, no-transform, must-revalidate");
            r.headers.emplace_back("ETag", a.etag);
            r.headers.emplace_back("Last-Modified", net::http_date(a.this_update));
            r.headers.emplace_back("Expires", net::http_date(a.next_update));
            const std::string inm = req.header("If-None-Match");
            if (!inm.empty() && (inm == a.etag || inm == "W/" + a.etag)) {
                r.status = 304;
                return r;
            }
        } else {
            r.headers.emplace_back("Cache-Control", "no-store");
        }
    }
    r.body.assign(a.der.begin(), a.der.end());
    return r;
}

}  // namespace

void ocsp_serve(const OcspServeOptions& o, std::atomic<bool>* stop) {
    net::parse_listen(o.listen);  // a bad address is a usage error before anything starts
    if (o.crl_hours <= 0) throw Error(Errc::usage, "the CRL validity must be positive");

    net::StopSignals signals;                                    // before any thread starts
    net::Server server("ocsp", o.server, o.max_request, o.log);  // its limits checked before the CA opens
    OcspResponder responder(o);
    OcspResponder::Impl& m = responder.impl();

    net::Route crl;
    crl.name = "crl";
    crl.method = "GET";
    crl.path = "/crl";
    crl.work = [&responder](const net::Request&, net::Reply reply) {
        try {
            const Bytes der = responder.crl();
            net::Response r;
            r.content_type = "application/pkix-crl";
            r.body.assign(der.begin(), der.end());
            reply(std::move(r));
        } catch (const Error& e) {
            reply(net::Response::text(503, e.what()));
        }
    };
    server.add(std::move(crl));

    // The CA certificate, DER (RFC 5280 §4.2.2.1): what `ca init --issuer-url http://HOST:PORT/ca.crt` names.
    net::Route ca_cert;
    ca_cert.name = "ca_cert";
    ca_cert.method = "GET";
    ca_cert.path = "/ca.crt";
    ca_cert.fast = [der = m.ca.certificate()](const net::Request&) -> std::optional<net::Response> {
        net::Response r;
        r.content_type = "application/pkix-cert";
        r.headers.emplace_back("Cache-Control", "max-age=86400, public");
        r.body.assign(der.begin(), der.end());
        return r;
    };
    server.add(std::move(ca_cert));

    net::Route post;
    post.name = "ocsp";
    post.method = "POST";
    post.path = "/";
    post.prefix = true;
    post.fast = [&m](const net::Request& req) -> std::optional<net::Response> {
        auto hit = m.cached(Bytes(req.body.begin(), req.body.end()));
        if (!hit) return std::nullopt;
        return ocsp_response(*hit, false, req);
    };
    post.work = [&m](const net::Request& req, net::Reply reply) {
        reply(ocsp_response(*m.answer(Bytes(req.body.begin(), req.body.end())), false, req));
    };
    server.add(std::move(post));

    net::Route get;
    get.name = "ocsp";
    get.method = "GET";
    get.path = "/";
    get.prefix = true;
    // The request target is percent-decoded exactly once (by respond_get's decoder).
    get.fast = [&m](const net::Request& req) -> std::optional<net::Response> {
        const std::optional<Bytes> der = detail::ocsp_get_request(req.target);
        if (!der) return net::Response::text(400, "malformed request: invalid percent-encoding or base64 in the URL");
        auto hit = m.cached(*der);
        if (!hit) return std::nullopt;
        return ocsp_response(*hit, true, req);
    };
    get.work = [&m](const net::Request& req, net::Reply reply) {
        const std::optional<Bytes> der = detail::ocsp_get_request(req.target);
        if (!der) return reply(net::Response::text(400, "malformed request"));
        reply(ocsp_response(*m.answer(*der), true, req));
    };
    server.add(std::move(get));

    server.add_metrics([&m](std::string& out) {
        const auto [oldest, entries] = m.cache_stats();
        const std::int64_t now = static_cast<std::int64_t>(::time(nullptr));
        net::metric_header(out, "tsign_ocsp_cache_entries", "gauge", "pre-signed OCSP responses held in memory");
        net::metric_line(out, "tsign_ocsp_cache_entries", "", static_cast<double>(entries));
        net::metric_header(out, "tsign_ocsp_cache_age_seconds", "gauge", "age of the oldest pre-signed response");
        net::metric_line(out, "tsign_ocsp_cache_age_seconds", "", static_cast<double>(oldest ? now - oldest : 0));
        net::metric_header(out, "tsign_ocsp_signatures_total", "counter", "OCSP responses signed (ahead of time or live)");
        net::metric_line(out, "tsign_ocsp_signatures_total", "", static_cast<double>(m.signatures.load()));
        net::metric_header(out, "tsign_ocsp_cache_hits_total", "counter", "requests answered from a pre-signed response");
        net::metric_line(out, "tsign_ocsp_cache_hits_total", "", static_cast<double>(m.hits.load()));
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
    struct Stopper {
        std::atomic<bool>& done;
        std::thread& keeper;
        OcspResponder::Impl& m;
        ~Stopper() {
            done = true;
            keeper.join();
            m.stop_background();
        }
    } stopper{done, keeper, m};
    server.run(o.listen, stop, [&o, &m, &responder] {
        try {
            responder.crl();  // a fresh CRL
        } catch (const Error& e) {
            if (o.log) o.log(std::string("cannot sign the CRL: ") + e.what());
        }
        m.start_background();  // pre-signing runs beside the server: it answers from the first second
        if (o.log)
            o.log("listening on http://" + o.listen +
                  "/ (OCSP: POST or GET; CRL: GET /crl; CA certificate: GET /ca.crt; GET /healthz, /metrics)");
    });
}

}  // namespace tsign
