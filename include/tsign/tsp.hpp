/// @file tsp.hpp
/// RFC 3161 timestamps: client, verification, and the timestamp authority (TSA) server.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tsign/io.hpp"
#include "tsign/server.hpp"
#include "tsign/keys.hpp"
#include "tsign/verify.hpp"

// Everything declared here is the library's public interface (exported from libtsign.so).
#pragma GCC visibility push(default)

namespace tsign {

/// Where and how to ask for a timestamp. Filled by field name.
struct TimestampOptions {
    std::vector<std::string> urls;      ///< tried in order until one answers correctly
    int timeout_seconds = 10;           ///< per URL
    DigestAlgorithm digest = DigestAlgorithm::sha256;
    std::string policy;                 ///< requested policy OID (optional)
};

/// Asks a TSA for a timestamp over the given digest (RFC 3161 §2.4.1: nonce, certReq) and checks
/// the reply (status granted, same nonce and imprint). Returns the TimeStampResp (DER).
/// Throws Errc::network when no TSA gave a correct reply.
Bytes request_timestamp(std::span<const std::uint8_t> digest, const TimestampOptions& options);

/// Hashes a file (streamed) and asks for a timestamp over it. Returns the TimeStampResp (DER).
Bytes timestamp_file(const std::string& path, const TimestampOptions& options);

/// Hashes bytes in memory (options.digest) and asks for a timestamp over them. Returns the TimeStampResp (DER).
Bytes timestamp_data(std::span<const std::uint8_t> data, const TimestampOptions& options);

/// The TimeStampToken (a CMS SignedData, DER) inside a TimeStampResp.
Bytes token_of_response(const Bytes& response);

/// What a timestamp token says, and whether it verified.
struct TimestampReport {
    bool valid = false;
    std::int64_t time = 0;              ///< genTime
    std::int64_t accuracy = 0;          ///< the token's accuracy in seconds (rounded up); 0 when absent
    std::string serial, policy, tsa, digest_algorithm;
    std::vector<std::string> chain;     ///< the TSA's path, TSA first
    RevocationStatus revocation = RevocationStatus::not_checked;  ///< of the TSA's certificate
    std::vector<std::string> errors;    ///< the findings' messages
    std::vector<Finding> findings;      ///< every problem with its stable code (scope chain: the TSA's path; signer: the token)
    std::vector<std::string> notes;     ///< what was not checked
    std::string policy_name, policy_sha256;  ///< the validation policy used
    /// The report as one JSON document.
    std::string to_json() const;
};

/// What the caller expects of a timestamp besides a valid signature over the right data.
struct TimestampExpectations {
    Bytes request;            ///< the TimeStampReq (DER) the token answers: nonce, imprint and policy must match
    std::string tsa_subject;  ///< the TSA's certificate subject ("/CN=.../O=...") the token must be signed by
};

/// Verifies a token or a full response against a digest of the timestamped data: the TSA's
/// signature, its certificate (critical timeStamping EKU) and path at genTime, the imprint.
TimestampReport verify_timestamp(const Bytes& token_or_response, std::span<const std::uint8_t> digest,
                                 const ChainOptions& chain, const TimestampExpectations& expect = {});

/// The same against data in memory (hashed with the token's imprint algorithm).
TimestampReport verify_timestamp_data(const Bytes& token_or_response, std::span<const std::uint8_t> data,
                                      const ChainOptions& chain);

/// The same against a file (hashed with the token's imprint algorithm).
TimestampReport verify_timestamp_file(const Bytes& token_or_response, const std::string& path, const ChainOptions& chain,
                                      const TimestampExpectations& expect = {});

/// Options of tsa_serve(). Filled by field name.
struct TsaServeOptions {
    KeyOptions key;                     ///< the TSA key and certificate (KeyOptions.cert_file)
    /// PEM bundles (or DER certificates) of the TSA's intermediate CAs. Tokens answering a request
    /// with certReq carry the TSA certificate and these (a self-signed root among them is left
    /// out: verifiers bring their own). They must chain the TSA certificate (Errc::malformed otherwise).
    std::vector<std::string> chain_files;
    std::string listen = "127.0.0.1:8080";
    std::string policy = "1.3.6.1.4.1.57264.1.1";  ///< default policy OID of issued tokens
    std::string state_dir = ".";        ///< holds tsa.db (serials and the archive of issued tokens)
    std::size_t max_request = 16 * 1024;          ///< larger requests are refused (HTTP 413)
    ServerLimits server;                          ///< connections, deadlines, threads, access log
    std::function<void(const std::string&)> log;  ///< one line per event and per request (may be empty)
};

/// Serves RFC 3161 over HTTP (POST application/timestamp-query) until SIGINT / SIGTERM.
/// Refuses to start unless the certificate has the critical timeStamping EKU (RFC 3161 §2.3), or
/// when the chain files do not chain it.
void tsa_serve(const TsaServeOptions& options);

/// One issued timestamp in the TSA's archive.
struct TsaRecord {
    std::string serial;  ///< uppercase hex, as in the token
    std::int64_t time = 0;
    std::string digest_algorithm, imprint_hex, policy;
};

/// The archive of issued timestamps in a TSA state folder.
std::vector<TsaRecord> tsa_list(const std::string& state_dir);

}  // namespace tsign

#pragma GCC visibility pop
