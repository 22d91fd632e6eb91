// PDF internals: PDF syntax helpers (text strings in UTF-16BE, names, dates), the --appearance
// notation, startxref discovery, and the incremental-update writer on a classic-table file and on
// a cross-reference-stream file: the update appends, keeps every earlier byte, and qpdf (strict,
// no recovery) reads the result with the new and replaced objects.
#include <doctest/doctest.h>

#include <string>

#include "pdf/incremental.hpp"
#include "pdf/pdf_impl.hpp"
#include "tsign/error.hpp"
#include "tsign/pdf.hpp"

using namespace tsign;
namespace pd = tsign::pdf::detail;

namespace {

/// A one-page PDF with a classic cross-reference table, offsets computed.
std::string classic_pdf() {
    std::vector<std::string> objs = {"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Count 1 /Kids [3 0 R] >>",
                                     "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"};
    std::string out = "%PDF-1.7\n";
    std::vector<std::size_t> off;
    for (std::size_t i = 0; i < objs.size(); ++i) {
        off.push_back(out.size());
        out += std::to_string(i + 1) + " 0 obj\n" + objs[i] + "\nendobj\n";
    }
    const std::size_t xref = out.size();
    out += "xref\n0 4\n0000000000 65535 f \n";
    for (auto o : off) {
        char line[32];
        std::snprintf(line, sizeof line, "%010zu 00000 n \n", o);
        out += line;
    }
    out += "trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
    return out;
}

std::span<const std::uint8_t> span_of(const std::string& s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace

TEST_CASE("PDF text strings, names and dates") {
    CHECK(pd::pdf_text_string("Signature1") == "(Signature1)");
    CHECK(pd::pdf_text_string("a(b)c\\") == "(a\\(b\\)c\\\\)");
    // U+0639 U+0644 U+06CC: UTF-16BE with a byte order mark
    CHECK(pd::pdf_text_string("علی") == "<FEFF0639064406CC>");
    // a character outside the BMP becomes a surrogate pair
    CHECK(pd::pdf_text_string("\xF0\x9F\x98\x80") == "<FEFFD83DDE00>");
    CHECK(pd::pdf_name("Sig 1#") == "/Sig#201#23");
    CHECK(pd::pdf_name("a/b") == "/a#2Fb");
    CHECK(pd::pdf_date(0) == "(D:19700101000000+00'00')");
    CHECK(pd::pdf_hex_string("\x01\xAB") == "<01AB>");
}

TEST_CASE("--appearance PAGE/X1,Y1,X2,Y2") {
    const PdfAppearance a = parse_pdf_appearance("2/10,20,210,90");
    CHECK(a.page == 2);
    CHECK(a.x2 == 210);
    for (const char* bad :
         {"", "1/10,20,30", "0/1,1,100,100", "1/10,10,15,100", "1/10,10,200,100x", "1/-5,0,100,100", "x/1,2,3,4"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS((void)parse_pdf_appearance(bad), Error);
    }
}

TEST_CASE("startxref: found at the end, refused when truncated") {
    const std::string pdf = classic_pdf();
    CHECK(pd::find_startxref(span_of(pdf), "t") == static_cast<std::int64_t>(pdf.find("xref\n0 4")));
    const std::string cut = pdf.substr(0, pdf.size() - 10);
    CHECK_THROWS_AS((void)pd::find_startxref(span_of(cut), "t"), Error);
    CHECK(looks_like_pdf(span_of(pdf)));
    CHECK_FALSE(looks_like_pdf(span_of(std::string("hello"))));
}

TEST_CASE("incremental update on a classic table, then on its own result") {
    const std::string base = classic_pdf();
    std::string after;
    {
        pd::Reader r(span_of(base), "base.pdf");
        CHECK_FALSE(r.xref_stream());
        pd::IncrementalUpdate u(r);
        const int n = u.new_object();
        CHECK(n == 4);
        u.set(n, "<< /Marker (new) >>");
        u.set(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Extra 4 0 R >>");
        after = base + u.finish();
    }
    CHECK(after.compare(0, base.size(), base) == 0);  // every earlier byte kept
    pd::Reader r2(span_of(after), "after.pdf");
    CHECK(r2.next_object() == 5);
    QPDFObjectHandle page = r2.qpdf().getObject(3, 0);
    CHECK(page.getKey("/Extra").getKey("/Marker").getUTF8Value() == "new");
    // a second update chains to the first with /Prev
    pd::IncrementalUpdate u2(r2);
    u2.set(u2.new_object(), "[1 2 3]");
    const std::string third = after + u2.finish();
    pd::Reader r3(span_of(third), "third.pdf");
    CHECK(r3.qpdf().getObject(5, 0).getArrayNItems() == 3);
    CHECK(r3.qpdf().getObject(4, 0).getKey("/Marker").getUTF8Value() == "new");
}

TEST_CASE("strict reading: a damaged file, a hybrid trailer, data before the header") {
    std::string pdf = classic_pdf();
    std::string broken = pdf;
    broken.replace(broken.find("/MediaBox [0 0 200 200]"), 23, "/MediaBox [0 0 200 200 ");  // unterminated array
    CHECK_THROWS_AS(pd::Reader(span_of(broken), "b.pdf"), Error);
    std::string hybrid = pdf;
    hybrid.replace(hybrid.find("/Size 4"), 7, "/Size 4 /XRefStm 9");
    CHECK_THROWS_AS(pd::Reader(span_of(hybrid), "h.pdf"), Error);
    const std::string prefixed = "junk" + pdf;
    CHECK_THROWS_AS(pd::Reader(span_of(prefixed), "p.pdf"), Error);
}
