/// @file pdf.hpp
/// PAdES (ETSI EN 319 142-1) signatures in PDF files: sign and co-sign by incremental update,
/// certify (DocMDP), raise to B-LT / B-LTA (DSS, document timestamps), and verify with an analysis
/// of what changed after each signature.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tsign/cms.hpp"
#include "tsign/findings.hpp"
#include "tsign/io.hpp"
#include "tsign/keys.hpp"
#include "tsign/verify.hpp"

// Everything declared here is the library's public interface (exported from libtsign.so).
#pragma GCC visibility push(default)

namespace tsign {

/// True when the bytes start like a PDF file ("%PDF-" within the first 1024 bytes).
bool looks_like_pdf(std::span<const std::uint8_t> head);
/// True when the file starts like a PDF file. False for unreadable files.
bool is_pdf_file(const std::string& path);

/// A visible signature box (PDF user space, points; origin bottom left of the page).
struct PdfAppearance {
    int page = 1;  ///< 1-based
    double x1 = 0, y1 = 0, x2 = 0, y2 = 0;
    std::string font_file;  ///< a TrueType font with Arabic-script glyphs; empty: Noto Naskh Arabic
};
/// Parses "PAGE/X1,Y1,X2,Y2" (pyHanko's notation). Throws Errc::usage.
PdfAppearance parse_pdf_appearance(const std::string& text);

/// Options of pdf_sign(). Filled by field name.
struct PdfSignOptions {
    SignatureScheme scheme;
    std::vector<std::string> chain_files;  ///< extra certificates to embed
    std::vector<std::string> tsa_urls;     ///< PAdES B-T: a signature timestamp
    int tsa_timeout_seconds = 10;
    /// A certification signature with DocMDP permissions P (1: no changes, 2: form filling and
    /// signatures, 3: also annotations); 0: an approval signature. Only the first signature may certify.
    int certify = 0;
    std::string field_name;                    ///< default: "Signature<N>"
    std::string reason, location;              ///< optional /Reason, /Location
    std::optional<PdfAppearance> appearance;   ///< default: invisible
    bool allow_same_signer = false;            ///< allow a second signature by the same certificate
    std::optional<std::int64_t> signing_time;  ///< /M (default: now)
};

/// Signs a PDF held in memory with a PAdES baseline B-B (or B-T) signature appended as an
/// incremental update: every earlier byte stays as it was. Returns the whole new file.
/// Encrypted, malformed or hybrid-reference PDFs are Errc::malformed / Errc::unsupported.
Bytes pdf_sign_data(Signer& signer, std::span<const std::uint8_t> pdf, const PdfSignOptions& options);

/// Signs the PDF file `input` and writes `output` atomically (output == input replaces it;
/// otherwise an existing output needs `force`). Nothing is written on error.
void pdf_sign(Signer& signer, const std::string& input, const std::string& output, const PdfSignOptions& options,
              bool force = false);

/// Raises a PDF's signatures to B-LT: a DSS dictionary (Certs, CRLs, OCSPs) with what validates every
/// signature and document timestamp, in an incremental update; with `lta`, also a document timestamp
/// (B-LTA; again on a B-LTA file: renews the archive). Validates first as verify_pdf() does,
/// revocation required; a signature that would not verify is Errc::not_valid and nothing is written.
void pdf_extend(const std::string& input, const std::string& output, bool lta, const ExtendOptions& options, bool force = false);
/// The same in memory. Returns the whole new file.
Bytes pdf_extend_data(std::span<const std::uint8_t> pdf, bool lta, const ExtendOptions& options);

/// What a PDF signature is.
enum class PdfSignatureKind {
    approval,            ///< JSON "approval"
    certification,       ///< a DocMDP signature. JSON "certification"
    document_timestamp,  ///< an ETSI.RFC3161 document timestamp. JSON "document-timestamp"
};
const char* to_string(PdfSignatureKind v);

/// The verdict on one signature (or document timestamp) of a PDF.
struct PdfSignatureReport {
    int index = 0;           ///< 1-based, in file order
    std::string field;       ///< the field's name (/T)
    std::string sub_filter;  ///< ETSI.CAdES.detached, adbe.pkcs7.detached, ETSI.RFC3161
    PdfSignatureKind kind = PdfSignatureKind::approval;
    int docmdp = 0;  ///< the certification's P, 0 when none
    std::array<std::int64_t, 4> byte_range{};
    std::int64_t revision_length = 0;          ///< bytes of the revision the signature covers
    bool covers_whole_document = false;        ///< nothing was appended after it
    std::optional<std::int64_t> claimed_time;  ///< /M: the signer's claim, never proof
    std::vector<std::string> changes;          ///< what later revisions did that is allowed (added signatures, DSS, ...)
    std::vector<std::string> modifications;    ///< what later revisions changed that is not allowed
    SignerReport signer;                       ///< the CAdES checks (for a document timestamp: the TSA)
    bool valid = false;
};

/// The verdict on a whole PDF.
struct PdfVerifyReport {
    bool valid = false;  ///< at least one signature and every one valid (and the roster satisfied)
    std::string policy_name, policy_sha256;
    int revisions = 0;  ///< incremental updates + 1
    bool dss = false;
    int dss_certificates = 0, dss_crls = 0, dss_ocsps = 0;
    std::vector<PdfSignatureReport> signatures;
    std::optional<RosterReport> roster;  ///< over the approval and certification signatures
    std::string to_json() const;
    std::string to_text(bool jalali = true) const;
};

/// Options of verify_pdf(). Filled by field name.
struct PdfVerifyOptions {
    ChainOptions chain;
    std::string roster_file;
    bool allow_weak_algorithms = false;
    int extract_revision = 0;  ///< write the exact bytes signature N signed (its revision) to extract_path
    std::string extract_path;
    bool force = false;  ///< replace an existing extract_path
};

/// Verifies every signature and document timestamp of a PDF file. A PDF without signatures is a
/// report with valid == false. Malformed, encrypted or hybrid-reference files are Errc::malformed /
/// Errc::unsupported.
PdfVerifyReport verify_pdf(const std::string& path, const PdfVerifyOptions& options);
/// The same for a PDF in memory (extract_revision is ignored).
PdfVerifyReport verify_pdf_data(std::span<const std::uint8_t> pdf, const PdfVerifyOptions& options);

}  // namespace tsign

#pragma GCC visibility pop
