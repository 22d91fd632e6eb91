// The tender portal over HTTP, on the one server core (net::Server), and the bidder's client.
//   POST /submit   a package (application/octet-stream) -> 200 the receipt (application/pkcs7-mime)
//                  403 after the deadline or closing, 422 a package that is refused, 503 no TSA
#include <mutex>

#include "net/http.hpp"
#include "net/http_server.hpp"
#include "tender/tender_impl.hpp"
#include "tsign/error.hpp"

namespace tsign {

void tender_serve(const TenderDescriptor& t, const TenderServeOptions& o) {
    net::parse_listen(o.listen);
    net::StopSignals signals;
    net::Server server("tender", o.server, o.max_package, o.log);
    std::unique_ptr<Signer> portal = open_signer(o.key);
    tender::check_portal_key(t, *portal);
    { const tender::Store schema(o.portal.state_dir, true); }  // the state folder and its schema, before the first request
    std::mutex sign_mutex;                    // a token key signs one receipt at a time
    net::Route route;
    route.name = "submit";
    route.method = "POST";
    route.path = "/submit";
    route.work = [&](const net::Request& req, net::Reply reply) {
        net::Response r;
        try {
            const Bytes package(req.body.begin(), req.body.end());
            TenderReceiptInfo rec;
            {
                std::unique_lock<std::mutex> lock(sign_mutex, std::defer_lock);
                if (!portal->thread_safe()) lock.lock();
                rec = tender_receive(t, *portal, package, o.portal);
            }
            r.content_type = "application/pkcs7-mime";
            r.body.assign(rec.der.begin(), rec.der.end());
            if (o.log)
                o.log(std::string(rec.duplicate ? "receipt again: #" : "received: #") + std::to_string(rec.seq) + " envelope " +
                      rec.envelope + " from " + rec.bidder + " sha256 " + rec.package_sha256);
        } catch (const Error& e) {
            const std::string msg = e.what();
            int status = 422;
            if (e.code() == Errc::network)
                status = 503;
            else if (e.code() == Errc::closed)
                status = 403;
            else if (exit_code_for(e.code()) == ExitCode::key || e.code() == Errc::internal)
                status = 500;
            r = net::Response::text(status, msg);
            if (status == 503) r.headers.emplace_back("Retry-After", "5");
            if (o.log) o.log("refused (" + std::to_string(status) + "): " + msg);
        }
        reply(std::move(r));
    };
    server.add(std::move(route));
    server.run(o.listen, nullptr, [&] {
        if (o.log)
            o.log("tender " + t.id + ": listening on http://" + o.listen + "/submit (POST a package; GET /healthz, /metrics)");
    });
}

TenderReceiptInfo tender_submit(const TenderDescriptor& t, const Bytes& package, const std::string& url,
                                const ChainOptions& chain, int timeout_seconds) {
    const net::Fetched f = net::post(url, "application/octet-stream", package, timeout_seconds, tender::kMaxDescriptorBytes);
    if (f.status != 200) {
        std::string why(f.body.begin(), f.body.end());
        while (!why.empty() && (why.back() == '\n' || why.back() == '\r')) why.pop_back();
        if (why.size() > 300) why.resize(300);
        throw Error(f.status == 403   ? Errc::closed
                    : f.status == 422 ? Errc::not_valid
                                      : Errc::network,
                    "the portal refused the package (HTTP " + std::to_string(f.status) + "): " + why);
    }
    return verify_tender_receipt(t, f.body, &package, chain);
}

}  // namespace tsign
