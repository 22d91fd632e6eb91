#include "net/server.hpp"

#include <charconv>
#include <csignal>
#include <thread>

#include "tsign/error.hpp"

namespace tsign::net {

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
    return {listen.substr(0, colon), port};
}

void configure(httplib::Server& svr, std::size_t max_request) {
    // A worker holds its connection until the connection ends, so idle or slow clients must not
    // be able to occupy every worker: one request per connection (OCSP and TSA clients open one
    // per request anyway, RFC 5019 §5), short timeouts, and a few workers per core.
    const unsigned workers = std::max(8u, 4 * std::thread::hardware_concurrency());
    svr.new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
    svr.set_payload_max_length(max_request);
    svr.set_keep_alive_max_count(1);
    svr.set_read_timeout(2, 0);
    svr.set_write_timeout(5, 0);
}

void run_until_signal(httplib::Server& svr, const std::string& listen, std::atomic<bool>* stop) {
    const auto [host, port] = parse_listen(listen);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    std::atomic<bool> done{false};
    std::thread watcher([&] {
        while (!done) {
            timespec ts{0, 200 * 1000 * 1000};
            if (sigtimedwait(&set, nullptr, &ts) > 0 || (stop && *stop)) break;
        }
        svr.stop();
    });
    const bool ok = svr.listen(host.c_str(), port);
    done = true;
    watcher.join();
    if (!ok && !(stop && *stop)) throw Error(Errc::network, "cannot listen on " + listen + ": address in use or not available");
}

}  // namespace tsign::net
