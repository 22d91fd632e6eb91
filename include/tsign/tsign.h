/**
 * @file tsign.h
 * The C ABI of libtsign, for signing plugins and for languages that load a C library
 * (Java through JNA, .NET through P/Invoke, Python through ctypes, PHP through FFI).
 *
 * Rules of the interface:
 * - Every function returns a status: TSIGN_OK (0) or one of the codes below, the same numbers as
 *   the `tsign` command's exit codes. tsign_last_error() then gives a one-line UTF-8 message
 *   (per thread; valid until the next call on the same thread). No C++ exception crosses this
 *   interface.
 * - Handles are opaque. Memory handed to the caller (signatures, reports) is released with
 *   tsign_free(); nothing else needs freeing but handles, with their own free functions.
 * - Strings are UTF-8 and NUL-terminated; byte buffers come with their length.
 * - Every function may be called from several threads at once. A key handle may be shared by
 *   threads (signatures are made concurrently where the key allows it).
 * - The ABI is versioned by the library's soname (libtsign.so.0); structures carry their size
 *   in their first field so that later versions can grow them.
 */
#ifndef TSIGN_TSIGN_H
#define TSIGN_TSIGN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define TSIGN_C_API __attribute__((visibility("default")))
#else
#define TSIGN_C_API
#endif

/** Status codes: the exit codes of the `tsign` command. */
enum tsign_status {
    TSIGN_OK = 0,       /**< success */
    TSIGN_INVALID = 1,  /**< verification ran and something is not valid */
    TSIGN_USAGE = 2,    /**< a bad argument (NULL where a value is needed, unknown option) */
    TSIGN_INPUT = 3,    /**< unreadable, malformed or unsupported input */
    TSIGN_KEY = 4,      /**< key or token error: wrong PIN, token absent, key/certificate mismatch */
    TSIGN_NETWORK = 5,  /**< a TSA, OCSP responder or CRL server could not be used */
    TSIGN_INTERNAL = 6  /**< a bug */
};

/** An open signing key (a key file or a key on a PKCS#11 token) with its certificate. */
typedef struct tsign_key tsign_key;

/**
 * Supplies a PIN or passphrase. Write at most buffer_size - 1 bytes and a NUL into buffer;
 * return 0, or non-zero to refuse (the call then fails with TSIGN_KEY). prompt describes what
 * is asked for ("PIN for token 'finance'"). The library wipes its copy after use.
 */
typedef int (*tsign_pin_callback)(void* user_data, const char* prompt, char* buffer, size_t buffer_size);

/** The library's version, e.g. "0.1.0". Never NULL; static storage. */
TSIGN_C_API const char* tsign_version(void);

/** The message of the last failed call on this thread ("" if none). Valid until the next call. */
TSIGN_C_API const char* tsign_last_error(void);

/** Releases memory returned by the library (signatures, reports). NULL is fine. */
TSIGN_C_API void tsign_free(void* pointer);

/**
 * Opens a key. spec is a key file (PEM/DER PKCS#8, PKCS#1, SEC1, PKCS#12) or an RFC 7512
 * PKCS#11 URI ("pkcs11:token=finance;object=sign"). cert_file may be NULL for a token key whose
 * certificate is on the token. pkcs11_module may be NULL (TSIGN_PKCS11_MODULE, the config file,
 * or the p11-kit proxy). pin_callback may be NULL for unencrypted key files.
 * On success *key is set; release it with tsign_key_free().
 */
TSIGN_C_API int tsign_key_open(const char* spec, const char* cert_file, const char* pkcs11_module,
                               tsign_pin_callback pin_callback, void* user_data, tsign_key** key);

/** Closes a key (and logs out of its token when it was the last user). NULL is fine. */
TSIGN_C_API void tsign_key_free(tsign_key* key);

/** Digest algorithms for signatures and timestamps. */
enum tsign_digest { TSIGN_SHA256 = 0, TSIGN_SHA384 = 1, TSIGN_SHA512 = 2 };

/** How to sign. Zero-initialise, set struct_size = sizeof(tsign_sign_options), fill what you need. */
typedef struct tsign_sign_options {
    size_t struct_size;              /**< sizeof(tsign_sign_options) */
    int attached;                    /**< non-zero: embed the document (default: detached) */
    int digest;                      /**< enum tsign_digest (default SHA-256) */
    int rsa_pss;                     /**< non-zero: RSA-PSS instead of PKCS#1 v1.5 */
    const char* const* chain_files;  /**< certificates to embed besides the signer's */
    size_t chain_count;
    const char* const* tsa_urls;     /**< CAdES-B-T: a signature timestamp from the first TSA that answers */
    size_t tsa_count;
    int tsa_timeout_seconds;         /**< per TSA (0: 10 seconds) */
} tsign_sign_options;

/**
 * Signs a file: a CAdES baseline signature (CMS SignedData, DER) in *signature (release with
 * tsign_free), its length in *signature_len. options may be NULL (detached, SHA-256).
 */
TSIGN_C_API int tsign_sign_file(tsign_key* key, const char* path, const tsign_sign_options* options,
                                uint8_t** signature, size_t* signature_len);

/** Signs bytes in memory; otherwise as tsign_sign_file(). */
TSIGN_C_API int tsign_sign_buffer(tsign_key* key, const uint8_t* data, size_t data_len, const tsign_sign_options* options,
                                  uint8_t** signature, size_t* signature_len);

/**
 * Adds a parallel signer to an existing signature (another commission member); earlier signers
 * stay byte for byte as they were. content_path is the document of a detached signature (NULL for
 * an attached one). The new signature (DER) in *out.
 */
TSIGN_C_API int tsign_cosign(tsign_key* key, const uint8_t* signature, size_t signature_len, const char* content_path,
                             const tsign_sign_options* options, uint8_t** out, size_t* out_len);

/** Revocation checking in verification. */
enum tsign_revocation { TSIGN_REVOCATION_AUTO = 0, TSIGN_REVOCATION_REQUIRE = 1, TSIGN_REVOCATION_OFF = 2 };

/** How to verify. Zero-initialise, set struct_size = sizeof(tsign_verify_options). */
typedef struct tsign_verify_options {
    size_t struct_size;                  /**< sizeof(tsign_verify_options) */
    const char* const* trust_files;      /**< trust anchors (at least one) */
    size_t trust_count;
    const char* const* untrusted_files;  /**< intermediates offered for path building */
    size_t untrusted_count;
    const char* const* crl_files;
    size_t crl_count;
    int revocation;                      /**< enum tsign_revocation */
    int offline;                         /**< non-zero: never fetch CRLs or ask OCSP responders */
    int64_t at;                          /**< validation time (Unix seconds) when no timestamp proves one; 0: now */
    const char* roster_file;             /**< a commission roster (YAML) or NULL */
    /* Since 0.2 (read only when struct_size covers them): */
    const char* validation_policy_file;  /**< a validation policy (YAML) or NULL for the built-in one */
    int allow_weak_algorithms;           /**< non-zero: algorithms the policy refuses are warnings */
} tsign_verify_options;

/**
 * Verifies every signer of a signature. content_path is the document of a detached signature
 * (NULL for an attached one). *report_json (release with tsign_free) receives the report, the
 * same JSON as `tsign verify --json`. Returns TSIGN_OK when every signer is valid, TSIGN_INVALID
 * when one is not (the report says why), other codes when verification could not run.
 */
TSIGN_C_API int tsign_verify(const uint8_t* signature, size_t signature_len, const char* content_path,
                             const tsign_verify_options* options, char** report_json);

/**
 * Asks the TSAs (tried in order, timeout_seconds each, 0: 10) for an RFC 3161 timestamp over
 * data; the TimeStampResp (DER) in *response. The reply's status, nonce and imprint are checked.
 */
TSIGN_C_API int tsign_timestamp(const uint8_t* data, size_t data_len, const char* const* tsa_urls, size_t tsa_count,
                                int timeout_seconds, uint8_t** response, size_t* response_len);

/**
 * Signs a PDF (PAdES baseline B-B, or B-T with TSAs in options) by appending an incremental
 * update: every earlier byte, and so every earlier signature, stays as it was. certify: 0 for an
 * approval signature, or the DocMDP permissions P (1..3) of a certification (first signature only).
 * The whole signed PDF in *out (release with tsign_free). Since 0.3.
 */
TSIGN_C_API int tsign_pdf_sign(tsign_key* key, const uint8_t* pdf, size_t pdf_len, const tsign_sign_options* options, int certify,
                               uint8_t** out, size_t* out_len);

/**
 * Verifies every signature and document timestamp of a PDF, with the analysis of what later
 * revisions changed. *report_json as `tsign verify --json DOC.pdf`. Returns TSIGN_OK when every
 * signature is valid, TSIGN_INVALID when one is not (or there is none). Since 0.3.
 */
TSIGN_C_API int tsign_pdf_verify(const uint8_t* pdf, size_t pdf_len, const tsign_verify_options* options, char** report_json);

/**
 * Raises a PDF's signatures to PAdES B-LT (a DSS with their validation data; revocation data is
 * fetched unless options->offline), and with lta non-zero to B-LTA (a document timestamp from
 * the TSAs). options gives the trust anchors. The whole new PDF in *out. Since 0.3.
 */
TSIGN_C_API int tsign_pdf_extend(const uint8_t* pdf, size_t pdf_len, int lta, const char* const* tsa_urls, size_t tsa_count,
                                 const tsign_verify_options* options, uint8_t** out, size_t* out_len);

/**
 * Verifies a detached signature over content held in memory (the signed bytes themselves, not a
 * file path); otherwise as tsign_verify(): *report_json as `tsign verify --json`, TSIGN_OK when
 * every signer is valid, TSIGN_INVALID when one is not (other content than was signed: the
 * report's findings say the message digest does not match). An attached signature is refused
 * (TSIGN_INPUT): it carries its content. content may be NULL when content_len is 0. Since 0.4.
 */
TSIGN_C_API int tsign_verify_buffer(const uint8_t* signature, size_t signature_len, const uint8_t* content, size_t content_len,
                                    const tsign_verify_options* options, char** report_json);

/** Levels of tsign_extend(). */
enum tsign_level {
    TSIGN_LEVEL_T = 0,  /**< CAdES-B-T: a signature timestamp for every signer without one */
    TSIGN_LEVEL_LT = 1, /**< CAdES-B-LT: also the certificates and revocation data that validate every signer */
    TSIGN_LEVEL_LTA = 2 /**< CAdES-B-LTA: also an archive timestamp (renews an LTA signature) */
};

/**
 * Raises a CMS signature's level (enum tsign_level), as `tsign extend`: every signer is checked
 * first as tsign_verify() does (TSIGN_INVALID, nothing made, when one would not verify); signers
 * without a signature timestamp get one from the TSAs (tried in order, tsa_timeout_seconds each,
 * 0: 10); LT and LTA fetch revocation data unless options->offline. options gives the trust
 * anchors: needed for LT and LTA; may be NULL for T (then only the checks that need no trust
 * anchor run). content_path is the document of a detached signature (NULL: none; LTA needs it
 * unless the signers' digest is SHA-256). The new signature (DER) in *out (release with
 * tsign_free). Since 0.4.
 */
TSIGN_C_API int tsign_extend(const uint8_t* signature, size_t signature_len, const char* content_path, int level,
                             const char* const* tsa_urls, size_t tsa_count, int tsa_timeout_seconds,
                             const tsign_verify_options* options, uint8_t** out, size_t* out_len);

#ifdef __cplusplus
}
#endif

#endif /* TSIGN_TSIGN_H */
