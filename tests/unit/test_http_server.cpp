// The server core (lib/net/http_server) in process, through raw sockets: keep-alive and pipelined
// requests answered in order (also when a later answer is ready first), answers from another thread,
// an unanswered Reply giving 500, 404/405, limits, the metrics text, and the drain on request.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>

#include "net/http_server.hpp"
#include "net/metrics.hpp"
#include "tsign/error.hpp"

using namespace tsign;

namespace {

/// A blocking client socket with a receive time-out.
struct Client {
    int fd = -1;
    explicit Client(int port) {
        fd = ::socket(AF_INET, SOCK_STREAM, 0);
        timeval tv{5, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<uint16_t>(port));
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    }
    ~Client() { ::close(fd); }
    void send(const std::string& s) const {
        REQUIRE(::send(fd, s.data(), s.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(s.size()));
    }
    /// Reads until `responses` complete HTTP responses (with Content-Length) arrived, or time-out / close.
    std::string read_responses(int responses) const {
        std::string in;
        char buf[65536];
        for (;;) {
            int complete = 0;
            std::size_t pos = 0;
            while (true) {
                const auto head_end = in.find("\r\n\r\n", pos);
                if (head_end == std::string::npos) break;
                const auto cl = in.find("Content-Length: ", pos);
                std::size_t len = 0;
                if (cl != std::string::npos && cl < head_end) len = std::stoul(in.substr(cl + 16));
                if (in.size() < head_end + 4 + len) break;
                pos = head_end + 4 + len;
                ++complete;
            }
            if (complete >= responses) return in;
            const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
            if (n <= 0) return in;
            in.append(buf, static_cast<std::size_t>(n));
        }
    }
};

int count(const std::string& s, const std::string& what) {
    int n = 0;
    for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
    return n;
}

/// A server on a free port in a thread, stopped (drained) at the end of the scope.
struct Running {
    net::Server& server;
    std::atomic<bool> stop{false};
    std::atomic<bool> listening{false};
    std::thread thread;
    int port = 0;
    std::string error;
    explicit Running(net::Server& s) : server(s) {
        std::mt19937 rng(std::random_device{}());
        for (int attempt = 0; attempt < 20 && !listening; ++attempt) {
            port = 30000 + static_cast<int>(rng() % 30000);
            error.clear();
            thread = std::thread([this] {
                try {
                    server.run("127.0.0.1:" + std::to_string(port), &stop, [this] { listening = true; });
                } catch (const std::exception& e) {
                    error = e.what();
                }
            });
            while (!listening && error.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
            if (!listening)
                thread.join();
            else
                break;
        }
        REQUIRE(listening);
    }
    ~Running() {
        stop = true;
        if (thread.joinable()) thread.join();
    }
};

}  // namespace

TEST_CASE("server core: pipelined answers in order, answers from other threads, 404/405/500, limits") {
    ServerLimits lim;
    lim.access_log = AccessLogFormat::off;
    lim.header_timeout = 1;
    lim.workers = 2;
    net::Server server("test", lim, 64, {});
    net::Route slow;  // answers late, from a thread of its own
    slow.name = "slow";
    slow.method = "GET";
    slow.path = "/slow";
    slow.work = [](const net::Request&, net::Reply reply) {
        auto shared = std::make_shared<net::Reply>(std::move(reply));
        std::thread([shared] {
            std::this_thread::sleep_for(std::chrono::milliseconds(150));
            (*shared)(net::Response::text(200, "slow"));
        }).detach();
    };
    server.add(std::move(slow));
    net::Route fast;  // answers on the I/O thread
    fast.name = "fast";
    fast.method = "GET";
    fast.path = "/fast";
    fast.fast = [](const net::Request& r) -> std::optional<net::Response> {
        return net::Response::text(200, "fast " + r.target);
    };
    server.add(std::move(fast));
    net::Route echo;  // the body back, from a worker
    echo.name = "echo";
    echo.method = "POST";
    echo.path = "/echo";
    echo.work = [](const net::Request& r, net::Reply reply) { reply(net::Response::text(200, "echo " + r.body)); };
    server.add(std::move(echo));
    net::Route forgets;  // never answers
    forgets.name = "forgets";
    forgets.method = "GET";
    forgets.path = "/forgets";
    forgets.work = [](const net::Request&, net::Reply) {};
    server.add(std::move(forgets));
    Running run(server);

    Client c(run.port);
    c.send(
        "GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /fast?1 HTTP/1.1\r\nHost: x\r\n\r\n"
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
        "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
    const std::string all = c.read_responses(4);
    CHECK(count(all, "HTTP/1.1 200 OK") == 4);
    const auto a = all.find("\r\n\r\nslow\n"), b = all.find("fast /fast?1"), e1 = all.find("echo hello"),
               e2 = all.find("echo abcde");
    REQUIRE(a != std::string::npos);
    REQUIRE(b != std::string::npos);
    REQUIRE(e1 != std::string::npos);
    REQUIRE(e2 != std::string::npos);
    CHECK((a < b && b < e1 && e1 < e2));  // in the order asked, though /fast was ready first

    Client d(run.port);
    d.send(
        "GET /forgets HTTP/1.1\r\nHost: x\r\n\r\nGET /nowhere HTTP/1.1\r\nHost: x\r\n\r\nPOST /fast HTTP/1.1\r\nHost: "
        "x\r\nContent-Length: 0\r\n\r\n");
    const std::string errors = d.read_responses(3);
    CHECK(errors.find("HTTP/1.1 500") != std::string::npos);
    CHECK(errors.find("HTTP/1.1 404") != std::string::npos);
    CHECK(errors.find("HTTP/1.1 405") != std::string::npos);

    Client big(run.port);  // over the 64-byte body limit, chunked
    big.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n" + std::string(64, 'x') +
             "\r\n1\r\ny\r\n0\r\n\r\n");
    CHECK(big.read_responses(1).rfind("HTTP/1.1 413", 0) == 0);

    Client dup(run.port);
    dup.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nz");
    CHECK(dup.read_responses(1).rfind("HTTP/1.1 400", 0) == 0);

    Client stalled(run.port);  // half a head: 408 after the 1 s header deadline
    stalled.send("GET /fast HTTP/1.1\r\nHost:");
    const auto t0 = std::chrono::steady_clock::now();
    CHECK(stalled.read_responses(1).rfind("HTTP/1.1 408", 0) == 0);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(3));

    Client m(run.port);
    m.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    const std::string metrics = m.read_responses(1);
    CHECK(metrics.find("tsign_http_requests_total{route=\"echo\",status=\"200\"} 2") != std::string::npos);
    CHECK(metrics.find("tsign_http_requests_total{route=\"other\",status=\"413\"} 1") != std::string::npos);
    CHECK(metrics.find("tsign_http_requests_total{route=\"forgets\",status=\"500\"} 1") != std::string::npos);
    CHECK(metrics.find("tsign_http_request_duration_seconds_bucket{route=\"slow\",le=\"+Inf\"} 1") != std::string::npos);
}

TEST_CASE("server core: a second server on the same address fails with Errc::network") {
    ServerLimits lim;
    lim.access_log = AccessLogFormat::off;
    net::Server first("a", lim, 64, {});
    Running run(first);
    net::Server second("b", lim, 64, {});
    std::atomic<bool> stop{true};
    try {
        second.run("127.0.0.1:" + std::to_string(run.port), &stop);
        FAIL("the second server started");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::network);
        CHECK(std::string(e.what()).find("address in use") != std::string::npos);
    }
}

TEST_CASE("histogram: cumulative buckets, +Inf equals the count") {
    net::Histogram h;
    h.observe(0.00005);
    h.observe(0.003);
    h.observe(42);
    std::string out;
    h.render(out, "x", "a=\"b\"");
    CHECK(out.find("x_bucket{a=\"b\",le=\"0.0001\"} 1\n") != std::string::npos);
    CHECK(out.find("x_bucket{a=\"b\",le=\"0.005\"} 2\n") != std::string::npos);
    CHECK(out.find("x_bucket{a=\"b\",le=\"10\"} 2\n") != std::string::npos);
    CHECK(out.find("x_bucket{a=\"b\",le=\"+Inf\"} 3\n") != std::string::npos);
    CHECK(out.find("x_count{a=\"b\"} 3\n") != std::string::npos);
}
