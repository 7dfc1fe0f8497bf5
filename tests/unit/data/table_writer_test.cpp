// The table writer's column-at-a-time side, which the import uses to write columns
// during its first pass: columns appended ahead of each other, a column emptied and
// retyped, batches appended in parallel or in part, and a table whose columns end
// with different row counts refused.

#include <gtest/gtest.h>

#include "core/core.h"
#include "data/column_batch.h"
#include "data/table.h"
#include "data_test_util.h"

namespace strata::data {
namespace {

ColumnBatch::Column Ints(std::vector<int64_t> values, std::vector<uint8_t> valid) {
  ColumnBatch::Column c;
  c.type = ColumnType::kInt;
  c.ints = std::move(values);
  c.valid = std::move(valid);
  return c;
}

ColumnBatch::Column Texts(const std::vector<std::string>& values, ColumnType type) {
  ColumnBatch::Column c;
  c.type = type;
  for (const auto& v : values) {
    c.valid.push_back(1);
    if (type == ColumnType::kCategory) {
      c.codes.push_back(c.dictionary.Code(v));
    } else {
      c.bytes += v;
      c.ends.push_back(c.bytes.size());
    }
  }
  return c;
}

Schema TwoColumns(ColumnType a, ColumnType b) { return Schema{{{"a", a, 0}, {"b", b, 0}}}; }

class TableWriterTest : public DataTest {};

TEST_F(TableWriterTest, ColumnsAppendAheadOfEachOther) {
  auto w = TableWriter::Create(dir_ / "t", TwoColumns(ColumnType::kInt, ColumnType::kCategory));
  ASSERT_TRUE(w.ok()) << w.status().message();
  (*w)->AppendColumn(0, Ints({1, 0, 3}, {1, 0, 1}));
  (*w)->AppendColumn(0, Ints({4}, {1}));
  (*w)->AppendColumn(1, Texts({"x", "y"}, ColumnType::kCategory));
  // The second batch's local code 0 is "y": the table's codes stay those of first
  // appearance across batches.
  (*w)->AppendColumn(1, Texts({"y", "z"}, ColumnType::kCategory));
  EXPECT_EQ((*w)->rows(), 4);
  ASSERT_TRUE((*w)->Finish().ok());
  auto t = Table::Open(dir_ / "t");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ((*t)->RowsAsJson(0, 10).dump(),
            R"([{"a":1,"b":"x"},{"a":null,"b":"y"},{"a":3,"b":"y"},{"a":4,"b":"z"}])");
  EXPECT_EQ((*t)->column(1).dictionary.size(), 3u);
}

TEST_F(TableWriterTest, ResetColumnStartsItAgainInAnotherType) {
  auto w = TableWriter::Create(dir_ / "t", TwoColumns(ColumnType::kInt, ColumnType::kCategory));
  ASSERT_TRUE(w.ok());
  (*w)->AppendColumn(0, Ints({7, 8}, {1, 0}));  // a null: a validity file to remove
  (*w)->AppendColumn(1, Texts({"p", "q"}, ColumnType::kCategory));
  ASSERT_TRUE((*w)->ResetColumn(0, ColumnType::kText).ok());
  ASSERT_TRUE((*w)->ResetColumn(1, ColumnType::kText).ok());
  EXPECT_EQ((*w)->type(0), ColumnType::kText);
  EXPECT_EQ((*w)->rows(), 0);
  (*w)->AppendColumn(0, Texts({"seven", "eight"}, ColumnType::kText));
  (*w)->AppendColumn(1, Texts({"p", "q"}, ColumnType::kText));
  ASSERT_TRUE((*w)->Finish().ok());
  auto t = Table::Open(dir_ / "t");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ((*t)->schema().columns[0].type, ColumnType::kText);
  EXPECT_EQ((*t)->schema().columns[0].nulls, 0);
  EXPECT_EQ((*t)->RowsAsJson(0, 10).dump(), R"([{"a":"seven","b":"p"},{"a":"eight","b":"q"}])");
  EXPECT_FALSE(std::filesystem::exists(dir_ / "t" / "c0.values"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "t" / "c1.values"));
}

TEST_F(TableWriterTest, ColumnsOfDifferentLengthsAreRefused) {
  auto w = TableWriter::Create(dir_ / "t", TwoColumns(ColumnType::kInt, ColumnType::kInt));
  ASSERT_TRUE(w.ok());
  (*w)->AppendColumn(0, Ints({1, 2}, {1, 1}));
  (*w)->AppendColumn(1, Ints({1}, {1}));
  Status s = (*w)->Finish();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("column 1 has 1 rows, column 0 2"), std::string::npos) << s.message();
}

TEST_F(TableWriterTest, BatchesInParallelAndInPartGiveTheSameBytes) {
  // Many columns of uneven sizes over a pool, then only some columns of a batch: the
  // same table as appending every value one at a time.
  Schema schema;
  for (int c = 0; c < 12; ++c) schema.columns.push_back({"c" + std::to_string(c), c % 3 ? ColumnType::kInt : ColumnType::kText, 0});
  auto batch_of = [&](int from, int rows) {
    std::vector<ColumnBatch::Column> cols;
    for (int c = 0; c < 12; ++c) {
      if (c % 3) {
        std::vector<int64_t> v;
        std::vector<uint8_t> valid;
        for (int r = from; r < from + rows; ++r) {
          v.push_back(r % 5 ? r * c : 0);
          valid.push_back(r % 5 != 0);
        }
        cols.push_back(Ints(v, valid));
      } else {
        std::vector<std::string> v;
        for (int r = from; r < from + rows; ++r) v.push_back(std::string(static_cast<size_t>(r % 7 + c), 'a' + c));
        cols.push_back(Texts(v, ColumnType::kText));
      }
    }
    return ColumnBatch(std::move(cols), rows);
  };
  auto one_by_one = TableWriter::Create(dir_ / "serial", schema);
  ASSERT_TRUE(one_by_one.ok());
  for (int r = 0; r < 300; ++r) {
    for (int c = 0; c < 12; ++c) {
      if (c % 3 == 0) (*one_by_one)->AppendText(c, std::string(static_cast<size_t>(r % 7 + c), 'a' + c));
      else if (r % 5 == 0) (*one_by_one)->AppendNull(c);
      else (*one_by_one)->AppendInt(c, r * c);
    }
  }
  ASSERT_TRUE((*one_by_one)->Finish().ok());

  core::ThreadPool pool(3);
  auto parallel = TableWriter::Create(dir_ / "parallel", schema);
  ASSERT_TRUE(parallel.ok());
  (*parallel)->AppendBatch(batch_of(0, 100), &pool);
  ColumnBatch second = batch_of(100, 200);
  std::vector<uint8_t> evens(12), odds(12);
  for (int c = 0; c < 12; ++c) (c % 2 ? odds : evens)[c] = 1;
  (*parallel)->AppendBatch(second, &pool, &evens);
  (*parallel)->AppendBatch(second, nullptr, &odds);
  ASSERT_TRUE((*parallel)->Finish().ok());

  for (const auto& entry : std::filesystem::directory_iterator(dir_ / "serial")) {
    const auto other = dir_ / "parallel" / entry.path().filename();
    ASSERT_TRUE(std::filesystem::exists(other)) << other;
    std::ifstream a(entry.path(), std::ios::binary), b(other, std::ios::binary);
    std::string sa((std::istreambuf_iterator<char>(a)), {}), sb((std::istreambuf_iterator<char>(b)), {});
    EXPECT_EQ(sa, sb) << entry.path().filename();
  }
}

}  // namespace
}  // namespace strata::data
