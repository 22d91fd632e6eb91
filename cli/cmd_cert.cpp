// tsign cert verify
#include <iostream>

#include "common.hpp"
#include "tsign/error.hpp"
#include "tsign/time.hpp"
#include "tsign/verify.hpp"

namespace tsign::cli {

void ChainFlags::add_to(CLI::App* app, bool trust_required) {
    auto* t = app->add_option("--trust", trust, "trust anchor certificates (PEM bundle or DER; repeatable)")->allow_extra_args(false);
    if (trust_required) t->required();
    app->add_option("--untrusted", untrusted, "intermediate certificates offered for path building (repeatable)")->allow_extra_args(false);
    app->add_option("--crl", crls, "CRL files (repeatable)")->allow_extra_args(false);
    app->add_option("--ocsp-response", ocsp, "OCSP responses (DER) to use before asking any responder (repeatable)")->allow_extra_args(false);
    app->add_option("--revocation", revocation,
                    "auto (default: use what is given or reachable, say what was not checked), require (no answer: not valid) or off")
        ->check(CLI::IsMember({"auto", "require", "off"}));
    app->add_flag("--offline", offline, "never fetch CRLs or ask OCSP responders (also: TSIGN_OFFLINE=1)");
    app->add_option("--fetch-timeout", fetch_timeout, "seconds per OCSP responder or CRL distribution point (default 10)");
    app->add_option("--at", at,
                    "validation time, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (default: now; a signature or archive timestamp "
                    "proves a time and takes precedence; the signing-time attribute never does)");
    app->add_option("--validation-policy", validation_policy,
                    "validation policy (YAML: algorithms with end dates, signer EKUs, revocation); default: the built-in one, "
                    "see 'tsign policy show'");
    app->add_flag("--allow-weak-algorithms", allow_weak,
                  "report algorithms and keys the policy refuses as warnings, not failures (old archives)");
}

ChainOptions ChainFlags::options() const {
    ChainOptions o;
    o.trust_files = trust;
    o.untrusted_files = untrusted;
    o.crl_files = crls;
    o.ocsp_files = ocsp;
    o.fetch = !offline;
    o.fetch_timeout_seconds = fetch_timeout;
    o.revocation = parse_revocation_mode(revocation);
    if (!at.empty()) o.at = parse_iso8601(at);
    o.validation_policy_file = validation_policy;
    o.allow_weak_algorithms = allow_weak;
    return o;
}

void register_cert_commands(CLI::App& app, Globals& g) {
    auto* cert = app.add_subcommand("cert", "certificates: RFC 5280 path validation");
    cert->require_subcommand(1);
    cert->footer(footer("  tsign cert verify --trust root.crt --untrusted intermediate.crt ali.crt\n"));

    struct Args {
        ChainFlags chain;
        std::string purpose = "any", file;
        std::vector<std::string> ekus, policies;
        bool explicit_policy = false, inhibit_map = false, inhibit_any = false, json = false;
        int max_depth = -1;
    };
    auto a = std::make_shared<Args>();
    auto* v = cert->add_subcommand("verify", "validate a certificate path to a trust anchor (RFC 5280 §6)");
    a->chain.add_to(v, true);
    v->add_option("--purpose", a->purpose, "signing, timestamping, ocsp or any (default)")
        ->check(CLI::IsMember({"signing", "timestamping", "ocsp", "any"}));
    v->add_option("--eku", a->ekus, "required extended key usage OID (repeatable)")->allow_extra_args(false);
    v->add_option("--policy", a->policies, "user-initial-policy-set OID (repeatable; default anyPolicy)");
    v->add_flag("--explicit-policy", a->explicit_policy, "initial-explicit-policy");
    v->add_flag("--inhibit-policy-mapping", a->inhibit_map, "initial-policy-mapping-inhibit");
    v->add_flag("--inhibit-any-policy", a->inhibit_any, "initial-any-policy-inhibit");
    v->add_option("--max-depth", a->max_depth, "most intermediate CA certificates allowed in the path");
    v->add_flag("--json", a->json, "print one JSON document");
    v->add_option("CERT", a->file, "the certificate to validate")->required();
    v->footer(footer(
        "  tsign cert verify --trust root.crt --untrusted intermediate.crt --purpose signing ali.crt\n"
        "  tsign cert verify --trust TA.crt --untrusted ca.crt --crl ta.crl --crl ca.crl --revocation require \\\n"
        "                    --policy 2.16.840.1.101.3.2.1.48.1 --explicit-policy --at 2022-05-01 ee.crt\n",
        "  0  the path is valid\n  1  the path is not valid (the report says why, per certificate)\n  2  usage error\n"
        "  3  input error (unreadable or malformed certificate, CRL or trust anchor)\n  6  internal error\n"));
    v->callback([a, &g] {
        ChainOptions o = a->chain.options();
        o.purpose = parse_purpose(a->purpose);
        o.ekus = a->ekus;
        o.policies = a->policies;
        o.explicit_policy = a->explicit_policy;
        o.inhibit_policy_mapping = a->inhibit_map;
        o.inhibit_any_policy = a->inhibit_any;
        if (a->max_depth >= 0) o.max_depth = a->max_depth;
        const ChainReport r = verify_certificate(read_file(a->file), o);
        if (a->json) {
            std::cout << r.to_json() << std::endl;
        } else {
            std::cout << (r.valid ? "valid" : "NOT VALID") << ": " << (r.chain.empty() ? a->file : r.chain.front()) << "\n";
            for (size_t i = 0; i < r.chain.size(); ++i) std::cout << "  " << std::string(i * 2, ' ') << (i ? "<- " : "") << r.chain[i] << "\n";
            for (const auto& f : r.findings)
                std::cout << "  error at depth " << f.depth << (f.subject.empty() ? "" : " (" + f.subject + ")") << ": " << f.message << "\n";
            std::cout << "  revocation: " << to_string(r.revocation) << "\n";
            for (const auto& n : r.notes) std::cout << "  note: " << n << "\n";
            if (!r.valid) std::cout << "  " << to_string(r.indication) << " / " << to_string(r.sub_indication) << "\n";
        }
        (void)g;
        if (!r.valid) throw ExitWith{ExitCode::invalid};
    });
}

}  // namespace tsign::cli
