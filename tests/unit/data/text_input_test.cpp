// The text a text model reads: from a stored table's column and from JSON rows.
#include "data/text_input.h"

#include "data/importer.h"
#include "data_test_util.h"

namespace strata::data {
namespace {

class TextInputTest : public DataTest {};

TEST_F(TextInputTest, ReadsTheColumnOfTableRows) {
  auto csv = Write("t.csv", "id,review,stars\n1,\"great, really\",5\n2,,1\n3,\"two\nlines\",3\n");
  ImportOptions io;
  ASSERT_TRUE(ImportFile(csv, io, dir_ / "table").ok());
  auto table = Table::Open(dir_ / "table");
  ASSERT_TRUE(table.ok());
  auto all = ColumnTexts(**table, "review", {});
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(*all, (std::vector<std::string>{"great, really", "", "two\nlines"}));
  auto some = ColumnTexts(**table, "stars", {2, 0});  // numbers are spelled out
  ASSERT_TRUE(some.ok());
  EXPECT_EQ(*some, (std::vector<std::string>{"3", "5"}));
  auto missing = ColumnTexts(**table, "text", {});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("no column 'text'"), std::string_view::npos);
}

TEST_F(TextInputTest, ReadsTheColumnOfJsonRows) {
  TransformNotes notes;
  auto texts = JsonTexts(
      Json::parse(R"([{"review": "fine"}, {"review": 3}, {"review": 2.5}, {"review": true},
                                         {"review": null}, {"other": "x"}])"),
      "review", &notes);
  ASSERT_TRUE(texts.ok()) << texts.status().ToString();
  EXPECT_EQ(*texts, (std::vector<std::string>{"fine", "3", "2.5", "true", "", ""}));
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0], "row 5: column 'review' is missing: read as empty text");
  auto nested =
      JsonTexts(Json::parse(R"([{"review": "ok"}, {"review": ["a"]}])"), "review", nullptr);
  ASSERT_FALSE(nested.ok());
  EXPECT_NE(nested.status().message().find("row 1: column 'review'"), std::string_view::npos);
  EXPECT_FALSE(JsonTexts(Json::parse(R"(["bare"])"), "review", nullptr).ok());
}

}  // namespace
}  // namespace strata::data
