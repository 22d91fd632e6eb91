// tsign roster make, tsign roster check
#include <iostream>

#include "common.hpp"
#include "tsign/io.hpp"
#include "tsign/roster.hpp"

namespace tsign::cli {

void register_roster_commands(CLI::App& app, Globals& g) {
    auto* roster = app.add_subcommand("roster", "commission rosters: who may sign, who must, and the quorum (verify --roster)");
    roster->require_subcommand(1);
    roster->footer(footer("  tsign roster make --quorum 2 --name 'کمیسیون مناقصه' --out commission.yaml ali.crt sara.crt maryam.crt\n"
                          "  tsign roster check commission.yaml\n"
                          "  tsign verify --trust root.crt --roster commission.yaml minutes.txt.p7s minutes.txt\n"));

    struct MakeArgs {
        int quorum = 0;
        std::string name, by = "spki", out;
        std::vector<std::string> required, certs;
        bool force = false;
    };
    auto m = std::make_shared<MakeArgs>();
    auto* make = roster->add_subcommand("make", "write a roster (YAML) from the members' certificates");
    make->add_option("--quorum", m->quorum, "how many distinct members must sign (1..members)")->required();
    make->add_option("--name", m->name, "the commission's name (default: the roster file's name)");
    make->add_option("--required", m->required, "a member whose signature is required (repeatable; added as a member if not listed)")
        ->allow_extra_args(false);
    make->add_option("--by", m->by,
                     "how members are pinned: spki (default: the SHA-256 of the public key), certificate (the exact "
                     "certificate file) or subject (subject + issuer, compared structurally)")
        ->check(CLI::IsMember({"spki", "certificate", "subject"}));
    make->add_option("--out", m->out, "the roster file to write ('-': standard output)")->required();
    make->add_flag("--force", m->force, "overwrite an existing roster file");
    make->add_option("CERT", m->certs, "the members' certificates (PEM or DER, one per file)");
    make->footer(footer(
        "  tsign roster make --quorum 2 --out commission.yaml ali.crt sara.crt maryam.crt\n"
        "  tsign roster make --quorum 3 --name 'کمیسیون مناقصه ۱۴۰۵-۱۲' --required ali.crt --by certificate \\\n"
        "                    --out commission.yaml sara.crt maryam.crt reza.crt\n",
        "  0  written (and checked with the loader verify --roster uses)\n"
        "  2  usage error (also: a quorum outside 1..members, no certificates)\n"
        "  3  input error (unreadable certificate, two certificates of the same member, the output exists: --force)\n"
        "  6  internal error\n"));
    make->callback([m] {
        RosterMakeOptions o;
        o.certificate_files = m->certs;
        o.required_files = m->required;
        o.quorum = m->quorum;
        o.commission = m->name;
        o.pin = m->by == "certificate" ? RosterPin::certificate : m->by == "subject" ? RosterPin::subject : RosterPin::spki;
        o.output_path = m->out;
        const std::string text = make_roster(o);
        write_file_atomic(m->out, text, WriteOptions{m->force, 0644});
        if (m->out != "-") std::cerr << "wrote roster " << m->out << " (quorum " << m->quorum << ")\n";
    });

    struct CheckArgs {
        std::string file;
        bool json = false;
    };
    auto c = std::make_shared<CheckArgs>();
    auto* check = roster->add_subcommand("check", "load and validate a roster with the loader verify --roster uses; print it");
    check->add_flag("--json", c->json, "print one JSON document");
    check->add_option("FILE", c->file, "the roster (YAML)")->required();
    check->footer(footer("  tsign roster check commission.yaml\n"
                         "  tsign roster check --json examples/commission-roster.yaml | jq .required\n",
                         "  0  the roster is valid\n  2  usage error\n"
                         "  3  the roster is not valid or cannot be read (the error says why: unknown key, quorum outside\n"
                         "     1..members, two entries for the same person, a certificate file missing or too large, ...)\n"
                         "  6  internal error\n"));
    check->callback([c, &g] {
        const RosterInfo info = check_roster_file(c->file);
        if (c->json) std::cout << info.to_json() << std::endl;
        else std::cout << info.to_text();
        (void)g;
    });
}

}  // namespace tsign::cli
