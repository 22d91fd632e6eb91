#include "common.hpp"

#include <iostream>
#include <unistd.h>

#include "tsign/error.hpp"
#include "tsign/io.hpp"

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

void print_json(const json& j) { std::cout << j.dump(2, ' ', false, json::error_handler_t::replace) << std::endl; }

}  // namespace tsign::cli
