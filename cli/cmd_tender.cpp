// tsign tender init|show|seal|receive|serve|verify-receipt|close|verify-list|unseal|open
#include <iostream>

#include "common.hpp"
#include "tsign/io.hpp"
#include "tsign/tender.hpp"
#include "tsign/time.hpp"

namespace tsign::cli {

namespace {

/// --tender FILE plus the chain flags that check its office signature (and everything else).
struct TenderFlags {
    std::string tender;
    ChainFlags chain;
    void add_to(CLI::App* app) {
        app->add_option("--tender", tender, "the signed tender descriptor (tender init)")->required();
        chain.add_to(app, true);
    }
    TenderDescriptor load() const {
        return load_tender_descriptor(read_file_limited(tender, std::size_t{4} << 20, "tender descriptor"), chain.options());
    }
};

json receipt_json(const TenderReceiptInfo& r) {
    return {{"tender", r.tender_id},
            {"seq", r.seq},
            {"envelope", r.envelope},
            {"bidder", r.bidder},
            {"package_sha256", r.package_sha256},
            {"time", format_iso8601(r.time)},
            {"duplicate", r.duplicate}};
}

const char* kTenderExits =
    "  0  success\n  1  refused or not valid (a late or closed tender, a bad signature, a receipt or list that does not verify)\n"
    "  2  usage error\n  3  input error (missing, malformed or unsupported data)\n  4  key or token error\n"
    "  5  network error (the TSA or the portal cannot be reached)\n  6  internal error\n";

}  // namespace

void register_tender_commands(CLI::App& app, Globals& g) {
    auto* tender =
        app.add_subcommand("tender", "sealed tender envelopes A and B: init, seal, receive/serve, close, unseal, open");
    tender->require_subcommand(1);
    tender->footer(
        footer("  tsign tender init --id T-1405-017 --title 'مناقصه' --deadline 2026-12-20T10:00:00Z --tsa http://tsa/ \\\n"
               "       --member m1-enc.crt --member m2-enc.crt --member m3-enc.crt --threshold 2 --portal-cert portal.crt \\\n"
               "       --key office.key --cert office.crt --out tender.p7s\n"
               "  tsign tender seal --tender tender.p7s --trust root.crt --envelope A --key 'pkcs11:token=bidder' bid-A.pdf \\\n"
               "       --out bid-A.pkg --submit http://portal:8443/submit --receipt bid-A.receipt\n"
               "  tsign tender close --tender tender.p7s --trust root.crt --state portal --key portal.key --cert portal.crt "
               "--out list.p7s\n"
               "  tsign tender unseal --tender tender.p7s --trust root.crt --state portal --list list.p7s --envelope A \\\n"
               "       --key 'pkcs11:token=m1;object=enc' --to session.crt --out m1-A.shares\n"
               "  tsign tender open --tender tender.p7s --trust root.crt --state portal --list list.p7s --envelope A \\\n"
               "       --key session.key --cert session.crt --shares m1-A.shares --shares m3-A.shares --out minutes-A.txt\n",
               kTenderExits));

    // init -------------------------------------------------------------------------------------
    struct InitArgs {
        KeyFlags key;
        std::string id, title, deadline, portal, out;
        std::vector<std::string> tsa, members, chain;
        std::vector<std::string> envelopes{"A", "B"};
        int threshold = 0;
        bool force = false;
    };
    auto i = std::make_shared<InitArgs>();
    auto* init = tender->add_subcommand("init", "the procurement office writes and signs the tender descriptor");
    i->key.add_to(init);
    init->add_option("--id", i->id, "the tender's identifier")->required();
    init->add_option("--title", i->title, "the tender's title (UTF-8)");
    init->add_option("--deadline", i->deadline, "no bid timestamped after it is received: YYYY-MM-DDTHH:MM:SSZ")->required();
    init->add_option("--tsa", i->tsa, "TSA URL the portal timestamps receipts with (repeatable)")
        ->required()
        ->allow_extra_args(false);
    init->add_option("--envelopes", i->envelopes, "the envelopes (default A,B)")->delimiter(',');
    init->add_option("--member", i->members, "a commission member's encryption certificate, in order (repeatable)")
        ->required()
        ->allow_extra_args(false);
    init->add_option("--threshold", i->threshold, "k: members needed to open (1..members)")->required();
    init->add_option("--portal-cert", i->portal, "the certificate of the portal's receipt-signing key")->required();
    init->add_option("--chain", i->chain, "extra certificates to embed (repeatable)")->allow_extra_args(false);
    init->add_option("--out", i->out, "the descriptor to write (DER SignedData)")->required();
    init->add_flag("--force", i->force, "overwrite an existing file");
    init->callback([i] {
        TenderInitOptions o;
        o.id = i->id;
        o.title = i->title;
        o.deadline = parse_iso8601(i->deadline);
        o.tsa_urls = i->tsa;
        o.envelopes = i->envelopes;
        o.member_cert_files = i->members;
        o.threshold = i->threshold;
        o.portal_cert_file = i->portal;
        o.chain_files = i->chain;
        refuse_existing(i->out, i->force);
        auto signer = open_signer(i->key.options());
        const Bytes d = tender_init(*signer, o);
        write_output(i->out, d, false, "CMS", i->force);
        std::cerr << "wrote tender descriptor " << i->out << " (" << i->members.size() << " members, threshold " << i->threshold
                  << ")\n";
    });

    // show -------------------------------------------------------------------------------------
    struct ShowArgs {
        TenderFlags t;
        bool json = false;
    };
    auto sh = std::make_shared<ShowArgs>();
    auto* show = tender->add_subcommand("show", "check the office's signature on a tender descriptor and print it");
    sh->t.add_to(show);
    show->add_flag("--json", sh->json, "print one JSON document");
    show->callback([sh, &g] {
        const TenderDescriptor d = sh->t.load();
        if (sh->json) {
            std::cout << d.to_json() << std::endl;
            return;
        }
        std::cout << "tender:    " << d.id << " — " << d.title << "\n"
                  << "deadline:  " << format_human(d.deadline, g.jalali()) << "\n"
                  << "office:    " << d.office << "\n"
                  << "threshold: " << d.threshold << " of " << d.members.size() << "\n";
        for (const auto& m : d.members) std::cout << "member " << m.index << ": " << m.name << "\n";
        std::cout << "sha256:    " << d.sha256 << "\n";
    });

    // seal -------------------------------------------------------------------------------------
    struct SealArgs {
        TenderFlags t;
        KeyFlags key;
        std::string envelope, document, out, submit, receipt;
        std::vector<std::string> chain;
        int timeout = 60;
        bool force = false, json = false;
    };
    auto s = std::make_shared<SealArgs>();
    auto* seal = tender->add_subcommand("seal", "a bidder signs and seals one envelope (and, with --submit, sends it)");
    s->t.add_to(seal);
    s->key.add_to(seal);
    seal->add_option("--envelope", s->envelope, "A or B")->required();
    seal->add_option("--out", s->out, "the sealed package to write")->required();
    seal->add_option("--submit", s->submit, "the portal's submit URL: send the package and check its receipt");
    seal->add_option("--receipt", s->receipt, "with --submit: where to write the receipt (default: OUT.receipt)");
    seal->add_option("--timeout", s->timeout, "seconds to wait for the portal (default 60)");
    seal->add_option("--chain", s->chain, "extra certificates to embed (repeatable)")->allow_extra_args(false);
    seal->add_flag("--force", s->force, "overwrite existing files");
    seal->add_flag("--json", s->json, "print the receipt as JSON");
    seal->add_option("DOCUMENT", s->document, "the bid document")->required();
    seal->callback([s] {
        refuse_existing(s->out, s->force);
        if (!s->submit.empty()) refuse_existing(s->receipt.empty() ? s->out + ".receipt" : s->receipt, s->force);
        const TenderDescriptor d = s->t.load();
        auto signer = open_signer(s->key.options());
        TenderSealOptions o;
        o.envelope = s->envelope;
        o.document_path = s->document;
        o.chain_files = s->chain;
        if (s->out == "-") throw Error(Errc::usage, "the package is written to a file", "use --out FILE");
        tender_seal_file(d, *signer, o, s->out, s->force);
        std::cerr << "sealed envelope " << s->envelope << " of tender " << d.id << ": " << s->out << "\n";
        if (s->submit.empty()) return;
        const TenderReceiptInfo r = tender_submit(d, read_file(s->out), s->submit, s->t.chain.options(), s->timeout);
        const std::string rp = s->receipt.empty() ? s->out + ".receipt" : s->receipt;
        write_output(rp, r.der, false, "CMS", s->force);
        if (s->json)
            print_json(receipt_json(r));
        else
            std::cout << "received by the portal: receipt #" << r.seq << " at " << format_iso8601(r.time) << " (" << rp << ")\n";
    });

    // receive ----------------------------------------------------------------------------------
    struct RecvArgs {
        TenderFlags t;
        KeyFlags key;
        std::string state = ".", package, out;
        bool force = false, json = false;
    };
    auto r = std::make_shared<RecvArgs>();
    auto* recv =
        tender->add_subcommand("receive", "the portal receives a package file: checks, timestamps, stores, signs a receipt");
    r->t.add_to(recv);
    r->key.add_to(recv);
    recv->add_option("--state", r->state, "the portal's state folder (tender.db)")->required();
    recv->add_option("--out", r->out, "the receipt to write")->required();
    recv->add_flag("--force", r->force, "overwrite an existing receipt file");
    recv->add_flag("--json", r->json, "print the receipt as JSON");
    recv->add_option("PACKAGE", r->package, "the sealed package")->required();
    recv->callback([r] {
        refuse_existing(r->out, r->force);
        const TenderDescriptor d = r->t.load();
        auto signer = open_signer(r->key.options());
        TenderPortalOptions o;
        o.state_dir = r->state;
        o.chain = r->t.chain.options();
        const TenderReceiptInfo rec = tender_receive(d, *signer, read_file(r->package), o);
        write_output(r->out, rec.der, false, "CMS", r->force);
        if (r->json)
            print_json(receipt_json(rec));
        else
            std::cout << (rec.duplicate ? "already received: receipt #" : "received: receipt #") << rec.seq << " at "
                      << format_iso8601(rec.time) << "\n";
    });

    // serve ------------------------------------------------------------------------------------
    struct ServeArgs {
        TenderFlags t;
        KeyFlags key;
        std::string state = ".", listen = "127.0.0.1:8080";
        std::size_t max_package = std::size_t{128} << 20;
        ServerFlags server;
    };
    auto sv = std::make_shared<ServeArgs>();
    // A bid of 128 MiB takes its time over a slow line: the body may take 5 minutes by default.
    sv->server.limits.body_timeout = 300;
    auto* serve = tender->add_subcommand("serve", "the tender portal over HTTP: POST /submit answers with a signed receipt");
    sv->t.add_to(serve);
    sv->key.add_to(serve);
    serve->add_option("--state", sv->state, "the portal's state folder (tender.db)")->required();
    serve->add_option("--listen", sv->listen, "ADDR:PORT (default 127.0.0.1:8080)");
    serve->add_option("--max-package", sv->max_package, "largest accepted package in bytes (default 128 MiB)");
    sv->server.add_to(serve);
    serve->footer(ServerFlags::help() +
                  footer("  tsign tender serve --tender tender.p7s --trust root.crt --state /var/lib/tsign-tender \\\n"
                         "       --key portal.key --cert portal.crt --listen 127.0.0.1:8443\n",
                         "  0  stopped by SIGINT or SIGTERM\n  2  usage error\n  3  input error\n  4  key or token error\n"
                         "  5  the address cannot be bound\n  6  internal error\n"));
    serve->callback([sv] {
        const TenderDescriptor d = sv->t.load();
        TenderServeOptions o;
        o.portal.state_dir = sv->state;
        o.portal.chain = sv->t.chain.options();
        o.key = sv->key.options();
        o.listen = sv->listen;
        o.max_package = sv->max_package;
        o.server = sv->server.options();
        o.log = log_line("tsign tender", o.server.access_log);
        tender_serve(d, o);
    });

    // verify-receipt ---------------------------------------------------------------------------
    struct VrArgs {
        TenderFlags t;
        std::string receipt, package;
        bool json = false;
    };
    auto vr = std::make_shared<VrArgs>();
    auto* vrec = tender->add_subcommand("verify-receipt", "check a receipt: the portal's signature, the timestamp, the deadline");
    vr->t.add_to(vrec);
    vrec->add_option("--package", vr->package, "the package the receipt must be for");
    vrec->add_flag("--json", vr->json, "print one JSON document");
    vrec->add_option("RECEIPT", vr->receipt, "the receipt")->required();
    vrec->callback([vr] {
        const TenderDescriptor d = vr->t.load();
        Bytes pkg;
        if (!vr->package.empty()) pkg = read_file(vr->package);
        const TenderReceiptInfo rec = verify_tender_receipt(d, read_file_limited(vr->receipt, std::size_t{4} << 20, "receipt"),
                                                            vr->package.empty() ? nullptr : &pkg, vr->t.chain.options());
        if (vr->json)
            print_json(receipt_json(rec));
        else
            std::cout << "valid receipt #" << rec.seq << ": envelope " << rec.envelope << " from " << rec.bidder << " at "
                      << format_iso8601(rec.time) << "\n";
    });

    // close ------------------------------------------------------------------------------------
    struct CloseArgs {
        TenderFlags t;
        KeyFlags key;
        std::string state = ".", out;
        bool force = false;
    };
    auto c = std::make_shared<CloseArgs>();
    auto* close = tender->add_subcommand("close", "at the deadline: the signed, timestamped Merkle root of every receipt");
    c->t.add_to(close);
    c->key.add_to(close);
    close->add_option("--state", c->state, "the portal's state folder (tender.db)")->required();
    close->add_option("--out", c->out, "the closing list to write")->required();
    close->add_flag("--force", c->force, "overwrite an existing file");
    close->callback([c] {
        refuse_existing(c->out, c->force);
        const TenderDescriptor d = c->t.load();
        auto signer = open_signer(c->key.options());
        TenderPortalOptions o;
        o.state_dir = c->state;
        o.chain = c->t.chain.options();
        const Bytes list = tender_close(d, *signer, o);
        write_output(c->out, list, false, "CMS", c->force);
        const TenderList l = verify_tender_list(d, list, o.chain);
        std::cout << "closed tender " << d.id << ": " << l.entries.size() << " packages, root " << l.root << "\n";
    });

    // verify-list ------------------------------------------------------------------------------
    struct VlArgs {
        TenderFlags t;
        std::string list, receipt;
        bool json = false;
    };
    auto vl = std::make_shared<VlArgs>();
    auto* vlist =
        tender->add_subcommand("verify-list", "check the closing list and, with --receipt, the receipt's inclusion proof");
    vl->t.add_to(vlist);
    vlist->add_option("--receipt", vl->receipt, "a receipt whose RFC 9162 inclusion in the list is checked");
    vlist->add_flag("--json", vl->json, "print one JSON document");
    vlist->add_option("LIST", vl->list, "the closing list")->required();
    vlist->callback([vl] {
        const TenderDescriptor d = vl->t.load();
        const TenderList l =
            verify_tender_list(d, read_file_limited(vl->list, std::size_t{256} << 20, "closing list"), vl->t.chain.options());
        json j = {{"tender", l.tender_id},
                  {"root", l.root},
                  {"tree_size", l.entries.size()},
                  {"closed_at", format_iso8601(l.closed_at)},
                  {"timestamp", format_iso8601(l.timestamp_time)}};
        if (!vl->receipt.empty()) {
            const Bytes rec = read_file_limited(vl->receipt, std::size_t{4} << 20, "receipt");
            (void)verify_tender_receipt(d, rec, nullptr, vl->t.chain.options());
            const TenderInclusion inc = verify_tender_inclusion(l, rec);
            j["inclusion"] = {{"index", inc.index},   {"leaf_hash", inc.leaf_hash}, {"path", inc.path},
                              {"seq", inc.entry.seq}, {"bidder", inc.entry.bidder}, {"envelope", inc.entry.envelope}};
        }
        if (vl->json)
            print_json(j);
        else {
            std::cout << "valid closing list of tender " << l.tender_id << ": " << l.entries.size() << " packages, root "
                      << l.root << "\n";
            if (!vl->receipt.empty())
                std::cout << "the receipt is included (leaf " << j["inclusion"]["index"].get<std::int64_t>() << ", "
                          << j["inclusion"]["path"].size() << " hashes in its proof)\n";
        }
    });

    // unseal -----------------------------------------------------------------------------------
    struct UnsealArgs {
        TenderFlags t;
        KeyFlags key;
        std::string state = ".", list, envelope, to, out;
        bool force = false;
    };
    auto u = std::make_shared<UnsealArgs>();
    auto* unseal = tender->add_subcommand("unseal", "a member unseals their shares (one login) and seals them to the session");
    u->t.add_to(unseal);
    u->key.add_to(unseal);
    unseal->add_option("--state", u->state, "the portal's state folder (tender.db)")->required();
    unseal->add_option("--list", u->list, "the closing list")->required();
    unseal->add_option("--envelope", u->envelope, "A or B")->required();
    unseal->add_option("--to", u->to, "the opening session's certificate: the shares are sealed to it")->required();
    unseal->add_option("--out", u->out, "the share set to write (EnvelopedData to the session)")->required();
    unseal->add_flag("--force", u->force, "overwrite an existing file");
    unseal->callback([u] {
        refuse_existing(u->out, u->force);
        const TenderDescriptor d = u->t.load();
        TenderUnsealOptions o;
        o.state_dir = u->state;
        o.list_path = u->list;
        o.envelope = u->envelope;
        o.member_key = u->key.options();
        o.to_cert_file = u->to;
        o.chain = u->t.chain.options();
        const TenderUnsealResult res = tender_unseal(d, o);
        write_output(u->out, res.der, false, "CMS", u->force, 0600);
        std::cout << "member " << res.member << " (" << res.member_name << "): " << res.shares << " shares of envelope "
                  << u->envelope << " sealed to the session in " << u->out << "\n";
        for (const auto& f : res.failed) std::cerr << "tsign: warning: no share could be unsealed for package " << f << "\n";
    });

    // open -------------------------------------------------------------------------------------
    struct OpenArgs {
        TenderFlags t;
        KeyFlags key;
        std::string state = ".", list, envelope, out, extract;
        std::vector<std::string> shares;
        bool force = false, json = false;
    };
    auto op = std::make_shared<OpenArgs>();
    auto* open = tender->add_subcommand("open", "open one envelope with k members' share sets; write the opening minutes");
    op->t.add_to(open);
    op->key.add_to(open);
    open->add_option("--state", op->state, "the portal's state folder (tender.db)")->required();
    open->add_option("--list", op->list, "the closing list")->required();
    open->add_option("--envelope", op->envelope, "A or B")->required();
    open->add_option("--shares", op->shares, "a member's share set (repeatable)")->allow_extra_args(false);
    open->add_option("--out", op->out, "the opening minutes to write (UTF-8 text)")->required();
    open->add_option("--extract", op->extract, "write the opened documents into this folder (mode 0600)");
    open->add_flag("--force", op->force, "overwrite an existing minutes file");
    open->add_flag("--json", op->json, "print the opening as JSON");
    open->footer(footer(
        "  tsign tender open --tender tender.p7s --trust root.crt --state portal --list list.p7s --envelope A \\\n"
        "       --key session.key --cert session.crt --shares m1.shares --shares m2.shares --shares m4.shares --out "
        "minutes.txt\n",
        "  0  opened (each bid's verdict is in the minutes)\n  1  not opened: fewer than k members' shares (the error names who\n"
        "     can still unseal), or a refused share set\n  2  usage error\n  3  input error\n  4  key or token error\n"
        "  6  internal error\n"));
    open->callback([op, &g] {
        refuse_existing(op->out, op->force);
        const TenderDescriptor d = op->t.load();
        TenderOpenOptions o;
        o.state_dir = op->state;
        o.list_path = op->list;
        o.envelope = op->envelope;
        o.share_files = op->shares;
        o.session_key = op->key.options();
        o.chain = op->t.chain.options();
        o.extract_dir = op->extract;
        const TenderOpening res = tender_open(d, o);
        if (!res.opened) {
            std::string need;
            for (const auto& n : res.members_needed) need += (need.empty() ? "" : ", ") + n;
            if (op->json) std::cout << res.to_json() << std::endl;
            throw Error(Errc::not_valid, "cannot open envelope " + op->envelope + ": " +
                                             std::to_string(res.members_present.size()) + " of " + std::to_string(res.threshold) +
                                             " members' shares; " +
                                             std::to_string(res.threshold - static_cast<int>(res.members_present.size())) +
                                             " more needed from: " + need);
        }
        write_file_atomic(op->out, res.minutes(g.jalali()), WriteOptions{op->force, 0644});
        if (op->json)
            std::cout << res.to_json() << std::endl;
        else {
            int opened = 0;
            for (const auto& b : res.bids) opened += b.verdict == BidVerdict::opened ? 1 : 0;
            std::cout << "opened envelope " << op->envelope << " of tender " << d.id << ": " << opened << " of "
                      << res.bids.size() << " bids opened; minutes in " << op->out << "\n";
            for (const auto& b : res.bids) std::cout << "  #" << b.seq << " " << b.bidder << ": " << to_string(b.verdict) << "\n";
        }
    });
}

}  // namespace tsign::cli
