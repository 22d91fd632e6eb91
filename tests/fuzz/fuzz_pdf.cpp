// The PDF side of PAdES on input an attacker controls: the whole verifier (qpdf's parser without
// recovery, the ByteRange checks, the CMS over it, document timestamps, the DSS, the difference
// analysis of every later revision), and the signer's preparation of an incremental update (field
// names, /Annots, /AcroForm, the writer). The first byte picks which. Only tsign::Error may come
// out, and every report must be valid UTF-8 JSON.
#include <span>

#include <nlohmann/json.hpp>

#include "fuzz_common.hpp"
#include "pdf/pdf_impl.hpp"
#include "tsign/pdf.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::span<const std::uint8_t> in(data + 1, size - 1);
    try {
        if (data[0] % 2 == 0) {
            tsign::PdfVerifyOptions o;
            o.chain.trust_files = {fuzz::source("certs-sample/root.crt.pem")};
            o.chain.fetch = false;
            o.chain.revocation = tsign::RevocationMode::off;
            const tsign::PdfVerifyReport r = tsign::verify_pdf_data(in, o);
            const std::string json = r.to_json();
            if (!fuzz::valid_utf8(json) || !fuzz::valid_utf8(r.to_text(true))) std::abort();
            (void)nlohmann::json::parse(json);  // throws (a finding) when not JSON
        } else {
            tsign::pdf::detail::Reader r(in, "fuzz.pdf");
            tsign::pdf::detail::SignatureRequest req;
            req.signing_time = 1700000000;
            req.reserve = 64;
            req.field_name = data[0] % 4 == 1 ? "" : "Signature1";
            tsign::pdf::detail::Update u = tsign::pdf::detail::prepare_signature(r, req);
            if (u.contents_end <= u.contents_at || static_cast<std::size_t>(u.contents_end - u.base_size) > u.text_.size())
                std::abort();
        }
    } catch (const tsign::Error& e) {
        if (!fuzz::valid_utf8(e.what())) std::abort();
    }
    ERR_clear_error();
    return 0;
}
