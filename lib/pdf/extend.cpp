// PAdES B-LT and B-LTA (ETSI EN 319 142-1 §5.4): a DSS dictionary with the certificates, CRLs and
// OCSP responses that validate every signature and document timestamp, then (LTA) a document
// timestamp over everything. Each is an incremental update; earlier bytes never change.
#include <openssl/err.h>

#include "cms/cms_util.hpp"
#include "cms/ltv.hpp"
#include "cms/verify_impl.hpp"
#include "pdf/incremental.hpp"
#include "pdf/pdf_impl.hpp"
#include "tsign/error.hpp"
#include "tsign/pdf.hpp"
#include "tsign/tsp.hpp"
#include "tsp/tsp_impl.hpp"

namespace tsign {

namespace pd = pdf::detail;

namespace {

/// Every signature must verify (revocation aside, which the LT step requires) before anything is added.
void refuse_invalid(std::span<const std::uint8_t> bytes, const std::string& name, const ExtendOptions& o) {
    PdfVerifyOptions vo;
    vo.chain = o.chain;
    vo.chain.revocation = RevocationMode::off;
    const PdfVerifyReport r = pd::verify_pdf_bytes(bytes, name, vo);
    if (r.signatures.empty()) throw Error(Errc::not_valid, "cannot extend: the PDF has no signatures");
    for (const auto& s : r.signatures) {
        if (s.valid) continue;
        throw Error(Errc::not_valid,
                    "cannot extend: signature " + std::to_string(s.index) +
                        (s.signer.subject.empty() ? "" : " (" + s.signer.subject + ")") + " is not valid (" +
                        to_string(s.signer.indication) + " / " + to_string(s.signer.sub_indication) +
                        "): " + (s.signer.errors.empty() ? "" : s.signer.errors.front()),
                    "'tsign verify' shows every finding; nothing was written");
    }
}

/// The update that adds (or extends) the DSS with `ev`; empty when it holds everything already.
std::string dss_update(pd::Reader& r, const tsign::detail::Evidence& ev) {
    return r.guard(
        [&]() -> std::string {
            pd::IncrementalUpdate u(r);
            QPDFObjectHandle root = r.qpdf().getRoot();
            QPDFObjectHandle dss = root.getKey("/DSS");
            std::map<std::string, std::string> entries;
            bool added = false;
            auto merge = [&](const char* key, const std::vector<Bytes>& items) {
                std::set<std::string> have;
                std::string arr = "[";
                QPDFObjectHandle old = dss.isDictionary() ? dss.getKey(key) : QPDFObjectHandle::newNull();
                if (old.isArray())
                    for (int i = 0; i < old.getArrayNItems(); ++i) {
                        QPDFObjectHandle s = old.getArrayItem(i);
                        arr += s.unparse() + " ";
                        if (s.isStream()) have.insert(pd::decode_capped(s, pd::kMaxDssItem));
                    }
                for (const Bytes& b : items) {
                    std::string data(b.begin(), b.end());
                    if (!have.insert(data).second) continue;
                    const int n = u.new_object();
                    u.set_stream(n, data);
                    arr += pd::ref(n) + " ";
                    added = true;
                }
                if (arr.size() > 1) entries[key] = arr + "]";
            };
            merge("/Certs", ev.certificates);
            merge("/CRLs", ev.crls);
            merge("/OCSPs", ev.ocsp);
            if (!added) return {};
            QPDFObjectHandle base = dss.isDictionary() ? dss : QPDFObjectHandle::newDictionary();
            entries["/Type"] = "/DSS";
            if (dss.isIndirect()) {
                u.set(dss.getObjectID(), pd::dict_with(base, entries), dss.getGeneration());
            } else {
                const int n = u.new_object();
                u.set(n, pd::dict_with(base, entries));
                u.set(root.getObjectID(), pd::dict_with(root, {{"/DSS", pd::ref(n)}}), root.getGeneration());
            }
            return u.finish();
        },
        "cannot add the DSS");
}

/// The validation data of every signature (at its proven time) and of every document timestamp's TSA.
tsign::detail::Evidence gather(pd::Reader& r, const ExtendOptions& o) {
    ChainOptions co = o.chain;
    co.revocation = RevocationMode::require;
    co.purpose = Purpose::signing;
    tsign::detail::TrustMaterial tm(co);
    const tsign::detail::Evidence dss = pd::read_dss(r).value_or(tsign::detail::Evidence{});
    tsign::detail::Evidence ev;
    const tsign::detail::OfferedCertificates dss_certs = tsign::detail::offer_certificates(nullptr, dss.certificates, {});
    std::vector<pd::SignatureField> fields =
        r.guard([&] { return pd::all_fields(r.qpdf(), true); }, "cannot read the signatures");
    int index = 0;
    for (auto& f : fields) {
        if (!f.value.isDictionary()) continue;
        ++index;
        QPDFObjectHandle c = f.value.getKey("/Contents");
        QPDFObjectHandle sf = f.value.getKey("/SubFilter");
        if (!c.isString()) continue;
        const std::string raw = c.getStringValue();
        const Bytes der = pd::contents_der(raw).value_or(Bytes(raw.begin(), raw.end()));
        if (sf.isName() && sf.getName() == "/ETSI.RFC3161") {
            const ChainReport ar = tsign::detail::validate_timestamp_signer(der, co, dss_certs.stack.get(), &dss, &ev);
            if (!ar.valid) {
                bool only_unknown = !ar.findings.empty();
                for (const auto& fi : ar.findings) only_unknown = only_unknown && fi.code == FindingCode::revocation_unknown;
                const std::string first =
                    ar.findings.empty()
                        ? std::string()
                        : ": " +
                              (ar.findings.front().subject.empty() ? std::string() : "'" + ar.findings.front().subject + "': ") +
                              ar.findings.front().message;
                throw Error(only_unknown ? Errc::network : Errc::not_valid,
                            "cannot extend: document timestamp " + std::to_string(index) + "'s TSA does not validate" + first,
                            only_unknown ? tsign::detail::kMissingRevocationHint : "");
            }
            continue;
        }
        const unsigned char* p = der.data();
        tsign::detail::CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
        ERR_clear_error();
        if (!cms) throw Error(Errc::malformed, "cannot extend: signature " + std::to_string(index) + " holds no CMS");
        STACK_OF(CMS_SignerInfo)* sis = CMS_get0_SignerInfos(cms.get());
        if (sk_CMS_SignerInfo_num(sis) != 1)
            throw Error(Errc::malformed, "cannot extend: signature " + std::to_string(index) + " has no single signer");
        CMS_SignerInfo* si = sk_CMS_SignerInfo_value(sis, 0);
        if (!tsign::detail::has_signature_timestamp(si))
            throw Error(Errc::usage, "cannot extend to LT: signature " + std::to_string(index) + " has no signature timestamp",
                        "PAdES B-LT builds on B-T: sign with --tsa URL (a PDF signature cannot gain a timestamp later)");
        ossl::X509StackPtr certs(CMS_get1_certs(cms.get()));
        ERR_clear_error();
        if (!certs) certs.reset(sk_X509_new_null());
        tsign::detail::signer_lt_evidence(si, index - 1, certs.get(), tm, co, &dss, ev);
    }
    ERR_clear_error();
    return ev;
}

/// The update that adds a document timestamp over base (EN 319 142-1 §5.4.3).
std::string doc_timestamp_update(std::span<const std::uint8_t> base, const ExtendOptions& o) {
    pd::Reader r(base, "the PDF");
    pd::SignatureRequest req;
    req.timestamp = true;
    req.reserve = 16384;
    TimestampOptions to;
    to.urls = o.tsa_urls;
    to.timeout_seconds = o.tsa_timeout_seconds;
    for (int attempt = 0;; ++attempt) {
        pd::Update u = pd::prepare_signature(r, req);
        const Bytes digest = pd::digest_ranges(base, u, EVP_sha256());
        const Bytes token = token_of_response(request_timestamp(digest, to));
        if (token.size() <= req.reserve) {
            pd::fill_contents(u, token);
            return u.text_;
        }
        if (attempt == 2) throw Error(Errc::internal, "the document timestamp keeps outgrowing its reserved space");
        req.reserve = token.size() + 4096;
    }
}

}  // namespace

Bytes pdf_extend_data(std::span<const std::uint8_t> pdf, bool lta, const ExtendOptions& o) {
    if (o.chain.trust_files.empty())
        throw Error(Errc::usage, "no trust anchor given", "LT validates every signature: use --trust FILE");
    if (lta && o.tsa_urls.empty()) throw Error(Errc::usage, "no TSA given", "a document timestamp needs --tsa URL");
    refuse_invalid(pdf, "the PDF", o);
    Bytes out(pdf.begin(), pdf.end());
    {
        pd::Reader r(pdf, "the PDF");
        const tsign::detail::Evidence ev = gather(r, o);
        const std::string u = dss_update(r, ev);
        out.insert(out.end(), u.begin(), u.end());
    }
    if (lta) {
        const std::string u = doc_timestamp_update(out, o);
        out.insert(out.end(), u.begin(), u.end());
    }
    return out;
}

void pdf_extend(const std::string& input, const std::string& output, bool lta, const ExtendOptions& o, bool force) {
    Bytes out;
    std::size_t base = 0;
    {
        const pd::MappedFile in(input);
        base = in.bytes().size();
        out = pdf_extend_data(in.bytes(), lta, o);
    }
    if (out.size() == base)
        throw Error(Errc::usage, "nothing to do: the DSS holds every certificate and revocation answer already",
                    "use --level lta to renew");
    const std::string update(out.begin() + static_cast<std::ptrdiff_t>(base), out.end());
    pd::write_with_update(input, output, std::span(out.data(), base), update, force);
}

}  // namespace tsign
