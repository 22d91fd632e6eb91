// Signs a tender minute with the C++ API and verifies it, as a host system linking libtsign would.
// Usage: sign_and_verify KEY CERT CHAIN ROOT DOC OUT   (the key's passphrase in $TSIGN_EXAMPLE_PASS)
#include <iostream>

#include <tsign/cms.hpp>
#include <tsign/error.hpp>
#include <tsign/io.hpp>
#include <tsign/keys.hpp>
#include <tsign/version.hpp>

int main(int argc, char** argv) {
    if (argc != 7) {
        std::cerr << "usage: " << argv[0] << " KEY CERT CHAIN ROOT DOC OUT\n";
        return 2;
    }
    try {
        tsign::initialize();
        auto signer = tsign::open_signer({.spec = argv[1], .cert_file = argv[2], .pin = tsign::PinSource::parse("env:TSIGN_EXAMPLE_PASS")});
        tsign::SignOptions so;
        so.chain_files = {argv[3]};
        const tsign::Bytes signature = tsign::sign_document(*signer, argv[5], so);
        tsign::write_file_atomic(argv[6], signature, {.force = true});

        tsign::VerifyOptions vo;
        vo.chain.trust_files = {argv[4]};
        vo.chain.fetch = false;
        vo.content_path = argv[5];
        const tsign::VerifyReport report = tsign::verify_signature(signature, vo);
        std::cout << "tsign " << tsign::version() << "\n" << report.to_text(false);
        return report.valid ? 0 : 1;
    } catch (const tsign::Error& e) {
        std::cerr << "error: " << e.what() << "\n";
        return static_cast<int>(e.exit_code());
    }
}
