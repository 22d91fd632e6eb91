// tsign ca init|issue|revoke|unrevoke|crl|list|audit
#include <iostream>

#include "common.hpp"
#include "tsign/ca.hpp"
#include "tsign/io.hpp"
#include "tsign/pkcs11_uri.hpp"
#include "tsign/ocsp.hpp"
#include "tsign/time.hpp"

namespace tsign::cli {

namespace {

struct CaFlags {
    std::string dir, module, pin_source;
    bool allow_final = false;
    void add_to(CLI::App* app) {
        app->add_option("--dir", dir, "the CA folder")->required();
        app->add_option("--pkcs11-module", module, "PKCS#11 module for a CA key on a token");
        app->add_option("--pin-source", pin_source, "PIN / passphrase of the CA key: prompt, env:VAR, file:PATH or fd:N");
        app->add_flag("--allow-final-pin-try", allow_final, "send the PIN even on the token's final try");
    }
    CaKeyAccess access() const {
        CaKeyAccess a;
        a.pin = pin_source.empty() ? PinSource() : PinSource::parse(pin_source);
        a.pkcs11_module = module;
        a.allow_final_pin_try = allow_final;
        return a;
    }
};

const char* kCaExit =
    "  0  done\n  1  (audit --verify) the audit log's hash chain is broken\n  2  usage error\n"
    "  3  input error (malformed or weak CSR, profile violation, unknown serial, missing CA,\n"
    "     revoking a certificate revoked already, releasing one that is not on hold)\n"
    "  4  key or token error (wrong PIN, token absent)\n  6  internal error\n";

}  // namespace

void register_ca_commands(CLI::App& app, Globals& g) {
    auto* ca = app.add_subcommand("ca", "certificate authority: init, issue, revoke, CRL, list, audit");
    ca->require_subcommand(1);
    ca->footer(footer("  tsign ca init --dir root-ca --subject '/CN=Root CA/O=شهرداری/C=IR' --key-type ec-p384 --pin-source env:CA_PASS\n"
                      "  tsign ca issue --dir sub-ca --csr ali.csr --profile signer --out ali.crt --pin-source env:PIN\n",
                      kCaExit));

    struct InitArgs {
        CaFlags ca;
        std::string subject, key, key_type, parent, parent_pin, crl_url, ocsp_url, issuer_url;
        int days = 0, path_length = -1;
    };
    auto ia = std::make_shared<InitArgs>();
    auto* init = ca->add_subcommand("init", "create a root CA, or with --parent an intermediate signed by the parent");
    ia->ca.add_to(init);
    init->add_option("--subject", ia->subject, "CA subject, slash form, UTF-8")->required();
    init->add_option("--key", ia->key, "an existing key: file or pkcs11: URI (a token key never leaves the token)");
    init->add_option("--key-type", ia->key_type, "or generate an encrypted key file: rsa2048, rsa3072, rsa4096, ec-p256, ec-p384");
    init->add_option("--parent", ia->parent, "the parent CA folder (makes an intermediate)");
    init->add_option("--parent-pin-source", ia->parent_pin, "PIN / passphrase of the parent CA's key");
    init->add_option("--days", ia->days, "validity in days (default 7300 root, 3650 intermediate)");
    init->add_option("--path-length", ia->path_length, "intermediate: path length constraint (default: the profile's, 0)");
    init->add_option("--crl-url", ia->crl_url, "CRL distribution point for issued certificates");
    init->add_option("--ocsp-url", ia->ocsp_url, "OCSP responder URL (AIA) for issued certificates");
    init->add_option("--issuer-url", ia->issuer_url,
                     "caIssuers URL (AIA) for issued certificates: where this CA's certificate is served "
                     "('tsign ocsp serve' serves it at http://HOST:PORT/ca.crt)");
    init->footer(footer(
        "  tsign ca init --dir root-ca --subject '/CN=مرکز صدور گواهی ریشه/C=IR' --key-type ec-p384 --pin-source env:ROOT_PASS\n"
        "  tsign token keygen --token ca --label sub-ca --type ec-p384 --pin-source env:CA_PIN\n"
        "  tsign ca init --dir sub-ca --subject '/CN=مرکز صدور گواهی میانی/C=IR' --key 'pkcs11:token=ca;object=sub-ca' \\\n"
        "                --pin-source env:CA_PIN --parent root-ca --parent-pin-source env:ROOT_PASS \\\n"
        "                --crl-url http://127.0.0.1:8081/crl --ocsp-url http://127.0.0.1:8081/ \\\n"
        "                --issuer-url http://127.0.0.1:8081/ca.crt\n"
        "  A CA that can issue CA certificates (a root, or an intermediate with --path-length above 0)\n"
        "  and has neither --crl-url nor --ocsp-url is created with a warning: the certificates it issues\n"
        "  would carry no revocation pointer, and LT/LTA signatures on them fail.\n",
        kCaExit));
    init->callback([ia] {
        CaInitOptions o;
        o.dir = ia->ca.dir;
        o.subject = ia->subject;
        o.key_spec = ia->key;
        if (!ia->key_type.empty()) o.key_type = parse_key_type(ia->key_type);
        o.key = ia->ca.access();
        o.parent_dir = ia->parent;
        o.parent_key.pin = ia->parent_pin.empty() ? PinSource() : PinSource::parse(ia->parent_pin);
        o.parent_key.pkcs11_module = ia->ca.module;
        o.days = ia->days;
        o.path_length = ia->path_length;
        o.crl_url = ia->crl_url;
        o.ocsp_url = ia->ocsp_url;
        o.issuer_url = ia->issuer_url;
        ca_init(o);
        std::cerr << "created " << (o.parent_dir.empty() ? "root" : "intermediate") << " CA in " << o.dir << "\n";
    });

    struct IssueArgs {
        CaFlags ca;
        std::string csr, public_key, subject, profile = "signer", out;
        int days = 0;
        bool pem = false, force = false;
    };
    auto is = std::make_shared<IssueArgs>();
    auto* issue = ca->add_subcommand("issue", "issue a certificate from a CSR after checking it against a profile");
    is->ca.add_to(issue);
    auto* csr_opt = issue->add_option("--csr", is->csr, "the certificate request (PEM or DER)");
    auto* pub_opt = issue->add_option("--public-key", is->public_key,
                                      "instead of --csr, for encryption profiles only: the public key (PEM or DER "
                                      "SubjectPublicKeyInfo, or the pkcs11: URI of a token key that cannot sign)");
    csr_opt->excludes(pub_opt);
    issue->add_option("--subject", is->subject, "with --public-key: the subject DN ('/CN=.../C=IR' or RFC 4514)")->needs(pub_opt);
    issue->add_option("--profile", is->profile, "signer (default), tsa, ocsp, intermediate, or one of CA/profiles/");
    issue->add_option("--days", is->days, "validity in days (default: the profile's)");
    issue->add_option("--out", is->out, "write the certificate here too (it is always kept in CA/certs/)");
    issue->add_flag("--pem", is->pem, "write PEM instead of DER");
    issue->add_flag("--force", is->force, "overwrite an existing --out file");
    issue->footer(footer("  tsign ca issue --dir sub-ca --csr ali.csr --profile signer --pem --out ali.crt --pin-source env:CA_PIN\n", kCaExit));
    issue->callback([is, &g] {
        CertificateAuthority authority(is->ca.dir, is->ca.access());
        IssueOptions o;
        o.profile = is->profile;
        o.days = is->days;
        if (is->csr.empty() == is->public_key.empty()) throw Error(Errc::usage, "give --csr FILE, or --public-key and --subject");
        Bytes der;
        if (!is->csr.empty()) {
            der = authority.issue(read_file(is->csr), o);
        } else {
            if (is->subject.empty()) throw Error(Errc::usage, "--public-key needs --subject");
            Bytes spki;
            if (Pkcs11Uri::is_uri(is->public_key)) {
                KeyOptions ko;
                ko.spec = is->public_key;
                // the token's PIN: from the URI's pin-source attribute, or asked
                spki = open_signer(ko)->public_key().spki_der;
            } else {
                spki = read_file_limited(is->public_key, std::size_t{1} << 20, "public key");
            }
            der = authority.issue_for_key(spki, is->subject, o);
        }
        if (!is->out.empty())
            write_output(is->out, der, is->pem, "CERTIFICATE", is->force);
        else if (is->pem)
            std::cout << der_to_pem(der, "CERTIFICATE");
        const CaRecord rec = authority.record_of(der);
        std::cerr << "issued " << rec.serial << " (" << rec.profile << ") to " << rec.subject << ", valid until "
                  << format_human(rec.not_after, g.jalali()) << (is->out.empty() ? "" : "; written to " + is->out) << "\n";
    });

    struct RevokeArgs {
        CaFlags ca;
        std::string serial, reason = "unspecified", date;
    };
    auto ra = std::make_shared<RevokeArgs>();
    auto* revoke = ca->add_subcommand("revoke", "revoke a certificate (RFC 5280 reason)");
    ra->ca.add_to(revoke);
    revoke->add_option("--serial", ra->serial, "serial number, hex")->required();
    revoke->add_option("--reason", ra->reason,
                       "unspecified, keyCompromise, cACompromise, affiliationChanged, superseded, cessationOfOperation, "
                       "certificateHold, privilegeWithdrawn, aACompromise");
    revoke->add_option("--date", ra->date, "revocation date (default: now)");
    revoke->footer(footer("  tsign ca revoke --dir sub-ca --serial 4A1F... --reason keyCompromise\n"
                          "  tsign ca revoke --dir sub-ca --serial 4A1F... --reason certificateHold\n", kCaExit));
    revoke->callback([ra] {
        CertificateAuthority authority(ra->ca.dir, ra->ca.access());
        std::optional<std::int64_t> when;
        if (!ra->date.empty()) when = parse_iso8601(ra->date);
        authority.revoke(ra->serial, ra->reason, when);
        std::cerr << (ra->reason == "certificateHold" ? "put on hold " : "revoked ") << normalize_serial(ra->serial) << " ("
                  << ra->reason << "); publish a new CRL with 'tsign ca crl'\n";
    });

    auto ua = std::make_shared<RevokeArgs>();
    auto* unrevoke = ca->add_subcommand("unrevoke", "release a certificateHold (nothing else can be undone)");
    ua->ca.add_to(unrevoke);
    unrevoke->add_option("--serial", ua->serial, "serial number, hex")->required();
    unrevoke->footer(footer("  tsign ca unrevoke --dir sub-ca --serial 4A1F...\n", kCaExit));
    unrevoke->callback([ua] {
        CertificateAuthority authority(ua->ca.dir, ua->ca.access());
        authority.unrevoke(ua->serial);
        std::cerr << "released the hold on " << normalize_serial(ua->serial) << "\n";
    });

    struct CrlArgs {
        CaFlags ca;
        std::string out;
        int hours = 24;
        bool pem = false, force = false, json = false;
    };
    auto ca_crl = std::make_shared<CrlArgs>();
    auto* crl = ca->add_subcommand("crl", "sign a new CRL (monotonic number, nextUpdate)");
    ca_crl->ca.add_to(crl);
    crl->add_option("--out", ca_crl->out, "output file (default: standard output)");
    crl->add_option("--next-update", ca_crl->hours, "hours until nextUpdate (default 24)");
    crl->add_flag("--pem", ca_crl->pem, "write PEM instead of DER");
    crl->add_flag("--force", ca_crl->force, "overwrite an existing --out file");
    crl->add_flag("--json", ca_crl->json,
                  "print what was written (path, CRL number, thisUpdate, nextUpdate, entries) as JSON; needs --out");
    crl->footer(
        footer("  tsign ca crl --dir sub-ca --out sub-ca.crl --next-update 48 --pin-source env:CA_PIN\n"
               "  tsign ca crl --dir sub-ca --out sub-ca.crl --force --json --pin-source env:CA_PIN\n",
               kCaExit));
    crl->callback([ca_crl, &g] {
        const std::string out = ca_crl->out.empty() ? "-" : ca_crl->out;
        if (ca_crl->json && out == "-") throw Error(Errc::usage, "--json needs --out FILE: standard output carries the CRL");
        refuse_existing(out, ca_crl->force);  // before a CRL number is spent
        CertificateAuthority authority(ca_crl->ca.dir, ca_crl->ca.access());
        const CaCrl crl = authority.sign_crl(ca_crl->hours);
        write_output(out, crl.der, ca_crl->pem, "X509 CRL", ca_crl->force);
        const std::string where = out == "-" ? "standard output" : out;
        if (ca_crl->json) {
            print_json({{"path", out},
                        {"crl_number", crl.number},
                        {"this_update", format_iso8601(crl.this_update)},
                        {"next_update", format_iso8601(crl.next_update)},
                        {"entries", crl.entries},
                        {"format", ca_crl->pem ? "pem" : "der"}});
            return;
        }
        std::cerr << "wrote CRL number " << crl.number << " to " << where << ": " << crl.entries << " revoked certificate"
                  << (crl.entries == 1 ? "" : "s") << ", thisUpdate " << format_human(crl.this_update, g.jalali())
                  << ", nextUpdate " << format_human(crl.next_update, g.jalali()) << "\n";
    });

    struct ListArgs {
        std::string dir, status;
        bool json = false;
    };
    auto la = std::make_shared<ListArgs>();
    auto* list = ca->add_subcommand("list", "list the certificates the CA issued");
    list->add_option("--dir", la->dir, "the CA folder")->required();
    list->add_option("--status", la->status, "valid, revoked or expired")->check(CLI::IsMember({"valid", "revoked", "expired"}));
    list->add_flag("--json", la->json, "print one JSON document");
    list->footer(footer("  tsign ca list --dir sub-ca --status revoked --json\n", kCaExit));
    list->callback([la, &g] {
        CertificateAuthority authority(la->dir, {});
        const auto rows = authority.list(la->status);
        if (la->json) {
            json arr = json::array();
            for (const auto& r : rows) {
                json e = {{"serial", r.serial}, {"subject", r.subject}, {"not_before", format_iso8601(r.not_before)},
                          {"not_after", format_iso8601(r.not_after)}, {"status", r.status}, {"profile", r.profile}};
                if (r.revoked_at) e["revoked_at"] = format_iso8601(*r.revoked_at), e["reason"] = r.reason;
                arr.push_back(e);
            }
            print_json({{"certificates", arr}});
            return;
        }
        for (const auto& r : rows)
            std::cout << r.serial << "  " << r.status << (r.revoked_at ? " (" + r.reason + ")" : "") << "  " << r.profile
                      << "  until " << format_human(r.not_after, g.jalali()) << "\n  " << r.subject << "\n";
        if (rows.empty()) std::cout << "no certificates\n";
    });

    struct AuditArgs {
        std::string dir;
        bool verify = false, json = false;
    };
    auto aa = std::make_shared<AuditArgs>();
    auto* audit = ca->add_subcommand("audit", "show the audit log; --verify checks its hash chain");
    audit->add_option("--dir", aa->dir, "the CA folder")->required();
    audit->add_flag("--verify", aa->verify, "check the hash chain (exit 1 if broken)");
    audit->add_flag("--json", aa->json, "print one JSON document");
    audit->footer(footer("  tsign ca audit --dir sub-ca --verify\n", kCaExit));
    audit->callback([aa, &g] {
        CertificateAuthority authority(aa->dir, {});
        const auto entries = authority.audit(aa->verify);
        bool ok = true;
        for (const auto& e : entries) ok = ok && e.chain_ok;
        if (aa->json) {
            json arr = json::array();
            for (const auto& e : entries)
                arr.push_back({{"id", e.id}, {"time", format_iso8601(e.time)}, {"actor", e.actor}, {"action", e.action},
                               {"details", e.details}, {"hash", e.hash}, {"chain_ok", e.chain_ok}});
            json j = {{"entries", arr}};
            if (aa->verify) j["chain_valid"] = ok;
            print_json(j);
        } else {
            for (const auto& e : entries)
                std::cout << e.id << "  " << format_human(e.time, g.jalali()) << "  " << e.actor << "  " << e.action << "  "
                          << e.details << (e.chain_ok ? "" : "   <-- HASH CHAIN BROKEN") << "\n";
            if (aa->verify) std::cout << (ok ? "audit log hash chain: intact" : "audit log hash chain: BROKEN") << "\n";
        }
        if (!ok) throw ExitWith{ExitCode::invalid};
    });
}

}  // namespace tsign::cli

namespace tsign::cli {

void register_ocsp_commands(CLI::App& app, Globals& g) {
    auto* ocsp = app.add_subcommand("ocsp", "OCSP responder, and asking for and checking OCSP responses");
    ocsp->require_subcommand(1);
    ocsp->footer(
        footer("  tsign ocsp serve --dir sub-ca --listen 127.0.0.1:8081 --pin-source env:CA_PIN\n"
               "  tsign ocsp query --trust root.crt --out ali.ors ali.crt\n"));
    struct Args {
        std::string dir, listen = "127.0.0.1:8080", module, pin, rkey, rcert, rpin;
        double crl_hours = 24, next_update_hours = 1;
        std::size_t max_request = std::size_t{16} * 1024;
        bool ignore_nonces = false;
        ServerFlags server;
    };
    auto a = std::make_shared<Args>();
    auto* serve = ocsp->add_subcommand(
        "serve", "answer OCSP requests (RFC 6960, GET and POST), publish the CRL at /crl and the CA certificate at /ca.crt");
    serve->add_option("--dir", a->dir, "the CA folder")->required();
    serve->add_option("--listen", a->listen, "ADDR:PORT (default 127.0.0.1:8080)");
    serve->add_option("--pkcs11-module", a->module, "PKCS#11 module for token keys");
    serve->add_option("--pin-source", a->pin, "PIN / passphrase of the CA key (signs CRLs, and responses without a responder)");
    serve->add_option("--responder-key", a->rkey, "delegated responder key (file or pkcs11: URI)");
    serve->add_option("--responder-cert", a->rcert, "delegated responder certificate (OCSPSigning, issued by the CA)");
    serve->add_option("--responder-pin-source", a->rpin, "PIN / passphrase of the responder key");
    serve->add_option("--crl-next-update", a->crl_hours, "validity of published CRLs in hours (default 24); re-signed when half is left");
    serve->add_option("--max-request", a->max_request, "largest accepted request in bytes (default 16384)");
    serve->add_option(
        "--next-update", a->next_update_hours,
        "validity of OCSP responses in hours (default 1); pre-signed, re-signed when half is left or a status changes");
    serve->add_flag("--ignore-nonces", a->ignore_nonces, "answer requests with a nonce from the pre-signed responses (RFC 8954)");
    a->server.add_to(serve);
    serve->footer(
        ServerFlags::help() +
        footer("  tsign ocsp serve --dir sub-ca --listen 127.0.0.1:8081 --pin-source env:CA_PIN\n"
               "  tsign ocsp serve --dir sub-ca --listen 0.0.0.0:80 --responder-key ocsp.key --responder-cert ocsp.crt \\\n"
               "                   --responder-pin-source file:/run/ocsp-pass --pin-source env:CA_PIN\n"
               "  openssl ocsp -issuer sub-ca/ca.crt.pem -cert ali.crt -url http://127.0.0.1:8081/ -CAfile root.crt\n",
               "  0  stopped by SIGINT or SIGTERM\n  2  usage error\n  3  the CA folder is missing or unreadable\n"
               "  4  key or token error at start\n  5  the address cannot be bound\n  6  internal error\n"));
    struct CArgs {
        ChainFlags chain;
        std::string issuer, response, cert;
        bool json = false;
    };
    auto c = std::make_shared<CArgs>();
    auto* check = ocsp->add_subcommand("check", "check an OCSP response about a certificate as tsign's OCSP client does");
    c->chain.add_to(check, true);
    check->add_option("--issuer", c->issuer, "the certificate's issuer")->required();
    check->add_option("--response", c->response, "the OCSP response (DER)")->required();
    check->add_flag("--json", c->json, "print one JSON document");
    check->add_option("CERT", c->cert, "the certificate the response is about")->required();
    check->footer(footer("  tsign ocsp check --trust root.crt --issuer sub-ca.crt --response ali.ors --at 2026-11-20 ali.crt\n",
                         "  0  the response verifies and says good\n  1  revoked, unknown, or the response cannot be relied on\n"
                         "  2  usage error\n  3  unreadable or malformed input\n"));
    check->callback([c, &g] {
        const OcspCheckReport r = check_ocsp_response(read_file(c->response), read_file(c->cert), read_file(c->issuer), c->chain.options());
        if (c->json) {
            std::cout << r.to_json() << std::endl;
        } else {
            std::cout << r.status << ": " << r.message << "\n";
            if (r.status == "revoked")
                std::cout << "  revoked: " << format_human(r.revocation_time, g.jalali()) << " (" << r.reason << ")\n";
        }
        if (!r.valid) throw ExitWith{ExitCode::invalid};
    });

    struct QArgs {
        ChainFlags chain;
        std::string issuer, url, out, cert;
        bool json = false, force = false;
    };
    auto q = std::make_shared<QArgs>();
    auto* query =
        ocsp->add_subcommand("query", "ask a certificate's OCSP responder about it and check the answer as 'ocsp check' does");
    q->chain.add_to(query, false);
    query->add_option("--issuer", q->issuer,
                      "the certificate's issuer (default: fetched from the certificate's AIA caIssuers URL)");
    query->add_option("--url", q->url, "the OCSP responder (default: the certificate's AIA OCSP URL)");
    query->add_option("--out", q->out, "write the DER response here (when it verified: good, revoked or unknown)");
    query->add_flag("--force", q->force, "overwrite an existing --out file");
    query->add_flag("--json", q->json, "print one JSON document");
    query->add_option("CERT", q->cert, "the certificate to ask about")->required();
    query->footer(
        footer("  tsign ocsp query --out ali.ors ali.crt\n"
               "  tsign ocsp query --trust root.crt --issuer sub-ca.crt --url http://127.0.0.1:8081/ --out ali.ors ali.crt\n"
               "  The request carries a nonce; the answer must echo it or none. Without --trust the response\n"
               "  must come from the issuer or a responder it authorised (the issuer is the only anchor).\n"
               "  Network access is needed (TSIGN_OFFLINE=1 and --offline refuse it).\n",
               "  0  the response verifies and says good\n  1  revoked, unknown, or the response cannot be relied on\n"
               "  2  usage error\n"
               "  3  unreadable or malformed input; no responder URL or caIssuers URL; the issuer did not issue CERT\n"
               "  5  the responder (or the caIssuers URL) is unreachable or answered with an error status\n"
               "  6  internal error\n"));
    query->callback([q, &g] {
        refuse_existing(q->out.empty() ? "-" : q->out, q->force);
        OcspQueryOptions o;
        if (!q->issuer.empty()) o.issuer = read_file(q->issuer);
        o.url = q->url;
        o.trust = q->chain.options();
        const OcspQueryResult res = query_ocsp(read_file(q->cert), o);
        const OcspCheckReport& r = res.report;
        const bool keep = !q->out.empty() && r.status != "invalid";
        if (keep) write_output(q->out, res.response, false, "OCSP RESPONSE", q->force);
        if (q->json) {
            json j = json::parse(r.to_json());
            j["serial"] = res.serial;
            j["url"] = res.url;
            j["issuer_url"] = res.issuer_url.empty() ? json(nullptr) : json(res.issuer_url);
            j["out"] = keep ? json(q->out) : json(nullptr);
            print_json(j);
        } else {
            std::cout << r.status << ": " << r.message << "\n";
            if (r.status == "revoked")
                std::cout << "  revoked:   " << format_human(r.revocation_time, g.jalali()) << " (" << r.reason << ")\n";
            std::cout << "  serial:    " << res.serial << "\n  responder: " << res.url << "\n";
            if (!res.issuer_url.empty()) std::cout << "  issuer:    " << res.issuer_url << "\n";
            if (keep) std::cout << "  response:  " << q->out << "\n";
        }
        if (!r.valid) throw ExitWith{ExitCode::invalid};
    });

    serve->callback([a] {
        OcspServeOptions o;
        o.dir = a->dir;
        o.listen = a->listen;
        o.ca_key.pin = a->pin.empty() ? PinSource() : PinSource::parse(a->pin);
        o.ca_key.pkcs11_module = a->module;
        o.responder_key = a->rkey;
        o.responder_cert = a->rcert;
        o.responder_access.pin = a->rpin.empty() ? PinSource() : PinSource::parse(a->rpin);
        o.responder_access.pkcs11_module = a->module;
        o.crl_hours = a->crl_hours;
        o.max_request = a->max_request;
        o.next_update_hours = a->next_update_hours;
        o.ignore_nonces = a->ignore_nonces;
        o.server = a->server.options();
        o.log = log_line("tsign ocsp", o.server.access_log);
        ocsp_serve(o);
    });
}

}  // namespace tsign::cli
