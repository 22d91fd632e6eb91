// Internal: the writer of one incremental update (ISO 32000-1 §7.5.6): new and replaced objects,
// then a cross-reference section of the same kind as the file's last one (table or stream) with
// /Prev, so every earlier byte stays as it was.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "pdf/reader.hpp"

namespace tsign::pdf::detail {

class IncrementalUpdate {
public:
    explicit IncrementalUpdate(Reader& base);
    /// A fresh object number.
    int new_object();
    /// Sets object (num, gen) to `body` (its value, serialized: "<< ... >>", or a stream dictionary
    /// followed by "stream\n...\nendstream").
    void set(int num, std::string body, int gen = 0);
    /// Sets an object to a stream with these data (uncompressed) and extra dictionary entries.
    void set_stream(int num, const std::string& data, const std::string& extra_dict_entries = {});
    bool empty() const { return objects_.empty(); }
    /// The bytes to append to the base file: objects, cross-reference section, trailer, %%EOF.
    /// `offsets` receives each object's offset in the whole file.
    std::string finish(std::map<int, std::int64_t>* offsets = nullptr);

private:
    Reader& base_;
    int next_;
    std::map<int, std::pair<int, std::string>> objects_;  // num -> (gen, body)
};

/// PDF syntax helpers.
std::string pdf_name(const std::string& raw);          ///< "/Name" with # escapes
std::string pdf_text_string(const std::string& utf8);  ///< (ASCII) or <FEFF...> UTF-16BE hex
std::string utf16be_hex(std::u32string_view text);     ///< UTF-16BE as upper-case hex digits (surrogate pairs above U+FFFF)
std::string pdf_hex_string(const std::string& bytes);  ///< <hex>
std::string pdf_date(std::int64_t unix_seconds);       ///< (D:YYYYMMDDHHmmSS+00'00')
std::string ref(int num, int gen = 0);                 ///< "N G R"
/// The dictionary (direct value of `dict`) serialized with keys replaced or added (`replace`: key
/// "/Name" -> serialized value; an empty value removes the key).
std::string dict_with(QPDFObjectHandle dict, const std::map<std::string, std::string>& replace);
/// The array serialized with `append` (serialized values) added at its end.
std::string array_with(QPDFObjectHandle array, const std::string& append);

/// A signature field of the document: the field (merged with its widget or not) and its value.
struct SignatureField {
    QPDFObjectHandle field;
    std::string name;        ///< the fully qualified name (/T of the ancestors joined by '.')
    QPDFObjectHandle value;  ///< /V: the signature dictionary (null when the field is empty)
};
/// Every field of /AcroForm /Fields (with /Kids, inherited /FT), in order; cycles and depth bounded.
std::vector<SignatureField> all_fields(QPDF& q, bool signatures_only);

}  // namespace tsign::pdf::detail
