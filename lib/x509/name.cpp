#include "x509/name.hpp"

#include <cctype>
#include <cstring>

#include <openssl/err.h>

#include "tsign/error.hpp"
#include "tsign/x509.hpp"

namespace tsign::detail {

ossl::X509NamePtr parse_slash_dn(const std::string& dn, const std::string& what) {
    if (dn.empty() || dn[0] != '/')
        throw Error(Errc::usage, "invalid " + what + " '" + dn + "': expected the slash form /CN=.../O=.../C=..");
    if (!ossl::valid_utf8(dn)) throw Error(Errc::usage, "invalid " + what + ": not valid UTF-8");
    ossl::X509NamePtr name(X509_NAME_new());
    size_t i = 1;
    bool same_rdn = false;  // the component was introduced by '+' (multi-valued RDN)
    while (i < dn.size()) {
        std::string part;
        char ended_by = 0;
        while (i < dn.size()) {
            if (dn[i] == '\\' && i + 1 < dn.size()) {
                part.push_back(dn[i + 1]);
                i += 2;
                continue;
            }
            if (dn[i] == '/' || dn[i] == '+') {
                ended_by = dn[i];
                break;
            }
            part.push_back(dn[i++]);
        }
        ++i;
        if (part.empty()) {
            if (ended_by == 0) break;  // trailing slash
            throw Error(Errc::usage, "invalid " + what + " '" + dn + "': empty component");
        }
        const auto eq = part.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == part.size())
            throw Error(Errc::usage, "invalid " + what + " '" + dn + "': component '" + part + "' is not TYPE=VALUE");
        const std::string type = part.substr(0, eq);
        const std::string value = part.substr(eq + 1);
        if (OBJ_txt2nid(type.c_str()) == NID_undef) {
            ERR_clear_error();
            throw Error(Errc::usage, "invalid " + what + " '" + dn + "': unknown attribute type '" + type + "'");
        }
        if (!X509_NAME_add_entry_by_txt(name.get(), type.c_str(), MBSTRING_UTF8,
                                        reinterpret_cast<const unsigned char*>(value.data()),
                                        static_cast<int>(value.size()), -1, same_rdn ? -1 : 0)) {
            ERR_clear_error();
            throw Error(Errc::usage, "invalid " + what + " '" + dn + "': bad value for " + type +
                                         (type == "C" ? " (a two-letter country code)" : ""));
        }
        same_rdn = ended_by == '+';
    }
    if (X509_NAME_entry_count(name.get()) == 0) throw Error(Errc::usage, "invalid " + what + " '" + dn + "': no components");
    return name;
}

namespace {

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    return std::toupper(static_cast<unsigned char>(c)) - 'A' + 10;
}

/// The attribute type of a comma-form component: a short name (CN), a long name (commonName) or a
/// dotted OID (2.5.4.3); names in any case.
ossl::Asn1ObjPtr attribute_type(const std::string& type) {
    ossl::Asn1ObjPtr obj(OBJ_txt2obj(type.c_str(), 0));
    if (!obj) {
        std::string upper = type;
        for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        obj.reset(OBJ_txt2obj(upper.c_str(), 0));
    }
    ERR_clear_error();
    return obj;
}

}  // namespace

ossl::X509NamePtr parse_comma_dn(const std::string& dn, const std::string& what) {
    const auto bad = [&](const std::string& why) -> Error {
        return Error(Errc::usage, "invalid " + what + " '" + dn + "': " + why);
    };
    if (!ossl::valid_utf8(dn)) throw Error(Errc::usage, "invalid " + what + ": not valid UTF-8");
    ossl::X509NamePtr name(X509_NAME_new());
    if (!name) ossl::fail(Errc::internal, "out of memory");
    const size_t n = dn.size();
    size_t i = 0;
    bool same_rdn = false;  // the component follows a '+' (a member of a multi-valued RDN)
    for (;;) {
        while (i < n && dn[i] == ' ') ++i;
        // TYPE
        const size_t type_start = i;
        while (i < n && dn[i] != '=' && dn[i] != ',' && dn[i] != '+') ++i;
        if (i >= n || dn[i] != '=') {
            const std::string part = dn.substr(type_start, i - type_start);
            if (part.empty() && i >= n && type_start == 0) throw bad("no components");
            throw bad(part.empty() ? "empty component" : "component '" + part + "' is not TYPE=VALUE");
        }
        std::string type = dn.substr(type_start, i - type_start);
        while (!type.empty() && type.back() == ' ') type.pop_back();
        if (type.empty()) throw bad("a component has no attribute type");
        ++i;  // '='
        // VALUE (RFC 4514 §3: escapes as \c or \XX; unescaped spaces around it are not part of it)
        while (i < n && dn[i] == ' ') ++i;
        if (i < n && dn[i] == '#') throw bad("the #HEX (BER) value form of " + type + " is not supported");
        std::string value;
        size_t keep = 0;  // the value's length without unescaped trailing spaces
        while (i < n && dn[i] != ',' && dn[i] != '+') {
            const char c = dn[i];
            if (c == '\\') {
                if (i + 1 >= n) throw bad("it ends with a lone backslash");
                const char d = dn[i + 1];
                if (is_hex(d) && i + 2 < n && is_hex(dn[i + 2])) {
                    value += static_cast<char>(hex_value(d) * 16 + hex_value(dn[i + 2]));
                    i += 3;
                } else if (std::strchr(",+\"\\<>;#= ", d) != nullptr && d != '\0') {
                    value += d;
                    i += 2;
                } else {
                    throw bad(std::string("unknown escape '\\") + d + "' in the value of " + type);
                }
                keep = value.size();
                continue;
            }
            if (c == '"' || c == '<' || c == '>' || c == ';' || c == '\0')
                throw bad(std::string("unescaped '") + (c == '\0' ? std::string("NUL") : std::string(1, c)) +
                          "' in the value of " + type + " (write \\" + (c == '\0' ? std::string("00") : std::string(1, c)) + ")");
            value += c;
            ++i;
            if (c != ' ') keep = value.size();
        }
        value.resize(keep);
        if (!ossl::valid_utf8(value)) throw bad("the value of " + type + " is not valid UTF-8");
        const ossl::Asn1ObjPtr obj = attribute_type(type);
        if (!obj) throw bad("unknown attribute type '" + type + "'");
        if (!X509_NAME_add_entry_by_OBJ(name.get(), obj.get(), MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(value.data()),
                                        static_cast<int>(value.size()), -1, same_rdn ? -1 : 0)) {
            ERR_clear_error();
            throw bad("bad value for " + type + (OBJ_obj2nid(obj.get()) == NID_countryName ? " (a two-letter country code)" : ""));
        }
        if (i >= n) break;
        same_rdn = dn[i] == '+';
        ++i;
        size_t k = i;
        while (k < n && dn[k] == ' ') ++k;
        if (k >= n) throw bad("it ends with a separator");
    }
    return name;
}

ossl::X509NamePtr parse_dn(const std::string& dn, const std::string& what) {
    if (!dn.empty() && dn[0] == '/') return parse_slash_dn(dn, what);
    if (dn.find_first_not_of(' ') == std::string::npos) throw Error(Errc::usage, "invalid " + what + ": empty");
    return parse_comma_dn(dn, what);
}

}  // namespace tsign::detail

namespace tsign {
std::string normalize_dn(const std::string& slash_dn) {
    auto name = detail::parse_slash_dn(slash_dn);
    return ossl::name_to_utf8(name.get());
}
}  // namespace tsign
