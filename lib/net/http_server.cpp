#include "net/http_server.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <array>
#include <charconv>
#include <chrono>
#include <csignal>
#include <ctime>
#include <deque>
#include <list>
#include <mutex>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "net/metrics.hpp"
#include "tsign/error.hpp"
#include "tsign/time.hpp"

namespace tsign::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

std::pair<std::string, int> parse_listen(const std::string& listen) {
    const auto colon = listen.rfind(':');
    int port = -1;
    if (colon != std::string::npos) {
        const char* begin = listen.data() + colon + 1;
        const char* end = listen.data() + listen.size();
        const auto [p, ec] = std::from_chars(begin, end, port, 10);
        if (begin == end || ec != std::errc() || p != end) port = -1;
    }
    if (port <= 0 || port > 65535)
        throw Error(Errc::usage, "invalid --listen '" + listen + "': expected ADDR:PORT (the port a number from 1 to 65535)");
    std::string host = listen.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host.empty())
        throw Error(Errc::usage, "invalid --listen '" + listen +
                                     "': name the address (127.0.0.1:PORT, 0.0.0.0:PORT for every interface, [::1]:PORT)");
    return {host, port};
}

StopSignals::StopSignals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, &old_);
}

StopSignals::~StopSignals() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }

std::string http_date(std::int64_t unix_seconds) {
    const std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return buf;
}

std::string Request::header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (beast::iequals(k, name)) return v;
    return {};
}

Response Response::text(int status, std::string message) {
    Response r;
    r.status = status;
    r.body = std::move(message);
    if (r.body.empty() || r.body.back() != '\n') r.body.push_back('\n');
    return r;
}

namespace {

constexpr std::array<int, 13> kStatuses{200, 304, 400, 403, 404, 405, 408, 413, 431, 500, 501, 503, 0};  // 0: any other

std::size_t status_slot(int status) {
    for (std::size_t i = 0; i + 1 < kStatuses.size(); ++i)
        if (kStatuses[i] == status) return i;
    return kStatuses.size() - 1;
}

/// Requests and latency of one route.
struct RouteStats {
    std::string name;
    std::array<std::atomic<std::uint64_t>, kStatuses.size()> by_status{};
    std::array<std::atomic<int>, kStatuses.size()> other_status{};  // the last "other" status seen
    Histogram latency;
};

/// Printable ASCII of at most max bytes (for logs: a request target is the client's to choose).
std::string printable(std::string_view s, std::size_t max = 256) {
    std::string out;
    for (char c : s.substr(0, max)) out.push_back(c > 0x20 && c < 0x7f && c != '"' ? c : '?');
    if (s.size() > max) out += "...";
    return out;
}

beast::string_view trim(beast::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    return v;
}

std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (char c : printable(s)) {
        if (c == '"' || c == '\\') out.push_back('\\');
        out.push_back(c);
    }
    return out + "\"";
}

/// The Date header, formatted once a second per thread.
const std::string& http_date_now() {
    thread_local std::time_t cached = 0;
    thread_local std::string value;
    const std::time_t t = std::time(nullptr);
    if (t != cached) {
        cached = t;
        value = http_date(t);
    }
    return value;
}

/// Lets this process open as many sockets as its hard limit allows; returns the soft limit.
std::size_t raise_fd_limit() {
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 1024;
    if (rl.rlim_cur < rl.rlim_max) {
        rlimit want = rl;
        want.rlim_cur = std::min<rlim_t>(rl.rlim_max, 1 << 20);
        if (setrlimit(RLIMIT_NOFILE, &want) == 0) rl = want;
    }
    return static_cast<std::size_t>(rl.rlim_cur);
}

std::chrono::steady_clock::duration seconds(double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(std::max(0.001, s)));
}

}  // namespace

struct Conn;

struct Server::Impl {
    std::string service;
    ServerLimits lim;
    std::size_t max_body;
    std::function<void(const std::string&)> log;
    std::vector<Route> routes;
    std::deque<RouteStats> stats;          // one per route name, then healthz, metrics, other
    std::vector<std::size_t> route_stats;  // route index -> stats index (routes may share a name)
    std::vector<std::function<void(std::string&)>> extra_metrics;
    std::function<void()> drain_hook;
    std::size_t max_connections = 0;

    std::vector<std::unique_ptr<asio::io_context>> ios;
    std::unique_ptr<asio::thread_pool> workers;
    std::unique_ptr<tcp::acceptor> acceptor;
    std::atomic<std::size_t> next_io{0};
    std::atomic<std::size_t> queued{0};
    std::atomic<bool> draining{false};

    // Connections: every one (for the drain), and those waiting for their client (for eviction),
    // oldest first.
    std::mutex conn_mutex;
    std::list<std::weak_ptr<Conn>> all;
    std::list<std::weak_ptr<Conn>> waiting;
    std::atomic<std::size_t> open{0};
    std::atomic<std::uint64_t> accepted{0}, evicted{0}, refused{0};

    RouteStats& stats_for(std::ptrdiff_t route) {
        const auto r = static_cast<std::size_t>(route);
        return r < routes.size() ? stats[route_stats[r]] : stats[stats.size() - 3 + (r - routes.size())];
    }
    std::ptrdiff_t healthz_index() const { return static_cast<std::ptrdiff_t>(routes.size()); }
    std::ptrdiff_t metrics_index() const { return healthz_index() + 1; }
    std::ptrdiff_t other_index() const { return healthz_index() + 2; }

    void accept();
    void refuse(tcp::socket socket);
    bool evict_oldest_waiting();
    std::string render_metrics();
};

/// One client connection. Lives on one io_context (one thread): no locks but the server's registries.
struct Conn : std::enable_shared_from_this<Conn> {
    enum class Phase { waiting, busy, closed };

    Server::Impl& srv;
    tcp::socket socket;
    asio::steady_timer timer;
    std::uint64_t timer_generation = 0;
    bool timed_out = false;
    beast::flat_buffer buffer;
    std::optional<http::request_parser<http::string_body>> parser;
    http::response<http::string_body> response;
    std::string remote;
    Phase phase = Phase::waiting;
    std::list<std::weak_ptr<Conn>>::iterator all_it, waiting_it;
    bool in_waiting = false;  // guarded by srv.conn_mutex
    bool evictable = false;   // guarded by srv.conn_mutex: in the list, but an answer is still being written
    bool keep_alive = true;
    Clock::time_point started;
    std::string method, target;
    std::ptrdiff_t route = -1;

    Conn(Server::Impl& s, tcp::socket sock) : srv(s), socket(std::move(sock)), timer(socket.get_executor()) {
        beast::error_code ec;
        const auto ep = socket.remote_endpoint(ec);
        if (!ec) remote = ep.address().to_string() + ":" + std::to_string(ep.port());
        socket.set_option(tcp::no_delay(true), ec);
        buffer.max_size(srv.lim.max_header + srv.max_body + std::size_t{64} * 1024);
    }

    /// The deadline of what the connection does now: when it passes, the pending operation is
    /// cancelled (the socket stays open, so that a 408 can still be sent).
    void arm(Clock::duration d) {
        timed_out = false;
        const std::uint64_t gen = ++timer_generation;
        timer.expires_after(d);
        timer.async_wait([self = weak_from_this(), gen](beast::error_code ec) {
            auto c = self.lock();
            if (ec || !c || c->timer_generation != gen || c->phase == Phase::closed) return;
            c->timed_out = true;
            beast::error_code e;
            c->socket.cancel(e);
        });
    }

    void start() {
        {
            std::lock_guard<std::mutex> lock(srv.conn_mutex);
            all_it = srv.all.insert(srv.all.end(), weak_from_this());
        }
        next_request();
    }

    /// The list of connections waiting for their client, in the order they began to wait: a
    /// connection takes its place when its answer starts to leave (before the client can see it and
    /// open another), and may be evicted once the answer has left.
    void set_waiting(bool on, bool can_evict = true) {
        std::lock_guard<std::mutex> lock(srv.conn_mutex);
        if (on && !in_waiting) waiting_it = srv.waiting.insert(srv.waiting.end(), weak_from_this()), in_waiting = true;
        if (on) evictable = can_evict;
        if (!on && in_waiting) srv.waiting.erase(waiting_it), in_waiting = false;
    }

    /// Waits for the next request (keep-alive idle), or parses the one already buffered (pipelining).
    void next_request() {
        if (srv.draining) return close();
        phase = Phase::waiting;
        set_waiting(true);
        if (buffer.size() > 0) return read_head();
        arm(seconds(srv.lim.idle_timeout));
        socket.async_read_some(buffer.prepare(4096), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
            if (ec) return self->close();  // idle time-out, or the client left
            self->buffer.commit(n);
            self->read_head();
        });
    }

    void read_head() {
        started = Clock::now();
        parser.emplace();
        parser->header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(srv.lim.max_header, UINT32_MAX)));
        parser->body_limit(srv.max_body);
        arm(seconds(srv.lim.header_timeout));  // absolute: a trickle does not extend it
        http::async_read_header(socket, buffer, *parser,
                                [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_head(ec); });
    }

    void on_head(beast::error_code ec) {
        set_waiting(false);
        if (phase == Phase::closed) return;
        phase = Phase::busy;
        if (ec) return fail(ec);
        const auto& h = parser->get();
        method = std::string(h.method_string());
        target = std::string(h.target());
        keep_alive = h.keep_alive();
        // RFC 9112 §6.3: a message with both, or with several lengths, is a smuggling attempt.
        const bool has_te = h.count(http::field::transfer_encoding) > 0;
        const auto cl = h.count(http::field::content_length);
        if (cl > 1 || (cl == 1 && h[http::field::content_length].find(',') != beast::string_view::npos) || (cl && has_te))
            return error_response(400, "bad request: conflicting or repeated Content-Length");
        // RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing.
        if (has_te && h.version() < 11) return error_response(400, "bad request: Transfer-Encoding in an HTTP/1.0 request");
        if (has_te && !beast::iequals(trim(h[http::field::transfer_encoding]), "chunked"))
            return error_response(501, "not implemented: only the chunked transfer coding is accepted");
        // RFC 9112 §3.2: exactly one Host in an HTTP/1.1 request.
        const auto hosts = h.count(http::field::host);
        if (hosts > 1 || (hosts == 0 && h.version() >= 11))
            return error_response(400, "bad request: an HTTP/1.1 request needs one Host field");
        if (parser->is_done()) return dispatch();
        if (h.version() >= 11 && beast::iequals(h[http::field::expect], "100-continue")) {
            // the client waits for this before it sends the body
            static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
            arm(seconds(srv.lim.write_timeout));
            asio::async_write(socket, asio::buffer(kContinue), [self = shared_from_this()](beast::error_code e, std::size_t) {
                if (e) return self->close();
                self->read_body();
            });
            return;
        }
        read_body();
    }

    void read_body() {
        arm(seconds(srv.lim.body_timeout));
        http::async_read(socket, buffer, *parser, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (self->phase == Phase::closed) return;
            if (ec) return self->fail(ec);
            self->dispatch();
        });
    }

    /// A request that could not be read: answer when the client can still hear it, then close.
    void fail(beast::error_code ec) {
        if (timed_out) return error_response(408, "request timeout: the request did not arrive in time");
        if (ec == http::error::header_limit) return error_response(431, "request header fields too large");
        if (ec == http::error::body_limit || ec == http::error::buffer_overflow)
            return error_response(413, "payload too large: at most " + std::to_string(srv.max_body) + " bytes");
        if (ec == http::error::end_of_stream || ec == http::error::partial_message || ec == asio::error::eof ||
            ec == asio::error::connection_reset || ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor)
            return close();
        return error_response(400, "bad request: " + ec.message());
    }

    void error_response(int status, std::string message) {
        keep_alive = false;
        if (method.empty()) method = "-";
        if (route < 0) route = srv.other_index();
        send(Response::text(status, std::move(message)));
    }

    void dispatch() {
        Request req;
        auto msg = parser->release();
        req.method = method;
        req.target = target;
        req.body = std::move(msg.body());
        req.remote = remote;
        for (const auto& f : msg) req.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
        std::string_view path = std::string_view(target).substr(0, target.find('?'));
        // RFC 9112 §3.2.2: a server accepts the absolute form (http://host/path) too.
        for (std::string_view scheme : {"http://", "https://"})
            if (path.size() > scheme.size() && beast::iequals(path.substr(0, scheme.size()), scheme)) {
                const auto slash = path.find('/', scheme.size());
                path = slash == std::string_view::npos ? std::string_view("/") : path.substr(slash);
                req.target = std::string(path) + (target.find('?') != std::string::npos ? target.substr(target.find('?')) : "");
            }

        if (method == "GET" && (path == "/healthz" || path == "/metrics")) {
            route = path == "/healthz" ? srv.healthz_index() : srv.metrics_index();
            Response r;
            if (path == "/healthz") {
                r.body = "ok\n";
            } else {
                r.content_type = "text/plain; version=0.0.4; charset=utf-8";
                r.body = srv.render_metrics();
            }
            return send(std::move(r));
        }
        bool path_known = false;
        for (std::size_t i = 0; i < srv.routes.size(); ++i) {
            const Route& rt = srv.routes[i];
            const bool match = rt.prefix ? path.substr(0, rt.path.size()) == rt.path : path == rt.path;
            if (!match) continue;
            path_known = true;
            if (rt.method != method) continue;
            route = static_cast<std::ptrdiff_t>(i);
            if (rt.fast) {
                std::optional<Response> r;
                try {
                    r = rt.fast(req);
                } catch (const std::exception& e) {
                    r = Response::text(500, std::string("internal error: ") + e.what());
                }
                if (r) return send(std::move(*r));
            }
            if (!rt.work) return send(Response::text(500, "internal error: no handler"));
            return hand_to_worker(rt, std::move(req));
        }
        route = srv.other_index();
        if (path_known) return send(Response::text(405, "method not allowed"));
        send(Response::text(404, "not found"));
    }

    void hand_to_worker(const Route& rt, Request req);

    void send(Response r) {
        if (phase == Phase::closed) return;
        const int status = r.status;
        if (srv.draining) keep_alive = false;
        response = {};
        response.version(11);
        response.result(static_cast<unsigned>(status));
        response.set(http::field::server, "tsign");
        response.set(http::field::date, http_date_now());
        response.set(http::field::content_type, r.content_type);
        for (auto& [k, v] : r.headers) response.insert(k, v);
        response.body() = std::move(r.body);
        response.keep_alive(keep_alive);
        response.prepare_payload();
        const std::size_t bytes = response.body().size();

        // statistics and the access log
        const double secs = std::chrono::duration<double>(Clock::now() - started).count();
        RouteStats& st = srv.stats_for(route < 0 ? srv.other_index() : route);
        const std::size_t slot = status_slot(status);
        st.by_status[slot].fetch_add(1, std::memory_order_relaxed);
        if (kStatuses[slot] == 0) st.other_status[slot].store(status, std::memory_order_relaxed);
        st.latency.observe(secs);
        if (srv.log && srv.lim.access_log != AccessLogFormat::off) {
            char ms[32];
            std::snprintf(ms, sizeof ms, "%.3f", secs * 1000);
            if (srv.lim.access_log == AccessLogFormat::json)
                srv.log("{\"time\":\"" + format_iso8601(std::time(nullptr)) + "\",\"remote\":" + json_string(remote) +
                        ",\"method\":" + json_string(method) + ",\"target\":" + json_string(target) +
                        ",\"status\":" + std::to_string(status) + ",\"bytes\":" + std::to_string(bytes) + ",\"ms\":" + ms +
                        ",\"route\":\"" + st.name + "\"}");
            else
                srv.log(remote + " \"" + printable(method, 16) + " " + printable(target) + "\" " + std::to_string(status) + " " +
                        std::to_string(bytes) + " " + ms + "ms " + st.name);
        }

        if (keep_alive) set_waiting(true, false);  // its place in the idle order: now
        arm(seconds(srv.lim.write_timeout));
        http::async_write(socket, response, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) return self->close();
            if (!self->keep_alive) return self->linger();
            self->method.clear();
            self->route = -1;
            self->next_request();
        });
    }

    /// Closes after the response has left: stops sending, then reads what the client still sends for a
    /// short while, so that the close does not reset the connection before the client read the answer.
    void linger() {
        if (phase == Phase::closed) return;
        beast::error_code ec;
        socket.shutdown(tcp::socket::shutdown_send, ec);
        if (ec) return close();
        buffer.consume(buffer.size());
        arm(std::chrono::seconds(2));
        discard(std::size_t{256} * 1024);
    }

    void discard(std::size_t budget) {
        socket.async_read_some(buffer.prepare(std::size_t{16} * 1024),
                               [self = shared_from_this(), budget](beast::error_code ec, std::size_t n) {
                                   if (ec || n >= budget) return self->close();
                                   self->buffer.consume(self->buffer.size());
                                   self->discard(budget - n);
                               });
    }

    void close() {
        if (phase == Phase::closed) return;
        phase = Phase::closed;
        {
            std::lock_guard<std::mutex> lock(srv.conn_mutex);
            if (in_waiting) srv.waiting.erase(waiting_it), in_waiting = false;
            srv.all.erase(all_it);
        }
        beast::error_code ec;
        timer.cancel();
        socket.shutdown(tcp::socket::shutdown_both, ec);
        socket.close(ec);
        srv.open.fetch_sub(1);
    }

    /// On the drain, or when evicted: closes unless a request is being handled.
    void close_if_waiting(bool eviction) {
        if (phase != Phase::waiting) return;
        if (eviction) srv.evicted.fetch_add(1);
        close();
    }
};

struct Reply::State {
    std::shared_ptr<Conn> conn;
    std::atomic<bool> answered{false};
};

Reply::~Reply() {
    if (!state_ || state_->answered) return;
    try {
        (*this)(Response::text(500, "internal error: the request was not answered"));
    } catch (...) {  // out of memory: the connection ends at its deadline
    }
}

void Reply::operator()(Response r) {
    if (!state_ || state_->answered.exchange(true)) return;
    std::shared_ptr<Conn> c = state_->conn;
    c->srv.queued.fetch_sub(1);
    asio::post(c->socket.get_executor(), [c, r = std::move(r)]() mutable { c->send(std::move(r)); });
}

void Conn::hand_to_worker(const Route& rt, Request req) {
    if (srv.queued.load() >= srv.lim.max_queue) {
        Response r = Response::text(503, "service unavailable: too many requests waiting");
        r.headers.emplace_back("Retry-After", "1");
        return send(std::move(r));
    }
    srv.queued.fetch_add(1);
    auto state = std::make_shared<Reply::State>();
    state->conn = shared_from_this();
    auto shared_req = std::make_shared<Request>(std::move(req));
    Server::Impl* server = &srv;
    asio::post(*srv.workers, [&rt, shared_req, state, server]() mutable {
        try {
            rt.work(*shared_req, Reply(state));  // an unanswered Reply answers 500 when it goes
        } catch (const std::exception& e) {
            if (server->log) server->log(std::string("internal error in the ") + rt.name + " handler: " + e.what());
        }
    });
}

void Server::Impl::refuse(tcp::socket socket) {
    refused.fetch_add(1);
    static const std::string kBusy =
        "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\nContent-Type: text/plain\r\n"
        "Content-Length: 37\r\n\r\nservice unavailable: too many clients\n";
    beast::error_code ec;
    socket.non_blocking(true, ec);
    asio::write(socket, asio::buffer(kBusy), ec);  // a fresh socket's send buffer takes it at once, or never
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
}

bool Server::Impl::evict_oldest_waiting() {
    std::shared_ptr<Conn> victim;
    {
        std::lock_guard<std::mutex> lock(conn_mutex);
        for (auto it = waiting.begin(); it != waiting.end() && !victim;) {
            auto c = it->lock();
            if (c && !c->evictable) {  // its answer is still leaving
                ++it;
                continue;
            }
            if (c) c->in_waiting = false, victim = std::move(c);
            it = waiting.erase(it);
        }
    }
    if (!victim) return false;
    asio::post(victim->socket.get_executor(), [victim] { victim->close_if_waiting(true); });
    return true;
}

void Server::Impl::accept() {
    const std::size_t i = next_io.fetch_add(1) % ios.size();
    acceptor->async_accept(*ios[i], [this](beast::error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
        if (ec) {
            // out of descriptors or memory: wait a little instead of spinning
            if (log) log("accept failed: " + ec.message());
            auto t = std::make_shared<asio::steady_timer>(acceptor->get_executor(), std::chrono::milliseconds(100));
            t->async_wait([this, t](beast::error_code) {
                if (acceptor->is_open()) accept();
            });
            return;
        }
        accepted.fetch_add(1);
        if (open.load() >= max_connections && !evict_oldest_waiting()) {
            refuse(std::move(socket));
        } else {
            open.fetch_add(1);
            auto c = std::make_shared<Conn>(*this, std::move(socket));
            asio::post(c->socket.get_executor(), [c] { c->start(); });
        }
        accept();
    });
}

std::string Server::Impl::render_metrics() {
    std::string out;
    metric_header(out, "tsign_http_requests_total", "counter", "HTTP requests answered, by route and status");
    for (const auto& st : stats)
        for (std::size_t i = 0; i < kStatuses.size(); ++i) {
            const auto n = st.by_status[i].load(std::memory_order_relaxed);
            if (n == 0 && !(kStatuses[i] == 200 || kStatuses[i] == 0)) continue;
            const int status = kStatuses[i] != 0 ? kStatuses[i] : st.other_status[i].load();
            if (kStatuses[i] == 0 && n == 0) continue;
            metric_line(out, "tsign_http_requests_total", "route=\"" + st.name + "\",status=\"" + std::to_string(status) + "\"",
                        static_cast<double>(n));
        }
    metric_header(out, "tsign_http_request_duration_seconds", "histogram", "time from the first byte of a request to its answer");
    for (const auto& st : stats) st.latency.render(out, "tsign_http_request_duration_seconds", "route=\"" + st.name + "\"");
    metric_header(out, "tsign_http_open_connections", "gauge", "client connections open now");
    metric_line(out, "tsign_http_open_connections", "", static_cast<double>(open.load()));
    metric_header(out, "tsign_http_max_connections", "gauge", "the connection limit");
    metric_line(out, "tsign_http_max_connections", "", static_cast<double>(max_connections));
    metric_header(out, "tsign_http_connections_total", "counter", "client connections accepted");
    metric_line(out, "tsign_http_connections_total", "", static_cast<double>(accepted.load()));
    metric_header(out, "tsign_http_connections_evicted_total", "counter", "idle connections closed at the connection limit");
    metric_line(out, "tsign_http_connections_evicted_total", "", static_cast<double>(evicted.load()));
    metric_header(out, "tsign_http_connections_refused_total", "counter", "connections refused (503) at the connection limit");
    metric_line(out, "tsign_http_connections_refused_total", "", static_cast<double>(refused.load()));
    metric_header(out, "tsign_signing_queue_depth", "gauge", "requests waiting for or running on a signing worker");
    metric_line(out, "tsign_signing_queue_depth", "", static_cast<double>(queued.load()));
    for (const auto& extra : extra_metrics) extra(out);
    return out;
}

Server::Server(std::string service, const ServerLimits& limits, std::size_t max_body, std::function<void(const std::string&)> log)
    : impl_(std::make_unique<Impl>()) {
    impl_->service = std::move(service);
    impl_->lim = limits;
    impl_->max_body = max_body;
    impl_->log = std::move(log);
    auto seconds_ok = [](double v, double min) { return std::isfinite(v) && v >= min && v <= 86400; };
    if (!seconds_ok(limits.header_timeout, 0.001) || !seconds_ok(limits.body_timeout, 0.001) ||
        !seconds_ok(limits.idle_timeout, 0.001) || !seconds_ok(limits.write_timeout, 0.001) ||
        !seconds_ok(limits.drain_timeout, 0))
        throw Error(Errc::usage, "server time-outs must be numbers of seconds from 0.001 to 86400 (the drain time-out may be 0)");
    if (limits.max_header < 256 || limits.max_header > (1u << 20))
        throw Error(Errc::usage, "the header limit must be from 256 bytes to 1 MiB");
    if (max_body > (std::size_t{1} << 30)) throw Error(Errc::usage, "the request size limit must be at most 1 GiB");
    if (limits.max_connections < 1 || limits.max_connections > 1000000)
        throw Error(Errc::usage, "the connection limit must be from 1 to 1000000");
    if (limits.workers > 1024 || limits.io_threads > 1024) throw Error(Errc::usage, "at most 1024 worker or I/O threads");
    if (limits.max_queue < 1 || limits.max_queue > 1000000) throw Error(Errc::usage, "the queue limit must be from 1 to 1000000");
}

Server::~Server() = default;

void Server::add(Route route) { impl_->routes.push_back(std::move(route)); }

void Server::add_metrics(std::function<void(std::string&)> render) { impl_->extra_metrics.push_back(std::move(render)); }

void Server::on_drain(std::function<void()> fn) { impl_->drain_hook = std::move(fn); }

std::size_t Server::queue_depth() const { return impl_->queued.load(); }

void Server::run(const std::string& listen, std::atomic<bool>* stop, const std::function<void()>& on_listening) {
    Impl& m = *impl_;
    const auto [host, port] = parse_listen(listen);
    m.stats.clear();  // a run after one that could not bind starts afresh
    m.route_stats.clear();
    m.acceptor.reset();  // before its io_context
    m.ios.clear();
    for (const auto& r : m.routes) {
        std::size_t i = 0;
        while (i < m.stats.size() && m.stats[i].name != r.name) ++i;
        if (i == m.stats.size()) m.stats.emplace_back().name = r.name;
        m.route_stats.push_back(i);
    }
    for (const char* n : {"healthz", "metrics", "other"}) m.stats.emplace_back().name = n;

    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    const unsigned n_io = m.lim.io_threads ? m.lim.io_threads : cores;
    const unsigned n_workers = m.lim.workers ? m.lim.workers : cores;
    for (unsigned i = 0; i < n_io; ++i) m.ios.push_back(std::make_unique<asio::io_context>(1));

    // Bind first: an address in use is an error before any thread starts. No SO_REUSEPORT: a
    // second server on the same address must fail, not share the traffic.
    beast::error_code ec;
    tcp::resolver resolver(*m.ios[0]);
    auto endpoints = resolver.resolve(host, std::to_string(port), tcp::resolver::numeric_service, ec);
    if (ec || endpoints.empty()) throw Error(Errc::usage, "invalid --listen '" + listen + "': cannot resolve '" + host + "'");
    const tcp::endpoint ep = *endpoints.begin();
    m.acceptor = std::make_unique<tcp::acceptor>(*m.ios[0]);
    m.acceptor->open(ep.protocol(), ec);
    if (!ec) m.acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) m.acceptor->bind(ep, ec);
    if (ec == asio::error::address_in_use) throw Error(Errc::network, "cannot listen on " + listen + ": address in use");
    if (!ec) m.acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) throw Error(Errc::network, "cannot listen on " + listen + ": " + ec.message());

    const std::size_t fds = raise_fd_limit();
    m.max_connections = std::min(m.lim.max_connections, fds > 128 ? fds - 64 : fds / 2);
    if (m.max_connections < m.lim.max_connections && m.log)
        m.log("the connection limit is " + std::to_string(m.max_connections) + " (open file limit " + std::to_string(fds) + ")");

    // SIGTERM and SIGINT are taken by this thread only (blocked before the other threads start).
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigset_t old;
    pthread_sigmask(SIG_BLOCK, &set, &old);

    m.workers = std::make_unique<asio::thread_pool>(n_workers);
    std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
    for (auto& io : m.ios) guards.push_back(asio::make_work_guard(*io));
    std::vector<std::thread> threads;
    for (auto& io : m.ios) threads.emplace_back([&io] { io->run(); });
    asio::post(*m.ios[0], [&m] { m.accept(); });
    if (on_listening) {
        try {
            on_listening();
        } catch (const std::exception& e) {
            if (m.log) m.log(std::string("starting: ") + e.what());
        }
    }

    auto wait_signal = [&](std::chrono::milliseconds step) {
        timespec ts{0, static_cast<long>(step.count()) * 1000 * 1000};
        return sigtimedwait(&set, nullptr, &ts) > 0 || (stop && *stop);
    };
    while (!wait_signal(std::chrono::milliseconds(200))) {}
    if (m.log) m.log("draining: no new connections; finishing the requests in flight");

    // The drain: no new connections; idle ones closed; those in flight end after their answer.
    m.draining = true;
    asio::post(*m.ios[0], [&m] {
        beast::error_code e;
        m.acceptor->close(e);
    });
    auto close_waiting = [&m] {
        std::vector<std::shared_ptr<Conn>> conns;
        {
            std::lock_guard<std::mutex> lock(m.conn_mutex);
            for (auto& w : m.all)
                if (auto c = w.lock()) conns.push_back(std::move(c));
        }
        for (auto& c : conns) asio::post(c->socket.get_executor(), [c] { c->close_if_waiting(false); });
    };
    close_waiting();
    const auto deadline = Clock::now() + seconds(m.lim.drain_timeout);
    while (m.open.load() > 0 && Clock::now() < deadline) {
        if (wait_signal(std::chrono::milliseconds(50)) && m.log) m.log("draining already");
        close_waiting();  // connections that finished a request since
    }
    m.workers->join();  // work already taken is finished
    if (m.drain_hook) m.drain_hook();
    // the answers of that work leave (a short grace when the deadline has already passed)
    const auto grace = std::max(deadline, Clock::now() + std::chrono::milliseconds(500));
    while (m.open.load() > 0 && Clock::now() < grace) {
        wait_signal(std::chrono::milliseconds(20));
        close_waiting();
    }
    const std::size_t left = m.open.load();
    for (auto& g : guards) g.reset();
    for (auto& io : m.ios) io->stop();
    for (auto& t : threads) t.join();
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    if (m.log) m.log(left ? "stopped; " + std::to_string(left) + " connection(s) cut at the drain deadline" : "stopped");
}

}  // namespace tsign::net
