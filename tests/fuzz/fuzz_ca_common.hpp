// A throw-away CA on tmpfs for the harnesses that need one (OCSP requests, CSRs, CA YAML): an EC
// P-256 root with an unencrypted key file, replaced after kIssuancesPerCa issuances.
#pragma once

#include <filesystem>

#include "fuzz_common.hpp"
#include "tsign/ca.hpp"
#include "tsign/keys.hpp"

namespace fuzz {

inline tsign::CaKeyAccess ca_key() {
    setenv("TSIGN_FUZZ_PASS", "fuzz-passphrase", 1);
    tsign::CaKeyAccess k;
    k.pin = tsign::PinSource::parse("env:TSIGN_FUZZ_PASS");
    return k;
}

/// A new CA in scratch()/ca (an earlier one is removed), so that long runs do not fill tmpfs
/// with issued certificates. Returns the folder.
inline std::string new_ca() {
    tsign::CaInitOptions o;
    o.dir = scratch() + "/ca";
    std::filesystem::remove_all(o.dir);
    // An unencrypted key file: the harnesses open the CA often, and a scrypt-encrypted key
    // costs a second per opening (tsign's own CA keys are always encrypted). The fixture key and a
    // fixed subject: the seed OCSP requests name this CA (issuer name and key hashes).
    const std::string key = scratch() + "/ca-key.pem";
    if (!std::filesystem::exists(key)) {
        std::filesystem::copy_file(source("tests/fuzz/fixtures/ca-key.pem"), key);
        std::filesystem::permissions(key, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    }
    o.key_spec = key;
    o.subject = "/CN=Fuzz CA/O=tsign fuzzing";
    o.key = ca_key();
    o.crl_url = "http://127.0.0.1:1/ca.crl";
    o.ocsp_url = "http://127.0.0.1:1/ocsp";
    tsign::ca_init(o);
    return o.dir;
}

/// Issuances between two new_ca() in the harnesses that issue.
constexpr int kIssuancesPerCa = 20000;

}  // namespace fuzz
