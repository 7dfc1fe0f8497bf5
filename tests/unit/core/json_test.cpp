#include "core/json.h"

#include <gtest/gtest.h>

namespace strata::core {
namespace {

TEST(JsonTest, ParsesValidJson) {
  auto r = ParseJson(R"({"a": [1, 2]})", "body");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)["a"][1], 2);
}

TEST(JsonTest, ErrorNamesLineAndColumn) {
  auto r = ParseJson("{\n  \"a\": 1,\n  \"b\" 2\n}", "request body");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("request body: invalid JSON at line 3, column 7"),
            std::string::npos)
      << r.status().message();
}

TEST(JsonTest, EmptyInputIsClear) {
  auto r = ParseJson("", "request body");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "request body: empty, expected JSON");
}

TEST(JsonTest, FieldAccessorsNameTheField) {
  Json j = {{"name", 3}, {"ok", true}, {"n", 2.0}, {"x", 2.5}};
  auto s = RequiredString(j, "name");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(), "field 'name' must be a string, got integer");
  EXPECT_EQ(RequiredString(j, "missing").status().message(), "field 'missing' is required");
  EXPECT_EQ(*OptionalString(j, "missing", "d"), "d");
  EXPECT_EQ(*OptionalBool(j, "ok", false), true);
  EXPECT_EQ(*OptionalInt(j, "n", 0), 2);
  EXPECT_FALSE(OptionalInt(j, "x", 0).ok());
  EXPECT_DOUBLE_EQ(*OptionalNumber(j, "x", 0), 2.5);
}

}  // namespace
}  // namespace strata::core
