#pragma once
#include <string>

#include "core/ossl.hpp"

namespace tsign::detail {
/// Parses "/CN=.../O=.../C=IR" (UTF-8; "\/" escapes a slash) into an X509_NAME with UTF8String
/// values (PrintableString where RFC 5280 demands it, as for countryName). Throws Errc::usage.
ossl::X509NamePtr parse_slash_dn(const std::string& dn);
}  // namespace tsign::detail
