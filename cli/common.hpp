// Shared pieces of the tsign command: global flags and the key/PIN options every
// key-using command takes. Each command group lives in its own file and stays thin.
#pragma once

#include <functional>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "tsign/keys.hpp"
#include "tsign/server.hpp"
#include "tsign/error.hpp"
#include "tsign/token.hpp"
#include "tsign/verify.hpp"

namespace tsign::cli {

using json = nlohmann::ordered_json;

struct Globals {
    bool verbose = false;
    std::string calendar = "jalali";
    bool jalali() const { return calendar != "gregorian"; }
};

/// --pkcs11-module, --pin-source, --allow-final-pin-try.
struct TokenFlags {
    std::string module;
    std::string pin_source;
    bool allow_final_pin_try = false;
    void add_to(CLI::App* app, const char* pin_help = "where the PIN comes from: prompt, env:VAR, file:PATH or fd:N");
    PinSource pin() const;
    TokenOptions token_options() const;
};

/// --key, --cert plus the token flags.
struct KeyFlags {
    std::string key;
    std::string cert;
    TokenFlags token;
    void add_to(CLI::App* app, bool key_required = true);
    KeyOptions options() const;
};

/// --trust, --untrusted, --crl, --revocation, --at.
struct ChainFlags {
    std::vector<std::string> trust, untrusted, crls, ocsp;
    std::string revocation = "auto", at, validation_policy;
    bool offline = false, allow_weak = false;
    int fetch_timeout = 10;
    void add_to(CLI::App* app, bool trust_required);
    ChainOptions options() const;
};

/// The limits, threads and log of a server command (tsa serve, ocsp serve).
struct ServerFlags {
    ServerLimits limits;
    std::string log_format = "text";
    void add_to(CLI::App* app);
    /// The limits with the log format applied.
    ServerLimits options() const;
    /// The --help text on limits and signals.
    static std::string help();
};

/// The log of a server on stderr: "PREFIX: line"; with the json access log, every line a JSON object.
std::function<void(const std::string&)> log_line(const std::string& prefix, AccessLogFormat format);

/// Thrown by a command that has printed its result and wants a non-zero exit (e.g. 1: not valid).
struct ExitWith {
    ExitCode code;
};

/// Formats a footer with EXAMPLES and EXIT CODES sections.
std::string footer(const std::string& examples, const std::string& exit_codes = {});

/// Writes bytes to --out (DER, or PEM with the label when pem is set). Refuses binary on a terminal.
void write_output(const std::string& out, const Bytes& der, bool pem, const std::string& pem_label, bool force,
                  unsigned mode = 0644);

/// Refuses (Errc::output_exists) an output path that exists, before any work is done ("-" is fine).
void refuse_existing(const std::string& out, bool force);

/// Prints a JSON document on stdout.
void print_json(const json& j);

void register_key_commands(CLI::App& app, Globals& g);
void register_token_commands(CLI::App& app, Globals& g);
void register_info_command(CLI::App& app, Globals& g);
void register_cert_commands(CLI::App& app, Globals& g);
void register_sign_commands(CLI::App& app, Globals& g);
void register_ca_commands(CLI::App& app, Globals& g);
void register_ocsp_commands(CLI::App& app, Globals& g);
void register_tsp_commands(CLI::App& app, Globals& g);
void register_batch_command(CLI::App& app, Globals& g);
void register_policy_command(CLI::App& app, Globals& g);
void register_roster_commands(CLI::App& app, Globals& g);
void register_tender_commands(CLI::App& app, Globals& g);

}  // namespace tsign::cli
