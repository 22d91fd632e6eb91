// Internal: the appearance of a visible signature (a Form XObject with Persian text shaped by
// HarfBuzz, drawn with embedded subset TrueType fonts that have a ToUnicode map).
#pragma once
#include <functional>
#include <string>
#include <vector>
namespace tsign::pdf::detail {
/// One PDF object to add to the file: `body` is what goes between "N 0 obj\n" and "\nendobj\n"
/// (a dictionary, or a stream dictionary followed by stream...endstream).
struct PdfObject {
    int number;
    std::string body;
};
/// The appearance of a visible signature: a Form XObject of width x height points.
struct Appearance {
    /// the object number of the Form XObject (for the widget's /AP << /N xobject 0 R >>)
    int xobject = 0;
    /// every object to write (the XObject, the font objects, the font file, the ToUnicode CMap...)
    std::vector<PdfObject> objects;
};
/// Builds the box: a thin border, and `lines` (UTF-8; Persian, Latin and digits mixed; each line shaped
/// with HarfBuzz in its own direction, right-aligned when right-to-left) scaled to fit the box.
/// `new_object_number` gives a fresh object number each time it is called. `font_path`: a TrueType
/// font with Arabic-script coverage; empty selects the default (Noto Naskh Arabic from fonts-noto-core,
/// falling back to fonts-farsiweb). Throws tsign::Error (include "tsign/error.hpp"; use
/// Error(Errc::file_unreadable, "...") when the font cannot be read and Error(Errc::unsupported, "...")
/// when a character has no glyph) — look at /work/main/include/tsign/error.hpp for Error/Errc.
///
/// Characters the font lacks (Noto Naskh Arabic has no Latin letters, '-', '(' or '/') are drawn
/// with Noto Sans or DejaVu Sans when installed; Errc::unsupported only when no font has them.
/// Also throws Errc::malformed (text not UTF-8) and Errc::usage (a side <= 0 or > 14400 points).
Appearance make_appearance(const std::vector<std::string>& lines, double width, double height,
                           const std::function<int()>& new_object_number, const std::string& font_path = {});
}  // namespace tsign::pdf::detail
