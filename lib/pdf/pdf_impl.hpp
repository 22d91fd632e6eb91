// Internal: the pieces PAdES signing, extension and verification share.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <mutex>

#include <openssl/evp.h>

#include "core/ossl.hpp"

#include "pdf/reader.hpp"
#include "x509/chain.hpp"
#include "tsign/pdf.hpp"

namespace tsign::pdf::detail {

/// Fixed-width room for "[0 a b c]" (10 digits each).
inline constexpr const char* kByteRangePlaceholder = "[0 0000000000 0000000000 0000000000]";

/// What one signature (or document timestamp) update needs.
struct SignatureRequest {
    std::string field_name, reason, location;
    int certify = 0;
    bool timestamp = false;         ///< a /DocTimeStamp (ETSI.RFC3161) instead of a /Sig
    std::int64_t signing_time = 0;  ///< /M
    std::optional<PdfAppearance> appearance;
    std::vector<std::string> appearance_lines;
    std::size_t reserve = 0;  ///< bytes reserved for the CMS (the hex string is twice that)
};

/// One prepared update: its text (appended to the base file) and where /Contents is, in file offsets.
struct Update {
    std::string text_;
    std::int64_t base_size = 0, contents_at = 0, contents_end = 0;  ///< [contents_at, contents_end) is "<...>"
    std::size_t reserve = 0;
    std::string text() const;
};

/// The update that adds the signature field, widget and placeholder dictionary (ByteRange filled in).
Update prepare_signature(Reader& r, const SignatureRequest& req);
/// The digest of the new file without /Contents.
Bytes digest_ranges(std::span<const std::uint8_t> base, const Update& u, const EVP_MD* md);
/// Writes the DER into /Contents (hex, zero padded).
void fill_contents(Update& u, const Bytes& der);
/// Writes base + update to output atomically (output == input: replaces it).
void write_with_update(const std::string& input, const std::string& output, std::span<const std::uint8_t> base,
                       const std::string& update, bool force);

/// pdf_sign_data() with the certificate and chain loaded once (batch): the signature itself is made
/// under sign_mutex when one is given. Returns the update to append.
std::string sign_pdf_update(Signer& signer, std::span<const std::uint8_t> pdf, const std::string& name, const PdfSignOptions& o,
                            X509* cert, const std::vector<ossl::X509Ptr>& chain, std::mutex* sign_mutex);
/// True when `signed_pdf` is `original` plus updates whose last signature is by `cert`, covers the
/// whole file and verifies (batch --resume).
bool signed_by(std::span<const std::uint8_t> signed_pdf, std::span<const std::uint8_t> original, X509* cert);

/// The most one DSS entry may decode to.
inline constexpr std::size_t kMaxDssItem = std::size_t{16} << 20;
/// The catalog's /DSS: its Certs, CRLs and OCSPs streams decoded (each within kMaxDssItem); none
/// when the document has no DSS. Errors name the file.
std::optional<tsign::detail::Evidence> read_dss(Reader& r);
/// The DER object at the start of a signature's /Contents (a CMS or a timestamp token); none when
/// it does not start with a complete SEQUENCE. *extra says whether anything but zero padding follows.
std::optional<Bytes> contents_der(const std::string& contents, bool* extra = nullptr);

/// verify_pdf() over bytes in place; `name` names the file in errors.
PdfVerifyReport verify_pdf_bytes(std::span<const std::uint8_t> bytes, const std::string& name, const PdfVerifyOptions& o);

/// The DocMDP P of the document's certification (0: not certified).
int docmdp_permission(QPDF& q);
/// The DocMDP P a signature dictionary declares in /Reference (0: none).
int docmdp_of_signature(QPDFObjectHandle sig);

}  // namespace tsign::pdf::detail
