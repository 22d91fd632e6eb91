#include "core/ossl.hpp"

#include <openssl/err.h>
#include <openssl/sha.h>

#include <cctype>
#include <cstring>

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
    BioPtr b(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
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

std::string name_to_utf8(const X509_NAME* name) {
    std::string out;
    const int n = X509_NAME_entry_count(name);
    for (int i = 0; i < n; ++i) {
        const X509_NAME_ENTRY* e = X509_NAME_get_entry(name, i);
        const ASN1_OBJECT* obj = X509_NAME_ENTRY_get_object(e);
        const int nid = OBJ_obj2nid(obj);
        std::string key;
        if (nid != NID_undef) key = OBJ_nid2sn(nid);
        else {
            char buf[128];
            OBJ_obj2txt(buf, sizeof buf, obj, 1);
            key = buf;
        }
        unsigned char* utf8 = nullptr;
        const int len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
        std::string value = len >= 0 ? std::string(reinterpret_cast<char*>(utf8), static_cast<size_t>(len)) : "?";
        OPENSSL_free(utf8);
        if (!out.empty()) out += ", ";
        out += key + "=" + value;
    }
    return out;
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
