#include "tsign/pkcs11_uri.hpp"

#include <cctype>
#include <charconv>
#include <limits>

#include "tsign/error.hpp"

namespace tsign {

namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/// RFC 3986 percent-decoding of one attribute value; a '%' not followed by two hex digits ("%zz",
/// a trailing "%4") is malformed input (exit 3), the attribute named.
std::string pct_decode(const std::string& in, const std::string& attr, const std::string& uri) {
    std::string out;
    for (size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '%') {
            out.push_back(in[i]);
            continue;
        }
        const int hi = i + 1 < in.size() ? hex_digit(in[i + 1]) : -1;
        const int lo = i + 2 < in.size() ? hex_digit(in[i + 2]) : -1;
        if (hi < 0 || lo < 0)
            throw Error(Errc::malformed, "invalid PKCS#11 URI '" + uri + "': " + attr + ": '" + in.substr(i, 3) +
                                             "' is not a percent-encoded byte (% and two hex digits)");
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
    }
    return out;
}

std::string pct_encode(const std::string& in, bool query) {
    // RFC 7512 pk11-pchar / pk11-qchar: unreserved plus a few sub-delims stay literal.
    std::string out;
    for (unsigned char c : in) {
        const bool literal = std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == ':' ||
                             c == '[' || c == ']' || c == '@' || c == '!' || c == '$' || c == '\'' || c == '(' ||
                             c == ')' || c == '*' || c == '+' || c == ',' || c == '=' || (query ? c == '/' || c == '?' || c == '|' : c == '&');
        if (literal) out.push_back(static_cast<char>(c));
        else {
            static const char* digits = "0123456789ABCDEF";
            out.push_back('%');
            out.push_back(digits[c >> 4]);
            out.push_back(digits[c & 15]);
        }
    }
    return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> parts;
    size_t start = 0;
    for (;;) {
        size_t pos = s.find(sep, start);
        parts.push_back(s.substr(start, pos - start));
        if (pos == std::string::npos) break;
        start = pos + 1;
    }
    return parts;
}

}  // namespace

bool Pkcs11Uri::is_uri(const std::string& text) { return text.rfind("pkcs11:", 0) == 0; }

Pkcs11Uri Pkcs11Uri::parse(const std::string& text) {
    if (!is_uri(text)) throw Error(Errc::usage, "invalid PKCS#11 URI '" + text + "': must start with 'pkcs11:'");
    Pkcs11Uri u;
    std::string rest = text.substr(7);
    std::string path = rest, query;
    if (auto q = rest.find('?'); q != std::string::npos) {
        path = rest.substr(0, q);
        query = rest.substr(q + 1);
    }
    auto apply = [&](const std::string& attr, bool in_query) {
        if (attr.empty()) return;
        auto eq = attr.find('=');
        if (eq == std::string::npos)
            throw Error(Errc::usage, "invalid PKCS#11 URI '" + text + "': attribute '" + attr + "' has no value");
        const std::string name = attr.substr(0, eq);
        const std::string value = pct_decode(attr.substr(eq + 1), name, text);
        (void)in_query;
        if (name == "token") u.token = value;
        else if (name == "manufacturer") u.manufacturer = value;
        else if (name == "model") u.model = value;
        else if (name == "serial") u.serial = value;
        else if (name == "object") u.object = value;
        else if (name == "id") u.id = Bytes(value.begin(), value.end());
        else if (name == "type") {
            if (value != "private" && value != "public" && value != "cert" && value != "secret-key" && value != "data")
                throw Error(Errc::usage, "invalid PKCS#11 URI '" + text + "': unknown object type '" + value + "'");
            u.type = value;
        } else if (name == "slot-id") {
            // CK_SLOT_ID is an unsigned long: a decimal number in its range, nothing else.
            unsigned long id = 0;
            const char* end = value.data() + value.size();
            const auto [p, ec] = std::from_chars(value.data(), end, id, 10);
            if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos || ec != std::errc() || p != end)
                throw Error(Errc::malformed, "invalid PKCS#11 URI: slot-id '" +
                                                 (value.size() > 40 ? value.substr(0, 40) + "..." : value) +
                                                 "' is not a number in range (0 to " +
                                                 std::to_string(std::numeric_limits<unsigned long>::max()) + ")");
            u.slot_id = id;
        } else if (name == "slot-description") u.slot_description = value;
        else if (name == "module-path") u.module_path = value;
        else if (name == "module-name") u.module_name = value;
        else if (name == "pin-source") u.pin_source = value;
        else if (name == "pin-value")
            throw Error(Errc::usage, "refusing PKCS#11 URI with pin-value: a PIN is never given on the command line",
                        "use pin-source=file:PATH or --pin-source env:VAR|file:PATH|fd:N");
        // other RFC 7512 attributes (library-*, slot-manufacturer, vendor extensions) are ignored
    };
    for (const auto& a : split(path, ';')) apply(a, false);
    if (!query.empty())
        for (const auto& a : split(query, '&')) apply(a, true);
    return u;
}

std::string Pkcs11Uri::to_string() const {
    std::vector<std::string> path;
    auto add = [&](const char* name, const std::optional<std::string>& v) {
        if (v) path.push_back(std::string(name) + "=" + pct_encode(*v, false));
    };
    add("token", token);
    add("manufacturer", manufacturer);
    add("model", model);
    add("serial", serial);
    if (slot_id) path.push_back("slot-id=" + std::to_string(*slot_id));
    add("object", object);
    if (id) {
        std::string enc;
        for (auto b : *id) {
            static const char* digits = "0123456789ABCDEF";
            enc.push_back('%');
            enc.push_back(digits[b >> 4]);
            enc.push_back(digits[b & 15]);
        }
        path.push_back("id=" + enc);
    }
    add("type", type);
    std::string s = "pkcs11:";
    for (size_t i = 0; i < path.size(); ++i) s += (i ? ";" : "") + path[i];
    std::vector<std::string> q;
    if (module_path) q.push_back("module-path=" + pct_encode(*module_path, true));
    if (module_name) q.push_back("module-name=" + pct_encode(*module_name, true));
    if (pin_source) q.push_back("pin-source=" + pct_encode(*pin_source, true));
    for (size_t i = 0; i < q.size(); ++i) s += (i ? "&" : "?") + q[i];
    return s;
}

}  // namespace tsign
