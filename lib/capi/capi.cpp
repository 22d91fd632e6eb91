// The C ABI (include/tsign/tsign.h) over the C++ library: no exception crosses it.
#include "tsign/tsign.h"

#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>

#include "cms/verify_impl.hpp"
#include "core/ossl.hpp"
#include "tsign/cms.hpp"
#include "tsign/pdf.hpp"
#include "tsign/error.hpp"
#include "tsign/keys.hpp"
#include "tsign/pin.hpp"
#include "tsign/tsp.hpp"
#include "tsign/version.hpp"

struct tsign_key {
    std::unique_ptr<tsign::Signer> signer;
};

namespace {

thread_local std::string g_last_error;

int fail(int code, std::string message) {
    g_last_error = std::move(message);
    return code;
}

/// Runs f, turning every exception into a status and a message.
template <typename F>
int guarded(F&& f) {
    try {
        g_last_error.clear();
        return f();
    } catch (const tsign::Error& e) {
        return fail(static_cast<int>(e.exit_code()), std::string(e.what()) + (e.hint().empty() ? "" : " (" + e.hint() + ")"));
    } catch (const std::bad_alloc&) {
        return fail(TSIGN_INTERNAL, "out of memory");
    } catch (const std::exception& e) {
        return fail(TSIGN_INTERNAL, std::string("internal error: ") + e.what());
    } catch (...) {
        return fail(TSIGN_INTERNAL, "internal error");
    }
}

/// Copies bytes into malloc'ed memory the caller releases with tsign_free().
int hand_out(const tsign::Bytes& bytes, uint8_t** out, size_t* out_len) {
    auto* p = static_cast<uint8_t*>(std::malloc(bytes.empty() ? 1 : bytes.size()));
    if (p == nullptr) return fail(TSIGN_INTERNAL, "out of memory");
    if (!bytes.empty()) std::memcpy(p, bytes.data(), bytes.size());
    *out = p;
    *out_len = bytes.size();
    return TSIGN_OK;
}

std::vector<std::string> strings(const char* const* list, size_t count) {
    std::vector<std::string> out;
    for (size_t i = 0; list && i < count; ++i)
        if (list[i]) out.emplace_back(list[i]);
    return out;
}

tsign::DigestAlgorithm digest_of(int d) {
    switch (d) {
    case TSIGN_SHA256: return tsign::DigestAlgorithm::sha256;
    case TSIGN_SHA384: return tsign::DigestAlgorithm::sha384;
    case TSIGN_SHA512: return tsign::DigestAlgorithm::sha512;
    default: throw tsign::Error(tsign::Errc::usage, "unknown digest " + std::to_string(d));
    }
}

/// The options a caller gave, read no further than the size it says its structure has.
tsign::SignOptions sign_options(const tsign_sign_options* o) {
    tsign::SignOptions s;
    if (o == nullptr) return s;
    if (o->struct_size < offsetof(tsign_sign_options, tsa_timeout_seconds) + sizeof(int))
        throw tsign::Error(tsign::Errc::usage, "tsign_sign_options.struct_size is too small");
    s.attached = o->attached != 0;
    s.scheme.digest = digest_of(o->digest);
    s.scheme.rsa_pss = o->rsa_pss != 0;
    s.chain_files = strings(o->chain_files, o->chain_count);
    s.tsa_urls = strings(o->tsa_urls, o->tsa_count);
    if (o->tsa_timeout_seconds > 0) s.tsa_timeout_seconds = o->tsa_timeout_seconds;
    return s;
}

}  // namespace

extern "C" {

const char* tsign_version(void) {
    static const std::string v = tsign::version();
    return v.c_str();
}

const char* tsign_last_error(void) { return g_last_error.c_str(); }

void tsign_free(void* pointer) { std::free(pointer); }

}  // extern "C"

namespace {

/// tsign_verify_options -> VerifyOptions (fields after 0.1 read when struct_size covers them).
int verify_options(const tsign_verify_options* options, tsign::VerifyOptions& v, const char* who) {
    v.chain.trust_files = strings(options->trust_files, options->trust_count);
    v.chain.untrusted_files = strings(options->untrusted_files, options->untrusted_count);
    v.chain.crl_files = strings(options->crl_files, options->crl_count);
    switch (options->revocation) {
    case TSIGN_REVOCATION_AUTO: v.chain.revocation = tsign::RevocationMode::automatic; break;
    case TSIGN_REVOCATION_REQUIRE: v.chain.revocation = tsign::RevocationMode::require; break;
    case TSIGN_REVOCATION_OFF: v.chain.revocation = tsign::RevocationMode::off; break;
    default: return fail(TSIGN_USAGE, std::string(who) + ": unknown revocation mode");
    }
    v.chain.fetch = options->offline == 0;
    // Years 1..9999 (what ISO 8601 and the report can say).
    if (options->at != 0 && (options->at < -62135596800LL || options->at > 253402300799LL))
        return fail(TSIGN_USAGE, std::string(who) + ": 'at' is outside the years 1 to 9999");
    if (options->at != 0) v.chain.at = options->at;
    if (options->roster_file) v.roster_file = options->roster_file;
    // Each field added after 0.1 is read when struct_size covers it.
    if (options->struct_size >= offsetof(tsign_verify_options, validation_policy_file) + sizeof(const char*) &&
        options->validation_policy_file)
        v.chain.validation_policy_file = options->validation_policy_file;
    if (options->struct_size >= offsetof(tsign_verify_options, allow_weak_algorithms) + sizeof(int))
        v.chain.allow_weak_algorithms = options->allow_weak_algorithms != 0;
    return static_cast<int>(TSIGN_OK);
}

/// Hands a JSON report to the caller (released with tsign_free).
int hand_out_json(const std::string& json, char** report_json) {
    char* out = static_cast<char*>(std::malloc(json.size() + 1));
    if (out == nullptr) return fail(TSIGN_INTERNAL, "out of memory");
    std::memcpy(out, json.c_str(), json.size() + 1);
    *report_json = out;
    return static_cast<int>(TSIGN_OK);
}

}  // namespace

extern "C" {

int tsign_key_open(const char* spec, const char* cert_file, const char* pkcs11_module, tsign_pin_callback pin_callback,
                   void* user_data, tsign_key** key) {
    return guarded([&] {
        if (spec == nullptr || key == nullptr) return fail(TSIGN_USAGE, "tsign_key_open: spec and key must not be NULL");
        *key = nullptr;
        tsign::KeyOptions o;
        o.spec = spec;
        if (cert_file) o.cert_file = cert_file;
        if (pkcs11_module) o.pkcs11_module = pkcs11_module;
        if (pin_callback) {
            o.pin = tsign::PinSource::from_callback([pin_callback, user_data](const tsign::PinRequest& r) {
                std::string buf(1024, '\0');
                const int rc = pin_callback(user_data, r.prompt.c_str(), buf.data(), buf.size());
                const size_t n = ::strnlen(buf.data(), buf.size());
                tsign::Secret secret(std::string_view(buf.data(), n));
                tsign::secure_wipe(buf.data(), buf.size());
                if (rc != 0) throw tsign::Error(tsign::Errc::pin_unavailable, "the PIN callback refused: " + r.prompt);
                return secret;
            });
        } else {
            o.pin = tsign::PinSource::from_callback([](const tsign::PinRequest& r) -> tsign::Secret {
                throw tsign::Error(tsign::Errc::pin_unavailable, r.prompt + " is needed and no PIN callback was given");
            });
        }
        auto k = std::make_unique<tsign_key>();
        k->signer = tsign::open_signer(o);
        *key = k.release();
        return static_cast<int>(TSIGN_OK);
    });
}

void tsign_key_free(tsign_key* key) {
    try {
        delete key;
    } catch (...) {
    }
}

int tsign_sign_file(tsign_key* key, const char* path, const tsign_sign_options* options, uint8_t** signature,
                    size_t* signature_len) {
    return guarded([&] {
        if (!key || !path || !signature || !signature_len) return fail(TSIGN_USAGE, "tsign_sign_file: NULL argument");
        return hand_out(tsign::sign_document(*key->signer, path, sign_options(options)), signature, signature_len);
    });
}

int tsign_sign_buffer(tsign_key* key, const uint8_t* data, size_t data_len, const tsign_sign_options* options,
                      uint8_t** signature, size_t* signature_len) {
    return guarded([&] {
        if (!key || (!data && data_len) || !signature || !signature_len) return fail(TSIGN_USAGE, "tsign_sign_buffer: NULL argument");
        const uint8_t empty = 0;
        return hand_out(tsign::sign_data(*key->signer, std::span(data ? data : &empty, data_len), sign_options(options)), signature,
                        signature_len);
    });
}

int tsign_cosign(tsign_key* key, const uint8_t* signature, size_t signature_len, const char* content_path,
                 const tsign_sign_options* options, uint8_t** out, size_t* out_len) {
    return guarded([&] {
        if (!key || !signature || !out || !out_len) return fail(TSIGN_USAGE, "tsign_cosign: NULL argument");
        const tsign::SignOptions s = sign_options(options);
        tsign::CosignOptions c;
        c.scheme = s.scheme;
        c.chain_files = s.chain_files;
        c.tsa_urls = s.tsa_urls;
        c.tsa_timeout_seconds = s.tsa_timeout_seconds;
        if (content_path) c.content_path = content_path;
        return hand_out(tsign::cosign_document(tsign::Bytes(signature, signature + signature_len), *key->signer, c), out, out_len);
    });
}

int tsign_verify(const uint8_t* signature, size_t signature_len, const char* content_path, const tsign_verify_options* options,
                 char** report_json) {
    return guarded([&] {
        if (!signature || !options || !report_json) return fail(TSIGN_USAGE, "tsign_verify: NULL argument");
        if (options->struct_size < offsetof(tsign_verify_options, roster_file) + sizeof(const char*))
            return fail(TSIGN_USAGE, "tsign_verify_options.struct_size is too small");
        *report_json = nullptr;
        tsign::VerifyOptions v;
        if (const int rc = verify_options(options, v, "tsign_verify"); rc != TSIGN_OK) return rc;
        if (content_path) v.content_path = content_path;
        const tsign::VerifyReport r = tsign::verify_signature(tsign::Bytes(signature, signature + signature_len), v);
        if (const int rc = hand_out_json(r.to_json(), report_json); rc != TSIGN_OK) return rc;
        if (r.valid) return static_cast<int>(TSIGN_OK);
        return fail(TSIGN_INVALID, "not valid: see the report");
    });
}

int tsign_verify_buffer(const uint8_t* signature, size_t signature_len, const uint8_t* content, size_t content_len,
                        const tsign_verify_options* options, char** report_json) {
    return guarded([&] {
        if (!signature || (!content && content_len) || !options || !report_json)
            return fail(TSIGN_USAGE, "tsign_verify_buffer: NULL argument");
        if (options->struct_size < offsetof(tsign_verify_options, roster_file) + sizeof(const char*))
            return fail(TSIGN_USAGE, "tsign_verify_options.struct_size is too small");
        *report_json = nullptr;
        tsign::VerifyOptions v;
        if (const int rc = verify_options(options, v, "tsign_verify_buffer"); rc != TSIGN_OK) return rc;
        if (v.chain.trust_files.empty()) return fail(TSIGN_USAGE, "tsign_verify_buffer: no trust anchor given");
        const uint8_t empty = 0;
        const tsign::ossl::BioPtr bio = tsign::ossl::mem_bio(std::span(content ? content : &empty, content_len));
        tsign::detail::ExternalContent external;
        external.content = bio.get();
        const tsign::VerifyReport r =
            tsign::detail::verify_signed_data(tsign::Bytes(signature, signature + signature_len), v, false, &external);
        if (const int rc = hand_out_json(r.to_json(), report_json); rc != TSIGN_OK) return rc;
        if (r.valid) return static_cast<int>(TSIGN_OK);
        return fail(TSIGN_INVALID, "not valid: see the report");
    });
}

int tsign_extend(const uint8_t* signature, size_t signature_len, const char* content_path, int level, const char* const* tsa_urls,
                 size_t tsa_count, int tsa_timeout_seconds, const tsign_verify_options* options, uint8_t** out, size_t* out_len) {
    return guarded([&] {
        if (!signature || !out || !out_len || (!options && level != TSIGN_LEVEL_T))
            return fail(TSIGN_USAGE, "tsign_extend: NULL argument");
        if (level != TSIGN_LEVEL_T && level != TSIGN_LEVEL_LT && level != TSIGN_LEVEL_LTA)
            return fail(TSIGN_USAGE, "tsign_extend: level is TSIGN_LEVEL_T, TSIGN_LEVEL_LT or TSIGN_LEVEL_LTA");
        tsign::ExtendOptions e;
        if (options) {
            if (options->struct_size < offsetof(tsign_verify_options, roster_file) + sizeof(const char*))
                return fail(TSIGN_USAGE, "tsign_verify_options.struct_size is too small");
            tsign::VerifyOptions v;
            if (const int rc = verify_options(options, v, "tsign_extend"); rc != TSIGN_OK) return rc;
            e.chain = v.chain;
        }
        if (level != TSIGN_LEVEL_T && e.chain.trust_files.empty())
            return fail(TSIGN_USAGE, "tsign_extend: no trust anchor given (LT and LTA validate every signer)");
        e.tsa_urls = strings(tsa_urls, tsa_count);
        if (level == TSIGN_LEVEL_T && e.tsa_urls.empty()) return fail(TSIGN_USAGE, "tsign_extend: no TSA given");
        if (tsa_timeout_seconds > 0) e.tsa_timeout_seconds = tsa_timeout_seconds;
        if (content_path) e.content_path = content_path;
        const tsign::Bytes sig(signature, signature + signature_len);
        tsign::Bytes der = level == TSIGN_LEVEL_T    ? tsign::extend_to_t(sig, e)
                           : level == TSIGN_LEVEL_LT ? tsign::extend_to_lt(sig, e)
                                                     : tsign::extend_to_lta(sig, e);
        return hand_out(der, out, out_len);
    });
}

int tsign_timestamp(const uint8_t* data, size_t data_len, const char* const* tsa_urls, size_t tsa_count, int timeout_seconds,
                    uint8_t** response, size_t* response_len) {
    return guarded([&] {
        if ((!data && data_len) || !tsa_urls || !response || !response_len) return fail(TSIGN_USAGE, "tsign_timestamp: NULL argument");
        tsign::TimestampOptions o;
        o.urls = strings(tsa_urls, tsa_count);
        if (o.urls.empty()) return fail(TSIGN_USAGE, "tsign_timestamp: no TSA given");
        if (timeout_seconds > 0) o.timeout_seconds = timeout_seconds;
        const uint8_t empty = 0;
        return hand_out(tsign::timestamp_data(std::span(data ? data : &empty, data_len), o), response, response_len);
    });
}

int tsign_pdf_sign(tsign_key* key, const uint8_t* pdf, size_t pdf_len, const tsign_sign_options* options, int certify,
                   uint8_t** out, size_t* out_len) {
    return guarded([&] {
        if (!key || !pdf || !out || !out_len) return fail(TSIGN_USAGE, "tsign_pdf_sign: NULL argument");
        if (certify < 0 || certify > 3) return fail(TSIGN_USAGE, "tsign_pdf_sign: certify is 0 (approval) or a DocMDP P of 1..3");
        const tsign::SignOptions s = sign_options(options);
        if (s.attached) return fail(TSIGN_USAGE, "tsign_pdf_sign: 'attached' does not apply to a PDF signature");
        tsign::PdfSignOptions p;
        p.scheme = s.scheme;
        p.chain_files = s.chain_files;
        p.tsa_urls = s.tsa_urls;
        p.tsa_timeout_seconds = s.tsa_timeout_seconds;
        p.certify = certify;
        return hand_out(tsign::pdf_sign_data(*key->signer, std::span(pdf, pdf_len), p), out, out_len);
    });
}

int tsign_pdf_verify(const uint8_t* pdf, size_t pdf_len, const tsign_verify_options* options, char** report_json) {
    return guarded([&] {
        if (!pdf || !options || !report_json) return fail(TSIGN_USAGE, "tsign_pdf_verify: NULL argument");
        *report_json = nullptr;
        tsign::VerifyOptions v;
        if (const int rc = verify_options(options, v, "tsign_pdf_verify"); rc != TSIGN_OK) return rc;
        tsign::PdfVerifyOptions p;
        p.chain = v.chain;
        p.roster_file = v.roster_file;
        const tsign::PdfVerifyReport r = tsign::verify_pdf_data(std::span(pdf, pdf_len), p);
        if (const int rc = hand_out_json(r.to_json(), report_json); rc != TSIGN_OK) return rc;
        if (r.valid) return static_cast<int>(TSIGN_OK);
        return fail(TSIGN_INVALID, "not valid: see the report");
    });
}

int tsign_pdf_extend(const uint8_t* pdf, size_t pdf_len, int lta, const char* const* tsa_urls, size_t tsa_count,
                     const tsign_verify_options* options, uint8_t** out, size_t* out_len) {
    return guarded([&] {
        if (!pdf || !options || !out || !out_len) return fail(TSIGN_USAGE, "tsign_pdf_extend: NULL argument");
        tsign::VerifyOptions v;
        if (const int rc = verify_options(options, v, "tsign_pdf_extend"); rc != TSIGN_OK) return rc;
        tsign::ExtendOptions e;
        e.chain = v.chain;
        e.tsa_urls = strings(tsa_urls, tsa_count);
        return hand_out(tsign::pdf_extend_data(std::span(pdf, pdf_len), lta != 0, e), out, out_len);
    });
}

}  // extern "C"
