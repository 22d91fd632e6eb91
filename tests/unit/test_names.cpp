// Names: the RFC 4514-escaped display (ossl::name_to_utf8) and its parser (detail::parse_dn), which
// must read back exactly the name that was printed: a value holding ", CN=..." can never pass
// for another attribute.
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "core/ossl.hpp"
#include "tsign/error.hpp"
#include "tsign/x509.hpp"
#include "x509/name.hpp"

using namespace tsign;

namespace {

struct Ava {
    std::string type, value;
    bool same_rdn = false;  // joins the previous attribute's RDN (multi-valued)
};

ossl::X509NamePtr make_name(const std::vector<Ava>& avas) {
    ossl::X509NamePtr n(X509_NAME_new());
    for (const auto& a : avas)
        REQUIRE(X509_NAME_add_entry_by_txt(n.get(), a.type.c_str(), MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(a.value.data()),
                                           static_cast<int>(a.value.size()), -1, a.same_rdn ? -1 : 0) == 1);
    return n;
}

Bytes der(const X509_NAME* n) { return ossl::to_der(n, i2d_X509_NAME); }

/// parse_dn(name_to_utf8(n)) is n: equal by X509_NAME_cmp, and (UTF8String values) the same DER.
void check_round_trip(const X509_NAME* n) {
    const std::string text = ossl::name_to_utf8(n);
    CAPTURE(text);
    CHECK(ossl::valid_utf8(text));
    const auto back = detail::parse_dn(text);
    CHECK(X509_NAME_cmp(back.get(), n) == 0);
    CHECK(der(back.get()) == der(n));
}

const std::string kAli = "علی رضایی";
const std::string kOrg = "شهرداری نمونه (TEST ONLY)";

}  // namespace

TEST_CASE("name_to_utf8: the comma of a spoofed O value is escaped, Persian stays UTF-8") {
    const auto real = make_name({{"CN", kAli}, {"O", kOrg}, {"C", "IR"}});
    const auto spoof = make_name({{"O", "X, CN=" + kAli}, {"O", kOrg}, {"C", "IR"}});
    CHECK(ossl::name_to_utf8(real.get()) == "CN=" + kAli + ", O=" + kOrg + ", C=IR");
    CHECK(ossl::name_to_utf8(spoof.get()) == "O=X\\, CN=" + kAli + ", O=" + kOrg + ", C=IR");
    // the spoof's display reads back as the spoof, never as the real member
    const auto spoof_back = detail::parse_dn(ossl::name_to_utf8(spoof.get()));
    CHECK(X509_NAME_cmp(spoof_back.get(), spoof.get()) == 0);
    CHECK(X509_NAME_cmp(spoof_back.get(), real.get()) != 0);
    CHECK(X509_NAME_entry_count(spoof_back.get()) == 3);
    // and the real member's text names the real member only
    const auto real_back = detail::parse_dn("CN=" + kAli + ", O=" + kOrg + ", C=IR");
    CHECK(X509_NAME_cmp(real_back.get(), real.get()) == 0);
    CHECK(X509_NAME_cmp(real_back.get(), spoof.get()) != 0);
}

TEST_CASE("name_to_utf8: multi-valued RDNs are joined with +") {
    const auto n = make_name({{"CN", "a"}, {"serialNumber", "12", true}, {"C", "IR"}});
    CHECK(ossl::name_to_utf8(n.get()) == "CN=a+serialNumber=12, C=IR");
    check_round_trip(n.get());
    CHECK(normalize_dn("/CN=a+serialNumber=12/C=IR") == "CN=a+serialNumber=12, C=IR");
    // one RDN of two members is not two RDNs
    const auto two = make_name({{"CN", "a"}, {"serialNumber", "12"}, {"C", "IR"}});
    CHECK(X509_NAME_cmp(detail::parse_dn("CN=a+serialNumber=12, C=IR").get(), n.get()) == 0);
    CHECK(X509_NAME_cmp(detail::parse_dn("CN=a+serialNumber=12, C=IR").get(), two.get()) != 0);
    CHECK(X509_NAME_cmp(detail::parse_dn("CN=a, serialNumber=12, C=IR").get(), two.get()) == 0);
    // a '+' inside a value is escaped
    const auto plus = make_name({{"CN", "a+serialNumber=12"}, {"C", "IR"}});
    CHECK(ossl::name_to_utf8(plus.get()) == "CN=a\\+serialNumber=12, C=IR");
    check_round_trip(plus.get());
}

TEST_CASE("name_to_utf8: RFC 4514 escapes") {
    CHECK(ossl::name_to_utf8(make_name({{"CN", "a,b+c\"d\\e<f>g;h"}}).get()) == "CN=a\\,b\\+c\\\"d\\\\e\\<f\\>g\\;h");
    CHECK(ossl::name_to_utf8(make_name({{"CN", "#x"}}).get()) == "CN=\\#x");
    CHECK(ossl::name_to_utf8(make_name({{"CN", "x#"}}).get()) == "CN=x#");
    CHECK(ossl::name_to_utf8(make_name({{"CN", " x "}}).get()) == "CN=\\ x\\ ");
    CHECK(ossl::name_to_utf8(make_name({{"CN", "a b"}}).get()) == "CN=a b");
    CHECK(ossl::name_to_utf8(make_name({{"CN", std::string("a\0b", 3)}}).get()) == "CN=a\\00b");
    CHECK(ossl::name_to_utf8(make_name({{"CN", "line\nbreak"}}).get()) == "CN=line\\0Abreak");
    CHECK(ossl::name_to_utf8(make_name({{"CN", "a=b"}}).get()) == "CN=a=b");
    // right-to-left override (U+202E) is escaped; the zero-width non-joiner of Persian (U+200C) is not
    CHECK(ossl::name_to_utf8(make_name({{"CN", "a\u202Eb"}}).get()) == "CN=a\\E2\\80\\AEb");
    CHECK(ossl::name_to_utf8(make_name({{"CN", "می\u200Cرود"}}).get()) == "CN=می\u200Cرود");
    for (const char* v : {"a,b+c\"d\\e<f>g;h", "#x", " x ", " ", "  ", "a\u202Eb", "\\", "\\\\,,++", "x\x7f"})
        check_round_trip(make_name({{"CN", v}, {"O", kOrg}}).get());
    check_round_trip(make_name({{"CN", std::string("a\0b", 3)}}).get());
    // unknown attribute types print as dotted OIDs and read back
    const auto oid = make_name({{"1.3.6.1.4.1.99999.1", "x, y"}, {"CN", kAli}});
    CHECK(ossl::name_to_utf8(oid.get()) == "1.3.6.1.4.1.99999.1=x\\, y, CN=" + kAli);
    check_round_trip(oid.get());
}

TEST_CASE("name_to_utf8: never emits invalid UTF-8") {
    // a UTF8String holding bytes that are not UTF-8 (set raw, without conversion)
    ossl::X509NamePtr n(X509_NAME_new());
    const unsigned char bad[] = {'a', 0xFF, 0xFE, 'b', 0xC0, 0xAF, 0xED, 0xA0, 0x80};
    REQUIRE(X509_NAME_add_entry_by_txt(n.get(), "CN", V_ASN1_UTF8STRING, bad, sizeof bad, -1, 0) == 1);
    const std::string text = ossl::name_to_utf8(n.get());
    CHECK(ossl::valid_utf8(text));
    CHECK(text == "CN=a\\FF\\FEb\\C0\\AF\\ED\\A0\\80");
    // a BMPString holding an unpaired surrogate has no UTF-8 form: still valid UTF-8 out
    ossl::X509NamePtr bmp(X509_NAME_new());
    const unsigned char surrogate[] = {0x06, 0x39, 0xD8, 0x00};
    REQUIRE(X509_NAME_add_entry_by_txt(bmp.get(), "CN", V_ASN1_BMPSTRING, surrogate, sizeof surrogate, -1, 0) == 1);
    CHECK(ossl::valid_utf8(ossl::name_to_utf8(bmp.get())));
    // a value of a type that is not a string (BIT STRING, as certificates may carry): its bytes, escaped
    ossl::X509NamePtr bits(X509_NAME_new());
    const unsigned char raw[] = {0xFF, 0xFE, 'Q'};
    REQUIRE(X509_NAME_add_entry_by_txt(bits.get(), "CN", V_ASN1_BIT_STRING, raw, sizeof raw, -1, 0) == 1);
    CHECK(ossl::name_to_utf8(bits.get()) == "CN=\\FF\\FEQ");
    // a well-formed BMPString is converted: Persian, not escapes
    ossl::X509NamePtr bmp2(X509_NAME_new());
    const unsigned char ain[] = {0x06, 0x39, 0x06, 0x44, 0x06, 0xCC};  // علی
    REQUIRE(X509_NAME_add_entry_by_txt(bmp2.get(), "CN", V_ASN1_BMPSTRING, ain, sizeof ain, -1, 0) == 1);
    CHECK(ossl::name_to_utf8(bmp2.get()) == "CN=علی");
    CHECK(X509_NAME_cmp(detail::parse_dn("CN=علی").get(), bmp2.get()) == 0);
    // the strict UTF-8 check: overlong forms, surrogates and values beyond U+10FFFF are not UTF-8
    CHECK(ossl::valid_utf8(kAli));
    CHECK_FALSE(ossl::valid_utf8("\xC0\xAF"));
    CHECK_FALSE(ossl::valid_utf8("\xED\xA0\x80"));
    CHECK_FALSE(ossl::valid_utf8("\xF4\x90\x80\x80"));
    CHECK_FALSE(ossl::valid_utf8("\xE0\x80"));
}

TEST_CASE("parse_dn: slash and comma forms") {
    const auto slash = detail::parse_dn("/CN=" + kAli + "/OU=کمیسیون مناقصه/O=" + kOrg + "/C=IR");
    const auto comma = detail::parse_dn("CN=" + kAli + ", OU=کمیسیون مناقصه, O=" + kOrg + ", C=IR");
    CHECK(X509_NAME_cmp(slash.get(), comma.get()) == 0);
    CHECK(der(slash.get()) == der(comma.get()));
    // countryName is a PrintableString, as in the slash form
    const X509_NAME_ENTRY* c = X509_NAME_get_entry(comma.get(), 3);
    CHECK(ASN1_STRING_type(X509_NAME_ENTRY_get_data(c)) == V_ASN1_PRINTABLESTRING);
    CHECK(ASN1_STRING_type(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(comma.get(), 0))) == V_ASN1_UTF8STRING);
    // no spaces, long names, lower case, \XX pairs and a hex-escaped Persian letter
    CHECK(X509_NAME_cmp(detail::parse_dn("commonName=a,c=IR").get(), detail::parse_dn("CN=a, C=IR").get()) == 0);
    CHECK(X509_NAME_cmp(detail::parse_dn("cn=\\61\\2c").get(), detail::parse_dn("/CN=a,").get()) == 0);
    CHECK(X509_NAME_cmp(detail::parse_dn("CN=\\D8\\B9").get(), detail::parse_dn("CN=ع").get()) == 0);
    CHECK(ossl::name_to_utf8(detail::parse_dn("CN=a\\, b, C=IR").get()) == "CN=a\\, b, C=IR");
    CHECK(normalize_dn("/CN=a, b/C=IR") == "CN=a\\, b, C=IR");
    CHECK(normalize_dn("/CN=علی رضایی/O=شهرداری تهران/C=IR") == "CN=علی رضایی, O=شهرداری تهران, C=IR");
    CHECK(normalize_dn("/CN=a\\/b/O=x") == "CN=a/b, O=x");
}

TEST_CASE("parse_dn: what it refuses") {
    for (const char* bad : {"", " ", "CN", "CN=a,", "CN=a, ", "CN=a+", ",CN=a", "CN=a,,O=b", "=a", "XX=a", "CN=\"a\"", "CN=a;O=b",
                            "CN=a<b", "CN=\\", "CN=\\q", "CN=\\8", "CN=#0403616263", "CN=\\FF", "C=Iran", "CN=\xff", "CN="}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(detail::parse_dn(bad), Error);
    }
    try {
        detail::parse_dn("CN=a;O=b", "issuer");
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::usage);
        CHECK(std::string(e.what()).find("invalid issuer 'CN=a;O=b'") == 0);
    }
}

TEST_CASE("parse_dn(name_to_utf8(n)) == n for random names") {
    std::mt19937 rng(4514);
    const std::vector<std::string> alphabet = {"a", "Z", "0", " ", ",", "+", "\"", "\\", "<", ">", ";", "#", "=", "/", "ع",
                                               "ی", "\u200C", "۱", std::string(1, '\0'), "\n", "\x7f", "\u202E", "é", "😀"};
    const std::vector<std::string> types = {"CN", "O", "OU", "L", "ST", "title", "serialNumber", "1.2.3.4.5"};
    for (int round = 0; round < 500; ++round) {
        std::vector<Ava> avas;
        const int count = 1 + static_cast<int>(rng() % 5);
        for (int k = 0; k < count; ++k) {
            std::string type = types[rng() % types.size()];
            std::string value;
            const int len = 1 + static_cast<int>(rng() % 8);
            for (int i = 0; i < len; ++i) value += alphabet[rng() % alphabet.size()];
            if (type == "serialNumber") value = std::to_string(rng() % 1000);  // PrintableString
            avas.push_back({type, value, k > 0 && rng() % 4 == 0});
        }
        check_round_trip(make_name(avas).get());
    }
}

TEST_CASE("to_valid_utf8: invalid bytes and control characters as \\XX, text unchanged") {
    CHECK(to_valid_utf8("plain text") == "plain text");
    CHECK(to_valid_utf8("علی رضایی") == "علی رضایی");
    CHECK(to_valid_utf8("a\xff"
                        "b") == "a\\FFb");
    CHECK(to_valid_utf8("a\nb") == "a\\0Ab");
    CHECK(to_valid_utf8("\xe2\x80\xae") == "\\E2\\80\\AE");  // RIGHT-TO-LEFT OVERRIDE
    CHECK(to_valid_utf8("\xed\xa0\x80") == "\\ED\\A0\\80");  // a surrogate
    CHECK(ossl::valid_utf8(to_valid_utf8(std::string("\xc0\xaf\xf5\x80", 4))));
    CHECK(Error(Errc::malformed, "cannot read 'x\xff'").what() == std::string("cannot read 'x\\FF'"));
}

TEST_CASE("name_to_utf8: invalid content in BMPString, UTF8String, T61String and IA5String values") {
    struct Case {
        int type;
        std::string bytes;
    };
    const Case cases[] = {
        {V_ASN1_UTF8STRING,
         "a\xff"
         "b"},                                // not UTF-8
        {V_ASN1_UTF8STRING, "\xed\xa0\x80"},  // a surrogate
        {V_ASN1_BMPSTRING, std::string("\x00"
                                       "a\x00",
                                       3)},                            // odd length
        {V_ASN1_BMPSTRING, std::string("\xd8\x00\x00\x41", 4)},        // a lone high surrogate
        {V_ASN1_T61STRING, "caf\xe9\x01"},                             // Latin-1 byte and a control character
        {V_ASN1_IA5STRING, "x\x80\xff"},                               // bytes above ASCII
        {V_ASN1_UNIVERSALSTRING, std::string("\x00\x11\x00\x00", 4)},  // beyond U+10FFFF
    };
    int decoded = 0;
    for (const auto& c : cases) {
        // DER of Name: SEQUENCE { SET { SEQUENCE { OID 2.5.4.3, <type> value } } }, as a certificate carries it
        std::string atv =
            std::string("\x06\x03\x55\x04\x03", 5) + static_cast<char>(c.type) + static_cast<char>(c.bytes.size()) + c.bytes;
        std::string seq = "\x30" + std::string(1, static_cast<char>(atv.size())) + atv;
        std::string set = "\x31" + std::string(1, static_cast<char>(seq.size())) + seq;
        std::string der = "\x30" + std::string(1, static_cast<char>(set.size())) + set;
        const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
        ossl::X509NamePtr n(d2i_X509_NAME(nullptr, &p, static_cast<long>(der.size())));
        ERR_clear_error();
        if (!n) continue;  // OpenSSL's decoder refuses it (odd BMPString lengths ...): it never reaches a name
        ++decoded;
        const std::string s = ossl::name_to_utf8(n.get());
        CHECK_MESSAGE(ossl::valid_utf8(s), "type " << c.type);
        CHECK(s.rfind("CN=", 0) == 0);
        ERR_clear_error();
    }
    CHECK(decoded >= 2);  // the canonical-form pass of d2i_X509_NAME refuses the rest
}
