// tsign: the command. Parses flags, calls the library, prints. All logic lives in the library.
#include <cstdio>
#include <iostream>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "common.hpp"
#include "tsign/error.hpp"
#include "tsign/version.hpp"

namespace {

void harden_process() {
    // PINs and keys must never end up in a core dump.
    struct rlimit none {0, 0};
    setrlimit(RLIMIT_CORE, &none);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

}  // namespace

int main(int argc, char** argv) {
    harden_process();
    tsign::initialize();
    using namespace tsign::cli;
    Globals g;
    CLI::App app{"tsign: sign, co-sign and verify documents with keys in files or on PKCS#11 tokens"};
    app.name("tsign");
    app.require_subcommand(1);
    app.set_version_flag("--version",
                         "tsign " + tsign::version() + "\n" + tsign::openssl_version() + "\n" + tsign::libp11_version());
    app.add_flag("-v,--verbose", g.verbose, "show the causes of errors (OpenSSL and PKCS#11 details)");
    app.add_option("--calendar", g.calendar, "dates in human output: jalali (also Solar Hijri) or gregorian")
        ->check(CLI::IsMember({"jalali", "gregorian"}));
    app.footer(footer("  tsign token list\n"
                      "  tsign token keygen --token member1 --label sign --type ec-p256 --pin-source env:PIN\n"
                      "  tsign csr --key 'pkcs11:token=member1;object=sign' --subject '/CN=علی رضایی/C=IR' --out ali.csr\n"
                      "  tsign info ali.csr\n",
                      "  0 success, 1 not valid, 2 usage, 3 input, 4 key/token, 5 network, 6 internal\n"));
    register_sign_commands(app, g);
    register_key_commands(app, g);
    register_token_commands(app, g);
    register_info_command(app, g);
    register_cert_commands(app, g);
    register_ca_commands(app, g);
    register_ocsp_commands(app, g);
    register_tsp_commands(app, g);
    register_batch_command(app, g);
    register_policy_command(app, g);
    register_roster_commands(app, g);
    register_tender_commands(app, g);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return app.exit(e);
        std::string msg = e.what();
        for (auto& c : msg)
            if (c == '\n') c = ' ';
        msg = tsign::to_valid_utf8(msg);  // the arguments echoed may be any bytes
        std::fprintf(stderr, "tsign: error: %s\nhint: see 'tsign --help' or 'tsign COMMAND --help'\n", msg.c_str());
        return static_cast<int>(tsign::ExitCode::usage);
    } catch (const ExitWith& e) {
        return static_cast<int>(e.code);
    } catch (const tsign::Error& e) {
        std::fprintf(stderr, "tsign: error: %s\n", e.what());
        if (!e.hint().empty()) std::fprintf(stderr, "hint: %s\n", e.hint().c_str());
        if (g.verbose) {
            if (e.pkcs11_rv()) std::fprintf(stderr, "  PKCS#11 return value: 0x%08lX\n", *e.pkcs11_rv());
            for (const auto& d : e.details()) std::fprintf(stderr, "  caused by: %s\n", d.c_str());
        }
        return static_cast<int>(e.exit_code());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tsign: error: internal error: %s\n", tsign::to_valid_utf8(e.what()).c_str());
        return static_cast<int>(tsign::ExitCode::internal);
    }
    return 0;
}
