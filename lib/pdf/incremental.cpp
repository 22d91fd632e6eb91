// The incremental-update writer (see incremental.hpp). qpdf parses; it cannot append an update
// that leaves the earlier bytes untouched, so this small writer does.
#include "pdf/incremental.hpp"

#include <ctime>
#include <set>
#include <vector>

#include "core/ossl.hpp"
#include "tsign/error.hpp"

namespace tsign::pdf::detail {

IncrementalUpdate::IncrementalUpdate(Reader& base) : base_(base), next_(base.next_object()) {}

int IncrementalUpdate::new_object() {
    if (next_ >= 8388607) throw Error(Errc::unsupported, "the PDF has too many objects to add more");
    return next_++;
}

void IncrementalUpdate::set(int num, std::string body, int gen) { objects_[num] = {gen, std::move(body)}; }

void IncrementalUpdate::set_stream(int num, const std::string& data, const std::string& extra) {
    set(num, "<<" + extra + " /Length " + std::to_string(data.size()) + " >>\nstream\n" + data + "\nendstream");
}

std::string IncrementalUpdate::finish(std::map<int, std::int64_t>* offsets_out) {
    const auto bytes = base_.bytes();
    std::string out;
    // The base may end without an end-of-line after %%EOF: the update starts on a line of its own.
    if (bytes.back() != '\n' && bytes.back() != '\r') out += "\n";
    const auto base = static_cast<std::int64_t>(bytes.size());
    std::map<int, std::pair<std::int64_t, int>> offsets;  // num -> (offset, gen)
    for (const auto& [num, v] : objects_) {
        offsets[num] = {base + static_cast<std::int64_t>(out.size()), v.first};
        out += std::to_string(num) + " " + std::to_string(v.first) + " obj\n" + v.second + "\nendobj\n";
    }
    QPDFObjectHandle trailer = base_.guard([&] { return base_.qpdf().getTrailer(); }, "cannot read the trailer");
    std::string keys;
    for (const char* k : {"/Root", "/Info", "/ID"}) {
        const std::string v = base_.guard([&] { return trailer.hasKey(k) ? trailer.getKey(k).unparse() : std::string(); },
                                          "cannot read the trailer");
        if (!v.empty()) keys += std::string(" ") + k + " " + v;
    }
    const std::string prev = " /Prev " + std::to_string(base_.startxref());
    if (!base_.xref_stream()) {
        const std::int64_t xref_at = base + static_cast<std::int64_t>(out.size());
        out += "xref\n";
        for (auto it = offsets.begin(); it != offsets.end();) {
            auto end = it;
            int count = 0;
            while (end != offsets.end() && end->first == it->first + count) ++end, ++count;
            out += std::to_string(it->first) + " " + std::to_string(count) + "\n";
            for (; it != end; ++it) {
                char line[32];
                std::snprintf(line, sizeof line, "%010lld %05d n \n", static_cast<long long>(it->second.first),
                              it->second.second);
                out += line;
            }
        }
        out += "trailer\n<< /Size " + std::to_string(next_) + keys + prev + " >>\nstartxref\n" + std::to_string(xref_at) +
               "\n%%EOF\n";
    } else {
        const int self = next_++;
        const std::int64_t xref_at = base + static_cast<std::int64_t>(out.size());
        offsets[self] = {xref_at, 0};
        std::string index, data;
        for (auto it = offsets.begin(); it != offsets.end();) {
            auto end = it;
            int count = 0;
            while (end != offsets.end() && end->first == it->first + count) ++end, ++count;
            index += (index.empty() ? "" : " ") + std::to_string(it->first) + " " + std::to_string(count);
            for (; it != end; ++it) {
                const auto off = static_cast<std::uint64_t>(it->second.first);
                data += '\x01';
                for (int s = 32; s >= 0; s -= 8) data += static_cast<char>((off >> s) & 0xff);
                data += static_cast<char>((it->second.second >> 8) & 0xff);
                data += static_cast<char>(it->second.second & 0xff);
            }
        }
        out += std::to_string(self) + " 0 obj\n<< /Type /XRef /Size " + std::to_string(next_) + " /W [1 5 2] /Index [" + index +
               "]" + keys + prev + " /Length " + std::to_string(data.size()) + " >>\nstream\n" + data +
               "\nendstream\nendobj\nstartxref\n" + std::to_string(xref_at) + "\n%%EOF\n";
    }
    if (offsets_out)
        for (const auto& [num, v] : offsets) (*offsets_out)[num] = v.first;
    return out;
}

std::string pdf_name(const std::string& raw) {
    std::string out = "/";
    static const char* hex = "0123456789ABCDEF";
    for (unsigned char c : raw) {
        if (c < 0x21 || c > 0x7e || std::string_view("()<>[]{}/%#").find(static_cast<char>(c)) != std::string_view::npos) {
            out += '#';
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

std::string pdf_hex_string(const std::string& bytes) {
    static const char* hex = "0123456789ABCDEF";
    std::string out = "<";
    for (unsigned char c : bytes) {
        out += hex[c >> 4];
        out += hex[c & 15];
    }
    return out + ">";
}

std::string pdf_text_string(const std::string& utf8) {
    bool ascii = true;
    for (unsigned char c : utf8) ascii = ascii && c >= 0x20 && c < 0x7f;
    if (ascii) {
        std::string out = "(";
        for (char c : utf8) {
            if (c == '(' || c == ')' || c == '\\') out += '\\';
            out += c;
        }
        return out + ")";
    }
    // UTF-8 -> UTF-16BE with a byte order mark (ISO 32000-1 §7.9.2.2); invalid bytes as U+FFFD.
    std::u32string text;
    for (std::size_t i = 0; i < utf8.size();) {
        char32_t cp = 0;
        const std::size_t n = ossl::utf8_char(utf8, i, &cp);
        text.push_back(n == 0 ? U'\uFFFD' : cp);
        i += n == 0 ? 1 : n;
    }
    return "<FEFF" + utf16be_hex(text) + ">";
}

std::string utf16be_hex(std::u32string_view text) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    auto put = [&](std::uint32_t u) {
        for (int shift = 12; shift >= 0; shift -= 4) out += digits[(u >> shift) & 0xF];
    };
    for (const char32_t c : text) {
        const auto cp = static_cast<std::uint32_t>(c);
        if (cp < 0x10000) {
            put(cp);
        } else {
            put(0xD800 + ((cp - 0x10000) >> 10));
            put(0xDC00 + ((cp - 0x10000) & 0x3FF));
        }
    }
    return out;
}

std::string pdf_date(std::int64_t t) {
    const std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, "(D:%Y%m%d%H%M%S+00'00')", &tm);
    return buf;
}

std::string dict_with(QPDFObjectHandle dict, const std::map<std::string, std::string>& replace) {
    std::string out = "<<";
    for (const std::string& k : dict.getKeys()) {
        if (replace.count(k)) continue;
        out += " " + QPDFObjectHandle::newName(k).unparse() + " " + dict.getKey(k).unparse();
    }
    for (const auto& [k, v] : replace)
        if (!v.empty()) out += " " + QPDFObjectHandle::newName(k).unparse() + " " + v;
    return out + " >>";
}

std::string array_with(QPDFObjectHandle array, const std::string& append) {
    std::string out = "[";
    if (array.isArray())
        for (int i = 0; i < array.getArrayNItems(); ++i) out += array.getArrayItem(i).unparse() + " ";
    return out + append + "]";
}

namespace {

void walk_fields(QPDFObjectHandle list, const std::string& prefix, const std::string& inherited_ft, int depth,
                 std::set<QPDFObjGen>& seen, bool sig_only, std::vector<SignatureField>& out) {
    if (!list.isArray() || depth > 32) return;
    for (int i = 0; i < list.getArrayNItems(); ++i) {
        QPDFObjectHandle f = list.getArrayItem(i);
        if (!f.isDictionary()) continue;
        if (f.isIndirect() && !seen.insert(f.getObjGen()).second) continue;
        QPDFObjectHandle t = f.getKey("/T");
        const std::string name = t.isString() ? (prefix.empty() ? "" : prefix + ".") + t.getUTF8Value() : prefix;
        QPDFObjectHandle ft = f.getKey("/FT");
        const std::string type = ft.isName() ? ft.getName() : inherited_ft;
        QPDFObjectHandle kids = f.getKey("/Kids");
        if (kids.isArray() && t.isString()) {
            walk_fields(kids, name, type, depth + 1, seen, sig_only, out);
            // A field with kids that are widgets only still holds its own value.
            bool has_field_kids = false;
            for (int k = 0; k < kids.getArrayNItems(); ++k)
                if (kids.getArrayItem(k).isDictionary() && kids.getArrayItem(k).hasKey("/T")) has_field_kids = true;
            if (has_field_kids) continue;
        }
        if (sig_only && type != "/Sig") continue;
        QPDFObjectHandle v = f.getKey("/V");
        out.push_back({f, name, v.isDictionary() ? v : QPDFObjectHandle::newNull()});
    }
}

}  // namespace

std::vector<SignatureField> all_fields(QPDF& q, bool signatures_only) {
    std::vector<SignatureField> out;
    QPDFObjectHandle af = q.getRoot().getKey("/AcroForm");
    if (!af.isDictionary()) return out;
    std::set<QPDFObjGen> seen;
    walk_fields(af.getKey("/Fields"), "", "", 0, seen, signatures_only, out);
    return out;
}

std::string ref(int num, int gen) { return std::to_string(num) + " " + std::to_string(gen) + " R"; }

}  // namespace tsign::pdf::detail
