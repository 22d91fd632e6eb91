// Shared helpers of the unit tests.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

namespace tsign::test {

/// A temporary folder, removed with everything in it at the end of the scope.
struct TempDir {
    std::filesystem::path path;
    TempDir() {
        char tmpl[] = "/tmp/tsign-unit-XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string operator/(const std::string& name) const { return (path / name).string(); }
};

/// A self-signed certificate for the key in key_path (DER), made with OpenSSL directly.
inline void make_cert(const std::string& key_path, const std::string& cert_path) {
    BIO* b = BIO_new_file(key_path.c_str(), "rb");
    EVP_PKEY* pk = d2i_PrivateKey_bio(b, nullptr);
    BIO_free(b);
    REQUIRE(pk != nullptr);
    X509* x = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_NAME* n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("t"), -1, -1, 0);
    X509_set_issuer_name(x, n);
    X509_set_pubkey(x, pk);
    X509_sign(x, pk, EVP_sha256());
    BIO* o = BIO_new_file(cert_path.c_str(), "wb");
    PEM_write_bio_X509(o, x);
    BIO_free(o);
    X509_free(x);
    EVP_PKEY_free(pk);
}

}  // namespace tsign::test
