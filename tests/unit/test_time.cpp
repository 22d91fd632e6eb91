#include <doctest/doctest.h>

#include "tsign/error.hpp"
#include "tsign/time.hpp"

using tsign::Date;

TEST_CASE("Jalali: known dates") {
    CHECK(tsign::gregorian_to_jalali({2021, 1, 10}) == Date{1399, 10, 21});
    CHECK(tsign::weekday({2021, 1, 10}) == 0);  // a Sunday
    CHECK(tsign::gregorian_to_jalali({2021, 1, 19}) == Date{1399, 10, 30});
    CHECK(tsign::gregorian_to_jalali({2025, 7, 15}) == Date{1404, 4, 24});
    CHECK(tsign::gregorian_to_jalali({2026, 11, 23}) == Date{1405, 9, 2});
    CHECK(tsign::gregorian_to_jalali({1979, 2, 11}) == Date{1357, 11, 22});
    CHECK(tsign::gregorian_to_jalali({2000, 2, 29}) == Date{1378, 12, 10});
    CHECK(tsign::weekday({2026, 11, 25}) == 3);  // a Wednesday
}

TEST_CASE("Jalali: Nowruz and leap years") {
    // 1399 and 1403 are leap years: Esfand has 30 days.
    CHECK(tsign::jalali_is_leap(1399));
    CHECK(tsign::jalali_is_leap(1403));
    CHECK_FALSE(tsign::jalali_is_leap(1400));
    CHECK_FALSE(tsign::jalali_is_leap(1402));
    CHECK_FALSE(tsign::jalali_is_leap(1404));
    CHECK(tsign::jalali_is_leap(1408));
    CHECK(tsign::gregorian_to_jalali({2021, 3, 20}) == Date{1399, 12, 30});
    CHECK(tsign::gregorian_to_jalali({2021, 3, 21}) == Date{1400, 1, 1});
    CHECK(tsign::gregorian_to_jalali({2024, 3, 19}) == Date{1402, 12, 29});
    CHECK(tsign::gregorian_to_jalali({2024, 3, 20}) == Date{1403, 1, 1});
    CHECK(tsign::gregorian_to_jalali({2025, 3, 20}) == Date{1403, 12, 30});
    CHECK(tsign::gregorian_to_jalali({2025, 3, 21}) == Date{1404, 1, 1});
    CHECK(tsign::jalali_month_length(1403, 12) == 30);
    CHECK(tsign::jalali_month_length(1404, 12) == 29);
    CHECK(tsign::jalali_month_length(1404, 6) == 31);
    CHECK(tsign::jalali_month_length(1404, 7) == 30);
    CHECK_THROWS_AS(tsign::jalali_to_gregorian({1404, 12, 30}), tsign::Error);
}

TEST_CASE("Jalali: round trip over 1300..1500, days consecutive") {
    int checked = 0;
    Date prev{};
    for (int jy = 1300; jy <= 1500; ++jy) {
        for (int m = 1; m <= 12; ++m) {
            for (int d = 1; d <= tsign::jalali_month_length(jy, m); ++d) {
                const Date g = tsign::jalali_to_gregorian({jy, m, d});
                REQUIRE(tsign::gregorian_to_jalali(g) == Date{jy, m, d});
                if (checked > 0) {
                    // consecutive Jalali days map to consecutive Gregorian days
                    const int wd_prev = tsign::weekday(prev), wd = tsign::weekday(g);
                    REQUIRE((wd_prev + 1) % 7 == wd);
                }
                prev = g;
                ++checked;
            }
        }
    }
    CHECK(checked > 73000);
}

TEST_CASE("ISO 8601 and human dates") {
    const auto t = tsign::parse_iso8601("2026-11-23T09:30:00Z");
    CHECK(tsign::format_iso8601(t) == "2026-11-23T09:30:00Z");
    CHECK(tsign::format_human(t) == "2026-11-23 09:30 UTC (1405/09/02)");
    CHECK(tsign::format_human(t, false) == "2026-11-23 09:30 UTC");
    CHECK(tsign::parse_iso8601("2026-11-23") == tsign::parse_iso8601("2026-11-23T00:00Z"));
    CHECK(tsign::parse_iso8601("1970-01-01T00:00:00Z") == 0);
    CHECK_THROWS_AS(tsign::parse_iso8601("2026-02-30"), tsign::Error);
    CHECK_THROWS_AS(tsign::parse_iso8601("23/11/2026"), tsign::Error);
    CHECK_THROWS_AS(tsign::parse_iso8601("2026-11-23T09:30:00+03:30"), tsign::Error);
}
