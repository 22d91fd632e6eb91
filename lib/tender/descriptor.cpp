// The tender descriptor: a JSON document (id, title, deadline, TSAs, envelopes, members with their
// encryption certificates, threshold, portal certificate) in a CAdES attached SignedData by the
// procurement office. Bidders, the portal and members read it only after its signature verified.
#include <algorithm>
#include <set>

#include "core/io_impl.hpp"
#include "keys/signer_impl.hpp"
#include "tender/tender_impl.hpp"
#include "tsign/cms.hpp"
#include "tsign/error.hpp"
#include "tsign/time.hpp"

namespace tsign {

using tender::json;

namespace {

/// A member's certificate must be able to receive a key: RSA with keyEncipherment, EC with keyAgreement.
void check_encryption_certificate(const Bytes& der, const std::string& what) {
    ossl::X509Ptr c = ossl::d2i_exact<X509, X509_free>(d2i_X509, der);
    if (!c) throw Error(Errc::malformed, "cannot read " + what);
    EVP_PKEY* pk = X509_get0_pubkey(c.get());
    if (pk == nullptr) ossl::fail(Errc::malformed, "cannot read the public key of " + what);
    const bool rsa = EVP_PKEY_is_a(pk, "RSA");
    const bool ec = EVP_PKEY_is_a(pk, "EC");
    if (!rsa && !ec) throw Error(Errc::unsupported, "cannot use " + what + ": only RSA and EC keys can receive shares");
    const std::uint32_t flags = X509_get_extension_flags(c.get());
    if (flags & EXFLAG_KUSAGE) {
        const std::uint32_t ku = X509_get_key_usage(c.get());
        if (rsa && !(ku & KU_KEY_ENCIPHERMENT))
            throw Error(Errc::usage, "cannot use " + what + ": an RSA encryption certificate needs the keyEncipherment key usage",
                        "issue it with the 'encryption' profile: tsign ca issue --profile encryption");
        if (ec && !(ku & KU_KEY_AGREEMENT))
            throw Error(Errc::usage, "cannot use " + what + ": an EC encryption certificate needs the keyAgreement key usage",
                        "issue it with the 'encryption' profile: tsign ca issue --profile encryption");
    }
    detail::check_key_strength(pk, what);
}

bool valid_envelope_name(const std::string& e) {
    return !e.empty() && e.size() <= 16 &&
           std::all_of(e.begin(), e.end(), [](char ch) { return (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'); });
}

bool valid_id(const std::string& id) {
    return !id.empty() && id.size() <= 128 && ossl::valid_utf8(id) &&
           std::none_of(id.begin(), id.end(), [](char ch) { return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f; });
}

}  // namespace

const TenderMember* TenderDescriptor::member(int index) const {
    for (const auto& m : members)
        if (m.index == index) return &m;
    return nullptr;
}

std::string TenderDescriptor::to_json() const {
    json ms = json::array();
    for (const auto& m : members) ms.push_back({{"index", m.index}, {"name", m.name}, {"certificate_sha256", m.cert_sha256}});
    json j = {{"id", id},
              {"title", title},
              {"deadline", format_iso8601(deadline)},
              {"tsa", tsa_urls},
              {"envelopes", envelopes},
              {"threshold", threshold},
              {"members", ms},
              {"portal", tender::subject_of(portal_certificate)},
              {"office", office},
              {"sha256", sha256}};
    return j.dump(2);
}

Bytes tender_init(Signer& office, const TenderInitOptions& o) {
    if (!valid_id(o.id))
        throw Error(Errc::usage, "invalid tender id '" + o.id + "': 1 to 128 UTF-8 characters, no control characters");
    if (!ossl::valid_utf8(o.title) || o.title.size() > 4096)
        throw Error(Errc::usage, "invalid title: UTF-8 text up to 4096 bytes");
    if (o.deadline <= 0) throw Error(Errc::usage, "no deadline given", "use --deadline 2026-12-20T10:00:00Z");
    if (o.tsa_urls.empty()) throw Error(Errc::usage, "no TSA given: receipts are timestamped", "use --tsa URL");
    if (o.envelopes.empty()) throw Error(Errc::usage, "no envelope given");
    std::set<std::string> seen_env;
    for (const auto& e : o.envelopes) {
        if (!valid_envelope_name(e))
            throw Error(Errc::usage, "invalid envelope '" + e + "': capital letters and digits, up to 16");
        if (!seen_env.insert(e).second) throw Error(Errc::usage, "envelope '" + e + "' given twice");
    }
    const int n = static_cast<int>(o.member_cert_files.size());
    if (n < 1 || n > 255) throw Error(Errc::usage, "a tender needs 1 to 255 members, " + std::to_string(n) + " given");
    if (o.threshold < 1 || o.threshold > n)
        throw Error(Errc::usage, "invalid threshold " + std::to_string(o.threshold) + ": it must be 1.." + std::to_string(n));
    if (o.portal_cert_file.empty()) throw Error(Errc::usage, "no portal certificate given", "use --portal-cert FILE");

    json members = json::array();
    std::set<std::string> seen;
    for (int i = 0; i < n; ++i) {
        const std::string& f = o.member_cert_files[static_cast<std::size_t>(i)];
        const std::string what = "member certificate '" + f + "'";
        ossl::X509Ptr c = detail::parse_certificate(detail::read_input_limited(f, detail::kMaxCertificateFileBytes, what), what);
        const Bytes der = ossl::to_der(c.get(), i2d_X509);
        check_encryption_certificate(der, what);
        const std::string h = tender::sha256_hex(der);
        if (!seen.insert(h).second) throw Error(Errc::usage, "refusing " + what + ": the same certificate is given twice");
        members.push_back({{"index", i + 1}, {"name", tender::common_name_of(der)}, {"certificate", tender::base64(der)}});
    }
    const std::string pwhat = "portal certificate '" + o.portal_cert_file + "'";
    ossl::X509Ptr portal =
        detail::parse_certificate(detail::read_input_limited(o.portal_cert_file, detail::kMaxCertificateFileBytes, pwhat), pwhat);
    const Bytes portal_der = ossl::to_der(portal.get(), i2d_X509);

    json j = {{"format", tender::kDescriptorFormat},
              {"id", o.id},
              {"title", o.title},
              {"deadline", format_iso8601(o.deadline)},
              {"tsa", o.tsa_urls},
              {"envelopes", o.envelopes},
              {"threshold", o.threshold},
              {"members", members},
              {"portal", tender::base64(portal_der)}};
    const std::string text = j.dump(2) + "\n";
    return tender::sign_attached(office, std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()),
                                 o.chain_files, {}, 10, "signing the tender descriptor");
}

TenderDescriptor load_tender_descriptor(const Bytes& der, const ChainOptions& chain) {
    const std::string what = "the tender descriptor";
    if (der.size() > tender::kMaxDescriptorBytes) throw Error(Errc::malformed, "cannot read " + what + ": larger than 4 MiB");
    VerifyOptions vo;
    vo.chain = chain;
    const VerifyReport rep = verify_signature(der, vo);
    if (rep.signers.size() != 1) throw Error(Errc::not_valid, what + " must have exactly one signer (the office)");
    if (!rep.valid) {
        const auto& s = rep.signers.front();
        throw Error(Errc::not_valid, what + "'s signature (" + s.subject + ") is not valid: " +
                                         (s.errors.empty() ? std::string("see tsign verify") : s.errors.front()));
    }
    const Bytes content = tender::content_of(der, what);
    const json j = tender::parse_document(content, tender::kDescriptorFormat, what);
    TenderDescriptor d;
    d.id = tender::get_string(j, "id", what);
    if (!valid_id(d.id)) throw Error(Errc::malformed, "cannot read " + what + ": invalid tender id");
    d.title = tender::get_string(j, "title", what);
    d.deadline = parse_iso8601(tender::get_string(j, "deadline", what));
    for (const auto& t : tender::get_array(j, "tsa", what)) {
        if (!t.is_string()) throw Error(Errc::malformed, "cannot read " + what + ": a TSA is not a string");
        d.tsa_urls.push_back(t.get<std::string>());
    }
    for (const auto& e : tender::get_array(j, "envelopes", what)) {
        if (!e.is_string() || !valid_envelope_name(e.get<std::string>()))
            throw Error(Errc::malformed, "cannot read " + what + ": invalid envelope");
        d.envelopes.push_back(e.get<std::string>());
    }
    const std::int64_t k = tender::get_int(j, "threshold", what);
    std::set<std::string> seen;
    for (const auto& m : tender::get_array(j, "members", what)) {
        if (!m.is_object()) throw Error(Errc::malformed, "cannot read " + what + ": a member is not an object");
        TenderMember tm;
        const std::int64_t idx = tender::get_int(m, "index", what);
        if (idx != static_cast<std::int64_t>(d.members.size()) + 1)
            throw Error(Errc::malformed, "cannot read " + what + ": members must be numbered 1..n in order");
        tm.index = static_cast<int>(idx);
        tm.name = tender::get_string(m, "name", what);
        tm.certificate = tender::get_base64(m, "certificate", what);
        tm.cert_sha256 = tender::sha256_hex(tm.certificate);
        (void)tender::subject_of(tm.certificate);  // a certificate
        if (!seen.insert(tm.cert_sha256).second)
            throw Error(Errc::malformed, "cannot read " + what + ": a member is listed twice");
        d.members.push_back(std::move(tm));
    }
    if (d.members.empty() || d.members.size() > 255 || k < 1 || k > static_cast<std::int64_t>(d.members.size()))
        throw Error(Errc::malformed, "cannot read " + what + ": the threshold must be 1..members");
    d.threshold = static_cast<int>(k);
    if (d.tsa_urls.empty() || d.envelopes.empty())
        throw Error(Errc::malformed, "cannot read " + what + ": no TSA or no envelope");
    d.portal_certificate = tender::get_base64(j, "portal", what);
    (void)tender::subject_of(d.portal_certificate);
    d.office = rep.signers.front().subject;
    d.sha256 = tender::sha256_hex(der);
    d.der = der;
    return d;
}

}  // namespace tsign
