// Internal: what changed between the revision a signature covers and the whole document
// (the difference analysis of incremental updates, after pyHanko's): each change is classified,
// and what the DocMDP level does not allow is named.
#pragma once

#include <string>
#include <vector>

#include "pdf/reader.hpp"

namespace tsign::pdf::detail {

struct ChangeAnalysis {
    std::vector<std::string> allowed;     ///< added signatures, document timestamps, DSS, permitted form filling
    std::vector<std::string> disallowed;  ///< changes no signature allows ("page 1: /Contents changed")
    std::vector<std::string> docmdp;      ///< changes allowed to approval signatures, not by the certification's P
};

/// Compares the signed revision with the final document. `docmdp`: the certification's P (0: not
/// certified; then signatures and form filling are allowed, as with P=2).
ChangeAnalysis analyse_changes(Reader& signed_revision, Reader& document, int docmdp);

}  // namespace tsign::pdf::detail
