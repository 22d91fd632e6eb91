// Internal: one owning pointer type per OpenSSL object, the deleter declared once,
// and helpers that fold the OpenSSL error queue into tsign::Error.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/decoder.h>
#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/ui.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tsign/error.hpp"
#include "tsign/io.hpp"

namespace tsign::ossl {

template <auto Fn>
struct Deleter {
    template <typename T>
    void operator()(T* p) const noexcept { Fn(p); }
};

template <typename T, auto Fn>
using Ptr = std::unique_ptr<T, Deleter<Fn>>;

using BioPtr = Ptr<BIO, BIO_free_all>;
using PkeyPtr = Ptr<EVP_PKEY, EVP_PKEY_free>;
using PkeyCtxPtr = Ptr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using MdCtxPtr = Ptr<EVP_MD_CTX, EVP_MD_CTX_free>;
using X509Ptr = Ptr<X509, X509_free>;
using X509ReqPtr = Ptr<X509_REQ, X509_REQ_free>;
using X509CrlPtr = Ptr<X509_CRL, X509_CRL_free>;
using X509NamePtr = Ptr<X509_NAME, X509_NAME_free>;
using X509ExtPtr = Ptr<X509_EXTENSION, X509_EXTENSION_free>;
using P12Ptr = Ptr<PKCS12, PKCS12_free>;
using P8InfPtr = Ptr<PKCS8_PRIV_KEY_INFO, PKCS8_PRIV_KEY_INFO_free>;
using X509SigPtr = Ptr<X509_SIG, X509_SIG_free>;
using BnPtr = Ptr<BIGNUM, BN_free>;
using Asn1IntPtr = Ptr<ASN1_INTEGER, ASN1_INTEGER_free>;
using Asn1ObjPtr = Ptr<ASN1_OBJECT, ASN1_OBJECT_free>;
using UiMethodPtr = Ptr<UI_METHOD, UI_destroy_method>;
using OcspReqPtr = Ptr<OCSP_REQUEST, OCSP_REQUEST_free>;
using OcspRespPtr = Ptr<OCSP_RESPONSE, OCSP_RESPONSE_free>;
using OcspBasicPtr = Ptr<OCSP_BASICRESP, OCSP_BASICRESP_free>;
using OcspIdPtr = Ptr<OCSP_CERTID, OCSP_CERTID_free>;

inline void free_x509_stack(STACK_OF(X509) * s) { sk_X509_pop_free(s, X509_free); }
using X509StackPtr = Ptr<STACK_OF(X509), free_x509_stack>;
inline void free_x509_refs(STACK_OF(X509) * s) { sk_X509_free(s); }
using X509RefStackPtr = Ptr<STACK_OF(X509), free_x509_refs>;  ///< a stack that does not own its certificates
inline void free_crl_refs(STACK_OF(X509_CRL) * s) { sk_X509_CRL_free(s); }
using CrlRefStackPtr = Ptr<STACK_OF(X509_CRL), free_crl_refs>;
inline void free_ext_stack(STACK_OF(X509_EXTENSION) * s) { sk_X509_EXTENSION_pop_free(s, X509_EXTENSION_free); }
using ExtStackPtr = Ptr<STACK_OF(X509_EXTENSION), free_ext_stack>;
inline void free_openssl_string(char* p) { OPENSSL_free(p); }
using OsslStrPtr = Ptr<char, free_openssl_string>;
inline void free_openssl_bytes(unsigned char* p) { OPENSSL_free(p); }
using OsslBytesPtr = Ptr<unsigned char, free_openssl_bytes>;  ///< bytes OpenSSL allocated (i2d, PEM bodies)
using DecoderCtxPtr = Ptr<OSSL_DECODER_CTX, OSSL_DECODER_CTX_free>;
inline void free_crl_stack(STACK_OF(X509_CRL) * s) { sk_X509_CRL_pop_free(s, X509_CRL_free); }
using X509CrlStackPtr = Ptr<STACK_OF(X509_CRL), free_crl_stack>;
inline void free_string_stack(STACK_OF(OPENSSL_STRING) * s) { X509_email_free(s); }
using StringStackPtr = Ptr<STACK_OF(OPENSSL_STRING), free_string_stack>;  ///< X509_get1_ocsp / X509_get1_email
inline void free_dist_points(STACK_OF(DIST_POINT) * s) { sk_DIST_POINT_pop_free(s, DIST_POINT_free); }
using DistPointsPtr = Ptr<STACK_OF(DIST_POINT), free_dist_points>;
inline void free_attribute_refs(STACK_OF(X509_ATTRIBUTE) * s) { sk_X509_ATTRIBUTE_free(s); }
using AttributeRefStackPtr = Ptr<STACK_OF(X509_ATTRIBUTE), free_attribute_refs>;  ///< does not own the attributes
using RsaPssParamsPtr = Ptr<RSA_PSS_PARAMS, RSA_PSS_PARAMS_free>;
using X509AlgorPtr = Ptr<X509_ALGOR, X509_ALGOR_free>;
using Asn1StringPtr = Ptr<ASN1_STRING, ASN1_STRING_free>;

/// One PEM block as PEM_read_bio returns it: the label, the headers and the decoded body.
struct PemBlock {
    OsslStrPtr name;
    OsslStrPtr header;
    OsslBytesPtr body;
    long length = 0;
};

/// Reads the next PEM block of a BIO; false (OpenSSL error queued) when there is none.
inline bool read_pem_block(BIO* bio, PemBlock& block) {
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* body = nullptr;
    long length = 0;
    const int ok = PEM_read_bio(bio, &name, &header, &body, &length);
    block.name.reset(name);
    block.header.reset(header);
    block.body.reset(body);
    block.length = ok == 1 ? length : 0;
    return ok == 1;
}

/// A decoded extension value (X509V3_EXT_d2i), freed through the extension's own method.
struct ExtValueDeleter {
    const X509V3_EXT_METHOD* method = nullptr;
    void operator()(void* p) const noexcept {
        if (p == nullptr || method == nullptr) return;
        if (method->it)
            ASN1_item_free(static_cast<ASN1_VALUE*>(p), ASN1_ITEM_ptr(method->it));
        else if (method->ext_free)
            method->ext_free(p);
    }
};
using ExtValuePtr = std::unique_ptr<void, ExtValueDeleter>;

/// The decoded value of an extension (cast get() to the method's type: BASIC_CONSTRAINTS*,
/// GENERAL_NAMES*, ...); empty when OpenSSL knows no method for it or its DER does not decode.
/// The OpenSSL error queue is cleared.
ExtValuePtr ext_d2i(X509_EXTENSION* ext);

/// A secret buffer of a known length from OpenSSL (a PEM body), wiped and freed.
struct ClearFree {
    long len = 0;
    void operator()(unsigned char* p) const noexcept { OPENSSL_clear_free(p, len > 0 ? static_cast<size_t>(len) : 0); }
};
using SecretBufPtr = std::unique_ptr<unsigned char, ClearFree>;
/// Memory from OPENSSL_secure_zalloc(), cleared when freed.
struct SecureClearFree {
    size_t len = 0;
    void operator()(unsigned char* p) const noexcept { OPENSSL_secure_clear_free(p, len); }
};
using SecureBufPtr = std::unique_ptr<unsigned char, SecureClearFree>;
/// One BIO, not the chain it may be in (BIO_free).
using BioOnePtr = Ptr<BIO, BIO_free>;

/// Throws Error(code, message, hint) with the OpenSSL error queue folded in as details.
[[noreturn]] void fail(Errc code, std::string message, std::string hint);

/// The DER encoding of an OpenSSL object through its i2d function. Throws Errc::internal.
template <typename T, typename I2d>
Bytes to_der(T* obj, I2d i2d) {
    unsigned char* d = nullptr;
    const int n = i2d(obj, &d);
    OsslBytesPtr owned(d);
    if (n <= 0 || d == nullptr) fail(Errc::internal, "cannot encode a DER structure", {});
    return Bytes(d, d + n);
}

/// Drains the OpenSSL error queue into readable lines (oldest first).
std::vector<std::string> drain_errors();

/// Throws Error(code, message, hint) with the OpenSSL error queue folded in as details.
[[noreturn]] void fail(Errc code, std::string message, std::string hint = {});

/// A read-only memory BIO over a byte span (the span must outlive the BIO).
BioPtr mem_bio(std::span<const unsigned char> data);

/// Contents of a memory BIO as bytes / as a string.
std::vector<unsigned char> bio_bytes(BIO* bio);
std::string bio_string(BIO* bio);

/// Lowercase hex of bytes, optionally with a separator.
std::string hex(std::span<const unsigned char> data, char sep = 0);

/// Decodes hex ("0a1B", optional ':' separators). Throws Errc::usage-free malformed on bad input.
std::vector<unsigned char> unhex(std::string_view text);

/// SHA-256 of bytes.
std::vector<unsigned char> sha256(std::span<const unsigned char> data);

/// True when the bytes are PEM: not DER (which starts with a SEQUENCE) and holding "-----BEGIN ".
bool looks_like_pem(std::span<const unsigned char> data);

/// Decodes DER that must be exactly one object of the type (no trailing bytes): d2i is called as
/// d2i(&p, length). Returns an empty pointer otherwise.
template <typename T, auto Free, typename D2I>
Ptr<T, Free> d2i_exact(D2I d2i, std::span<const unsigned char> data) {
    const unsigned char* p = data.data();
    Ptr<T, Free> obj(d2i(&p, static_cast<long>(data.size())));
    if (obj && p != data.data() + data.size()) obj.reset();
    return obj;
}

/// The same with an OpenSSL d2i_TYPE function.
template <typename T, auto Free>
Ptr<T, Free> d2i_exact(T* (*d2i)(T**, const unsigned char**, long), std::span<const unsigned char> data) {
    return d2i_exact<T, Free>([d2i](const unsigned char** p, long n) { return d2i(nullptr, p, n); }, data);
}

/// The password callback for every PEM reader of certificates, CRLs and requests: never a
/// passphrase. Without it OpenSSL prompts on the terminal for a block with "Proc-Type: 4,ENCRYPTED"
/// (and waits there); with it such a block just does not decode.
inline int no_passphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) { return -1; }

/// One object from PEM (the first block) or from exact DER (see d2i_exact). Returns an empty
/// pointer when neither reads; the OpenSSL error queue is cleared.
template <typename T, auto Free>
Ptr<T, Free> read_pem_or_der(std::span<const unsigned char> data, T* (*pem_read)(BIO*, T**, pem_password_cb*, void*),
                             T* (*d2i)(T**, const unsigned char**, long)) {
    Ptr<T, Free> obj;
    if (looks_like_pem(data)) {
        BioPtr bio = mem_bio(data);
        obj.reset(pem_read(bio.get(), nullptr, no_passphrase, nullptr));
    } else {
        obj = d2i_exact<T, Free>(d2i, data);
    }
    ERR_clear_error();
    return obj;
}

/// A UTF-8 one-line rendering of an X.509 name: "CN=علی رضایی, O=..., C=IR", in the encoding
/// order, ", " between RDNs and "+" between the members of a multi-valued RDN, short names (CN, O,
/// OU, C) or the dotted OID of unknown types. Values use RFC 4514 §2.4 escaping (`,` `+` `"`, backslash,
/// `<` `>` `;`, a leading `#` or space, a trailing space), so a comma inside a value never passes for
/// a separator. The result is always valid UTF-8: bytes that are not (and control characters) are
/// written as \XX hex pairs; Persian and other text stays as it is. detail::parse_dn() reads it back.
std::string name_to_utf8(const X509_NAME* name);

/// An ASN.1 string (e.g. one name attribute value) as valid UTF-8, for display: converted from its
/// string type, invalid bytes and control characters as \XX hex pairs, nothing else escaped.
std::string string_to_utf8(const ASN1_STRING* value);

/// The length (1..4) of the well-formed UTF-8 character at s[i] (RFC 3629: no overlong forms, no
/// surrogates, nothing beyond U+10FFFF), 0 when the bytes there are not one; its code point in *cp.
size_t utf8_char(std::string_view s, size_t i, char32_t* cp);

/// True when the bytes are well-formed UTF-8 (RFC 3629).
bool valid_utf8(std::string_view s);

/// "line N, byte 0xXX": where the first byte that is not well-formed UTF-8 is, for messages; empty
/// when the text is valid.
std::string utf8_error_at(std::string_view s);

/// Appends s as tsign::to_valid_utf8() renders it (invalid bytes and control characters as \XX).
void append_escaped_text(std::string& out, std::string_view s);

/// Serial number as uppercase hex (no separators).
std::string serial_hex(const ASN1_INTEGER* serial);

/// ASN1_TIME to time_t (UTC).
long long asn1_time_to_unix(const ASN1_TIME* t);

}  // namespace tsign::ossl
