// tsign sign, tsign cosign, tsign verify
#include <iostream>

#include "common.hpp"
#include "tsign/cms.hpp"
#include "tsign/pdf.hpp"

namespace tsign::cli {

namespace {

const char* kVerifyExit =
    "  0  every signature is valid (and the roster is satisfied)\n"
    "  1  at least one signature is not valid (altered, untrusted, revoked, expired, weak), or the roster is not\n"
    "     satisfied (quorum not met, a required member missing, a signer outside the roster)\n"
    "  2  usage error\n  3  input error (missing, malformed or unsupported signature, document or certificate; a roster\n"
    "     that is not valid: see tsign roster check)\n"
    "  6  internal error\n";

/// The PAdES flags of sign and cosign.
struct PdfFlags {
    std::string format = "auto", appearance, font, field, reason, location;
    int certify = 0;
    bool allow_same_signer = false;

    void add_to(CLI::App* app) {
        app->add_option("--format", format, "auto (default: PAdES for a PDF, by its header), cades or pades")
            ->check(CLI::IsMember({"auto", "cades", "pades"}));
        app->add_option("--certify", certify,
                        "PDF: a certification signature with DocMDP permissions (1: no changes, 2: form filling and "
                        "signatures, 3: also annotations); only the first signature")
            ->check(CLI::Range(1, 3));
        app->add_option("--appearance", appearance,
                        "PDF: a visible box PAGE/X1,Y1,X2,Y2 (points from the bottom left) with the signer's name in "
                        "Persian and the date in Jalali and UTC (default: invisible)");
        app->add_option("--font", font, "PDF: TrueType font for --appearance (default: Noto Naskh Arabic)");
        app->add_option("--field-name", field, "PDF: the signature field's name (default: Signature<N>)");
        app->add_option("--reason", reason, "PDF: /Reason of the signature");
        app->add_option("--location", location, "PDF: /Location of the signature");
    }
    bool is_pdf(const std::string& doc) const { return format == "pades" || (format == "auto" && is_pdf_file(doc)); }
    PdfSignOptions options(const SignatureScheme& scheme, const std::vector<std::string>& chain,
                           const std::vector<std::string>& tsa) const {
        PdfSignOptions o;
        o.scheme = scheme;
        o.chain_files = chain;
        o.tsa_urls = tsa;
        o.certify = certify;
        o.field_name = field;
        o.reason = reason;
        o.location = location;
        o.allow_same_signer = allow_same_signer;
        if (!appearance.empty()) {
            o.appearance = parse_pdf_appearance(appearance);
            o.appearance->font_file = font;
        }
        return o;
    }
};

/// Signs a PDF (PAdES, incremental update) in place or to `out`.
void sign_pdf(const KeyFlags& key, const PdfFlags& pdf, const SignatureScheme& scheme, const std::vector<std::string>& chain,
              const std::vector<std::string>& tsa, const std::string& doc, const std::string& out, bool force) {
    if (doc == "-") throw Error(Errc::usage, "a PDF is signed in a file, not from standard input", "give the file name");
    const PdfSignOptions o = pdf.options(scheme, chain, tsa);
    auto signer = open_signer(key.options());
    const std::string target = out.empty() ? doc : out;
    pdf_sign(*signer, doc, target, o, force);
    std::cerr << "signed " << doc << " (PAdES " << (tsa.empty() ? "B-B" : "B-T") << (o.certify ? ", certified" : "") << ")"
              << (target == doc ? ", updated in place" : " -> " + target) << "\n";
}

}  // namespace

void register_sign_commands(CLI::App& app, Globals& g) {
    struct SignArgs {
        KeyFlags key;
        std::vector<std::string> chain, tsa;
        std::string digest = "sha256", out, doc;
        bool attached = false, pss = false, pem = false, force = false;
        PdfFlags pdf;
    };
    auto a = std::make_shared<SignArgs>();
    auto* sign =
        app.add_subcommand("sign", "sign a document: CAdES baseline B-B (CMS SignedData), or a PDF: PAdES (incremental update)");
    a->key.add_to(sign);
    sign->add_option("--chain", a->chain, "certificates to embed with the signer's (repeatable)")->allow_extra_args(false);
    sign->add_flag("--attached", a->attached, "embed the document in the signature (default: detached)");
    sign->add_option("--digest", a->digest, "sha256 (default, also with --pss), sha384 or sha512");
    sign->add_flag("--pss", a->pss,
                   "RSA-PSS instead of RSA PKCS#1 v1.5, with SHA-256 unless --digest (GnuTLS verifies RSA-PSS "
                   "signatures in CMS only with SHA-256)");
    sign->add_option("--tsa", a->tsa, "add a signature timestamp (CAdES-B-T) from this TSA (repeatable: tried in order)")->allow_extra_args(false);
    sign->add_option("--out", a->out, "output file (default: DOC.p7s; for a PDF: the PDF itself, updated atomically)");
    sign->add_flag("--pem", a->pem, "write PEM instead of DER");
    sign->add_flag("--force", a->force, "overwrite an existing output file");
    a->pdf.add_to(sign);
    sign->add_flag("--allow-same-signer", a->pdf.allow_same_signer, "PDF: allow a second signature by the same certificate");
    sign->add_option("DOC", a->doc, "the document to sign")->required();
    sign->footer(
        footer("  tsign sign --key 'pkcs11:token=ali-rezaei;object=sign' --pin-source env:PIN \\\n"
               "             --chain certs-sample/intermediate.crt.pem minutes.txt          # writes minutes.txt.p7s\n"
               "  tsign sign --key sara.p12 --pin-source file:/run/pass --attached --out voucher.p7m voucher.txt\n"
               "  tsign sign --key 'pkcs11:token=ali-rezaei;object=sign' --tsa http://127.0.0.1:8080/ --certify 2 minutes.pdf\n"
               "  tsign sign --key maryam.key --cert maryam.crt --appearance 1/350,40,560,110 --out signed.pdf minutes.pdf\n",
               "  0  signed\n  2  usage error\n"
               "  3  input error (unreadable document or certificate, existing output: --force; PDF: already signed by this\n"
               "     certificate: --allow-same-signer)\n"
               "  4  key or token error (wrong PIN, token absent, key/cert mismatch, certificate expired)\n"
               "  5  network error (--tsa: no TSA answered correctly: down, slow, refused, wrong answer); nothing written\n"
               "  6  internal error\n"));
    sign->callback([a] {
        if (a->pdf.is_pdf(a->doc)) {
            if (a->attached || a->pem) throw Error(Errc::usage, "--attached and --pem do not apply to a PDF (PAdES) signature");
            sign_pdf(a->key, a->pdf, {parse_digest(a->digest), a->pss}, a->chain, a->tsa, a->doc, a->out, a->force);
            return;
        }
        if (a->pdf.certify || !a->pdf.appearance.empty())
            throw Error(Errc::usage, "--certify and --appearance apply to PDF documents only");
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
        std::string signature, content, digest = "sha256", out, pdf_doc;
        bool pss = false, pem = false, force = false;
        PdfFlags pdf;
    };
    auto c = std::make_shared<CosignArgs>();
    auto* cosign = app.add_subcommand("cosign", "add one more signer (another commission member) to a signature");
    c->key.add_to(cosign);
    cosign->add_option("--signature", c->signature, "the existing signature (SignedData), or a signed PDF");
    cosign->add_option("--content", c->content, "the signed document (required for a detached signature)");
    cosign->add_option("--chain", c->chain, "certificates to embed (repeatable)")->allow_extra_args(false);
    cosign->add_option("--digest", c->digest, "sha256 (default, also with --pss), sha384 or sha512");
    cosign->add_flag("--pss", c->pss,
                     "RSA-PSS instead of RSA PKCS#1 v1.5, with SHA-256 unless --digest (GnuTLS verifies RSA-PSS "
                     "signatures in CMS only with SHA-256)");
    cosign->add_option("--tsa", c->tsa, "timestamp the new signature (CAdES-B-T) with this TSA (repeatable)")->allow_extra_args(false);
    cosign->add_option("--out", c->out, "output file (default: update --signature in place, atomically)");
    cosign->add_flag("--pem", c->pem, "write PEM instead of DER");
    cosign->add_flag("--force", c->force, "overwrite an existing --out file");
    c->pdf.add_to(cosign);
    cosign->add_flag("--allow-same-signer", c->pdf.allow_same_signer,
                     "allow a second signature by a certificate that has signed already");
    cosign->add_option("PDF", c->pdf_doc, "a signed PDF: one more PAdES signature, as tsign sign does");
    cosign->footer(
        footer("  tsign cosign --signature minutes.txt.p7s --content minutes.txt \\\n"
               "               --key 'pkcs11:token=sara-ahmadi;object=sign' --pin-source env:PIN\n"
               "  tsign cosign --signature m.p7s --content m.txt --key maryam.key --cert maryam.crt --out m-3.p7s\n"
               "  tsign cosign --key 'pkcs11:token=sara-ahmadi;object=sign' --pin-source env:PIN minutes.pdf\n",
               "  0  co-signed\n  2  usage error\n"
               "  3  input error (malformed signature, the document differs from the signed one, already signed by this\n"
               "     certificate: --allow-same-signer, existing --out: --force)\n"
               "  4  key or token error\n"
               "  5  network error (--tsa: no TSA answered correctly: down, slow, refused, wrong answer); nothing written\n"
               "  6  internal error\n"));
    cosign->callback([c] {
        if (!c->pdf_doc.empty() && !c->signature.empty())
            throw Error(Errc::usage, "give the PDF either as an argument or with --signature, not both");
        const std::string pdf = !c->pdf_doc.empty() ? c->pdf_doc : c->signature;
        if (pdf.empty())
            throw Error(Errc::usage, "nothing to co-sign", "give --signature SIG (and --content DOC), or a signed PDF");
        if (!c->pdf_doc.empty() || c->pdf.is_pdf(pdf)) {
            if (!c->content.empty() || c->pem)
                throw Error(Errc::usage, "--content and --pem do not apply to a PDF (PAdES) signature");
            PdfFlags flags = c->pdf;
            flags.format = "pades";
            sign_pdf(c->key, flags, {parse_digest(c->digest), c->pss}, c->chain, c->tsa, pdf, c->out, c->force);
            return;
        }
        const Bytes existing = read_file(c->signature);
        auto signer = open_signer(c->key.options());
        CosignOptions o;
        o.scheme.digest = parse_digest(c->digest);
        o.scheme.rsa_pss = c->pss;
        o.chain_files = c->chain;
        o.content_path = c->content;
        o.allow_same_signer = c->pdf.allow_same_signer;
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
        if (is_pdf_file(e->sig)) {
            if (e->level == "t")
                throw Error(Errc::usage, "a PDF signature gets its timestamp when it is made",
                            "sign with --tsa URL; then --level lt or lta");
            if (e->chain.trust.empty())
                throw Error(Errc::usage, "no trust anchor given",
                            "--level " + e->level + " validates every signature: use --trust FILE");
            ExtendOptions o;
            o.tsa_urls = e->tsa;
            o.tsa_timeout_seconds = e->timeout;
            o.chain = e->chain.options();
            const std::string out = e->out.empty() ? e->sig : e->out;
            pdf_extend(e->sig, out, e->level == "lta", o);
            std::cerr << "extended " << e->sig << " to PAdES " << (e->level == "lt" ? "B-LT" : "B-LTA")
                      << (out == e->sig ? "" : " -> " + out) << "\n";
            return;
        }
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
            if (e->chain.trust.empty())
                throw Error(Errc::usage, "no trust anchor given",
                            "--level " + e->level + " validates every signer: use --trust FILE");
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
        std::string content, roster, sig, doc, extract, format = "auto";
        bool json = false, force = false;
        int extract_revision = 0;
    };
    auto v = std::make_shared<VerifyArgs>();
    auto* verify =
        app.add_subcommand("verify", "verify every signer of a signature (CMS / CAdES), or every signature of a PDF (PAdES)");
    v->chain.add_to(verify, true);
    verify->add_option("--content", v->content, "the signed document (for a detached signature)");
    verify->add_option("--roster", v->roster,
                       "commission roster (YAML): members by certificate, public key (spki_sha256) or subject + issuer, "
                       "required members, quorum; see tsign roster");
    verify->add_flag("--json", v->json, "print one JSON document");
    verify->add_option("--extract", v->extract, "write the content of an attached signature to this file");
    verify->add_flag("--force", v->force, "overwrite an existing --extract file");
    verify
        ->add_option("--extract-revision", v->extract_revision,
                     "PDF: write the exact bytes signature N signed (its revision) to --extract FILE (default SIG.revN.pdf)")
        ->check(CLI::PositiveNumber);
    verify->add_option("--format", v->format, "auto (default: PAdES for a PDF, by its header), cades or pades")
        ->check(CLI::IsMember({"auto", "cades", "pades"}));
    verify->add_option("SIG", v->sig, "the signature")->required();
    verify->add_option("DOC", v->doc, "the signed document (same as --content)");
    verify->footer(footer(
        "  tsign verify --trust certs-sample/root.crt.pem minutes.txt.p7s minutes.txt\n"
        "  tsign verify --trust root.crt --roster commission.yaml --json minutes.txt.p7s minutes.txt\n"
        "  tsign verify --trust root.crt --crl intermediate.crl --revocation require voucher.p7m\n",
        kVerifyExit));
    verify->callback([v, &g] {
        if (v->format == "pades" || (v->format == "auto" && is_pdf_file(v->sig))) {
            if (!v->content.empty() || !v->doc.empty()) throw Error(Errc::usage, "a PDF holds its signatures: give only the PDF");
            PdfVerifyOptions o;
            o.chain = v->chain.options();
            o.roster_file = v->roster;
            o.extract_revision = v->extract_revision;
            o.extract_path = v->extract.empty() && v->extract_revision
                                 ? v->sig + ".rev" + std::to_string(v->extract_revision) + ".pdf"
                                 : v->extract;
            o.force = v->force;
            if (!v->extract.empty() && !v->extract_revision)
                throw Error(Errc::usage, "--extract on a PDF needs --extract-revision N");
            const PdfVerifyReport r = verify_pdf(v->sig, o);
            if (v->json)
                std::cout << r.to_json() << std::endl;
            else
                std::cout << r.to_text(g.jalali());
            if (v->extract_revision)
                std::cerr << "wrote the revision signed by signature " << v->extract_revision << " to " << o.extract_path << "\n";
            if (!r.valid) throw ExitWith{ExitCode::invalid};
            return;
        }
        if (v->extract_revision) throw Error(Errc::usage, "--extract-revision applies to PDF documents only");
        VerifyOptions o;
        o.chain = v->chain.options();
        o.content_path = !v->content.empty() ? v->content : v->doc;
        o.roster_file = v->roster;
        o.extract_path = v->extract;
        o.force = v->force;
        const VerifyReport r = verify_signature(read_file(v->sig), o);
        if (v->json)
            std::cout << r.to_json() << std::endl;
        else
            std::cout << r.to_text(g.jalali());
        if (!r.valid) throw ExitWith{ExitCode::invalid};
    });
}

}  // namespace tsign::cli
