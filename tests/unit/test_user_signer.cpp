// A Signer written by a library user, through the public virtuals only: it signs CMS (checked by
// `openssl cms -verify`), CSRs (checked by `openssl req -verify`), with RSA PKCS#1 v1.5, RSA-PSS
// and ECDSA; its own errors reach the caller unchanged; a wrong signature is refused.
#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "tsign/cms.hpp"
#include "tsign/error.hpp"
#include "tsign/io.hpp"
#include "tsign/keys.hpp"
#include "tsign/x509.hpp"
#include "util.hpp"

using namespace tsign;
using tsign::test::TempDir;

namespace {

/// The user's own Signer: the key is read and used with OpenSSL directly (think of a remote
/// signing service); tsign sees nothing but the Signer interface.
class UserSigner final : public Signer {
public:
    enum class Mode { honest, garbage, refuses };
    UserSigner(const std::string& key_der, const std::string& cert_pem, Mode mode = Mode::honest) : mode_(mode) {
        BIO* b = BIO_new_file(key_der.c_str(), "rb");
        key_ = d2i_PrivateKey_bio(b, nullptr);
        BIO_free(b);
        REQUIRE(key_ != nullptr);
        if (!cert_pem.empty()) cert_ = read_file(cert_pem);
    }
    ~UserSigner() override { EVP_PKEY_free(key_); }

    PublicKeyInfo public_key() const override { return describe_spki(spki()); }
    std::optional<Bytes> certificate() const override {
        if (cert_.empty()) return std::nullopt;
        BIO* b = BIO_new_mem_buf(cert_.data(), static_cast<int>(cert_.size()));
        X509* x = PEM_read_bio_X509(b, nullptr, nullptr, nullptr);
        BIO_free(b);
        unsigned char* der = nullptr;
        const int n = i2d_X509(x, &der);
        Bytes out(der, der + n);
        OPENSSL_free(der);
        X509_free(x);
        return out;
    }
    Bytes sign_digest(std::span<const std::uint8_t> digest, const SignatureScheme& scheme) override {
        ++calls;
        if (mode_ == Mode::refuses) throw Error(Errc::pin_incorrect, "the remote service refused the PIN");
        const EVP_MD* md = scheme.digest == DigestAlgorithm::sha256   ? EVP_sha256()
                           : scheme.digest == DigestAlgorithm::sha384 ? EVP_sha384()
                                                                      : EVP_sha512();
        EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key_, nullptr);
        EVP_PKEY_sign_init(ctx);
        if (EVP_PKEY_get_base_id(key_) == EVP_PKEY_RSA) {
            EVP_PKEY_CTX_set_rsa_padding(ctx, scheme.rsa_pss ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING);
            if (scheme.rsa_pss) {
                EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST);
                EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md);
            }
        }
        EVP_PKEY_CTX_set_signature_md(ctx, md);
        size_t len = 0;
        EVP_PKEY_sign(ctx, nullptr, &len, digest.data(), digest.size());
        Bytes sig(len);
        const int ok = EVP_PKEY_sign(ctx, sig.data(), &len, digest.data(), digest.size());
        EVP_PKEY_CTX_free(ctx);
        REQUIRE(ok == 1);
        sig.resize(len);
        if (mode_ == Mode::garbage) sig[sig.size() / 2] ^= 0x55;
        return sig;
    }
    std::string location() const override { return "the user's signing service"; }

    int calls = 0;

private:
    Bytes spki() const {
        unsigned char* der = nullptr;
        const int n = i2d_PUBKEY(key_, &der);
        Bytes out(der, der + n);
        OPENSSL_free(der);
        return out;
    }
    EVP_PKEY* key_ = nullptr;
    Bytes cert_;
    Mode mode_;
};

int run(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()); }

}  // namespace

TEST_CASE("a user-written Signer signs CMS and CSRs that OpenSSL verifies") {
    TempDir d;
    const std::string doc = d / "minutes.txt";
    const std::string text = "صورتجلسه کمیسیون مناقصه\n";
    write_file_atomic(doc, text);
    struct Case {
        KeyType type;
        bool pss;
    };
    for (const Case c : {Case{KeyType::rsa2048, false}, Case{KeyType::rsa2048, true}, Case{KeyType::ec_p256, false},
                         Case{KeyType::ec_p384, false}}) {
        CAPTURE(key_type_name(c.type));
        CAPTURE(c.pss);
        const std::string key = d / (key_type_name(c.type) + ".der");
        const std::string cert = d / (key_type_name(c.type) + ".crt");
        if (!std::filesystem::exists(key)) {
            generate_key_file(key, {.type = c.type});
            tsign::test::make_cert(key, cert);
        }
        UserSigner signer(key, cert);
        const SignatureScheme scheme{.digest = DigestAlgorithm::sha384, .rsa_pss = c.pss};

        // CMS, detached and attached: OpenSSL verifies them.
        const Bytes p7s = sign_document(signer, doc, {.scheme = scheme});
        CHECK(signer.calls == 1);
        write_file_atomic(d / "minutes.p7s", p7s, {.force = true});
        CHECK(run("openssl cms -verify -binary -inform DER -in " + d / "minutes.p7s" + " -content " + doc + " -CAfile " + cert +
                  " -purpose any -out /dev/null") == 0);
        const Bytes attached = sign_data(signer, Bytes(text.begin(), text.end()), {.scheme = scheme, .attached = true});
        write_file_atomic(d / "attached.p7s", attached, {.force = true});
        CHECK(run("openssl cms -verify -binary -inform DER -in " + d / "attached.p7s" + " -CAfile " + cert +
                  " -purpose any -out " + d / "out.txt") == 0);
        CHECK(read_file(d / "out.txt") == Bytes(text.begin(), text.end()));
        if (c.pss) CHECK(run("openssl cms -cmsout -print -inform DER -in " + d / "minutes.p7s" + " | grep -q rsassaPss") == 0);

        // Co-signing adds the user's SignerInfo next to an earlier one.
        const Bytes two = cosign_document(p7s, signer, {.scheme = scheme, .content_path = doc, .allow_same_signer = true});
        write_file_atomic(d / "two.p7s", two, {.force = true});
        CHECK(run("openssl cms -verify -binary -inform DER -in " + d / "two.p7s" + " -content " + doc + " -CAfile " + cert +
                  " -purpose any -out /dev/null") == 0);

        // A CSR: no certificate needed.
        const Bytes csr = make_csr(signer, {.subject = "/CN=علی رضایی/C=IR", .scheme = scheme});
        write_file_atomic(d / "req.der", csr, {.force = true});
        CHECK(run("openssl req -inform DER -in " + d / "req.der" + " -verify -noout") == 0);
    }
}

TEST_CASE("a user-written Signer: its errors pass through, a wrong signature is refused, no certificate is named") {
    TempDir d;
    const std::string key = d / "k.der";
    const std::string cert = d / "k.crt";
    generate_key_file(key, {.type = KeyType::ec_p256});
    tsign::test::make_cert(key, cert);
    const Bytes data{'x'};

    UserSigner refuses(key, cert, UserSigner::Mode::refuses);
    try {
        sign_data(refuses, data, {});
        FAIL("signed although the signer refused");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::pin_incorrect);
        CHECK(std::string(e.what()).find("refused the PIN") != std::string::npos);
    }

    UserSigner garbage(key, cert, UserSigner::Mode::garbage);
    try {
        sign_data(garbage, data, {});
        FAIL("a signature that does not verify was used");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::token_error);
        CHECK(std::string(e.what()).find("does not verify") != std::string::npos);
    }

    UserSigner no_cert(key, "");
    try {
        sign_data(no_cert, data, {});
        FAIL("signed without a certificate");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::cert_not_found);
        CHECK(std::string(e.what()).find("the user's signing service") != std::string::npos);
    }
}
