// Internal: verification shared by `verify` and `extend` (which refuses what would not verify).
#pragma once

#include <optional>

#include <nlohmann/json.hpp>
#include <openssl/bio.h>
#include <openssl/cms.h>

#include "tsign/cms.hpp"
#include "x509/chain.hpp"

namespace tsign::detail {

/// What a caller that holds the signed content itself (a PDF's ByteRange) adds to verification.
struct ExternalContent {
    BIO* content = nullptr;           ///< the signed content, read once (not owned)
    Evidence evidence;                ///< validation data held outside the signature (a PDF's DSS)
    std::optional<std::int64_t> poe;  ///< a proof of existence of the signature (a later document timestamp)
};

/// verify_signature() (without trust anchors every path fails: callers that only want the
/// signer-level checks look at those); with content_optional, a detached signature without its document is
/// verified but for the message digest (a warning says so) instead of being refused.
VerifyReport verify_signed_data(const Bytes& signature, const VerifyOptions& options, bool content_optional,
                                const ExternalContent* external = nullptr);

/// The CAdES-LT step's validation of one signer (EN 319 122-1 §5.5): its signature timestamps,
/// its path at the proven time (revocation as co says) and its archive timestamps' TSAs; `ev`
/// receives the certificates, CRLs and OCSP responses used. `outside`: validation data held
/// outside the signer (a PDF's DSS). Throws Errc::not_valid / Errc::network when one does not validate.
void signer_lt_evidence(CMS_SignerInfo* si, int index, STACK_OF(X509) * msg_certs, TrustMaterial& tm, const ChainOptions& co,
                        const Evidence* outside, Evidence& ev);

/// Adds a finding (and its message to errors).
void add_finding(SignerReport& r, FindingCode code, FindingScope scope, std::string message, int depth = -1,
                 std::string subject = {});
/// ETSI EN 319 102-1 §5.1.3: sets valid, indication and sub-indication from the findings.
void set_signer_indication(SignerReport& r);
/// One signer of a report, as `verify --json` prints it.
nlohmann::ordered_json signer_json(const SignerReport& s);
/// One signer for people (the lines after its heading).
std::string signer_text(const SignerReport& s, bool jalali, const std::string& level_prefix = "CAdES ");

}  // namespace tsign::detail
