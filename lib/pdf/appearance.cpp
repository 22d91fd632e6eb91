// The appearance of a visible signature (ISO 32000-1 §12.5.5, §12.7.4.5): a Form XObject (§8.10)
// with a thin border and lines of text shaped by HarfBuzz, drawn with embedded subsets of TrueType
// fonts (Type 0 fonts, Identity-H, CIDFontType2: §9.7) whose ToUnicode CMaps (§9.10.3) give the
// logical text back to extractors.
//
// Each line is split into directional runs by a small implementation of the Unicode Bidirectional
// Algorithm (UAX #9, one paragraph per line, no explicit embeddings or isolates), the runs into
// script and font segments (the Arabic-script font first, Latin fallbacks for what it lacks), and
// each segment is shaped in its own direction with the whole line as context.
#include "pdf/appearance.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>

#include <hb.h>
#include <hb-ot.h>
#include <hb-subset.h>
#include <zlib.h>

#include "core/ossl.hpp"
#include "pdf/incremental.hpp"
#include "tsign/error.hpp"

namespace tsign::pdf::detail {
namespace {

// ---- HarfBuzz handles: each release function named once -------------------------------------

template <typename T, auto Fn>
using HbPtr = ossl::Ptr<T, Fn>;  // the project's owning handle, with HarfBuzz's release functions
using BlobPtr = HbPtr<hb_blob_t, hb_blob_destroy>;
using FacePtr = HbPtr<hb_face_t, hb_face_destroy>;
using FontPtr = HbPtr<hb_font_t, hb_font_destroy>;
using BufferPtr = HbPtr<hb_buffer_t, hb_buffer_destroy>;
using SubsetInputPtr = HbPtr<hb_subset_input_t, hb_subset_input_destroy>;

// The Arabic-script fonts tried when no font is given, then the fallbacks for characters the
// chosen font lacks (Noto Naskh Arabic has no Latin letters, no '-' and no '(').
constexpr std::array<const char*, 2> kDefaultFonts = {
    "/usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf",  // fonts-noto-core
    "/usr/share/fonts/truetype/farsiweb/nazli.ttf",                // fonts-farsiweb
};
constexpr std::array<const char*, 2> kFallbackFonts = {
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",  // fonts-noto-core
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",      // fonts-dejavu-core
};

constexpr double kMaxBox = 14400;  // the largest page side (ISO 32000-1 Annex C.2), in points

// ---- Numbers and strings --------------------------------------------------------------------

/// A number for a content stream or a dictionary: '.' as the decimal point whatever the locale,
/// at most `decimals` decimals, no trailing zeros, no "-0".
std::string num(double v, int decimals = 2) {
    const double scale = std::pow(10.0, decimals);
    double r = std::round(v * scale) / scale;
    if (r == 0) r = 0;  // -0
    std::array<char, 64> buf{};
    const auto res = std::to_chars(buf.data(), buf.data() + buf.size(), r, std::chars_format::fixed, decimals);
    if (res.ec != std::errc{}) throw Error(Errc::internal, "signature appearance: a number out of range");
    std::string s(buf.data(), res.ptr);
    if (s.find('.') != std::string::npos) {
        while (s.back() == '0') s.pop_back();
        if (s.back() == '.') s.pop_back();
    }
    return s;
}

std::string hex4(unsigned v) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string s(4, '0');
    for (int i = 3; i >= 0; --i, v >>= 4) s[static_cast<std::size_t>(i)] = digits[v & 0xF];
    return s;
}

std::string u_plus(std::uint32_t cp) {
    std::array<char, 16> buf{};
    std::snprintf(buf.data(), buf.size(), "U+%04X", static_cast<unsigned>(cp));
    return buf.data();
}

/// Strict UTF-8 (RFC 3629) to code points; tabs become spaces. Throws Errc::malformed, and
/// Errc::unsupported for other control characters (a line break inside a line).
std::vector<std::uint32_t> decode_utf8(const std::string& s) {
    std::vector<std::uint32_t> out;
    std::size_t i = 0;
    while (i < s.size()) {
        char32_t c = 0;
        const std::size_t len = ossl::utf8_char(s, i, &c);
        if (len == 0) throw Error(Errc::malformed, "signature appearance: the text is not valid UTF-8");
        auto cp = static_cast<std::uint32_t>(c);
        if (cp == '\t') cp = ' ';
        if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
            throw Error(Errc::unsupported, "signature appearance: the text holds the control character " + u_plus(cp),
                        "give one line per element of the list, without line breaks");
        out.push_back(cp);
        i += len;
    }
    return out;
}

// ---- Bidirectional algorithm (UAX #9), one paragraph, no explicit embeddings ----------------

enum class Bc : std::uint8_t { L, R, AL, EN, ES, ET, AN, CS, NSM, BN, B, S, WS, ON };

bool in(std::uint32_t c, std::uint32_t lo, std::uint32_t hi) { return c >= lo && c <= hi; }

/// Arabic number signs (Cf, but drawn: they need a glyph).
bool prepended_mark(std::uint32_t c) { return in(c, 0x0600, 0x0605) || c == 0x06DD || c == 0x070F || c == 0x08E2; }

/// Invisible format characters (ZWNJ, ZWJ, LRM, RLM...): HarfBuzz hides them, no glyph needed.
bool invisible(hb_unicode_funcs_t* uf, std::uint32_t c) {
    return hb_unicode_general_category(uf, c) == HB_UNICODE_GENERAL_CATEGORY_FORMAT && !prepended_mark(c);
}

struct BidiChars {
    Bc bc;
    std::u32string_view chars;
};
// The characters that the rules below would classify wrongly.
constexpr std::array<BidiChars, 8> kBidiChars = {{
    {Bc::L, U"\u200E"},   // LRM
    {Bc::R, U"\u200F"},   // RLM
    {Bc::AL, U"\u061C"},  // ALM
    {Bc::ES, U"+-\u2212\u207A\u207B\u208A\u208B\uFB29\uFE62\uFE63\uFF0B\uFF0D"},
    {Bc::CS, U",./:\u00A0\u060C\u202F\u2044\uFE50\uFE52\uFE55\uFF0C\uFF0E\uFF0F\uFF1A"},
    {Bc::ET, U"#$%\u00B0\u00B1\u0609\u060A\u066A\u2213\uFE5F\uFE69\uFE6A\uFF03\uFF04\uFF05"},
    {Bc::AN, U"\u066B\u066C"},  // Arabic decimal and thousands separators
    {Bc::WS, U" \u000C\u1680\u2028\u205F\u3000"},
}};

/// The Bidi_Class of a code point: the characters signature texts use are listed, the rest
/// derived from the general category and the script (close to UCD for the common scripts).
Bc bidi_class(hb_unicode_funcs_t* uf, std::uint32_t c) {
    for (const BidiChars& b : kBidiChars)
        if (b.chars.find(static_cast<char32_t>(c)) != std::u32string_view::npos) return b.bc;
    if (c == 0x2029) return Bc::B;
    if (c == 0x00B2 || c == 0x00B3 || c == 0x00B9) return Bc::EN;
    if (in(c, '0', '9') || in(c, 0x06F0, 0x06F9) || in(c, 0x2070, 0x2079) || in(c, 0x2080, 0x2089) || in(c, 0xFF10, 0xFF19) ||
        in(c, 0x1D7CE, 0x1D7FF))
        return Bc::EN;
    if (in(c, 0x0660, 0x0669) || prepended_mark(c)) return Bc::AN;
    if (in(c, 0x2000, 0x200A)) return Bc::WS;
    if (in(c, 0x2030, 0x2034) || in(c, 0x20A0, 0x20CF)) return Bc::ET;
    const hb_unicode_general_category_t gc = hb_unicode_general_category(uf, c);
    switch (gc) {
    case HB_UNICODE_GENERAL_CATEGORY_NON_SPACING_MARK:
    case HB_UNICODE_GENERAL_CATEGORY_ENCLOSING_MARK: return Bc::NSM;
    case HB_UNICODE_GENERAL_CATEGORY_FORMAT: return Bc::BN;
    case HB_UNICODE_GENERAL_CATEGORY_CURRENCY_SYMBOL: return Bc::ET;
    default: break;
    }
    // Arabic, Syriac, Thaana and their presentation forms: AL, with a few ON exceptions.
    if (in(c, 0x0600, 0x07BF) || in(c, 0x0860, 0x08FF) || in(c, 0xFB50, 0xFDFF) || in(c, 0xFE70, 0xFEFE) ||
        in(c, 0x1EE00, 0x1EEFF)) {
        if (c == 0x060E || c == 0x060F || c == 0x06DE || c == 0x06E9 || c == 0xFD3E || c == 0xFD3F || c == 0xFDFD) return Bc::ON;
        return Bc::AL;
    }
    if (in(c, 0x0590, 0x05FF) || in(c, 0x07C0, 0x085F) || in(c, 0xFB1D, 0xFB4F) || in(c, 0x10800, 0x10FFF) ||
        in(c, 0x1E800, 0x1EDFF) || in(c, 0x1EF00, 0x1EFFF))
        return Bc::R;
    const hb_script_t script = hb_unicode_script(uf, c);
    if (script != HB_SCRIPT_COMMON && script != HB_SCRIPT_INHERITED && script != HB_SCRIPT_UNKNOWN &&
        hb_script_get_horizontal_direction(script) == HB_DIRECTION_RTL)
        return Bc::R;
    switch (gc) {
    case HB_UNICODE_GENERAL_CATEGORY_LOWERCASE_LETTER:
    case HB_UNICODE_GENERAL_CATEGORY_MODIFIER_LETTER:
    case HB_UNICODE_GENERAL_CATEGORY_OTHER_LETTER:
    case HB_UNICODE_GENERAL_CATEGORY_TITLECASE_LETTER:
    case HB_UNICODE_GENERAL_CATEGORY_UPPERCASE_LETTER:
    case HB_UNICODE_GENERAL_CATEGORY_SPACING_MARK:
    case HB_UNICODE_GENERAL_CATEGORY_DECIMAL_NUMBER:
    case HB_UNICODE_GENERAL_CATEGORY_LETTER_NUMBER:
    case HB_UNICODE_GENERAL_CATEGORY_PRIVATE_USE:
    case HB_UNICODE_GENERAL_CATEGORY_UNASSIGNED: return Bc::L;
    case HB_UNICODE_GENERAL_CATEGORY_SPACE_SEPARATOR: return Bc::WS;
    default: return Bc::ON;
    }
}

/// UAX #9 P2-P3: 1 (right-to-left) or 0 after the first strong character; -1 when there is none.
int paragraph_level(const std::vector<Bc>& t) {
    for (const Bc c : t) {
        if (c == Bc::L) return 0;
        if (c == Bc::R || c == Bc::AL) return 1;
    }
    return -1;
}

/// UAX #9 W1-W7, N1-N2, I1-I2 and L1 for one paragraph at `para` (0 or 1): the level of each character.
std::vector<int> resolve_levels(const std::vector<Bc>& orig, int para) {
    const std::size_t n = orig.size();
    std::vector<Bc> t = orig;
    std::vector<std::size_t> idx;  // X9: boundary neutrals (BN) are left out of the resolution
    for (std::size_t i = 0; i < n; ++i)
        if (t[i] != Bc::BN) idx.push_back(i);
    const std::size_t m = idx.size();
    const auto at = [&](std::size_t k) -> Bc& { return t[idx[k]]; };
    const Bc sor = para ? Bc::R : Bc::L;  // one level run: sor = eor = the paragraph direction
    // W1: a non-spacing mark takes the type of the character before it.
    for (std::size_t k = 0; k < m; ++k)
        if (at(k) == Bc::NSM) at(k) = k ? at(k - 1) : sor;
    // W2: European numbers after Arabic letters are Arabic numbers.
    Bc last = sor;
    for (std::size_t k = 0; k < m; ++k) {
        if (at(k) == Bc::L || at(k) == Bc::R || at(k) == Bc::AL)
            last = at(k);
        else if (at(k) == Bc::EN && last == Bc::AL)
            at(k) = Bc::AN;
    }
    // W3
    for (std::size_t k = 0; k < m; ++k)
        if (at(k) == Bc::AL) at(k) = Bc::R;
    // W4: one separator between two numbers of the same kind joins them.
    for (std::size_t k = 1; k + 1 < m; ++k) {
        const Bc a = at(k - 1), b = at(k + 1);
        if (at(k) == Bc::ES && a == Bc::EN && b == Bc::EN)
            at(k) = Bc::EN;
        else if (at(k) == Bc::CS && a == b && (a == Bc::EN || a == Bc::AN))
            at(k) = a;
    }
    // W5: terminators next to a European number belong to it.
    for (std::size_t k = 0; k < m;) {
        if (at(k) != Bc::ET) {
            ++k;
            continue;
        }
        std::size_t j = k;
        while (j < m && at(j) == Bc::ET) ++j;
        if ((k > 0 && at(k - 1) == Bc::EN) || (j < m && at(j) == Bc::EN))
            for (std::size_t q = k; q < j; ++q) at(q) = Bc::EN;
        k = j;
    }
    // W6
    for (std::size_t k = 0; k < m; ++k)
        if (at(k) == Bc::ES || at(k) == Bc::ET || at(k) == Bc::CS) at(k) = Bc::ON;
    // W7: European numbers in left-to-right context are left-to-right.
    last = sor;
    for (std::size_t k = 0; k < m; ++k) {
        if (at(k) == Bc::L || at(k) == Bc::R)
            last = at(k);
        else if (at(k) == Bc::EN && last == Bc::L)
            at(k) = Bc::L;
    }
    // N1-N2: neutrals between two characters of one direction take it, others the paragraph's.
    const auto neutral = [](Bc c) { return c == Bc::B || c == Bc::S || c == Bc::WS || c == Bc::ON; };
    const auto strong = [](Bc c) { return c == Bc::L ? Bc::L : Bc::R; };  // EN and AN count as R
    for (std::size_t k = 0; k < m;) {
        if (!neutral(at(k))) {
            ++k;
            continue;
        }
        std::size_t j = k;
        while (j < m && neutral(at(j))) ++j;
        const Bc before = k > 0 ? strong(at(k - 1)) : sor;
        const Bc after = j < m ? strong(at(j)) : sor;
        const Bc d = before == after ? before : sor;
        for (std::size_t q = k; q < j; ++q) at(q) = d;
        k = j;
    }
    // I1-I2
    std::vector<int> level(n, para);
    for (std::size_t k = 0; k < m; ++k) {
        const Bc c = at(k);
        int lv = para;
        if (para == 0)
            lv += c == Bc::R ? 1 : (c == Bc::AN || c == Bc::EN) ? 2 : 0;
        else
            lv += (c == Bc::L || c == Bc::EN || c == Bc::AN) ? 1 : 0;
        level[idx[k]] = lv;
    }
    for (std::size_t i = 0; i < n; ++i)  // boundary neutrals: the level of the character before
        if (orig[i] == Bc::BN) level[i] = i ? level[i - 1] : para;
    // L1: separators, and whitespace before them or at the end of the line, at the paragraph level.
    const auto space = [](Bc c) { return c == Bc::WS || c == Bc::BN; };
    for (std::size_t i = 0; i <= n; ++i) {
        if (i < n && orig[i] != Bc::S && orig[i] != Bc::B) continue;
        if (i < n) level[i] = para;
        for (std::size_t j = i; j > 0 && space(orig[j - 1]); --j) level[j - 1] = para;
    }
    return level;
}

struct Run {
    std::size_t start, end;  // [start, end) in the line's code points
    int level;
};

/// The level runs of a line in visual order (UAX #9 L2, applied to whole runs: the characters
/// inside an odd run are put right to left by shaping it right to left).
std::vector<Run> visual_runs(const std::vector<int>& level) {
    std::vector<Run> runs;
    for (std::size_t i = 0; i < level.size();) {
        std::size_t j = i;
        while (j < level.size() && level[j] == level[i]) ++j;
        runs.push_back({i, j, level[i]});
        i = j;
    }
    int max_level = 0, min_odd = std::numeric_limits<int>::max();
    for (const Run& r : runs) {
        max_level = std::max(max_level, r.level);
        if (r.level % 2) min_odd = std::min(min_odd, r.level);
    }
    for (int lv = max_level; lv >= min_odd; --lv) {
        for (std::size_t i = 0; i < runs.size();) {
            if (runs[i].level < lv) {
                ++i;
                continue;
            }
            std::size_t j = i;
            while (j < runs.size() && runs[j].level >= lv) ++j;
            std::reverse(runs.begin() + static_cast<std::ptrdiff_t>(i), runs.begin() + static_cast<std::ptrdiff_t>(j));
            i = j;
        }
    }
    return runs;
}

// ---- Fonts ----------------------------------------------------------------------------------

struct FontFile {
    std::string path;
    BlobPtr blob;
    FacePtr face;
    FontPtr font;  // scaled to font units (upem)
    unsigned upem = 1000;
    bool has(std::uint32_t cp) const {
        hb_codepoint_t g = 0;
        return hb_font_get_nominal_glyph(font.get(), cp, &g) && g != 0;
    }
};

/// The font at `path`, or nothing when it is not there or not a TrueType font (`required`: throws).
std::optional<FontFile> open_font(const std::string& path, bool required) {
    BlobPtr blob(hb_blob_create_from_file_or_fail(path.c_str()));
    if (!blob) {
        if (!required) return std::nullopt;
        throw Error(Errc::file_unreadable, "cannot read the font '" + path + "'", "give a TrueType font file (.ttf)");
    }
    FacePtr face(hb_face_create(blob.get(), 0));
    if (hb_face_get_glyph_count(face.get()) == 0) {
        if (!required) return std::nullopt;
        throw Error(Errc::file_unreadable, "cannot read the font '" + path + "': not a TrueType or OpenType font",
                    "give a TrueType font file (.ttf)");
    }
    const BlobPtr glyf(hb_face_reference_table(face.get(), HB_TAG('g', 'l', 'y', 'f')));
    if (hb_blob_get_length(glyf.get()) == 0) {
        if (!required) return std::nullopt;
        throw Error(Errc::unsupported, "the font '" + path + "' has no TrueType outlines (glyf table)",
                    "give a TrueType font (.ttf), not a CFF-based OpenType font (.otf)");
    }
    FontFile f;
    f.path = path;
    f.upem = hb_face_get_upem(face.get());
    f.font.reset(hb_font_create(face.get()));
    hb_font_set_scale(f.font.get(), static_cast<int>(f.upem), static_cast<int>(f.upem));
    f.blob = std::move(blob);
    f.face = std::move(face);
    return f;
}

/// The font chain: the given font (or the first default there is), then the Latin fallbacks.
std::vector<FontFile> open_fonts(const std::string& font_path) {
    std::vector<FontFile> fonts;
    if (!font_path.empty()) {
        fonts.push_back(*open_font(font_path, true));
    } else {
        for (const char* p : kDefaultFonts) {
            if (auto f = open_font(p, false)) {
                fonts.push_back(std::move(*f));
                break;
            }
        }
        if (fonts.empty())
            throw Error(Errc::file_unreadable,
                        "cannot read a default font for the signature appearance (" + std::string(kDefaultFonts[0]) + ")",
                        "install fonts-noto-core (or fonts-farsiweb), or give a TrueType font with Arabic-script glyphs");
    }
    for (const char* p : kFallbackFonts) {
        if (p == fonts.front().path) continue;
        if (auto f = open_font(p, false)) fonts.push_back(std::move(*f));
    }
    return fonts;
}

/// A big-endian integer of a font table (0 past its end).
long table_int(const BlobPtr& table, unsigned offset, unsigned size, bool is_signed) {
    unsigned len = 0;
    const char* d = hb_blob_get_data(table.get(), &len);
    if (!d || offset + size > len) return 0;
    unsigned long v = 0;
    for (unsigned i = 0; i < size; ++i) v = (v << 8) | static_cast<unsigned char>(d[offset + i]);
    if (is_signed && size < sizeof(long) && (v >> (8 * size - 1)) != 0) return static_cast<long>(v) - (1L << (8 * size));
    return static_cast<long>(v);
}

/// The PostScript name, reduced to the characters a PDF name and a font name allow.
std::string postscript_name(const FontFile& f) {
    std::array<char, 128> buf{};
    unsigned size = buf.size();
    hb_ot_name_get_utf8(f.face.get(), HB_OT_NAME_ID_POSTSCRIPT_NAME, HB_LANGUAGE_INVALID, &size, buf.data());
    std::string name;
    for (unsigned i = 0; i < size && buf[i]; ++i) {
        const char c = buf[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')
            name += c;
    }
    if (name.empty()) name = "Font";
    return name.substr(0, 56);
}

// ---- Shaping --------------------------------------------------------------------------------

struct Glyph {
    std::size_t font;  // index in the chain
    hb_codepoint_t gid;
    double advance, dx, dy;  // em
    std::u32string text;     // the cluster's text on its logically first glyph, else empty
    unsigned cid = 0;
};

struct Line {
    std::vector<Glyph> glyphs;  // visual order, left to right
    double advance = 0;         // em
    bool rtl = false;
};

struct Segment {
    std::size_t start, end;
    std::size_t font;
    hb_script_t script;
};

bool real_script(hb_script_t s) { return s != HB_SCRIPT_COMMON && s != HB_SCRIPT_INHERITED && s != HB_SCRIPT_UNKNOWN; }

/// The script of each code point, Common and Inherited ones taking their neighbour's (UAX #24 style).
std::vector<hb_script_t> resolve_scripts(hb_unicode_funcs_t* uf, const std::vector<std::uint32_t>& cps) {
    std::vector<hb_script_t> s(cps.size(), HB_SCRIPT_COMMON);
    for (std::size_t i = 0; i < cps.size(); ++i) s[i] = hb_unicode_script(uf, cps[i]);
    hb_script_t prev = HB_SCRIPT_INVALID;
    for (auto& x : s) {
        if (real_script(x))
            prev = x;
        else if (prev != HB_SCRIPT_INVALID)
            x = prev;
    }
    hb_script_t next = HB_SCRIPT_LATIN;  // a line of digits and punctuation only
    for (std::size_t i = s.size(); i-- > 0;) {
        if (real_script(s[i]))
            next = s[i];
        else
            s[i] = next;
    }
    return s;
}

/// Splits a level run into segments of one script and one font: each script run in the first font
/// of the chain that has its letters, the characters that font lacks in the first font that has
/// them (marks staying with the character before them when its font has them).
std::vector<Segment> segments_of(const Run& run, const std::vector<std::uint32_t>& cps, const std::vector<hb_script_t>& scripts,
                                 const std::vector<FontFile>& fonts, hb_unicode_funcs_t* uf) {
    std::vector<Segment> out;
    const auto push = [&](std::size_t i, std::size_t font) {
        if (!out.empty() && out.back().end == i && out.back().font == font && out.back().script == scripts[i])
            ++out.back().end;
        else
            out.push_back({i, i + 1, font, scripts[i]});
    };
    for (std::size_t i = run.start; i < run.end;) {
        std::size_t j = i;
        while (j < run.end && scripts[j] == scripts[i]) ++j;
        // The run's font: the first that has all its letters (the characters of its own script;
        // all its characters when it has none), so that digits and punctuation stay in the style of
        // the words around them.
        bool has_letters = false;
        for (std::size_t k = i; k < j; ++k) has_letters = has_letters || real_script(hb_unicode_script(uf, cps[k]));
        std::optional<std::size_t> run_font;
        for (std::size_t f = 0; f < fonts.size() && !run_font; ++f) {
            bool all = true;
            for (std::size_t k = i; k < j && all; ++k)
                all =
                    invisible(uf, cps[k]) || (has_letters && !real_script(hb_unicode_script(uf, cps[k]))) || fonts[f].has(cps[k]);
            if (all) run_font = f;
        }
        for (std::size_t k = i; k < j; ++k) {
            const std::uint32_t c = cps[k];
            if (run_font && (invisible(uf, c) || fonts[*run_font].has(c))) {
                push(k, *run_font);
                continue;
            }
            const auto gc = hb_unicode_general_category(uf, c);
            const bool attached = invisible(uf, c) || gc == HB_UNICODE_GENERAL_CATEGORY_NON_SPACING_MARK ||
                                  gc == HB_UNICODE_GENERAL_CATEGORY_ENCLOSING_MARK ||
                                  gc == HB_UNICODE_GENERAL_CATEGORY_SPACING_MARK;
            if (attached && k > run.start && !out.empty() && (invisible(uf, c) || fonts[out.back().font].has(c))) {
                push(k, out.back().font);
                continue;
            }
            std::size_t f = 0;
            while (f < fonts.size() && !fonts[f].has(c) && !invisible(uf, c)) ++f;
            if (f == fonts.size())
                throw Error(Errc::unsupported,
                            "signature appearance: no font has a glyph for " + u_plus(c) + " (" + fonts[0].path + ")",
                            "give a font that has it, or leave the character out");
            push(k, f);
        }
        i = j;
    }
    return out;
}

/// Shapes one segment (the whole line as context) and appends its glyphs, in visual order.
void shape_segment(const Segment& seg, bool rtl, const std::vector<std::uint32_t>& cps, const std::vector<FontFile>& fonts,
                   std::vector<Glyph>& out) {
    const FontFile& font = fonts[seg.font];
    BufferPtr buf(hb_buffer_create());
    // Grapheme clusters: a mark belongs to its base's cluster, so extractors get the base and its
    // marks from one glyph instead of a mark glyph drawn over another (which pdftotext takes for a
    // new word).
    hb_buffer_set_cluster_level(buf.get(), HB_BUFFER_CLUSTER_LEVEL_MONOTONE_GRAPHEMES);
    hb_buffer_add_utf32(buf.get(), cps.data(), static_cast<int>(cps.size()), static_cast<unsigned>(seg.start),
                        static_cast<int>(seg.end - seg.start));
    hb_buffer_set_direction(buf.get(), rtl ? HB_DIRECTION_RTL : HB_DIRECTION_LTR);
    hb_buffer_set_script(buf.get(), seg.script);
    hb_buffer_set_language(buf.get(), hb_language_from_string(seg.script == HB_SCRIPT_ARABIC ? "fa" : "en", -1));
    unsigned flags = HB_BUFFER_FLAG_DEFAULT;
    if (seg.start == 0) flags |= HB_BUFFER_FLAG_BOT;
    if (seg.end == cps.size()) flags |= HB_BUFFER_FLAG_EOT;
    hb_buffer_set_flags(buf.get(), static_cast<hb_buffer_flags_t>(flags));
    if (!hb_buffer_allocation_successful(buf.get())) throw Error(Errc::internal, "signature appearance: out of memory");
    hb_shape(font.font.get(), buf.get(), nullptr, 0);

    unsigned count = 0;
    const hb_glyph_info_t* info = hb_buffer_get_glyph_infos(buf.get(), &count);
    const hb_glyph_position_t* pos = hb_buffer_get_glyph_positions(buf.get(), &count);
    // Each cluster runs from its value to the next larger cluster value of the segment.
    std::vector<std::uint32_t> starts;
    for (unsigned i = 0; i < count; ++i) starts.push_back(info[i].cluster);
    std::sort(starts.begin(), starts.end());
    starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
    const auto cluster_text = [&](std::uint32_t c) {
        const auto it = std::upper_bound(starts.begin(), starts.end(), c);
        const std::size_t end = it == starts.end() ? seg.end : *it;
        std::u32string s;
        for (std::size_t k = c; k < end; ++k) s += static_cast<char32_t>(cps[k]);
        return s;
    };
    const double em = font.upem;
    const std::size_t first = out.size();
    for (unsigned i = 0; i < count; ++i) {
        if (info[i].codepoint == 0)
            throw Error(
                Errc::unsupported,
                "signature appearance: the font has no glyph for " + u_plus(cps[info[i].cluster]) + " (" + font.path + ")",
                "give a font that has it, or leave the character out");
        out.push_back({seg.font, info[i].codepoint, pos[i].x_advance / em, pos[i].x_offset / em, pos[i].y_offset / em, {}, 0});
    }
    // The logically first glyph of each cluster carries the cluster's text (the rightmost one when
    // right to left: HarfBuzz reverses a right-to-left buffer glyph by glyph): ligatures map to all
    // their characters, a base to itself and its marks, the other glyphs of a cluster to nothing.
    // (Monotone cluster levels keep the glyphs of a cluster together.)
    for (unsigned k = 0; k < count; ++k) {
        const unsigned i = rtl ? count - 1 - k : k;
        const unsigned logically_before = rtl ? i + 1 : i - 1;
        if (k == 0 || info[logically_before].cluster != info[i].cluster) out[first + i].text = cluster_text(info[i].cluster);
    }
}

Line shape_line(const std::vector<std::uint32_t>& cps, int para, const std::vector<FontFile>& fonts, hb_unicode_funcs_t* uf) {
    Line line;
    line.rtl = para == 1;
    if (cps.empty()) return line;
    std::vector<Bc> classes;
    for (const std::uint32_t c : cps) classes.push_back(bidi_class(uf, c));
    const std::vector<hb_script_t> scripts = resolve_scripts(uf, cps);
    for (const Run& run : visual_runs(resolve_levels(classes, para))) {
        const bool rtl = run.level % 2 == 1;
        std::vector<Segment> segs = segments_of(run, cps, scripts, fonts, uf);
        if (rtl) std::reverse(segs.begin(), segs.end());
        for (const Segment& s : segs) shape_segment(s, rtl, cps, fonts, line.glyphs);
    }
    for (const Glyph& g : line.glyphs) line.advance += g.advance;
    return line;
}

// ---- Embedding: CIDs, subset, font dictionaries, ToUnicode ----------------------------------

/// The glyphs of one font that the appearance uses. CID = glyph id for the first text a glyph
/// stands for; the same glyph standing for another text (a mirrored parenthesis, a shared form
/// of kaf and keheh, an invisible character on the space glyph) gets a CID past the last glyph id,
/// mapped back to the glyph by a CIDToGIDMap stream, so that every CID has one ToUnicode text.
struct UsedFont {
    std::string resource;                                                // "F1"
    std::map<unsigned, std::pair<hb_codepoint_t, std::u32string>> cids;  // CID -> (glyph, text)
    bool identity = true;
};

std::vector<std::optional<UsedFont>> assign_cids(std::vector<Line>& lines, std::size_t font_count) {
    std::vector<std::optional<UsedFont>> used(font_count);
    std::vector<hb_codepoint_t> max_gid(font_count, 0);
    std::vector<std::map<hb_codepoint_t, std::u32string>> primary(font_count);
    int next_resource = 1;
    for (const Line& l : lines) {
        for (const Glyph& g : l.glyphs) {
            if (!used[g.font]) used[g.font] = UsedFont{"F" + std::to_string(next_resource++), {}, true};
            primary[g.font].try_emplace(g.gid, g.text);
            max_gid[g.font] = std::max(max_gid[g.font], g.gid);
        }
    }
    std::vector<std::map<std::pair<hb_codepoint_t, std::u32string>, unsigned>> extra(font_count);
    for (Line& l : lines) {
        for (Glyph& g : l.glyphs) {
            UsedFont& u = *used[g.font];
            if (primary[g.font].at(g.gid) == g.text) {
                g.cid = g.gid;
            } else {
                auto& ex = extra[g.font];
                auto it = ex.find({g.gid, g.text});
                if (it == ex.end()) {
                    const std::size_t cid = max_gid[g.font] + 1 + ex.size();
                    if (cid > 0xFFFF) throw Error(Errc::unsupported, "signature appearance: too many distinct glyphs");
                    it = ex.emplace(std::make_pair(g.gid, g.text), static_cast<unsigned>(cid)).first;
                    u.identity = false;
                }
                g.cid = it->second;
            }
            u.cids.try_emplace(g.cid, g.gid, g.text);
        }
    }
    return used;
}

std::string flate_encode(const std::string& data) {
    uLongf size = compressBound(static_cast<uLong>(data.size()));
    std::string out(size, '\0');
    if (compress2(reinterpret_cast<Bytef*>(out.data()), &size, reinterpret_cast<const Bytef*>(data.data()),
                  static_cast<uLong>(data.size()), Z_BEST_COMPRESSION) != Z_OK)
        throw Error(Errc::internal, "signature appearance: cannot compress the font");
    out.resize(size);
    return out;
}

std::string stream(const std::string& dict_entries, const std::string& data) {
    return "<<" + dict_entries + " /Length " + std::to_string(data.size()) + " >>\nstream\n" + data + "\nendstream";
}

/// The font program with only the used glyphs (glyph ids kept: RETAIN_GIDS), no layout tables.
std::string subset_font(const FontFile& font, const UsedFont& used) {
    SubsetInputPtr input(hb_subset_input_create_or_fail());
    if (!input) throw Error(Errc::internal, "signature appearance: out of memory");
    hb_set_t* glyphs = hb_subset_input_glyph_set(input.get());
    hb_set_add(glyphs, 0);
    for (const auto& [cid, v] : used.cids) hb_set_add(glyphs, v.first);
    hb_set_t* drop = hb_subset_input_set(input.get(), HB_SUBSET_SETS_DROP_TABLE_TAG);
    for (const hb_tag_t t :
         {HB_TAG('G', 'S', 'U', 'B'), HB_TAG('G', 'P', 'O', 'S'), HB_TAG('G', 'D', 'E', 'F'), HB_TAG('B', 'A', 'S', 'E'),
          HB_TAG('J', 'S', 'T', 'F'), HB_TAG('M', 'A', 'T', 'H'), HB_TAG('k', 'e', 'r', 'n'), HB_TAG('D', 'S', 'I', 'G'),
          HB_TAG('m', 'o', 'r', 'x'), HB_TAG('k', 'e', 'r', 'x'), HB_TAG('S', 'T', 'A', 'T'), HB_TAG('m', 'e', 't', 'a')})
        hb_set_add(drop, t);
    hb_subset_input_set_flags(input.get(), HB_SUBSET_FLAGS_RETAIN_GIDS);
    const FacePtr sub(hb_subset_or_fail(font.face.get(), input.get()));
    if (!sub) throw Error(Errc::unsupported, "signature appearance: cannot subset the font '" + font.path + "'");
    const BlobPtr blob(hb_face_reference_blob(sub.get()));
    unsigned len = 0;
    const char* data = hb_blob_get_data(blob.get(), &len);
    if (!data || len == 0) throw Error(Errc::unsupported, "signature appearance: cannot subset the font '" + font.path + "'");
    return std::string(data, len);
}

/// Six capital letters naming the subset (ISO 32000-1 §9.6.4), the same for the same glyphs.
std::string subset_tag(const std::string& name, const UsedFont& used) {
    std::uint64_t h = 1469598103934665603ULL;  // FNV-1a
    const auto mix = [&](std::uint64_t v) {
        for (int i = 0; i < 4; ++i, v >>= 8) h = (h ^ (v & 0xFF)) * 1099511628211ULL;
    };
    for (const char c : name) mix(static_cast<unsigned char>(c));
    for (const auto& [cid, v] : used.cids) {
        mix(cid);
        mix(v.first);
        for (const char32_t c : v.second) mix(static_cast<std::uint32_t>(c));
    }
    std::string tag;
    for (int i = 0; i < 6; ++i, h /= 26) tag += static_cast<char>('A' + h % 26);
    return tag;
}

/// Advance widths in 1000 units per em, as /W gives them (two decimals) and the content stream assumes.
double pdf_width(const FontFile& f, hb_codepoint_t gid) {
    return std::round(hb_font_get_glyph_h_advance(f.font.get(), gid) * 100000.0 / f.upem) / 100;
}

std::string to_unicode_cmap(const UsedFont& used) {
    std::vector<std::string> entries;
    for (const auto& [cid, v] : used.cids)
        if (!v.second.empty()) entries.push_back("<" + hex4(cid) + "> <" + utf16be_hex(std::u32string_view(v.second)) + ">\n");
    std::string s =
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n";
    for (std::size_t i = 0; i < entries.size(); i += 100) {  // at most 100 entries a block
        const std::size_t n = std::min<std::size_t>(100, entries.size() - i);
        s += std::to_string(n) + " beginbfchar\n";
        for (std::size_t k = i; k < i + n; ++k) s += entries[k];
        s += "endbfchar\n";
    }
    s += "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n";
    return s;
}

/// The objects of one font, made before any object number is taken (so that an error leaves
/// none taken): the dictionaries' contents less their references, and the streams.
struct FontObjects {
    std::string name;        // "/ABCDEF+PostScriptName"
    std::string widths;      // the /W array
    std::string descriptor;  // the descriptor's entries but /FontFile2
    std::string program;     // the FontFile2 stream object
    std::string to_unicode;  // the ToUnicode stream object
    std::string cid_to_gid;  // the CIDToGIDMap stream object; empty: /Identity
};

FontObjects prepare_font(const FontFile& font, const UsedFont& used) {
    FontObjects o;
    const std::string ps = postscript_name(font);
    o.name = "/" + subset_tag(ps, used) + "+" + ps;
    const double k = 1000.0 / font.upem;

    // /W: runs of consecutive CIDs, c [w1 w2 ...]
    o.widths = "[";
    for (auto it = used.cids.begin(); it != used.cids.end();) {
        o.widths += std::to_string(it->first) + " [";
        unsigned expect = it->first;
        bool first = true;
        for (; it != used.cids.end() && it->first == expect; ++it, ++expect) {
            o.widths += (first ? "" : " ") + num(pdf_width(font, it->second.first));
            first = false;
        }
        o.widths += "] ";
    }
    o.widths.back() = ']';

    if (!used.identity) {  // identity below the extra CIDs, then each extra CID's glyph
        std::string data(2 * (static_cast<std::size_t>(used.cids.rbegin()->first) + 1), '\0');
        for (std::size_t c = 0; c < data.size() / 2; ++c) {
            data[2 * c] = static_cast<char>((c >> 8) & 0xFF);
            data[2 * c + 1] = static_cast<char>(c & 0xFF);
        }
        for (const auto& [cid, v] : used.cids) {
            const std::size_t at = 2 * static_cast<std::size_t>(cid);
            data[at] = static_cast<char>((v.first >> 8) & 0xFF);
            data[at + 1] = static_cast<char>(v.first & 0xFF);
        }
        o.cid_to_gid = stream(" /Filter /FlateDecode", flate_encode(data));
    }

    const BlobPtr head(hb_face_reference_table(font.face.get(), HB_TAG('h', 'e', 'a', 'd')));
    const BlobPtr os2(hb_face_reference_table(font.face.get(), HB_TAG('O', 'S', '/', '2')));
    const BlobPtr post(hb_face_reference_table(font.face.get(), HB_TAG('p', 'o', 's', 't')));
    hb_font_extents_t ext{};
    hb_font_get_h_extents(font.font.get(), &ext);
    hb_position_t cap = 0;
    if (!hb_ot_metrics_get_position(font.font.get(), HB_OT_METRICS_TAG_CAP_HEIGHT, &cap) || cap <= 0) cap = ext.ascender;
    const double italic = static_cast<double>(table_int(post, 4, 4, true)) / 65536.0;
    const long weight = table_int(os2, 4, 2, false) ? table_int(os2, 4, 2, false) : 400;
    const double stem_v = 50 + std::pow(static_cast<double>(weight) / 65.0, 2);  // a usual estimate from the weight class
    const int flags = 4 | (italic != 0 ? 64 : 0);                                // Symbolic, Italic
    o.descriptor = "/Type /FontDescriptor /FontName " + o.name + " /Flags " + std::to_string(flags) + " /FontBBox [" +
                   num(static_cast<double>(table_int(head, 36, 2, true)) * k, 0) + " " +
                   num(static_cast<double>(table_int(head, 38, 2, true)) * k, 0) + " " +
                   num(static_cast<double>(table_int(head, 40, 2, true)) * k, 0) + " " +
                   num(static_cast<double>(table_int(head, 42, 2, true)) * k, 0) + "] /ItalicAngle " + num(italic) + " /Ascent " +
                   num(ext.ascender * k, 0) + " /Descent " + num(ext.descender * k, 0) + " /CapHeight " + num(cap * k, 0) +
                   " /StemV " + num(stem_v, 0);

    const std::string program = subset_font(font, used);
    o.program = stream(" /Length1 " + std::to_string(program.size()) + " /Filter /FlateDecode", flate_encode(program));
    o.to_unicode = stream("", to_unicode_cmap(used));
    return o;
}

/// Writes the objects of one font (Type 0 font, CIDFontType2, descriptor, FontFile2, ToUnicode,
/// CIDToGIDMap when not identity); returns the Type 0 font's number.
int write_font(FontObjects o, const std::function<int()>& new_object_number, std::vector<PdfObject>& objects) {
    const auto ref = [](int n) { return std::to_string(n) + " 0 R"; };
    const int type0 = new_object_number(), cidfont = new_object_number(), descriptor = new_object_number(),
              file = new_object_number(), to_unicode = new_object_number();
    std::string cid_to_gid = "/Identity";
    if (!o.cid_to_gid.empty()) {
        const int map = new_object_number();
        objects.push_back({map, std::move(o.cid_to_gid)});
        cid_to_gid = ref(map);
    }
    objects.push_back({type0, "<< /Type /Font /Subtype /Type0 /BaseFont " + o.name + " /Encoding /Identity-H /DescendantFonts [" +
                                  ref(cidfont) + "] /ToUnicode " + ref(to_unicode) + " >>"});
    objects.push_back(
        {cidfont, "<< /Type /Font /Subtype /CIDFontType2 /BaseFont " + o.name +
                      " /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor " +
                      ref(descriptor) + " /W " + o.widths + " /CIDToGIDMap " + cid_to_gid + " >>"});
    objects.push_back({descriptor, "<< " + o.descriptor + " /FontFile2 " + ref(file) + " >>"});
    objects.push_back({file, std::move(o.program)});
    objects.push_back({to_unicode, std::move(o.to_unicode)});
    return type0;
}

// ---- Layout ---------------------------------------------------------------------------------

/// One line's text object: glyphs placed where HarfBuzz put them (TJ adjustments for advances and
/// horizontal offsets, text rise for vertical offsets), switching fonts where the segments do.
std::string draw_line(const Line& line, double x, double y, double size, const std::vector<FontFile>& fonts,
                      const std::vector<std::optional<UsedFont>>& used) {
    std::string out = "BT\n0 Tc 0 Tw 100 Tz 0 Tr 0 Ts\n";
    std::optional<std::size_t> font;
    double rise = 0;
    double pending = 0;  // TJ adjustment (thousandths of the font size, positive moves left) before the next glyph
    std::string tj, hex;
    const auto flush_hex = [&] {
        if (!hex.empty()) tj += "<" + hex + ">";
        hex.clear();
    };
    const auto flush_tj = [&] {
        flush_hex();
        if (!tj.empty()) out += "[" + tj + "] TJ\n";
        tj.clear();
    };
    bool first = true;
    for (const Glyph& g : line.glyphs) {
        const double want_rise = g.dy * size;
        if (!font || *font != g.font || std::abs(want_rise - rise) > 0.0005) {
            flush_tj();
            if (!font || *font != g.font) out += "/" + used[g.font]->resource + " " + num(size, 3) + " Tf\n";
            if (first) out += num(x) + " " + num(y) + " Td\n";
            if (std::abs(want_rise - rise) > 0.0005) out += num(want_rise, 3) + " Ts\n";
            font = g.font;
            rise = want_rise;
            first = false;
        }
        const double before = pending - g.dx * 1000;
        if (std::abs(before) >= 0.005) {
            flush_hex();
            tj += (tj.empty() ? "" : " ") + num(before) + " ";
        }
        hex += hex4(g.cid);
        const double w = pdf_width(fonts[g.font], g.gid);
        pending = w + g.dx * 1000 - g.advance * 1000;  // back from where the PDF leaves the pen to HarfBuzz's next origin
    }
    flush_tj();
    return out + "ET\n";
}

}  // namespace

Appearance make_appearance(const std::vector<std::string>& lines, double width, double height,
                           const std::function<int()>& new_object_number, const std::string& font_path) {
    if (!std::isfinite(width) || !std::isfinite(height) || width <= 0 || height <= 0 || width > kMaxBox || height > kMaxBox) {
        const auto shown = [](double v) { return std::isfinite(v) && std::abs(v) < 1e9 ? num(v) : std::string("?"); };
        throw Error(Errc::usage, "invalid signature box: " + shown(width) + " x " + shown(height) + " points",
                    "give a box with sides between 0 and 14400 points");
    }
    const std::vector<FontFile> fonts = open_fonts(font_path);
    hb_unicode_funcs_t* uf = hb_unicode_funcs_get_default();  // not owned

    // Each line is a paragraph; a line without strong characters takes the box's direction.
    std::vector<std::vector<std::uint32_t>> text;
    std::vector<int> para;
    int box_level = 0;
    for (const std::string& l : lines) {
        text.push_back(decode_utf8(l));
        std::vector<Bc> classes;
        for (const std::uint32_t c : text.back()) classes.push_back(bidi_class(uf, c));
        para.push_back(paragraph_level(classes));
        if (para.back() == 1) box_level = 1;
    }
    std::vector<Line> shaped;
    for (std::size_t i = 0; i < text.size(); ++i)
        shaped.push_back(shape_line(text[i], para[i] < 0 ? box_level : para[i], fonts, uf));
    std::vector<std::optional<UsedFont>> used = assign_cids(shaped, fonts.size());

    // The widest line fills the width less the margins, unless the lines would not fit the height.
    double ascent = 0, descent = 0;  // em, over the fonts used (all of the chain when none is)
    const bool any_used = std::any_of(used.begin(), used.end(), [](const auto& u) { return u.has_value(); });
    for (std::size_t f = 0; f < fonts.size(); ++f) {
        if (any_used && !used[f]) continue;
        hb_font_extents_t ext{};
        hb_font_get_h_extents(fonts[f].font.get(), &ext);
        ascent = std::max(ascent, static_cast<double>(ext.ascender) / fonts[f].upem);
        descent = std::max(descent, -static_cast<double>(ext.descender) / fonts[f].upem);
    }
    if (ascent + descent <= 0) ascent = 1;
    const double margin = std::min(std::clamp(0.06 * std::min(width, height), 1.0, 6.0), 0.1 * std::min(width, height));
    const double inner_w = width - 2 * margin, inner_h = height - 2 * margin;
    double widest = 0;
    for (const Line& l : shaped) widest = std::max(widest, l.advance);
    double size = shaped.empty() ? 0 : inner_h / (static_cast<double>(shaped.size()) * (ascent + descent));
    if (widest > 0) size = std::min(size, inner_w / widest);
    const double line_height = size * (ascent + descent);
    const double top = height - margin - (inner_h - line_height * static_cast<double>(shaped.size())) / 2;

    std::string content =
        "q\n0.5 w 0 J 0 j [] 0 d 0.3 G\n0.25 0.25 " + num(width - 0.5) + " " + num(height - 0.5) + " re S\n0 g\n";
    for (std::size_t i = 0; i < shaped.size(); ++i) {
        const Line& l = shaped[i];
        if (l.glyphs.empty()) continue;
        const double x = l.rtl ? width - margin - l.advance * size : margin;
        const double y = top - static_cast<double>(i) * line_height - ascent * size;
        content += draw_line(l, x, y, size, fonts, used);
    }
    content += "Q\n";

    std::vector<std::pair<std::string, FontObjects>> prepared;  // resource name, objects
    for (std::size_t f = 0; f < fonts.size(); ++f)
        if (used[f]) prepared.emplace_back(used[f]->resource, prepare_font(fonts[f], *used[f]));

    Appearance ap;
    ap.xobject = new_object_number();
    std::string font_resources;
    for (auto& [resource, objects] : prepared) {
        const int type0 = write_font(std::move(objects), new_object_number, ap.objects);
        font_resources += " /" + resource + " " + std::to_string(type0) + " 0 R";
    }
    const std::string resources = font_resources.empty() ? "<< >>" : "<< /Font <<" + font_resources + " >> >>";
    ap.objects.insert(ap.objects.begin(), PdfObject{ap.xobject, stream(" /Type /XObject /Subtype /Form /BBox [0 0 " + num(width) +
                                                                           " " + num(height) + "] /Resources " + resources,
                                                                       content)});
    return ap;
}

}  // namespace tsign::pdf::detail
