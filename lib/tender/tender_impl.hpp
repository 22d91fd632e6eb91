// Internal: what the tender files share: signed JSON documents, strict JSON reading, Shamir
// sharing (libgfshare), RFC 9162 Merkle trees, and the portal's store.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cms/cms_util.hpp"
#include "core/db.hpp"
#include "core/ossl.hpp"
#include "tsign/tender.hpp"

namespace tsign::tender {

using json = nlohmann::ordered_json;

// The "format" of each JSON document tsign signs for a tender.
inline constexpr const char* kDescriptorFormat = "tsign-tender-descriptor-1";
inline constexpr const char* kReceiptFormat = "tsign-tender-receipt-1";
inline constexpr const char* kListFormat = "tsign-tender-list-1";
inline constexpr const char* kShareSetFormat = "tsign-tender-shares-1";

inline constexpr std::size_t kSecretBytes = 32;               ///< the key-encryption secret (AES-256 key wrap)
inline constexpr std::size_t kMaxDescriptorBytes = 4u << 20;  ///< descriptor, receipts, lists, share sets
inline constexpr std::size_t kMaxPackageBytes = std::size_t{2} << 30;

/// A CAdES (B-B, or B-T with TSAs) attached SignedData over the bytes, by the signer. DER.
Bytes sign_attached(Signer& signer, std::span<const std::uint8_t> content, const std::vector<std::string>& chain_files,
                    const std::vector<std::string>& tsa_urls, int tsa_timeout, const std::string& what);

/// A SignedData with one signer whose signature verifies and whose certificate is `pinned` (DER).
/// Returns the encapsulated content. Throws Errc::not_valid / Errc::malformed naming `what`.
Bytes verify_pinned(const Bytes& signed_data, const Bytes& pinned, const std::string& what);

/// The encapsulated content of a SignedData (no verification). Throws Errc::malformed.
Bytes content_of(const Bytes& signed_data, const std::string& what);

/// Parses a JSON object; its "format" must be `format`. Throws Errc::malformed.
json parse_document(std::span<const std::uint8_t> text, const char* format, const std::string& what);
std::string get_string(const json& j, const char* key, const std::string& what);
std::int64_t get_int(const json& j, const char* key, const std::string& what);
const json& get_array(const json& j, const char* key, const std::string& what);
Bytes get_base64(const json& j, const char* key, const std::string& what);

std::string base64(std::span<const std::uint8_t> data);
Bytes unbase64(const std::string& text, const std::string& what);
std::string sha256_hex(std::span<const std::uint8_t> data);

/// The RFC 4514 subject of a DER certificate, and its common name.
std::string subject_of(const Bytes& cert_der);
std::string common_name_of(const Bytes& cert_der);

/// A secret held in locked, wiped memory.
class SecretBytes {
public:
    explicit SecretBytes(std::size_t n);
    ~SecretBytes();
    SecretBytes(const SecretBytes&) = delete;
    SecretBytes& operator=(const SecretBytes&) = delete;
    SecretBytes(SecretBytes&& o) noexcept;
    unsigned char* data() { return p_.get(); }
    const unsigned char* data() const { return p_.get(); }
    std::size_t size() const { return n_; }

private:
    ossl::SecureBufPtr p_;
    std::size_t n_ = 0;
};

/// Shamir's k-of-n sharing of a secret over GF(256) (libgfshare; randomness from OpenSSL).
/// xs: the share numbers (1..255, distinct). Returns one share per x, the secret's size each.
std::vector<SecretBytes> shamir_split(const SecretBytes& secret, const std::vector<unsigned char>& xs, int threshold);
/// Recombines k shares (x, share).
SecretBytes shamir_combine(const std::vector<unsigned char>& xs, const std::vector<const SecretBytes*>& shares);

/// RFC 9162 §2.1.1: the leaf hash SHA-256(0x00 || data).
Bytes merkle_leaf(std::span<const std::uint8_t> data);
/// RFC 9162 §2.1.1: the tree hash of leaf hashes (SHA-256 of the empty string for none).
Bytes merkle_root(const std::vector<Bytes>& leaves);
/// RFC 9162 §2.1.3.1: the inclusion proof of leaf m.
std::vector<Bytes> merkle_path(const std::vector<Bytes>& leaves, std::size_t m);
/// RFC 9162 §2.1.3.2: the root that the path leads to from the leaf (empty when the path is malformed).
Bytes merkle_root_from_path(std::size_t index, std::size_t size, const Bytes& leaf, const std::vector<Bytes>& path);

/// The portal's state: tender.db in the state folder.
class Store {
public:
    Store(const std::string& state_dir, bool create);
    db::Db& db() { return *db_; }
    static std::string path(const std::string& state_dir);

private:
    std::unique_ptr<db::Db> db_;
};

/// The package content, parsed from the bidder's SignedData (after or without verification).
struct Package {
    std::string tender_id, envelope;
    Bytes descriptor_hash;
    int threshold = 0;
    struct Share {
        int member = 0;
        Bytes cert_hash, sealed;
    };
    std::vector<Share> shares;
    Bytes payload;  ///< DER ContentInfo (AuthEnvelopedData)
};
/// Parses the DER TenderPackage. Throws Errc::malformed.
Package parse_package(std::span<const std::uint8_t> content);
/// Encodes a TenderPackage.
Bytes encode_package(const Package& p);

/// The receipt JSON's fields, parsed (no verification).
/// With token / descriptor_sha256, also the timestamp token and the descriptor hash it names.
TenderReceiptInfo parse_receipt_content(const Bytes& content, const std::string& what, Bytes* token,
                                        std::string* descriptor_sha256 = nullptr);

/// Data in an EnvelopedData (AES-256-CBC) to one certificate: RSA-OAEP (SHA-256) or ECDH (X9.63 KDF, SHA-256).
Bytes seal_to(std::span<const std::uint8_t> data, const Bytes& cert_der);

/// Decrypts an EnvelopedData with a private key (file or token) and its certificate, into locked
/// memory. Throws Errc::not_valid when it is not for this key or does not decrypt.
SecretBytes unseal_with(const Bytes& enveloped, EVP_PKEY* key, X509* cert, std::size_t max, const std::string& what);

/// A member's share set, read and checked against the tender, the envelope and the closing list.
struct ShareSet {
    int member = 0;
    std::vector<std::pair<std::string, SecretBytes>> shares;  ///< package SHA-256 (hex), share
};
/// Reads the (decrypted) JSON of a share set. Throws Errc::not_valid for one of another tender,
/// envelope or list, or not from a member; Errc::malformed otherwise.
ShareSet read_share_set(std::span<const std::uint8_t> text, const TenderDescriptor& t, const std::string& envelope,
                        const std::string& list_root, const std::string& what);

/// Throws Errc::usage, listing the tender's envelopes, unless it has this one.
void require_envelope(const TenderDescriptor& t, const std::string& envelope);

/// Throws Errc::usage unless the portal key's certificate is the descriptor's portal certificate.
void check_portal_key(const TenderDescriptor& t, const Signer& portal);

/// The clock of the portal options.
std::int64_t now_of(const TenderPortalOptions& o);

/// The private EVP_PKEY of a key (file or token) for decryption. Errc::unsupported for other signers.
EVP_PKEY* private_key_of(Signer& signer);

}  // namespace tsign::tender
