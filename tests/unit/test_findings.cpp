// The stable codes of verification (findings.hpp) and the validation policy's algorithm rules.
#include <doctest/doctest.h>

#include <cstdio>

#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include "policy/policy.hpp"
#include "tsign/cms.hpp"
#include "tsign/error.hpp"
#include "tsign/findings.hpp"
#include "tsign/io.hpp"
#include "tsign/time.hpp"

using namespace tsign;

TEST_CASE("finding codes, indications and scopes have stable JSON strings that read back") {
    CHECK(std::string(to_string(Indication::indeterminate)) == "INDETERMINATE");
    CHECK(std::string(to_string(SubIndication::out_of_bounds_no_poe)) == "OUT_OF_BOUNDS_NO_POE");
    CHECK(std::string(to_string(SubIndication::none)).empty());
    CHECK(std::string(to_string(FindingCode::algorithm_expired)) == "algorithm_expired");
    CHECK(std::string(to_string(FindingScope::signature_timestamp)) == "signature-timestamp");
    CHECK(std::string(to_string(TimeSource::archive_timestamp)) == "archive-timestamp");
    for (int i = 0; i <= static_cast<int>(FindingCode::malformed_signed_attributes); ++i) {
        const auto code = static_cast<FindingCode>(i);
        CHECK(finding_code_from_string(to_string(code)) == code);
    }
    for (int i = 1; i <= static_cast<int>(SubIndication::signed_data_not_found); ++i) {
        const auto sub = static_cast<SubIndication>(i);
        CHECK(sub_indication_from_string(to_string(sub)) == sub);
    }
    CHECK_FALSE(finding_code_from_string("no_such_code").has_value());
    CHECK_FALSE(indication_from_string("VALID").has_value());
}

TEST_CASE("the built-in policy: end dates, never-accepted algorithms, keys") {
    const auto p = detail::Policy::builtin();
    CHECK(p->info().name == "tsign-default-2026");
    const std::int64_t y2008 = parse_iso8601("2008-06-01"), y2026 = parse_iso8601("2026-06-01");
    CHECK(p->digest(NID_sha256, y2026).ok());
    CHECK(p->digest(NID_sha1, y2008).ok());
    CHECK(p->digest(NID_sha1, parse_iso8601("2009-12-31T23:59:59Z")).ok());  // the end date is the whole day
    CHECK(p->digest(NID_sha1, parse_iso8601("2010-01-01")).verdict == detail::CryptoVerdict::expired);
    CHECK(p->digest(NID_md4, y2008).verdict == detail::CryptoVerdict::never);
    EVP_PKEY* rsa1024 = EVP_RSA_gen(1024);
    EVP_PKEY* rsa2048 = EVP_RSA_gen(2048);
    REQUIRE(rsa1024);
    REQUIRE(rsa2048);
    CHECK(p->key(rsa1024, y2008).ok());
    CHECK(p->key(rsa1024, y2026).verdict == detail::CryptoVerdict::expired);
    CHECK(p->key(rsa2048, y2026).ok());
    EVP_PKEY_free(rsa1024);
    EVP_PKEY_free(rsa2048);
    CHECK_FALSE(p->signer_ekus().empty());
    CHECK_FALSE(p->revocation_required());
    CHECK_FALSE(p->revocation_max_age().has_value());
}

TEST_CASE("a policy file that is not one is refused with the key named") {
    CHECK_THROWS_AS(detail::Policy::load("/nonexistent/policy.yaml"), Error);
    auto code_of = [](const std::string& path) {
        try {
            detail::Policy::load(path);
        } catch (const Error& e) {
            return e.code();
        }
        return Errc::internal;
    };
    CHECK(code_of("/dev/null") == Errc::file_unreadable);  // a device is refused before it is read
    const std::string empty = "/tmp/tsign-unit-empty-policy.yaml";
    write_file_atomic(empty, std::string(), {.force = true});
    CHECK(code_of(empty) == Errc::malformed);
    write_file_atomic(empty, std::string("name: x\ndigests: {sha256: null}\npublic_keys: [{type: rsa}]\nextra: 1\n"), {.force = true});
    try {
        detail::Policy::load(empty);
        FAIL("an unknown key was accepted");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::malformed);
        CHECK(std::string(e.what()).find("unknown key 'extra'") != std::string::npos);
    }
    std::remove(empty.c_str());
}
