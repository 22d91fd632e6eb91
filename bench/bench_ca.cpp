// CA benchmark: issue N certificates in one process, then sign a CRL listing R revoked entries.
// Usage: tsign-bench-ca CA_DIR PIN_SOURCE CSR N R     (prints: issued/s, CRL seconds)
#include <chrono>
#include <cstdio>
#include <string>

#include "tsign/ca.hpp"
#include "tsign/error.hpp"
#include "../lib/core/db.hpp"
#include "../lib/ca/ca_impl.hpp"

int main(int argc, char** argv) {
    if (argc < 6) {
        std::fprintf(stderr, "usage: %s CA_DIR PIN_SOURCE CSR N R\n", argv[0]);
        return 2;
    }
    try {
        tsign::CaKeyAccess access;
        access.pin = tsign::PinSource::parse(argv[2]);
        tsign::CertificateAuthority ca(argv[1], access);
        const tsign::Bytes csr = tsign::read_file(argv[3]);
        const int n = std::stoi(argv[4]);
        const int r = std::stoi(argv[5]);
        auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < n; ++i) ca.issue(csr, {});
        const double issue_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::printf("issued %d certificates in %.2f s: %.0f/s\n", n, issue_s, n / issue_s);
        // R revoked entries: made directly in the database (the CRL's cost does not depend on how they got there)
        auto& db = *ca.impl().db;
        {
            tsign::db::Transaction tx(db);
            auto st = db.prepare("INSERT INTO certificates(serial, subject, profile, not_before, not_after, status, revoked_at, reason, der, issued_at) "
                                 "VALUES(?, 'CN=bench', 'signer', 0, 4102444800, 'revoked', 1700000000, 'keyCompromise', x'00', 0)");
            for (int i = 0; i < r; ++i) {
                char serial[40];
                std::snprintf(serial, sizeof serial, "7E%030X", i + 1);
                st.bind(1, std::string(serial));
                st.run();
                st.reset();
            }
            tx.commit();
        }
        t0 = std::chrono::steady_clock::now();
        const tsign::Bytes crl = ca.make_crl(24);
        const double crl_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::printf("CRL with %d revoked entries: %.2f s, %zu bytes\n", r, crl_s, crl.size());
        tsign::write_file_atomic(std::string(argv[1]) + "/bench.crl", crl, {.force = true});
    } catch (const tsign::Error& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return static_cast<int>(e.exit_code());
    }
    return 0;
}
