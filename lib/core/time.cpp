// Solar Hijri (Jalali) conversion after the jalaali-js algorithm (Borkowski's 33-year cycle
// arithmetic with the table of break years), exact for Jalali years -61..3177.
#include "tsign/time.hpp"

#include <array>
#include <cstdio>
#include <ctime>

#include "tsign/error.hpp"

namespace tsign {

namespace {

// Integer division and remainder truncating toward zero, as in the reference algorithm.
constexpr long div(long a, long b) { return a / b; }
constexpr long mod(long a, long b) { return a % b; }

constexpr std::array<long, 20> kBreaks = {-61,  9,    38,   199,  426,  686,  756,  818,  1111, 1181,
                                          1210, 1635, 2060, 2097, 2192, 2262, 2324, 2394, 2456, 3178};

struct JalCal {
    long leap;   // 0 means leap year
    long gy;     // Gregorian year of the start of the Jalali year
    long march;  // the March day of Farvardin 1st
};

JalCal jal_cal(long jy) {
    long gy = jy + 621;
    long leap_j = -14;
    long jp = kBreaks[0];
    if (jy < jp || jy >= kBreaks.back())
        throw Error(Errc::unsupported, "Jalali year " + std::to_string(jy) + " is out of the supported range");
    long jump = 0;
    for (size_t i = 1; i < kBreaks.size(); ++i) {
        const long jm = kBreaks[i];
        jump = jm - jp;
        if (jy < jm) break;
        leap_j = leap_j + div(jump, 33) * 8 + div(mod(jump, 33), 4);
        jp = jm;
    }
    long n = jy - jp;
    leap_j = leap_j + div(n, 33) * 8 + div(mod(n, 33) + 3, 4);
    if (mod(jump, 33) == 4 && jump - n == 4) leap_j += 1;
    const long leap_g = div(gy, 4) - div((div(gy, 100) + 1) * 3, 4) - 150;
    const long march = 20 + leap_j - leap_g;
    if (jump - n < 6) n = n - jump + div(jump + 4, 33) * 33;
    long leap = mod(mod(n + 1, 33) - 1, 4);
    if (leap == -1) leap = 4;
    return {leap, gy, march};
}

long g2d(long gy, long gm, long gd) {
    long d = div((gy + div(gm - 8, 6) + 100100) * 1461, 4) + div(153 * mod(gm + 9, 12) + 2, 5) + gd - 34840408;
    d = d - div(div(gy + 100100 + div(gm - 8, 6), 100) * 3, 4) + 752;
    return d;
}

Date d2g(long jdn) {
    long j = 4 * jdn + 139361631;
    j = j + div(div(4 * jdn + 183187720, 146097) * 3, 4) * 4 - 3908;
    const long i = div(mod(j, 1461), 4) * 5 + 308;
    const long gd = div(mod(i, 153), 5) + 1;
    const long gm = mod(div(i, 153), 12) + 1;
    const long gy = div(j, 1461) - 100100 + div(8 - gm, 6);
    return {static_cast<int>(gy), static_cast<int>(gm), static_cast<int>(gd)};
}

long j2d(long jy, long jm, long jd) {
    const JalCal r = jal_cal(jy);
    return g2d(r.gy, 3, r.march) + (jm - 1) * 31 - div(jm, 7) * (jm - 7) + jd - 1;
}

Date d2j(long jdn) {
    const long gy = d2g(jdn).year;
    long jy = gy - 621;
    const JalCal r = jal_cal(jy);
    const long jdn1f = g2d(gy, 3, r.march);
    long k = jdn - jdn1f;
    if (k >= 0) {
        if (k <= 185) return {static_cast<int>(jy), static_cast<int>(1 + div(k, 31)), static_cast<int>(mod(k, 31) + 1)};
        k -= 186;
    } else {
        jy -= 1;
        k += 179;
        if (r.leap == 1) k += 1;
    }
    return {static_cast<int>(jy), static_cast<int>(7 + div(k, 30)), static_cast<int>(mod(k, 30) + 1)};
}

bool valid_gregorian(Date g) {
    if (g.month < 1 || g.month > 12 || g.day < 1) return false;
    static const int len[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int max = len[g.month - 1];
    const bool leap = (g.year % 4 == 0 && g.year % 100 != 0) || g.year % 400 == 0;
    if (g.month == 2 && leap) max = 29;
    return g.day <= max;
}

}  // namespace

Date gregorian_to_jalali(Date g) {
    if (!valid_gregorian(g)) throw Error(Errc::malformed, "invalid Gregorian date");
    return d2j(g2d(g.year, g.month, g.day));
}

bool jalali_is_leap(int jy) { return jal_cal(jy).leap == 0; }

int jalali_month_length(int jy, int month) {
    if (month < 1 || month > 12) throw Error(Errc::malformed, "invalid Jalali month");
    if (month <= 6) return 31;
    if (month <= 11) return 30;
    return jalali_is_leap(jy) ? 30 : 29;
}

Date jalali_to_gregorian(Date j) {
    if (j.month < 1 || j.month > 12 || j.day < 1 || j.day > jalali_month_length(j.year, j.month))
        throw Error(Errc::malformed, "invalid Jalali date");
    return d2g(j2d(j.year, j.month, j.day));
}

int weekday(Date g) {
    // Julian day number modulo 7: JDN 0 was a Monday.
    const long jdn = g2d(g.year, g.month, g.day);
    return static_cast<int>((jdn + 1) % 7);
}

std::string format_iso8601(std::int64_t t) {
    const time_t tt = static_cast<time_t>(t);
    struct tm tm {};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string format_human(std::int64_t t, bool with_jalali) {
    const time_t tt = static_cast<time_t>(t);
    struct tm tm {};
    gmtime_r(&tt, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
    std::string s = buf;
    if (with_jalali) {
        try {
            const Date j = gregorian_to_jalali({tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday});
            std::snprintf(buf, sizeof buf, " (%04d/%02d/%02d)", j.year, j.month, j.day);
            s += buf;
        } catch (const Error&) {
            // Out of the Jalali table's range: show the UTC form only.
        }
    }
    return s;
}

std::int64_t parse_iso8601(const std::string& text) {
    struct tm tm {};
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    char z = 0;
    int n = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c%n", &y, &mo, &d, &h, &mi, &s, &z, &n) == 7 &&
        z == 'Z' && static_cast<size_t>(n) == text.size()) {
    } else if (s = 0, z = 0, n = 0,
               std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d%c%n", &y, &mo, &d, &h, &mi, &z, &n) == 6 && z == 'Z' &&
                   static_cast<size_t>(n) == text.size()) {
    } else if (h = mi = s = 0, n = 0,
               std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &n) == 3 && static_cast<size_t>(n) == text.size()) {
    } else {
        throw Error(Errc::malformed, "invalid time '" + text + "': expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ");
    }
    if (!valid_gregorian({y, mo, d}) || h > 23 || mi > 59 || s > 60)
        throw Error(Errc::malformed, "invalid time '" + text + "': no such date or time");
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    return static_cast<std::int64_t>(timegm(&tm));
}

}  // namespace tsign
