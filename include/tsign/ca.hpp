/// @file ca.hpp
/// The certificate authority: a folder with its certificate, its key (a file or a token URI), YAML
/// profiles, and an SQLite database of certificates, revocations, CRL numbers and a hash-chained audit log.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tsign/io.hpp"
#include "tsign/keys.hpp"

// Everything declared here is the library's public interface (exported from libtsign.so).
#pragma GCC visibility push(default)

namespace tsign {

/// How the CA's key is reached (the spec itself is in the CA's config). Filled by field name.
struct CaKeyAccess {
    PinSource pin;                    ///< PIN or passphrase of the CA key
    std::string pkcs11_module;        ///< overrides the module for a token key
    bool allow_final_pin_try = false;
};

/// Options of ca_init(). Filled by field name.
struct CaInitOptions {
    std::string dir;                  ///< the CA folder (created; must not hold a CA yet)
    std::string subject;              ///< slash-form DN, UTF-8
    std::string key_spec;             ///< an existing key: file or pkcs11: URI (the CA key never leaves a token)
    std::optional<KeyType> key_type;  ///< or: generate an encrypted key file CA/ca.key of this type
    CaKeyAccess key;                  ///< PIN / passphrase of the new CA's key
    std::string parent_dir;           ///< intermediate CA: the parent CA folder that signs it
    CaKeyAccess parent_key;           ///< PIN / passphrase of the parent's key
    int days = 0;                     ///< validity; 0: 7300 for a root, 3650 for an intermediate
    int path_length = -1;             ///< intermediate: pathLenConstraint (-1: the profile's)
    std::string crl_url;              ///< CRL distribution point put in issued certificates
    std::string ocsp_url;             ///< AIA OCSP URL put in issued certificates
    std::string issuer_url;           ///< AIA caIssuers URL put in issued certificates
};

/// A certificate the CA issued.
struct CaRecord {
    std::string serial;               ///< uppercase hex
    std::string subject;              ///< UTF-8
    std::string profile;
    std::int64_t not_before = 0, not_after = 0;
    std::string status;               ///< valid | revoked | hold | expired
    std::optional<std::int64_t> revoked_at;
    std::string reason;               ///< RFC 5280 reason name, when revoked
};

/// Options of CertificateAuthority::issue(). Filled by field name.
struct IssueOptions {
    std::string profile = "signer";
    int days = 0;                     ///< 0: the profile's default
};

/// One entry of the audit log.
struct AuditEntry {
    std::int64_t id = 0;
    std::int64_t time = 0;
    std::string actor, action, details, hash;
    bool chain_ok = true;
};

/// A CRL the CA signed, and what it holds.
struct CaCrl {
    Bytes der;
    std::int64_t number = 0;                        ///< its cRLNumber
    std::int64_t this_update = 0, next_update = 0;  ///< Unix seconds
    std::size_t entries = 0;                        ///< certificates listed (revoked or on hold)
};

/// Creates a root CA, or an intermediate signed by the parent CA. Returns the CA certificate (DER).
/// A CA that may issue CA certificates (a root, or an intermediate whose path length allows
/// sub-CAs) without a CRL or OCSP URL is created, with a warning (set_warning_handler): the CA
/// and TSA certificates it issues would carry no revocation pointer, and LT/LTA fails on them.
Bytes ca_init(const CaInitOptions& options);

/// An open CA. Every state change is one SQLite transaction, recorded in the audit log.
class CertificateAuthority {
public:
    /// Opens the CA in dir. The key is opened on first use (issue, crl, OCSP signing).
    CertificateAuthority(const std::string& dir, CaKeyAccess key);
    /// Closes the CA (its database and key).
    ~CertificateAuthority();
    CertificateAuthority(const CertificateAuthority&) = delete;
    CertificateAuthority& operator=(const CertificateAuthority&) = delete;

    /// The CA certificate (DER).
    Bytes certificate() const;

    /// Issues a certificate from a CSR (PEM or DER) after checking its self-signature, key
    /// strength and the profile's rules. The row is committed before anything is written.
    /// Returns the certificate (DER). Errors: Errc::malformed / weak_key / unsupported (exit 3).
    Bytes issue(const Bytes& csr, const IssueOptions& options);

    /// Issues an encryption certificate for a public key (SubjectPublicKeyInfo, PEM or DER) and a subject
    /// (slash or RFC 4514 form), without a CSR: a key that only decrypts or derives (a token key
    /// made with `token keygen --usage encrypt`) cannot sign one. Only profiles whose key usage
    /// allows no signature (keyEncipherment, keyAgreement, dataEncipherment) may be used this way;
    /// anything else is Errc::profile_violation. Otherwise as issue().
    Bytes issue_for_key(const Bytes& spki_der, const std::string& subject, const IssueOptions& options);

    /// Revokes a certificate (RFC 5280 reason name; "certificateHold" can be released). A certificate
    /// revoked already (or put on hold twice) is Errc::state_conflict, naming the existing revocation;
    /// a certificate on hold may be revoked for good.
    void revoke(const std::string& serial_hex, const std::string& reason, std::optional<std::int64_t> when = {});
    /// Releases a certificateHold (and nothing else: anything else is Errc::state_conflict).
    void unrevoke(const std::string& serial_hex);
    /// Signs a new CRL (monotonic CRL number, AKI, nextUpdate = now + hours). Returns DER.
    Bytes make_crl(int next_update_hours = 24);
    /// The same with the validity in seconds.
    Bytes make_crl_seconds(std::int64_t validity_seconds);
    /// make_crl(), with what was signed (number, times, entries).
    CaCrl sign_crl(int next_update_hours = 24);
    /// The newest CRL, if one was made, with its nextUpdate.
    std::optional<std::pair<Bytes, std::int64_t>> current_crl();

    /// Certificates, optionally only those with a status ("valid", "revoked", "expired").
    std::vector<CaRecord> list(const std::string& status = {});
    /// Looks up one certificate.
    std::optional<CaRecord> find(const std::string& serial_hex);
    /// The record of a certificate this CA issued (DER or PEM), looked up by its serial number.
    /// Errc::file_not_found when the CA has none.
    CaRecord record_of(const Bytes& certificate);

    /// The audit log; with verify, chain_ok tells whether each entry's hash chain holds.
    std::vector<AuditEntry> audit(bool verify = false);

    /// The CA's directory.
    const std::string& dir() const;

    /// Internal state (database, key, certificate).
    struct Impl;
    Impl& impl() { return *impl_; }

private:
    std::unique_ptr<Impl> impl_;
};

/// Normalises a serial number given by a user ("0a:1b", "A1B", "00a1b") to uppercase hex.
std::string normalize_serial(const std::string& text);

}  // namespace tsign

#pragma GCC visibility pop
