#include "cli/output.h"

#include <gtest/gtest.h>

#include "cli/transport.h"

namespace strata::cli {
namespace {

TEST(OutputTest, TableAlignsColumnsAndTrimsTrailingSpace) {
  Table t;
  t.headers = {"NAME", "STATUS", "NOTE"};
  t.rows = {{"a-long-name", "Completed", ""}, {"b", "Failed", "why"}};
  EXPECT_EQ(t.Render(),
            "NAME         STATUS     NOTE\n"
            "a-long-name  Completed\n"
            "b            Failed     why\n");
}

TEST(OutputTest, CellsRenderScalars) {
  EXPECT_EQ(Cell(nullptr), "-");
  EXPECT_EQ(Cell("text"), "text");
  EXPECT_EQ(Cell(3), "3");
  EXPECT_EQ(Cell(0.1234567), "0.123457");
  EXPECT_EQ(Cell(686200.0), "686200");
  EXPECT_EQ(Cell(Json::array({1, 2})), "[1,2]");
}

TEST(OutputTest, OutputFlagIsValidated) {
  EXPECT_EQ(*ResolveOutputFormat("json"), OutputFormat::kJson);
  EXPECT_EQ(*ResolveOutputFormat("table"), OutputFormat::kTable);
  EXPECT_EQ(ResolveOutputFormat("xml").status().code(), ErrorCode::kInvalidArgument);
}

TEST(TransportTest, RequestsEncodeNamesAndQueries) {
  api::Request r = MakeRequest("GET", "/api/v1/jobs/a b", {{"status", "In Progress&x"}});
  EXPECT_EQ(r.target, "/api/v1/jobs/a%20b?status=In%20Progress%26x");
  EXPECT_EQ(r.path, "/api/v1/jobs/a b");
  EXPECT_EQ(r.query["status"], "In Progress&x");
  Json body = {{"k", 1}};
  api::Request p = MakeRequest("POST", "/x", {}, &body);
  EXPECT_EQ(p.body, R"({"k":1})");
  EXPECT_EQ(p.Header("content-type").value_or(""), "application/json");
}

}  // namespace
}  // namespace strata::cli
