#include "serve/invocation.h"

#include <gtest/gtest.h>

namespace strata::serve {
namespace {

const std::vector<std::string> kCols = {"x1", "x2", "plan"};

std::string Message(const Result<Json>& r) { return r.ok() ? "" : r.status().message(); }

TEST(Invocation, AcceptsTheDocumentedShapes) {
  auto a = ParseInstances("application/json", R"({"instances": [{"x1": 1, "plan": "gold"}]})", kCols, 10);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ((*a)[0]["plan"], "gold");
  auto b = ParseInstances("application/json; charset=utf-8", R"([[1, 2, "basic"], [3, null, "gold"]])", kCols, 10);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->size(), 2u);
  auto c = ParseInstances("text/csv", "1,2,basic\r\n3,,\"gold, plus\"\n", kCols, 10);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ((*c)[0]["x1"], 1.0);
  EXPECT_TRUE((*c)[1]["x2"].is_null());
  EXPECT_EQ((*c)[1]["plan"], "gold, plus");
}

TEST(Invocation, MalformedShapesNameTheRowAndField) {
  EXPECT_NE(Message(ParseInstances("application/json", "{", kCols, 10)).find("line 1"), std::string::npos);
  EXPECT_NE(Message(ParseInstances("application/json", R"({"rows": []})", kCols, 10)).find("instances"),
            std::string::npos);
  EXPECT_NE(Message(ParseInstances("application/json", R"({"instances": 3})", kCols, 10)).find("list"),
            std::string::npos);
  EXPECT_NE(Message(ParseInstances("application/json", R"([{"x1": 1}, 7])", kCols, 10)).find("row 1"),
            std::string::npos);
  const std::string nested = Message(ParseInstances("application/json", R"([{"x1": {"a": 1}}])", kCols, 10));
  EXPECT_NE(nested.find("row 0"), std::string::npos);
  EXPECT_NE(nested.find("'x1'"), std::string::npos);
  const std::string ragged = Message(ParseInstances("application/json", R"([[1, 2]])", kCols, 10));
  EXPECT_NE(ragged.find("expected 3 values"), std::string::npos) << ragged;
  const std::string in_list = Message(ParseInstances("application/json", R"([[1, [2], "a"]])", kCols, 10));
  EXPECT_NE(in_list.find("'x2'"), std::string::npos) << in_list;
  const std::string csv = Message(ParseInstances("text/csv", "1,2,basic\n1,2\n", kCols, 10));
  EXPECT_NE(csv.find("line 2"), std::string::npos) << csv;
  EXPECT_NE(Message(ParseInstances("text/xml", "<a/>", kCols, 10)).find("text/xml"), std::string::npos);
}

TEST(Invocation, TooManyRowsIsPayloadTooLarge) {
  auto r = ParseInstances("application/json", "[[1,2,\"a\"],[1,2,\"a\"],[1,2,\"a\"]]", kCols, 2);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kPayloadTooLarge);
  auto c = ParseInstances("text/csv", "1,2,a\n1,2,a\n1,2,a\n", kCols, 2);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), ErrorCode::kPayloadTooLarge);
}

TEST(Invocation, EmptyBodies) {
  auto csv = ParseInstances("text/csv", "", kCols, 10);
  ASSERT_TRUE(csv.ok()) << csv.status().ToString();
  EXPECT_TRUE(csv->empty());
  EXPECT_FALSE(ParseInstances("application/json", "", kCols, 10).ok());
}

}  // namespace
}  // namespace strata::serve
