// The CA's YAML readers: a profile (CA/profiles/NAME.yaml, read at every `ca issue`) and the CA's
// config.yaml (read when the CA is opened). The first input byte chooses which file the rest is.
#include <filesystem>
#include <memory>

#include "fuzz_ca_common.hpp"
#include "tsign/io.hpp"

namespace fs = std::filesystem;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    static std::string base;
    static std::unique_ptr<tsign::CertificateAuthority> ca;
    static std::string config;
    static int issued = 0;
    if (!ca || ++issued % fuzz::kIssuancesPerCa == 0) {
        ca.reset();
        base = fuzz::new_ca();
        const tsign::Bytes c = tsign::read_file(base + "/config.yaml");
        config.assign(c.begin(), c.end());
        ca = std::make_unique<tsign::CertificateAuthority>(base, fuzz::ca_key());
    }
    static const tsign::Bytes csr = tsign::read_file(fuzz::source("tests/fuzz/fixtures/request.csr"));
    if (data[0] & 1) {
        // a profile, used by an issuance with the CA opened once
        fuzz::write("ca/profiles/fuzz.yaml", data + 1, size - 1);
        fuzz::refuse_or_run([&] {
            tsign::IssueOptions o;
            o.profile = "fuzz";
            (void)ca->issue(csr, o);
        });
    } else {
        // the CA's config.yaml, read by opening the CA again
        fuzz::write("ca/config.yaml", data + 1, size - 1);
        fuzz::refuse_or_run([&] {
            tsign::CertificateAuthority other(base, fuzz::ca_key());
            (void)other.issue(csr, {});
        });
        fuzz::write("ca/config.yaml", reinterpret_cast<const std::uint8_t*>(config.data()), config.size());
    }
    return 0;
}
