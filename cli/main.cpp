// tsign: the command. Parses flags, calls the library, prints. All logic lives in the library.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iostream>
#include <optional>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "common.hpp"
#include "tsign/error.hpp"
#include "tsign/keys.hpp"
#include "tsign/version.hpp"

namespace {

void harden_process() {
    // PINs and keys must never end up in a core dump.
    struct rlimit none {0, 0};
    setrlimit(RLIMIT_CORE, &none);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/// The commands of `tsign --help`, grouped by who uses them; every top-level command is in exactly one group.
struct CommandGroup {
    const char* heading;
    std::vector<std::string> commands;
};
const std::vector<CommandGroup>& command_groups() {
    static const std::vector<CommandGroup> groups = {
        {"Commands for commission members", {"sign", "cosign", "verify", "extend", "info", "timestamp", "roster", "token"}},
        {"Commands for finance", {"batch"}},
        {"Commands for CA admins", {"ca", "cert", "key", "csr", "policy"}},
        {"Commands for operators (servers)", {"tsa", "ocsp"}},
        {"Commands for bidders and the tender office", {"tender"}},
    };
    return groups;
}

/// The position of a top-level command in tsign --help (commands in no group last).
std::size_t group_rank(const std::string& name) {
    std::size_t rank = 0;
    for (const auto& group : command_groups())
        for (const auto& c : group.commands) {
            if (c == name) return rank;
            ++rank;
        }
    return rank;
}

/// Lists the top-level commands in the order of command_groups(); subcommands of commands as CLI11 does.
class GroupedFormatter : public CLI::Formatter {
public:
    std::string make_subcommands(const CLI::App* app, CLI::AppFormatMode mode) const override {
        if (app->get_parent() != nullptr) return CLI::Formatter::make_subcommands(app, mode);
        std::string out;
        for (const auto& group : command_groups()) {
            out += std::string("\n") + group.heading + ":\n";
            for (const auto& name : group.commands)
                for (const CLI::App* sub : app->get_subcommands({}))
                    if (sub->get_name() == name) out += make_subcommand(sub);
        }
        // A command nobody has put into a group yet is still listed (and tests/cli/test_cli_contract.sh complains).
        std::string rest;
        for (const CLI::App* sub : app->get_subcommands({})) {
            bool grouped = false;
            for (const auto& group : command_groups())
                grouped = grouped || std::count(group.commands.begin(), group.commands.end(), sub->get_name()) > 0;
            if (!grouped) rest += make_subcommand(sub);
        }
        if (!rest.empty()) out += "\nSubcommands:\n" + rest;
        return out;
    }
};

/// tsign's own options: -v/--verbose and --calendar (hidden: not listed in --help).
void add_global_options(CLI::App* app, tsign::cli::Globals& g, bool hidden = false) {
    const std::string group = hidden ? "" : "Options";
    app->add_flag("-v,--verbose", g.verbose, "show the causes of errors (OpenSSL and PKCS#11 details)")->group(group);
    app->add_option("--calendar", g.calendar, "dates in human output: jalali (also Solar Hijri) or gregorian")
        ->check(CLI::IsMember({"jalali", "gregorian"}))
        ->group(group);
}

/// Global options work before or after the (sub)command: an option a subcommand does not know goes to its
/// parent. Under a command that takes positional arguments itself (timestamp DOC | timestamp verify), a
/// fallthrough would also hand it the subcommand's stray arguments, so such a subcommand gets hidden copies
/// of the global options instead.
void let_options_fall_through(CLI::App* app, tsign::cli::Globals& g) {
    const bool takes_positionals = !app->get_options([](const CLI::Option* o) { return o->get_positional(); }).empty();
    for (CLI::App* sub : app->get_subcommands([](CLI::App*) { return true; })) {
        if (takes_positionals) {
            add_global_options(sub, g, true);
        } else {
            sub->fallthrough();
        }
        let_options_fall_through(sub, g);
    }
}

// ---- usage errors: name the unknown command or option and suggest the nearest one ----

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

/// Damerau-Levenshtein distance (optimal string alignment: insert, delete, substitute, swap neighbours).
std::size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i)
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    return d[a.size()][b.size()];
}

/// The candidates nearest to word: within 1 edit for short words, 2 up to 6 letters, 3 beyond; else the one
/// candidate it is a prefix of (at least two letters). Empty when nothing is close.
std::vector<std::string> nearest(const std::string& word, const std::vector<std::string>& candidates) {
    const std::string w = lower(word);
    const std::size_t limit = w.size() <= 3 ? 1 : w.size() <= 6 ? 2 : 3;
    std::size_t best = limit + 1;
    std::vector<std::string> found;
    for (const auto& c : candidates) {
        const std::size_t d = edit_distance(w, lower(c));
        if (d >= std::max(c.size(), w.size())) continue;  // nothing in common
        if (d < best) {
            best = d;
            found = {c};
        } else if (d == best && std::find(found.begin(), found.end(), c) == found.end()) {
            found.push_back(c);
        }
    }
    if (!found.empty()) return found;
    if (w.size() >= 2) {
        for (const auto& c : candidates)
            if (lower(c).rfind(w, 0) == 0) found.push_back(c);
        if (found.size() == 1) return found;
    }
    return {};
}

std::string quoted_list(const std::vector<std::string>& names, const std::string& last_sep) {
    std::string s;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i > 0) s += i + 1 == names.size() ? last_sep : ", ";
        s += "'" + names[i] + "'";
    }
    return s;
}

struct Diagnosis {
    std::string error, hint;
};

std::vector<const CLI::App*> named_subcommands(const CLI::App* app) {
    return app->get_subcommands([](const CLI::App* s) { return !s->get_name().empty(); });
}

/// The apps whose options an app accepts: itself, then its parents as long as options fall through.
const CLI::App* next_option_scope(const CLI::App* app) { return app->get_fallthrough() ? app->get_parent() : nullptr; }

const CLI::Option* find_option(const CLI::App* app, const std::string& name) {
    for (; app != nullptr; app = next_option_scope(app))
        if (const CLI::Option* o = app->get_option_no_throw(name)) return o;
    return nullptr;
}

Diagnosis unknown_command(const std::string& path, const std::string& word, const std::vector<std::string>& names) {
    const std::string prefix = path.empty() ? "" : path + " ";
    Diagnosis d{"unknown command '" + prefix + word + "'", {}};
    std::vector<std::string> near = nearest(word, names);
    for (auto& n : near) n = prefix + n;
    if (!near.empty()) {
        d.hint = "did you mean " + quoted_list(near, " or ") + "?";
    } else {
        std::string list;
        for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
        d.hint = "the commands" + (path.empty() ? std::string() : " of 'tsign " + path + "'") + " are: " + list;
    }
    return d;
}

Diagnosis unknown_option(const CLI::App* app, const std::string& path, const std::string& name) {
    Diagnosis d{"unknown option '" + name + "'" + (path.empty() ? "" : " for '" + path + "'"), {}};
    std::vector<std::string> names;  // without the dashes
    for (const CLI::App* a = app; a != nullptr; a = next_option_scope(a))
        for (const CLI::Option* o : a->get_options({}))
            for (const auto& l : o->get_lnames()) names.push_back(l);
    std::vector<std::string> near;
    if (name.rfind("--", 0) == 0)
        for (const auto& n : nearest(name.substr(2), names)) near.push_back("--" + n);
    d.hint = !near.empty() ? "did you mean " + quoted_list(near, " or ") + "?"
                           : "see 'tsign " + (path.empty() ? "" : path + " ") + "--help'";
    return d;
}

/// Walks the arguments as the parser does and names the first unknown command or option, with the nearest
/// known one. Called only after CLI11 has refused the command line; nullopt when the walk finds nothing.
std::optional<Diagnosis> diagnose(const CLI::App& root, int argc, char** argv, bool command_missing) {
    const CLI::App* cur = &root;
    std::string path;
    std::optional<Diagnosis> suspect;  // a positional that looks like a misspelt optional subcommand
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--") break;
        if (arg.size() > 1 && arg[0] == '-' && std::isdigit(static_cast<unsigned char>(arg[1])) == 0) {
            const bool is_long = arg.rfind("--", 0) == 0;
            const auto eq = arg.find('=');
            const std::string name = is_long ? arg.substr(0, eq) : arg.substr(0, 2);
            if (name == "--") continue;
            const CLI::Option* opt = find_option(cur, name);
            if (opt == nullptr) return unknown_option(cur, path, name);
            const bool takes_value = opt->get_items_expected_max() > 0;  // 0: a flag
            const bool value_attached = is_long ? eq != std::string::npos : arg.size() > 2;
            if (takes_value && !value_attached) ++i;
            continue;
        }
        auto subs = named_subcommands(cur);
        if (subs.empty()) continue;  // a positional argument of a command without subcommands
        if (cur == &root)            // in the order of tsign --help
            std::stable_sort(subs.begin(), subs.end(), [](const CLI::App* a, const CLI::App* b) {
                return group_rank(a->get_name()) < group_rank(b->get_name());
            });
        std::vector<std::string> names;
        const CLI::App* next = nullptr;
        for (const CLI::App* s : subs) {
            names.push_back(s->get_name());
            if (s->check_name(arg)) next = s;
        }
        if (next != nullptr) {
            cur = next;
            path += (path.empty() ? "" : " ") + cur->get_name();
            continue;
        }
        const bool has_positionals = !cur->get_options([](const CLI::Option* o) { return o->get_positional(); }).empty();
        if (cur->get_require_subcommand_min() > 0 || !has_positionals) return unknown_command(path, arg, names);
        if (!suspect && !nearest(arg, names).empty()) suspect = unknown_command(path, arg, names);
    }
    if (!suspect && command_missing && cur->get_require_subcommand_min() > 0) {
        std::string list;
        for (const CLI::App* s : named_subcommands(cur)) list += (list.empty() ? "" : ", ") + s->get_name();
        if (cur == &root) return Diagnosis{"no command given", "the commands are listed by 'tsign --help'"};
        return Diagnosis{"no command given after 'tsign " + path + "'", "the commands of 'tsign " + path + "' are: " + list};
    }
    return suspect;
}

}  // namespace

namespace {

int run(int argc, char** argv) {
    harden_process();
    tsign::initialize();
    tsign::set_warning_handler([](const std::string& w) { std::fprintf(stderr, "tsign: warning: %s\n", w.c_str()); });
    using namespace tsign::cli;
    Globals g;
    CLI::App app{"tsign: sign, co-sign and verify documents with keys in files or on PKCS#11 tokens"};
    app.name("tsign");
    app.formatter(std::make_shared<GroupedFormatter>());
    app.require_subcommand(1);
    app.set_version_flag("--version",
                         "tsign " + tsign::version() + "\n" + tsign::openssl_version() + "\n" + tsign::libp11_version());
    add_global_options(&app, g);
    app.footer("Global options (-v/--verbose, --calendar) may come before or after the command.\n" +
               footer("  tsign token list\n"
                      "  tsign token keygen --token member1 --label sign --type ec-p256 --pin-source env:PIN\n"
                      "  tsign csr --key 'pkcs11:token=member1;object=sign' --subject '/CN=علی رضایی/C=IR' --out ali.csr\n"
                      "  tsign info ali.csr\n"
                      "  tsign verify --calendar gregorian minutes.pdf\n",
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
    let_options_fall_through(&app, g);

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
        const bool command_missing = dynamic_cast<const CLI::RequiredError*>(&e) != nullptr &&
                                     std::string(e.what()).find("A subcommand") != std::string::npos;
        if (const auto d = diagnose(app, argc, argv, command_missing)) {
            std::fprintf(stderr, "tsign: error: %s\nhint: %s\n", tsign::to_valid_utf8(d->error).c_str(),
                         tsign::to_valid_utf8(d->hint).c_str());
            return static_cast<int>(tsign::ExitCode::usage);
        }
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

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (...) {  // run() reports every error it knows; anything else is a bug
        std::fputs("tsign: error: internal error\n", stderr);
        return static_cast<int>(tsign::ExitCode::internal);
    }
}
