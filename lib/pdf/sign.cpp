// PAdES baseline B-B / B-T signing (ETSI EN 319 142-1 §6.3) by incremental update: a signature
// field merged with its widget, a /Sig dictionary with SubFilter ETSI.CAdES.detached, a ByteRange
// over the whole new file except /Contents, and /Contents sized from an estimate of the CMS.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>

#include <openssl/err.h>

#include "cms/cms_util.hpp"
#include "core/io_impl.hpp"
#include "keys/signer_impl.hpp"
#include "pdf/appearance.hpp"
#include "pdf/incremental.hpp"
#include "pdf/pades_cms.hpp"
#include "pdf/pdf_impl.hpp"
#include "tsign/error.hpp"
#include "tsign/pdf.hpp"
#include "tsign/time.hpp"

namespace tsign {

namespace pd = pdf::detail;

bool looks_like_pdf(std::span<const std::uint8_t> head) {
    const std::string_view s(reinterpret_cast<const char*>(head.data()), std::min<std::size_t>(head.size(), 1024));
    return s.find("%PDF-") != std::string_view::npos;
}

bool is_pdf_file(const std::string& path) {
    if (path == "-") return false;
    FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) return false;
    unsigned char buf[1024];
    const std::size_t n = std::fread(buf, 1, sizeof buf, f);
    std::fclose(f);
    return looks_like_pdf(std::span(buf, n));
}

PdfAppearance parse_pdf_appearance(const std::string& text) {
    PdfAppearance a;
    char tail = 0;
    if (std::sscanf(text.c_str(), "%d/%lf,%lf,%lf,%lf%c", &a.page, &a.x1, &a.y1, &a.x2, &a.y2, &tail) != 5 || a.page < 1 ||
        a.x2 - a.x1 < 20 || a.y2 - a.y1 < 10 || a.x1 < 0 || a.y1 < 0 || a.x2 > 14400 || a.y2 > 14400)
        throw Error(Errc::usage, "invalid --appearance '" + text + "'",
                    "PAGE/X1,Y1,X2,Y2 in points from the page's bottom left, e.g. 1/350,50,560,120 (at least 20 x 10)");
    return a;
}

const char* to_string(PdfSignatureKind v) {
    switch (v) {
    case PdfSignatureKind::approval: return "approval";
    case PdfSignatureKind::certification: return "certification";
    case PdfSignatureKind::document_timestamp: return "document-timestamp";
    }
    return "?";
}

namespace pdf::detail {

int docmdp_permission(QPDF& q) {
    QPDFObjectHandle perms = q.getRoot().getKey("/Perms");
    if (!perms.isDictionary()) return 0;
    QPDFObjectHandle sig = perms.getKey("/DocMDP");
    return sig.isDictionary() ? docmdp_of_signature(sig) : 0;
}

int docmdp_of_signature(QPDFObjectHandle sig) {
    QPDFObjectHandle refs = sig.getKey("/Reference");
    if (!refs.isArray()) return 0;
    for (int i = 0; i < refs.getArrayNItems(); ++i) {
        QPDFObjectHandle r = refs.getArrayItem(i);
        if (!r.isDictionary()) continue;
        QPDFObjectHandle m = r.getKey("/TransformMethod");
        if (!m.isName() || m.getName() != "/DocMDP") continue;
        QPDFObjectHandle p =
            r.getKey("/TransformParams").isDictionary() ? r.getKey("/TransformParams").getKey("/P") : QPDFObjectHandle::newNull();
        // ISO 32000-1 Table 254: P defaults to 2; values other than 1, 2, 3 are treated as 2... we keep them strict.
        if (!p.isInteger()) return 2;
        const long long v = p.getIntValue();
        return v == 1 || v == 3 ? static_cast<int>(v) : 2;
    }
    return 0;
}

std::string Update::text() const { return text_; }

/// Builds the signature's update; see pdf_impl.hpp.
Update prepare_signature(Reader& r, const SignatureRequest& req) {
    QPDF& q = r.qpdf();
    return r.guard(
        [&]() -> Update {
            IncrementalUpdate u(r);
            QPDFObjectHandle root = q.getRoot();
            const std::vector<QPDFObjectHandle>& pages = q.getAllPages();
            if (pages.empty()) throw Error(Errc::malformed, "'" + r.name() + "' has no pages");
            const int page_index = req.appearance ? req.appearance->page : 1;
            if (page_index > static_cast<int>(pages.size()))
                throw Error(Errc::usage, "--appearance page " + std::to_string(page_index) + ": the document has " +
                                             std::to_string(pages.size()) + " pages");
            QPDFObjectHandle page = pages[static_cast<size_t>(page_index - 1)];

            // Field name: unique among the document's fields.
            const std::vector<SignatureField> fields = all_fields(q, false);
            int sigs = 0;
            for (auto& f : all_fields(q, true)) sigs += f.value.isDictionary() ? 1 : 0;
            std::string name = req.field_name;
            auto taken = [&](const std::string& n) {
                // Taken by a field, or by a field's parent (a non-terminal "n" has fields "n.x").
                return std::any_of(fields.begin(), fields.end(),
                                   [&](const SignatureField& f) { return f.name == n || f.name.rfind(n + ".", 0) == 0; });
            };
            if (name.empty()) {
                for (int n = sigs + 1; name.empty() || taken(name); ++n)
                    name = (req.timestamp ? "DocTimeStamp" : "Signature") + std::to_string(n);
            } else if (taken(name)) {
                throw Error(Errc::usage, "the document has a field named '" + name + "' already", "choose another --field-name");
            }

            const int v = u.new_object();
            const int widget = u.new_object();
            std::string rect = "[0 0 0 0]", ap;
            if (req.appearance) {
                const auto& a = *req.appearance;
                char buf[128];
                std::snprintf(buf, sizeof buf, "[%.2f %.2f %.2f %.2f]", a.x1, a.y1, a.x2, a.y2);
                rect = buf;
                Appearance app = make_appearance(
                    req.appearance_lines, a.x2 - a.x1, a.y2 - a.y1, [&] { return u.new_object(); }, a.font_file);
                for (auto& o : app.objects) u.set(o.number, std::move(o.body));
                ap = " /AP << /N " + ref(app.xobject) + " >>";
            }
            u.set(widget, "<< /Type /Annot /Subtype /Widget /FT /Sig /T " + pdf_text_string(name) + " /V " + ref(v) +
                              " /F 132 /Rect " + rect + " /P " + ref(page.getObjectID(), page.getGeneration()) + ap + " >>");

            // The placeholder dictionary: /ByteRange and /Contents last, fixed widths.
            std::string sig = req.timestamp ? "<< /Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161"
                                            : "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /M " +
                                                  pdf_date(req.signing_time);
            if (!req.reason.empty()) sig += " /Reason " + pdf_text_string(req.reason);
            if (!req.location.empty()) sig += " /Location " + pdf_text_string(req.location);
            if (req.certify)
                sig += " /Reference [<< /Type /SigRef /TransformMethod /DocMDP /TransformParams << /Type /TransformParams /P " +
                       std::to_string(req.certify) + " /V /1.2 >> >>]";
            sig +=
                " /ByteRange " + std::string(kByteRangePlaceholder) + " /Contents <" + std::string(2 * req.reserve, '0') + "> >>";
            u.set(v, sig);

            // The page's /Annots gets the widget.
            QPDFObjectHandle annots = page.getKey("/Annots");
            if (annots.isIndirect() && annots.isArray())
                u.set(annots.getObjectID(), array_with(annots, ref(widget)), annots.getGeneration());
            else
                u.set(page.getObjectID(), dict_with(page, {{"/Annots", array_with(annots, ref(widget))}}), page.getGeneration());

            // /AcroForm /Fields gets the field; SigFlags 3 (signatures exist, append only).
            std::map<std::string, std::string> catalog;
            QPDFObjectHandle af = root.getKey("/AcroForm");
            std::map<std::string, std::string> af_changes{{"/SigFlags", "3"}};
            QPDFObjectHandle fl = af.isDictionary() ? af.getKey("/Fields") : QPDFObjectHandle::newNull();
            if (fl.isIndirect() && fl.isArray())
                u.set(fl.getObjectID(), array_with(fl, ref(widget)), fl.getGeneration());
            else
                af_changes["/Fields"] = array_with(fl, ref(widget));
            if (af.isIndirect() && af.isDictionary())
                u.set(af.getObjectID(), dict_with(af, af_changes), af.getGeneration());
            else
                catalog["/AcroForm"] =
                    af.isDictionary() ? dict_with(af, af_changes) : dict_with(QPDFObjectHandle::newDictionary(), af_changes);
            if (req.certify) catalog["/Perms"] = "<< /DocMDP " + ref(v) + " >>";
            if (!catalog.empty()) u.set(root.getObjectID(), dict_with(root, catalog), root.getGeneration());

            std::map<int, std::int64_t> offsets;
            Update out;
            out.text_ = u.finish(&offsets);
            const auto base = static_cast<std::int64_t>(r.bytes().size());
            const std::size_t obj_at = static_cast<std::size_t>(offsets.at(v) - base);
            const std::size_t br = out.text_.find(kByteRangePlaceholder, obj_at);
            const std::size_t ct = out.text_.find("/Contents <", br);
            if (br == std::string::npos || ct == std::string::npos) throw Error(Errc::internal, "signature placeholder lost");
            out.contents_at = base + static_cast<std::int64_t>(ct + 10);
            out.contents_end = out.contents_at + static_cast<std::int64_t>(2 * req.reserve + 2);
            const std::int64_t total = base + static_cast<std::int64_t>(out.text_.size());
            char range[64];
            std::snprintf(range, sizeof range, "[0 %lld %lld %lld", static_cast<long long>(out.contents_at),
                          static_cast<long long>(out.contents_end), static_cast<long long>(total - out.contents_end));
            std::string patched = range;
            patched.append(std::strlen(kByteRangePlaceholder) - patched.size() - 1, ' ');
            patched += "]";
            out.text_.replace(br, patched.size(), patched);
            out.base_size = base;
            out.reserve = req.reserve;
            return out;
        },
        "cannot prepare the signature");
}

Bytes digest_ranges(std::span<const std::uint8_t> base, const Update& u, const EVP_MD* md) {
    ossl::MdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx || !EVP_DigestInit_ex(ctx.get(), md, nullptr)) ossl::fail(Errc::internal, "digest failed");
    EVP_DigestUpdate(ctx.get(), base.data(), base.size());
    const std::string& t = u.text_;
    const auto cs = static_cast<std::size_t>(u.contents_at - u.base_size);
    const auto ce = static_cast<std::size_t>(u.contents_end - u.base_size);
    EVP_DigestUpdate(ctx.get(), t.data(), cs);
    EVP_DigestUpdate(ctx.get(), t.data() + ce, t.size() - ce);
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx.get(), h, &n);
    return Bytes(h, h + n);
}

void fill_contents(Update& u, const Bytes& der) {
    static const char* hex = "0123456789ABCDEF";
    const auto cs = static_cast<std::size_t>(u.contents_at - u.base_size) + 1;
    for (std::size_t i = 0; i < der.size(); ++i) {
        u.text_[cs + 2 * i] = hex[der[i] >> 4];
        u.text_[cs + 2 * i + 1] = hex[der[i] & 15];
    }
}

}  // namespace pdf::detail

namespace {

/// The existing signatures allow one more: not a DocMDP P=1 document, certification only first,
/// and not the same certificate twice (unless allowed).
void check_can_sign(pd::Reader& r, X509* cert, const PdfSignOptions& o) {
    r.guard(
        [&] {
            QPDF& q = r.qpdf();
            const int p = pd::docmdp_permission(q);
            if (p == 1)
                throw Error(Errc::unsupported,
                            "refusing to sign: the document is certified with no changes allowed (DocMDP P=1); another "
                            "signature would break the certification");
            int signatures = 0;
            for (auto& f : pd::all_fields(q, true)) {
                if (!f.value.isDictionary()) continue;
                ++signatures;
                QPDFObjectHandle c = f.value.getKey("/Contents");
                if (!c.isString()) continue;
                const std::string raw = c.getStringValue();
                const unsigned char* p8 = reinterpret_cast<const unsigned char*>(raw.data());
                tsign::detail::CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p8, static_cast<long>(raw.size())));
                ERR_clear_error();
                if (!cms || OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed) continue;
                STACK_OF(CMS_SignerInfo)* sis = CMS_get0_SignerInfos(cms.get());
                for (int i = 0; i < sk_CMS_SignerInfo_num(sis); ++i)
                    if (CMS_SignerInfo_cert_cmp(sk_CMS_SignerInfo_value(sis, i), cert) == 0 && !o.allow_same_signer)
                        throw Error(Errc::already_signed,
                                    "refusing to sign: '" + ossl::name_to_utf8(X509_get_subject_name(cert)) +
                                        "' has signed this document already",
                                    "use --allow-same-signer to add a second signature by the same certificate");
                ERR_clear_error();
            }
            if (o.certify && signatures > 0)
                throw Error(Errc::usage, "a certification (--certify) must be the document's first signature; it has " +
                                             std::to_string(signatures));
            return 0;
        },
        "cannot read the signatures");
}

std::vector<std::string> appearance_lines(X509* cert, std::int64_t t) {
    std::string cn;
    const X509_NAME* subject = X509_get_subject_name(cert);
    const int i = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
    if (i >= 0) {
        unsigned char* utf8 = nullptr;
        const int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i)));
        const ossl::OsslBytesPtr owned(utf8);
        if (n > 0) cn.assign(reinterpret_cast<char*>(utf8), static_cast<size_t>(n));
    }
    if (cn.empty()) cn = ossl::name_to_utf8(X509_get_subject_name(cert));
    const std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    const Date j = gregorian_to_jalali({tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday});
    // Persian digits for the Jalali date (the UTC line keeps Latin digits).
    auto fa = [](const std::string& s) {
        static const char* digits[] = {"۰", "۱", "۲", "۳", "۴", "۵", "۶", "۷", "۸", "۹"};
        std::string out;
        for (char c : s) out += (c >= '0' && c <= '9') ? digits[c - '0'] : std::string(1, c);
        return out;
    };
    char jd[64], clock[16], utc[64];
    std::snprintf(jd, sizeof jd, "%04d/%02d/%02d", j.year, j.month, j.day);
    std::snprintf(clock, sizeof clock, "%02d:%02d", tm.tm_hour, tm.tm_min);
    std::strftime(utc, sizeof utc, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return {"امضا شده توسط: " + cn, "تاریخ: " + fa(jd) + " ساعت " + fa(clock) + " UTC", utc};
}

/// The signature's update, with the CMS in /Contents.
pd::Update sign_update(Signer& signer, pd::Reader& r, const PdfSignOptions& o, X509* cert,
                       const std::vector<ossl::X509Ptr>& chain, std::mutex* sign_mutex = nullptr) {
    if (o.certify < 0 || o.certify > 3) throw Error(Errc::usage, "--certify takes 1, 2 or 3");
    check_can_sign(r, cert, o);
    const std::int64_t now = o.signing_time.value_or(static_cast<std::int64_t>(::time(nullptr)));
    pd::SignatureRequest req;
    req.field_name = o.field_name;
    req.reason = o.reason;
    req.location = o.location;
    req.certify = o.certify;
    req.signing_time = now;
    req.appearance = o.appearance;
    if (o.appearance) req.appearance_lines = appearance_lines(cert, now);
    req.reserve = pd::pades_cms_estimate(signer, cert, chain, !o.tsa_urls.empty());
    const EVP_MD* md = tsign::detail::md_of(o.scheme.digest);
    for (int attempt = 0;; ++attempt) {
        pd::Update u = pd::prepare_signature(r, req);
        r.check_warnings();  // nothing qpdf could not read went into the update as null
        const Bytes digest = pd::digest_ranges(r.bytes(), u, md);
        const Bytes der = pd::pades_cms(signer, cert, o.scheme, digest, chain, o.tsa_urls, o.tsa_timeout_seconds, sign_mutex);
        if (der.size() <= req.reserve) {
            pd::fill_contents(u, der);
            return u;
        }
        // The estimate was short (a TSA with a long chain): once more with room for what came.
        if (attempt == 2) throw Error(Errc::internal, "the signature keeps outgrowing its reserved space");
        req.reserve = der.size() + 4096;
    }
}

}  // namespace

Bytes pdf_sign_data(Signer& signer, std::span<const std::uint8_t> pdf, const PdfSignOptions& o) {
    const ossl::X509Ptr cert = tsign::detail::usable_certificate(signer);
    const std::vector<ossl::X509Ptr> chain = o.chain_files.empty() ? tsign::detail::token_issuer_chain(signer, cert.get())
                                                                   : tsign::detail::load_certificate_files(o.chain_files);
    pd::Reader r(pdf, "the PDF");
    const pd::Update u = sign_update(signer, r, o, cert.get(), chain);
    Bytes out(pdf.begin(), pdf.end());
    const std::string& t = u.text_;
    out.insert(out.end(), t.begin(), t.end());
    return out;
}

void pdf_sign(Signer& signer, const std::string& input, const std::string& output, const PdfSignOptions& o, bool force) {
    const ossl::X509Ptr cert = tsign::detail::usable_certificate(signer);
    const std::vector<ossl::X509Ptr> chain = o.chain_files.empty() ? tsign::detail::token_issuer_chain(signer, cert.get())
                                                                   : tsign::detail::load_certificate_files(o.chain_files);
    const pd::MappedFile in(input);
    pd::Reader r(in.bytes(), input);
    const pd::Update u = sign_update(signer, r, o, cert.get(), chain);
    pd::write_with_update(input, output, in.bytes(), u.text_, force);
}

namespace pdf::detail {

std::string sign_pdf_update(Signer& signer, std::span<const std::uint8_t> pdf, const std::string& name, const PdfSignOptions& o,
                            X509* cert, const std::vector<ossl::X509Ptr>& chain, std::mutex* sign_mutex) {
    Reader r(pdf, name);
    return sign_update(signer, r, o, cert, chain, sign_mutex).text_;
}

bool signed_by(std::span<const std::uint8_t> signed_pdf, std::span<const std::uint8_t> original, X509* cert) {
    if (signed_pdf.size() <= original.size() || !std::equal(original.begin(), original.end(), signed_pdf.begin())) return false;
    try {
        Reader r(signed_pdf, "the signed PDF");
        for (auto& f : all_fields(r.qpdf(), true)) {
            if (!f.value.isDictionary()) continue;
            QPDFObjectHandle br = f.value.getKey("/ByteRange"), c = f.value.getKey("/Contents");
            if (!br.isArray() || br.getArrayNItems() != 4 || !c.isString()) continue;
            std::int64_t b[4];
            for (int i = 0; i < 4; ++i) b[i] = br.getArrayItem(i).isInteger() ? br.getArrayItem(i).getIntValue() : -1;
            if (b[0] != 0 || b[1] <= 0 || b[2] <= b[1] || b[3] < 0 || b[2] + b[3] != static_cast<std::int64_t>(signed_pdf.size()))
                continue;
            const std::string raw = c.getStringValue();
            const unsigned char* p = reinterpret_cast<const unsigned char*>(raw.data());
            tsign::detail::CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(raw.size())));
            if (!cms || OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed) continue;
            STACK_OF(CMS_SignerInfo)* sis = CMS_get0_SignerInfos(cms.get());
            if (sk_CMS_SignerInfo_num(sis) != 1) continue;
            CMS_SignerInfo* si = sk_CMS_SignerInfo_value(sis, 0);
            if (CMS_SignerInfo_cert_cmp(si, cert) != 0) continue;
            X509_ALGOR* dig = nullptr;
            CMS_SignerInfo_get0_algs(si, nullptr, nullptr, &dig, nullptr);
            const ASN1_OBJECT* obj = nullptr;
            X509_ALGOR_get0(&obj, nullptr, nullptr, dig);
            const EVP_MD* md = EVP_get_digestbyobj(obj);
            const auto attr = tsign::detail::message_digest_of(si);
            if (md == nullptr || !attr) continue;
            ossl::MdCtxPtr ctx(EVP_MD_CTX_new());
            EVP_DigestInit_ex(ctx.get(), md, nullptr);
            EVP_DigestUpdate(ctx.get(), signed_pdf.data(), static_cast<size_t>(b[1]));
            EVP_DigestUpdate(ctx.get(), signed_pdf.data() + b[2], static_cast<size_t>(b[3]));
            unsigned char h[EVP_MAX_MD_SIZE];
            unsigned int n = 0;
            EVP_DigestFinal_ex(ctx.get(), h, &n);
            if (Bytes(h, h + n) != *attr) continue;
            CMS_SignerInfo_set1_signer_cert(si, cert);
            const bool ok = CMS_SignerInfo_verify(si) == 1;
            ERR_clear_error();
            return ok;
        }
    } catch (const std::exception&) {}
    ERR_clear_error();
    return false;
}

void write_with_update(const std::string& input, const std::string& output, std::span<const std::uint8_t> base,
                       const std::string& update, bool force) {
    if (output == "-") throw Error(Errc::usage, "a signed PDF cannot go to standard output", "give --out FILE");
    struct stat st {};
    const bool same = output == input || (::stat(output.c_str(), &st) == 0 && [&] {
                          struct stat si {};
                          return ::stat(input.c_str(), &si) == 0 && si.st_dev == st.st_dev && si.st_ino == st.st_ino;
                      }());
    unsigned mode = 0644;
    if (struct stat si{}; ::stat(input.c_str(), &si) == 0) mode = si.st_mode & 0777;
    // In place through a symbolic link: the file it points to is replaced, not the link.
    std::string target = output;
    if (same) {
        std::error_code ec;
        const auto real = std::filesystem::canonical(output, ec);
        if (!ec) target = real.string();
    }
    tsign::detail::AtomicOutput out(target, WriteOptions{.force = force || same, .mode = mode});
    auto put = [&](const void* p, std::size_t n) {
        const char* c = static_cast<const char*>(p);
        while (n > 0) {
            const ssize_t w = ::write(out.fd(), c, n);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) throw Error(Errc::output_failed, "cannot write '" + output + "': " + std::strerror(errno));
            c += w;
            n -= static_cast<std::size_t>(w);
        }
    };
    put(base.data(), base.size());
    put(update.data(), update.size());
    out.commit();
}

}  // namespace pdf::detail

}  // namespace tsign
