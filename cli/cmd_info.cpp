// tsign info
#include <iostream>

#include "common.hpp"
#include "tsign/x509.hpp"

namespace tsign::cli {

void register_info_command(CLI::App& app, Globals& g) {
    struct Args {
        std::string file;
        bool json = false;
    };
    auto a = std::make_shared<Args>();
    auto* info = app.add_subcommand("info",
                                    "describe a certificate, CSR, CRL, SignedData, timestamp request / response / token, OCSP "
                                    "request / response, private or public key, PKCS#12 file");
    info->add_option("FILE", a->file, "the file to describe (PEM or DER; - for standard input)")->required();
    info->add_flag("--json", a->json, "print one JSON document");
    info->footer(
        footer("  tsign info ali.crt\n  tsign info --json ali.csr | jq .subject\n  tsign --calendar gregorian info ca.crl\n  "
               "tsign info --json reply.tsr | jq .token.tst_info.gen_time\n  tsign info ocsp-response.der\n"));
    info->callback([a, &g] {
        DescribeOptions o;
        o.jalali = g.jalali();
        const Description d = describe(read_file(a->file), a->file, o);
        if (a->json) std::cout << d.json << std::endl;
        else std::cout << d.text;
    });
}

}  // namespace tsign::cli
