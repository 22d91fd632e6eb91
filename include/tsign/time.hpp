/// @file time.hpp
/// UTC and Solar Hijri (Jalali) date handling.
#pragma once

#include <cstdint>
#include <string>

// Everything declared here is the library's public interface (exported from libtsign.so).
#pragma GCC visibility push(default)

namespace tsign {

/// A calendar date (Gregorian or Jalali, by context).
struct Date {
    int year = 0;
    int month = 0;  ///< 1..12
    int day = 0;    ///< 1..31
    bool operator==(const Date&) const = default;
};

/// Gregorian to Solar Hijri (Jalali). Valid for Jalali years -61..3177 (the astronomical
/// arithmetic of the 33-year cycle with the known break years). Throws Errc::unsupported outside.
Date gregorian_to_jalali(Date gregorian);

/// Solar Hijri (Jalali) to Gregorian.
Date jalali_to_gregorian(Date jalali);

/// True when the Jalali year has 366 days (Esfand has 30 days).
bool jalali_is_leap(int jalali_year);

/// Number of days in a Jalali month.
int jalali_month_length(int jalali_year, int month);

/// Day of the week, 0 = Sunday .. 6 = Saturday, of a Gregorian date.
int weekday(Date gregorian);

/// Seconds since the Unix epoch (UTC) to "2026-11-23T09:30:00Z".
std::string format_iso8601(std::int64_t unix_seconds);

/// Human form: "2026-11-23 09:30 UTC (1405/09/02)", or without the Jalali part.
std::string format_human(std::int64_t unix_seconds, bool with_jalali = true);

/// Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS]Z" (UTC). Throws Errc::malformed.
std::int64_t parse_iso8601(const std::string& text);

}  // namespace tsign

#pragma GCC visibility pop
