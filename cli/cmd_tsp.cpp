// tsign timestamp, tsign timestamp verify, tsign tsa serve|list
#include <iostream>

#include "common.hpp"
#include "tsign/time.hpp"
#include "tsign/tsp.hpp"

namespace tsign::cli {

void register_tsp_commands(CLI::App& app, Globals& g) {
    struct Args {
        std::vector<std::string> tsa;
        std::string out, doc, digest = "sha256", policy;
        int timeout = 10;
        bool pem = false, force = false;
    };
    auto a = std::make_shared<Args>();
    auto* ts = app.add_subcommand("timestamp", "get an RFC 3161 timestamp for a document, or verify one");
    ts->require_subcommand(0, 1);
    ts->add_option("--tsa", a->tsa, "TSA URL (repeatable: tried in order)")->allow_extra_args(false);
    ts->add_option("--out", a->out, "output file (default: DOC.tsr); the full TimeStampResp");
    ts->add_option("--digest", a->digest, "sha256 (default), sha384 or sha512");
    ts->add_option("--policy", a->policy, "requested TSA policy OID");
    ts->add_option("--timeout", a->timeout, "seconds per TSA (default 10)");
    ts->add_flag("--pem", a->pem, "write PEM instead of DER");
    ts->add_flag("--force", a->force, "overwrite an existing output file");
    ts->add_option("DOC", a->doc, "the document");
    ts->footer(footer("  tsign timestamp --tsa http://127.0.0.1:8080/ minutes.txt          # writes minutes.txt.tsr\n"
                      "  tsign timestamp verify --trust root.crt minutes.txt.tsr minutes.txt\n",
                      "  0  done\n  2  usage error\n  3  input error\n"
                      "  5  no TSA answered correctly (down, slow, refused, wrong nonce or imprint); nothing written\n"
                      "  6  internal error\n"));

    struct VArgs {
        ChainFlags chain;
        std::string token, doc, request, tsa_name;
        bool json = false;
    };
    auto v = std::make_shared<VArgs>();
    auto* verify = ts->add_subcommand("verify", "verify a timestamp token or reply against a document");
    v->chain.add_to(verify, true);
    verify->add_flag("--json", v->json, "print one JSON document");
    verify->add_option("--request", v->request, "the TimeStampReq (DER) the token must answer: nonce, imprint and policy compared");
    verify->add_option("--tsa-name", v->tsa_name, "DN the TSA's certificate (the token's signer) must have, e.g. \"/CN=TSA/O=Org\"");
    verify->add_option("TOKEN", v->token, "the token or the full reply")->required();
    verify->add_option("DOC", v->doc, "the timestamped document")->required();
    verify->footer(footer("  tsign timestamp verify --trust root.crt --json minutes.txt.tsr minutes.txt\n"
                          "  tsign timestamp verify --trust root.crt --request minutes.tsq --tsa-name \"/CN=City TSA\" minutes.tsr minutes.txt\n",
                          "  0  valid\n  1  not valid\n  2  usage error\n  3  input error\n  6  internal error\n"));
    verify->callback([v, &g] {
        TimestampExpectations expect;
        if (!v->request.empty()) expect.request = read_file(v->request);
        expect.tsa_subject = v->tsa_name;
        const TimestampReport r = verify_timestamp_file(read_file(v->token), v->doc, v->chain.options(), expect);
        if (v->json) {
            std::cout << r.to_json() << std::endl;
        } else {
            std::cout << (r.valid ? "valid" : "NOT VALID") << " timestamp\n  time:   " << format_human(r.time, g.jalali())
                      << "\n  TSA:    " << r.tsa << "\n  serial: " << r.serial << "\n  policy: " << r.policy << "\n  digest: "
                      << r.digest_algorithm << "\n";
            for (const auto& e : r.errors) std::cout << "  error:  " << e << "\n";
        }
        if (!r.valid) throw ExitWith{ExitCode::invalid};
    });
    ts->callback([a, ts, verify] {
        if (verify->parsed()) return;
        if (a->doc.empty()) throw Error(Errc::usage, "no document given", "tsign timestamp --tsa URL DOC");
        TimestampOptions o;
        o.urls = a->tsa;
        o.digest = parse_digest(a->digest);
        o.policy = a->policy;
        o.timeout_seconds = a->timeout;
        const Bytes resp = timestamp_file(a->doc, o);
        const std::string out = a->out.empty() ? a->doc + ".tsr" : a->out;
        write_output(out, resp, a->pem, "TIMESTAMP RESPONSE", a->force);
        (void)ts;
    });

    auto* tsa = app.add_subcommand("tsa", "timestamp authority: serve, list");
    tsa->require_subcommand(1);
    tsa->footer(footer("  tsign tsa serve --key tsa.key --cert tsa.crt --listen 127.0.0.1:8080 --state /var/lib/tsign-tsa\n"));
    struct SArgs {
        KeyFlags key;
        std::vector<std::string> chain;
        std::string listen = "127.0.0.1:8080", policy = "1.3.6.1.4.1.57264.1.1", state = ".";
        std::size_t max_request = std::size_t{16} * 1024;
        ServerFlags server;
    };
    auto s = std::make_shared<SArgs>();
    auto* serve = tsa->add_subcommand("serve", "an RFC 3161 TSA over HTTP; serials unique and kept across restarts");
    s->key.add_to(serve);
    serve
        ->add_option("--chain", s->chain,
                     "PEM bundle of the TSA's intermediate CA certificates (repeatable): tokens answering a request with "
                     "certReq carry them after the TSA certificate, so that verifiers need only the root")
        ->allow_extra_args(false);
    serve->add_option("--listen", s->listen, "ADDR:PORT (default 127.0.0.1:8080)");
    serve->add_option("--policy", s->policy, "policy OID of issued tokens");
    serve->add_option("--state", s->state, "folder of tsa.db: serials and the archive of issued tokens");
    serve->add_option("--max-request", s->max_request, "largest accepted request in bytes (default 16384)");
    s->server.add_to(serve);
    serve->footer(ServerFlags::help() +
                  footer("  tsign tsa serve --key 'pkcs11:token=tsa;object=tsa' --pin-source env:PIN --cert tsa.crt \\\n"
                         "                  --chain sub-ca/chain.pem --listen 127.0.0.1:8080 --state /var/lib/tsign-tsa\n",
                         "  0  stopped by SIGINT or SIGTERM\n  2  usage error (also: the certificate is not a TSA certificate)\n"
                         "  3  input error (also: a --chain file that does not chain the TSA certificate)\n"
                         "  4  key or token error\n  5  the address cannot be bound\n  6  internal error\n"));
    serve->callback([s] {
        TsaServeOptions o;
        o.key = s->key.options();
        o.chain_files = s->chain;
        o.listen = s->listen;
        o.policy = s->policy;
        o.state_dir = s->state;
        o.max_request = s->max_request;
        o.server = s->server.options();
        o.log = log_line("tsign tsa", o.server.access_log);
        tsa_serve(o);
    });
    struct LArgs {
        std::string state = ".";
        bool json = false;
    };
    auto l = std::make_shared<LArgs>();
    auto* list = tsa->add_subcommand("list", "the archive of issued timestamps (serial, time, imprint)");
    list->add_option("--state", l->state, "the TSA's state folder")->required();
    list->add_flag("--json", l->json, "print one JSON document");
    list->footer(footer("  tsign tsa list --state /var/lib/tsign-tsa --json\n"));
    list->callback([l, &g] {
        const auto rows = tsa_list(l->state);
        if (l->json) {
            json arr = json::array();
            for (const auto& r : rows)
                arr.push_back({{"serial", r.serial}, {"time", format_iso8601(r.time)}, {"digest_algorithm", r.digest_algorithm},
                               {"imprint", r.imprint_hex}, {"policy", r.policy}});
            print_json({{"timestamps", arr}});
            return;
        }
        for (const auto& r : rows)
            std::cout << r.serial << "  " << format_human(r.time, g.jalali()) << "  " << r.digest_algorithm << ":" << r.imprint_hex << "\n";
        if (rows.empty()) std::cout << "no timestamps\n";
    });
}

}  // namespace tsign::cli
