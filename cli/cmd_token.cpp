// tsign token list|keys|keygen|import-cert
#include <iostream>

#include "common.hpp"
#include "tsign/io.hpp"

namespace tsign::cli {

namespace {
/// A token's own strings (labels, maker, model, serial) are bytes from the token: printed as valid UTF-8.
std::string u8(const std::string& s) { return tsign::to_valid_utf8(s); }
}  // namespace

namespace {

json token_json(const TokenInfo& t) {
    json j;
    j["slot_id"] = t.slot_id;
    j["slot_description"] = t.slot_description;
    j["token_present"] = t.token_present;
    if (!t.token_present) return j;
    j["label"] = t.label;
    j["manufacturer"] = t.manufacturer;
    j["model"] = t.model;
    j["serial"] = t.serial;
    j["flags"] = {{"initialized", t.initialized},
                  {"login_required", t.login_required},
                  {"protected_authentication_path", t.protected_authentication_path},
                  {"user_pin_initialized", t.user_pin_initialized},
                  {"user_pin_count_low", t.user_pin_count_low},
                  {"user_pin_final_try", t.user_pin_final_try},
                  {"user_pin_locked", t.user_pin_locked},
                  {"user_pin_to_be_changed", t.user_pin_to_be_changed},
                  {"write_protected", t.write_protected}};
    j["uri"] = t.uri;
    return j;
}

std::string pin_state(const TokenInfo& t) {
    if (t.user_pin_locked) return "LOCKED";
    if (t.user_pin_final_try) return "FINAL TRY (one more wrong PIN locks the token)";
    if (t.user_pin_count_low) return "count low (wrong PINs were entered)";
    if (!t.user_pin_initialized) return "not initialised";
    return "ok";
}

json object_json(const TokenObjectInfo& o) {
    json j;
    j["kind"] = o.kind;
    j["label"] = o.label;
    j["id"] = o.id_hex;
    if (o.kind == "certificate") {
        j["subject"] = o.subject;
    } else {
        j["algorithm"] = o.key_algorithm;
        j["bits"] = o.key_bits;
        if (o.kind == "private-key") {
            j["sensitive"] = o.sensitive;
            j["extractable"] = o.extractable;
            j["always_authenticate"] = o.always_authenticate;
        }
        j["has_certificate"] = o.has_certificate;
        if (o.has_certificate) j["certificate"] = {{"label", o.certificate_label}, {"subject", o.certificate_subject}};
    }
    j["uri"] = o.uri;
    return j;
}

void print_object(const TokenObjectInfo& o) {
    std::cout << o.kind << " '" << u8(o.label) << "' id " << (o.id_hex.empty() ? "-" : o.id_hex);
    if (o.kind == "certificate") {
        std::cout << "\n  subject: " << u8(o.subject);
    } else {
        std::cout << "  " << o.key_algorithm;
        if (o.key_algorithm == "RSA") std::cout << " " << o.key_bits;
        if (o.kind == "private-key") {
            std::cout << (o.extractable ? "  EXTRACTABLE" : "  not extractable");
            if (o.always_authenticate) std::cout << "  PIN for every signature";
        }
        if (o.has_certificate)
            std::cout << "\n  certificate: '" << u8(o.certificate_label) << "' " << u8(o.certificate_subject);
        else
            std::cout << "\n  certificate: none on the token";
    }
    std::cout << "\n  uri: " << o.uri << "\n";
}

}  // namespace

void register_token_commands(CLI::App& app, Globals& g) {
    (void)g;
    auto* token = app.add_subcommand("token", "PKCS#11 tokens: list, keys, key generation, certificate import");
    token->require_subcommand(1);
    token->footer(footer("  tsign token list\n  tsign token keys --token member1 --pin-source env:PIN\n"));

    struct ListArgs {
        TokenFlags flags;
        bool json = false;
    };
    auto la = std::make_shared<ListArgs>();
    auto* list = token->add_subcommand("list", "list slots and tokens with labels, serials and PIN flags");
    la->flags.add_to(list);
    list->add_flag("--json", la->json, "print one JSON document");
    list->footer(footer("  tsign token list\n  tsign token list --pkcs11-module /usr/lib/softhsm/libsofthsm2.so --json\n"));
    list->callback([la] {
        const auto tokens = list_tokens(la->flags.token_options());
        if (la->json) {
            json arr = json::array();
            for (const auto& t : tokens) arr.push_back(token_json(t));
            print_json({{"module", resolve_pkcs11_module(la->flags.module)}, {"slots", arr}});
            return;
        }
        if (tokens.empty()) std::cout << "no slots\n";
        for (const auto& t : tokens) {
            std::cout << "slot " << t.slot_id << ": " << u8(t.slot_description) << "\n";
            if (!t.token_present || !t.initialized) {
                std::cout << (t.token_present ? "  (token not initialised)\n" : "  (no token)\n");
                continue;
            }
            std::cout << "  token:  " << u8(t.label) << "\n  maker:  " << u8(t.manufacturer) << " / " << u8(t.model)
                      << "\n  serial: " << u8(t.serial) << "\n  PIN:    " << pin_state(t)
                      << (t.login_required ? "" : " (no login required)") << "\n  uri:    " << t.uri << "\n";
        }
    });

    struct KeysArgs {
        TokenFlags flags;
        std::string token;
        bool json = false;
    };
    auto ka = std::make_shared<KeysArgs>();
    auto* keys = token->add_subcommand(
        "keys", "list the keys (and whether their certificate is on the token) and certificates on a token (logs in)");
    ka->flags.add_to(keys);
    keys->add_option("--token", ka->token, "token label (or a pkcs11: URI)")->required();
    keys->add_flag("--json", ka->json, "print one JSON document");
    keys->footer(footer("  tsign token keys --token member1 --pin-source env:PIN\n"));
    keys->callback([ka] {
        const auto objs = list_token_objects(ka->flags.token_options(), ka->token);
        if (ka->json) {
            json arr = json::array();
            for (const auto& o : objs) arr.push_back(object_json(o));
            print_json({{"token", ka->token}, {"objects", arr}});
            return;
        }
        if (objs.empty()) std::cout << "no keys or certificates on token '" << u8(ka->token) << "'\n";
        for (const auto& o : objs) print_object(o);
    });

    struct GenArgs {
        TokenFlags flags;
        std::string token, label, type = "ec-p256", id, usage = "sign";
        bool always_auth = false, json = false;
    };
    auto ga = std::make_shared<GenArgs>();
    auto* gen = token->add_subcommand("keygen", "generate a key pair on a token (the private key never leaves it)");
    ga->flags.add_to(gen);
    gen->add_option("--token", ga->token, "token label (or a pkcs11: URI)")->required();
    gen->add_option("--label", ga->label, "label of the new key")->required();
    gen->add_option("--type", ga->type, "rsa2048, rsa3072, rsa4096, ec-p256 (default) or ec-p384");
    gen->add_option("--id", ga->id, "CKA_ID in hex (default: 8 random bytes)");
    gen->add_option("--usage", ga->usage,
                    "sign (default) or encrypt: a key that only decrypts (RSA-OAEP, C_Decrypt) or derives (ECDH, C_DeriveKey), "
                    "for the encryption certificates of sealed tender envelopes")
        ->check(CLI::IsMember({"sign", "encrypt"}));
    gen->add_flag("--always-authenticate", ga->always_auth, "require the PIN for every signature (CKA_ALWAYS_AUTHENTICATE)");
    gen->add_flag("--json", ga->json, "print one JSON document");
    gen->footer(
        footer("  tsign token keygen --token member1 --label sign --type ec-p256 --pin-source env:PIN\n"
               "  tsign token keygen --token ca --label ca-2026 --type rsa3072 --id 01\n"
               "  tsign token keygen --token member1 --label enc --type rsa3072 --usage encrypt\n"));
    gen->callback([ga] {
        TokenKeyGenOptions o;
        o.token_label = ga->token;
        o.key_label = ga->label;
        o.type = parse_key_type(ga->type);
        o.id_hex = ga->id;
        o.always_authenticate = ga->always_auth;
        o.encryption = ga->usage == "encrypt";
        const auto info = generate_token_key(ga->flags.token_options(), o);
        if (ga->json) print_json(object_json(info));
        else print_object(info);
    });

    struct ImportArgs {
        TokenFlags flags;
        std::string token, label, id, file;
        bool json = false;
    };
    auto ia = std::make_shared<ImportArgs>();
    auto* imp = token->add_subcommand("import-cert", "store a certificate on a token next to its key (same id)");
    ia->flags.add_to(imp);
    imp->add_option("--token", ia->token, "token label (or a pkcs11: URI)")->required();
    imp->add_option("--label", ia->label, "label of the certificate object")->required();
    imp->add_option("--id", ia->id,
                    "CKA_ID in hex: the id of the key the certificate belongs to (default: the key on the token with the "
                    "certificate's public key; a CA certificate without its key on the token, such as the issuer that "
                    "signatures should carry: its subject key identifier)");
    imp->add_option("FILE", ia->file, "certificate (PEM or DER)")->required();
    imp->add_flag("--json", ia->json, "print one JSON document");
    imp->footer(
        footer("  tsign token import-cert --token member1 --label sign ali.crt\n"
               "  tsign token import-cert --token member1 --label sub-ca sub-ca.crt   # signatures carry it\n"
               "  tsign token import-cert --token member1 --label sign --id 3f2a91c0d4e5b6a7 ali.crt\n"));
    imp->callback([ia] {
        const auto info = import_token_certificate(ia->flags.token_options(), ia->token, ia->label, ia->id, read_file(ia->file));
        if (ia->json) print_json(object_json(info));
        else print_object(info);
    });
}

}  // namespace tsign::cli
