// Commission rosters: a strictly typed YAML loader (files read with size limits), structural
// matching of signers to members, the roster report; `tsign roster make` and `tsign roster check`.
#include "cms/roster.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <optional>

#include <yaml-cpp/yaml.h>

#include "core/ossl.hpp"
#include "tsign/error.hpp"
#include "tsign/roster.hpp"
#include "x509/name.hpp"

namespace tsign {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

constexpr size_t kMaxRosterBytes = 1 << 20;       // the roster file
constexpr size_t kMaxCertificateBytes = 1 << 20;  // each certificate a roster names
constexpr size_t kMaxMembers = 1000;

/// Exactly one certificate, PEM or DER; empty with the reason in *why otherwise.
ossl::X509Ptr one_certificate(const Bytes& data, std::string* why) {
    ossl::X509Ptr first;
    if (ossl::looks_like_pem(data)) {
        auto bio = ossl::mem_bio(data);
        int count = 0;
        while (ossl::X509Ptr x{PEM_read_bio_X509(bio.get(), nullptr, ossl::no_passphrase, nullptr)}) {
            if (count++ == 0) first = std::move(x);
        }
        ERR_clear_error();
        if (count > 1) {
            *why = "it holds " + std::to_string(count) + " certificates; a member is one certificate";
            return {};
        }
    } else {
        first = ossl::d2i_exact<X509, X509_free>(d2i_X509, data);
        ERR_clear_error();
    }
    if (!first) *why = "not a certificate (PEM or DER)";
    return first;
}

Bytes spki_sha256_of(X509* cert) {
    // The SubjectPublicKeyInfo as it is encoded, whether or not OpenSSL can decode the key in it
    // (DSA with inherited parameters): hashing it never needs X509_get0_pubkey().
    const X509_PUBKEY* spki = X509_get_X509_PUBKEY(cert);
    unsigned char* der = nullptr;
    const int n = spki != nullptr ? i2d_X509_PUBKEY(spki, &der) : -1;
    const ossl::OsslStrPtr owner(reinterpret_cast<char*>(der));
    ERR_clear_error();
    if (n <= 0 || der == nullptr) throw Error(Errc::malformed, "a certificate's public key cannot be encoded");
    return ossl::sha256(std::span(der, static_cast<size_t>(n)));
}

/// The first CN of a name, as UTF-8 for display; empty when there is none.
std::string common_name(const X509_NAME* name) {
    const int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (i < 0) return {};
    return ossl::string_to_utf8(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
}

enum class Pin { certificate, spki, subject };

const char* pin_key(Pin p) {
    switch (p) {
        case Pin::certificate: return "certificate";
        case Pin::spki: return "spki_sha256";
        case Pin::subject: return "subject";
    }
    return "?";
}

/// One member: how the roster identifies them, and everything that is known of their identity
/// (a certificate member's subject, issuer and public key come from the certificate).
struct Member {
    std::string label;  ///< "member 2 (سارا احمدی)", for messages
    std::string name;
    bool required = false;
    Pin pin = Pin::subject;
    std::string value;                  ///< as written in the roster
    Bytes certificate;                  ///< DER (certificate members)
    Bytes spki;                         ///< SHA-256 of the SubjectPublicKeyInfo (certificate and spki members)
    ossl::X509NamePtr subject, issuer;  ///< certificate members: both; subject members: issuer optional
};

struct Roster {
    std::string commission;
    std::string sha256;
    int quorum = 0;
    bool quorum_given = false;
    std::vector<Member> members;
};

/// Why two entries could identify the same signer, or nullptr.
const char* conflict(const Member& a, const Member& b) {
    if (!a.certificate.empty() && a.certificate == b.certificate) return "the same certificate";
    if (!a.spki.empty() && a.spki == b.spki) return "the same public key";
    if (a.subject && b.subject && X509_NAME_cmp(a.subject.get(), b.subject.get()) == 0) {
        if (a.issuer && b.issuer) {
            if (X509_NAME_cmp(a.issuer.get(), b.issuer.get()) == 0) return "the same subject and issuer";
        } else {
            return "the same subject, and an issuer for at most one of them";
        }
    }
    return nullptr;
}

/// A value quoted for a one-line error: control characters and bytes that are not UTF-8 as '?',
/// at most 60 characters.
std::string shown(const std::string& s) {
    std::string out = "'";
    size_t chars = 0;
    for (size_t i = 0; i < s.size() && chars < 60; ++chars) {
        char32_t cp = 0;
        const size_t n = ossl::utf8_char(s, i, &cp);
        if (n == 0 || cp < 0x20 || cp == 0x7F) {
            out += '?';
            i += n == 0 ? 1 : n;
        } else {
            out.append(s, i, n);
            i += n;
        }
    }
    return out + (chars == 60 ? "...'" : "'");
}

std::string kind_of(const YAML::Node& n) {
    switch (n.Type()) {
        case YAML::NodeType::Sequence: return "a list";
        case YAML::NodeType::Map: return "a mapping";
        case YAML::NodeType::Null: return "empty";
        default: return shown(n.Scalar());
    }
}

/// The roster loader. Every value is type-checked; the first problem is an Errc::malformed with
/// the key named, "WHAT: WHY" (what: "invalid roster 'r.yaml'").
class Loader {
public:
    Loader(std::string what, fs::path base) : what_(std::move(what)), base_(std::move(base)) {}

    Roster load(const Bytes& bytes, const std::string& default_commission) {
        const std::string text(bytes.begin(), bytes.end());
        if (const std::string at = ossl::utf8_error_at(text); !at.empty()) bad("it is not UTF-8 text (" + at + ")");
        YAML::Node root;
        try {
            root = YAML::Load(text);
        } catch (const YAML::Exception& e) {
            bad("not valid YAML: line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
        }
        if (!root.IsMap()) bad(root.IsNull() ? "it is empty" : "the top level must be a mapping (commission, quorum, members)");
        Roster r;
        std::optional<YAML::Node> commission, quorum, members;
        for (const auto& kv : root) {
            const std::string key = key_of(kv.first, "");
            std::optional<YAML::Node>* slot = key == "commission" ? &commission : key == "quorum" ? &quorum : key == "members" ? &members : nullptr;
            if (slot == nullptr) bad("unknown key " + shown(key) + " (allowed: commission, quorum, members)");
            if (*slot) bad(shown(key) + " is given twice");
            *slot = kv.second;
        }
        r.commission = commission ? text_of(*commission, "commission") : default_commission;
        if (!members) bad("it lists no members");
        if (!members->IsSequence()) bad("members must be a list, not " + kind_of(*members));
        if (members->size() == 0) bad("it lists no members");
        if (members->size() > kMaxMembers) bad("more than " + std::to_string(kMaxMembers) + " members");
        for (size_t i = 0; i < members->size(); ++i) r.members.push_back(member((*members)[i], i + 1));
        const int n = static_cast<int>(r.members.size());
        r.quorum = n;
        if (quorum) {
            const std::string expected = "quorum must be an integer from 1 to " + std::to_string(n) + " (the number of members), not ";
            if (!quorum->IsScalar()) bad(expected + kind_of(*quorum));
            const std::string& t = quorum->Scalar();
            long long v = 0;
            const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
            if (t.empty() || ec != std::errc() || end != t.data() + t.size() || v < 1 || v > n) bad(expected + shown(t));
            r.quorum = static_cast<int>(v);
            r.quorum_given = true;
        }
        // Each person counts once: no two entries may be able to identify the same signer.
        for (size_t a = 0; a < r.members.size(); ++a)
            for (size_t b = a + 1; b < r.members.size(); ++b)
                if (const char* why = conflict(r.members[a], r.members[b]))
                    bad(r.members[a].label + " and " + r.members[b].label + " can identify the same signer (" + why +
                        "); each person is listed once");
        return r;
    }

    [[noreturn]] void bad(const std::string& why) const { throw Error(Errc::malformed, what_ + ": " + why); }

private:
    std::string key_of(const YAML::Node& k, const std::string& where) {
        if (!k.IsScalar()) bad(where + "a key must be text, not " + kind_of(k));
        return k.Scalar();
    }

    std::string text_of(const YAML::Node& n, const std::string& key) {
        if (!n.IsScalar()) bad(key + " must be text, not " + kind_of(n));
        const std::string& s = n.Scalar();
        if (!ossl::valid_utf8(s)) bad(key + " is not valid UTF-8");
        for (const char c : s)
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) bad(key + " holds a control character");
        if (s.find_first_not_of(' ') == std::string::npos) bad(key + " is empty");
        return s;
    }

    bool bool_of(const YAML::Node& n, const std::string& key) {
        if (n.IsScalar()) {
            const std::string& s = n.Scalar();
            if (s == "true" || s == "True" || s == "TRUE") return true;
            if (s == "false" || s == "False" || s == "FALSE") return false;
        }
        bad(key + " must be true or false, not " + kind_of(n));
    }

    ossl::X509NamePtr dn_of(const YAML::Node& n, const std::string& label, const std::string& key) {
        const std::string text = text_of(n, label + ": " + key);
        try {
            return detail::parse_dn(text, key);
        } catch (const Error& e) {
            bad(label + ": " + e.what());
        }
    }

    Member member(const YAML::Node& m, size_t index) {
        const std::string where = "member " + std::to_string(index);
        if (!m.IsMap()) bad(where + " must be a mapping (name, certificate / spki_sha256 / subject, ...), not " + kind_of(m));
        static const char* const keys[] = {"name", "required", "certificate", "spki_sha256", "subject", "issuer"};
        std::optional<YAML::Node> values[std::size(keys)];
        std::string problem;  // reported once the member's name is known
        for (const auto& kv : m) {
            const std::string key = key_of(kv.first, where + ": ");
            size_t k = 0;
            while (k < std::size(keys) && key != keys[k]) ++k;
            if (k == std::size(keys)) {
                if (problem.empty())
                    problem = "unknown key " + shown(key) + " (allowed: name, required, certificate, spki_sha256, subject, issuer)";
            } else if (values[k]) {
                if (problem.empty()) problem = shown(key) + " is given twice";
            } else {
                values[k] = kv.second;
            }
        }
        const auto& [name, required, certificate, spki, subject, issuer] = values;
        Member r;
        if (name) r.name = text_of(*name, where + ": name");
        r.label = where + (r.name.empty() ? "" : " (" + r.name + ")");
        if (!problem.empty()) bad(r.label + ": " + problem);
        if (required) r.required = bool_of(*required, r.label + ": required");
        const int identities = (certificate ? 1 : 0) + (spki ? 1 : 0) + (subject ? 1 : 0);
        if (identities == 0) bad(r.label + " has no identity: give certificate, spki_sha256 or subject");
        if (identities > 1) bad(r.label + ": give only one of certificate, spki_sha256 and subject");
        if (issuer && !subject) bad(r.label + ": issuer goes only with subject");
        if (certificate) {
            r.pin = Pin::certificate;
            r.value = text_of(*certificate, r.label + ": certificate");
            fs::path p = r.value;
            if (p.is_relative()) p = base_ / p;
            Bytes data;
            try {
                data = read_file_limited(p.string(), kMaxCertificateBytes, "certificate '" + p.string() + "'");
            } catch (const Error& e) {
                throw Error(e.code(), what_ + ": " + r.label + ": " + e.what());
            }
            std::string why;
            const ossl::X509Ptr cert = one_certificate(data, &why);
            if (!cert) bad(r.label + ": certificate '" + p.string() + "': " + why);
            r.certificate = ossl::to_der(cert.get(), i2d_X509);
            r.spki = spki_sha256_of(cert.get());
            r.subject.reset(X509_NAME_dup(X509_get_subject_name(cert.get())));
            r.issuer.reset(X509_NAME_dup(X509_get_issuer_name(cert.get())));
            if (!r.subject || !r.issuer) ossl::fail(Errc::internal, "out of memory");
            if (r.name.empty()) r.name = common_name(r.subject.get());
            if (r.name.empty()) r.name = ossl::name_to_utf8(r.subject.get());
        } else if (spki) {
            r.pin = Pin::spki;
            r.value = text_of(*spki, r.label + ": spki_sha256");
            std::string digits;
            for (const char c : r.value)
                if (c != ':') digits += c;
            const bool hex = digits.size() == 64 && digits.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
            if (!hex) bad(r.label + ": spki_sha256 must be 64 hex digits (the SHA-256 of the DER SubjectPublicKeyInfo)");
            r.spki = ossl::unhex(digits);
            if (r.name.empty()) r.name = "public key " + ossl::hex(r.spki).substr(0, 16);
        } else {
            r.pin = Pin::subject;
            r.value = text_of(*subject, r.label + ": subject");
            r.subject = dn_of(*subject, r.label, "subject");
            if (issuer) r.issuer = dn_of(*issuer, r.label, "issuer");
            if (r.name.empty()) r.name = ossl::name_to_utf8(r.subject.get());
        }
        if (r.label == where) r.label += " (" + r.name + ")";
        return r;
    }

    std::string what_;
    fs::path base_;
};

Roster load_roster_file(const std::string& file) {
    const Bytes bytes = read_file_limited(file, kMaxRosterBytes, "roster '" + file + "'");
    Roster r = Loader("invalid roster '" + file + "'", fs::path(file).parent_path()).load(bytes, fs::path(file).stem().string());
    r.sha256 = ossl::hex(ossl::sha256(bytes));
    return r;
}

/// How specifically a member names a certificate: 0 not at all, 1 subject, 2 subject and issuer,
/// 3 public key, 4 the certificate itself.
int match_rank(const Member& m, const Bytes& der, X509* cert, const Bytes& spki) {
    switch (m.pin) {
        case Pin::certificate: return m.certificate == der ? 4 : 0;
        case Pin::spki: return m.spki == spki ? 3 : 0;
        case Pin::subject:
            if (X509_NAME_cmp(m.subject.get(), X509_get_subject_name(cert)) != 0) return 0;
            if (!m.issuer) return 1;
            return X509_NAME_cmp(m.issuer.get(), X509_get_issuer_name(cert)) == 0 ? 2 : 0;
    }
    return 0;
}

/// A YAML double-quoted scalar of UTF-8 text (non-printable characters escaped).
std::string yaml_quote(const std::string& s) {
    std::string out = "\"";
    for (size_t i = 0; i < s.size();) {
        char32_t cp = 0;
        const size_t n = ossl::utf8_char(s, i, &cp);
        if (n == 0) throw Error(Errc::internal, "roster text is not UTF-8");
        if (cp == '"' || cp == '\\') {
            out += '\\';
            out += static_cast<char>(cp);
        } else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0xFEFF || (cp >= 0xFFFE && cp <= 0xFFFF)) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(cp));
            out += buf;
        } else {
            out.append(s, i, n);
        }
        i += n;
    }
    return out + "\"";
}

}  // namespace

namespace detail {

RosterReport check_roster(const std::string& file, std::vector<SignerReport>& signers) {
    const Roster roster = load_roster_file(file);
    RosterReport rr;
    rr.name = roster.commission;
    rr.sha256 = roster.sha256;
    rr.quorum = roster.quorum;
    for (const auto& m : roster.members) rr.members.push_back({m.name, m.required, false, {}});
    // Entries that one validly signing certificate matches are one person (an spki_sha256 entry and
    // a subject entry cannot be told apart when the roster is read): they count once, together.
    std::vector<size_t> group(roster.members.size());
    for (size_t k = 0; k < group.size(); ++k) group[k] = k;
    auto root = [&group](size_t k) {
        while (group[k] != k) k = group[k] = group[group[k]];
        return k;
    };
    for (size_t i = 0; i < signers.size(); ++i) {
        SignerReport& s = signers[i];
        ossl::X509Ptr cert;
        if (!s.certificate.empty()) cert = ossl::d2i_exact<X509, X509_free>(d2i_X509, s.certificate);
        ERR_clear_error();
        int best = -1, best_rank = 0;
        std::vector<size_t> matches;
        if (cert) {
            const Bytes spki = spki_sha256_of(cert.get());
            for (size_t k = 0; k < roster.members.size(); ++k) {
                const int rank = match_rank(roster.members[k], s.certificate, cert.get(), spki);
                if (rank == 0) continue;
                matches.push_back(k);
                if (rank > best_rank) best = static_cast<int>(k), best_rank = rank;
            }
        }
        if (best < 0) {
            std::string who = s.subject;
            if (who.empty()) who = "(unknown signer" + (s.issuer.empty() ? std::string() : ", issuer " + s.issuer + ", serial " + s.serial) + ")";
            rr.outsiders.push_back(who);
            const std::string message = "the signer is not a member of the commission's roster";
            s.findings.push_back(Finding{FindingCode::not_in_roster, FindingScope::roster, -1, s.subject, message});
            s.errors.push_back(message);
            continue;
        }
        if (matches.size() > 1) {
            std::string all;
            for (const size_t k : matches) all += (all.empty() ? "" : ", ") + roster.members[k].label;
            s.warnings.push_back("the signer matches several roster entries (" + all + "): they are one person and count once");
            if (s.valid)
                for (const size_t k : matches) group[root(k)] = root(matches.front());
        }
        RosterMemberReport& m = rr.members[static_cast<size_t>(best)];
        m.signers.push_back(static_cast<int>(i));
        if (s.valid) m.has_signed = true;
    }
    // A person signed when any of their entries did; each person counts once.
    std::vector<bool> person_signed(rr.members.size(), false);
    for (size_t k = 0; k < rr.members.size(); ++k)
        if (rr.members[k].has_signed) person_signed[root(k)] = true;
    std::vector<bool> counted(rr.members.size(), false);
    int signed_count = 0;
    for (size_t k = 0; k < rr.members.size(); ++k) {
        auto& m = rr.members[k];
        m.has_signed = person_signed[root(k)];
        (m.has_signed ? rr.signed_members : rr.missing_members).push_back(m.name);
        if (m.has_signed && !counted[root(k)]) {
            counted[root(k)] = true;
            ++signed_count;
        }
        if (m.required && !m.has_signed) rr.required_missing.push_back(m.name);
    }
    rr.quorum_met = signed_count >= rr.quorum;
    rr.required_met = rr.required_missing.empty();
    return rr;
}

nlohmann::ordered_json roster_json(const RosterReport& r) {
    json j;
    j["commission"] = r.name;
    j["sha256"] = r.sha256;
    j["quorum"] = r.quorum;
    j["signed"] = r.signed_members;
    j["not_signed"] = r.missing_members;
    j["outside_roster"] = r.outsiders;
    j["quorum_met"] = r.quorum_met;
    json required = json::array();
    for (const auto& m : r.members)
        if (m.required) required.push_back(m.name);
    j["required"] = required;
    j["required_missing"] = r.required_missing;
    j["required_met"] = r.required_met;
    j["satisfied"] = r.satisfied();
    json members = json::array();
    for (const auto& m : r.members)
        members.push_back({{"name", m.name}, {"required", m.required}, {"signed", m.has_signed}, {"signers", m.signers}});
    j["members"] = members;
    return j;
}

std::string roster_text(const RosterReport& r) {
    std::string out = "Roster '" + r.name + "': quorum " + std::to_string(r.quorum) + ", " + std::to_string(r.signed_members.size()) +
                      " signed: " + (r.quorum_met ? "met" : "NOT MET") + "\n";
    bool any_required = false;
    for (const auto& m : r.members) any_required = any_required || m.required;
    if (any_required) {
        out += std::string("  required:   ") + (r.required_met ? "every required member signed" : "NOT MET, missing: ");
        for (size_t i = 0; i < r.required_missing.size(); ++i) out += (i ? ", " : "") + r.required_missing[i];
        out += "\n";
    }
    for (const auto& m : r.members)
        if (m.has_signed) out += "  signed:     " + m.name + "\n";
    for (const auto& m : r.members)
        if (!m.has_signed) out += "  not signed: " + m.name + (m.required ? " (required)" : "") + "\n";
    for (const auto& o : r.outsiders) out += "  outsider:   " + o + "\n";
    out += "  roster:     sha256 " + r.sha256 + "\n";
    return out;
}

}  // namespace detail

RosterInfo check_roster_file(const std::string& path) {
    const Roster roster = load_roster_file(path);
    RosterInfo info;
    info.file = path;
    info.commission = roster.commission;
    info.sha256 = roster.sha256;
    info.quorum = roster.quorum;
    info.quorum_given = roster.quorum_given;
    for (const auto& m : roster.members) {
        RosterMemberInfo mi;
        mi.name = m.name;
        mi.required = m.required;
        mi.pin = pin_key(m.pin);
        mi.value = m.value;
        if (m.subject) mi.subject = ossl::name_to_utf8(m.subject.get());
        if (m.issuer) mi.issuer = ossl::name_to_utf8(m.issuer.get());
        if (!m.spki.empty()) mi.spki_sha256 = ossl::hex(m.spki);
        info.members.push_back(std::move(mi));
    }
    return info;
}

std::string RosterInfo::to_json() const {
    json j;
    j["file"] = file;
    j["commission"] = commission;
    j["sha256"] = sha256;
    j["quorum"] = quorum;
    j["quorum_given"] = quorum_given;
    json required = json::array();
    for (const auto& m : members)
        if (m.required) required.push_back(m.name);
    j["required"] = required;
    json arr = json::array();
    for (const auto& m : members) {
        json e;
        e["name"] = m.name;
        e["required"] = m.required;
        e["by"] = m.pin;
        e[m.pin] = m.value;
        e["subject"] = m.subject.empty() ? json(nullptr) : json(m.subject);
        e["issuer"] = m.issuer.empty() ? json(nullptr) : json(m.issuer);
        e["spki_sha256"] = m.spki_sha256.empty() ? json(nullptr) : json(m.spki_sha256);
        arr.push_back(e);
    }
    j["members"] = arr;
    return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string RosterInfo::to_text() const {
    size_t required = 0;
    for (const auto& m : members) required += m.required ? 1 : 0;
    std::string out = "Roster '" + commission + "' (" + file + "): valid\n";
    out += "  quorum:   " + std::to_string(quorum) + " of " + std::to_string(members.size()) + " members" +
           (quorum_given ? "" : " (no quorum given: every member)") + "\n";
    out += "  required: ";
    if (required == 0) out += "none";
    for (size_t i = 0, k = 0; i < members.size(); ++i)
        if (members[i].required) out += (k++ ? ", " : "") + members[i].name;
    out += "\n  sha256:   " + sha256 + "\n";
    for (size_t i = 0; i < members.size(); ++i) {
        const auto& m = members[i];
        out += "  member " + std::to_string(i + 1) + ": " + m.name + (m.required ? " (required)" : "") + "\n";
        out += "    " + m.pin + ": " + m.value + "\n";
        if (m.pin != "subject" && !m.subject.empty()) out += "    subject: " + m.subject + "\n";
        if (!m.issuer.empty()) out += "    issuer:  " + m.issuer + "\n";
        if (m.pin == "certificate") out += "    spki_sha256: " + m.spki_sha256 + "\n";
    }
    return out;
}

std::string make_roster(const RosterMakeOptions& o) {
    if (o.certificate_files.empty() && o.required_files.empty()) throw Error(Errc::usage, "cannot make a roster: no certificates given");
    if (!o.commission.empty() && !ossl::valid_utf8(o.commission))
        throw Error(Errc::usage, "cannot make a roster: the commission's name is not UTF-8");
    struct Input {
        std::string file;
        Member m;
        ossl::X509Ptr cert;
    };
    std::vector<Input> inputs;
    const auto load = [](const std::string& file) {
        const Bytes data = read_file_limited(file, kMaxCertificateBytes, "certificate '" + file + "'");
        std::string why;
        Input in{file, {}, one_certificate(data, &why)};
        if (!in.cert) throw Error(Errc::malformed, "cannot read certificate '" + file + "': " + why);
        Member& m = in.m;
        m.label = "'" + file + "'";
        m.certificate = ossl::to_der(in.cert.get(), i2d_X509);
        m.spki = spki_sha256_of(in.cert.get());
        m.subject.reset(X509_NAME_dup(X509_get_subject_name(in.cert.get())));
        m.issuer.reset(X509_NAME_dup(X509_get_issuer_name(in.cert.get())));
        if (!m.subject || !m.issuer) ossl::fail(Errc::internal, "out of memory");
        m.name = common_name(m.subject.get());
        if (m.name.empty()) m.name = ossl::name_to_utf8(m.subject.get());
        return in;
    };
    for (const auto& f : o.certificate_files) inputs.push_back(load(f));
    for (const auto& f : o.required_files) {
        Input in = load(f);
        auto it = std::find_if(inputs.begin(), inputs.end(), [&](const Input& x) { return x.m.certificate == in.m.certificate; });
        if (it != inputs.end()) {
            it->m.required = true;
        } else {
            in.m.required = true;
            inputs.push_back(std::move(in));
        }
    }
    for (size_t a = 0; a < inputs.size(); ++a)
        for (size_t b = a + 1; b < inputs.size(); ++b)
            if (const char* why = conflict(inputs[a].m, inputs[b].m))
                throw Error(Errc::malformed, "cannot make a roster: " + inputs[a].m.label + " and " + inputs[b].m.label +
                                                 " are the same member (" + why + "); list each person once");
    const int n = static_cast<int>(inputs.size());
    if (o.quorum < 1 || o.quorum > n)
        throw Error(Errc::usage, "cannot make a roster: the quorum must be from 1 to " + std::to_string(n) + " (the number of members), not " +
                                     std::to_string(o.quorum));

    const bool to_stdout = o.output_path.empty() || o.output_path == "-";
    const fs::path out_dir = to_stdout ? fs::current_path() : fs::absolute(o.output_path).parent_path();
    std::string y = "# Commission roster written by tsign roster make. Check it with: tsign roster check FILE\n";
    switch (o.pin) {
        case RosterPin::spki: y += "# Members are pinned by public key: spki_sha256 is the SHA-256 of the DER SubjectPublicKeyInfo.\n"; break;
        case RosterPin::certificate: y += "# Members are pinned by certificate (paths relative to this file).\n"; break;
        case RosterPin::subject: y += "# Members are named by subject and issuer, compared structurally (not as text).\n"; break;
    }
    if (!o.commission.empty()) y += "commission: " + yaml_quote(o.commission) + "\n";
    y += "quorum: " + std::to_string(o.quorum) + "\nmembers:\n";
    for (const auto& in : inputs) {
        const std::string subject = ossl::name_to_utf8(in.m.subject.get());
        const std::string issuer = ossl::name_to_utf8(in.m.issuer.get());
        y += "  # subject: " + subject + "\n  # issuer:  " + issuer + "\n";
        y += "  - name: " + yaml_quote(in.m.name) + "\n";
        switch (o.pin) {
            case RosterPin::spki: y += "    spki_sha256: " + ossl::hex(in.m.spki) + "\n"; break;
            case RosterPin::certificate: {
                const fs::path abs = fs::absolute(in.file).lexically_normal();
                fs::path rel = to_stdout ? abs : abs.lexically_relative(out_dir);
                if (rel.empty()) rel = abs;
                y += "    certificate: " + yaml_quote(rel.string()) + "\n";
                break;
            }
            case RosterPin::subject: y += "    subject: " + yaml_quote(subject) + "\n    issuer: " + yaml_quote(issuer) + "\n"; break;
        }
        if (in.m.required) y += "    required: true\n";
    }

    // The same loader as verify --roster reads it back, and it names the same certificates.
    const Bytes bytes(y.begin(), y.end());
    const Roster back = Loader("cannot make a roster", out_dir).load(bytes, "roster");
    for (size_t i = 0; i < inputs.size(); ++i) {
        const Member& m = back.members[i];
        X509* cert = inputs[i].cert.get();
        if (match_rank(m, inputs[i].m.certificate, cert, inputs[i].m.spki) == 0)
            throw Error(Errc::malformed, "cannot make a roster: the name of " + inputs[i].m.label +
                                             " cannot be written as text faithfully; pin it by public key or certificate");
    }
    return y;
}

}  // namespace tsign
