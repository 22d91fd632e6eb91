// Internal: the JSON form of findings, shared by every report that carries them.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "tsign/findings.hpp"

namespace tsign::detail {

/// [{code, scope, depth (null when none), subject, message}, ...]
inline nlohmann::ordered_json findings_json(const std::vector<Finding>& findings) {
    auto arr = nlohmann::ordered_json::array();
    for (const auto& f : findings)
        arr.push_back({{"code", to_string(f.code)},
                       {"scope", to_string(f.scope)},
                       {"depth", f.depth < 0 ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(f.depth)},
                       {"subject", f.subject},
                       {"message", f.message}});
    return arr;
}

}  // namespace tsign::detail
