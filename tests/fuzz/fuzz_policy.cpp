// The validation policy reader (--validation-policy FILE, `tsign policy show`): any YAML, then
// the checks verification asks of a policy.
#include <openssl/evp.h>
#include <openssl/objects.h>

#include "fuzz_common.hpp"
#include "policy/policy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string file = fuzz::write("policy.yaml", data, size);
    fuzz::refuse_or_run([&] {
        const auto policy = tsign::detail::Policy::load(file);
        for (const std::int64_t t : {0LL, 1262304000LL, 1796256000LL, 4102444800LL}) {
            for (const int nid : {NID_sha1, NID_sha256, NID_md5, NID_sha3_512}) (void)policy->digest(nid, t);
        }
        (void)policy->signer_ekus();
        (void)policy->revocation_required();
        (void)policy->revocation_max_age();
    });
    return 0;
}
