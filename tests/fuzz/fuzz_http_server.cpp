// The HTTP server core (lib/net/http_server: Beast's parser with tsign's limits and checks, keep-alive,
// pipelining, the hand-off to workers): the input is what a client sends on one connection, which is
// then half-closed. Findings: a crash, a leak or undefined behaviour (ASan, UBSan), no answer and no
// close within 5 s (a hang), an answer that does not start with an HTTP/1.1 status line, or a server
// that no longer answers GET /healthz afterwards.
#include <arpa/inet.h>
#include <cerrno>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <thread>

#include "fuzz_common.hpp"
#include "net/http_server.hpp"

namespace {

[[noreturn]] void finding(const char* what) {
    std::fprintf(stderr, "FINDING: %s\n", what);
    if (std::getenv("FUZZ_HANG_DEBUG")) std::this_thread::sleep_for(std::chrono::seconds(60));  // time to attach gdb
    std::abort();
}

int server_port() {
    static int port = [] {
        static tsign::ServerLimits lim;
        lim.access_log = tsign::AccessLogFormat::off;
        lim.header_timeout = 1;
        lim.body_timeout = 1;
        lim.idle_timeout = 1;
        lim.max_header = 1024;
        lim.workers = 1;
        lim.io_threads = 1;
        // never destroyed: its threads run until the process exits
        static auto* server = new tsign::net::Server("fuzz", lim, 2048, {});
        tsign::net::Route fast;  // answers on the I/O thread
        fast.name = "fast";
        fast.method = "GET";
        fast.path = "/";
        fast.prefix = true;
        fast.fast = [](const tsign::net::Request& r) -> std::optional<tsign::net::Response> {
            if (r.target.size() % 2) return std::nullopt;  // odd: to the worker
            return tsign::net::Response::text(200, "fast");
        };
        fast.work = [](const tsign::net::Request& r, tsign::net::Reply reply) {
            if (r.header("X-Forget").empty()) reply(tsign::net::Response::text(200, "slow"));
        };
        server->add(std::move(fast));
        tsign::net::Route echo;  // the body back, from a worker
        echo.name = "echo";
        echo.method = "POST";
        echo.path = "/";
        echo.prefix = true;
        echo.work = [](const tsign::net::Request& r, tsign::net::Reply reply) {
            tsign::net::Response out;
            out.content_type = "application/octet-stream";
            out.body = r.body;
            reply(std::move(out));
        };
        server->add(std::move(echo));
        static std::atomic<bool> listening{false};
        static std::atomic<bool> failed{false};
        static int chosen = 0;
        std::mt19937 rng(static_cast<unsigned>(::getpid()));
        for (int attempt = 0; attempt < 50 && !listening; ++attempt) {
            chosen = 20000 + static_cast<int>(rng() % 40000);
            failed = false;
            std::thread([] {
                try {
                    server->run("127.0.0.1:" + std::to_string(chosen), nullptr, [] { listening = true; });
                } catch (const std::exception&) {
                    failed = true;
                }
            }).detach();
            while (!listening && !failed) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        if (!listening) {
            std::fprintf(stderr, "cannot start the server\n");
            std::abort();
        }
        return chosen;
    }();
    return port;
}

int connect_to(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        std::fprintf(stderr, "FINDING: the server no longer accepts connections\n");
        std::abort();
    }
    return fd;
}

/// Sends, half-closes, reads to the end. False on a time-out (the server neither answered nor closed).
bool exchange(int port, const std::uint8_t* data, std::size_t size, std::string& answer) {
    const int fd = connect_to(port);
    std::size_t sent = 0;
    while (sent < size) {
        const ssize_t n = ::send(fd, data + sent, size - sent, MSG_NOSIGNAL);
        if (n <= 0) break;  // the server closed early (a 413, a 400): fine
        sent += static_cast<std::size_t>(n);
    }
    ::shutdown(fd, SHUT_WR);
    char buf[16384];
    bool ok = true;
    for (;;) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n == 0) break;
        if (n < 0) {  // only a time-out is a hang; a reset or a refused connection is an answer too
            ok = errno != EAGAIN && errno != EWOULDBLOCK;
            if (!ok && std::getenv("FUZZ_HANG_DEBUG")) finding("no answer and no close within 5 s (the connection is left open)");
            break;
        }
        if (answer.size() < 1 << 20) answer.append(buf, static_cast<std::size_t>(n));
    }
    // No TIME-WAIT on this side: a few thousand connections a second would use up the ephemeral ports.
    linger no_wait{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &no_wait, sizeof no_wait);
    ::close(fd);
    return ok;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const int port = server_port();
    std::string answer;
    if (!exchange(port, data, size, answer)) {
        finding("no answer and no close within 5 s");
    }
    if (!answer.empty() && answer.rfind("HTTP/1.1 ", 0) != 0) {
        std::fprintf(stderr, "FINDING: an answer that is not an HTTP/1.1 response\n");
        std::abort();
    }
    static int n = 0;
    if (++n % 64 == 0) {  // the server still answers
        static const char kHealth[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
        std::string h;
        for (int attempt = 0; attempt < 3 && h.rfind("HTTP/1.1 200", 0) != 0; ++attempt) {
            h.clear();
            if (!exchange(port, reinterpret_cast<const std::uint8_t*>(kHealth), sizeof kHealth - 1, h)) break;
        }
        if (h.rfind("HTTP/1.1 200", 0) != 0) {
            finding("the server no longer answers GET /healthz");
        }
    }
    return 0;
}
