#include "data/importer.h"

#include <fstream>

#include "data/table.h"
#include "data_test_util.h"

namespace strata::data {
namespace {

class ImportTest : public DataTest {
 protected:
  Result<ImportSummary> Import(const std::string& content, ImportOptions options = {},
                               const std::string& name = "in.csv") {
    auto path = Write(name, content);
    if (name.size() > 6 && name.substr(name.size() - 6) == ".jsonl") options.reader.format = FileFormat::kJsonl;
    out_ = dir_ / ("table-" + std::to_string(++n_));
    return ImportFile(path, options, out_);
  }
  std::shared_ptr<Table> Open() {
    auto t = Table::Open(out_);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? *t : nullptr;
  }
  std::filesystem::path out_;
  int n_ = 0;
};

TEST_F(ImportTest, RoundTripsEveryTypeWithNulls) {
  auto s = Import(
      "id,price,ok,color,note,when\n"
      "1,2.5,yes,red,first note,2024-01-01\n"
      "2,,no,blue,,2024-01-02T10:30:00Z\n"
      ",3,NA,red,\"third, with comma\",\n");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->rows, 3);
  std::vector<std::pair<std::string, ColumnType>> want = {
      {"id", ColumnType::kInt},        {"price", ColumnType::kFloat}, {"ok", ColumnType::kBool},
      {"color", ColumnType::kCategory}, {"note", ColumnType::kCategory}, {"when", ColumnType::kTimestamp}};
  ASSERT_EQ(s->schema.columns.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(s->schema.columns[i].name, want[i].first);
    EXPECT_EQ(s->schema.columns[i].type, want[i].second) << want[i].first;
    EXPECT_EQ(s->schema.columns[i].nulls, i == 2 || i == 0 || i == 1 || i == 4 || i == 5 ? 1 : 0) << want[i].first;
  }
  auto t = Open();
  ASSERT_TRUE(t);
  EXPECT_EQ(t->rows(), 3);
  Json rows = t->RowsAsJson(0, 10);
  EXPECT_EQ(rows[0], Json::parse(R"({"id": 1, "price": 2.5, "ok": true, "color": "red", "note": "first note",
                                     "when": "2024-01-01T00:00:00.000Z"})"));
  EXPECT_EQ(rows[1]["price"], nullptr);
  EXPECT_EQ(rows[1]["when"], "2024-01-02T10:30:00.000Z");
  EXPECT_EQ(rows[2]["id"], nullptr);
  EXPECT_EQ(rows[2]["note"], "third, with comma");
  EXPECT_EQ(rows[2]["ok"], nullptr);
  // Column order is the file's.
  EXPECT_EQ(rows[0].begin().key(), "id");
  EXPECT_EQ(t->RowsAsJson(2, 5).size(), 1u);
  EXPECT_EQ(t->RowsAsJson(5, 5).size(), 0u);
  const ColumnView& color = t->column(3);
  EXPECT_EQ(color.dictionary.size(), 2u);
  EXPECT_EQ(color.Text(2), "red");
}

TEST_F(ImportTest, TextColumnsStoreEveryValue) {
  std::string csv = "t\n";
  for (int i = 0; i < 200; ++i) csv += "unique sentence " + std::to_string(i) + "\n";
  auto s = Import(csv);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->schema.columns[0].type, ColumnType::kText);
  auto t = Open();
  EXPECT_EQ(t->column(0).Text(199), "unique sentence 199");
}

TEST_F(ImportTest, RaggedRowFailsWithLineAndLeavesNothing) {
  auto s = Import("a,b,c\n1,2,3\n4,5\n");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(), "in.csv: line 3: expected 3 fields, got 2");
  EXPECT_FALSE(std::filesystem::exists(out_));
}

TEST_F(ImportTest, SkipModeCountsBadRows) {
  ImportOptions o;
  o.on_error = OnError::kSkip;
  auto s = Import("a,b\n1,2\n3\n4,5\n6,7,8\n9,\xFF\n", o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->rows, 2);
  EXPECT_EQ(s->skipped_rows, 3);
  ASSERT_EQ(s->skipped_examples.size(), 3u);
  EXPECT_EQ(s->skipped_examples[0], "in.csv: line 3: expected 2 fields, got 1");
  EXPECT_EQ(s->skipped_examples[2], "in.csv: line 6, column 2 ('b'): invalid UTF-8 at byte 1 of the value");
  EXPECT_EQ(Open()->RowsAsJson(0, 5), Json::parse(R"([{"a": 1, "b": 2}, {"a": 4, "b": 5}])"));
}

TEST_F(ImportTest, InvalidUtf8FailsWithPosition) {
  auto s = Import("a,b\nok,fine\nx,ab\xC3\n");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(), "in.csv: line 3, column 2 ('b'): invalid UTF-8 at byte 3 of the value");
}

TEST_F(ImportTest, TypeOverrides) {
  ImportOptions o;
  o.types["code"] = ColumnType::kText;
  o.types["n"] = ColumnType::kFloat;
  auto s = Import("code,n\n007,1\n008,2\n", o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->schema.columns[0].type, ColumnType::kText);
  EXPECT_EQ(Open()->RowsAsJson(0, 1)[0], Json::parse(R"({"code": "007", "n": 1.0})"));

  ImportOptions bad;
  bad.types["age"] = ColumnType::kInt;
  auto e = Import("name,age\nann,31\nbob,x1\n", bad);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().message(), "in.csv: line 3, column 2 ('age'): 'x1' is not a int");

  ImportOptions unknown;
  unknown.types["nope"] = ColumnType::kInt;
  auto u = Import("a\n1\n", unknown);
  EXPECT_NE(u.status().message().find("'nope', which is not a column"), std::string::npos);

  ImportOptions skip = bad;
  skip.on_error = OnError::kSkip;
  auto k = Import("name,age\nann,31\nbob,x1\ncy,40\n", skip);
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->rows, 2);
  EXPECT_EQ(k->skipped_rows, 1);
  EXPECT_EQ(Open()->RowsAsJson(1, 1)[0]["name"], "cy");
}

TEST_F(ImportTest, EmptyFileAndHeaderOnly) {
  auto e = Import("");
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("empty"), std::string::npos);
  auto h = Import("a,b\n");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->rows, 0);
  EXPECT_EQ(Open()->rows(), 0);
}

TEST_F(ImportTest, JsonLinesWithLateKeys) {
  auto s = Import("{\"a\": 1}\n{\"a\": 2, \"b\": \"x\"}\n{\"b\": \"y\", \"c\": 1.5}\n", {}, "in.jsonl");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->schema.columns.size(), 3u);
  EXPECT_EQ(s->schema.columns[1].nulls, 1);  // b missing on line 1
  EXPECT_EQ(s->schema.columns[2].nulls, 2);
  Json rows = Open()->RowsAsJson(0, 3);
  EXPECT_EQ(rows[0], Json::parse(R"({"a": 1, "b": null, "c": null})"));
  EXPECT_EQ(rows[2], Json::parse(R"({"a": null, "b": "y", "c": 1.5})"));
}

TEST_F(ImportTest, ProgressReachesTheEnd) {
  std::string csv = "x\n";
  for (int i = 0; i < 5000; ++i) csv += std::to_string(i) + "\n";
  auto path = Write("p.csv", csv);
  uint64_t last = 0, total = 0;
  auto s = ImportFile(path, {}, dir_ / "p", [&](uint64_t d, uint64_t t) {
    EXPECT_GE(d, last);
    last = d;
    total = t;
  });
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(total, 2 * csv.size());
  EXPECT_EQ(last, total);
}

class CorruptTableTest : public ImportTest {};

TEST_F(CorruptTableTest, TruncatedColumnFileIsAnError) {
  ASSERT_TRUE(Import("a,b\n1,x\n2,y\n").ok());
  std::filesystem::resize_file(out_ / "c0.values", 8);
  auto t = Table::Open(out_);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("c0.values has 8 bytes, expected 16"), std::string::npos) << t.status().message();
}

TEST_F(CorruptTableTest, BadOffsetsAndCodesAreErrors) {
  std::string csv = "t,c\n";
  for (int i = 0; i < 30; ++i) csv += "text number " + std::to_string(i) + ",k\n";
  ASSERT_TRUE(Import(csv).ok());
  {
    std::fstream f(out_ / "c1.values", std::ios::in | std::ios::out | std::ios::binary);
    int32_t code = 99;
    f.write(reinterpret_cast<const char*>(&code), 4);
  }
  auto t = Table::Open(out_);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("category code out of range at row 0"), std::string::npos);
  ASSERT_TRUE(Import(csv).ok());
  std::filesystem::resize_file(out_ / "c0.data", 10);
  EXPECT_NE(Table::Open(out_).status().message().find("offsets do not match"), std::string::npos);
}

TEST_F(CorruptTableTest, NewerFormatIsRefused) {
  ASSERT_TRUE(Import("a\n1\n").ok());
  auto text = core::ReadFile(out_ / "schema.json");
  Json schema = Json::parse(*text);
  schema["version"] = 99;
  ASSERT_TRUE(core::WriteFileAtomic(out_ / "schema.json", schema.dump()).ok());
  auto t = Table::Open(out_);
  EXPECT_EQ(t.status().code(), ErrorCode::kConflict);
  EXPECT_NE(t.status().message().find("table format version 99"), std::string::npos);
}

}  // namespace
}  // namespace strata::data
