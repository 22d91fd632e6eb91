#include "core/ossl.hpp"

#include <openssl/err.h>
#include <openssl/sha.h>

#include <cctype>
#include <cstring>
#include <limits>

namespace tsign::ossl {

std::vector<std::string> drain_errors() {
    std::vector<std::string> out;
    const char* file = nullptr;
    const char* func = nullptr;
    const char* data = nullptr;
    int line = 0;
    int flags = 0;
    unsigned long e;
    while ((e = ERR_get_error_all(&file, &line, &func, &data, &flags)) != 0) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        std::string s = buf;
        if (data != nullptr && (flags & ERR_TXT_STRING) && *data) {
            s += " (";
            s += data;
            s += ")";
        }
        out.push_back(std::move(s));
    }
    return out;
}

void fail(Errc code, std::string message, std::string hint) {
    Error err(code, std::move(message), std::move(hint));
    for (auto& d : drain_errors()) err.add_detail(std::move(d));
    throw err;
}

BioPtr mem_bio(std::span<const unsigned char> data) {
    // BIO_new_mem_buf refuses a null buffer (an empty vector's data()) and reads a negative length
    // as "up to the first NUL".
    static const unsigned char empty = 0;
    if (data.size() > static_cast<size_t>(std::numeric_limits<int>::max())) fail(Errc::malformed, "input larger than 2 GiB");
    BioPtr b(BIO_new_mem_buf(data.empty() ? &empty : data.data(), static_cast<int>(data.size())));
    if (!b) fail(Errc::internal, "out of memory");
    return b;
}

std::vector<unsigned char> bio_bytes(BIO* bio) {
    char* p = nullptr;
    long n = BIO_get_mem_data(bio, &p);
    if (n <= 0 || p == nullptr) return {};
    return {reinterpret_cast<unsigned char*>(p), reinterpret_cast<unsigned char*>(p) + n};
}

std::string bio_string(BIO* bio) {
    char* p = nullptr;
    long n = BIO_get_mem_data(bio, &p);
    if (n <= 0 || p == nullptr) return {};
    return std::string(p, static_cast<size_t>(n));
}

std::string hex(std::span<const unsigned char> data, char sep) {
    static const char* digits = "0123456789abcdef";
    std::string s;
    s.reserve(data.size() * (sep ? 3 : 2));
    for (size_t i = 0; i < data.size(); ++i) {
        if (sep && i) s.push_back(sep);
        s.push_back(digits[data[i] >> 4]);
        s.push_back(digits[data[i] & 15]);
    }
    return s;
}

std::vector<unsigned char> unhex(std::string_view text) {
    std::vector<unsigned char> out;
    int hi = -1;
    for (char c : text) {
        if (c == ':' || c == ' ') continue;
        int v;
        if (c >= '0' && c <= '9') v = c - '0';
        else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
        else throw Error(Errc::malformed, "invalid hex '" + std::string(text) + "': unexpected character");
        if (hi < 0) hi = v;
        else {
            out.push_back(static_cast<unsigned char>(hi * 16 + v));
            hi = -1;
        }
    }
    if (hi >= 0) throw Error(Errc::malformed, "invalid hex '" + std::string(text) + "': odd number of digits");
    return out;
}

std::vector<unsigned char> sha256(std::span<const unsigned char> data) {
    std::vector<unsigned char> md(SHA256_DIGEST_LENGTH);
    if (!EVP_Digest(data.data(), data.size(), md.data(), nullptr, EVP_sha256(), nullptr))
        fail(Errc::internal, "SHA-256 failed");
    return md;
}

bool looks_like_pem(std::span<const unsigned char> data) {
    // PEM may follow explanatory text (openssl ca, CA bundles); DER never holds this marker
    // before its first bytes decide it, and a DER object that merely contains it fails as PEM.
    static const char tag[] = "-----BEGIN ";
    const size_t n = sizeof tag - 1;
    if (data.size() < n) return false;
    if (data[0] == 0x30) return false;  // a DER SEQUENCE: certificates, CMS, keys, CRLs
    return memmem(data.data(), data.size(), tag, n) != nullptr;
}

size_t utf8_char(std::string_view s, size_t i, char32_t* cp) {
    const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = byte(i);
    size_t n;
    char32_t v;
    char32_t min;
    if (c < 0x80) {
        if (cp) *cp = c;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        n = 2, v = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3, v = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;  // a continuation byte, an overlong lead (C0, C1) or beyond U+10FFFF (F5..FF)
    }
    if (i + n > s.size()) return 0;
    for (size_t k = 1; k < n; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80) return 0;
        v = (v << 6) | (byte(i + k) & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;  // overlong, too large, surrogate
    if (cp) *cp = v;
    return n;
}

bool valid_utf8(std::string_view s) {
    for (size_t i = 0; i < s.size();) {
        const size_t n = utf8_char(s, i, nullptr);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

std::string utf8_error_at(std::string_view s) {
    size_t line = 1;
    for (size_t i = 0; i < s.size();) {
        const size_t n = utf8_char(s, i, nullptr);
        if (n == 0) {
            static const char digits[] = "0123456789ABCDEF";
            const auto b = static_cast<unsigned char>(s[i]);
            return "line " + std::to_string(line) + ", byte 0x" + digits[b >> 4] + digits[b & 15];
        }
        if (s[i] == '\n') ++line;
        i += n;
    }
    return {};
}

namespace {

void append_hex_escape(std::string& out, unsigned char b) {
    static const char digits[] = "0123456789ABCDEF";
    out += '\\';
    out += digits[b >> 4];
    out += digits[b & 15];
}

/// Appends bytes that should be UTF-8 as valid UTF-8: invalid bytes, control characters (C0, DEL,
/// C1) and the bidirectional embedding / override / isolate controls become \XX hex pairs (RFC 4514
/// form), other characters (Persian included) stay as they are. With rfc4514, the characters that
/// RFC 4514 §2.4 requires to be escaped in an attribute value are escaped too.
void append_escaped(std::string& out, std::string_view s, bool rfc4514) {
    for (size_t i = 0; i < s.size();) {
        char32_t cp = 0;
        const size_t n = utf8_char(s, i, &cp);
        if (n == 0) {
            append_hex_escape(out, static_cast<unsigned char>(s[i]));
            ++i;
            continue;
        }
        const bool control = cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
                             (cp >= 0x2066 && cp <= 0x2069);
        if (control) {
            for (size_t k = 0; k < n; ++k) append_hex_escape(out, static_cast<unsigned char>(s[i + k]));
        } else if (n > 1) {
            out.append(s.substr(i, n));
        } else {
            const char c = s[i];
            const bool special = rfc4514 && (std::strchr(",+\"\\<>;", c) != nullptr || (i == 0 && (c == '#' || c == ' ')) ||
                                             (i + 1 == s.size() && c == ' '));
            if (special) out += '\\';
            out += c;
        }
        i += n;
    }
}

/// The bytes of a name attribute value converted to UTF-8 (BMPString, UniversalString, T61String
/// ... included); the raw bytes when the conversion fails (escaped later).
std::string value_bytes(const ASN1_STRING* value) {
    unsigned char* utf8 = nullptr;
    const int len = ASN1_STRING_to_UTF8(&utf8, value);
    const OsslBytesPtr owned(utf8);
    std::string out;
    if (len >= 0 && utf8 != nullptr) {
        out.assign(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
    } else {
        ERR_clear_error();
        const unsigned char* d = ASN1_STRING_get0_data(value);
        if (d != nullptr) out.assign(reinterpret_cast<const char*>(d), static_cast<size_t>(ASN1_STRING_length(value)));
    }
    return out;
}

}  // namespace

void append_escaped_text(std::string& out, std::string_view s) { append_escaped(out, s, false); }

std::string name_to_utf8(const X509_NAME* name) {
    std::string out;
    const int n = X509_NAME_entry_count(name);
    int previous_set = -1;
    for (int i = 0; i < n; ++i) {
        const X509_NAME_ENTRY* e = X509_NAME_get_entry(name, i);
        const ASN1_OBJECT* obj = X509_NAME_ENTRY_get_object(e);
        const int nid = OBJ_obj2nid(obj);
        const char* sn = nid != NID_undef ? OBJ_nid2sn(nid) : nullptr;
        std::string key;
        if (sn != nullptr) {
            key = sn;
        } else {
            char buf[128];
            OBJ_obj2txt(buf, sizeof buf, obj, 1);
            key = buf;
        }
        const int set = X509_NAME_ENTRY_set(e);
        if (i > 0) out += set == previous_set ? "+" : ", ";  // members of one multi-valued RDN are joined by '+'
        previous_set = set;
        out += key;
        out += '=';
        append_escaped(out, value_bytes(X509_NAME_ENTRY_get_data(e)), true);
    }
    return out;
}

std::string string_to_utf8(const ASN1_STRING* value) {
    std::string out;
    append_escaped(out, value_bytes(value), false);
    return out;
}

ExtValuePtr ext_d2i(X509_EXTENSION* ext) {
    const X509V3_EXT_METHOD* m = X509V3_EXT_get(ext);
    void* v = m != nullptr ? X509V3_EXT_d2i(ext) : nullptr;
    ERR_clear_error();
    return ExtValuePtr(v, ExtValueDeleter{m});
}

std::string serial_hex(const ASN1_INTEGER* serial) {
    BnPtr bn(ASN1_INTEGER_to_BN(serial, nullptr));
    if (!bn) return "?";
    OsslStrPtr h(BN_bn2hex(bn.get()));
    return h ? std::string(h.get()) : "?";
}

long long asn1_time_to_unix(const ASN1_TIME* t) {
    struct tm tm {};
    if (!ASN1_TIME_to_tm(t, &tm)) fail(Errc::malformed, "invalid time value");
    return static_cast<long long>(timegm(&tm));
}

}  // namespace tsign::ossl

namespace tsign {

std::string to_valid_utf8(std::string_view s) {
    bool ascii = true;  // the common case: printable ASCII comes back as it is
    for (const char c : s) ascii = ascii && static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7F;
    if (ascii) return std::string(s);
    std::string out;
    out.reserve(s.size() + 8);
    ossl::append_escaped_text(out, s);
    return out;
}

}  // namespace tsign
