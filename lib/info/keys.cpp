// tsign info: private keys (described without their secret), public keys, PKCS#12 files.
#include <openssl/x509.h>

#include "info/info_impl.hpp"

namespace tsign::info {

json private_key_json(const std::string& format, bool encrypted, EVP_PKEY* pkey, const std::string& enc_alg) {
    json j;
    j["type"] = "private-key";
    j["format"] = format;
    j["encrypted"] = encrypted;
    if (!enc_alg.empty()) j["encryption"] = enc_alg;
    if (pkey) j["public_key"] = public_key_json(pkey);
    return j;
}

std::string encryption_of(const X509_SIG* sig) {
    const X509_ALGOR* alg = nullptr;
    X509_SIG_get0(sig, &alg, nullptr);
    const ASN1_OBJECT* obj = nullptr;
    if (alg != nullptr) X509_ALGOR_get0(&obj, nullptr, nullptr, alg);
    return obj ? obj_name(obj) : "unknown";
}

}  // namespace tsign::info
