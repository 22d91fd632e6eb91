// tsign policy show
#include <iostream>

#include "common.hpp"
#include "tsign/policy.hpp"

namespace tsign::cli {

void register_policy_command(CLI::App& app, Globals& g) {
    auto* policy = app.add_subcommand("policy", "the validation policy: algorithms with end dates, signer EKUs, revocation rules");
    policy->require_subcommand(1);
    struct Args {
        std::string file;
        bool json = false;
    };
    auto a = std::make_shared<Args>();
    auto* show = policy->add_subcommand("show", "print the built-in validation policy (YAML), or check and print another");
    show->add_option("--validation-policy", a->file, "a policy file to check and print instead of the built-in one");
    show->add_flag("--json", a->json, "print {name, sha256, text} as one JSON document");
    show->footer(footer("  tsign policy show > city-policy.yaml        # start a policy of your own from the built-in one\n"
                        "  tsign policy show --validation-policy city-policy.yaml --json\n"
                        "  tsign verify --trust root.crt --validation-policy city-policy.yaml minutes.txt.p7s minutes.txt\n",
                        "  0  printed\n  2  usage error\n  3  the policy file is unreadable or invalid (the message names the key)\n"
                        "  6  internal error\n"));
    show->callback([a] {
        const ValidationPolicyInfo p = load_validation_policy(a->file);
        if (a->json) print_json({{"name", p.name}, {"sha256", p.sha256}, {"text", p.text}});
        else std::cout << p.text;
    });
    (void)g;
}

}  // namespace tsign::cli
