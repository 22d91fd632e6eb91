// PAdES verification: per signature, the ByteRange (the whole revision except exactly this
// signature's /Contents), the CMS with the CAdES checks over the ByteRange (validation data from
// the DSS, proof of existence from later document timestamps), document timestamps, and the
// difference analysis of every later revision (changes.cpp).
#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <set>

#include <nlohmann/json.hpp>
#include <openssl/err.h>
#include <openssl/ts.h>

#include "cms/cms_util.hpp"
#include "cms/ltv.hpp"
#include "cms/roster.hpp"
#include "cms/verify_impl.hpp"
#include "core/findings_json.hpp"
#include "core/io_impl.hpp"
#include "pdf/changes.hpp"
#include "pdf/incremental.hpp"
#include "pdf/pdf_impl.hpp"
#include "tsign/error.hpp"
#include "tsign/pdf.hpp"
#include "tsign/time.hpp"
#include "tsp/tsp_impl.hpp"

namespace tsign {

namespace pd = pdf::detail;
using json = nlohmann::ordered_json;

namespace {

// ---- a BIO over the ByteRange of a file in memory -------------------------------------------

struct RangeSource {
    const std::uint8_t* data = nullptr;
    std::size_t ranges[2][2] = {};  // {offset, length}
    int index = 0;
    std::size_t pos = 0;
};

int range_read(BIO* b, char* out, int len) {
    auto* s = static_cast<RangeSource*>(BIO_get_data(b));
    if (s == nullptr || len <= 0) return 0;
    while (s->index < 2 && s->pos >= s->ranges[s->index][1]) {
        ++s->index;
        s->pos = 0;
    }
    if (s->index >= 2) return 0;
    const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(len), s->ranges[s->index][1] - s->pos);
    std::memcpy(out, s->data + s->ranges[s->index][0] + s->pos, n);
    s->pos += n;
    return static_cast<int>(n);
}

long range_ctrl(BIO*, int cmd, long, void*) { return cmd == BIO_CTRL_FLUSH ? 1 : 0; }

const BIO_METHOD* range_method() {
    static BIO_METHOD* m = [] {
        BIO_METHOD* mm = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "PDF ByteRange");
        if (mm == nullptr || !BIO_meth_set_read(mm, range_read) || !BIO_meth_set_ctrl(mm, range_ctrl))
            throw Error(Errc::internal, "cannot create a BIO method");
        return mm;
    }();
    return m;
}

ossl::BioPtr range_bio(RangeSource& src) {
    ossl::BioPtr b(BIO_new(range_method()));
    if (!b) ossl::fail(Errc::internal, "out of memory");
    BIO_set_data(b.get(), &src);
    BIO_set_init(b.get(), 1);
    return b;
}

Bytes digest_of(std::span<const std::uint8_t> bytes, const std::array<std::int64_t, 4>& br, const EVP_MD* md) {
    ossl::MdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx || !EVP_DigestInit_ex(ctx.get(), md, nullptr)) ossl::fail(Errc::internal, "digest failed");
    EVP_DigestUpdate(ctx.get(), bytes.data() + br[0], static_cast<std::size_t>(br[1]));
    EVP_DigestUpdate(ctx.get(), bytes.data() + br[2], static_cast<std::size_t>(br[3]));
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx.get(), h, &n);
    return Bytes(h, h + n);
}

// ---- one signature's structure ---------------------------------------------------------------

struct Sig {
    pd::SignatureField field;
    PdfSignatureReport report;
    bool range_ok = false;   // the ByteRange can be hashed (in bounds)
    std::string contents;    // /Contents as parsed
    Bytes der;               // the CMS / token without padding
    std::int64_t order = 0;  // where the signed revision ends
    bool duplicate = false;  // another field holds the same signature dictionary: judged once, there
};

bool is_hex(std::uint8_t c) { return std::isxdigit(c) != 0; }

/// ISO 32000-1 §12.8.1 and EN 319 142-1 §5.1: the ByteRange covers the whole revision but exactly
/// this signature's /Contents string.
std::string check_byte_range(pd::Reader& r, Sig& s) {
    const auto bytes = r.bytes();
    const auto size = static_cast<std::int64_t>(bytes.size());
    QPDFObjectHandle v = s.field.value;
    QPDFObjectHandle br = v.getKey("/ByteRange");
    if (!br.isArray() || br.getArrayNItems() != 4) return "/ByteRange is not an array of 4 integers";
    auto& b = s.report.byte_range;
    for (int i = 0; i < 4; ++i) {
        QPDFObjectHandle x = br.getArrayItem(i);
        if (!x.isInteger() || x.getIntValue() < 0) return "/ByteRange is not an array of 4 non-negative integers";
        b[static_cast<size_t>(i)] = x.getIntValue();
    }
    if (b[0] != 0) return "the ByteRange does not start at the beginning of the file";
    if (b[1] <= 0 || b[2] <= b[1] + 1 || b[2] > size || b[3] > size - b[2])
        return b[2] + b[3] > size ? "the ByteRange reaches beyond the end of the file (truncated?)"
                                  : "the ByteRange is inconsistent";
    s.range_ok = true;
    s.report.revision_length = b[2] + b[3];
    s.report.covers_whole_document = s.report.revision_length == size;
    // The gap: exactly "<hex>".
    if (bytes[static_cast<size_t>(b[1])] != '<' || bytes[static_cast<size_t>(b[2] - 1)] != '>')
        return "the bytes the ByteRange leaves out are not a hex string (a gap in the signed data)";
    std::string decoded;
    decoded.reserve(static_cast<size_t>((b[2] - b[1]) / 2));
    for (auto i = static_cast<size_t>(b[1] + 1); i + 1 < static_cast<size_t>(b[2]); i += 2) {
        if (!is_hex(bytes[i]) || !is_hex(bytes[i + 1]))
            return "the bytes the ByteRange leaves out are not only the /Contents hex digits";
        decoded += static_cast<char>(std::stoi(std::string(reinterpret_cast<const char*>(&bytes[i]), 2), nullptr, 16));
    }
    if ((b[2] - b[1]) % 2 != 0) return "the /Contents hex string the ByteRange leaves out has an odd length";
    if (decoded != s.contents) return "the bytes the ByteRange leaves out are not this signature's /Contents";
    // ...and sit in the object that holds this signature dictionary, after its /Contents key.
    QPDFObjectHandle holder = v.isIndirect() ? v : s.field.field;
    if (!holder.isIndirect()) return "the signature dictionary is not an indirect object";
    const auto xref = r.qpdf().getXRefTable();
    const auto it = xref.find(holder.getObjGen());
    if (it == xref.end() || it->second.getType() != 1)
        return "the signature dictionary is inside an object stream: its /Contents cannot be excluded";
    const std::int64_t off = it->second.getOffset();
    const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    const std::size_t key = text.rfind("/Contents", static_cast<size_t>(b[1]));
    const std::size_t endobj = text.find("endobj", static_cast<size_t>(off));
    if (key == std::string_view::npos || static_cast<std::int64_t>(key) < off || endobj < static_cast<size_t>(b[2]))
        return "the /Contents the ByteRange leaves out is not in the signature dictionary's object";
    for (size_t i = key + 9; i < static_cast<size_t>(b[1]); ++i)
        if (!std::strchr(" \t\r\n\f", text[i])) return "the ByteRange's gap does not start at the /Contents value";
    // The revision the signature covers ends with its own %%EOF.
    try {
        (void)pd::find_startxref(bytes.first(static_cast<size_t>(s.report.revision_length)), r.name());
    } catch (const Error&) {
        return "the ByteRange does not end at the end of a revision";
    }
    return {};
}

/// The digest algorithm of a timestamp token's message imprint.
const EVP_MD* imprint_md(const Bytes& token) {
    const unsigned char* p = token.data();
    ossl::Ptr<PKCS7, PKCS7_free> p7(d2i_PKCS7(nullptr, &p, static_cast<long>(token.size())));
    if (!p7) return nullptr;
    ossl::Ptr<TS_TST_INFO, TS_TST_INFO_free> info(PKCS7_to_TS_TST_INFO(p7.get()));
    if (!info) return nullptr;
    X509_ALGOR* alg = TS_MSG_IMPRINT_get_algo(TS_TST_INFO_get_msg_imprint(info.get()));
    const ASN1_OBJECT* obj = nullptr;
    X509_ALGOR_get0(&obj, nullptr, nullptr, alg);
    return EVP_get_digestbyobj(obj);
}

json opt_time(const std::optional<std::int64_t>& t) { return t ? json(format_iso8601(*t)) : json(nullptr); }

/// /M: "D:YYYYMMDDHHmmSS" with an optional zone.
std::optional<std::int64_t> parse_pdf_date(const std::string& s) {
    int y = 0, mo = 1, d = 1, h = 0, mi = 0, se = 0;
    if (s.size() < 6 || s.compare(0, 2, "D:") != 0) return std::nullopt;
    if (std::sscanf(s.c_str() + 2, "%4d%2d%2d%2d%2d%2d", &y, &mo, &d, &h, &mi, &se) < 1) return std::nullopt;
    char iso[40];
    std::snprintf(iso, sizeof iso, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, d, h, mi, se);
    try {
        std::int64_t t = parse_iso8601(iso);
        const std::size_t z = 16;
        if (s.size() > z && (s[z] == '+' || s[z] == '-')) {
            int zh = 0, zm = 0;
            std::sscanf(s.c_str() + z + 1, "%2d'%2d", &zh, &zm);
            t -= (s[z] == '+' ? 1 : -1) * (std::int64_t{zh} * 3600 + std::int64_t{zm} * 60);
        }
        return t;
    } catch (const Error&) {
        return std::nullopt;
    }
}

}  // namespace

std::optional<tsign::detail::Evidence> pd::read_dss(Reader& r) {
    return r.guard(
        [&]() -> std::optional<tsign::detail::Evidence> {
            QPDFObjectHandle dss = r.qpdf().getRoot().getKey("/DSS");
            if (!dss.isDictionary()) return std::nullopt;
            tsign::detail::Evidence ev;
            try {
                for (auto [key, into] : {std::pair{"/Certs", &ev.certificates}, {"/CRLs", &ev.crls}, {"/OCSPs", &ev.ocsp}}) {
                    QPDFObjectHandle a = dss.getKey(key);
                    for (int i = 0; a.isArray() && i < a.getArrayNItems(); ++i) {
                        QPDFObjectHandle s = a.getArrayItem(i);
                        if (!s.isStream()) continue;
                        const std::string data = decode_capped(s, kMaxDssItem);
                        into->emplace_back(data.begin(), data.end());
                    }
                }
            } catch (const Error& e) {
                throw Error(e.code(), "'" + r.name() + "': the DSS: " + e.what());
            }
            return ev;
        },
        "cannot read the DSS");
}

std::optional<Bytes> pd::contents_der(const std::string& c, bool* extra) {
    const auto* p = reinterpret_cast<const unsigned char*>(c.data());
    long len = 0;
    int tag = 0, cls = 0;
    const unsigned char* q = p;
    const int ret = ASN1_get_object(&q, &len, &tag, &cls, static_cast<long>(c.size()));
    ERR_clear_error();
    if ((ret & 0x80) || ret == 0x21 || tag != V_ASN1_SEQUENCE) return std::nullopt;
    const auto total = static_cast<std::size_t>(q - p) + static_cast<std::size_t>(len);
    if (total > c.size()) return std::nullopt;
    if (extra) *extra = std::any_of(c.begin() + static_cast<std::ptrdiff_t>(total), c.end(), [](char b) { return b != 0; });
    return Bytes(p, p + total);
}

PdfVerifyReport verify_pdf_data(std::span<const std::uint8_t> pdf, const PdfVerifyOptions& o) {
    return pd::verify_pdf_bytes(pdf, "the PDF", o);
}

PdfVerifyReport verify_pdf(const std::string& path, const PdfVerifyOptions& o) {
    const pd::MappedFile in(path);
    PdfVerifyReport report = pd::verify_pdf_bytes(in.bytes(), path, o);
    if (o.extract_revision != 0) {
        if (o.extract_path.empty()) throw Error(Errc::usage, "--extract-revision needs --out FILE");
        if (o.extract_revision < 1 || o.extract_revision > static_cast<int>(report.signatures.size()))
            throw Error(Errc::usage, "--extract-revision " + std::to_string(o.extract_revision) + ": the document has " +
                                         std::to_string(report.signatures.size()) + " signatures");
        const auto& s = report.signatures[static_cast<size_t>(o.extract_revision - 1)];
        if (s.revision_length <= 0 || s.revision_length > static_cast<std::int64_t>(in.bytes().size()))
            throw Error(Errc::malformed,
                        "signature " + std::to_string(o.extract_revision) + " has no valid ByteRange: nothing to extract");
        write_file_atomic(o.extract_path, in.bytes().first(static_cast<size_t>(s.revision_length)), WriteOptions{o.force, 0644});
    }
    return report;
}

namespace pdf::detail {

PdfVerifyReport verify_pdf_bytes(std::span<const std::uint8_t> bytes, const std::string& name, const PdfVerifyOptions& o) {
    if (o.chain.trust_files.empty()) throw Error(Errc::usage, "no trust anchor given", "use --trust FILE");
    Reader r(bytes, name);
    PdfVerifyReport report;
    tsign::detail::Evidence dss;
    if (std::optional<tsign::detail::Evidence> d = read_dss(r)) {
        dss = std::move(*d);
        report.dss = true;
        report.dss_certificates = static_cast<int>(dss.certificates.size());
        report.dss_crls = static_cast<int>(dss.crls.size());
        report.dss_ocsps = static_cast<int>(dss.ocsp.size());
    }
    // Revisions: the number of %%EOF markers that end an update (a count for people).
    {
        const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        for (std::size_t at = text.find("%%EOF"); at != std::string_view::npos; at = text.find("%%EOF", at + 5))
            ++report.revisions;
    }
    std::vector<Sig> sigs;
    r.guard(
        [&] {
            for (auto& f : all_fields(r.qpdf(), true)) {
                if (!f.value.isDictionary()) continue;
                Sig s;
                s.field = f;
                s.report.index = static_cast<int>(sigs.size()) + 1;
                s.report.field = f.name;
                QPDFObjectHandle sf = f.value.getKey("/SubFilter");
                s.report.sub_filter = sf.isName() ? sf.getName().substr(1) : "";
                QPDFObjectHandle c = f.value.getKey("/Contents");
                s.contents = c.isString() ? c.getStringValue() : std::string();
                QPDFObjectHandle m = f.value.getKey("/M");
                if (m.isString()) s.report.claimed_time = parse_pdf_date(m.getUTF8Value());
                s.report.docmdp = docmdp_of_signature(f.value);
                s.report.kind = s.report.sub_filter == "ETSI.RFC3161" ? PdfSignatureKind::document_timestamp
                                : s.report.docmdp                     ? PdfSignatureKind::certification
                                                                      : PdfSignatureKind::approval;
                sigs.push_back(std::move(s));
            }
            return 0;
        },
        "cannot read the signature fields");
    // File order: by where each signature's revision ends.
    for (Sig& s : sigs)
        r.guard(
            [&] {
                QPDFObjectHandle br = s.field.value.getKey("/ByteRange");
                if (br.isArray() && br.getArrayNItems() == 4 && br.getArrayItem(2).isInteger() && br.getArrayItem(3).isInteger())
                    s.order = br.getArrayItem(2).getIntValue() + br.getArrayItem(3).getIntValue();
                return 0;
            },
            "cannot read a ByteRange");
    std::stable_sort(sigs.begin(), sigs.end(), [](const Sig& a, const Sig& b) { return a.order < b.order; });
    for (size_t i = 0; i < sigs.size(); ++i) sigs[i].report.index = static_cast<int>(i) + 1;
    // One signature dictionary, one field: a dictionary shared by several fields counts once.
    {
        std::map<QPDFObjGen, int> owner;
        for (Sig& s : sigs) {
            QPDFObjectHandle v = s.field.value;
            if (!v.isIndirect()) continue;
            auto [it, fresh] = owner.emplace(v.getObjGen(), s.report.index);
            s.duplicate = !fresh;
            if (!fresh)
                tsign::detail::add_finding(
                    s.report.signer, FindingCode::pdf_byte_range_invalid, FindingScope::signer,
                    "the signature dictionary of signature " + std::to_string(it->second) + " again, in another field");
        }
    }
    // The DSS's certificates, offered for building TSA paths (document timestamps).
    const tsign::detail::OfferedCertificates dss_certs = tsign::detail::offer_certificates(nullptr, dss.certificates, {});
    // Each signed revision opened once (several signatures may cover the same one).
    std::map<std::int64_t, std::unique_ptr<Reader>> revisions;
    const int certification = r.guard([&] { return docmdp_permission(r.qpdf()); }, "cannot read /Perms");

    ChainOptions chain = o.chain;
    chain.allow_weak_algorithms = chain.allow_weak_algorithms || o.allow_weak_algorithms;
    {
        const tsign::detail::TrustMaterial tm(chain);
        report.policy_name = tm.policy().info().name;
        report.policy_sha256 = tm.policy().info().sha256;
    }

    // Structure first: ByteRange, /Contents, what changed after.
    for (Sig& s : sigs) {
        SignerReport& sr = s.report.signer;
        const FindingScope S = FindingScope::signer;
        if (s.duplicate) continue;  // not valid already; analysing it again would only repeat the first
        const std::string problem = r.guard([&] { return check_byte_range(r, s); }, "cannot check a ByteRange");
        if (!problem.empty()) tsign::detail::add_finding(sr, FindingCode::pdf_byte_range_invalid, S, problem);
        bool extra = false;
        if (std::optional<Bytes> der = contents_der(s.contents, &extra)) s.der = std::move(*der);
        if (s.der.empty())
            tsign::detail::add_finding(sr, FindingCode::pdf_contents_extra_data, S, "/Contents does not hold a DER-encoded CMS");
        else if (extra)
            tsign::detail::add_finding(sr, FindingCode::pdf_contents_extra_data, S,
                                       "/Contents holds data after the CMS where only zero padding may be");
        if (s.range_ok && problem.empty() && !s.report.covers_whole_document) {
            std::unique_ptr<Reader>& cached = revisions[s.report.revision_length];
            if (!cached)
                cached =
                    std::make_unique<Reader>(bytes.first(static_cast<size_t>(s.report.revision_length)),
                                             name + " (revision signed by signature " + std::to_string(s.report.index) + ")");
            Reader& rev = *cached;
            // The signature must be part of the revision it covers.
            const bool present = rev.guard(
                [&] {
                    for (auto& f : all_fields(rev.qpdf(), true))
                        if (f.value.isDictionary() && f.value.getKey("/Contents").isString() &&
                            f.value.getKey("/Contents").getStringValue() == s.contents)
                            return true;
                    return false;
                },
                "cannot read the signed revision");
            if (!present) {
                tsign::detail::add_finding(sr, FindingCode::pdf_byte_range_invalid, S,
                                           "the signature is not part of the revision its ByteRange covers");
            } else {
                const int mdp = s.report.kind == PdfSignatureKind::certification ? s.report.docmdp : certification;
                const ChangeAnalysis c = analyse_changes(rev, r, mdp);
                std::set<std::string> seen;
                for (const auto& a : c.allowed)
                    if (seen.insert(a).second) s.report.changes.push_back(a);
                for (const auto& d : c.disallowed)
                    if (seen.insert(d).second) s.report.modifications.push_back(d);
                for (const auto& d : c.docmdp)
                    if (seen.insert(d).second)
                        s.report.modifications.push_back(
                            d + " (not allowed by the certification's DocMDP P=" + std::to_string(mdp) + ")");
                if (!c.disallowed.empty())
                    tsign::detail::add_finding(
                        sr, FindingCode::pdf_modified_after_signing, S,
                        "modified after signing: " + c.disallowed.front() +
                            (c.disallowed.size() > 1 ? " (and " + std::to_string(c.disallowed.size() - 1) + " more)" : ""));
                if (!c.docmdp.empty())
                    tsign::detail::add_finding(
                        sr, FindingCode::pdf_docmdp_violation, S,
                        "changed against the certification's DocMDP P=" + std::to_string(mdp) + ": " + c.docmdp.front());
            }
        }
        if (s.report.kind == PdfSignatureKind::certification && s.report.index != 1)
            tsign::detail::add_finding(sr, FindingCode::pdf_docmdp_violation, S,
                                       "a certification signature that is not the document's first");
    }

    // Document timestamps, latest first: each proves the existence of everything before it.
    std::optional<std::int64_t> poe;
    std::vector<std::pair<std::int64_t, std::int64_t>> ts_proofs;  // (revision length, proven time)
    for (std::size_t k = sigs.size(); k-- > 0;) {
        Sig& s = sigs[k];
        if (s.report.kind != PdfSignatureKind::document_timestamp) continue;
        SignerReport& sr = s.report.signer;
        sr.level = "document timestamp";
        if (s.duplicate) {
            tsign::detail::set_signer_indication(sr);
            continue;
        }
        if (!s.range_ok || s.der.empty()) {
            tsign::detail::set_signer_indication(sr);
            continue;
        }
        const EVP_MD* md = imprint_md(s.der);
        if (md == nullptr) {
            tsign::detail::add_finding(sr, FindingCode::timestamp_invalid, FindingScope::archive_timestamp,
                                       "document timestamp: /Contents is not a timestamp token");
            tsign::detail::set_signer_indication(sr);
            continue;
        }
        const Bytes digest = digest_of(bytes, s.report.byte_range, md);
        const TimestampReport ts =
            tsign::detail::verify_timestamp_digest(s.der, digest, chain, dss_certs.stack.get(), &dss, nullptr, poe);
        sr.subject = ts.tsa;
        sr.serial = ts.serial;
        sr.chain = ts.chain;
        sr.revocation = ts.revocation;
        sr.digest_algorithm = ts.digest_algorithm;
        sr.timestamp_time = ts.time;
        sr.validation_time = ts.time;
        sr.validation_time_source = TimeSource::signature_timestamp;
        for (const auto& n : ts.notes) sr.warnings.push_back(n);
        for (const auto& f : ts.findings) {
            const FindingCode code = f.scope == FindingScope::chain ? f.code : FindingCode::timestamp_invalid;
            tsign::detail::add_finding(sr, code,
                                       f.scope == FindingScope::chain ? FindingScope::chain : FindingScope::archive_timestamp,
                                       "document timestamp: " + f.message, f.depth, f.subject);
        }
        if (ts.valid && sr.findings.empty()) {
            if (!poe || ts.time + ts.accuracy < *poe) poe = ts.time + ts.accuracy;
            ts_proofs.emplace_back(s.report.revision_length, ts.time + ts.accuracy);
        }
        tsign::detail::set_signer_indication(sr);
    }

    // Signatures: the CAdES checks over the ByteRange.
    for (Sig& s : sigs) {
        if (s.report.kind == PdfSignatureKind::document_timestamp) continue;
        SignerReport& sr = s.report.signer;
        const std::string sf = s.report.sub_filter;
        if (s.duplicate) {
            // judged with the field that holds it first
        } else if (sf != "ETSI.CAdES.detached" && sf != "adbe.pkcs7.detached") {
            tsign::detail::add_finding(sr, FindingCode::pdf_unsupported_subfilter, FindingScope::signer,
                                       "SubFilter " + (sf.empty() ? std::string("(none)") : sf) +
                                           " is not supported (ETSI.CAdES.detached and adbe.pkcs7.detached are)");
        } else if (s.range_ok && !s.der.empty()) {
            RangeSource src;
            src.data = bytes.data();
            const auto& b = s.report.byte_range;
            src.ranges[0][0] = 0;
            src.ranges[0][1] = static_cast<size_t>(b[1]);
            src.ranges[1][0] = static_cast<size_t>(b[2]);
            src.ranges[1][1] = static_cast<size_t>(b[3]);
            ossl::BioPtr bio = range_bio(src);
            tsign::detail::ExternalContent ext;
            ext.content = bio.get();
            ext.evidence = dss;
            for (const auto& [len, t] : ts_proofs)
                if (len >= s.report.revision_length && (!ext.poe || t < *ext.poe)) ext.poe = t;
            VerifyOptions vo;
            vo.chain = chain;
            vo.allow_weak_algorithms = o.allow_weak_algorithms;
            try {
                {
                    // The CMS must sign the ByteRange: one that carries its own content signs that instead.
                    const unsigned char* p = s.der.data();
                    tsign::detail::CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(s.der.size())));
                    ERR_clear_error();
                    if (cms && CMS_is_detached(cms.get()) != 1)
                        throw Error(Errc::malformed, "it is not detached: it carries content of its own, not the document");
                }
                VerifyReport vr = tsign::detail::verify_signed_data(s.der, vo, false, &ext);
                if (vr.signers.size() != 1) {
                    tsign::detail::add_finding(
                        sr, FindingCode::signature_invalid, FindingScope::signer,
                        "the CMS has " + std::to_string(vr.signers.size()) + " signers; a PDF signature has exactly one");
                } else {
                    SignerReport one = std::move(vr.signers[0]);
                    for (auto& f : sr.findings) one.findings.push_back(f);
                    for (auto& e : sr.errors) one.errors.push_back(e);
                    sr = std::move(one);
                }
            } catch (const Error& e) {
                tsign::detail::add_finding(sr, FindingCode::signature_invalid, FindingScope::signer,
                                           std::string("the CMS: ") + e.what());
            }
            if (sf == "ETSI.CAdES.detached" && sr.signing_time)
                sr.warnings.push_back(
                    "a signing-time attribute in a PAdES signature (EN 319 142-1 §6.3 forbids it; /M carries the claim)");
            if (sf == "ETSI.CAdES.detached" && !sr.cades)
                sr.warnings.push_back("no signing-certificate-v2 attribute: not PAdES baseline");
            if (!sr.level.empty()) {
                // The PAdES level: B-LT when the DSS holds validation data, B-LTA with a later document timestamp.
                bool covered = false;
                for (const auto& [len, t] : ts_proofs) covered = covered || len > s.report.revision_length;
                if (sr.level == "B-T" && report.dss) sr.level = covered ? "B-LTA" : "B-LT";
            }
        }
        tsign::detail::set_signer_indication(sr);
    }
    for (Sig& s : sigs) {
        s.report.valid = s.report.signer.valid;
        // Names and keys come from the file: reports stay valid UTF-8 whatever it holds.
        s.report.field = to_valid_utf8(s.report.field);
        s.report.sub_filter = to_valid_utf8(s.report.sub_filter);
        for (auto* list : {&s.report.changes, &s.report.modifications, &s.report.signer.errors, &s.report.signer.warnings})
            for (auto& t : *list) t = to_valid_utf8(t);
        for (auto& f : s.report.signer.findings) f.message = to_valid_utf8(f.message);
        report.signatures.push_back(std::move(s.report));
    }
    report.valid = !report.signatures.empty();
    for (const auto& s : report.signatures) report.valid = report.valid && s.valid;
    if (!o.roster_file.empty()) {
        std::vector<SignerReport> signers;
        for (const auto& s : report.signatures)
            if (s.kind != PdfSignatureKind::document_timestamp) signers.push_back(s.signer);
        report.roster = tsign::detail::check_roster(o.roster_file, signers);
        report.valid = report.valid && report.roster->satisfied();
    }
    ERR_clear_error();
    return report;
}

}  // namespace pdf::detail

std::string PdfVerifyReport::to_json() const {
    json j;
    j["valid"] = valid;
    j["format"] = "pades";
    j["revisions"] = revisions;
    j["validation_policy"] = {{"name", policy_name}, {"sha256", policy_sha256}};
    j["dss"] = dss ? json{{"certificates", dss_certificates}, {"crls", dss_crls}, {"ocsps", dss_ocsps}} : json(nullptr);
    json arr = json::array();
    for (const auto& s : signatures) {
        json e = tsign::detail::signer_json(s.signer);
        e["index"] = s.index;
        e["field"] = s.field;
        e["sub_filter"] = s.sub_filter;
        e["kind"] = to_string(s.kind);
        e["docmdp"] = s.docmdp ? json(s.docmdp) : json(nullptr);
        e["byte_range"] = s.byte_range;
        e["revision_length"] = s.revision_length;
        e["covers_whole_document"] = s.covers_whole_document;
        e["claimed_time"] = opt_time(s.claimed_time);
        e["changes_after"] = s.changes;
        e["modifications"] = s.modifications;
        e["valid"] = s.valid;
        arr.push_back(e);
    }
    j["signatures"] = arr;
    // The same signers under the key CAdES reports use, for scripts that read either.
    json signers = json::array();
    for (const auto& s : signatures)
        if (s.kind != PdfSignatureKind::document_timestamp) signers.push_back(tsign::detail::signer_json(s.signer));
    j["signers"] = signers;
    if (roster) j["roster"] = tsign::detail::roster_json(*roster);
    return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string PdfVerifyReport::to_text(bool jalali) const {
    std::string out = "PDF: " + std::to_string(signatures.size()) + (signatures.size() == 1 ? " signature" : " signatures") +
                      ", " + std::to_string(revisions) + (revisions == 1 ? " revision" : " revisions");
    if (dss)
        out += ", DSS with " + std::to_string(dss_certificates) + " certificates, " + std::to_string(dss_crls) + " CRLs, " +
               std::to_string(dss_ocsps) + " OCSP responses";
    out += "\n";
    for (const auto& s : signatures) {
        const char* what = s.kind == PdfSignatureKind::document_timestamp ? "Document timestamp "
                           : s.kind == PdfSignatureKind::certification    ? "Certification signature "
                                                                          : "Signature ";
        out += what + std::to_string(s.index) + " (field '" + s.field + "'): " +
               (s.valid ? "VALID"
                        : "NOT VALID (" + std::string(to_string(s.signer.indication)) + " / " +
                              to_string(s.signer.sub_indication) + ")") +
               "\n";
        out += "  sub-filter: " + s.sub_filter + (s.docmdp ? ", DocMDP P=" + std::to_string(s.docmdp) : "") + "\n";
        out += "  covers:     " +
               std::string(s.covers_whole_document ? "the whole document"
                                                   : "revision of " + std::to_string(s.revision_length) + " bytes") +
               "\n";
        if (s.claimed_time) out += "  /M:         " + format_human(*s.claimed_time, jalali) + " (claimed by the signer)\n";
        out += tsign::detail::signer_text(s.signer, jalali, "PAdES ");
        for (const auto& c : s.changes) out += "  later:      " + c + "\n";
        for (const auto& m : s.modifications) out += "  modified:   " + m + "\n";
    }
    if (roster) out += tsign::detail::roster_text(*roster);
    std::size_t ok = 0;
    for (const auto& s : signatures) ok += s.valid ? 1 : 0;
    if (signatures.empty()) out += "No signatures: the PDF is not signed\n";
    out += "Policy: " + policy_name + " (sha256 " + policy_sha256.substr(0, 16) + "...)\n";
    out += std::string("Result: ") + (valid ? "VALID" : "NOT VALID") + " (" + std::to_string(ok) + " of " +
           std::to_string(signatures.size()) + " signatures valid)\n";
    return out;
}

}  // namespace tsign
