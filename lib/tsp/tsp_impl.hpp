// Internal: timestamp verification with extra certificates (e.g. those of the CMS message that
// carries the token), used by CMS verification.
#pragma once

#include <span>

#include <openssl/x509.h>

#include "tsign/tsp.hpp"

namespace tsign::detail {

/// verify_timestamp_data() with more intermediates offered for the TSA's path.
TimestampReport verify_timestamp_over(const Bytes& token, std::span<const std::uint8_t> data, const ChainOptions& chain,
                                      STACK_OF(X509) * extra_untrusted);

}  // namespace tsign::detail
