// Internal: reading YAML files tsign is given (CA configuration, certificate profiles, the PKCS#11
// config): every value type-checked, every problem an Errc::malformed (exit 3) that names the file
// and the key, never a YAML::Exception or a bad conversion escaping as an internal error.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace tsign::yaml {

/// A YAML document read from a file: `what` names it in every error ("CA configuration
/// 'ca/config.yaml'").
class Doc {
public:
    /// Reads path (a regular file of at most max bytes, valid UTF-8) and parses it; the top level
    /// must be a mapping. Throws Errc::file_not_found / file_unreadable / malformed.
    static Doc load_file(const std::string& path, std::size_t max, const std::string& what);
    /// The same from text already read.
    static Doc parse(const std::string& text, const std::string& what);

    const YAML::Node& root() const { return root_; }
    const std::string& what() const { return what_; }

    /// Throws Errc::malformed "invalid WHAT: WHY".
    [[noreturn]] void bad(const std::string& why) const;

    /// The value of key when present and not null.
    std::optional<YAML::Node> get(const YAML::Node& map, const std::string& key) const;

    /// A text value (a scalar; null counts as absent). Lists, mappings: Errc::malformed naming key.
    std::optional<std::string> opt_string(const YAML::Node& map, const std::string& key) const;
    std::string required_string(const YAML::Node& map, const std::string& key) const;
    /// An integer in [min, max].
    std::optional<long long> opt_int(const YAML::Node& map, const std::string& key, long long min, long long max) const;
    /// true / false (YAML 1.2 spellings: true, True, TRUE, false, False, FALSE).
    std::optional<bool> opt_bool(const YAML::Node& map, const std::string& key) const;
    /// A list of text values (absent or null: empty; a single scalar is not a list).
    std::vector<std::string> string_list(const YAML::Node& map, const std::string& key) const;

    /// "a list", "a mapping", "empty" or the scalar quoted (for messages).
    static std::string kind_of(const YAML::Node& n);

private:
    Doc(YAML::Node root, std::string what) : root_(std::move(root)), what_(std::move(what)) {}
    YAML::Node root_;
    std::string what_;
};

}  // namespace tsign::yaml
