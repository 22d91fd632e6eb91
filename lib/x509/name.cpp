#include "x509/name.hpp"

#include <openssl/err.h>

#include "tsign/error.hpp"
#include "tsign/x509.hpp"

namespace tsign::detail {

namespace {

bool valid_utf8(const std::string& s) {
    size_t i = 0;
    while (i < s.size()) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        size_t n;
        if (c < 0x80) n = 0;
        else if ((c >> 5) == 6) n = 1;
        else if ((c >> 4) == 14) n = 2;
        else if ((c >> 3) == 30) n = 3;
        else return false;
        if (i + n >= s.size() && n > 0) return false;
        for (size_t k = 1; k <= n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
        i += n + 1;
    }
    return true;
}

}  // namespace

ossl::X509NamePtr parse_slash_dn(const std::string& dn) {
    if (dn.empty() || dn[0] != '/')
        throw Error(Errc::usage, "invalid subject '" + dn + "': expected the slash form /CN=.../O=.../C=..");
    if (!valid_utf8(dn)) throw Error(Errc::usage, "invalid subject: not valid UTF-8");
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
            throw Error(Errc::usage, "invalid subject '" + dn + "': empty component");
        }
        const auto eq = part.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == part.size())
            throw Error(Errc::usage, "invalid subject '" + dn + "': component '" + part + "' is not TYPE=VALUE");
        const std::string type = part.substr(0, eq);
        const std::string value = part.substr(eq + 1);
        if (OBJ_txt2nid(type.c_str()) == NID_undef) {
            ERR_clear_error();
            throw Error(Errc::usage, "invalid subject '" + dn + "': unknown attribute type '" + type + "'");
        }
        if (!X509_NAME_add_entry_by_txt(name.get(), type.c_str(), MBSTRING_UTF8,
                                        reinterpret_cast<const unsigned char*>(value.data()),
                                        static_cast<int>(value.size()), -1, same_rdn ? -1 : 0)) {
            ERR_clear_error();
            throw Error(Errc::usage, "invalid subject '" + dn + "': bad value for " + type +
                                         (type == "C" ? " (a two-letter country code)" : ""));
        }
        same_rdn = ended_by == '+';
    }
    if (X509_NAME_entry_count(name.get()) == 0) throw Error(Errc::usage, "invalid subject '" + dn + "': no components");
    return name;
}

}  // namespace tsign::detail

namespace tsign {
std::string normalize_dn(const std::string& slash_dn) {
    auto name = detail::parse_slash_dn(slash_dn);
    return ossl::name_to_utf8(name.get());
}
}  // namespace tsign
