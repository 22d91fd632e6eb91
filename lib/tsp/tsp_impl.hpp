// Internal: timestamp verification with extra certificates (e.g. those of the CMS message that
// carries the token), used by CMS verification.
#pragma once

#include <memory>
#include <optional>
#include <functional>
#include <span>
#include <string>

#include <openssl/x509.h>

#include "tsign/tsp.hpp"
#include "x509/chain.hpp"

namespace tsign::detail {

/// verify_timestamp_data() with more intermediates offered for the TSA's path.
/// With embedded, the revocation data a signature carries (CAdES-LT) serve first; with used,
/// the certificates and revocation data that validated the TSA are added to it. poe: the time of
/// a proof that the token existed (a later archive timestamp), at which the validation policy
/// judges its algorithms; empty: now.
TimestampReport verify_timestamp_over(const Bytes& token, std::span<const std::uint8_t> data, const ChainOptions& chain,
                                      STACK_OF(X509) * extra_untrusted, const Evidence* embedded = nullptr,
                                      Evidence* used = nullptr, std::optional<std::int64_t> poe = std::nullopt);

/// The same against a digest computed by the caller (archive timestamps).
TimestampReport verify_timestamp_digest(const Bytes& token, std::span<const std::uint8_t> digest, const ChainOptions& chain,
                                        STACK_OF(X509) * extra_untrusted, const Evidence* embedded = nullptr,
                                        Evidence* used = nullptr, std::optional<std::int64_t> poe = std::nullopt);

/// Only the TSA's side of a token: the certificate its SignerInfo names and that certificate's
/// path at genTime (timestamping purpose), as verify_timestamp_digest() checks it. For renewing
/// archive timestamps, whose TSAs need validation data.
ChainReport validate_timestamp_signer(const Bytes& token, const ChainOptions& chain, STACK_OF(X509) * extra,
                                      const Evidence* embedded, Evidence* used);

/// The TSA's signing side, without the HTTP server: opens the key, checks that the certificate
/// has the critical timeStamping EKU (RFC 3161 §2.3), opens the archive (state_dir/tsa.db).
/// respond() parses a TimeStampReq (any bytes) and returns a DER TimeStampResp: a token archived
/// durably before it is returned, or a rejection. Thread-safe.
/// What the TSA answers: a DER TimeStampResp (a token, archived, or a rejection), or an HTTP
/// error when the token could not be archived (503: it was not issued).
struct TsaAnswer {
    int status = 200;
    Bytes der;
    std::string error;
};

class TsaResponder {
public:
    explicit TsaResponder(const TsaServeOptions& options);
    /// Answers what is still queued (flush()), then closes the archive and the key.
    ~TsaResponder();
    TsaResponder(const TsaResponder&) = delete;
    TsaResponder& operator=(const TsaResponder&) = delete;
    /// Signs on the calling thread; done runs on the archiver thread once the token is durable
    /// (or its commit failed), or at once on the calling thread for a rejection. Throws Error when
    /// the key is not available.
    void respond_async(const Bytes& query, std::function<void(TsaAnswer)> done);
    /// The same, waiting. Throws Errc::network when the token could not be archived.
    Bytes respond(const Bytes& query);
    /// Waits until every queued token is committed and answered.
    void flush();
    /// tsign_tsa_* metrics in the Prometheus text format.
    void metrics(std::string& out) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// SHA-256 (or another digest) of a file, streamed.
Bytes digest_file(const std::string& path, const EVP_MD* md);

}  // namespace tsign::detail
