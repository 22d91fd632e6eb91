// Tender internals: RFC 9162 Merkle trees (the RFC's reference tree hashes, every inclusion proof
// of trees up to 33 leaves, and proofs that must fail), Shamir sharing through libgfshare (any k
// shares recover, fewer do not), the package's ASN.1 (round trip, strict decoding), base64.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "core/ossl.hpp"
#include "tender/tender_impl.hpp"
#include "tsign/error.hpp"

using namespace tsign;
using tsign::tender::SecretBytes;

namespace {
Bytes b(const std::string& s) { return Bytes(s.begin(), s.end()); }
std::vector<Bytes> leaves_of(std::size_t n) {
    std::vector<Bytes> v;
    for (std::size_t i = 0; i < n; ++i) v.push_back(tender::merkle_leaf(b("leaf " + std::to_string(i))));
    return v;
}
SecretBytes secret_of(const std::string& hex) {
    const Bytes raw = ossl::unhex(hex);
    SecretBytes s(raw.size());
    std::memcpy(s.data(), raw.data(), raw.size());
    return s;
}
}  // namespace

TEST_CASE("merkle: RFC 9162 hashing of the empty tree, one leaf and two leaves") {
    // MTH({}) = SHA-256(""); MTH({d0}) = SHA-256(0x00 || d0); MTH({d0, d1}) = SHA-256(0x01 || l || r)
    CHECK(ossl::hex(tender::merkle_root({})) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const Bytes l0 = tender::merkle_leaf({});
    CHECK(ossl::hex(l0) == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");  // SHA-256(00)
    CHECK(tender::merkle_root({l0}) == l0);
    Bytes in{0x01};
    in.insert(in.end(), l0.begin(), l0.end());
    in.insert(in.end(), l0.begin(), l0.end());
    CHECK(tender::merkle_root({l0, l0}) == ossl::sha256(in));
}

TEST_CASE("merkle: the RFC 6962 test tree of 8 leaves has its published root") {
    // The reference vectors of Certificate Transparency (RFC 6962 §2.1 hashing, as RFC 9162 §2.1.1).
    const std::vector<std::string> inputs = {
        "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"};
    std::vector<Bytes> leaves;
    for (const auto& h : inputs) leaves.push_back(tender::merkle_leaf(ossl::unhex(h)));
    CHECK(ossl::hex(tender::merkle_root(leaves)) == "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");
    std::vector<Bytes> first2(leaves.begin(), leaves.begin() + 2);
    CHECK(ossl::hex(tender::merkle_root(first2)) == "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125");
    std::vector<Bytes> first3(leaves.begin(), leaves.begin() + 3);
    CHECK(ossl::hex(tender::merkle_root(first3)) == "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77");
}

TEST_CASE("merkle: every inclusion proof of trees of 1..33 leaves verifies, and a wrong one does not") {
    for (std::size_t n = 1; n <= 33; ++n) {
        const std::vector<Bytes> leaves = leaves_of(n);
        const Bytes root = tender::merkle_root(leaves);
        for (std::size_t m = 0; m < n; ++m) {
            const std::vector<Bytes> path = tender::merkle_path(leaves, m);
            CHECK(tender::merkle_root_from_path(m, n, leaves[m], path) == root);
            // another leaf at this index, another index, a shortened or lengthened path: never the root
            CHECK(tender::merkle_root_from_path(m, n, tender::merkle_leaf(b("other")), path) != root);
            if (n > 1) CHECK(tender::merkle_root_from_path((m + 1) % n, n, leaves[m], path) != root);
            if (!path.empty()) {
                std::vector<Bytes> shorter(path.begin(), path.end() - 1);
                CHECK(tender::merkle_root_from_path(m, n, leaves[m], shorter) != root);
            }
            std::vector<Bytes> longer = path;
            longer.push_back(root);
            CHECK(tender::merkle_root_from_path(m, n, leaves[m], longer) != root);
        }
        CHECK(tender::merkle_root_from_path(n, n, leaves[0], {}).empty());  // index out of range
    }
}

TEST_CASE("shamir: any k of n shares recover the secret; k-1 do not") {
    const SecretBytes secret = secret_of("00112233445566778899aabbccddeeff102132435465768798a9bacbdcedfe0f");
    const std::vector<unsigned char> xs = {1, 2, 3, 4, 5};
    const std::vector<SecretBytes> shares = tender::shamir_split(secret, xs, 3);
    REQUIRE(shares.size() == 5);
    for (const auto& s : shares) CHECK(s.size() == secret.size());
    // every 3-subset
    int subsets = 0;
    for (std::size_t a = 0; a < 5; ++a)
        for (std::size_t c = a + 1; c < 5; ++c)
            for (std::size_t d = c + 1; d < 5; ++d) {
                const SecretBytes r = tender::shamir_combine({xs[a], xs[c], xs[d]}, {&shares[a], &shares[c], &shares[d]});
                CHECK(std::memcmp(r.data(), secret.data(), secret.size()) == 0);
                ++subsets;
            }
    CHECK(subsets == 10);
    // two shares give something else (with overwhelming probability)
    const SecretBytes two = tender::shamir_combine({1, 2}, {&shares[0], &shares[1]});
    CHECK(std::memcmp(two.data(), secret.data(), secret.size()) != 0);
    // a share given the wrong number gives something else
    const SecretBytes wrong = tender::shamir_combine({1, 2, 4}, {&shares[0], &shares[1], &shares[2]});
    CHECK(std::memcmp(wrong.data(), secret.data(), secret.size()) != 0);
}

TEST_CASE("shamir: fresh coefficients every time; thresholds outside 1..n refused") {
    const SecretBytes secret = secret_of("0000000000000000000000000000000000000000000000000000000000000000");
    const auto s1 = tender::shamir_split(secret, {1, 2, 3}, 2);
    const auto s2 = tender::shamir_split(secret, {1, 2, 3}, 2);
    CHECK(std::memcmp(s1[0].data(), s2[0].data(), 32) != 0);  // random polynomial, not random()
    CHECK_THROWS_AS(tender::shamir_split(secret, {1, 2, 3}, 0), Error);
    CHECK_THROWS_AS(tender::shamir_split(secret, {1, 2, 3}, 4), Error);
    // threshold 1: every share is the secret itself
    const auto one = tender::shamir_split(secret, {7}, 1);
    CHECK(std::memcmp(one[0].data(), secret.data(), 32) == 0);
}

TEST_CASE("package: encodes and decodes; trailing bytes, wrong version and junk refused") {
    tender::Package p;
    p.tender_id = "T-1405-017 مناقصه";
    p.envelope = "A";
    p.descriptor_hash = Bytes(32, 0xab);
    p.threshold = 3;
    p.shares.push_back({1, Bytes(32, 1), b("sealed-1")});
    p.shares.push_back({2, Bytes(32, 2), b("sealed-2")});
    p.payload = b("payload");
    const Bytes der = tender::encode_package(p);
    const tender::Package q = tender::parse_package(der);
    CHECK(q.tender_id == p.tender_id);
    CHECK(q.envelope == "A");
    CHECK(q.descriptor_hash == p.descriptor_hash);
    CHECK(q.threshold == 3);
    REQUIRE(q.shares.size() == 2);
    CHECK(q.shares[1].member == 2);
    CHECK(q.shares[1].sealed == b("sealed-2"));
    CHECK(q.payload == b("payload"));

    Bytes trailing = der;
    trailing.push_back(0);
    CHECK_THROWS_AS(tender::parse_package(trailing), Error);
    Bytes truncated(der.begin(), der.end() - 1);
    CHECK_THROWS_AS(tender::parse_package(truncated), Error);
    CHECK_THROWS_AS(tender::parse_package(b("not DER at all")), Error);
    Bytes v2 = der;
    // the version INTEGER is the first element: 30 len 02 01 01
    const Bytes version1 = {0x02, 0x01, 0x01};
    const auto pos = std::search(v2.begin(), v2.end(), version1.begin(), version1.end());
    REQUIRE(pos != v2.end());
    *(pos + 2) = 2;
    try {
        tender::parse_package(v2);
        FAIL("version 2 accepted");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::unsupported);
    }
    tender::Package big = p;
    big.shares[0].member = 256;  // member indexes are 1..255
    CHECK_THROWS_AS(tender::parse_package(tender::encode_package(big)), Error);
}

TEST_CASE("base64: canonical only") {
    CHECK(tender::base64(b("abc")) == "YWJj");
    CHECK(tender::unbase64("YWJj", "x") == b("abc"));
    CHECK(tender::unbase64("YWI=", "x") == b("ab"));
    CHECK_THROWS_AS(tender::unbase64("YWJ", "x"), Error);   // length
    CHECK_THROWS_AS(tender::unbase64("YW J", "x"), Error);  // space
    CHECK_THROWS_AS(tender::unbase64("YWJ=", "x"), Error);  // non-canonical trailing bits
    CHECK_THROWS_AS(tender::unbase64("Y\nWJ", "x"), Error);
}
