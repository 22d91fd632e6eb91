// The difference analysis of incremental updates (see changes.hpp). Every indirect object reachable
// from the final document's catalog that existed in the signed revision is compared with its signed
// version; a change is allowed only where a signature workflow makes one: /AcroForm /Fields and a
// page's /Annots gaining signature fields, an empty signature field gaining its value, the catalog
// gaining /DSS (or the ESIC /Extensions that goes with it), and form filling (/V, /AS, /AP of
// fields and widgets) when the DocMDP level allows it. Anything else is named.
#include "pdf/changes.hpp"

#include <deque>
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
        for (auto p : n.getAllPages()) page_number_[p.getObjGen()] = ++i;
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
            visit(h);
            collect_refs(h.isStream() ? h.getDict() : h, queue, 0);
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
                if (v.isIndirect()) queue.push_back(v);
                else collect_refs(v, queue, depth + 1);
            }
        } else if (h.isArray()) {
            for (int i = 0; i < h.getArrayNItems(); ++i) {
                QPDFObjectHandle v = h.getArrayItem(i);
                if (v.isIndirect()) queue.push_back(v);
                else collect_refs(v, queue, depth + 1);
            }
        }
    }

    /// The same bytes in both files: the object was not redefined after the signed revision.
    bool untouched(const QPDFObjGen& og) {
        auto a = old_xref_.find(og), b = new_xref_.find(og);
        if (a == old_xref_.end() || b == new_xref_.end()) return false;
        if (a->second.getType() != b->second.getType()) return false;
        if (a->second.getType() == 1) return a->second.getOffset() == b->second.getOffset();
        if (a->second.getType() == 2)
            return a->second.getObjStreamNumber() == b->second.getObjStreamNumber() &&
                   a->second.getObjStreamIndex() == b->second.getObjStreamIndex() &&
                   untouched(QPDFObjGen(a->second.getObjStreamNumber(), 0));
        return false;
    }

    void visit(QPDFObjectHandle h) {
        const QPDFObjGen og = h.getObjGen();
        if (checked_.count(og) || !old_xref_.count(og) || untouched(og)) return;
        QPDFObjectHandle before = old_.qpdf().getObject(og);
        if (same_value(before, h)) return;
        classify(before, h);
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
            return add(Kind::other, og_text(og) + " (a stream" + std::string(page_content_.count(og) ? ", page content" : "") +
                                        ") changed");
        const std::set<std::string> keys = changed_keys(before, after);
        const std::string type = name_of(before, "/Type");
        if (og == old_acroform_og()) return compare_acroform(before, after);
        if (type == "/Page") {
            std::string others;
            for (const auto& k : keys) {
                if (k == "/Annots") compare_list(before.getKey("/Annots"), after.getKey("/Annots"), page_text(og) + " /Annots", false);
                else others += (others.empty() ? "" : ", ") + k;
            }
            if (!others.empty()) add(Kind::other, page_text(og) + ": " + others + " changed");
            return;
        }
        if (type == "/Pages") return add(Kind::other, "the page tree (" + og_text(og) + ") changed");
        const bool field = before.hasKey("/FT") || before.hasKey("/Parent") || before.hasKey("/T");
        const bool widget = name_of(before, "/Subtype") == "/Widget";
        if ((field || widget) && is_sig_field(before)) {
            // An empty signature field that gets signed: /V (and its appearance) only.
            bool ok = !before.getKey("/V").isDictionary();
            std::string bad;
            for (const auto& k : keys)
                if (k != "/V" && k != "/AP" && k != "/AS") bad += (bad.empty() ? "" : ", ") + k;
            if (ok && bad.empty()) {
                add(is_doc_timestamp(after.getKey("/V")) ? Kind::doc_timestamp : Kind::signature, "an empty signature field was signed");
                return;
            }
            return add(Kind::other, "signature field " + og_text(og) + ": " + (bad.empty() ? "/V" : bad) + " changed");
        }
        if (field || widget) {
            std::string bad;
            for (const auto& k : keys)
                if (k != "/V" && k != "/AS" && k != "/AP" && k != "/MK") bad += (bad.empty() ? "" : ", ") + k;
            if (bad.empty()) return add(Kind::form_fill, "form field " + field_name(before) + ": value changed");
            return add(Kind::other, "form field " + field_name(before) + ": " + bad + " changed");
        }
        if (type == "/Annot" || before.hasKey("/Subtype"))
            return add(Kind::annotation, "annotation " + og_text(og) + " changed");
        std::string list;
        for (const auto& k : keys) list += (list.empty() ? "" : ", ") + k;
        add(Kind::other, og_text(og) + (type.empty() ? "" : " (" + type.substr(1) + ")") + ": " + list + " changed");
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
            if (k == "/DSS") add(Kind::dss, "validation data (DSS) added");
            else if (k == "/Extensions") add(Kind::dss, "the catalog's /Extensions changed (PAdES extension level)");
            else if (k == "/AcroForm") {
                QPDFObjectHandle a = before.getKey("/AcroForm"), b = after.getKey("/AcroForm");
                if (a.isIndirect() && b.isIndirect() && a.getObjGen() == b.getObjGen()) continue;  // the object itself is compared
                if (b.isIndirect()) checked_.insert(b.getObjGen());
                compare_acroform(a, b);
            } else add(Kind::other, "the document catalog: " + k + " changed");
        }
    }

    void compare_acroform(QPDFObjectHandle before, QPDFObjectHandle after) {
        if (!after.isDictionary()) return add(Kind::other, "the interactive form (/AcroForm) was removed");
        if (!before.isDictionary()) before = QPDFObjectHandle::newDictionary();
        for (const auto& k : changed_keys(before, after)) {
            if (k == "/Fields") {
                QPDFObjectHandle a = before.getKey("/Fields"), b = after.getKey("/Fields");
                if (a.isIndirect() && b.isIndirect() && a.getObjGen() == b.getObjGen()) continue;
                if (b.isIndirect()) checked_.insert(b.getObjGen());
                compare_list(a, b, "/AcroForm /Fields", true);
            } else if (k == "/SigFlags" || k == "/DR" || k == "/DA") {
                continue;  // set when signature fields come (their appearances' resources)
            } else {
                add(Kind::other, "/AcroForm " + k + " changed");
            }
        }
    }

    /// Fields or annotations: every earlier entry kept, in order; new entries classified.
    void compare_list(QPDFObjectHandle before, QPDFObjectHandle after, const std::string& where, bool fields) {
        if (after.isIndirect()) checked_.insert(after.getObjGen());
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
                add(Kind::other, where + ": an entry that existed before (" + og_text(item.getObjGen()) + ") was moved or added again");
                continue;
            }
            if (is_sig_field(item)) {
                QPDFObjectHandle v = item.getKey("/V");
                add(is_doc_timestamp(v) ? Kind::doc_timestamp : Kind::signature,
                    is_doc_timestamp(v) ? "a document timestamp was added" : "a signature field was added (" + field_name(item) + ")");
            } else if (!fields && name_of(item, "/Subtype") != "/Widget") {
                add(Kind::annotation, where + ": an annotation (" + name_of(item, "/Subtype") + ") was added");
            } else {
                add(Kind::other, where + ": a form field that is not a signature was added");
            }
        }
        if (j < old_items.size()) add(Kind::other, where + ": " + std::to_string(old_items.size() - j) + " earlier entries removed or reordered");
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
    std::set<QPDFObjGen> page_content_, role_fields_, checked_;
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
        if (ok) out.allowed.push_back(what);
        else if (mdp) out.docmdp.push_back(what);
        else out.disallowed.push_back(what);
    }
    return out;
}

}  // namespace tsign::pdf::detail
