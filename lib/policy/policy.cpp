// The validation policy: one YAML file that every verifier asks (algorithms with end dates,
// signer EKUs, revocation rules).
#include "policy/policy.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <yaml-cpp/yaml.h>

#include "core/ossl.hpp"
#include "tsign/error.hpp"
#include "tsign/time.hpp"

namespace tsign {

namespace {

// The built-in policy. Its dates follow ETSI TS 119 312 and EU DSS's default constraints in spirit;
// a site with other rules writes its own file and passes --validation-policy.
const char* kBuiltin = R"(# tsign validation policy (built in). Print it with `tsign policy show`; give another with
# --validation-policy FILE on verify, cert verify, timestamp verify and extend.
name: tsign-default-2026

# Hash functions: message digests, the hash inside every signature (signer, certificates, CRLs,
# OCSP responses, timestamp tokens), timestamp imprints and archive-timestamp hash indexes.
# A date ends an algorithm: it is accepted only with a proof of existence (a timestamp, or --at)
# on or before that day. null means no end. An algorithm not listed is never accepted.
digests:
  sha224: null
  sha256: null
  sha384: null
  sha512: null
  sha3-256: null
  sha3-384: null
  sha3-512: null
  ripemd160: 2011-12-31
  sha1: 2009-12-31
  md5: 2004-08-01

# Public keys, by type and size: the key of the signer, of every certificate in the paths of the
# signer, the TSAs and the OCSP responders (trust anchors included; only an anchor's own
# self-signature is exempt). A key matches a rule of its type whose min_bits it reaches; the
# rule without `until`, or with the latest `until`, decides.
public_keys:
  - {type: rsa, min_bits: 2048}
  - {type: rsa, min_bits: 1024, until: 2010-12-31}
  - {type: ec, min_bits: 256}
  - {type: ec, min_bits: 224, until: 2015-12-31}
  - {type: ed25519}
  - {type: ed448}
  - {type: dsa, min_bits: 2048, until: 2029-12-31}
  - {type: dsa, min_bits: 1024, until: 2010-12-31}

# A signer certificate that has an extendedKeyUsage extension must hold one of these
# (a certificate with a critical EKU holding timeStamping is a TSA's, never a signer's).
signer_ekus:
  - 1.3.6.1.5.5.7.3.36   # id-kp-documentSigning (RFC 9336)
  - 1.3.6.1.5.5.7.3.4    # id-kp-emailProtection
  - 2.5.29.37.0          # anyExtendedKeyUsage

revocation:
  # true: every certificate needs revocation data (as --revocation require)
  required: false
  # oldest CRL / OCSP response accepted, as age of its thisUpdate at the validation time
  # (30m, 24h, 7d, or seconds); null: the response's own nextUpdate decides
  max_age: null
)";

constexpr std::size_t kMaxPolicySize = 1 << 20;

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

}  // namespace

std::string builtin_validation_policy() { return kBuiltin; }

ValidationPolicyInfo load_validation_policy(const std::string& path) { return detail::Policy::load(path)->info(); }

namespace detail {

namespace {

[[noreturn]] void bad(const std::string& source, const std::string& why) {
    throw Error(Errc::malformed, "invalid validation policy " + source + ": " + why);
}

std::optional<std::int64_t> end_date(const YAML::Node& n, const std::string& source, const std::string& key) {
    if (!n || n.IsNull()) return std::nullopt;
    if (!n.IsScalar()) bad(source, "'" + key + "' must be a date (YYYY-MM-DD) or null");
    const std::string& text = n.Scalar();
    try {
        const std::int64_t t = parse_iso8601(text);
        // A date alone means the whole of that day (UTC).
        return text.size() == 10 ? t + 86399 : t;
    } catch (const Error&) {
        bad(source, "'" + key + "': '" + text + "' is not a date (YYYY-MM-DD)");
    }
}

std::int64_t duration(const YAML::Node& n, const std::string& source) {
    if (!n.IsScalar()) bad(source, "'revocation.max_age' must be a duration (30m, 24h, 7d or seconds)");
    const std::string& s = n.Scalar();
    long long v = -1;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 10);
    if (ec != std::errc() || end == s.data()) v = -1;
    const std::size_t used = static_cast<std::size_t>(end - s.data());
    const std::string unit = used < s.size() ? s.substr(used) : "s";
    const std::int64_t mult = unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : unit == "d" ? 86400 : 0;
    if (v < 0 || mult == 0 || v > (1LL << 40)) bad(source, "'revocation.max_age': '" + s + "' is not a duration (30m, 24h, 7d or seconds)");
    return static_cast<std::int64_t>(v) * mult;
}

void only_keys(const YAML::Node& map, std::initializer_list<const char*> allowed, const std::string& source, const std::string& where) {
    std::set<std::string> seen;
    for (const auto& kv : map) {
        const std::string k = kv.first.IsScalar() ? kv.first.Scalar() : "?";
        if (!seen.insert(k).second) bad(source, "key '" + (where.empty() ? k : where + "." + k) + "' given twice");
        bool known = false;
        for (const char* a : allowed) known = known || k == a;
        if (!known) bad(source, "unknown key '" + (where.empty() ? k : where + "." + k) + "'");
    }
}

std::string date_text(std::int64_t t) { return format_iso8601(t).substr(0, 10); }

const char* key_type(EVP_PKEY* pk) {
    switch (EVP_PKEY_get_base_id(pk)) {
    case EVP_PKEY_RSA:
    case EVP_PKEY_RSA_PSS: return "rsa";
    case EVP_PKEY_EC: return "ec";
    case EVP_PKEY_DSA: return "dsa";
    case EVP_PKEY_ED25519: return "ed25519";
    case EVP_PKEY_ED448: return "ed448";
    default: return "unknown";
    }
}

}  // namespace

std::shared_ptr<const Policy> Policy::builtin() {
    static const std::shared_ptr<const Policy> p = parse(kBuiltin, "(built-in)");
    return p;
}

std::shared_ptr<const Policy> Policy::load(const std::string& path) {
    if (path.empty()) return builtin();
    const Bytes data = read_file_limited(path, kMaxPolicySize, "validation policy '" + path + "'");
    return parse(std::string(data.begin(), data.end()), "'" + path + "'");
}

std::shared_ptr<const Policy> Policy::parse(const std::string& text, const std::string& source) {
    // Its name and text are printed in every report: a policy is UTF-8 text, like a roster.
    if (!ossl::valid_utf8(text)) bad(source, "it is not UTF-8 text");
    auto p = std::shared_ptr<Policy>(new Policy());
    p->info_.text = text;
    p->info_.sha256 = ossl::hex(ossl::sha256(std::span(reinterpret_cast<const unsigned char*>(text.data()), text.size())));
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        bad(source, std::string("not YAML: ") + e.what());
    }
    if (!root.IsMap()) bad(source, "not a YAML mapping");
    try {
        only_keys(root, {"name", "description", "digests", "public_keys", "signer_ekus", "revocation"}, source, "");
        if (!root["name"] || !root["name"].IsScalar() || root["name"].Scalar().empty()) bad(source, "'name' must be a non-empty string");
        p->info_.name = root["name"].Scalar();

        const YAML::Node digests = root["digests"];
        if (!digests || !digests.IsMap() || digests.size() == 0) bad(source, "'digests' must map hash names to an end date or null");
        for (const auto& kv : digests) {
            const std::string name = kv.first.Scalar();
            const EVP_MD* md = EVP_get_digestbyname(name.c_str());
            ERR_clear_error();
            if (md == nullptr) bad(source, "'digests': unknown hash function '" + name + "'");
            if (p->digests_.count(EVP_MD_get_type(md))) bad(source, "'digests': '" + name + "' is given twice");
            p->digests_[EVP_MD_get_type(md)] = end_date(kv.second, source, "digests." + name);
        }

        const YAML::Node keys = root["public_keys"];
        if (!keys || !keys.IsSequence() || keys.size() == 0) bad(source, "'public_keys' must be a list of {type, min_bits, until}");
        for (const auto& k : keys) {
            if (!k.IsMap()) bad(source, "'public_keys' entries must be mappings {type, min_bits, until}");
            only_keys(k, {"type", "min_bits", "until"}, source, "public_keys[]");
            KeyRule r;
            if (!k["type"] || !k["type"].IsScalar()) bad(source, "'public_keys[].type' is missing");
            r.type = lower(k["type"].Scalar());
            if (r.type == "rsa-pss") r.type = "rsa";
            static const std::set<std::string> types = {"rsa", "ec", "dsa", "ed25519", "ed448"};
            if (!types.count(r.type)) bad(source, "'public_keys[].type': unknown key type '" + r.type + "' (rsa, ec, dsa, ed25519, ed448)");
            if (k["min_bits"]) {
                if (!k["min_bits"].IsScalar()) bad(source, "'public_keys[].min_bits' must be a number");
                try {
                    r.min_bits = k["min_bits"].as<int>();
                } catch (const YAML::Exception&) {
                    bad(source, "'public_keys[].min_bits' must be a number");
                }
                if (r.min_bits < 0 || r.min_bits > 65536) bad(source, "'public_keys[].min_bits' out of range");
            }
            r.until = end_date(k["until"], source, "public_keys[].until");
            p->keys_.push_back(std::move(r));
        }

        const YAML::Node ekus = root["signer_ekus"];
        if (ekus) {
            if (!ekus.IsSequence()) bad(source, "'signer_ekus' must be a list of OIDs");
            for (const auto& e : ekus) {
                if (!e.IsScalar()) bad(source, "'signer_ekus' entries must be OIDs");
                ossl::Asn1ObjPtr obj(OBJ_txt2obj(e.Scalar().c_str(), 0));
                ERR_clear_error();
                if (!obj) bad(source, "'signer_ekus': '" + e.Scalar() + "' is not an OID");
                char buf[128];
                OBJ_obj2txt(buf, sizeof buf, obj.get(), 1);
                p->signer_ekus_.push_back(buf);
            }
        }

        if (const YAML::Node rev = root["revocation"]) {
            if (!rev.IsMap()) bad(source, "'revocation' must be a mapping {required, max_age}");
            only_keys(rev, {"required", "max_age"}, source, "revocation");
            if (rev["required"] && !rev["required"].IsNull()) {
                try {
                    p->revocation_required_ = rev["required"].as<bool>();
                } catch (const YAML::Exception&) {
                    bad(source, "'revocation.required' must be true or false");
                }
            }
            if (rev["max_age"] && !rev["max_age"].IsNull()) p->max_age_ = duration(rev["max_age"], source);
        }
    } catch (const YAML::Exception& e) {
        bad(source, e.what());
    }
    return p;
}

CryptoCheck Policy::digest(int md_nid, std::int64_t t) const {
    CryptoCheck c;
    const char* sn = OBJ_nid2sn(md_nid);
    const std::string name = sn ? lower(sn) : "unknown hash";
    const auto it = digests_.find(md_nid);
    if (it == digests_.end()) {
        c.verdict = CryptoVerdict::never;
        c.what = name + " (not accepted by the validation policy '" + info_.name + "')";
    } else if (it->second && t > *it->second) {
        c.verdict = CryptoVerdict::expired;
        c.what = name + " (accepted only until " + date_text(*it->second) + ", and nothing proves it was used before)";
    }
    return c;
}

CryptoCheck Policy::key(EVP_PKEY* pk, std::int64_t t) const {
    CryptoCheck c;
    if (pk == nullptr) {
        // A key OpenSSL cannot decode (unsupported, or DSA parameters inherited from the issuer,
        // RFC 3279 §2.3.2) is in no rule of the policy: nothing it signed can be trusted.
        c.verdict = CryptoVerdict::never;
        c.what = "a public key that cannot be decoded (unsupported, or with parameters inherited from its issuer)";
        return c;
    }
    const std::string type = key_type(pk);
    const int bits = EVP_PKEY_get_bits(pk);
    bool matched = false;
    std::optional<std::int64_t> best;  // the latest end among matching rules
    bool endless = false;
    for (const auto& r : keys_) {
        if (r.type != type || bits < r.min_bits) continue;
        matched = true;
        if (!r.until) endless = true;
        else if (!best || *r.until > *best) best = r.until;
    }
    std::string desc = type == "ed25519" || type == "ed448" ? type + " key" : (type == "ec" ? "EC" : type == "rsa" ? "RSA" : type == "dsa" ? "DSA" : type) + std::string(" key of ") + std::to_string(bits) + " bits";
    if (!matched) {
        c.verdict = CryptoVerdict::never;
        c.what = desc + " (not accepted by the validation policy '" + info_.name + "')";
    } else if (!endless && t > *best) {
        c.verdict = CryptoVerdict::expired;
        c.what = desc + " (accepted only until " + date_text(*best) + ", and nothing proves it was used before)";
    }
    return c;
}

CryptoCheck Policy::signature_hash(const X509_ALGOR* alg, std::int64_t t) const {
    if (alg == nullptr) return {};
    const ASN1_OBJECT* obj = nullptr;
    int ptype = 0;
    const void* pval = nullptr;
    X509_ALGOR_get0(&obj, &ptype, &pval, alg);
    const int sig_nid = OBJ_obj2nid(obj);
    int md_nid = NID_undef, pk_nid = NID_undef;
    if (sig_nid == NID_rsassaPss) {
        // RFC 4055: the hash is in the parameters (absent: SHA-1).
        md_nid = NID_sha1;
        int mgf_nid = NID_sha1;  // MGF1's hash (absent: SHA-1) is judged too
        if (ptype == V_ASN1_SEQUENCE) {
            const auto* seq = static_cast<const ASN1_STRING*>(pval);
            const unsigned char* p = ASN1_STRING_get0_data(seq);
            ossl::Ptr<RSA_PSS_PARAMS, RSA_PSS_PARAMS_free> pss(d2i_RSA_PSS_PARAMS(nullptr, &p, ASN1_STRING_length(seq)));
            if (pss && pss->hashAlgorithm) md_nid = OBJ_obj2nid(pss->hashAlgorithm->algorithm);
            if (pss && pss->maskGenAlgorithm) {
                const ASN1_TYPE* mp = pss->maskGenAlgorithm->parameter;
                if (mp && mp->type == V_ASN1_SEQUENCE) {
                    const unsigned char* q = ASN1_STRING_get0_data(mp->value.sequence);
                    ossl::Ptr<X509_ALGOR, X509_ALGOR_free> mh(d2i_X509_ALGOR(nullptr, &q, ASN1_STRING_length(mp->value.sequence)));
                    mgf_nid = mh ? OBJ_obj2nid(mh->algorithm) : NID_undef;
                } else {
                    mgf_nid = NID_undef;
                }
            }
        }
        ERR_clear_error();
        CryptoCheck mgf = digest(mgf_nid, t);
        if (!mgf.ok()) {
            mgf.what = "MGF1 with " + mgf.what;
            CryptoCheck h = digest(md_nid, t);
            return h.verdict == CryptoVerdict::never ? h : mgf;
        }
    } else if (sig_nid == NID_rsaEncryption || sig_nid == NID_X9_62_id_ecPublicKey || sig_nid == NID_dsa) {
        return {};  // a CMS SignerInfo naming only the key type: its digestAlgorithm carries the hash
    } else if (OBJ_find_sigid_algs(sig_nid, &md_nid, &pk_nid) == 0) {
        // A bare digest OID (CMS SignerInfo digestAlgorithm) or an unknown signature algorithm.
        if (EVP_get_digestbynid(sig_nid) != nullptr) md_nid = sig_nid;
        else {
            CryptoCheck c;
            c.verdict = CryptoVerdict::never;
            c.what = std::string(OBJ_nid2sn(sig_nid) ? OBJ_nid2sn(sig_nid) : "an unknown algorithm") + " (not known to the validation policy)";
            return c;
        }
    }
    if (md_nid == NID_undef) return {};  // Ed25519 / Ed448: the hash is part of the algorithm
    return digest(md_nid, t);
}

CryptoCheck Policy::signature(const X509_ALGOR* alg, EVP_PKEY* key_, std::int64_t t) const {
    CryptoCheck c = signature_hash(alg, t);
    if (c.verdict == CryptoVerdict::never) return c;
    CryptoCheck k = key(key_, t);
    if (k.verdict == CryptoVerdict::never || (k.verdict == CryptoVerdict::expired && c.ok())) return k;
    return c;
}

}  // namespace detail
}  // namespace tsign
