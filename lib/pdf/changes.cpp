// The difference analysis of incremental updates (see changes.hpp). Every indirect object reachable
// from the final document's catalog that existed in the signed revision is compared with its signed
// version; a change is allowed only where a signature workflow makes one: /AcroForm /Fields and a
// page's /Annots gaining signature fields, an empty signature field gaining its value, the catalog
// gaining /DSS (or the ESIC /Extensions that goes with it), and form filling (/V, /AS, /AP of
// fields and widgets) when the DocMDP level allows it. Anything else is named.
#include "pdf/changes.hpp"

#include <cctype>
#include <cstring>
#include <tuple>
#include <deque>
#include <string_view>
#include <map>
#include <set>

#include <qpdf/QPDFXRefEntry.hh>

namespace tsign::pdf::detail {

namespace {

enum class Kind { signature, doc_timestamp, dss, form_fill, annotation, other };

std::string og_text(const QPDFObjGen& og) { return "object " + std::to_string(og.getObj()) + " " + std::to_string(og.getGen()); }

bool same_value(QPDFObjectHandle a, QPDFObjectHandle b) {
    if (a.isStream() != b.isStream()) return false;
    if (a.isStream()) {
        if (a.getDict().unparse() != b.getDict().unparse()) return false;
        const auto da = a.getRawStreamData(), db = b.getRawStreamData();
        return da->getSize() == db->getSize() && std::equal(da->getBuffer(), da->getBuffer() + da->getSize(), db->getBuffer());
    }
    return a.unparseResolved() == b.unparseResolved();
}

/// Keys whose values differ (references compared as references).
std::set<std::string> changed_keys(QPDFObjectHandle a, QPDFObjectHandle b) {
    std::set<std::string> keys, out;
    if (a.isStream()) a = a.getDict();
    if (b.isStream()) b = b.getDict();
    if (!a.isDictionary() || !b.isDictionary()) return {"(type)"};
    for (const auto& k : a.getKeys()) keys.insert(k);
    for (const auto& k : b.getKeys()) keys.insert(k);
    for (const auto& k : keys)
        if (a.getKey(k).unparse() != b.getKey(k).unparse()) out.insert(k);
    return out;
}

std::string name_of(QPDFObjectHandle d, const char* key) {
    if (!d.isDictionary()) return {};
    QPDFObjectHandle v = d.getKey(key);
    return v.isName() ? v.getName() : std::string();
}

bool is_sig_field(QPDFObjectHandle f) {
    for (int depth = 0; f.isDictionary() && depth < 16; ++depth, f = f.getKey("/Parent"))
        if (f.hasKey("/FT")) return name_of(f, "/FT") == "/Sig";
    return false;
}

bool is_doc_timestamp(QPDFObjectHandle v) {
    return v.isDictionary() && (name_of(v, "/Type") == "/DocTimeStamp" || name_of(v, "/SubFilter") == "/ETSI.RFC3161");
}

class Analyser {
public:
    Analyser(Reader& old_rev, Reader& doc) : old_(old_rev), doc_(doc) {}

    void run() {
        QPDF& o = old_.qpdf();
        QPDF& n = doc_.qpdf();
        old_xref_ = o.getXRefTable();
        new_xref_ = n.getXRefTable();
        int i = 0;
        for (const auto& p : n.getAllPages()) page_number_[p.getObjGen()] = ++i;
        // An object number of the signed revision given another generation, or freed, by a later
        // update: readers disagree on what references to it then mean (qpdf keeps the old object).
        std::map<int, int> old_gen;
        for (const auto& [og, e] : old_xref_) old_gen[og.getObj()] = og.getGen();
        for (const auto& [og, e] : new_xref_) {
            auto it = old_gen.find(og.getObj());
            if (it != old_gen.end() && it->second != og.getGen())
                add(Kind::other,
                    "object " + std::to_string(og.getObj()) + " redefined with generation " + std::to_string(og.getGen()));
        }
        const Sections later = sections_after(old_.bytes().size());
        for (int freed : later.freed)
            if (old_gen.count(freed)) add(Kind::other, "object " + std::to_string(freed) + " of the signed revision freed");
        // Freed (or dropped) by a cross-reference stream: the signed object is gone.
        for (const auto& [og, e] : old_xref_)
            if (!new_xref_.count(og) && og.getObj() != 0)
                add(Kind::other, og_text(og) + " of the signed revision freed or dropped");
        // A number below the signed revision's /Size defined afterwards: a reference in the signed
        // revision to a missing object (read as null then) would now reach it.
        const int old_size = old_.next_object();
        for (const auto& [og, e] : new_xref_)
            if (!old_gen.count(og.getObj()) && og.getObj() < old_size)
                add(Kind::other, og_text(og) + " defined after signing under a number the signed revision had reserved");
        // An object body in a later update that the cross-reference table does not point to: a
        // reader that rebuilds the table (poppler, after any lookup fails) would take it.
        for (const auto& [num, gen, at] : object_headers_after(old_.bytes().size())) {
            if (later.xref_streams.count(at)) continue;
            auto it = new_xref_.find(QPDFObjGen(num, gen));
            const bool listed = (it != new_xref_.end() && it->second.getType() == 1 && it->second.getOffset() == at) ||
                                later.in_use.count({num, gen, at}) != 0;
            if (!listed)
                add(Kind::other, "an object body for " + std::to_string(num) + " " + std::to_string(gen) + " at offset " +
                                     std::to_string(at) + " that the cross-reference table does not point to");
        }
        // The trailer's /Info replaced (qpdf drops a reference to a missing object: compared as text too).
        {
            QPDFObjectHandle a = o.getTrailer().getKey("/Info"), b = n.getTrailer().getKey("/Info");
            const std::string ta = a.isIndirect() ? og_text(a.getObjGen()) : a.unparse(),
                              tb = b.isIndirect() ? og_text(b.getObjGen()) : b.unparse();
            if (ta != tb) add(Kind::other, "the document information (/Info) replaced");
        }
        QPDFObjectHandle old_root = o.getRoot(), new_root = n.getRoot();
        if (old_root.getObjGen() != new_root.getObjGen()) {
            compare_catalog(old_root, new_root);
            checked_.insert(new_root.getObjGen());
        }
        // Breadth-first over every indirect object reachable from the final catalog and /Info.
        std::deque<QPDFObjectHandle> queue{new_root};
        QPDFObjectHandle info = n.getTrailer().getKey("/Info");
        if (info.isIndirect()) queue.push_back(info);
        std::set<QPDFObjGen> seen;
        while (!queue.empty()) {
            QPDFObjectHandle h = queue.front();
            queue.pop_front();
            if (!h.isIndirect() || !seen.insert(h.getObjGen()).second) continue;
            const bool same = visit(h);
            std::deque<QPDFObjectHandle> refs;
            collect_refs(h.isStream() ? h.getDict() : h, refs, 0);
            // An object of the signed revision, unchanged, that refers to an object the signed
            // revision did not have: the reference was dangling (null) when signed, and a later
            // update gave it a body.
            if (same && old_xref_.count(h.getObjGen()))
                for (auto& r : refs)
                    if (r.isIndirect() && !old_xref_.count(r.getObjGen()))
                        add(Kind::other, og_text(h.getObjGen()) + " refers to " + og_text(r.getObjGen()) +
                                             ", which did not exist when signed and was defined later");
            queue.insert(queue.end(), refs.begin(), refs.end());
        }
    }

    std::vector<std::pair<Kind, std::string>> changes;

private:
    void add(Kind k, std::string what) { changes.emplace_back(k, std::move(what)); }

    void collect_refs(QPDFObjectHandle h, std::deque<QPDFObjectHandle>& queue, int depth) {
        if (depth > 64) return;
        if (h.isDictionary()) {
            for (const auto& k : h.getKeys()) {
                QPDFObjectHandle v = h.getKey(k);
                if (v.isIndirect())
                    queue.push_back(v);
                else
                    collect_refs(v, queue, depth + 1);
            }
        } else if (h.isArray()) {
            for (int i = 0; i < h.getArrayNItems(); ++i) {
                QPDFObjectHandle v = h.getArrayItem(i);
                if (v.isIndirect())
                    queue.push_back(v);
                else
                    collect_refs(v, queue, depth + 1);
            }
        }
    }

    /// Every "N G obj" that starts a line (or follows "endobj") after `from`: (N, G, offset).
    std::vector<std::tuple<int, int, std::int64_t>> object_headers_after(std::size_t from) {
        std::vector<std::tuple<int, int, std::int64_t>> out;
        const auto bytes = doc_.bytes();
        const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        for (std::size_t at = text.find("obj", from); at != std::string_view::npos; at = text.find("obj", at + 3)) {
            if (at + 3 < text.size() && std::isalnum(static_cast<unsigned char>(text[at + 3]))) continue;
            std::size_t p = at;
            auto back_ws = [&] {
                std::size_t n = 0;
                while (p > from && std::strchr(" \t\r\n\f", text[p - 1]) && text[p - 1] != '\0') --p, ++n;
                return n;
            };
            auto back_num = [&](long long& v) {
                std::size_t end = p;
                while (p > from && text[p - 1] >= '0' && text[p - 1] <= '9' && end - p < 10) --p;
                if (p == end) return false;
                v = std::stoll(std::string(text.substr(p, end - p)));
                return true;
            };
            long long gen = 0, num = 0;
            if (back_ws() == 0 || !back_num(gen) || back_ws() == 0 || !back_num(num)) continue;
            const bool line_start =
                p == 0 || text[p - 1] == '\n' || text[p - 1] == '\r' || (p >= 6 && text.substr(p - 6, 6) == "endobj");
            if (!line_start || num > 8388607 || gen > 65535) continue;
            out.emplace_back(static_cast<int>(num), static_cast<int>(gen), static_cast<std::int64_t>(p));
        }
        return out;
    }

    /// What the cross-reference sections written after `from` say: objects in use at an offset
    /// (number, generation, offset) and objects marked free. Classic tables are read as text;
    /// cross-reference streams (found through each later startxref) are decoded.
    struct Sections {
        std::set<std::tuple<int, int, std::int64_t>> in_use;
        std::vector<int> freed;
        std::set<std::int64_t> xref_streams;  // where each later cross-reference stream starts
    };
    Sections sections_after(std::size_t from) {
        Sections out;
        const auto bytes = doc_.bytes();
        const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        auto skip_ws = [&](std::size_t& p) {
            while (p < text.size() && std::strchr(" \t\r\n\f", text[p]) && text[p] != '\0') ++p;
        };
        auto number = [&](std::size_t& p, long long& v) {
            skip_ws(p);
            const std::size_t start = p;
            v = 0;
            while (p < text.size() && text[p] >= '0' && text[p] <= '9' && p - start < 12) v = v * 10 + (text[p++] - '0');
            return p > start;
        };
        // The sections the file really has: the last startxref, then each section's /Prev, back to
        // the signed revision (a "startxref" or "xref" written inside a stream counts for nothing).
        std::vector<std::size_t> chain;
        {
            std::set<std::int64_t> seen;
            std::int64_t off = doc_.startxref();
            while (off > 0 && static_cast<std::size_t>(off) >= from && static_cast<std::size_t>(off) < text.size() &&
                   seen.insert(off).second && chain.size() < 100000) {
                chain.push_back(static_cast<std::size_t>(off));
                std::int64_t prev = -1;
                std::size_t q = static_cast<std::size_t>(off);
                if (text.compare(q, 4, "xref") == 0) {
                    const std::size_t t = text.find("trailer", q);
                    const std::size_t e = t == std::string_view::npos ? t : text.find("startxref", t);
                    const std::size_t k = t == std::string_view::npos ? t : text.find("/Prev", t);
                    if (k != std::string_view::npos && k < e) {
                        std::size_t p = k + 5;
                        long long v = 0;
                        if (number(p, v)) prev = v;
                    }
                } else {
                    long long num = 0, gen = 0;
                    if (number(q, num) && number(q, gen)) {
                        QPDFObjectHandle xs = doc_.qpdf().getObject(static_cast<int>(num), static_cast<int>(gen));
                        if (xs.isStream() && xs.getDict().getKey("/Prev").isInteger())
                            prev = xs.getDict().getKey("/Prev").getIntValue();
                    }
                }
                off = prev;
            }
        }
        // Classic tables.
        for (const std::size_t at : chain) {
            if (text.compare(at, 4, "xref") != 0) continue;
            std::size_t p = at + 4;
            for (;;) {
                long long first = 0, count = 0;
                const std::size_t save = p;
                if (!number(p, first) || !number(p, count) || count < 0 || count > 8388607) {
                    p = save;
                    break;
                }
                for (long long i = 0; i < count; ++i) {
                    long long off = 0, gen = 0;
                    if (!number(p, off) || !number(p, gen)) break;
                    skip_ws(p);
                    if (p < text.size() && text[p] == 'f' && first + i > 0) out.freed.push_back(static_cast<int>(first + i));
                    if (p < text.size() && text[p] == 'n')
                        out.in_use.emplace(static_cast<int>(first + i), static_cast<int>(gen), static_cast<std::int64_t>(off));
                    if (p < text.size()) ++p;
                }
            }
        }
        // Cross-reference streams.
        for (const std::size_t at : chain) {
            const auto off = static_cast<std::int64_t>(at);
            std::size_t q = at;
            long long num = 0, gen = 0;
            if (text.compare(q, 4, "xref") == 0 || !number(q, num) || !number(q, gen)) continue;
            QPDFObjectHandle xs = doc_.qpdf().getObject(static_cast<int>(num), static_cast<int>(gen));
            if (!xs.isStream()) continue;
            out.xref_streams.insert(off);  // its own body need not be listed in it (writers often omit it)
            QPDFObjectHandle d = xs.getDict();
            QPDFObjectHandle w = d.getKey("/W"), index = d.getKey("/Index"), size = d.getKey("/Size");
            if (!w.isArray() || w.getArrayNItems() != 3) continue;
            int wd[3];
            for (int i = 0; i < 3; ++i)
                wd[i] = w.getArrayItem(i).isInteger() ? static_cast<int>(w.getArrayItem(i).getIntValue()) : -1;
            if (wd[0] < 0 || wd[1] < 0 || wd[2] < 0 || wd[0] > 8 || wd[1] > 8 || wd[2] > 8) continue;
            std::vector<std::pair<long long, long long>> ranges;
            if (index.isArray())
                for (int i = 0; i + 1 < index.getArrayNItems(); i += 2)
                    ranges.emplace_back(index.getArrayItem(i).isInteger() ? index.getArrayItem(i).getIntValue() : 0,
                                        index.getArrayItem(i + 1).isInteger() ? index.getArrayItem(i + 1).getIntValue() : 0);
            else if (size.isInteger())
                ranges.emplace_back(0, size.getIntValue());
            const std::string data = decode_capped(xs, std::size_t{16} << 20);
            const std::size_t row =
                static_cast<std::size_t>(wd[0]) + static_cast<std::size_t>(wd[1]) + static_cast<std::size_t>(wd[2]);
            std::size_t r = 0;
            auto field = [&](std::size_t pos, int width) {
                std::uint64_t v = 0;
                for (int k = 0; k < width; ++k)
                    v = (v << 8) | static_cast<unsigned char>(data[pos + static_cast<std::size_t>(k)]);
                return v;
            };
            for (const auto& [start, count] : ranges)
                for (long long i = 0; i < count && row > 0 && (r + 1) * row <= data.size(); ++i, ++r) {
                    const std::size_t base = r * row;
                    const std::uint64_t type = wd[0] == 0 ? 1 : field(base, wd[0]);
                    const std::uint64_t f2 = field(base + static_cast<std::size_t>(wd[0]), wd[1]);
                    const std::uint64_t f3 = field(base + static_cast<std::size_t>(wd[0] + wd[1]), wd[2]);
                    const long long obj = start + i;
                    if (type == 0 && obj > 0) out.freed.push_back(static_cast<int>(obj));
                    if (type == 1) out.in_use.emplace(static_cast<int>(obj), static_cast<int>(f3), static_cast<std::int64_t>(f2));
                }
        }
        return out;
    }

    /// The same bytes in both files: the object was not redefined after the signed revision.
    bool untouched(const QPDFObjGen& og) {
        auto a = old_xref_.find(og), b = new_xref_.find(og);
        if (a == old_xref_.end() || b == new_xref_.end()) return false;
        if (a->second.getType() != b->second.getType()) return false;
        // Only an uncompressed object at the same offset is the same bytes: an object in an object
        // stream depends on the stream's dictionary, whose values may be indirect (compared by value).
        return a->second.getType() == 1 && a->second.getOffset() == b->second.getOffset();
    }

    /// Compares an object with its signed version; true when it is the same (or not comparable).
    bool visit(const QPDFObjectHandle& h) {
        const QPDFObjGen og = h.getObjGen();
        if (checked_.count(og) || !old_xref_.count(og)) return false;
        if (untouched(og)) return true;
        QPDFObjectHandle before = old_.qpdf().getObject(og);
        if (same_value(before, h)) return true;
        classify(before, h);
        return false;
    }

    void classify(QPDFObjectHandle before, QPDFObjectHandle after) {
        const QPDFObjGen og = after.getObjGen();
        if (og == old_.qpdf().getRoot().getObjGen()) return compare_catalog(before, after);
        if (before.isArray() && after.isArray()) {
            if (role_fields_.count(og) || og == old_fields_og()) return compare_list(before, after, "/AcroForm /Fields", true);
            if (annots_owner_.count(og)) return compare_list(before, after, page_text(annots_owner_[og]) + " /Annots", false);
            return add(Kind::other, og_text(og) + " (an array) changed");
        }
        if (!before.isDictionary() && !before.isStream()) return add(Kind::other, og_text(og) + " changed");
        if (before.isStream() || after.isStream())
            return add(Kind::other,
                       og_text(og) + " (a stream" + std::string(page_content_.count(og) ? ", page content" : "") + ") changed");
        const std::set<std::string> keys = changed_keys(before, after);
        const std::string type = name_of(before, "/Type");
        if (og == old_acroform_og()) return compare_acroform(before, after);
        if (type == "/Page") {
            std::string others;
            for (const auto& k : keys) {
                if (k == "/Annots") {
                    QPDFObjectHandle b = after.getKey("/Annots");
                    if (takes_new_role(b, page_text(og) + " /Annots"))
                        compare_list(before.getKey("/Annots"), b, page_text(og) + " /Annots", false);
                } else
                    others += (others.empty() ? "" : ", ") + k;
            }
            if (!others.empty()) add(Kind::other, page_text(og) + ": " + others + " changed");
            return;
        }
        if (type == "/Pages") return add(Kind::other, "the page tree (" + og_text(og) + ") changed");
        const bool field = fields_.count(og) != 0;
        const bool widget = name_of(before, "/Subtype") == "/Widget" && annots_.count(og) != 0;
        if ((field || widget) && is_sig_field(before)) {
            // An empty signature field that gets signed: /V (and its appearance) only, and /V a
            // signature dictionary (an appearance without a signature could show anything).
            QPDFObjectHandle nv = after.getKey("/V");
            bool ok = !before.getKey("/V").isDictionary() && nv.isDictionary() && nv.getKey("/Contents").isString() &&
                      nv.getKey("/ByteRange").isArray();
            std::string bad;
            for (const auto& k : keys)
                if (k != "/V" && k != "/AP" && k != "/AS") bad += (bad.empty() ? "" : ", ") + k;
            if (ok && bad.empty()) {
                add(is_doc_timestamp(after.getKey("/V")) ? Kind::doc_timestamp : Kind::signature,
                    "an empty signature field was signed");
                return;
            }
            if (bad.empty())
                return add(Kind::other,
                           "signature field " + og_text(og) + ": " +
                               (nv.isDictionary() ? std::string("its signature replaced") : "an appearance without a signature"));
            return add(Kind::other, "signature field " + og_text(og) + ": " + bad + " changed");
        }
        if (field || widget) {
            std::string bad;
            for (const auto& k : keys)
                if (k != "/V" && k != "/AS" && k != "/AP" && k != "/MK") bad += (bad.empty() ? "" : ", ") + k;
            if (bad.empty()) return add(Kind::form_fill, "form field " + field_name(before) + ": value changed");
            return add(Kind::other, "form field " + field_name(before) + ": " + bad + " changed");
        }
        if (annots_.count(og) && !widget) return add(Kind::annotation, "annotation " + og_text(og) + " changed");
        std::string list;
        for (const auto& k : keys) list += (list.empty() ? "" : ", ") + k;
        add(Kind::other, og_text(og) + (type.empty() ? "" : " (" + type.substr(1) + ")") + ": " + list + " changed");
    }

    /// What makes a new signature field more than a signature: a widget of another kind, actions,
    /// or an unsigned field that shows something (it could cover the page: "sneaky signatures").
    std::string new_signature_field_problem(QPDFObjectHandle f) {
        const std::string subtype = name_of(f, "/Subtype");
        if (!subtype.empty() && subtype != "/Widget") return "a signature field that is a " + subtype.substr(1) + " annotation";
        if (f.hasKey("/A") || f.hasKey("/AA")) return "a signature field with actions";
        QPDFObjectHandle v = f.getKey("/V");
        const bool is_signed = v.isDictionary() && v.getKey("/Contents").isString() && v.getKey("/ByteRange").isArray();
        if (is_signed) return {};
        QPDFObjectHandle r = f.getKey("/Rect");
        bool visible = f.hasKey("/AP");
        if (r.isArray() && r.getArrayNItems() == 4) {
            double c[4] = {0, 0, 0, 0};
            for (int i = 0; i < 4; ++i) {
                QPDFObjectHandle x = r.getArrayItem(i);
                c[i] = x.isNumber() ? x.getNumericValue() : 0;
            }
            visible = visible && (c[2] - c[0]) * (c[3] - c[1]) != 0;
        }
        return visible ? "an unsigned signature field with an appearance" : std::string();
    }

    std::string field_name(QPDFObjectHandle f) {
        QPDFObjectHandle t = f.getKey("/T");
        return t.isString() ? "'" + t.getUTF8Value() + "'" : og_text(f.getObjGen());
    }

    std::string page_text(const QPDFObjGen& og) {
        auto it = page_number_.find(og);
        return it == page_number_.end() ? "page " + og_text(og) : "page " + std::to_string(it->second);
    }

    QPDFObjGen old_acroform_og() {
        QPDFObjectHandle af = old_.qpdf().getRoot().getKey("/AcroForm");
        return af.isIndirect() ? af.getObjGen() : QPDFObjGen();
    }
    QPDFObjGen old_fields_og() {
        QPDFObjectHandle af = old_.qpdf().getRoot().getKey("/AcroForm");
        QPDFObjectHandle f = af.isDictionary() ? af.getKey("/Fields") : QPDFObjectHandle::newNull();
        return f.isIndirect() ? f.getObjGen() : QPDFObjGen();
    }

    void compare_catalog(QPDFObjectHandle before, QPDFObjectHandle after) {
        for (const auto& k : changed_keys(before, after)) {
            if (k == "/DSS")
                add(Kind::dss, "validation data (DSS) added or extended");
            else if (k == "/Extensions")
                add(Kind::dss, "the catalog's /Extensions changed (PAdES extension level)");
            else if (k == "/AcroForm") {
                QPDFObjectHandle a = before.getKey("/AcroForm"), b = after.getKey("/AcroForm");
                if (a.isIndirect() && b.isIndirect() && a.getObjGen() == b.getObjGen())
                    continue;  // the object itself is compared
                if (!takes_new_role(b, "/AcroForm")) continue;
                compare_acroform(a, b);
            } else
                add(Kind::other, "the document catalog: " + k + " changed");
        }
    }

    void compare_acroform(QPDFObjectHandle before, QPDFObjectHandle after) {
        if (!after.isDictionary()) return add(Kind::other, "the interactive form (/AcroForm) was removed");
        if (!before.isDictionary()) before = QPDFObjectHandle::newDictionary();
        for (const auto& k : changed_keys(before, after)) {
            if (k == "/Fields") {
                QPDFObjectHandle a = before.getKey("/Fields"), b = after.getKey("/Fields");
                if (a.isIndirect() && b.isIndirect() && a.getObjGen() == b.getObjGen()) continue;
                if (!takes_new_role(b, "/AcroForm /Fields")) continue;
                compare_list(a, b, "/AcroForm /Fields", true);
            } else if (k == "/SigFlags") {
                continue;  // set when signature fields come
            } else if (k == "/DR") {
                compare_resources(before.getKey("/DR"), after.getKey("/DR"));
            } else {
                add(Kind::other, "/AcroForm " + k + " changed");
            }
        }
    }

    /// /AcroForm /DR: the form's default resources may gain entries (new fields' fonts), never
    /// lose or change one (that would change how existing fields render).
    void compare_resources(QPDFObjectHandle before, QPDFObjectHandle after) {
        if (before.isIndirect() && after.isIndirect() && before.getObjGen() == after.getObjGen())
            return;  // compared as an object
        if (!before.isDictionary()) {
            if (after.isDictionary()) add(Kind::form_fill, "the form's default resources (/DR) added");
            return;
        }
        if (!after.isDictionary()) return add(Kind::other, "the form's default resources (/DR) removed");
        bool added = false;
        for (const auto& cat : before.getKeys()) {
            QPDFObjectHandle a = before.getKey(cat), b = after.getKey(cat);
            if (a.isDictionary() && b.isDictionary() && !(a.isIndirect() && b.isIndirect() && a.getObjGen() == b.getObjGen())) {
                for (const auto& name : a.getKeys())
                    if (a.getKey(name).unparse() != b.getKey(name).unparse())
                        return add(Kind::other, "the form's default resources: " + cat + " " + name + " changed");
                added = added || b.getKeys().size() > a.getKeys().size();
            } else if (a.unparse() != b.unparse()) {
                return add(Kind::other, "the form's default resources: " + cat + " changed");
            }
        }
        added = added || after.getKeys().size() > before.getKeys().size();
        if (added) add(Kind::form_fill, "the form's default resources (/DR) gained entries");
    }

    /// Fields or annotations: every earlier entry kept, in order; new entries classified.
    /// A value that now stands where another object stood: a new object is compared here (and
    /// marked checked); an object of the signed revision put in a new role is a change itself.
    bool takes_new_role(const QPDFObjectHandle& v, const std::string& role) {
        if (!v.isIndirect()) return true;
        if (old_xref_.count(v.getObjGen())) {
            add(Kind::other, role + " now points to " + og_text(v.getObjGen()) + ", an object of the signed revision");
            return false;
        }
        checked_.insert(v.getObjGen());
        return true;
    }

    void compare_list(QPDFObjectHandle before, QPDFObjectHandle after, const std::string& where, bool fields) {
        std::vector<std::string> old_items, new_items;
        std::vector<QPDFObjectHandle> new_handles;
        if (before.isArray())
            for (int i = 0; i < before.getArrayNItems(); ++i) old_items.push_back(before.getArrayItem(i).unparse());
        if (!after.isArray()) {
            if (!old_items.empty()) add(Kind::other, where + " removed");
            return;
        }
        for (int i = 0; i < after.getArrayNItems(); ++i) {
            new_items.push_back(after.getArrayItem(i).unparse());
            new_handles.push_back(after.getArrayItem(i));
        }
        std::size_t j = 0;
        for (std::size_t i = 0; i < new_items.size(); ++i) {
            if (j < old_items.size() && new_items[i] == old_items[j]) {
                ++j;
                continue;
            }
            QPDFObjectHandle item = new_handles[i];
            if (item.isIndirect() && old_xref_.count(item.getObjGen())) {
                add(Kind::other,
                    where + ": an entry that existed before (" + og_text(item.getObjGen()) + ") was moved or added again");
                continue;
            }
            if (is_sig_field(item)) {
                QPDFObjectHandle v = item.getKey("/V");
                const std::string why = new_signature_field_problem(item);
                if (!why.empty())
                    add(Kind::other, where + ": " + why + " (" + field_name(item) + ")");
                else
                    add(is_doc_timestamp(v) ? Kind::doc_timestamp : Kind::signature,
                        is_doc_timestamp(v) ? "a document timestamp was added"
                                            : "a signature field was added (" + field_name(item) + ")");
            } else if (!fields && name_of(item, "/Subtype") != "/Widget") {
                add(Kind::annotation, where + ": an annotation (" + name_of(item, "/Subtype") + ") was added");
            } else {
                add(Kind::other, where + ": a form field that is not a signature was added");
            }
        }
        if (j < old_items.size())
            add(Kind::other, where + ": " + std::to_string(old_items.size() - j) + " earlier entries removed or reordered");
    }

public:
    void index_roles() {
        // Annots arrays held indirectly by pages, and page content streams, by object.
        for (auto p : doc_.qpdf().getAllPages()) {
            QPDFObjectHandle a = p.getKey("/Annots");
            if (a.isIndirect()) annots_owner_[a.getObjGen()] = p.getObjGen();
            QPDFObjectHandle c = p.getKey("/Contents");
            if (c.isIndirect()) page_content_.insert(c.getObjGen());
            if (c.isArray())
                for (int i = 0; i < c.getArrayNItems(); ++i)
                    if (c.getArrayItem(i).isIndirect()) page_content_.insert(c.getArrayItem(i).getObjGen());
        }
        for (auto p : old_.qpdf().getAllPages()) {
            QPDFObjectHandle a = p.getKey("/Annots");
            if (a.isIndirect()) annots_owner_[a.getObjGen()] = p.getObjGen();
            for (int i = 0; a.isArray() && i < a.getArrayNItems(); ++i)
                if (a.getArrayItem(i).isIndirect()) annots_.insert(a.getArrayItem(i).getObjGen());
        }
        // Every node of the signed revision's field tree.
        QPDFObjectHandle oaf = old_.qpdf().getRoot().getKey("/AcroForm");
        std::deque<std::pair<QPDFObjectHandle, int>> todo;
        if (oaf.isDictionary() && oaf.getKey("/Fields").isArray()) todo.emplace_back(oaf.getKey("/Fields"), 0);
        while (!todo.empty()) {
            auto [list, depth] = todo.front();
            todo.pop_front();
            for (int i = 0; depth < 32 && i < list.getArrayNItems(); ++i) {
                QPDFObjectHandle f = list.getArrayItem(i);
                if (!f.isIndirect() || !f.isDictionary() || !fields_.insert(f.getObjGen()).second) continue;
                if (f.getKey("/Kids").isArray()) todo.emplace_back(f.getKey("/Kids"), depth + 1);
            }
        }
        QPDFObjectHandle af = doc_.qpdf().getRoot().getKey("/AcroForm");
        if (af.isDictionary() && af.getKey("/Fields").isIndirect()) role_fields_.insert(af.getKey("/Fields").getObjGen());
    }

private:
    Reader& old_;
    Reader& doc_;
    std::map<QPDFObjGen, QPDFXRefEntry> old_xref_, new_xref_;
    std::map<QPDFObjGen, int> page_number_;
    std::map<QPDFObjGen, QPDFObjGen> annots_owner_;
    std::set<QPDFObjGen> page_content_, role_fields_, checked_, fields_, annots_;
};

}  // namespace

ChangeAnalysis analyse_changes(Reader& signed_revision, Reader& document, int docmdp) {
    Analyser a(signed_revision, document);
    document.guard(
        [&] {
            a.index_roles();
            a.run();
            return 0;
        },
        "cannot compare the revisions");
    ChangeAnalysis out;
    const int level = docmdp == 0 ? 2 : docmdp;
    for (auto& [kind, what] : a.changes) {
        bool ok = false, mdp = false;
        switch (kind) {
        case Kind::dss:
        case Kind::doc_timestamp: ok = true; break;  // EN 319 142-1 §5.4: never restricted by DocMDP
        case Kind::signature:
        case Kind::form_fill:
            ok = level >= 2;
            mdp = !ok;
            break;
        case Kind::annotation:
            ok = level >= 3;
            mdp = !ok && docmdp != 0;
            break;
        case Kind::other: break;
        }
        if (ok)
            out.allowed.push_back(what);
        else if (mdp)
            out.docmdp.push_back(what);
        else
            out.disallowed.push_back(what);
    }
    return out;
}

}  // namespace tsign::pdf::detail
