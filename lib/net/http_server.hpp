// Internal: the one HTTP/1.1 server core of every tsign service (TSA, OCSP responder, tender portal).
//
// Event-driven (Boost.Asio on epoll, Boost.Beast's HTTP parser): one io_context per I/O thread, so a
// connection that waits costs a socket and a timer, never a thread. Every connection has deadlines
// (idle, request head, body, write) that a trickle cannot extend; heads and bodies have size limits
// (431, 413, also for chunked bodies); at the connection limit the oldest idle connection is closed.
// Requests are answered in order (keep-alive, pipelining). Handlers never see sockets: a route's
// fast handler runs on the I/O thread and may answer at once (a pre-signed OCSP response); anything
// else runs on a worker pool sized to the cores and answers through a Reply that any thread may call
// (the TSA answers after its archive commit). On SIGTERM / SIGINT it stops accepting, closes idle
// connections, finishes requests in flight within the drain deadline, and returns.
// GET /healthz and GET /metrics (Prometheus text) are built in.
#pragma once

#include <csignal>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tsign/server.hpp"

namespace tsign::net {

/// "ADDR:PORT" to its parts. Throws Errc::usage.
std::pair<std::string, int> parse_listen(const std::string& listen);

/// Blocks SIGINT and SIGTERM in the calling thread and every thread it starts from now on, so that
/// Server::run() takes them; restores the mask when it goes. A service makes one before it starts
/// any thread of its own (a thread that does not block them would die of them, exit 143).
class StopSignals {
public:
    StopSignals();
    ~StopSignals();
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;

private:
    sigset_t old_;
};

/// An HTTP-date (RFC 9110 §5.6.7): "Wed, 02 Dec 2026 06:00:00 GMT".
std::string http_date(std::int64_t unix_seconds);

/// A whole request, as a handler sees it.
struct Request {
    std::string method;
    std::string target;  ///< as sent (not percent-decoded)
    std::string body;
    std::string remote;  ///< "ADDR:PORT" of the client
    std::vector<std::pair<std::string, std::string>> headers;
    /// The value of a header field (case-insensitive name), empty when absent.
    std::string header(std::string_view name) const;
};

/// A response. Content-Length, Date, Server and Connection are set by the server.
struct Response {
    int status = 200;
    std::string content_type = "text/plain";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    static Response text(int status, std::string message);
};

/// Answers a request once, from any thread; destroying it unanswered answers 500.
class Reply {
public:
    struct State;
    explicit Reply(std::shared_ptr<State> s) : state_(std::move(s)) {}
    Reply(Reply&&) noexcept = default;
    Reply& operator=(Reply&&) noexcept = default;
    Reply(const Reply&) = delete;
    ~Reply();
    void operator()(Response r);

private:
    std::shared_ptr<State> state_;
};

/// One route: a method and a path (exact, or any path under a prefix).
struct Route {
    std::string name;    ///< the metrics and access-log label ("ocsp", "tsa", "crl")
    std::string method;  ///< "GET" or "POST"
    std::string path;    ///< "/crl"; with prefix, "/" matches every path
    bool prefix = false;
    /// Runs on the I/O thread, must not block: an answer, or nothing to hand the request to work.
    std::function<std::optional<Response>(const Request&)> fast;
    /// Runs on a worker; answers through the Reply, now or later, from any thread.
    std::function<void(const Request&, Reply)> work;
};

class Server {
public:
    /// max_body: the largest body any route takes (HTTP 413 beyond). log: one line per event.
    Server(std::string service, const ServerLimits& limits, std::size_t max_body, std::function<void(const std::string&)> log);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    void add(Route route);
    /// More text for GET /metrics, appended to the server's own (called on an I/O thread).
    void add_metrics(std::function<void(std::string&)> render);
    /// Runs during the drain once the workers have finished, before the I/O threads stop: a service
    /// that answers from a thread of its own (the TSA's archive) delivers its last answers there.
    void on_drain(std::function<void()> fn);
    /// Requests waiting for or running on a worker.
    std::size_t queue_depth() const;

    /// Binds (Errc::network "address in use" when taken), then serves until SIGTERM / SIGINT, or
    /// *stop becomes true; drains; returns. on_listening runs once the socket listens.
    void run(const std::string& listen, std::atomic<bool>* stop = nullptr, const std::function<void()>& on_listening = {});

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace tsign::net
