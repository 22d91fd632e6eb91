#include <filesystem>
#include "common.hpp"

#include <cstdio>
#include <ctime>
#include <iostream>
#include <unistd.h>

#include "tsign/error.hpp"
#include "tsign/io.hpp"
#include "tsign/time.hpp"

namespace tsign::cli {

void TokenFlags::add_to(CLI::App* app, const char* pin_help) {
    app->add_option("--pkcs11-module", module,
                    "PKCS#11 module (default: $TSIGN_PKCS11_MODULE, the config file, then the p11-kit proxy)");
    app->add_option("--pin-source", pin_source, pin_help);
    app->add_flag("--allow-final-pin-try", allow_final_pin_try,
                  "send the PIN even when the token says one more wrong PIN locks it");
}

PinSource TokenFlags::pin() const { return pin_source.empty() ? PinSource() : PinSource::parse(pin_source); }

TokenOptions TokenFlags::token_options() const {
    TokenOptions o;
    o.module = module;
    o.pin = pin();
    o.allow_final_pin_try = allow_final_pin_try;
    return o;
}

void KeyFlags::add_to(CLI::App* app, bool key_required) {
    auto* k = app->add_option("--key", key, "private key: a file (PKCS#8, PKCS#1, SEC1, PKCS#12) or a pkcs11: URI");
    if (key_required) k->required();
    app->add_option("--cert", cert, "the certificate of the key (checked against the key before use)");
    token.add_to(app, "where the PIN or passphrase comes from: prompt, env:VAR, file:PATH or fd:N");
}

KeyOptions KeyFlags::options() const {
    KeyOptions o;
    o.spec = key;
    o.cert_file = cert;
    o.pkcs11_module = token.module;
    o.pin = token.pin();
    o.allow_final_pin_try = token.allow_final_pin_try;
    return o;
}

std::string footer(const std::string& examples, const std::string& exit_codes) {
    std::string s = "\nEXAMPLES:\n" + examples + "\nEXIT CODES:\n";
    if (!exit_codes.empty()) s += exit_codes;
    else
        s += "  0  success\n  2  usage error\n  3  input error (missing, malformed or unsupported data)\n"
             "  4  key or token error (token absent, wrong PIN, PIN locked, key not found, key/cert mismatch)\n"
             "  6  internal error\n";
    return s;
}

void write_output(const std::string& out, const Bytes& der, bool pem, const std::string& pem_label, bool force,
                  unsigned mode) {
    if (pem) {
        write_file_atomic(out, der_to_pem(der, pem_label), WriteOptions{force, mode});
        return;
    }
    if (out == "-" && isatty(STDOUT_FILENO))
        throw Error(Errc::usage, "refusing to write binary DER to a terminal", "use --out FILE or --pem");
    write_file_atomic(out, der, WriteOptions{force, mode});
}

void refuse_existing(const std::string& out, bool force) {
    std::error_code ec;
    if (!force && out != "-" && std::filesystem::symlink_status(out, ec).type() != std::filesystem::file_type::not_found && !ec)
        throw Error(Errc::output_exists, "refusing to write '" + out + "': file exists", "use --force to replace it");
}

void print_json(const json& j) { std::cout << j.dump(2, ' ', false, json::error_handler_t::replace) << std::endl; }

void ServerFlags::add_to(CLI::App* app) {
    app->add_option("--max-header", limits.max_header,
                    "largest request head (request line and fields) in bytes; larger: 431 (default 8192)");
    app->add_option("--header-timeout", limits.header_timeout,
                    "seconds for a whole request head from its first byte; then 408 (default 10)");
    app->add_option("--body-timeout", limits.body_timeout,
                    "seconds for a whole request body after its head; then 408 (default " +
                        std::to_string(static_cast<long long>(limits.body_timeout)) + ")");
    app->add_option("--idle-timeout", limits.idle_timeout,
                    "seconds a keep-alive connection may wait for its next request (default 30)");
    app->add_option("--max-connections", limits.max_connections,
                    "open connections; at the limit the oldest idle one is closed, or a new one gets 503 (default 10000)");
    app->add_option("--drain-timeout", limits.drain_timeout,
                    "seconds to finish requests in flight after SIGTERM / SIGINT (default 10)");
    app->add_option("--workers", limits.workers, "signing threads (default: one per core)");
    app->add_option("--io-threads", limits.io_threads, "network threads (default: one per core)");
    app->add_option("--log-format", log_format, "access log on stderr, one line per request: text, json or off (default text)")
        ->check(CLI::IsMember({"text", "json", "off"}));
}

ServerLimits ServerFlags::options() const {
    ServerLimits l = limits;
    l.access_log = log_format == "json"  ? AccessLogFormat::json
                   : log_format == "off" ? AccessLogFormat::off
                                         : AccessLogFormat::text;
    return l;
}

std::function<void(const std::string&)> log_line(const std::string& prefix, AccessLogFormat format) {
    if (format != AccessLogFormat::json)
        return [prefix](const std::string& line) { std::fprintf(stderr, "%s: %s\n", prefix.c_str(), line.c_str()); };
    return [prefix](const std::string& line) {
        if (!line.empty() && line.front() == '{') {
            std::fprintf(stderr, "%s\n", line.c_str());
            return;
        }
        const json j = {{"time", format_iso8601(std::time(nullptr))}, {"service", prefix}, {"message", line}};
        std::fprintf(stderr, "%s\n", j.dump(-1, ' ', false, json::error_handler_t::replace).c_str());
    };
}

std::string ServerFlags::help() {
    return "\nSERVICE\n"
           "  HTTP/1.1 with keep-alive and pipelining; GET /healthz answers 'ok', GET /metrics the Prometheus text.\n"
           "  Limits: a body over --max-request gets 413 (also chunked), a head over --max-header 431; a request\n"
           "  that does not arrive within --header-timeout / --body-timeout gets 408; malformed requests 400.\n"
           "  At --max-connections the oldest idle connection is closed for a new one (none idle: 503).\n"
           "  Signals: SIGTERM or SIGINT stops accepting, closes idle connections, finishes the requests in\n"
           "  flight within --drain-timeout, and exits 0. An address in use: exit 5.\n";
}

}  // namespace tsign::cli
