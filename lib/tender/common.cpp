// What the tender files share: signed JSON documents, strict JSON reading, secrets in locked
// memory, Shamir sharing through libgfshare, RFC 9162 Merkle trees, the portal's store.
#include <sys/mman.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <mutex>

extern "C" {
#include <libgfshare.h>
}
#include <openssl/rand.h>

#include "core/io_impl.hpp"
#include "keys/signer_impl.hpp"
#include "tender/package_asn1.h"
#include "tender/tender_impl.hpp"
#include "tsign/error.hpp"

namespace tsign::tender {

namespace {
using PackagePtr = ossl::Ptr<TSIGN_TENDER_PACKAGE, TSIGN_TENDER_PACKAGE_free>;
using SealedSharePtr = ossl::Ptr<TSIGN_SEALED_SHARE, TSIGN_SEALED_SHARE_free>;
using GfsharePtr = ossl::Ptr<gfshare_ctx, gfshare_ctx_free>;

// libgfshare draws the random coefficients through a global hook; it must be a CSPRNG.
void fill_random(unsigned char* buf, unsigned int n) {
    if (RAND_priv_bytes(buf, static_cast<int>(n)) != 1) std::abort();  // never share with weak coefficients
}
std::once_flag g_rand_once;
void use_openssl_random() {
    std::call_once(g_rand_once, [] { gfshare_fill_rand = fill_random; });
}
}  // namespace

Bytes sign_attached(Signer& signer, std::span<const std::uint8_t> content, const std::vector<std::string>& chain_files,
                    const std::vector<std::string>& tsa_urls, int tsa_timeout, const std::string& what) {
    const ossl::X509Ptr cert = detail::usable_certificate(signer);
    const std::vector<ossl::X509Ptr> chain = detail::load_certificate_files(chain_files);
    return detail::sign_buffer(signer, content,
                               {.cert = cert.get(),
                                .scheme = SignatureScheme{},
                                .attached = true,
                                .extra_certs = &chain,
                                .what = what,
                                .tsa_urls = tsa_urls,
                                .tsa_timeout_seconds = tsa_timeout});
}

Bytes content_of(const Bytes& signed_data, const std::string& what) {
    detail::CmsPtr cms = detail::parse_signed_data(signed_data, what);
    ASN1_OCTET_STRING** pos = CMS_get0_content(cms.get());
    if (pos == nullptr || *pos == nullptr)
        throw Error(Errc::malformed, "cannot read " + what + ": it carries no content (a detached signature?)");
    return Bytes(ASN1_STRING_get0_data(*pos), ASN1_STRING_get0_data(*pos) + ASN1_STRING_length(*pos));
}

Bytes verify_pinned(const Bytes& signed_data, const Bytes& pinned, const std::string& what) {
    detail::CmsPtr cms = detail::parse_signed_data(signed_data, what);
    STACK_OF(CMS_SignerInfo)* sis = CMS_get0_SignerInfos(cms.get());
    if (sk_CMS_SignerInfo_num(sis) != 1)
        throw Error(Errc::not_valid, "cannot accept " + what + ": it must have exactly one signer, it has " +
                                         std::to_string(sk_CMS_SignerInfo_num(sis)));
    ossl::X509Ptr cert = ossl::d2i_exact<X509, X509_free>(d2i_X509, pinned);
    if (!cert) throw Error(Errc::malformed, "cannot read the certificate " + what + " must be signed by");
    // Only the pinned certificate may be the signer: the message's own certificates are not offered.
    ossl::X509RefStackPtr certs(sk_X509_new_null());
    sk_X509_push(certs.get(), cert.get());
    if (CMS_SignerInfo_cert_cmp(sk_CMS_SignerInfo_value(sis, 0), cert.get()) != 0)
        throw Error(Errc::not_valid, "cannot accept " + what + ": it is not signed by the expected certificate (" +
                                         ossl::name_to_utf8(X509_get_subject_name(cert.get())) + ")");
    CMS_SignerInfo_set1_signer_cert(sk_CMS_SignerInfo_value(sis, 0), cert.get());
    ossl::BioPtr out(BIO_new(BIO_s_mem()));
    if (CMS_verify(cms.get(), certs.get(), nullptr, nullptr, out.get(), CMS_NOVERIFY | CMS_NOINTERN | CMS_BINARY) != 1) {
        ERR_clear_error();
        throw Error(Errc::not_valid, "cannot accept " + what + ": its signature does not verify (altered?)");
    }
    return ossl::bio_bytes(out.get());
}

json parse_document(std::span<const std::uint8_t> text, const char* format, const std::string& what) {
    json j = json::parse(text.begin(), text.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object())
        throw Error(Errc::malformed, "cannot read " + what + ": its content is not a JSON object");
    auto f = j.find("format");
    if (f == j.end() || !f->is_string() || f->get<std::string>() != format)
        throw Error(Errc::malformed, "cannot read " + what + ": it is not a " + format + " document");
    return j;
}

std::string get_string(const json& j, const char* key, const std::string& what) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string())
        throw Error(Errc::malformed, "cannot read " + what + ": field '" + key + "' is missing or not a string");
    return it->get<std::string>();
}

std::int64_t get_int(const json& j, const char* key, const std::string& what) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number_integer())
        throw Error(Errc::malformed, "cannot read " + what + ": field '" + key + "' is missing or not an integer");
    return it->get<std::int64_t>();
}

const json& get_array(const json& j, const char* key, const std::string& what) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_array())
        throw Error(Errc::malformed, "cannot read " + what + ": field '" + key + "' is missing or not an array");
    return *it;
}

Bytes get_base64(const json& j, const char* key, const std::string& what) {
    return unbase64(get_string(j, key, what), what + " (field '" + key + "')");
}

std::string base64(std::span<const std::uint8_t> data) {
    std::string out(4 * ((data.size() + 2) / 3), '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data.data(), static_cast<int>(data.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

Bytes unbase64(const std::string& in, const std::string& what) {
    if (in.size() % 4 != 0 ||
        in.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != std::string::npos)
        throw Error(Errc::malformed, "cannot read " + what + ": not base64");
    Bytes out(in.size() / 4 * 3);
    const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
    if (n < 0) throw Error(Errc::malformed, "cannot read " + what + ": not base64");
    std::size_t pad = 0;
    if (!in.empty() && in.back() == '=') ++pad;
    if (in.size() >= 2 && in[in.size() - 2] == '=') ++pad;
    out.resize(static_cast<std::size_t>(n) - pad);
    if (base64(out) != in) throw Error(Errc::malformed, "cannot read " + what + ": not canonical base64");
    return out;
}

std::string sha256_hex(std::span<const std::uint8_t> data) { return ossl::hex(ossl::sha256(data)); }

std::string subject_of(const Bytes& cert_der) {
    ossl::X509Ptr c = ossl::d2i_exact<X509, X509_free>(d2i_X509, cert_der);
    if (!c) throw Error(Errc::malformed, "cannot read a certificate");
    return ossl::name_to_utf8(X509_get_subject_name(c.get()));
}

std::string common_name_of(const Bytes& cert_der) {
    ossl::X509Ptr c = ossl::d2i_exact<X509, X509_free>(d2i_X509, cert_der);
    if (!c) throw Error(Errc::malformed, "cannot read a certificate");
    const X509_NAME* n = X509_get_subject_name(c.get());
    const int i = X509_NAME_get_index_by_NID(n, NID_commonName, -1);
    if (i < 0) return ossl::name_to_utf8(n);
    return ossl::string_to_utf8(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i)));
}

// ---------------------------------------------------------------------------------------------
// Secrets

SecretBytes::SecretBytes(std::size_t n)
    : p_(static_cast<unsigned char*>(OPENSSL_secure_zalloc(n == 0 ? 1 : n)), ossl::SecureClearFree{n == 0 ? 1 : n}), n_(n) {
    if (!p_) throw Error(Errc::internal, "out of memory for a secret");
    (void)mlock(p_.get(), n_ == 0 ? 1 : n_);  // kept out of swap where the limits allow
    unsigned char* page = p_.get() - reinterpret_cast<std::uintptr_t>(p_.get()) % 4096;  // the page that holds it
    (void)madvise(page, 4096, MADV_DONTDUMP);
}

SecretBytes::~SecretBytes() {
    if (p_) {
        OPENSSL_cleanse(p_.get(), n_);
        munlock(p_.get(), n_ == 0 ? 1 : n_);
    }
}

SecretBytes::SecretBytes(SecretBytes&& o) noexcept : p_(std::move(o.p_)), n_(o.n_) { o.n_ = 0; }

std::vector<SecretBytes> shamir_split(const SecretBytes& secret, const std::vector<unsigned char>& xs_in, int threshold) {
    use_openssl_random();
    if (threshold < 1 || threshold > static_cast<int>(xs_in.size()) || xs_in.size() > 255)
        throw Error(Errc::usage, "cannot split a secret " + std::to_string(threshold) + " of " + std::to_string(xs_in.size()));
    std::vector<unsigned char> xs = xs_in;
    GfsharePtr ctx(gfshare_ctx_init_enc(xs.data(), static_cast<unsigned>(xs.size()), static_cast<unsigned char>(threshold),
                                        static_cast<unsigned>(secret.size())));
    if (!ctx) throw Error(Errc::internal, "cannot start the secret sharing (libgfshare)");
    gfshare_ctx_enc_setsecret(ctx.get(), const_cast<unsigned char*>(secret.data()));
    std::vector<SecretBytes> out;
    out.reserve(xs.size());
    for (std::size_t i = 0; i < xs.size(); ++i) {
        out.emplace_back(secret.size());
        gfshare_ctx_enc_getshare(ctx.get(), static_cast<unsigned char>(i), out.back().data());
    }
    return out;
}

SecretBytes shamir_combine(const std::vector<unsigned char>& xs_in, const std::vector<const SecretBytes*>& shares) {
    use_openssl_random();  // libgfshare scrubs its buffers with the random hook when a context is freed
    if (xs_in.empty() || xs_in.size() != shares.size()) throw Error(Errc::internal, "shamir_combine: shares and numbers differ");
    std::vector<unsigned char> xs = xs_in;
    const std::size_t size = shares.front()->size();
    GfsharePtr ctx(gfshare_ctx_init_dec(xs.data(), static_cast<unsigned>(xs.size()), static_cast<unsigned>(size)));
    if (!ctx) throw Error(Errc::internal, "cannot start the secret recombination (libgfshare)");
    for (std::size_t i = 0; i < shares.size(); ++i) {
        if (shares[i]->size() != size) throw Error(Errc::malformed, "shares of different sizes");
        gfshare_ctx_dec_giveshare(ctx.get(), static_cast<unsigned char>(i), const_cast<unsigned char*>(shares[i]->data()));
    }
    SecretBytes secret(size);
    gfshare_ctx_dec_extract(ctx.get(), secret.data());
    return secret;
}

// ---------------------------------------------------------------------------------------------
// RFC 9162 Merkle trees

namespace {
Bytes node_hash(const Bytes& left, const Bytes& right) {
    Bytes in;
    in.reserve(1 + left.size() + right.size());
    in.push_back(0x01);
    in.insert(in.end(), left.begin(), left.end());
    in.insert(in.end(), right.begin(), right.end());
    return ossl::sha256(in);
}
/// The largest power of two smaller than n (n > 1).
std::size_t split_point(std::size_t n) {
    std::size_t k = 1;
    while (k * 2 < n) k *= 2;
    return k;
}
Bytes mth(const std::vector<Bytes>& leaves, std::size_t begin, std::size_t end) {
    const std::size_t n = end - begin;
    if (n == 0) return ossl::sha256({});
    if (n == 1) return leaves[begin];
    const std::size_t k = split_point(n);
    return node_hash(mth(leaves, begin, begin + k), mth(leaves, begin + k, end));
}
void path_of(const std::vector<Bytes>& leaves, std::size_t m, std::size_t begin, std::size_t end, std::vector<Bytes>& out) {
    const std::size_t n = end - begin;
    if (n <= 1) return;
    const std::size_t k = split_point(n);
    if (m < k) {
        path_of(leaves, m, begin, begin + k, out);
        out.push_back(mth(leaves, begin + k, end));
    } else {
        path_of(leaves, m - k, begin + k, end, out);
        out.push_back(mth(leaves, begin, begin + k));
    }
}
}  // namespace

Bytes merkle_leaf(std::span<const std::uint8_t> data) {
    Bytes in;
    in.reserve(1 + data.size());
    in.push_back(0x00);
    in.insert(in.end(), data.begin(), data.end());
    return ossl::sha256(in);
}

Bytes merkle_root(const std::vector<Bytes>& leaves) { return mth(leaves, 0, leaves.size()); }

std::vector<Bytes> merkle_path(const std::vector<Bytes>& leaves, std::size_t m) {
    std::vector<Bytes> out;
    if (m < leaves.size()) path_of(leaves, m, 0, leaves.size(), out);
    return out;
}

Bytes merkle_root_from_path(std::size_t index, std::size_t size, const Bytes& leaf, const std::vector<Bytes>& path) {
    // RFC 9162 §2.1.3.2, steps 1-6.
    if (index >= size) return {};
    std::size_t fn = index, sn = size - 1;
    Bytes r = leaf;
    for (const Bytes& p : path) {
        if (sn == 0) return {};
        if ((fn & 1) == 1 || fn == sn) {
            r = node_hash(p, r);
            if ((fn & 1) == 0)
                while ((fn & 1) == 0 && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
        } else {
            r = node_hash(r, p);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0) return {};
    return r;
}

// ---------------------------------------------------------------------------------------------
// The store

std::string Store::path(const std::string& state_dir) { return (std::filesystem::path(state_dir) / "tender.db").string(); }

Store::Store(const std::string& state_dir, bool create) {
    const std::string p = path(state_dir);
    std::error_code ec;
    if (create) {
        detail::make_private_dir(state_dir, false);
    } else if (!std::filesystem::exists(p, ec)) {
        throw Error(Errc::file_not_found, "no tender portal state in '" + state_dir + "' (no tender.db)");
    }
    db_ = std::make_unique<db::Db>(p, create);
    if (create) {
        db_->exec(
            "CREATE TABLE IF NOT EXISTS packages("
            " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
            " package_sha256 TEXT NOT NULL UNIQUE,"
            " envelope TEXT NOT NULL,"
            " bidder TEXT NOT NULL,"
            " bidder_cert_sha256 TEXT NOT NULL,"
            " time INTEGER NOT NULL,"
            " received_at INTEGER NOT NULL,"
            " receipt BLOB NOT NULL,"
            " package BLOB NOT NULL);"
            "CREATE TABLE IF NOT EXISTS tender(k TEXT PRIMARY KEY, v BLOB NOT NULL);");
    }
}

// ---------------------------------------------------------------------------------------------
// The package

Package parse_package(std::span<const std::uint8_t> content) {
    const unsigned char* p = content.data();
    PackagePtr pkg(d2i_TSIGN_TENDER_PACKAGE(nullptr, &p, static_cast<long>(content.size())));
    if (!pkg || p != content.data() + content.size()) {
        ERR_clear_error();
        throw Error(Errc::malformed, "cannot read the package: its content is not a tender package");
    }
    auto int_of = [](const ASN1_INTEGER* i, const char* what) {
        std::int64_t v = 0;
        if (ASN1_INTEGER_get_int64(&v, i) != 1 || v < 0 || v > 255) {
            ERR_clear_error();
            throw Error(Errc::malformed, std::string("cannot read the package: ") + what + " out of range");
        }
        return static_cast<int>(v);
    };
    auto bytes_of = [](const ASN1_STRING* s) {
        return Bytes(ASN1_STRING_get0_data(s), ASN1_STRING_get0_data(s) + ASN1_STRING_length(s));
    };
    if (int_of(pkg->version, "version") != 1) throw Error(Errc::unsupported, "cannot read the package: unknown version");
    Package out;
    out.tender_id = ossl::string_to_utf8(pkg->tender_id);
    out.envelope = ossl::string_to_utf8(pkg->envelope);
    out.descriptor_hash = bytes_of(pkg->descriptor_hash);
    out.threshold = int_of(pkg->threshold, "threshold");
    for (int i = 0; i < sk_TSIGN_SEALED_SHARE_num(pkg->shares); ++i) {
        const TSIGN_SEALED_SHARE* s = sk_TSIGN_SEALED_SHARE_value(pkg->shares, i);
        out.shares.push_back({int_of(s->member, "member index"), bytes_of(s->cert_hash), bytes_of(s->sealed)});
    }
    out.payload = bytes_of(pkg->payload);
    return out;
}

Bytes encode_package(const Package& in) {
    PackagePtr pkg(TSIGN_TENDER_PACKAGE_new());
    if (!pkg) ossl::fail(Errc::internal, "out of memory");
    auto set = [](ASN1_STRING* s, std::span<const std::uint8_t> b) {
        if (ASN1_STRING_set(s, b.data(), static_cast<int>(b.size())) != 1) ossl::fail(Errc::internal, "out of memory");
    };
    auto str = [](const std::string& s) {
        return std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
    };
    ASN1_INTEGER_set(pkg->version, 1);
    set(pkg->tender_id, str(in.tender_id));
    set(pkg->descriptor_hash, in.descriptor_hash);
    set(pkg->envelope, str(in.envelope));
    ASN1_INTEGER_set(pkg->threshold, in.threshold);
    for (const auto& s : in.shares) {
        SealedSharePtr sh(TSIGN_SEALED_SHARE_new());
        if (!sh) ossl::fail(Errc::internal, "out of memory");
        ASN1_INTEGER_set(sh->member, s.member);
        set(sh->cert_hash, s.cert_hash);
        set(sh->sealed, s.sealed);
        if (sk_TSIGN_SEALED_SHARE_push(pkg->shares, sh.get()) <= 0) ossl::fail(Errc::internal, "out of memory");
        (void)sh.release();  // the stack owns it now
    }
    set(pkg->payload, in.payload);
    return ossl::to_der(pkg.get(), i2d_TSIGN_TENDER_PACKAGE);
}

std::int64_t now_of(const TenderPortalOptions& o) {
    if (o.now) return o.now();
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void require_envelope(const TenderDescriptor& t, const std::string& envelope) {
    if (std::find(t.envelopes.begin(), t.envelopes.end(), envelope) != t.envelopes.end()) return;
    std::string have;
    for (const auto& e : t.envelopes) have += (have.empty() ? "" : ", ") + e;
    throw Error(Errc::usage, "tender " + t.id + " has no envelope '" + envelope + "'", "its envelopes: " + have);
}

void check_portal_key(const TenderDescriptor& t, const Signer& portal) {
    const auto cert = portal.certificate();
    if (!cert || *cert != t.portal_certificate)
        throw Error(
            Errc::usage,
            "the portal key's certificate is not the tender's portal certificate (" + subject_of(t.portal_certificate) + ")",
            "give --key and --cert of the portal named in the tender descriptor");
}

EVP_PKEY* private_key_of(Signer& signer) {
    auto* k = dynamic_cast<detail::KeySigner*>(&signer);
    if (k == nullptr)
        throw Error(Errc::unsupported,
                    "cannot decrypt with " + signer.location() + ": only keys opened by tsign (files, PKCS#11) decrypt");
    return k->private_key();
}

}  // namespace tsign::tender
