// The opening session: members unseal their shares (one key login each, the shares sealed again to
// the session's certificate, never written in the clear), then k share sets open every listed bid
// of one envelope, each checked (package, receipt, deadline, inner signature, bidder), and the
// opening minutes are written for the commission to sign.
#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "core/io_impl.hpp"
#include "keys/signer_impl.hpp"
#include "tender/tender_impl.hpp"
#include "tsign/cms.hpp"
#include "tsign/error.hpp"
#include "tsign/time.hpp"

namespace tsign {

using tender::json;
using tender::SecretBytes;

SecretBytes tender::unseal_with(const Bytes& enveloped, EVP_PKEY* key, X509* cert, std::size_t max, const std::string& what) {
    detail::CmsPtr cms = detail::parse_cms(enveloped, what);
    const int type = OBJ_obj2nid(CMS_get0_type(cms.get()));
    if (type != NID_pkcs7_enveloped && type != NID_id_smime_ct_authEnvelopedData)
        throw Error(Errc::malformed, "cannot read " + what + ": not an EnvelopedData");
    ossl::BioPtr out(BIO_new(BIO_s_secmem()));
    if (!out) ossl::fail(Errc::internal, "out of memory");
    if (CMS_decrypt(cms.get(), key, cert, nullptr, out.get(), CMS_BINARY) != 1) {
        ERR_clear_error();
        throw Error(Errc::not_valid, "cannot decrypt " + what + ": it is not sealed to this key, or it was altered");
    }
    const std::size_t n = BIO_pending(out.get());
    if (n > max) throw Error(Errc::malformed, "cannot read " + what + ": larger than expected");
    SecretBytes s(n);
    if (n > 0 && BIO_read(out.get(), s.data(), static_cast<int>(n)) != static_cast<int>(n))
        ossl::fail(Errc::internal, "cannot read the decrypted " + what);
    return s;
}

tender::ShareSet tender::read_share_set(std::span<const std::uint8_t> text, const TenderDescriptor& t,
                                        const std::string& envelope, const std::string& list_root, const std::string& what) {
    // The parsed document holds the shares in base64: wiped however this function leaves.
    struct Wiping {
        json j;
        ~Wiping() {
            try {
                auto it = j.find("shares");
                if (it == j.end() || !it->is_array()) return;
                for (auto& s : *it) {
                    if (!s.is_object()) continue;
                    auto y = s.find("y");
                    if (y == s.end() || !y->is_string()) continue;
                    auto* str = y->get_ptr<std::string*>();
                    OPENSSL_cleanse(str->data(), str->size());
                }
            } catch (...) {  // nlohmann's lookups are not noexcept; none throws on these checked types
            }
        }
    } doc{parse_document(text, kShareSetFormat, what)};
    const json& j = doc.j;
    if (get_string(j, "tender", what) != t.id || get_string(j, "descriptor_sha256", what) != t.sha256)
        throw Error(Errc::not_valid, "refusing " + what + ": it is for another tender");
    if (get_string(j, "envelope", what) != envelope)
        throw Error(Errc::not_valid,
                    "refusing " + what + ": it is for envelope " + get_string(j, "envelope", what) + ", not " + envelope);
    if (get_string(j, "list_root", what) != list_root)
        throw Error(Errc::not_valid, "refusing " + what + ": it was unsealed from another closing list");
    const std::int64_t idx = get_int(j, "member", what);
    const TenderMember* m = idx >= 1 && idx <= 255 ? t.member(static_cast<int>(idx)) : nullptr;
    if (m == nullptr || get_string(j, "member_certificate_sha256", what) != m->cert_sha256)
        throw Error(Errc::not_valid, "refusing " + what + ": it is not from a member of this tender's commission");
    ShareSet out;
    out.member = m->index;
    for (const auto& s : get_array(j, "shares", what)) {
        if (!s.is_object()) throw Error(Errc::malformed, "cannot read " + what + ": a share is not an object");
        Bytes y = get_base64(s, "y", what);
        SecretBytes sy(y.size());
        std::memcpy(sy.data(), y.data(), y.size());
        OPENSSL_cleanse(y.data(), y.size());
        if (sy.size() != kSecretBytes) throw Error(Errc::malformed, "cannot read " + what + ": a share has the wrong size");
        out.shares.emplace_back(get_string(s, "package_sha256", what), std::move(sy));
    }
    return out;
}

namespace {

struct OpenedKey {
    std::unique_ptr<Signer> signer;
    ossl::X509Ptr cert;
    EVP_PKEY* pkey = nullptr;
};

OpenedKey open_decryption_key(const KeyOptions& ko, const std::string& what) {
    OpenedKey k;
    k.signer = open_signer(ko);
    const auto der = k.signer->certificate();
    if (!der)
        throw Error(Errc::cert_not_found, "no certificate for " + what + " " + k.signer->location(),
                    "give --cert, or store the certificate on the token with the key's id");
    k.cert = ossl::d2i_exact<X509, X509_free>(d2i_X509, *der);
    if (!k.cert) throw Error(Errc::malformed, "cannot read the certificate of " + what);
    k.pkey = tender::private_key_of(*k.signer);
    return k;
}

std::string names_of(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
}

/// The stored package and receipt of a listed package (empty when absent).
struct Stored {
    bool found = false;
    Bytes package, receipt;
    std::string bidder_cert_sha256;
};

Stored stored(db::Db& db, const std::string& sha) {
    Stored s;
    auto st = db.prepare("SELECT package, receipt, bidder_cert_sha256 FROM packages WHERE package_sha256 = ?");
    st.bind(1, sha);
    if (st.step()) {
        s.found = true;
        s.package = st.blob(0);
        s.receipt = st.blob(1);
        s.bidder_cert_sha256 = st.text(2);
    }
    return s;
}

void append_json_string(std::string& out, const std::string& s) { out += json(s).dump(); }

}  // namespace

const char* to_string(BidVerdict v) {
    switch (v) {
    case BidVerdict::opened: return "opened";
    case BidVerdict::signature_invalid: return "signature_invalid";
    case BidVerdict::signer_mismatch: return "signer_mismatch";
    case BidVerdict::tampered: return "tampered";
    case BidVerdict::late: return "late";
    case BidVerdict::receipt_invalid: return "receipt_invalid";
    case BidVerdict::missing: return "missing";
    case BidVerdict::not_in_list: return "not_in_list";
    case BidVerdict::superseded: return "superseded";
    case BidVerdict::shares_missing: return "shares_missing";
    case BidVerdict::shares_invalid: return "shares_invalid";
    }
    return "missing";
}

TenderUnsealResult tender_unseal(const TenderDescriptor& t, const TenderUnsealOptions& o) {
    tender::require_envelope(t, o.envelope);
    if (o.to_cert_file.empty())
        throw Error(Errc::usage, "no session certificate given: the shares are sealed to it", "use --to CERT");
    const std::string swhat = "session certificate '" + o.to_cert_file + "'";
    const ossl::X509Ptr session =
        detail::parse_certificate(detail::read_input_limited(o.to_cert_file, detail::kMaxCertificateFileBytes, swhat), swhat);
    const Bytes session_der = ossl::to_der(session.get(), i2d_X509);
    const TenderList list =
        verify_tender_list(t, read_file_limited(o.list_path, std::size_t{256} << 20, "closing list"), o.chain);
    tender::Store store(o.state_dir, false);

    OpenedKey key = open_decryption_key(o.member_key, "the member key");
    const std::string cert_hash = tender::sha256_hex(ossl::to_der(key.cert.get(), i2d_X509));
    const TenderMember* member = nullptr;
    for (const auto& m : t.members)
        if (m.cert_sha256 == cert_hash) member = &m;
    if (member == nullptr)
        throw Error(Errc::not_valid, "refusing to unseal: " + ossl::name_to_utf8(X509_get_subject_name(key.cert.get())) +
                                         " is not a member of tender " + t.id + "'s commission");

    TenderUnsealResult res;
    res.member = member->index;
    res.member_name = member->name;
    // The share set is built in one buffer that is wiped when it goes: it holds the shares in base64.
    struct Wiped {
        std::string s;
        ~Wiped() { OPENSSL_cleanse(s.data(), s.size()); }
    } text;
    std::size_t listed = 0;
    for (const auto& e : list.entries) listed += e.envelope == o.envelope ? 1 : 0;
    text.s.reserve(1024 + listed * 160);
    text.s += "{\"format\":";
    append_json_string(text.s, tender::kShareSetFormat);
    text.s += ",\"tender\":";
    append_json_string(text.s, t.id);
    text.s += ",\"descriptor_sha256\":\"" + t.sha256 + "\",\"envelope\":";
    append_json_string(text.s, o.envelope);
    text.s += ",\"member\":" + std::to_string(member->index) + ",\"member_certificate_sha256\":\"" + member->cert_sha256 +
              "\",\"list_root\":\"" + list.root + "\",\"shares\":[";
    bool first = true;
    for (const auto& e : list.entries) {
        if (e.envelope != o.envelope) continue;
        const Stored s = stored(store.db(), e.package_sha256);
        if (!s.found || tender::sha256_hex(s.package) != e.package_sha256) {
            res.failed.push_back(e.package_sha256);
            continue;
        }
        try {
            // Only a package of this tender and this envelope, signed by its bidder, gives up a share:
            // a package of envelope B, or of another tender, slipped into the store must not.
            const TenderPackageInfo info = check_tender_package(t, s.package, o.chain);
            if (info.envelope != o.envelope) throw Error(Errc::not_valid, "the package is for envelope " + info.envelope);
            const tender::Package p = tender::parse_package(tender::content_of(s.package, "the package"));
            const tender::Package::Share* mine = nullptr;
            for (const auto& sh : p.shares)
                if (sh.member == member->index && ossl::hex(sh.cert_hash) == member->cert_sha256) mine = &sh;
            if (mine == nullptr) throw Error(Errc::not_valid, "no share for this member");
            const SecretBytes y = tender::unseal_with(mine->sealed, key.pkey, key.cert.get(), 64, "the share");
            if (y.size() != tender::kSecretBytes) throw Error(Errc::not_valid, "the share has the wrong size");
            std::string b64 = tender::base64(std::span<const std::uint8_t>(y.data(), y.size()));
            text.s += first ? "" : ",";
            text.s += "{\"package_sha256\":\"" + e.package_sha256 + "\",\"y\":\"" + b64 + "\"}";
            OPENSSL_cleanse(b64.data(), b64.size());
            first = false;
            ++res.shares;
        } catch (const Error& err) {
            if (err.code() == Errc::pin_incorrect || exit_code_for(err.code()) == ExitCode::key) throw;
            res.failed.push_back(e.package_sha256);
        }
    }
    text.s += "]}\n";
    res.der = tender::seal_to(std::span(reinterpret_cast<const std::uint8_t*>(text.s.data()), text.s.size()), session_der);
    return res;
}

// ---------------------------------------------------------------------------------------------

TenderOpening tender_open(const TenderDescriptor& t, const TenderOpenOptions& o) {
    tender::require_envelope(t, o.envelope);
    const TenderList list =
        verify_tender_list(t, read_file_limited(o.list_path, std::size_t{256} << 20, "closing list"), o.chain);
    tender::Store store(o.state_dir, false);
    OpenedKey session = open_decryption_key(o.session_key, "the session key");

    TenderOpening op;
    op.tender_id = t.id;
    op.title = t.title;
    op.envelope = o.envelope;
    op.threshold = t.threshold;
    op.list_root = list.root;
    op.opened_at = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();

    // The share sets: package hash -> member index -> share.
    std::map<std::string, std::map<int, SecretBytes>> shares;
    std::set<int> present;
    for (const auto& f : o.share_files) {
        const std::string what = "share set '" + f + "'";
        const Bytes der = read_file_limited(f, tender::kMaxDescriptorBytes, what);
        const SecretBytes plain = tender::unseal_with(der, session.pkey, session.cert.get(), tender::kMaxDescriptorBytes, what);
        tender::ShareSet set =
            tender::read_share_set(std::span<const std::uint8_t>(plain.data(), plain.size()), t, o.envelope, list.root, what);
        if (!present.insert(set.member).second) {
            // The same member twice counts once, and only when both sets say the same: a set anyone
            // could have sealed to the session's certificate never silently replaces another.
            std::size_t same = 0;
            for (auto& [pkg, y] : set.shares) {
                auto it = shares.find(pkg);
                auto jt = it == shares.end() ? decltype(it->second.end()){} : it->second.find(set.member);
                if (it == shares.end() || jt == it->second.end() || jt->second.size() != y.size() ||
                    CRYPTO_memcmp(jt->second.data(), y.data(), y.size()) != 0)
                    throw Error(Errc::not_valid, "refusing " + what + ": member " + std::to_string(set.member) +
                                                     " has two different share sets; keep the one the member made");
                ++same;
            }
            std::size_t before = 0;
            for (const auto& [pkg, m] : shares) before += m.count(set.member);
            if (same != before)
                throw Error(Errc::not_valid, "refusing " + what + ": member " + std::to_string(set.member) +
                                                 " has two different share sets; keep the one the member made");
            continue;
        }
        for (auto& [pkg, y] : set.shares) shares[pkg].emplace(set.member, std::move(y));
    }
    for (const auto& m : t.members)
        if (present.count(m.index))
            op.members_present.push_back(m.name);
        else
            op.members_needed.push_back(m.name);
    op.opened = static_cast<int>(present.size()) >= t.threshold;

    // Every listed package is checked against its receipt and the receipt against its list entry;
    // what decides (envelope, bidder, time, order) comes from the bidder's signed package and the
    // portal's timestamped receipt, never from the list's text alone.
    struct Bid {
        const TenderListEntry* entry = nullptr;
        Stored stored;
        BidReport report;
        bool verified = false;           // package and receipt check out and match the entry
        std::string bidder_cert_sha256;  // from the bidder's signature
    };
    std::vector<Bid> bids;
    std::set<std::string> listed;
    for (const auto& e : list.entries) {
        listed.insert(e.package_sha256);
        Bid bid;
        bid.entry = &e;
        BidReport& b = bid.report;
        b.seq = e.seq;
        b.bidder = e.bidder;
        b.envelope = e.envelope;
        b.package_sha256 = e.package_sha256;
        b.receipt_time = e.time;
        bid.stored = stored(store.db(), e.package_sha256);
        const Stored& st = bid.stored;
        auto set = [&b](BidVerdict v, std::string d) {
            b.verdict = v;
            b.detail = std::move(d);
        };
        if (!st.found) {
            set(BidVerdict::missing, "listed at closing, but not in the portal's store");
        } else if (tender::sha256_hex(st.package) != e.package_sha256) {
            set(BidVerdict::tampered, "the stored package is not the one received (SHA-256 differs)");
        } else {
            try {
                const TenderPackageInfo info = check_tender_package(t, st.package, o.chain);
                b.envelope = info.envelope;  // the bidder's word, signed
                b.bidder = info.bidder;
                bid.bidder_cert_sha256 = info.bidder_cert_sha256;
                try {
                    if (ossl::hex(tender::merkle_leaf(st.receipt)) != e.leaf_hash)
                        throw Error(Errc::not_valid, "the stored receipt is not the one in the closing list");
                    const TenderReceiptInfo r = verify_tender_receipt(t, st.receipt, &st.package, o.chain);
                    if (r.seq != e.seq || r.envelope != e.envelope || r.bidder != e.bidder || r.time != e.time ||
                        r.package_sha256 != e.package_sha256)
                        throw Error(Errc::not_valid, "the closing list's entry does not say what its receipt says");
                    if (r.envelope != info.envelope || r.bidder_cert_sha256 != info.bidder_cert_sha256)
                        throw Error(Errc::not_valid, "the receipt does not describe the package (envelope or bidder)");
                    b.receipt_time = r.time;
                    bid.verified = true;
                } catch (const Error& err) {
                    if (err.code() == Errc::closed) set(BidVerdict::late, err.what());
                    else set(BidVerdict::receipt_invalid, err.what());
                }
            } catch (const Error& err) {
                if (b.verdict == BidVerdict::missing) set(BidVerdict::tampered, err.what());
            }
        }
        if (b.envelope == o.envelope) bids.push_back(std::move(bid));
    }
    // A later package (by time, then receipt number) from the same certificate supersedes.
    for (auto& bid : bids) {
        if (!bid.verified) continue;
        for (const auto& other : bids)
            if (&other != &bid && other.verified && other.bidder_cert_sha256 == bid.bidder_cert_sha256 &&
                std::pair(other.report.receipt_time, other.report.seq) > std::pair(bid.report.receipt_time, bid.report.seq)) {
                bid.report.verdict = BidVerdict::superseded;
                bid.report.detail = "the bidder sent a later package for envelope " + bid.report.envelope + " (receipt #" +
                                    std::to_string(other.report.seq) + ")";
                bid.verified = false;
                break;
            }
    }

    if (!o.extract_dir.empty()) {
        // A folder only the opener can enter: nobody can plant or read a file there.
        std::error_code ec;
        const auto st = std::filesystem::symlink_status(o.extract_dir, ec);
        if (!ec && st.type() != std::filesystem::file_type::not_found &&
            (st.type() != std::filesystem::file_type::directory ||
             (st.permissions() & (std::filesystem::perms::group_all | std::filesystem::perms::others_all)) != std::filesystem::perms::none))
            throw Error(Errc::usage, "refusing --extract '" + o.extract_dir + "': it must be a folder only its owner can enter (mode 0700), not a link",
                        "give a new folder: tsign creates it 0700");
        detail::make_private_dir(o.extract_dir, false);
    }
    for (auto& bid : bids) {
        BidReport& b = bid.report;
        auto set = [&b](BidVerdict v, std::string d) {
            b.verdict = v;
            b.detail = std::move(d);
        };
        const TenderListEntry& e = *bid.entry;
        const Stored& s = bid.stored;
        if (bid.verified && b.receipt_time > t.deadline) {
            set(BidVerdict::late, "received at " + format_iso8601(b.receipt_time) + ", after the deadline " + format_iso8601(t.deadline));
        } else if (bid.verified) {
            {
                auto it = shares.find(e.package_sha256);
                const std::size_t have = it == shares.end() ? 0 : it->second.size();
                if (!op.opened || have < static_cast<std::size_t>(t.threshold)) {
                    set(BidVerdict::shares_missing, std::to_string(have) + " of " + std::to_string(t.threshold) + " shares");
                } else {
                    // Any k shares recover the secret; if a share set was forged, try the other subsets.
                    const tender::Package p = tender::parse_package(tender::content_of(s.package, "the package"));
                    detail::CmsPtr cms = detail::parse_cms(p.payload, "the payload");
                    std::vector<std::pair<int, const SecretBytes*>> all;
                    for (auto& [x, y] : it->second) all.emplace_back(x, &y);
                    std::vector<bool> pick(all.size(), false);
                    std::fill(pick.begin(), pick.begin() + t.threshold, true);
                    bool unwrapped = false;
                    do {
                        std::vector<unsigned char> xs;
                        std::vector<const SecretBytes*> ys;
                        for (std::size_t q = 0; q < all.size(); ++q)
                            if (pick[q]) {
                                xs.push_back(static_cast<unsigned char>(all[q].first));
                                ys.push_back(all[q].second);
                            }
                        const SecretBytes kek = tender::shamir_combine(xs, ys);
                        if (CMS_decrypt_set1_key(cms.get(), const_cast<unsigned char*>(kek.data()), kek.size(), nullptr, 0) == 1)
                            unwrapped = true;
                        ERR_clear_error();
                    } while (!unwrapped && std::prev_permutation(pick.begin(), pick.end()));
                    if (!unwrapped) {
                        set(BidVerdict::shares_invalid, "no " + std::to_string(t.threshold) + " of the shares recover the key");
                    } else {
                        ossl::BioPtr out(BIO_new(BIO_s_secmem()));
                        if (CMS_decrypt(cms.get(), nullptr, nullptr, nullptr, out.get(), CMS_BINARY) != 1) {
                            ERR_clear_error();
                            set(BidVerdict::tampered,
                                "the payload does not decrypt: its authentication tag fails (the ciphertext was altered)");
                        } else {
                            Bytes inner = ossl::bio_bytes(out.get());
                            VerifyOptions vo;
                            vo.chain = o.chain;
                            const VerifyReport rep = verify_signature(inner, vo);
                            Bytes doc;
                            try {
                                doc = tender::content_of(inner, "the bid");
                            } catch (const Error&) {}
                            b.document_sha256 = tender::sha256_hex(doc);
                            b.document_size = static_cast<std::int64_t>(doc.size());
                            const std::string inner_cert =
                                rep.signers.size() == 1 ? tender::sha256_hex(rep.signers.front().certificate) : std::string();
                            if (!rep.valid || rep.signers.size() != 1) {
                                set(BidVerdict::signature_invalid, rep.signers.empty() || rep.signers.front().errors.empty()
                                                                       ? "the bidder's signature does not verify"
                                                                       : rep.signers.front().errors.front());
                            } else if (inner_cert != bid.bidder_cert_sha256) {
                                set(BidVerdict::signer_mismatch, "the bid is signed by " + rep.signers.front().subject +
                                                                     ", not by the bidder who submitted it");
                            } else {
                                set(BidVerdict::opened, "");
                            }
                            if (!o.extract_dir.empty() && b.verdict == BidVerdict::opened) {
                                const std::string path =
                                    (std::filesystem::path(o.extract_dir) /
                                     (std::to_string(e.seq) + "-" + e.envelope + "-" + e.package_sha256.substr(0, 16) + ".bin"))
                                        .string();
                                write_file_atomic(path, doc, WriteOptions{false, 0600});
                                b.extracted_path = path;
                            }
                            OPENSSL_cleanse(inner.data(), inner.size());
                            OPENSSL_cleanse(doc.data(), doc.size());
                        }
                    }
                }
            }
        }
        op.bids.push_back(std::move(b));
    }
    // Packages in the store of this envelope that the closing list does not name: reported, never opened.
    auto st = store.db().prepare("SELECT seq, package_sha256, bidder, time FROM packages WHERE envelope = ? ORDER BY seq");
    st.bind(1, o.envelope);
    while (st.step()) {
        if (listed.count(st.text(1))) continue;
        BidReport b;
        b.seq = st.int64(0);
        b.package_sha256 = st.text(1);
        b.bidder = st.text(2);
        b.receipt_time = st.int64(3);
        b.envelope = o.envelope;
        b.verdict = BidVerdict::not_in_list;
        b.detail = "in the portal's store but not in the closing list: not opened";
        op.bids.push_back(std::move(b));
    }
    return op;
}

std::string TenderOpening::minutes(bool jalali) const {
    std::string m;
    m += "صورتجلسه بازگشایی پاکت " + envelope + " — Opening minutes, envelope " + envelope + "\n\n";
    m += "Tender: " + tender_id + " — " + title + "\n";
    m += "Opened at: " + format_human(opened_at, jalali) + "\n";
    m += "Closing list root (RFC 9162 SHA-256): " + list_root + "\n";
    m += "Threshold: " + std::to_string(threshold) + " members\n";
    m += "Members whose shares were used: " + names_of(members_present) + "\n";
    if (!opened)
        m += "NOT OPENED: fewer than " + std::to_string(threshold) + " members; still needed from: " + names_of(members_needed) +
             "\n";
    m += "\nBids (" + std::to_string(bids.size()) + "):\n";
    int n = 0;
    for (const auto& b : bids) {
        ++n;
        m += std::to_string(n) + ". receipt #" + std::to_string(b.seq) + " — " + b.bidder + "\n";
        m += "   received: " + format_human(b.receipt_time, jalali) + "\n";
        m += "   package SHA-256: " + b.package_sha256 + "\n";
        if (!b.document_sha256.empty() && b.verdict == BidVerdict::opened)
            m += "   document SHA-256: " + b.document_sha256 + " (" + std::to_string(b.document_size) + " bytes)\n";
        m += "   verdict: " + std::string(to_string(b.verdict)) + (b.detail.empty() ? "" : " — " + b.detail) + "\n";
    }
    std::map<std::string, int> counts;
    for (const auto& b : bids) counts[to_string(b.verdict)]++;
    m += "\nSummary:";
    for (const auto& [k, v] : counts) m += " " + k + " " + std::to_string(v) + ";";
    m += "\n";
    return m;
}

std::string TenderOpening::to_json() const {
    json bs = json::array();
    for (const auto& b : bids) {
        json x = {{"seq", b.seq},
                  {"bidder", b.bidder},
                  {"envelope", b.envelope},
                  {"package_sha256", b.package_sha256},
                  {"receipt_time", format_iso8601(b.receipt_time)},
                  {"verdict", to_string(b.verdict)},
                  {"detail", b.detail}};
        if (b.verdict == BidVerdict::opened) {
            x["document_sha256"] = b.document_sha256;
            x["document_size"] = b.document_size;
        }
        if (!b.extracted_path.empty()) x["extracted"] = b.extracted_path;
        bs.push_back(std::move(x));
    }
    json j = {{"tender", tender_id},
              {"envelope", envelope},
              {"opened", opened},
              {"threshold", threshold},
              {"members_present", members_present},
              {"members_needed", opened ? std::vector<std::string>{} : members_needed},
              {"list_root", list_root},
              {"opened_at", format_iso8601(opened_at)},
              {"bids", bs}};
    return j.dump(2);
}

}  // namespace tsign
