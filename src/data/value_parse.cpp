#include "data/value_parse.h"

#include <bit>
#include <charconv>
#include <cstring>

namespace strata::data {
namespace {

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool ValidDate(int y, int m, int d) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

// Parses "[T| ]HH:MM[:SS[.frac]][zone]" from pos to the end.
bool ParseTime(std::string_view s, size_t pos, int64_t* micros_of_day, int64_t* offset_s) {
  *micros_of_day = 0;
  *offset_s = 0;
  if (pos == s.size()) return true;
  if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return false;
  ++pos;
  int hh, mm, ss = 0;
  if (!Digits(s, pos, 2, &hh) || pos + 2 >= s.size() || s[pos + 2] != ':' || !Digits(s, pos + 3, 2, &mm)) return false;
  pos += 5;
  int64_t frac_us = 0;
  if (pos < s.size() && s[pos] == ':') {
    if (!Digits(s, pos + 1, 2, &ss)) return false;
    pos += 3;
    if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
      ++pos;
      int digits = 0;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        if (digits < 6) frac_us = frac_us * 10 + (s[pos] - '0');
        ++digits;
        ++pos;
      }
      if (digits == 0) return false;
      for (int d = digits; d < 6; ++d) frac_us *= 10;
    }
  }
  if (hh > 23 || mm > 59 || ss > 60) return false;
  if (pos < s.size()) {
    char z = s[pos];
    if ((z == 'Z' || z == 'z') && pos + 1 == s.size()) {
      ++pos;
    } else if (z == '+' || z == '-') {
      int oh, om = 0;
      if (!Digits(s, pos + 1, 2, &oh)) return false;
      size_t p = pos + 3;
      if (p < s.size() && s[p] == ':') ++p;
      if (p < s.size()) {
        if (!Digits(s, p, 2, &om)) return false;
        p += 2;
      }
      if (p != s.size() || oh > 23 || om > 59) return false;
      *offset_s = (oh * 3600 + om * 60) * (z == '-' ? -1 : 1);
      pos = p;
    } else {
      return false;
    }
  }
  if (pos != s.size()) return false;
  *micros_of_day = ((hh * 60 + mm) * 60 + ss) * 1000000LL + frac_us;
  return true;
}

}  // namespace

bool ParseInt64(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  const char* b = s.data();
  const char* end = s.data() + s.size();
  if (*b == '+') ++b;
  // Up to 18 digits cannot overflow: parsed here, the way from_chars would, which
  // costs several times more per value and is left the longer ones.
  const char* q = b;
  const bool negative = q < end && *q == '-';
  q += negative;  // branch-free, as in ParseDouble
  if (end - q >= 1 && end - q <= 18) {
    uint64_t v = 0;
    for (; q < end; ++q) {
      unsigned d = static_cast<unsigned char>(*q) - '0';
      if (d > 9) return false;
      v = v * 10 + d;
    }
    *out = negative ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
    return true;
  }
  auto [p, ec] = std::from_chars(b, end, *out);
  return ec == std::errc() && p == end;
}

bool ParseDouble(std::string_view s, double* out) {
  if (s.empty()) return false;
  const char* b = s.data();
  const char* end = s.data() + s.size();
  if (*b == '+') ++b;
  // Clinger's fast path for plain decimals ("-12.345"): with the digits as an integer
  // m <= 2^53 and at most 22 decimals, m and 10^k are exact doubles and one division
  // rounds correctly, so the result is from_chars' to the bit. Anything else
  // (exponents, inf, long mantissas) goes to from_chars.
  static constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                      1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  const char* q = b;
  // Branch-free: signs are random in real data, and a mispredicted branch cost a fifth
  // of a value's parse.
  const bool negative = q < end && *q == '-';
  q += negative;
  uint64_t m = 0;
  const char* int_start = q;
  while (q < end && static_cast<unsigned>(*q - '0') <= 9) m = m * 10 + static_cast<unsigned>(*q++ - '0');
  const long int_digits = q - int_start;
  long frac_digits = 0;
  bool dot = q < end && *q == '.';
  if (dot) {
    const char* frac_start = ++q;
    while (q < end && static_cast<unsigned>(*q - '0') <= 9) m = m * 10 + static_cast<unsigned>(*q++ - '0');
    frac_digits = q - frac_start;
  }
  if (q == end && int_digits > 0 && (!dot || frac_digits > 0) && int_digits + frac_digits <= 19 &&
      m <= (uint64_t{1} << 53) && frac_digits <= 22) {
    const double d = static_cast<double>(m) / kPow10[frac_digits];
    *out = std::bit_cast<double>(std::bit_cast<uint64_t>(d) | (uint64_t{negative} << 63));
    return true;
  }
  auto [p, ec] = std::from_chars(b, end, *out, std::chars_format::general);
  return ec == std::errc() && p == end;
}

bool ParseBool(std::string_view s, bool* out) {
  if (s.size() > 5) return false;
  char buf[6];
  for (size_t i = 0; i < s.size(); ++i) buf[i] = static_cast<char>(s[i] | 0x20);  // ASCII lower
  std::string_view l(buf, s.size());
  if (l == "true" || l == "yes" || l == "t" || l == "y") {
    *out = true;
    return true;
  }
  if (l == "false" || l == "no" || l == "f" || l == "n") {
    *out = false;
    return true;
  }
  return false;
}

bool ParseTimestamp(std::string_view s, int64_t* micros) {
  if (s.size() < 8 || s.size() > 40) return false;
  int y, m, d;
  size_t rest;
  if (s.size() >= 10 && (s[4] == '-' || s[4] == '/') && s[7] == s[4]) {
    if (!Digits(s, 0, 4, &y) || !Digits(s, 5, 2, &m) || !Digits(s, 8, 2, &d)) return false;
    rest = 10;
  } else if (s.size() >= 10 && s[2] == '/' && s[5] == '/') {
    if (!Digits(s, 0, 2, &m) || !Digits(s, 3, 2, &d) || !Digits(s, 6, 4, &y)) return false;
    rest = 10;
  } else {
    return false;
  }
  if (!ValidDate(y, m, d)) return false;
  int64_t tod, offset;
  if (!ParseTime(s, rest, &tod, &offset)) return false;
  *micros = DaysFromCivil(y, m, d) * 86400000000LL + tod - offset * 1000000LL;
  return true;
}

bool ValidUtf8(std::string_view s, size_t* bad_offset) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size(), i = 0;
  while (i < n) {
    // Eight ASCII bytes at a time: the common case.
    if (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      if ((w & 0x8080808080808080ull) == 0) {
        i += 8;
        continue;
      }
    }
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((c & 0xe0) == 0xc0) {
      len = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      cp = c & 0x07;
    } else {
      *bad_offset = i;
      return false;
    }
    if (i + len > n) {
      *bad_offset = i;
      return false;
    }
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xc0) != 0x80) {
        *bad_offset = i;
        return false;
      }
      cp = (cp << 6) | (p[i + k] & 0x3f);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
      *bad_offset = i;
      return false;
    }
    i += len;
  }
  return true;
}

}  // namespace strata::data
