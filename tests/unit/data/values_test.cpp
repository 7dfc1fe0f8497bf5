#include <gtest/gtest.h>

#include "data/inference.h"
#include "data/value_parse.h"

#include <fmt/format.h>

#include <bit>
#include <charconv>
#include <random>

namespace strata::data {
namespace {

TEST(ValueParseTest, Numbers) {
  int64_t i;
  double d;
  EXPECT_TRUE(ParseInt64("-42", &i));
  EXPECT_EQ(i, -42);
  EXPECT_TRUE(ParseInt64("+7", &i));
  EXPECT_FALSE(ParseInt64("1.0", &i));
  EXPECT_FALSE(ParseInt64("99999999999999999999", &i));  // overflow
  EXPECT_FALSE(ParseInt64(" 1", &i));
  EXPECT_TRUE(ParseDouble("1e-3", &d));
  EXPECT_DOUBLE_EQ(d, 0.001);
  EXPECT_TRUE(ParseDouble("99999999999999999999", &d));
  EXPECT_FALSE(ParseDouble("0x10", &d));
  EXPECT_FALSE(ParseDouble("1,5", &d));
}

// The hand-written fast paths must agree with from_chars to the bit, accept and refuse
// the same texts, on the shapes CSVs hold and on their edges.
TEST(ValueParseTest, NumberFastPathsMatchFromChars) {
  std::vector<std::string> texts = {"0",    "-0",   "+0",    "-0.0", "0.5",  "1.",  ".5",   "-",    "+",  "+-3",
                                    "--3",  "1.2.3", "12a",  "9007199254740992", "9007199254740993",
                                    "9007199254740993.0", "123456789012345678", "-123456789012345678",
                                    "1234567890123456789", "9223372036854775807", "-9223372036854775808",
                                    "9223372036854775808", "0.1", "0.3", "2.675", "1.0000000000000000000001",
                                    "0.0000000000000000000001", "0.00000000000000000000001", "1e5", "inf"};
  std::mt19937_64 rng(3);
  for (int i = 0; i < 20000; ++i) {
    std::string t = (rng() % 4 == 0) ? "-" : "";
    int int_digits = 1 + static_cast<int>(rng() % 12), frac_digits = static_cast<int>(rng() % 12);
    for (int k = 0; k < int_digits; ++k) t += static_cast<char>('0' + rng() % 10);
    if (frac_digits > 0) t += ".";
    for (int k = 0; k < frac_digits; ++k) t += static_cast<char>('0' + rng() % 10);
    texts.push_back(t);
  }
  for (const std::string& t : texts) {
    const char* b = t.data() + (t[0] == '+' ? 1 : 0);
    const char* e = t.data() + t.size();
    double want_d = 0, got_d = 0;
    auto [pd, ecd] = std::from_chars(b, e, want_d, std::chars_format::general);
    bool want_ok = ecd == std::errc() && pd == e;
    ASSERT_EQ(ParseDouble(t, &got_d), want_ok) << t;
    if (want_ok) {
      ASSERT_EQ(std::bit_cast<uint64_t>(got_d), std::bit_cast<uint64_t>(want_d)) << t;
    }
    int64_t want_i = 0, got_i = 0;
    auto [pi, eci] = std::from_chars(b, e, want_i);
    want_ok = eci == std::errc() && pi == e;
    ASSERT_EQ(ParseInt64(t, &got_i), want_ok) << t;
    if (want_ok) {
      ASSERT_EQ(got_i, want_i) << t;
    }
  }
}

TEST(ValueParseTest, Bools) {
  bool b;
  EXPECT_TRUE(ParseBool("TRUE", &b) && b);
  EXPECT_TRUE(ParseBool("no", &b) && !b);
  EXPECT_TRUE(ParseBool("F", &b) && !b);
  EXPECT_FALSE(ParseBool("1", &b));
  EXPECT_FALSE(ParseBool("truth", &b));
}

TEST(ValueParseTest, Timestamps) {
  int64_t us;
  ASSERT_TRUE(ParseTimestamp("1970-01-02", &us));
  EXPECT_EQ(us, 86400LL * 1000000);
  ASSERT_TRUE(ParseTimestamp("2024-02-29T12:30:15.25Z", &us));
  EXPECT_EQ(us, 1709209815250000LL);
  ASSERT_TRUE(ParseTimestamp("2024-02-29 14:30:15.25+02:00", &us));
  EXPECT_EQ(us, 1709209815250000LL);
  ASSERT_TRUE(ParseTimestamp("2024/02/29 12:30", &us));
  EXPECT_EQ(us, 1709209800000000LL);
  ASSERT_TRUE(ParseTimestamp("02/29/2024", &us));
  EXPECT_EQ(us, 1709164800000000LL);
  ASSERT_TRUE(ParseTimestamp("1969-12-31T23:59:59Z", &us));
  EXPECT_EQ(us, -1000000);
  EXPECT_FALSE(ParseTimestamp("2023-02-29", &us));  // not a leap year
  EXPECT_FALSE(ParseTimestamp("2024-13-01", &us));
  EXPECT_FALSE(ParseTimestamp("2024-01-01T25:00", &us));
  EXPECT_FALSE(ParseTimestamp("2024-01-01X", &us));
  EXPECT_FALSE(ParseTimestamp("20240101", &us));
}

TEST(ValueParseTest, Utf8) {
  size_t bad = 99;
  EXPECT_TRUE(ValidUtf8("plain ascii text, long enough for the fast path", &bad));
  EXPECT_TRUE(ValidUtf8("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80", &bad));
  EXPECT_FALSE(ValidUtf8("ab\xC3", &bad));
  EXPECT_EQ(bad, 2u);
  EXPECT_FALSE(ValidUtf8("abcdefgh\xFFxyz", &bad));
  EXPECT_EQ(bad, 8u);
  EXPECT_FALSE(ValidUtf8("\xC0\xAF", &bad));          // overlong
  EXPECT_FALSE(ValidUtf8("\xED\xA0\x80", &bad));      // surrogate
  EXPECT_FALSE(ValidUtf8("\xF4\x90\x80\x80", &bad));  // past U+10FFFF
}

ColumnType Infer(const std::vector<std::string>& values, int64_t nulls = 0) {
  ColumnInference inf;
  for (const auto& v : values) inf.Add(v);
  inf.AddNulls(nulls);
  return inf.Decide();
}

TEST(InferenceTest, FollowsTheRules) {
  EXPECT_EQ(Infer({"1", "2", "-3"}), ColumnType::kInt);
  EXPECT_EQ(Infer({"0", "1", "1"}), ColumnType::kInt);
  EXPECT_EQ(Infer({"1", "2.5"}), ColumnType::kFloat);
  EXPECT_EQ(Infer({"1", "99999999999999999999"}), ColumnType::kFloat);
  EXPECT_EQ(Infer({"yes", "No", "TRUE"}), ColumnType::kBool);
  EXPECT_EQ(Infer({"2024-01-01", "2024-01-02T10:00:00Z"}), ColumnType::kTimestamp);
  EXPECT_EQ(Infer({"red", "green", "red", "blue"}), ColumnType::kCategory);
  EXPECT_EQ(Infer({"1", "two"}), ColumnType::kCategory);
  EXPECT_EQ(Infer({}, 5), ColumnType::kFloat);
  std::vector<std::string> unique;
  for (int i = 0; i < 100; ++i) unique.push_back("sentence number " + std::to_string(i));
  EXPECT_EQ(Infer(unique), ColumnType::kText);  // 100 distinct > max(20, 100/20)
  std::vector<std::string> many;
  for (int i = 0; i < 4000; ++i) many.push_back(fmt::format("c{}", i % 150));
  EXPECT_EQ(Infer(many), ColumnType::kCategory);  // 150 <= 4000/20
}

TEST(InferenceTest, ParseAsHonoursOverrides) {
  ParsedValue v;
  EXPECT_TRUE(ParseAs(ColumnType::kBool, "1", &v));
  EXPECT_EQ(v.i, 1);
  EXPECT_FALSE(ParseAs(ColumnType::kInt, "x1", &v));
  EXPECT_TRUE(ParseAs(ColumnType::kText, "anything", &v));
}

}  // namespace
}  // namespace strata::data
