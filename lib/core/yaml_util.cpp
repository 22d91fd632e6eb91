#include "core/yaml_util.hpp"

#include <charconv>

#include "core/ossl.hpp"
#include "tsign/error.hpp"
#include "tsign/io.hpp"

namespace tsign::yaml {

namespace {

/// At most 60 characters of a value, for a one-line message.
std::string quoted(const std::string& s) {
    std::string t = to_valid_utf8(s);
    if (t.size() > 60) t = t.substr(0, 60) + "...";
    return "'" + t + "'";
}

}  // namespace

Doc Doc::load_file(const std::string& path, std::size_t max, const std::string& what) {
    const Bytes data = read_file_limited(path, max, what);
    return parse(std::string(data.begin(), data.end()), what);
}

Doc Doc::parse(const std::string& text, const std::string& what) {
    Doc d(YAML::Node(), what);
    if (const std::string at = ossl::utf8_error_at(text); !at.empty()) d.bad("it is not UTF-8 text (" + at + ")");
    try {
        d.root_ = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        d.bad("not valid YAML: line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
    if (d.root_.IsNull()) d.root_ = YAML::Node(YAML::NodeType::Map);  // an empty file: no settings
    if (!d.root_.IsMap()) d.bad("the top level must be a mapping (key: value lines), not " + kind_of(d.root_));
    return d;
}

void Doc::bad(const std::string& why) const { throw Error(Errc::malformed, "invalid " + what_ + ": " + why); }

std::string Doc::kind_of(const YAML::Node& n) {
    switch (n.Type()) {
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Null: return "empty";
    case YAML::NodeType::Scalar: return quoted(n.Scalar());
    default: return "undefined";
    }
}

std::optional<YAML::Node> Doc::get(const YAML::Node& map, const std::string& key) const {
    if (!map.IsMap()) bad("expected a mapping around '" + key + "', not " + kind_of(map));
    std::optional<YAML::Node> found;
    for (const auto& kv : map) {
        if (!kv.first.IsScalar() || kv.first.Scalar() != key) continue;
        if (found) bad("'" + key + "' is given twice");
        found = kv.second;
    }
    if (found && found->IsNull()) return std::nullopt;
    return found;
}

std::optional<std::string> Doc::opt_string(const YAML::Node& map, const std::string& key) const {
    const auto n = get(map, key);
    if (!n) return std::nullopt;
    if (!n->IsScalar()) bad("'" + key + "' must be text, not " + kind_of(*n));
    return n->Scalar();
}

std::string Doc::required_string(const YAML::Node& map, const std::string& key) const {
    auto v = opt_string(map, key);
    if (!v || v->empty()) bad("'" + key + "' is missing");
    return *v;
}

std::optional<long long> Doc::opt_int(const YAML::Node& map, const std::string& key, long long min, long long max) const {
    const auto n = get(map, key);
    if (!n) return std::nullopt;
    const std::string range = " from " + std::to_string(min) + " to " + std::to_string(max);
    if (!n->IsScalar()) bad("'" + key + "' must be an integer" + range + ", not " + kind_of(*n));
    const std::string& t = n->Scalar();
    long long v = 0;
    const char* begin = t.data() + (t.size() > 1 && t[0] == '+' ? 1 : 0);
    const auto [end, ec] = std::from_chars(begin, t.data() + t.size(), v, 10);
    if (t.empty() || ec != std::errc() || end != t.data() + t.size() || v < min || v > max)
        bad("'" + key + "' must be an integer" + range + ", not " + quoted(t));
    return v;
}

std::optional<bool> Doc::opt_bool(const YAML::Node& map, const std::string& key) const {
    const auto n = get(map, key);
    if (!n) return std::nullopt;
    if (n->IsScalar()) {
        const std::string& s = n->Scalar();
        if (s == "true" || s == "True" || s == "TRUE") return true;
        if (s == "false" || s == "False" || s == "FALSE") return false;
    }
    bad("'" + key + "' must be true or false, not " + kind_of(*n));
}

std::vector<std::string> Doc::string_list(const YAML::Node& map, const std::string& key) const {
    std::vector<std::string> out;
    const auto n = get(map, key);
    if (!n) return out;
    if (!n->IsSequence()) bad("'" + key + "' must be a list of text values, not " + kind_of(*n));
    for (size_t i = 0; i < n->size(); ++i) {
        const YAML::Node e = (*n)[i];
        if (!e.IsScalar()) bad("'" + key + "' entry " + std::to_string(i + 1) + " must be text, not " + kind_of(e));
        out.push_back(e.Scalar());
    }
    return out;
}

}  // namespace tsign::yaml
