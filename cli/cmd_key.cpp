// tsign key gen, tsign csr
#include <iostream>

#include "common.hpp"
#include "tsign/x509.hpp"

namespace tsign::cli {

void register_key_commands(CLI::App& app, Globals& g) {
    auto* key = app.add_subcommand("key", "private key files");
    key->require_subcommand(1);
    key->footer(footer("  tsign key gen --type ec-p256 --out signer.key --encrypt --pin-source env:KEY_PASS\n"));

    struct GenArgs {
        std::string type, out, pass;
        bool encrypt = false, pem = false, force = false, json = false;
    };
    auto ga = std::make_shared<GenArgs>();
    auto* gen = key->add_subcommand("gen", "generate a key pair and write the private key (PKCS#8, mode 0600)");
    gen->add_option("--type", ga->type, "rsa2048, rsa3072, rsa4096, ec-p256 or ec-p384")->required();
    gen->add_option("--out", ga->out, "output file")->required();
    gen->add_flag("--encrypt", ga->encrypt, "encrypt the key (PKCS#8 PBES2: AES-256-CBC, key from scrypt N=2^14 r=8 p=5)");
    gen->add_option("--pin-source", ga->pass, "where the passphrase comes from: prompt, env:VAR, file:PATH or fd:N");
    gen->add_flag("--pem", ga->pem, "write PEM instead of DER");
    gen->add_flag("--force", ga->force, "overwrite an existing file");
    gen->add_flag("--json", ga->json, "print the public key description as JSON");
    gen->footer(footer("  tsign key gen --type ec-p256 --out member.key --pem\n"
                       "  tsign key gen --type rsa3072 --out ca.key --encrypt --pin-source file:/run/secrets/ca-pass\n"));
    gen->callback([ga, &g] {
        (void)g;
        KeyGenOptions o;
        o.type = parse_key_type(ga->type);
        o.encrypt = ga->encrypt;
        o.passphrase = ga->pass.empty() ? PinSource() : PinSource::parse(ga->pass);
        o.pem = ga->pem;
        o.force = ga->force;
        const PublicKeyInfo info = generate_key_file(ga->out, o);
        if (ga->json) {
            print_json({{"file", ga->out},
                        {"type", key_type_name(o.type)},
                        {"encrypted", o.encrypt},
                        {"public_key", {{"algorithm", info.algorithm}, {"bits", info.bits}, {"spki_sha256", info.spki_sha256}}}});
        } else {
            std::cout << "wrote " << (o.encrypt ? "encrypted " : "") << info.description() << " private key to " << ga->out
                      << "\n";
            if (!o.encrypt)
                std::cerr << "warning: the private key is not encrypted; protect the file or use --encrypt\n";
        }
    });

    struct CsrArgs {
        KeyFlags key;
        std::string subject, out = "-", digest = "sha256";
        std::vector<std::string> emails, dns;
        bool pss = false, pem = false, force = false;
    };
    auto ca = std::make_shared<CsrArgs>();
    auto* csr = app.add_subcommand("csr", "make a PKCS#10 certificate request signed by a file or token key");
    ca->key.add_to(csr);
    csr->add_option("--subject", ca->subject, "subject in slash form, UTF-8: '/CN=علی رضایی/O=شهرداری/C=IR'")->required();
    csr->add_option("--out", ca->out, "output file (default: standard output)");
    csr->add_option("--digest", ca->digest, "sha256, sha384 or sha512");
    csr->add_flag("--pss", ca->pss, "sign with RSA-PSS");
    csr->add_option("--email", ca->emails, "subjectAltName e-mail address (repeatable)")->allow_extra_args(false);
    csr->add_option("--dns", ca->dns, "subjectAltName DNS name (repeatable)")->allow_extra_args(false);
    csr->add_flag("--pem", ca->pem, "write PEM instead of DER");
    csr->add_flag("--force", ca->force, "overwrite an existing file");
    csr->footer(footer(
        "  tsign csr --key 'pkcs11:token=member1;object=sign' --pin-source env:PIN \\\n"
        "            --subject '/CN=علی رضایی/O=شهرداری تهران/C=IR' --out ali.csr\n"
        "  tsign csr --key member.key --subject '/CN=Sara Ahmadi/C=IR' --pem --out sara.csr\n"));
    csr->callback([ca] {
        auto signer = open_signer(ca->key.options());
        CsrOptions o;
        o.subject = ca->subject;
        o.scheme.digest = parse_digest(ca->digest);
        o.scheme.rsa_pss = ca->pss;
        o.emails = ca->emails;
        o.dns_names = ca->dns;
        const Bytes der = make_csr(*signer, o);
        write_output(ca->out, der, ca->pem, "CERTIFICATE REQUEST", ca->force);
    });
}

}  // namespace tsign::cli
