#pragma once
#include <string>

#include "core/ossl.hpp"

namespace tsign::detail {
/// Parses "/CN=.../O=.../C=IR" (UTF-8; "\/" escapes a slash) into an X509_NAME with UTF8String
/// values (PrintableString where RFC 5280 demands it, as for countryName). Throws Errc::usage,
/// "invalid WHAT '...': why".
ossl::X509NamePtr parse_slash_dn(const std::string& dn, const std::string& what = "subject");

/// Parses the comma form that ossl::name_to_utf8() prints, "CN=علی رضایی, O=..., C=IR": the
/// attributes in the order written (the encoding order), RDNs separated by ',' (spaces around it
/// ignored), members of a multi-valued RDN by '+', RFC 4514 escapes in values (\, \+ ... and \XX
/// hex pairs), types as short or long names or dotted OIDs. Values are UTF8String (countryName
/// PrintableString), as parse_slash_dn(). Throws Errc::usage.
ossl::X509NamePtr parse_comma_dn(const std::string& dn, const std::string& what = "subject");

/// Either form: the slash form when the text starts with '/', else the comma form.
/// parse_dn(ossl::name_to_utf8(n)) compares equal (X509_NAME_cmp) to n.
ossl::X509NamePtr parse_dn(const std::string& dn, const std::string& what = "subject");
}  // namespace tsign::detail
