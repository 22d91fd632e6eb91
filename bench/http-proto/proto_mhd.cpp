// Prototype for issue 13: minimal libmicrohttpd (0.9.75) HTTP/1.1 server (measurement only).
// MHD_USE_EPOLL_INTERNAL_THREAD with a thread pool of 2, MHD_OPTION_CONNECTION_TIMEOUT 10 (an
// inactivity timeout), one persistent response created once and queued for every request.
// Every POST or GET is answered 200 with the bytes of FILE as application/ocsp-response.
// Usage: proto_mhd PORT FILE
// Build: g++ -std=c++20 -O2 proto_mhd.cpp -o proto_mhd -lmicrohttpd
#include <microhttpd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

namespace {

MHD_Response* g_ok = nullptr;
MHD_Response* g_405 = nullptr;
int g_marker;  // address used as "request seen" per-connection state

MHD_Result handler(void*, MHD_Connection* conn, const char*, const char* method, const char*, const char*, size_t* upload_size,
                   void** req_cls) {
    const bool get = std::strcmp(method, MHD_HTTP_METHOD_GET) == 0;
    const bool post = std::strcmp(method, MHD_HTTP_METHOD_POST) == 0;
    if (*req_cls == nullptr) {  // first call: headers only
        *req_cls = &g_marker;
        if (!get && !post) return MHD_queue_response(conn, MHD_HTTP_METHOD_NOT_ALLOWED, g_405);
        return MHD_YES;
    }
    if (*upload_size != 0) {  // consume body (a real server would append with a size limit)
        *upload_size = 0;
        return MHD_YES;
    }
    return MHD_queue_response(conn, MHD_HTTP_OK, g_ok);
}

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
    static const std::string body{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    g_ok = MHD_create_response_from_buffer(body.size(), const_cast<char*>(body.data()), MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(g_ok, MHD_HTTP_HEADER_CONTENT_TYPE, "application/ocsp-response");
    g_405 = MHD_create_response_from_buffer(0, const_cast<char*>(""), MHD_RESPMEM_PERSISTENT);

    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(std::atoi(argv[1])));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);  // MHD threads inherit the mask; main waits below

    MHD_Daemon* d =
        MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG, 0, nullptr, nullptr, &handler, nullptr,
                         MHD_OPTION_SOCK_ADDR, reinterpret_cast<sockaddr*>(&sa), MHD_OPTION_THREAD_POOL_SIZE,
                         static_cast<unsigned>(2), MHD_OPTION_CONNECTION_TIMEOUT, static_cast<unsigned>(10),
                         MHD_OPTION_CONNECTION_MEMORY_LIMIT, static_cast<size_t>(32 * 1024), MHD_OPTION_END);
    if (!d) {
        std::fprintf(stderr, "MHD_start_daemon failed\n");
        return 1;
    }
    int sig = 0;
    sigwait(&set, &sig);
    // Graceful-ish: stop accepting, then stop (MHD_quiesce_daemon + waiting would be the drain).
    MHD_quiesce_daemon(d);
    MHD_stop_daemon(d);
    MHD_destroy_response(g_ok);
    MHD_destroy_response(g_405);
    return 0;
}
