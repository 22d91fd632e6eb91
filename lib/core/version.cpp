#include "tsign/version.hpp"

#include <mutex>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "tsign_version.hpp"

#ifndef TSIGN_LIBP11_VERSION
#define TSIGN_LIBP11_VERSION "unknown"
#endif

namespace tsign {

std::string version() { return TSIGN_VERSION_STRING; }
std::string openssl_version() { return OpenSSL_version(OPENSSL_VERSION); }
std::string libp11_version() { return "libp11 " TSIGN_LIBP11_VERSION; }

void initialize() {
    static std::once_flag once;
    std::call_once(once, [] { OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CRYPTO_STRINGS, nullptr); });
}

}  // namespace tsign
