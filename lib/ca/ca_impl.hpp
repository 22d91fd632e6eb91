// Internal: the state of an open CA, shared by the CA operations and the OCSP responder.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>

#include "core/db.hpp"
#include "core/ossl.hpp"
#include "keys/signer_impl.hpp"
#include "tsign/ca.hpp"

namespace tsign {

/// A CA folder's config.yaml, every value type-checked when it is read.
struct CaConfig {
    std::string subject;
    std::string key;                            ///< a key file (relative to the CA folder) or a pkcs11: URI
    std::string pkcs11_module;                  ///< empty: the usual search
    std::string crl_url, ocsp_url, issuer_url;  ///< empty: not written into certificates
    int crl_next_update_hours = 24;
};

/// Reads and type-checks DIR/config.yaml (at most 1 MiB). Throws Errc::malformed naming the key.
CaConfig load_ca_config(const std::filesystem::path& file);

struct CertificateAuthority::Impl {
    Impl(const std::string& dir, CaKeyAccess key);
    ~Impl();

    std::filesystem::path dir;
    std::string dir_str;
    CaKeyAccess key_access;
    CaConfig config;
    ossl::X509Ptr cert;
    std::unique_ptr<db::Db> db;
    std::unique_ptr<Signer> key;
    std::mutex key_mutex;
    int path_length_override = -1;

    const std::string& dir_string() {
        dir_str = dir.string();
        return dir_str;
    }
    /// The CA key, opened on first use.
    Signer& signer();
    /// Drops and reopens the key (after a token session failed).
    void reopen_key();
    void reopen_key_locked();
    /// The digest for the CA's signatures.
    const EVP_MD* digest();
    /// Appends an audit entry (inside the caller's transaction).
    void audit(const std::string& action, const std::string& details);
    static void audit_into(db::Db& database, const std::string& action, const std::string& details);
    void sign_certificate(X509* x);
    /// Signs a new CRL valid for validity seconds (one transaction, audited).
    CaCrl sign_crl(std::int64_t validity);
};

}  // namespace tsign
