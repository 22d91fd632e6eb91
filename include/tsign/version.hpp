/// @file version.hpp
/// Version information.
#pragma once

#include <string>

// Everything declared here is the library's public interface (exported from libtsign.so).
#pragma GCC visibility push(default)

namespace tsign {

/// tsign's version ("0.1.0").
std::string version();
/// The OpenSSL version in use at run time.
std::string openssl_version();
/// The libp11 version tsign was built with.
std::string libp11_version();

/// One-time library initialisation (safe to call more than once; called by every entry point
/// that needs it).
void initialize();

}  // namespace tsign

#pragma GCC visibility pop
