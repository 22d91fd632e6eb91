// Timestamp response / token verification (`tsign timestamp verify`): the input is a
// TimeStampResp or a bare TimeStampToken over the 5 bytes "hello", checked against the TSA roots
// of the RFC 3161 conformance fixtures and the sample PKI.
#include "fuzz_common.hpp"
#include "tsign/tsp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const tsign::ChainOptions o = [] {
        tsign::ChainOptions c;
        c.trust_files = {fuzz::source("tests/fuzz/fixtures/tsp-trust.pem")};
        c.untrusted_files = {fuzz::source("tests/fuzz/fixtures/tsp-untrusted.pem")};
        c.fetch = false;
        return c;
    }();
    static const std::uint8_t hello[] = {'h', 'e', 'l', 'l', 'o'};
    const tsign::Bytes input = fuzz::bytes(data, size);
    fuzz::refuse_or_run([&] {
        const tsign::TimestampReport r = tsign::verify_timestamp_data(input, hello, o);
        fuzz::require_utf8("timestamp verify --json", r.to_json());
    });
    fuzz::refuse_or_run([&] { (void)tsign::token_of_response(input); });
    return 0;
}
