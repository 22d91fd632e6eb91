// Internal: verification shared by `verify` and `extend` (which refuses what would not verify).
#pragma once

#include "tsign/cms.hpp"

namespace tsign::detail {

/// verify_signature() (without trust anchors every path fails: callers that only want the
/// signer-level checks look at those); with content_optional, a detached signature without its document is
/// verified but for the message digest (a warning says so) instead of being refused.
VerifyReport verify_signed_data(const Bytes& signature, const VerifyOptions& options, bool content_optional);

}  // namespace tsign::detail
