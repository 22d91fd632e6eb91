#include <doctest/doctest.h>

#include "tsign/error.hpp"
#include "tsign/pkcs11_uri.hpp"

using tsign::Pkcs11Uri;

TEST_CASE("PKCS#11 URI: RFC 7512 examples and attributes") {
    auto u = Pkcs11Uri::parse("pkcs11:token=member1;object=sign;type=private");
    CHECK(*u.token == "member1");
    CHECK(*u.object == "sign");
    CHECK(*u.type == "private");
    CHECK_FALSE(u.id.has_value());

    u = Pkcs11Uri::parse("pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;manufacturer=Snake%20Oil,%20Inc.;"
                         "model=1.0;object=my-certificate;type=cert;id=%69%95%3E%5C%F4%BD%EC%91;serial=");
    CHECK(*u.token == "The Software PKCS#11 Softtoken");
    CHECK(*u.manufacturer == "Snake Oil, Inc.");
    CHECK(*u.serial == "");
    REQUIRE(u.id.has_value());
    CHECK(u.id->size() == 8);
    CHECK((*u.id)[0] == 0x69);
    CHECK((*u.id)[7] == 0x91);

    u = Pkcs11Uri::parse("pkcs11:slot-id=3;object=k?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/run/pin");
    CHECK(*u.slot_id == 3);
    CHECK(*u.module_path == "/usr/lib/softhsm/libsofthsm2.so");
    CHECK(*u.pin_source == "file:/run/pin");

    // Persian labels survive percent-encoding both ways.
    Pkcs11Uri p;
    p.token = "توکن علی";
    p.object = "امضا";
    p.id = tsign::Bytes{0x01, 0xAB};
    const auto text = p.to_string();
    CHECK(text.find(' ') == std::string::npos);
    const auto back = Pkcs11Uri::parse(text);
    CHECK(*back.token == "توکن علی");
    CHECK(*back.object == "امضا");
    CHECK(*back.id == tsign::Bytes{0x01, 0xAB});
}

TEST_CASE("PKCS#11 URI: errors") {
    CHECK_THROWS_AS(Pkcs11Uri::parse("pkcs12:token=x"), tsign::Error);
    CHECK_THROWS_AS(Pkcs11Uri::parse("pkcs11:token=%4"), tsign::Error);
    CHECK_THROWS_AS(Pkcs11Uri::parse("pkcs11:token=%zz"), tsign::Error);
    CHECK_THROWS_AS(Pkcs11Uri::parse("pkcs11:type=banana"), tsign::Error);
    CHECK_THROWS_AS(Pkcs11Uri::parse("pkcs11:slot-id=abc"), tsign::Error);
    CHECK_THROWS_AS(Pkcs11Uri::parse("pkcs11:token"), tsign::Error);
    try {
        Pkcs11Uri::parse("pkcs11:token=a;object=b?pin-value=123456");
        FAIL("pin-value accepted");
    } catch (const tsign::Error& e) {
        CHECK(e.code() == tsign::Errc::usage);
        CHECK(std::string(e.what()).find("123456") == std::string::npos);  // never echo the PIN
    }
}

TEST_CASE("PKCS#11 URI: numbers out of range and bad escapes are malformed input (exit 3)") {
    for (const char* bad : {"pkcs11:slot-id=99999999999999999999", "pkcs11:slot-id=18446744073709551616", "pkcs11:slot-id=-1",
                            "pkcs11:slot-id=", "pkcs11:token=%zz", "pkcs11:token=%4", "pkcs11:object=a%"}) {
        try {
            Pkcs11Uri::parse(bad);
            FAIL("accepted: " << bad);
        } catch (const tsign::Error& e) {
            CHECK_MESSAGE(e.code() == tsign::Errc::malformed, bad);
        }
    }
    CHECK(Pkcs11Uri::parse("pkcs11:slot-id=18446744073709551615").slot_id == 18446744073709551615UL);
}
