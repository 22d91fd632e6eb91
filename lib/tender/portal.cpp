// The portal's side: receiving a package (checked, timestamped, stored in one transaction, answered
// with a signed receipt), verifying receipts, closing (the signed, timestamped RFC 9162 Merkle root
// of every receipt), verifying the closing list and a receipt's inclusion in it.
#include <algorithm>
#include <set>

#include "tender/tender_impl.hpp"
#include "tsign/cms.hpp"
#include "tsign/error.hpp"
#include "tsign/time.hpp"
#include "tsign/tsp.hpp"

namespace tsign {

namespace {

using tender::json;

std::span<const std::uint8_t> text_bytes(const std::string& s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

bool is_closed(db::Db& db) {
    auto st = db.prepare("SELECT 1 FROM tender WHERE k = 'list'");
    return st.step();
}

TenderReceiptInfo receipt_from_row(db::Stmt& st) {
    // seq, envelope, bidder, bidder_cert_sha256, time, receipt, package_sha256
    TenderReceiptInfo r;
    r.seq = st.int64(0);
    r.envelope = st.text(1);
    r.bidder = st.text(2);
    r.bidder_cert_sha256 = st.text(3);
    r.time = st.int64(4);
    r.der = st.blob(5);
    r.package_sha256 = st.text(6);
    return r;
}

}  // namespace

TenderReceiptInfo tender::parse_receipt_content(const Bytes& content, const std::string& what, Bytes* token,
                                                std::string* descriptor_sha256) {
    const json j = parse_document(content, kReceiptFormat, what);
    TenderReceiptInfo r;
    r.tender_id = get_string(j, "tender", what);
    r.envelope = get_string(j, "envelope", what);
    r.bidder = get_string(j, "bidder", what);
    r.bidder_cert_sha256 = get_string(j, "bidder_certificate_sha256", what);
    r.package_sha256 = get_string(j, "package_sha256", what);
    r.time = parse_iso8601(get_string(j, "time", what));
    r.seq = get_int(j, "seq", what);
    if (token != nullptr) *token = get_base64(j, "timestamp", what);
    const std::string dh = get_string(j, "descriptor_sha256", what);
    if (descriptor_sha256 != nullptr) *descriptor_sha256 = dh;
    return r;
}

TenderReceiptInfo tender_receive(const TenderDescriptor& t, Signer& portal, const Bytes& package, const TenderPortalOptions& o) {
    tender::check_portal_key(t, portal);
    tender::Store store(o.state_dir, true);
    const std::int64_t now = tender::now_of(o);
    auto find = [&](const std::string& sha) -> std::optional<TenderReceiptInfo> {
        auto st = store.db().prepare(
            "SELECT seq, envelope, bidder, bidder_cert_sha256, time, receipt, package_sha256 FROM packages WHERE package_sha256 "
            "= ?");
        st.bind(1, sha);
        if (!st.step()) return std::nullopt;
        TenderReceiptInfo r = receipt_from_row(st);
        r.tender_id = t.id;
        r.duplicate = true;
        return r;
    };
    // A retry of a package received before (its answer lost, the portal killed): its first
    // receipt, also after the deadline and after closing.
    if (auto r = find(tender::sha256_hex(package))) return *r;
    if (is_closed(store.db())) throw Error(Errc::closed, "refusing the package: tender " + t.id + " is closed");
    if (now > t.deadline)
        throw Error(Errc::closed, "refusing the package: the deadline (" + format_iso8601(t.deadline) + ") has passed");
    const TenderPackageInfo info = check_tender_package(t, package, o.chain);

    // The proof of time, before anything is stored: a package timestamped after the deadline is refused.
    const Bytes digest = ossl::unhex(info.sha256);
    TimestampOptions to;
    to.urls = t.tsa_urls;
    to.timeout_seconds = o.tsa_timeout_seconds;
    const Bytes token = token_of_response(request_timestamp(digest, to));
    const TimestampReport ts = verify_timestamp(token, digest, o.chain);
    if (!ts.valid)
        throw Error(Errc::network,
                    "the TSA's timestamp does not verify: " + (ts.errors.empty() ? std::string("?") : ts.errors.front()));
    if (ts.time > t.deadline)
        throw Error(Errc::closed, "refusing the package: its timestamp (" + format_iso8601(ts.time) +
                                      ") is after the deadline (" + format_iso8601(t.deadline) + ")");

    db::Transaction tx(store.db());
    if (is_closed(store.db())) throw Error(Errc::closed, "refusing the package: tender " + t.id + " is closed");
    if (auto r = find(info.sha256)) return *r;  // the same package, received meanwhile
    std::int64_t seq = 1;
    {
        auto st = store.db().prepare("SELECT COALESCE(MAX(seq), 0) + 1 FROM packages");
        if (st.step()) seq = st.int64(0);
    }
    const json j = {{"format", tender::kReceiptFormat},
                    {"tender", t.id},
                    {"descriptor_sha256", t.sha256},
                    {"seq", seq},
                    {"envelope", info.envelope},
                    {"bidder", info.bidder},
                    {"bidder_certificate_sha256", info.bidder_cert_sha256},
                    {"package_sha256", info.sha256},
                    {"time", format_iso8601(ts.time)},
                    {"timestamp", tender::base64(token)}};
    const std::string text = j.dump(2) + "\n";
    TenderReceiptInfo r;
    r.der = tender::sign_attached(portal, text_bytes(text), {}, {}, 10, "signing the receipt");
    store.db()
        .prepare(
            "INSERT INTO packages(seq, package_sha256, envelope, bidder, bidder_cert_sha256, time, received_at, receipt, package)"
            " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(1, seq)
        .bind(2, info.sha256)
        .bind(3, info.envelope)
        .bind(4, info.bidder)
        .bind(5, info.bidder_cert_sha256)
        .bind(6, ts.time)
        .bind(7, now)
        .bind(8, r.der)
        .bind(9, package)
        .run();
    tx.commit();
    r.tender_id = t.id;
    r.envelope = info.envelope;
    r.bidder = info.bidder;
    r.bidder_cert_sha256 = info.bidder_cert_sha256;
    r.package_sha256 = info.sha256;
    r.time = ts.time;
    r.seq = seq;
    return r;
}

TenderReceiptInfo verify_tender_receipt(const TenderDescriptor& t, const Bytes& receipt, const Bytes* package,
                                        const ChainOptions& chain) {
    const std::string what = "the receipt";
    if (receipt.size() > tender::kMaxDescriptorBytes) throw Error(Errc::malformed, "cannot read the receipt: larger than 4 MiB");
    const Bytes content = tender::verify_pinned(receipt, t.portal_certificate, what);
    Bytes token;
    std::string descriptor_sha256;
    TenderReceiptInfo r = tender::parse_receipt_content(content, what, &token, &descriptor_sha256);
    if (r.tender_id != t.id) throw Error(Errc::not_valid, "the receipt is for tender '" + r.tender_id + "', not '" + t.id + "'");
    if (descriptor_sha256 != t.sha256) throw Error(Errc::not_valid, "the receipt names another version of the tender descriptor");
    if (package != nullptr && tender::sha256_hex(*package) != r.package_sha256)
        throw Error(Errc::not_valid, "the receipt is for another package (SHA-256 " + r.package_sha256 + ")");
    const Bytes digest = ossl::unhex(r.package_sha256);
    if (digest.size() != 32) throw Error(Errc::malformed, "cannot read the receipt: the package hash is not SHA-256");
    const TimestampReport ts = verify_timestamp(token, digest, chain);
    if (!ts.valid)
        throw Error(Errc::not_valid,
                    "the receipt's timestamp does not verify: " + (ts.errors.empty() ? std::string("?") : ts.errors.front()));
    if (ts.time != r.time) throw Error(Errc::not_valid, "the receipt's time is not its timestamp's time");
    if (ts.time > t.deadline)
        throw Error(Errc::not_valid, "the receipt's time (" + format_iso8601(ts.time) + ") is after the deadline (" +
                                         format_iso8601(t.deadline) + ")");
    r.der = receipt;
    return r;
}

Bytes tender_close(const TenderDescriptor& t, Signer& portal, const TenderPortalOptions& o) {
    tender::check_portal_key(t, portal);
    tender::Store store(o.state_dir, false);  // a mistyped folder must not close an empty tender
    {
        auto st = store.db().prepare("SELECT v FROM tender WHERE k = 'list'");
        if (st.step()) return st.blob(0);  // closed before: the same list
    }
    const std::int64_t now = tender::now_of(o);
    if (now < t.deadline)
        throw Error(Errc::usage, "cannot close tender " + t.id + " before its deadline (" + format_iso8601(t.deadline) + ")");
    // One write transaction: no package can slip in between the list and the closing mark.
    db::Transaction tx(store.db());
    json entries = json::array();
    std::vector<Bytes> leaves;
    auto st = store.db().prepare(
        "SELECT seq, envelope, bidder, bidder_cert_sha256, time, receipt, package_sha256 FROM packages ORDER BY seq");
    while (st.step()) {
        const TenderReceiptInfo r = receipt_from_row(st);
        const Bytes leaf = tender::merkle_leaf(r.der);
        leaves.push_back(leaf);
        entries.push_back({{"seq", r.seq},
                           {"envelope", r.envelope},
                           {"bidder", r.bidder},
                           {"time", format_iso8601(r.time)},
                           {"package_sha256", r.package_sha256},
                           {"receipt_sha256", tender::sha256_hex(r.der)},
                           {"leaf_hash", ossl::hex(leaf)}});
    }
    const json j = {{"format", tender::kListFormat},
                    {"tender", t.id},
                    {"descriptor_sha256", t.sha256},
                    {"closed_at", format_iso8601(now)},
                    {"tree_size", leaves.size()},
                    {"root", ossl::hex(tender::merkle_root(leaves))},
                    {"entries", entries}};
    const std::string text = j.dump(2) + "\n";
    Bytes list =
        tender::sign_attached(portal, text_bytes(text), {}, t.tsa_urls, o.tsa_timeout_seconds, "signing the closing list");
    (void)verify_tender_list(t, list, o.chain);  // a list that does not verify (a clock ahead of the TSA's) is never kept
    store.db().prepare("INSERT INTO tender(k, v) VALUES('list', ?)").bind(1, list).run();
    tx.commit();
    return list;
}

TenderList verify_tender_list(const TenderDescriptor& t, const Bytes& list, const ChainOptions& chain) {
    const std::string what = "the closing list";
    if (list.size() > std::size_t{256} << 20) throw Error(Errc::malformed, "cannot read the closing list: larger than 256 MiB");
    const Bytes content = tender::verify_pinned(list, t.portal_certificate, what);
    // Its signature timestamp, and the portal's certificate, as `verify` checks them.
    VerifyOptions vo;
    vo.chain = chain;
    const VerifyReport rep = verify_signature(list, vo);
    if (!rep.valid || rep.signers.size() != 1)
        throw Error(Errc::not_valid,
                    "the closing list's signature is not valid: " + (rep.signers.empty() || rep.signers.front().errors.empty()
                                                                         ? std::string("see tsign verify")
                                                                         : rep.signers.front().errors.front()));
    if (!rep.signers.front().timestamp_time) throw Error(Errc::not_valid, "the closing list carries no signature timestamp");
    if (*rep.signers.front().timestamp_time < t.deadline)
        throw Error(Errc::not_valid, "the closing list was timestamped at " + format_iso8601(*rep.signers.front().timestamp_time) +
                                         ", before the deadline (" + format_iso8601(t.deadline) + ")");
    const json j = tender::parse_document(content, tender::kListFormat, what);
    TenderList out;
    out.tender_id = tender::get_string(j, "tender", what);
    if (out.tender_id != t.id)
        throw Error(Errc::not_valid, "the closing list is for tender '" + out.tender_id + "', not '" + t.id + "'");
    if (tender::get_string(j, "descriptor_sha256", what) != t.sha256)
        throw Error(Errc::not_valid, "the closing list names another version of the tender descriptor");
    out.closed_at = parse_iso8601(tender::get_string(j, "closed_at", what));
    if (out.closed_at < t.deadline) throw Error(Errc::not_valid, "the closing list says it was closed before the deadline");
    out.timestamp_time = *rep.signers.front().timestamp_time;
    out.root = tender::get_string(j, "root", what);
    std::vector<Bytes> leaves;
    std::set<std::string> seen;
    std::int64_t last = 0;
    for (const auto& e : tender::get_array(j, "entries", what)) {
        if (!e.is_object()) throw Error(Errc::malformed, "cannot read the closing list: an entry is not an object");
        TenderListEntry le;
        le.seq = tender::get_int(e, "seq", what);
        le.envelope = tender::get_string(e, "envelope", what);
        le.bidder = tender::get_string(e, "bidder", what);
        le.time = parse_iso8601(tender::get_string(e, "time", what));
        le.package_sha256 = tender::get_string(e, "package_sha256", what);
        le.receipt_sha256 = tender::get_string(e, "receipt_sha256", what);
        le.leaf_hash = tender::get_string(e, "leaf_hash", what);
        if (le.seq <= last) throw Error(Errc::not_valid, "the closing list's entries are not in order");
        last = le.seq;
        if (!seen.insert(le.package_sha256).second) throw Error(Errc::not_valid, "the closing list names a package twice");
        const Bytes leaf = ossl::unhex(le.leaf_hash);
        if (leaf.size() != 32) throw Error(Errc::malformed, "cannot read the closing list: a leaf hash is not SHA-256");
        leaves.push_back(leaf);
        out.entries.push_back(std::move(le));
    }
    if (tender::get_int(j, "tree_size", what) != static_cast<std::int64_t>(leaves.size()))
        throw Error(Errc::not_valid, "the closing list's tree size is not its number of entries");
    if (ossl::hex(tender::merkle_root(leaves)) != out.root)
        throw Error(Errc::not_valid, "the closing list's root is not the Merkle tree hash of its entries");
    return out;
}

TenderInclusion verify_tender_inclusion(const TenderList& list, const Bytes& receipt) {
    const Bytes leaf = tender::merkle_leaf(receipt);
    const std::string leaf_hex = ossl::hex(leaf);
    std::vector<Bytes> leaves;
    std::optional<std::size_t> index;
    for (std::size_t i = 0; i < list.entries.size(); ++i) {
        leaves.push_back(ossl::unhex(list.entries[i].leaf_hash));
        if (list.entries[i].leaf_hash == leaf_hex) index = i;
    }
    if (!index) throw Error(Errc::not_valid, "the receipt is not in the closing list (leaf hash " + leaf_hex + ")");
    const std::vector<Bytes> path = tender::merkle_path(leaves, *index);
    const Bytes root = tender::merkle_root_from_path(*index, leaves.size(), leaf, path);
    if (root.empty() || ossl::hex(root) != list.root)
        throw Error(Errc::not_valid, "the receipt's inclusion proof does not lead to the closing list's root");
    // The entry must say what the receipt says: the list's text is the portal's, the receipt is signed.
    const TenderListEntry& e = list.entries[*index];
    const TenderReceiptInfo r = tender::parse_receipt_content(tender::content_of(receipt, "the receipt"), "the receipt", nullptr);
    if (e.seq != r.seq || e.envelope != r.envelope || e.bidder != r.bidder || e.time != r.time || e.package_sha256 != r.package_sha256 ||
        e.receipt_sha256 != tender::sha256_hex(receipt))
        throw Error(Errc::not_valid, "the closing list's entry for the receipt does not say what the receipt says");
    TenderInclusion inc;
    inc.index = static_cast<std::int64_t>(*index);
    inc.tree_size = static_cast<std::int64_t>(leaves.size());
    inc.leaf_hash = leaf_hex;
    inc.root = list.root;
    for (const auto& p : path) inc.path.push_back(ossl::hex(p));
    inc.entry = list.entries[*index];
    return inc;
}

}  // namespace tsign
