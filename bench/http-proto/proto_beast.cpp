// Prototype for issue 13: minimal Boost.Beast HTTP/1.1 server (measurement only, not product code).
// 2 I/O threads, one io_context per thread; the acceptor lives on the first, accepted sockets are
// placed round-robin on the io_contexts. Keep-alive; an absolute per-request header deadline via
// beast::tcp_stream::expires_after (set once before the read, not re-armed by arriving bytes).
// Every POST or GET is answered 200 with the bytes of FILE as application/ocsp-response.
// Usage: proto_beast PORT FILE
// Build: g++ -std=c++20 -O2 proto_beast.cpp -o proto_beast -lpthread
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kHeaderDeadline = std::chrono::seconds(10);
constexpr auto kWriteDeadline = std::chrono::seconds(10);
constexpr std::size_t kBodyLimit = 64 * 1024;
std::shared_ptr<const std::string> g_body;

class Session : public std::enable_shared_from_this<Session> {
public:
    explicit Session(tcp::socket s) : stream_(std::move(s)) {}
    void start() { read(); }

private:
    void read() {
        parser_.emplace();
        parser_->body_limit(kBodyLimit);
        parser_->header_limit(8 * 1024);
        // Absolute deadline for this request: bytes trickling in do not extend it.
        stream_.expires_after(kHeaderDeadline);
        http::async_read(stream_, buf_, *parser_,
                         [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
    }

    void on_read(beast::error_code ec) {
        if (ec) {  // timeout, EOF, limit exceeded, parse error: just close
            if (ec == http::error::body_limit)
                send_status(http::status::payload_too_large);
            else
                close();
            return;
        }
        auto& req = parser_->get();
        if (req.method() != http::verb::get && req.method() != http::verb::post) {
            send_status(http::status::method_not_allowed);
            return;
        }
        res_.emplace();
        res_->version(req.version());
        res_->result(http::status::ok);
        res_->set(http::field::content_type, "application/ocsp-response");
        res_->body() = *g_body;
        res_->keep_alive(req.keep_alive());
        res_->prepare_payload();
        write();
    }

    void send_status(http::status st) {
        res_.emplace();
        res_->version(11);
        res_->result(st);
        res_->keep_alive(false);
        res_->prepare_payload();
        write();
    }

    void write() {
        stream_.expires_after(kWriteDeadline);
        http::async_write(stream_, *res_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) return self->close();
            if (!self->res_->keep_alive()) return self->close();
            self->read();
        });
    }

    void close() {
        beast::error_code ec;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
        stream_.close();
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buf_;
    std::optional<http::request_parser<http::string_body>> parser_;
    std::optional<http::response<http::string_body>> res_;
};

class Listener {
public:
    Listener(std::vector<std::unique_ptr<asio::io_context>>& ctxs, tcp::endpoint ep) : ctxs_(ctxs), acceptor_(*ctxs[0]) {
        acceptor_.open(ep.protocol());
        acceptor_.set_option(asio::socket_base::reuse_address(true));
        acceptor_.bind(ep);
        acceptor_.listen(asio::socket_base::max_listen_connections);
    }
    void accept() {
        auto& target = *ctxs_[next_++ % ctxs_.size()];
        acceptor_.async_accept(target, [this](beast::error_code ec, tcp::socket s) {
            if (!ec) {
                s.set_option(tcp::no_delay(true));
                std::make_shared<Session>(std::move(s))->start();
            }
            accept();
        });
    }

private:
    std::vector<std::unique_ptr<asio::io_context>>& ctxs_;
    tcp::acceptor acceptor_;
    std::size_t next_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s PORT FILE\n", argv[0]);
        return 2;
    }
    std::ifstream in(argv[2], std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "cannot read %s\n", argv[2]);
        return 1;
    }
    g_body = std::make_shared<const std::string>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());

    constexpr int kThreads = 2;
    std::vector<std::unique_ptr<asio::io_context>> ctxs;
    for (int i = 0; i < kThreads; ++i) ctxs.push_back(std::make_unique<asio::io_context>(1));
    Listener listener(ctxs, {asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(std::atoi(argv[1]))});
    listener.accept();

    // Graceful stop on SIGTERM/SIGINT (prototype: stops the loops; a real server would drain).
    asio::signal_set sigs(*ctxs[0], SIGINT, SIGTERM);
    sigs.async_wait([&](beast::error_code, int) {
        for (auto& c : ctxs) c->stop();
    });

    std::vector<std::thread> threads;
    std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
    for (auto& c : ctxs) guards.emplace_back(c->get_executor());
    for (int i = 1; i < kThreads; ++i) threads.emplace_back([&, i] { ctxs[i]->run(); });
    ctxs[0]->run();
    for (auto& c : ctxs) c->stop();
    for (auto& t : threads) t.join();
    return 0;
}
