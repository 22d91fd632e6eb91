// The certificate authority: issue, revoke, CRL, audit. State lives in SQLite (WAL, synchronous
// FULL); every change is one transaction with its audit entry; files are written after commit.
#include "tsign/ca.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <pwd.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <yaml-cpp/yaml.h>

#include "ca/ca_impl.hpp"
#include "core/db.hpp"
#include "core/io_impl.hpp"
#include "core/yaml_util.hpp"
#include "keys/signer_impl.hpp"
#include "tsign/error.hpp"
#include "tsign/pkcs11_uri.hpp"
#include "tsign/time.hpp"
#include "x509/chain.hpp"
#include "x509/name.hpp"

namespace fs = std::filesystem;

namespace tsign {

namespace detail {
const std::vector<std::pair<std::string, std::string>>& shipped_profiles();
}

namespace {

constexpr std::size_t kMaxYamlBytes = 1 << 20;  // config.yaml and profiles: a CA admin's files, small
constexpr long long kMaxDays = 36500;

const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS certificates(
  serial TEXT PRIMARY KEY,
  subject TEXT NOT NULL,
  profile TEXT NOT NULL,
  not_before INTEGER NOT NULL,
  not_after INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('valid', 'revoked', 'hold')),
  revoked_at INTEGER,
  reason TEXT,
  der BLOB NOT NULL,
  issued_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS certificates_status ON certificates(status);
CREATE TABLE IF NOT EXISTS crls(
  number INTEGER PRIMARY KEY,
  this_update INTEGER NOT NULL,
  next_update INTEGER NOT NULL,
  der BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS audit(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  details TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS audit_append_only_u BEFORE UPDATE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_append_only_d BEFORE DELETE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
)";

// RFC 5280 §5.3.1 CRLReason.
const std::map<std::string, int>& reasons() {
    static const std::map<std::string, int> r = {
        {"unspecified", 0},          {"keyCompromise", 1},        {"cACompromise", 2},
        {"affiliationChanged", 3},   {"superseded", 4},           {"cessationOfOperation", 5},
        {"certificateHold", 6},      {"privilegeWithdrawn", 9},   {"aACompromise", 10}};
    return r;
}

std::int64_t now() { return static_cast<std::int64_t>(::time(nullptr)); }

std::string actor() {
    std::string user = "?";
    if (const passwd* pw = getpwuid(geteuid())) user = pw->pw_name;
    char host[256] = {0};
    gethostname(host, sizeof host - 1);
    return user + "@" + host;
}

std::string audit_hash(const std::string& prev, std::int64_t t, const std::string& actor, const std::string& action,
                       const std::string& details) {
    const std::string s = prev + "\n" + std::to_string(t) + "\n" + actor + "\n" + action + "\n" + details;
    return ossl::hex(ossl::sha256(std::span(reinterpret_cast<const unsigned char*>(s.data()), s.size())));
}

ossl::X509Ptr read_cert_file(const fs::path& p) {
    auto certs = detail::load_certificates(p.string());
    return std::move(certs.front());
}

std::string key_type_of(EVP_PKEY* pk) {
    const PublicKeyInfo info = detail::describe_pkey(pk);
    if (info.algorithm == "RSA") return "rsa" + std::to_string(info.bits);
    if (info.curve == "P-256") return "ec-p256";
    if (info.curve == "P-384") return "ec-p384";
    if (info.curve == "P-521") return "ec-p521";
    return info.algorithm;
}

struct Profile {
    std::string name;
    std::vector<std::string> key_types, key_usage, key_usage_ec, eku, policies, required_subject;
    bool eku_critical = false, ca = false, ocsp_no_check = false;
    int default_days = 365, max_days = 365, path_length = -1;
};

Profile load_profile(const fs::path& dir, const std::string& name) {
    if (name.empty() || name.find('/') != std::string::npos || name.find("..") != std::string::npos)
        throw Error(Errc::usage, "invalid profile name '" + name + "'");
    const fs::path p = dir / "profiles" / (name + ".yaml");
    std::error_code ec;
    if (!fs::exists(p, ec)) {
        std::string have;
        for (const auto& e : fs::directory_iterator(dir / "profiles", ec))
            if (e.path().extension() == ".yaml") have += (have.empty() ? "" : ", ") + e.path().stem().string();
        throw Error(Errc::usage, "no profile '" + name + "' in " + (dir / "profiles").string(), "profiles: " + have);
    }
    const yaml::Doc doc = yaml::Doc::load_file(p.string(), kMaxYamlBytes, "profile '" + p.string() + "'");
    const YAML::Node& y = doc.root();
    Profile pr;
    pr.name = name;
    pr.key_types = doc.string_list(y, "key_types");
    pr.key_usage = doc.string_list(y, "key_usage");
    if (y["key_usage_ec"]) pr.key_usage_ec = doc.string_list(y, "key_usage_ec");  // EC keys: instead of key_usage
    pr.eku = doc.string_list(y, "extended_key_usage");
    pr.policies = doc.string_list(y, "certificate_policies");
    pr.required_subject = doc.string_list(y, "required_subject");
    (void)doc.opt_string(y, "description");
    pr.eku_critical = doc.opt_bool(y, "extended_key_usage_critical").value_or(false);
    pr.ca = doc.opt_bool(y, "ca").value_or(false);
    pr.ocsp_no_check = doc.opt_bool(y, "ocsp_no_check").value_or(false);
    pr.default_days = static_cast<int>(doc.opt_int(y, "default_days", 1, kMaxDays).value_or(365));
    pr.max_days = static_cast<int>(doc.opt_int(y, "max_days", 1, kMaxDays).value_or(pr.default_days));
    pr.path_length = static_cast<int>(doc.opt_int(y, "path_length", 0, 1000).value_or(-1));
    return pr;
}

void add_ext(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
    ossl::X509ExtPtr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str()));
    if (!ext) {
        // Every value comes from the CA's profile or config.yaml: a wrong one is the admin's to fix.
        ERR_clear_error();
        throw Error(Errc::malformed,
                    std::string("the CA's profile or config.yaml gives an invalid ") + OBJ_nid2sn(nid) + " value '" + value + "'",
                    "see the profile's key_usage, extended_key_usage, certificate_policies, or crl_url / ocsp_url / issuer_url "
                    "in config.yaml");
    }
    if (!X509_add_ext(cert, ext.get(), -1)) ossl::fail(Errc::internal, std::string("cannot add extension ") + OBJ_nid2sn(nid));
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
    std::string s;
    for (size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
    return s;
}

/// Extensions of a new certificate, from the profile and the CA's configuration.
void add_extensions(X509* cert, X509* issuer, const Profile& pr, const CaConfig& cfg, X509_REQ* req) {
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer ? issuer : cert, cert, req, nullptr, 0);
    add_ext(cert, &ctx, NID_basic_constraints,
            pr.ca ? "critical,CA:TRUE" + (pr.path_length >= 0 ? ",pathlen:" + std::to_string(pr.path_length) : std::string())
                  : "critical,CA:FALSE");
    // An EC key cannot encipher keys (RFC 5480 §3): a profile may give EC keys their own usage (keyAgreement).
    EVP_PKEY* subject_key = X509_get0_pubkey(cert);
    const bool ec = subject_key != nullptr && EVP_PKEY_is_a(subject_key, "EC");
    const std::vector<std::string>& ku = ec && !pr.key_usage_ec.empty() ? pr.key_usage_ec : pr.key_usage;
    if (!ku.empty()) add_ext(cert, &ctx, NID_key_usage, "critical," + join(ku, ","));
    if (!pr.eku.empty()) add_ext(cert, &ctx, NID_ext_key_usage, (pr.eku_critical ? "critical," : "") + join(pr.eku, ","));
    add_ext(cert, &ctx, NID_subject_key_identifier, "hash");
    if (issuer != nullptr) add_ext(cert, &ctx, NID_authority_key_identifier, "keyid:always");
    if (!pr.policies.empty()) add_ext(cert, &ctx, NID_certificate_policies, join(pr.policies, ","));
    if (pr.ocsp_no_check) add_ext(cert, &ctx, NID_id_pkix_OCSP_noCheck, "ignored");
    if (issuer != nullptr) {
        if (!cfg.crl_url.empty()) add_ext(cert, &ctx, NID_crl_distribution_points, "URI:" + cfg.crl_url);
        std::vector<std::string> aia;
        if (!cfg.ocsp_url.empty() && !pr.ocsp_no_check) aia.push_back("OCSP;URI:" + cfg.ocsp_url);
        if (!cfg.issuer_url.empty()) aia.push_back("caIssuers;URI:" + cfg.issuer_url);
        if (!aia.empty()) add_ext(cert, &ctx, NID_info_access, join(aia, ","));
    }
    if (req != nullptr) {
        // The subject alternative names the requester asked for (nothing else is copied from a CSR).
        ossl::ExtStackPtr exts(X509_REQ_get_extensions(req));
        for (int i = 0; exts && i < sk_X509_EXTENSION_num(exts.get()); ++i) {
            X509_EXTENSION* e = sk_X509_EXTENSION_value(exts.get(), i);
            if (OBJ_obj2nid(X509_EXTENSION_get_object(e)) == NID_subject_alt_name) X509_add_ext(cert, e, -1);
        }
    }
    ERR_clear_error();
}

ossl::Asn1IntPtr random_serial(Bytes& raw) {
    // RFC 5280 §4.1.2.2 and CA/B BR 7.1: positive, at least 64 random bits: 16 bytes, top bit clear.
    raw.assign(16, 0);
    do {
        if (RAND_bytes(raw.data(), 16) != 1) ossl::fail(Errc::internal, "random generator failed");
        raw[0] &= 0x7f;
    } while (raw[0] == 0);
    ossl::BnPtr bn(BN_bin2bn(raw.data(), 16, nullptr));
    return ossl::Asn1IntPtr(BN_to_ASN1_INTEGER(bn.get(), nullptr));
}

}  // namespace

std::string normalize_serial(const std::string& text) {
    std::string h;
    for (char c : text)
        if (c != ':' && c != ' ') h.push_back(c);
    if (h.rfind("0x", 0) == 0 || h.rfind("0X", 0) == 0) h = h.substr(2);
    if (h.empty() || h.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
        throw Error(Errc::usage, "invalid serial number '" + text + "': expected hex");
    BIGNUM* bn = nullptr;
    if (!BN_hex2bn(&bn, h.c_str())) ossl::fail(Errc::usage, "invalid serial number '" + text + "'");
    ossl::BnPtr b(bn);
    ossl::OsslStrPtr out(BN_bn2hex(b.get()));
    return out.get();
}

// ---------------------------------------------------------------------------------------------

CaConfig load_ca_config(const fs::path& file) {
    const yaml::Doc doc = yaml::Doc::load_file(file.string(), kMaxYamlBytes, "CA configuration '" + file.string() + "'");
    const YAML::Node& y = doc.root();
    CaConfig c;
    c.subject = doc.opt_string(y, "subject").value_or("");
    c.key = doc.required_string(y, "key");
    c.pkcs11_module = doc.opt_string(y, "pkcs11_module").value_or("");
    c.crl_url = doc.opt_string(y, "crl_url").value_or("");
    c.ocsp_url = doc.opt_string(y, "ocsp_url").value_or("");
    c.issuer_url = doc.opt_string(y, "issuer_url").value_or("");
    c.crl_next_update_hours = static_cast<int>(doc.opt_int(y, "crl_next_update_hours", 1, 24LL * 366).value_or(24));
    return c;
}

CertificateAuthority::Impl::Impl(const std::string& d, CaKeyAccess k) : dir(d), key_access(std::move(k)) {
    std::error_code ec;
    if (!fs::exists(dir / "config.yaml", ec) || !fs::exists(dir / "ca.db", ec))
        throw Error(Errc::file_not_found, "no CA in '" + dir.string() + "'", "create one with 'tsign ca init --dir " + dir.string() + "'");
    config = load_ca_config(dir / "config.yaml");
    cert = read_cert_file(dir / "ca.crt.pem");
    db = std::make_unique<db::Db>((dir / "ca.db").string(), false);
}

CertificateAuthority::Impl::~Impl() = default;

Signer& CertificateAuthority::Impl::signer() {
    std::lock_guard<std::mutex> lock(key_mutex);
    if (!key) reopen_key_locked();
    return *key;
}

void CertificateAuthority::Impl::reopen_key() {
    std::lock_guard<std::mutex> lock(key_mutex);
    reopen_key_locked();
}

void CertificateAuthority::Impl::reopen_key_locked() {
    key.reset();
    KeyOptions o;
    std::string spec = config.key;
    if (!Pkcs11Uri::is_uri(spec) && fs::path(spec).is_relative()) spec = (dir / spec).string();
    o.spec = spec;
    o.cert_file = (dir / "ca.crt.pem").string();
    o.pin = key_access.pin;
    o.pkcs11_module = !key_access.pkcs11_module.empty() ? key_access.pkcs11_module : config.pkcs11_module;
    o.allow_final_pin_try = key_access.allow_final_pin_try;
    key = open_signer(o);
}

const EVP_MD* CertificateAuthority::Impl::digest() {
    // A digest as strong as the key: SHA-384 for P-384 and RSA above 3072 bits, else SHA-256.
    EVP_PKEY* pk = X509_get0_pubkey(cert.get());
    if (pk == nullptr)
        ossl::fail(Errc::malformed, "cannot use the CA certificate in '" + dir.string() + "': its public key cannot be decoded");
    const PublicKeyInfo info = detail::describe_pkey(pk);
    if (info.curve == "P-384" || info.curve == "P-521" || (info.algorithm == "RSA" && info.bits > 3072)) return EVP_sha384();
    return EVP_sha256();
}

void CertificateAuthority::Impl::audit(const std::string& action, const std::string& details) {
    audit_into(*db, action, details);
}

template <typename Sign>
void sign_with(Signer& signer, const EVP_MD* md, Sign sign, const std::string& what) {
    detail::SigningKey key(signer);
    ossl::MdCtxPtr mctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    if (!mctx || EVP_DigestSignInit(mctx.get(), &pctx, md, nullptr, key.pkey()) <= 0) key.fail(what);
    detail::configure_signature(pctx, key.pkey(), SignatureScheme{});
    if (sign(mctx.get()) <= 0) key.fail(what);
}

void CertificateAuthority::Impl::sign_certificate(X509* x) {
    sign_with(signer(), digest(), [&](EVP_MD_CTX* m) { return X509_sign_ctx(x, m); }, "signing the certificate");
}

// ---------------------------------------------------------------------------------------------

Bytes ca_init(const CaInitOptions& o) {
    if (o.dir.empty() || o.subject.empty()) throw Error(Errc::usage, "ca init needs --dir and --subject");
    if (o.key_spec.empty() == !o.key_type.has_value())
        throw Error(Errc::usage, "give the CA key: --key SPEC (a file or a token key) or --key-type TYPE (a new encrypted key file)");
    const fs::path dir(o.dir);
    std::error_code ec;
    if (fs::exists(dir / "config.yaml", ec)) throw Error(Errc::output_exists, "refusing to create a CA in '" + o.dir + "': it holds one already");
    ossl::X509NamePtr subject = detail::parse_slash_dn(o.subject);
    // The CA's state is its owner's alone (0700 whatever the umask): nobody else may swap a profile.
    detail::make_private_dir(dir.string(), true);
    detail::make_private_dir((dir / "certs").string(), true);
    detail::make_private_dir((dir / "profiles").string(), true);

    // An existing key file is named relative to where the command runs; the config stores it
    // absolute (a relative path there is relative to the CA folder, as "ca.key" is).
    std::string key_spec = o.key_spec;
    if (!key_spec.empty() && !Pkcs11Uri::is_uri(key_spec)) key_spec = fs::absolute(key_spec).lexically_normal().string();
    if (o.key_type) {
        KeyGenOptions g;
        g.type = *o.key_type;
        g.encrypt = true;  // a CA key file is always encrypted
        g.passphrase = o.key.pin;
        g.pem = true;
        generate_key_file((dir / "ca.key").string(), g);
        key_spec = "ca.key";
    }
    KeyOptions ko;
    ko.spec = Pkcs11Uri::is_uri(key_spec) || fs::path(key_spec).is_absolute() ? key_spec : (dir / key_spec).string();
    ko.pin = o.key.pin;
    ko.pkcs11_module = o.key.pkcs11_module;
    ko.allow_final_pin_try = o.key.allow_final_pin_try;
    auto own = open_signer(ko);
    Signer& own_key = *own;

    CaConfig cfg;
    cfg.subject = o.subject;
    cfg.key = key_spec;
    cfg.pkcs11_module = o.key.pkcs11_module;
    cfg.crl_url = o.crl_url;
    cfg.ocsp_url = o.ocsp_url;
    cfg.issuer_url = o.issuer_url;

    // the new CA's certificate
    ossl::X509Ptr cert(X509_new());
    Bytes raw;
    ossl::Asn1IntPtr serial = random_serial(raw);
    const PublicKeyInfo pub = own->public_key();
    const unsigned char* pp = pub.spki_der.data();
    ossl::PkeyPtr pubkey(d2i_PUBKEY(nullptr, &pp, static_cast<long>(pub.spki_der.size())));
    X509_set_version(cert.get(), X509_VERSION_3);
    X509_set_serialNumber(cert.get(), serial.get());
    X509_set_subject_name(cert.get(), subject.get());
    X509_set_pubkey(cert.get(), pubkey.get());
    const int days = o.days > 0 ? o.days : (o.parent_dir.empty() ? 7300 : 3650);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(days) * 86400);

    Bytes der;
    if (o.parent_dir.empty()) {
        X509_set_issuer_name(cert.get(), subject.get());
        Profile root{"root", {}, {"keyCertSign", "cRLSign"}, {}, {}, {}, {}, false, true, false, days, days, -1};
        add_extensions(cert.get(), nullptr, root, cfg, nullptr);
        X509V3_CTX ctx;
        X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
        add_ext(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always");
        const EVP_MD* md = (pub.curve == "P-384" || (pub.algorithm == "RSA" && pub.bits > 3072)) ? EVP_sha384() : EVP_sha256();
        sign_with(own_key, md, [&](EVP_MD_CTX* m) { return X509_sign_ctx(cert.get(), m); }, "signing the root certificate");
        der = ossl::to_der(cert.get(), i2d_X509);
    } else {
        // An intermediate: the parent CA signs it and records it like any certificate it issues.
        CertificateAuthority parent(o.parent_dir, o.parent_key);
        ossl::X509ReqPtr req(X509_REQ_new());
        X509_REQ_set_version(req.get(), X509_REQ_VERSION_1);
        X509_REQ_set_subject_name(req.get(), subject.get());
        X509_REQ_set_pubkey(req.get(), pubkey.get());
        sign_with(own_key, EVP_sha256(), [&](EVP_MD_CTX* m) { return X509_REQ_sign_ctx(req.get(), m); }, "signing the CA request");
        const Bytes csr = ossl::to_der(req.get(), i2d_X509_REQ);
        IssueOptions io;
        io.profile = "intermediate";
        io.days = days;
        auto& pimpl = parent.impl();
        if (o.path_length >= 0) pimpl.path_length_override = o.path_length;
        der = parent.issue(csr, io);
        // the chain file: this CA, then the parent's chain
        std::string chain = der_to_pem(der, "CERTIFICATE");
        const fs::path pchain = fs::path(o.parent_dir) / "chain.pem";
        const Bytes pc = read_file(fs::exists(pchain, ec) ? pchain.string() : (fs::path(o.parent_dir) / "ca.crt.pem").string());
        chain += std::string(pc.begin(), pc.end());
        write_file_atomic((dir / "chain.pem").string(), chain, {.force = true});
    }

    // the database, profiles and configuration; config.yaml last: its presence means "a CA is here"
    {
        db::Db database((dir / "ca.db").string(), true);
        database.exec(kSchema);
        db::Transaction tx(database);
        CertificateAuthority::Impl::audit_into(database, "init", "subject=" + o.subject + " key=" + key_spec +
                                                                    (o.parent_dir.empty() ? " root" : " parent=" + o.parent_dir));
        tx.commit();
    }
    for (const auto& [name, yaml] : detail::shipped_profiles())
        write_file_atomic((dir / "profiles" / (name + ".yaml")).string(), yaml, {.force = true});
    write_file_atomic((dir / "ca.crt.pem").string(), der_to_pem(der, "CERTIFICATE"), {.force = true});
    if (o.parent_dir.empty()) write_file_atomic((dir / "chain.pem").string(), der_to_pem(der, "CERTIFICATE"), {.force = true});
    YAML::Node node;
    node["subject"] = cfg.subject;
    node["key"] = cfg.key;
    if (!cfg.pkcs11_module.empty()) node["pkcs11_module"] = cfg.pkcs11_module;
    node["crl_url"] = cfg.crl_url;
    node["ocsp_url"] = cfg.ocsp_url;
    node["issuer_url"] = cfg.issuer_url;
    node["crl_next_update_hours"] = cfg.crl_next_update_hours;
    YAML::Emitter out;
    out << node;
    write_file_atomic((dir / "config.yaml").string(), std::string("# tsign CA configuration\n") + out.c_str() + "\n", {});
    // A CA that issues CA certificates without a revocation pointer: its intermediates (and their
    // TSAs) can never be shown unrevoked, and LT/LTA extension fails on them.
    if (cfg.crl_url.empty() && cfg.ocsp_url.empty()) {
        const unsigned char* p = der.data();
        ossl::X509Ptr made(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
        const long pathlen = made ? X509_get_pathlen(made.get()) : 0;  // -1: no limit
        ERR_clear_error();
        if (pathlen != 0)
            detail::warn(
                "the " + std::string(o.parent_dir.empty() ? "root" : "intermediate") + " CA in '" + o.dir +
                "' can issue CA certificates, but has no CRL URL and no OCSP URL: the intermediate and TSA "
                "certificates it issues will carry no revocation pointer, and LT/LTA signatures on them will fail "
                "with 'revocation status unknown'\nhint: give --crl-url URL and/or --ocsp-url URL (and --issuer-url URL) "
                "to 'tsign ca init', e.g. those of 'tsign ocsp serve' (http://HOST:PORT/crl and http://HOST:PORT/); "
                "or set crl_url / ocsp_url in " +
                (dir / "config.yaml").string() + " before issuing");
    }
    return der;
}

void CertificateAuthority::Impl::audit_into(db::Db& database, const std::string& action, const std::string& details) {
    std::string prev(64, '0');
    auto st = database.prepare("SELECT hash FROM audit ORDER BY id DESC LIMIT 1");
    if (st.step()) prev = st.text(0);
    const std::int64_t t = now();
    const std::string who = actor();
    database.prepare("INSERT INTO audit(time, actor, action, details, prev_hash, hash) VALUES(?,?,?,?,?,?)")
        .bind(1, t).bind(2, who).bind(3, action).bind(4, details).bind(5, prev)
        .bind(6, audit_hash(prev, t, who, action, details))
        .run();
}

CertificateAuthority::CertificateAuthority(const std::string& dir, CaKeyAccess key)
    : impl_(std::make_unique<Impl>(dir, std::move(key))) {}

CertificateAuthority::~CertificateAuthority() = default;

const std::string& CertificateAuthority::dir() const { return impl_->dir_string(); }

Bytes CertificateAuthority::certificate() const {
    return ossl::to_der(impl_->cert.get(), i2d_X509);
}

namespace {
Bytes issue_request(CertificateAuthority::Impl& m, X509_REQ* request, const IssueOptions& io, bool without_proof);
}

Bytes CertificateAuthority::issue(const Bytes& csr_bytes, const IssueOptions& io) {
    // RFC 2986: the request must be signed by the key it carries.
    ossl::X509ReqPtr req = ossl::read_pem_or_der<X509_REQ, X509_REQ_free>(csr_bytes, PEM_read_bio_X509_REQ, d2i_X509_REQ);
    if (!req) ossl::fail(Errc::malformed, "cannot read the certificate request: malformed or truncated");
    EVP_PKEY* pk = X509_REQ_get0_pubkey(req.get());
    if (pk == nullptr || X509_REQ_verify(req.get(), pk) != 1) {
        ERR_clear_error();
        throw Error(Errc::malformed, "refusing the certificate request: its self-signature does not verify");
    }
    return issue_request(*impl_, req.get(), io, false);
}

Bytes CertificateAuthority::issue_for_key(const Bytes& spki_der, const std::string& subject, const IssueOptions& io) {
    ossl::PkeyPtr pk = ossl::read_pem_or_der<EVP_PKEY, EVP_PKEY_free>(spki_der, PEM_read_bio_PUBKEY, d2i_PUBKEY);
    if (!pk) ossl::fail(Errc::malformed, "cannot read the public key: not a SubjectPublicKeyInfo (PEM 'PUBLIC KEY' or DER)");
    ossl::X509NamePtr name = detail::parse_dn(subject);
    // An unsigned request in memory: the subject and the key, nothing else.
    ossl::X509ReqPtr req(X509_REQ_new());
    if (!req || X509_REQ_set_subject_name(req.get(), name.get()) != 1 || X509_REQ_set_pubkey(req.get(), pk.get()) != 1)
        ossl::fail(Errc::internal, "cannot prepare the certificate");
    return issue_request(*impl_, req.get(), io, true);
}

namespace {
Bytes issue_request(CertificateAuthority::Impl& m, X509_REQ* request, const IssueOptions& io, bool without_proof) {
    X509_REQ* req_ptr = request;
    EVP_PKEY* pk = X509_REQ_get0_pubkey(req_ptr);
    if (pk == nullptr) ossl::fail(Errc::malformed, "cannot read the public key of the request");
    detail::check_key_strength(pk, "in the certificate request");
    Profile pr = load_profile(m.dir, io.profile);
    if (without_proof) {
        // No proof of possession: only for keys that cannot sign with this certificate.
        const std::vector<std::string>& ku = EVP_PKEY_is_a(pk, "EC") && !pr.key_usage_ec.empty() ? pr.key_usage_ec : pr.key_usage;
        const bool encryption_only = !ku.empty() && !pr.ca && std::all_of(ku.begin(), ku.end(), [](const std::string& u) {
            return u == "keyEncipherment" || u == "keyAgreement" || u == "dataEncipherment";
        });
        const bool eku_ok = std::all_of(pr.eku.begin(), pr.eku.end(), [](const std::string& e) { return e == "emailProtection"; });
        if (!encryption_only || !eku_ok)
            throw Error(Errc::profile_violation,
                        "refusing to issue from a bare public key with profile '" + pr.name + "': its certificates can sign",
                        "a signing certificate needs a CSR (proof of possession); use --csr, or an encryption profile");
    }
    if (m.path_length_override >= 0) pr.path_length = m.path_length_override;
    const std::string kt = key_type_of(pk);
    if (!pr.key_types.empty() && std::find(pr.key_types.begin(), pr.key_types.end(), kt) == pr.key_types.end())
        throw Error(Errc::profile_violation, "refusing the certificate request: profile '" + pr.name + "' does not allow " + kt + " keys",
                    "allowed: " + join(pr.key_types, ", "));
    const int days = io.days > 0 ? io.days : pr.default_days;
    if (days > pr.max_days)
        throw Error(Errc::profile_violation, "refusing to issue for " + std::to_string(days) + " days: profile '" + pr.name +
                                                 "' allows at most " + std::to_string(pr.max_days));
    X509_NAME* subject = X509_REQ_get_subject_name(req_ptr);
    for (const auto& field : pr.required_subject) {
        const int nid = OBJ_txt2nid(field.c_str());
        if (nid == NID_undef || X509_NAME_get_index_by_NID(subject, nid, -1) < 0)
            throw Error(Errc::profile_violation, "refusing the certificate request: the subject lacks " + field +
                                                     ", which profile '" + pr.name + "' requires");
    }
    ERR_clear_error();

    ossl::X509Ptr cert(X509_new());
    X509_set_version(cert.get(), X509_VERSION_3);
    X509_set_subject_name(cert.get(), subject);
    X509_set_issuer_name(cert.get(), X509_get_subject_name(m.cert.get()));
    X509_set_pubkey(cert.get(), pk);
    const std::int64_t t0 = now();
    // A certificate never outlives its issuer (RFC 5280 §6.1.3 would reject it at that point anyway).
    const std::int64_t ca_end = ossl::asn1_time_to_unix(X509_get0_notAfter(m.cert.get()));
    const std::int64_t end = std::min<std::int64_t>(t0 + static_cast<std::int64_t>(days) * 86400, ca_end);
    ASN1_TIME_set(X509_getm_notBefore(cert.get()), static_cast<time_t>(t0));
    ASN1_TIME_set(X509_getm_notAfter(cert.get()), static_cast<time_t>(end));
    add_extensions(cert.get(), m.cert.get(), pr, m.config, req_ptr);
    (void)m.signer();  // opened (PIN asked) before the transaction holds the lock

    Bytes der;
    std::string serial_hex;
    {
        db::Transaction tx(*m.db);
        for (int attempt = 0;; ++attempt) {
            Bytes raw;
            ossl::Asn1IntPtr serial = random_serial(raw);
            serial_hex = ossl::serial_hex(serial.get());
            auto exists = m.db->prepare("SELECT 1 FROM certificates WHERE serial = ?");
            exists.bind(1, serial_hex);
            if (!exists.step()) {
                X509_set_serialNumber(cert.get(), serial.get());
                break;
            }
            if (attempt > 8) throw Error(Errc::internal, "cannot find a free serial number");
        }
        m.sign_certificate(cert.get());
        der = ossl::to_der(cert.get(), i2d_X509);
        const std::string subj = ossl::name_to_utf8(subject);
        m.db->prepare("INSERT INTO certificates(serial, subject, profile, not_before, not_after, status, der, issued_at) "
                      "VALUES(?,?,?,?,?,'valid',?,?)")
            .bind(1, serial_hex).bind(2, subj).bind(3, pr.name).bind(4, t0).bind(5, end).bind(6, der).bind(7, t0)
            .run();
        m.audit("issue", "serial=" + serial_hex + " profile=" + pr.name + " subject=" + subj);
        tx.commit();
    }
    // The file only after the row is committed: a file on disk always has its row.
    write_file_atomic((m.dir / "certs" / (serial_hex + ".pem")).string(), der_to_pem(der, "CERTIFICATE"), {.force = true});
    return der;
}
}  // namespace

namespace {
/// The stored state of a certificate.
struct StoredStatus {
    std::string status;  ///< "valid", "revoked", "hold"
    std::int64_t revoked_at = 0;
    std::string reason;
    /// "revoked on TIME (reason REASON)", for messages.
    std::string revocation() const {
        return "revoked on " + format_iso8601(revoked_at) + " (reason " + (reason.empty() ? "unspecified" : reason) + ")";
    }
};

/// The stored status of a certificate; Errc::file_not_found when unknown.
StoredStatus stored_status(db::Db& database, const std::string& serial) {
    auto st = database.prepare("SELECT status, COALESCE(revoked_at, 0), COALESCE(reason, '') FROM certificates WHERE serial = ?");
    st.bind(1, serial);
    if (!st.step())
        throw Error(Errc::file_not_found, "no certificate with serial " + serial + " in this CA",
                    "see 'tsign ca list --dir DIR'");
    return {st.text(0), st.int64(1), st.text(2)};
}
}  // namespace

void CertificateAuthority::revoke(const std::string& serial_text, const std::string& reason, std::optional<std::int64_t> when) {
    Impl& m = *impl_;
    const std::string serial = normalize_serial(serial_text);
    auto it = reasons().find(reason);
    if (it == reasons().end()) {
        std::string names;
        for (const auto& [n, c] : reasons()) names += (names.empty() ? "" : ", ") + n;
        throw Error(Errc::usage, "invalid revocation reason '" + reason + "'", "use one of: " + names);
    }
    const std::int64_t t = when.value_or(now());
    // A revocation is recorded when it happens or after (a compromise found late is dated back);
    // a date in the future would let the key go on signing "valid" documents until then.
    if (t > now() + 60)
        throw Error(Errc::usage, "invalid revocation date " + format_iso8601(t) + ": it is in the future",
                    "give the time the certificate stopped being trustworthy, now or earlier (default: now)");
    db::Transaction tx(*m.db);
    const StoredStatus stored = stored_status(*m.db, serial);
    if (stored.status == "revoked")
        throw Error(Errc::state_conflict,
                    "refusing to revoke certificate " + serial + ": it is " + stored.revocation() + " already",
                    "a revocation is final; publish the CRL with 'tsign ca crl'");
    if (stored.status == "hold" && reason == "certificateHold")
        throw Error(Errc::state_conflict,
                    "refusing to put certificate " + serial + " on hold: it is on hold already since " +
                        format_iso8601(stored.revoked_at),
                    "release it with 'tsign ca unrevoke', or revoke it for good with another --reason");
    m.db->prepare("UPDATE certificates SET status = ?, revoked_at = ?, reason = ? WHERE serial = ?")
        .bind(1, std::string(reason == "certificateHold" ? "hold" : "revoked")).bind(2, t).bind(3, reason).bind(4, serial)
        .run();
    m.audit("revoke", "serial=" + serial + " reason=" + reason + " date=" + format_iso8601(t));
    tx.commit();
}

void CertificateAuthority::unrevoke(const std::string& serial_text) {
    Impl& m = *impl_;
    const std::string serial = normalize_serial(serial_text);
    db::Transaction tx(*m.db);
    const StoredStatus stored = stored_status(*m.db, serial);
    if (stored.status == "revoked")
        throw Error(Errc::state_conflict,
                    "refusing to unrevoke certificate " + serial + ": it is " + stored.revocation() +
                        ", and only a certificateHold can be released",
                    "a revocation for any other reason is final (RFC 5280 §5.3.1)");
    if (stored.status != "hold")
        throw Error(Errc::state_conflict,
                    "refusing to unrevoke certificate " + serial + ": it is not on hold (status " + stored.status + ")");
    m.db->prepare("UPDATE certificates SET status = 'valid', revoked_at = NULL, reason = NULL WHERE serial = ?").bind(1, serial).run();
    m.audit("unrevoke", "serial=" + serial);
    tx.commit();
}

Bytes CertificateAuthority::make_crl(int hours) { return sign_crl(hours).der; }

CaCrl CertificateAuthority::sign_crl(int hours) {
    if (hours <= 0) throw Error(Errc::usage, "--next-update must be a positive number of hours");
    return impl_->sign_crl(static_cast<std::int64_t>(hours) * 3600);
}

Bytes CertificateAuthority::make_crl_seconds(std::int64_t validity) { return impl_->sign_crl(validity).der; }

CaCrl CertificateAuthority::Impl::sign_crl(std::int64_t validity) {
    Impl& m = *this;
    if (validity <= 0) throw Error(Errc::usage, "the CRL validity must be positive");
    (void)m.signer();
    db::Transaction tx(*m.db);
    std::int64_t number = 1;
    {
        auto st = m.db->prepare("SELECT COALESCE(MAX(number), 0) + 1 FROM crls");
        if (st.step()) number = st.int64(0);
    }
    ossl::Ptr<X509_CRL, X509_CRL_free> crl(X509_CRL_new());
    X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2);
    X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(m.cert.get()));
    const std::int64_t t = now();
    const std::int64_t next = t + validity;
    ossl::Ptr<ASN1_TIME, ASN1_TIME_free> last(ASN1_TIME_set(nullptr, static_cast<time_t>(t)));
    ossl::Ptr<ASN1_TIME, ASN1_TIME_free> nxt(ASN1_TIME_set(nullptr, static_cast<time_t>(next)));
    X509_CRL_set1_lastUpdate(crl.get(), last.get());
    X509_CRL_set1_nextUpdate(crl.get(), nxt.get());
    auto rows = m.db->prepare("SELECT serial, revoked_at, reason FROM certificates WHERE status IN ('revoked', 'hold') AND not_after >= ?");
    rows.bind(1, t);
    std::size_t entries = 0;
    while (rows.step()) {
        ++entries;
        X509_REVOKED* r = X509_REVOKED_new();
        BIGNUM* bn = nullptr;
        BN_hex2bn(&bn, rows.text(0).c_str());
        ossl::BnPtr b(bn);
        ossl::Asn1IntPtr serial(BN_to_ASN1_INTEGER(b.get(), nullptr));
        X509_REVOKED_set_serialNumber(r, serial.get());
        ossl::Ptr<ASN1_TIME, ASN1_TIME_free> when(ASN1_TIME_set(nullptr, static_cast<time_t>(rows.int64(1))));
        X509_REVOKED_set_revocationDate(r, when.get());
        const int code = reasons().at(rows.text(2));
        if (code != 0) {  // RFC 5280 §5.3.1: the reason code is omitted for unspecified
            ossl::Ptr<ASN1_ENUMERATED, ASN1_ENUMERATED_free> e(ASN1_ENUMERATED_new());
            ASN1_ENUMERATED_set(e.get(), code);
            X509_REVOKED_add1_ext_i2d(r, NID_crl_reason, e.get(), 0, 0);
        }
        X509_CRL_add0_revoked(crl.get(), r);
    }
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, m.cert.get(), nullptr, nullptr, crl.get(), 0);
    ossl::X509ExtPtr aki(X509V3_EXT_conf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always"));
    if (!aki || !X509_CRL_add_ext(crl.get(), aki.get(), -1)) ossl::fail(Errc::internal, "cannot add the authority key identifier");
    ossl::Asn1IntPtr num(ASN1_INTEGER_new());
    ASN1_INTEGER_set_int64(num.get(), number);
    X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, num.get(), 0, 0);
    X509_CRL_sort(crl.get());
    sign_with(m.signer(), m.digest(), [&](EVP_MD_CTX* c) { return X509_CRL_sign_ctx(crl.get(), c); }, "signing the CRL");
    Bytes der = ossl::to_der(crl.get(), i2d_X509_CRL);
    m.db->prepare("INSERT INTO crls(number, this_update, next_update, der) VALUES(?,?,?,?)")
        .bind(1, number).bind(2, t).bind(3, next).bind(4, der).run();
    m.audit("crl", "number=" + std::to_string(number) + " next_update=" + format_iso8601(next));
    tx.commit();
    return {std::move(der), number, t, next, entries};
}

std::optional<std::pair<Bytes, std::int64_t>> CertificateAuthority::current_crl() {
    auto st = impl_->db->prepare("SELECT der, next_update FROM crls ORDER BY number DESC LIMIT 1");
    if (!st.step()) return std::nullopt;
    return std::make_pair(st.blob(0), st.int64(1));
}

namespace {
CaRecord row_record(db::Stmt& st) {
    CaRecord r;
    r.serial = st.text(0);
    r.subject = st.text(1);
    r.profile = st.text(2);
    r.not_before = st.int64(3);
    r.not_after = st.int64(4);
    r.status = st.text(5);
    if (!st.is_null(6)) r.revoked_at = st.int64(6);
    r.reason = st.text(7);
    if (r.status == "hold") r.status = "revoked";
    if (r.status == "valid" && r.not_after < now()) r.status = "expired";
    return r;
}
}  // namespace

std::vector<CaRecord> CertificateAuthority::list(const std::string& status) {
    if (!status.empty() && status != "valid" && status != "revoked" && status != "expired")
        throw Error(Errc::usage, "invalid status '" + status + "'", "use valid, revoked or expired");
    std::vector<CaRecord> out;
    auto st = impl_->db->prepare(
        "SELECT serial, subject, profile, not_before, not_after, status, revoked_at, reason FROM certificates ORDER BY issued_at, serial");
    while (st.step()) {
        CaRecord r = row_record(st);
        if (status.empty() || r.status == status) out.push_back(std::move(r));
    }
    return out;
}

std::optional<CaRecord> CertificateAuthority::find(const std::string& serial_hex) {
    auto st = impl_->db->prepare(
        "SELECT serial, subject, profile, not_before, not_after, status, revoked_at, reason FROM certificates WHERE serial = ?");
    st.bind(1, normalize_serial(serial_hex));
    if (!st.step()) return std::nullopt;
    CaRecord r = row_record(st);
    if (st.text(5) == "hold") r.reason = "certificateHold";
    return r;
}

CaRecord CertificateAuthority::record_of(const Bytes& certificate) {
    ossl::X509Ptr cert = detail::parse_certificate(certificate, "the certificate");
    const std::string serial = ossl::serial_hex(X509_get0_serialNumber(cert.get()));
    auto r = find(serial);
    if (!r) throw Error(Errc::file_not_found, "no certificate with serial " + serial + " in this CA");
    return *r;
}

std::vector<AuditEntry> CertificateAuthority::audit(bool verify) {
    std::vector<AuditEntry> out;
    auto st = impl_->db->prepare("SELECT id, time, actor, action, details, prev_hash, hash FROM audit ORDER BY id");
    std::string expected_prev(64, '0');
    while (st.step()) {
        AuditEntry e;
        e.id = st.int64(0);
        e.time = st.int64(1);
        e.actor = st.text(2);
        e.action = st.text(3);
        e.details = st.text(4);
        const std::string prev = st.text(5);
        e.hash = st.text(6);
        if (verify) {
            e.chain_ok = prev == expected_prev && audit_hash(prev, e.time, e.actor, e.action, e.details) == e.hash;
            expected_prev = e.hash;
        }
        out.push_back(std::move(e));
    }
    return out;
}

}  // namespace tsign
