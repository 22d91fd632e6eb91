// tsign sign, tsign cosign, tsign verify
#include <iostream>

#include "common.hpp"
#include "tsign/cms.hpp"

namespace tsign::cli {

namespace {

const char* kVerifyExit =
    "  0  every signature is valid (and the roster is satisfied)\n"
    "  1  at least one signature is not valid (altered, untrusted, revoked, expired, weak), or the roster is not\n"
    "     satisfied (quorum not met, a required member missing, a signer outside the roster)\n"
    "  2  usage error\n  3  input error (missing, malformed or unsupported signature, document or certificate; a roster\n"
    "     that is not valid: see tsign roster check)\n"
    "  6  internal error\n";

}  // namespace

void register_sign_commands(CLI::App& app, Globals& g) {
    struct SignArgs {
        KeyFlags key;
        std::vector<std::string> chain, tsa;
        std::string digest = "sha256", out, doc;
        bool attached = false, pss = false, pem = false, force = false;
    };
    auto a = std::make_shared<SignArgs>();
    auto* sign = app.add_subcommand("sign", "sign a document: CAdES baseline B-B (CMS SignedData)");
    a->key.add_to(sign);
    sign->add_option("--chain", a->chain, "certificates to embed with the signer's (repeatable)")->allow_extra_args(false);
    sign->add_flag("--attached", a->attached, "embed the document in the signature (default: detached)");
    sign->add_option("--digest", a->digest, "sha256 (default), sha384 or sha512");
    sign->add_flag("--pss", a->pss, "RSA-PSS instead of RSA PKCS#1 v1.5");
    sign->add_option("--tsa", a->tsa, "add a signature timestamp (CAdES-B-T) from this TSA (repeatable: tried in order)")->allow_extra_args(false);
    sign->add_option("--out", a->out, "output file (default: DOC.p7s)");
    sign->add_flag("--pem", a->pem, "write PEM instead of DER");
    sign->add_flag("--force", a->force, "replace an existing output file");
    sign->add_option("DOC", a->doc, "the document to sign")->required();
    sign->footer(footer(
        "  tsign sign --key 'pkcs11:token=ali-rezaei;object=sign' --pin-source env:PIN \\\n"
        "             --chain certs-sample/intermediate.crt.pem minutes.txt          # writes minutes.txt.p7s\n"
        "  tsign sign --key sara.p12 --pin-source file:/run/pass --attached --out voucher.p7m voucher.pdf\n",
        "  0  signed\n  2  usage error\n  3  input error (unreadable document or certificate, existing output)\n"
        "  4  key or token error (wrong PIN, token absent, key/cert mismatch, certificate expired)\n  6  internal error\n"));
    sign->callback([a] {
        auto signer = open_signer(a->key.options());
        SignOptions o;
        o.scheme.digest = parse_digest(a->digest);
        o.scheme.rsa_pss = a->pss;
        o.attached = a->attached;
        o.chain_files = a->chain;
        o.tsa_urls = a->tsa;
        const Bytes der = sign_document(*signer, a->doc, o);
        const std::string out = a->out.empty() ? (a->doc == "-" ? "-" : a->doc + ".p7s") : a->out;
        write_output(out, der, a->pem, "CMS", a->force);
        if (out != "-") std::cerr << "signed " << a->doc << " -> " << out << "\n";
    });

    struct CosignArgs {
        KeyFlags key;
        std::vector<std::string> chain, tsa;
        std::string signature, content, digest = "sha256", out;
        bool pss = false, pem = false, force = false;
    };
    auto c = std::make_shared<CosignArgs>();
    auto* cosign = app.add_subcommand("cosign", "add one more signer (another commission member) to a signature");
    c->key.add_to(cosign);
    cosign->add_option("--signature", c->signature, "the existing signature (SignedData)")->required();
    cosign->add_option("--content", c->content, "the signed document (required for a detached signature)");
    cosign->add_option("--chain", c->chain, "certificates to embed (repeatable)")->allow_extra_args(false);
    cosign->add_option("--digest", c->digest, "sha256 (default), sha384 or sha512");
    cosign->add_flag("--pss", c->pss, "RSA-PSS instead of RSA PKCS#1 v1.5");
    cosign->add_option("--tsa", c->tsa, "timestamp the new signature (CAdES-B-T) with this TSA (repeatable)")->allow_extra_args(false);
    cosign->add_option("--out", c->out, "output file (default: update --signature in place, atomically)");
    cosign->add_flag("--pem", c->pem, "write PEM instead of DER");
    cosign->add_flag("--force", c->force, "add a second signature by the same certificate");
    cosign->footer(footer(
        "  tsign cosign --signature minutes.txt.p7s --content minutes.txt \\\n"
        "               --key 'pkcs11:token=sara-ahmadi;object=sign' --pin-source env:PIN\n"
        "  tsign cosign --signature m.p7s --content m.txt --key maryam.key --cert maryam.crt --out m-3.p7s\n",
        "  0  co-signed\n  2  usage error\n"
        "  3  input error (malformed signature, the document differs from the signed one, already signed by this certificate)\n"
        "  4  key or token error\n  6  internal error\n"));
    cosign->callback([c] {
        const Bytes existing = read_file(c->signature);
        auto signer = open_signer(c->key.options());
        CosignOptions o;
        o.scheme.digest = parse_digest(c->digest);
        o.scheme.rsa_pss = c->pss;
        o.chain_files = c->chain;
        o.content_path = c->content;
        o.force = c->force;
        o.tsa_urls = c->tsa;
        const Bytes der = cosign_document(existing, *signer, o);
        const bool in_place = c->out.empty();
        // In place: the new file holds every earlier signer unchanged plus one; it replaces the old atomically.
        write_output(in_place ? c->signature : c->out, der, c->pem, "CMS", in_place || c->force);
        std::cerr << "co-signed " << c->signature << (in_place ? "" : " -> " + c->out) << "\n";
    });

    struct ExtendArgs {
        ChainFlags chain;
        std::string level, out, sig, content;
        std::vector<std::string> tsa;
        int timeout = 10;
        bool pem = false;
    };
    auto e = std::make_shared<ExtendArgs>();
    auto* extend = app.add_subcommand(
        "extend", "raise a signature's level: signature timestamps (t), validation data (lt), archive timestamp (lta)");
    extend->add_option("--level", e->level,
                       "t: a signature timestamp for every signer without one; lt: also the certificates and CRLs / OCSP "
                       "responses that validate every signer and timestamp; lta: also an archive timestamp (renews an LTA)")
        ->required()
        ->check(CLI::IsMember({"t", "lt", "lta"}));
    extend->add_option("--tsa", e->tsa, "TSA URL (repeatable: tried in order)")->allow_extra_args(false);
    extend->add_option("--timeout", e->timeout, "seconds per TSA (default 10)");
    extend->add_option("--content", e->content, "the signed document (lta, detached signature, signer digest not SHA-256)");
    e->chain.add_to(extend, false);
    extend->add_option("--out", e->out, "output file (default: update SIG in place, atomically)");
    extend->add_flag("--pem", e->pem, "write PEM instead of DER");
    extend->add_option("SIG", e->sig, "the signature")->required();
    extend->footer(footer("  tsign extend --level t --tsa http://127.0.0.1:8080/ minutes.txt.p7s\n"
                          "  tsign extend --level lt --trust root.crt minutes.txt.p7s\n"
                          "  tsign extend --level lta --trust root.crt --tsa http://tsa.city.ir/ minutes.txt.p7s\n",
                          "  0  extended\n  1  a signer would not verify (every level: checked first, as tsign verify does;\n"
                          "     --level t without --trust checks what needs no trust anchor), or a TSA does not validate; nothing written\n"
                          "  2  usage error (also: nothing to extend)\n  3  input error\n"
                          "  5  no TSA answered correctly, or revocation data could not be had; nothing written\n  6  internal error\n"));
    extend->callback([e] {
        const Bytes sig = read_file(e->sig);
        Bytes der;
        const char* level = "CAdES-B-T";
        if (e->level == "t") {
            if (e->tsa.empty()) throw Error(Errc::usage, "no TSA given", "use --tsa URL");
            ExtendOptions o;
            o.tsa_urls = e->tsa;
            o.tsa_timeout_seconds = e->timeout;
            o.chain = e->chain.options();
            o.content_path = e->content;
            der = extend_to_t(sig, o);
        } else {
            if (e->chain.trust.empty()) throw Error(Errc::usage, "no trust anchor given", "--level " + e->level + " validates every signer: use --trust FILE");
            ExtendOptions o;
            o.tsa_urls = e->tsa;
            o.tsa_timeout_seconds = e->timeout;
            o.chain = e->chain.options();
            o.content_path = e->content;
            der = e->level == "lt" ? extend_to_lt(sig, o) : extend_to_lta(sig, o);
            level = e->level == "lt" ? "CAdES-B-LT" : "CAdES-B-LTA";
        }
        const bool in_place = e->out.empty();
        write_output(in_place ? e->sig : e->out, der, e->pem, "CMS", in_place);
        std::cerr << "extended " << e->sig << " to " << level << (in_place ? "" : " -> " + e->out) << "\n";
    });

    struct VerifyArgs {
        ChainFlags chain;
        std::string content, roster, sig, doc, extract;
        bool json = false, force = false;
    };
    auto v = std::make_shared<VerifyArgs>();
    auto* verify = app.add_subcommand("verify", "verify every signer of a signature (CMS / CAdES)");
    v->chain.add_to(verify, true);
    verify->add_option("--content", v->content, "the signed document (for a detached signature)");
    verify->add_option("--roster", v->roster,
                       "commission roster (YAML): members by certificate, public key (spki_sha256) or subject + issuer, "
                       "required members, quorum; see tsign roster");
    verify->add_flag("--json", v->json, "print one JSON document");
    verify->add_option("--extract", v->extract, "write the content of an attached signature to this file");
    verify->add_flag("--force", v->force, "replace an existing --extract file");
    verify->add_option("SIG", v->sig, "the signature")->required();
    verify->add_option("DOC", v->doc, "the signed document (same as --content)");
    verify->footer(footer(
        "  tsign verify --trust certs-sample/root.crt.pem minutes.txt.p7s minutes.txt\n"
        "  tsign verify --trust root.crt --roster commission.yaml --json minutes.txt.p7s minutes.txt\n"
        "  tsign verify --trust root.crt --crl intermediate.crl --revocation require voucher.p7m\n",
        kVerifyExit));
    verify->callback([v, &g] {
        VerifyOptions o;
        o.chain = v->chain.options();
        o.content_path = !v->content.empty() ? v->content : v->doc;
        o.roster_file = v->roster;
        o.extract_path = v->extract;
        o.force = v->force;
        const VerifyReport r = verify_signature(read_file(v->sig), o);
        if (v->json) std::cout << r.to_json() << std::endl;
        else std::cout << r.to_text(g.jalali());
        if (!r.valid) throw ExitWith{ExitCode::invalid};
    });
}

}  // namespace tsign::cli
