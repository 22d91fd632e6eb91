// The tender readers, on input an attacker controls: the package content (TenderPackage DER), a
// decrypted share set (JSON: anyone can seal one to the session's public certificate), a receipt,
// a closing list and a whole package (bidder's SignedData), against a fixed tender. The first byte
// picks the reader. Only tsign::Error may come out; reports must be valid UTF-8.
#include <span>

#include "core/ossl.hpp"
#include "fuzz_common.hpp"
#include "tender/tender_impl.hpp"
#include "tsign/tender.hpp"

namespace {
tsign::Bytes der_of(const std::string& pem_file) {
    const tsign::Bytes text = tsign::read_file(pem_file);
    tsign::ossl::X509Ptr x = tsign::ossl::read_pem_or_der<X509, X509_free>(text, PEM_read_bio_X509, d2i_X509);
    return tsign::ossl::to_der(x.get(), i2d_X509);
}

tsign::TenderDescriptor descriptor() {
    tsign::TenderDescriptor t;
    t.id = "T-1";
    t.title = "fuzz";
    t.deadline = 4102444800;  // 2100
    t.tsa_urls = {"http://127.0.0.1:9/"};
    t.envelopes = {"A", "B"};
    t.threshold = 2;
    int i = 0;
    for (const char* f :
         {"tests/fuzz/fixtures/ocsp-issuer.pem", "tests/fuzz/fixtures/crl-signer.pem", "tests/fuzz/fixtures/ocsp-cert.pem"}) {
        tsign::TenderMember m;
        m.index = ++i;
        m.name = f;
        m.certificate = der_of(fuzz::source(f));
        m.cert_sha256 = tsign::tender::sha256_hex(m.certificate);
        t.members.push_back(m);
    }
    t.portal_certificate = t.members[2].certificate;
    t.sha256 = std::string(64, 'a');
    return t;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const tsign::TenderDescriptor t = descriptor();
    if (size < 1) return 0;
    const std::span<const std::uint8_t> in(data + 1, size - 1);
    const tsign::Bytes bytes(in.begin(), in.end());
    tsign::ChainOptions chain;
    chain.fetch = false;
    try {
        switch (data[0] % 5) {
        case 0: {
            const auto p = tsign::tender::parse_package(in);
            if (!fuzz::valid_utf8(p.tender_id) || !fuzz::valid_utf8(p.envelope)) std::abort();
            (void)tsign::tender::encode_package(p);
            break;
        }
        case 1: {
            const auto s = tsign::tender::read_share_set(in, t, "A", std::string(64, 'b'), "fuzz");
            for (const auto& [pkg, y] : s.shares)
                if (y.size() != tsign::tender::kSecretBytes) std::abort();
            break;
        }
        case 2: (void)tsign::verify_tender_receipt(t, bytes, nullptr, chain); break;
        case 3: {
            const auto l = tsign::verify_tender_list(t, bytes, chain);
            (void)tsign::verify_tender_inclusion(l, bytes);
            break;
        }
        default: (void)tsign::check_tender_package(t, bytes, chain); break;
        }
    } catch (const tsign::Error& e) {
        if (!fuzz::valid_utf8(e.what())) std::abort();
    }
    ERR_clear_error();
    return 0;
}
