/// @file tender.hpp
/// Sealed tender envelopes A and B: the signed tender descriptor, sealing by the bidder (CAdES
/// inside AuthEnvelopedData, the key-encryption secret split k of n among the commission with
/// Shamir's scheme), the portal's timestamped receipts, the closing list (a signed, timestamped
/// RFC 9162 Merkle root), the members' unsealing and the opening with its minutes.
///
/// Every layer is standard CMS: the descriptor, the package, the receipt and the closing list are
/// SignedData; the payload is AuthEnvelopedData (AES-256-GCM) with one KEKRecipientInfo; each share
/// is EnvelopedData to one member's encryption certificate. See docs/tender.md.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tsign/io.hpp"
#include "tsign/keys.hpp"
#include "tsign/server.hpp"
#include "tsign/verify.hpp"

// Everything declared here is the library's public interface (exported from libtsign.so).
#pragma GCC visibility push(default)

namespace tsign {

/// Options of tender_init(). Filled by field name.
struct TenderInitOptions {
    std::string id;                     ///< the tender's identifier ("T-1405-017")
    std::string title;                  ///< UTF-8
    std::int64_t deadline = 0;          ///< Unix seconds: no bid timestamped after it is received
    std::vector<std::string> tsa_urls;  ///< the TSAs the portal timestamps receipts with
    std::vector<std::string> envelopes{"A", "B"};
    std::vector<std::string> member_cert_files;  ///< the commission's encryption certificates, in order (index 1..n)
    int threshold = 0;                           ///< k: members needed to open (1..n)
    std::string portal_cert_file;                ///< the certificate whose key signs receipts and the closing list
    SignatureScheme scheme;
    std::vector<std::string> chain_files;  ///< extra certificates to embed in the descriptor's signature
};

/// Writes and signs (CAdES B-B, attached) the tender descriptor: a JSON document naming the tender,
/// its deadline, TSAs, envelopes, members (with their encryption certificates), threshold and portal.
/// Member certificates must allow key encipherment (RSA) or key agreement (EC). Returns DER.
Bytes tender_init(Signer& office, const TenderInitOptions& options);

/// One commission member.
struct TenderMember {
    int index = 0;            ///< 1..n: the x of the member's Shamir share
    std::string name;         ///< the certificate's common name (UTF-8)
    Bytes certificate;        ///< the encryption certificate (DER)
    std::string cert_sha256;  ///< hex
};

/// A tender descriptor whose office signature verified.
struct TenderDescriptor {
    std::string id, title;
    std::int64_t deadline = 0;
    std::vector<std::string> tsa_urls, envelopes;
    int threshold = 0;
    std::vector<TenderMember> members;
    Bytes portal_certificate;  ///< DER
    std::string office;        ///< the signer's subject (RFC 4514)
    std::string sha256;        ///< of the descriptor file (hex): what packages and receipts name
    Bytes der;                 ///< the descriptor file (SignedData)
    /// The members by index; nullptr when none has it.
    const TenderMember* member(int index) const;
    /// The descriptor as JSON (CLI.md: `tender show --json`).
    std::string to_json() const;
};

/// Verifies the office's signature (chain as `verify`), then reads the descriptor. Throws
/// Errc::not_valid when the signature does not verify, Errc::malformed for anything else.
TenderDescriptor load_tender_descriptor(const Bytes& descriptor, const ChainOptions& chain);

/// Options of tender_seal(). Filled by field name.
struct TenderSealOptions {
    std::string envelope;       ///< "A" or "B" (one of the descriptor's)
    std::string document_path;  ///< the bid document (streamed; "-" is standard input)
    SignatureScheme scheme;
    std::vector<std::string> chain_files;  ///< extra certificates for both of the bidder's signatures
};

/// Seals one envelope on the bidder's machine: signs the document (CAdES, attached), encrypts it
/// (AuthEnvelopedData, AES-256-GCM, fresh key) under a fresh 256-bit key-encryption secret
/// (KEKRecipientInfo, AES-256 key wrap), splits that secret k of n (Shamir over GF(256),
/// libgfshare), seals each share to one member (EnvelopedData: RSA-OAEP or ECDH), and signs the
/// whole package. Returns the package (a BER SignedData: the signed content is streamed).
/// The document and the package are streamed (a few MiB of memory whatever the size; the
/// ciphertext passes through an unnamed scratch file in the system's temporary folder).
Bytes tender_seal(const TenderDescriptor& tender, Signer& bidder, const TenderSealOptions& options);

/// tender_seal() into a file, written atomically (nothing is left behind on failure; an existing
/// file is replaced only with force). The scratch file is in the output's folder.
void tender_seal_file(const TenderDescriptor& tender, Signer& bidder, const TenderSealOptions& options,
                      const std::string& out_path, bool force);

/// What a package says on its outside (checked without opening it).
struct TenderPackageInfo {
    std::string tender_id, envelope, bidder;  ///< bidder: the outer signer's subject
    std::string bidder_cert_sha256, sha256;   ///< hex; sha256 of the package file
    int shares = 0;
};

/// Checks a package against the descriptor without opening it: the bidder's outer signature
/// (chain as `verify`), the tender, the descriptor hash, the envelope letter, the threshold, and
/// one share sealed to each member's certificate. Throws Errc::not_valid (with the reason) or
/// Errc::malformed.
TenderPackageInfo check_tender_package(const TenderDescriptor& tender, const Bytes& package, const ChainOptions& chain);

/// Options of tender_receive() and tender_serve(). Filled by field name.
struct TenderPortalOptions {
    std::string state_dir = ".";  ///< holds tender.db: packages, receipts, the closing state
    ChainOptions chain;           ///< how bidders' certificates are checked
    int tsa_timeout_seconds = 10;
    std::function<std::int64_t()> now;  ///< the clock (tests); empty: the system clock
};

/// The portal's receipt for one package.
struct TenderReceiptInfo {
    std::string tender_id, envelope, bidder, bidder_cert_sha256, package_sha256;
    std::int64_t time = 0;   ///< the TSA's genTime over the package hash
    std::int64_t seq = 0;    ///< order of receipt on the portal
    bool duplicate = false;  ///< the same package was received before (its first receipt is returned)
    Bytes der;               ///< the receipt (SignedData by the portal, the timestamp token inside)
};

/// Receives a package on the portal: checks it (check_tender_package), refuses it after the
/// deadline (Errc::not_valid) or after closing, timestamps its SHA-256, refuses it when the
/// timestamp is after the deadline, stores it and its receipt in one transaction, and returns the
/// receipt. Receiving the same package again returns its first receipt.
TenderReceiptInfo tender_receive(const TenderDescriptor& tender, Signer& portal, const Bytes& package,
                                 const TenderPortalOptions& options);

/// Verifies a receipt: the portal's signature (by the descriptor's portal certificate), its
/// content, the timestamp token (chain: the TSA's path) over the package hash, and its time before
/// the deadline. With package, also that the receipt is for it. Throws Errc::not_valid with the reason.
TenderReceiptInfo verify_tender_receipt(const TenderDescriptor& tender, const Bytes& receipt, const Bytes* package,
                                        const ChainOptions& chain);

/// Options of tender_serve(). Filled by field name.
struct TenderServeOptions {
    TenderPortalOptions portal;
    KeyOptions key;  ///< the portal key (its certificate: the descriptor's portal certificate)
    std::string listen = "127.0.0.1:8080";
    std::size_t max_package = std::size_t{128} << 20;  ///< larger packages: HTTP 413
    ServerLimits server;
    std::function<void(const std::string&)> log;
};

/// The tender portal over HTTP until SIGINT / SIGTERM: POST /submit (a package; 200 with the
/// receipt, 403 after the deadline or closing, 422 refused, 503 TSA unavailable), GET /healthz, /metrics.
void tender_serve(const TenderDescriptor& tender, const TenderServeOptions& options);

/// Sends a package to a portal (URL of its /submit) and verifies the receipt it answers with.
/// Throws Errc::network when the portal cannot be reached or refuses, Errc::not_valid when the
/// receipt does not verify.
TenderReceiptInfo tender_submit(const TenderDescriptor& tender, const Bytes& package, const std::string& url,
                                const ChainOptions& chain, int timeout_seconds = 60);

/// Closes the tender on the portal (at or after the deadline; Errc::usage before): no package is
/// received afterwards. Returns the closing list (DER SignedData by the portal, with a signature
/// timestamp): every receipt, in order, and their RFC 9162 Merkle tree root. Closing again returns
/// the same list.
Bytes tender_close(const TenderDescriptor& tender, Signer& portal, const TenderPortalOptions& options);

/// One entry of the closing list.
struct TenderListEntry {
    std::int64_t seq = 0, time = 0;
    std::string envelope, bidder, package_sha256, receipt_sha256, leaf_hash;  ///< hex
};

/// A verified closing list.
struct TenderList {
    std::string tender_id, root;  ///< root: hex Merkle tree hash
    std::int64_t closed_at = 0, timestamp_time = 0;
    std::vector<TenderListEntry> entries;
};

/// Verifies a closing list: the portal's signature, its timestamp, the tender, and that its root
/// is the Merkle tree hash of its entries. Throws Errc::not_valid.
TenderList verify_tender_list(const TenderDescriptor& tender, const Bytes& list, const ChainOptions& chain);

/// An RFC 9162 inclusion proof of one receipt in a closing list.
struct TenderInclusion {
    std::int64_t index = 0, tree_size = 0;
    std::string leaf_hash, root;
    std::vector<std::string> path;  ///< hex, leaf to root
    TenderListEntry entry;
};

/// Checks that the receipt is in the (verified) list: its RFC 9162 audit path leads to the root.
/// Throws Errc::not_valid when it is not.
TenderInclusion verify_tender_inclusion(const TenderList& list, const Bytes& receipt);

/// Options of tender_unseal(). Filled by field name.
struct TenderUnsealOptions {
    std::string state_dir = ".";  ///< the portal's state (packages)
    std::string list_path;        ///< the closing list: only packages in it are unsealed
    std::string envelope;         ///< "A" or "B"
    KeyOptions member_key;        ///< the member's decryption key (file or token: one login for all)
    std::string to_cert_file;     ///< the opening session's certificate: the shares are sealed to it
    ChainOptions chain;
};

/// What a member unsealed.
struct TenderUnsealResult {
    int member = 0;
    std::string member_name;
    int shares = 0;                   ///< packages whose share was unsealed
    std::vector<std::string> failed;  ///< package hashes whose share did not decrypt
    Bytes der;                        ///< the share set: EnvelopedData to the session certificate
};

/// A member unseals their share of every listed package of one envelope with one key (one token
/// login: RSA-OAEP through C_Decrypt, ECDH through C_DeriveKey; the key never leaves the token),
/// and seals the share set to the opening session's certificate. No share is written in the clear.
TenderUnsealResult tender_unseal(const TenderDescriptor& tender, const TenderUnsealOptions& options);

/// The verdict on one bid at the opening.
enum class BidVerdict {
    opened,             ///< decrypted; inner signature valid; receipt valid. JSON "opened"
    signature_invalid,  ///< decrypted, but the bidder's inner signature does not verify. JSON "signature_invalid"
    signer_mismatch,    ///< the inner signer is not the bidder who submitted it. JSON "signer_mismatch"
    tampered,           ///< the package or its payload was altered (signature or GCM tag fails). JSON "tampered"
    late,               ///< its receipt time is after the deadline. JSON "late"
    receipt_invalid,    ///< its receipt does not verify. JSON "receipt_invalid"
    missing,            ///< in the closing list but not in the store. JSON "missing"
    not_in_list,        ///< in the store but not in the closing list. JSON "not_in_list"
    superseded,         ///< the same bidder sent a later package for this envelope. JSON "superseded"
    shares_missing,     ///< fewer than k shares. JSON "shares_missing"
    shares_invalid,     ///< k shares or more, but no k of them recover the key. JSON "shares_invalid"
};
const char* to_string(BidVerdict v);

/// One bid at the opening.
struct BidReport {
    std::int64_t seq = 0;
    std::string bidder, envelope, package_sha256, document_sha256;
    std::int64_t receipt_time = 0;
    std::int64_t document_size = 0;
    BidVerdict verdict = BidVerdict::missing;
    std::string detail;          ///< why, for people
    std::string extracted_path;  ///< where the document was written (only when asked)
};

/// Options of tender_open(). Filled by field name.
struct TenderOpenOptions {
    std::string state_dir = ".";
    std::string list_path;                 ///< the closing list
    std::string envelope;                  ///< "A" or "B"
    std::vector<std::string> share_files;  ///< members' share sets (tender_unseal)
    KeyOptions session_key;                ///< the key of the session certificate the share sets are sealed to
    ChainOptions chain;                    ///< bidders' and TSAs' certificates
    std::string extract_dir;               ///< write the opened documents here (0600); empty: nowhere
};

/// The opening of one envelope.
struct TenderOpening {
    std::string tender_id, title, envelope;
    int threshold = 0;
    std::vector<std::string> members_present;  ///< names of the members whose shares were used
    std::vector<std::string> members_needed;   ///< when fewer than k: members who could still unseal
    bool opened = false;                       ///< k shares were there
    std::vector<BidReport> bids;
    std::string list_root;
    std::int64_t opened_at = 0;
    /// The opening minutes (UTF-8 text, Jalali dates too), for the commission to sign.
    std::string minutes(bool jalali = true) const;
    std::string to_json() const;
};

/// Opens one envelope: checks the closing list, recombines each bid's key from k members' shares,
/// decrypts and checks every bid (inner signature, bidder, receipt, deadline). With fewer than k
/// members' shares, opened is false and members_needed names who could still unseal. Nothing is
/// decrypted to disk unless extract_dir is given (files 0600).
TenderOpening tender_open(const TenderDescriptor& tender, const TenderOpenOptions& options);

}  // namespace tsign

#pragma GCC visibility pop
