#include "data/split.h"

#include <algorithm>
#include <climits>
#include <set>

#include "data/importer.h"
#include "data_test_util.h"

namespace strata::data {
namespace {

class SplitTest : public DataTest {
 protected:
  void SetUp() override {
    DataTest::SetUp();
    std::string csv = "id,label,when\n";
    for (int i = 0; i < 1000; ++i) {
      csv += fmt::format("{},{},2024-01-01T00:00:{:02}Z\n", i, i % 10 == 0 ? "rare" : "common", (999 - i) % 60);
    }
    ASSERT_TRUE(ImportFile(Write("t.csv", csv), {}, dir_ / "t").ok());
    table_ = *Table::Open(dir_ / "t");
  }
  int64_t CountLabel(const std::vector<int64_t>& rows, std::string_view label) {
    return std::count_if(rows.begin(), rows.end(), [&](int64_t r) { return table_->column(1).Text(r) == label; });
  }
  std::shared_ptr<Table> table_;
};

TEST_F(SplitTest, RandomSplitIsReproducibleAndPartitions) {
  SplitSpec spec{{{"train", 0.8}, {"test", 0.2}}, "", "", 42};
  auto a = SplitRows(*table_, spec);
  auto b = SplitRows(*table_, spec);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_EQ((*a)[0].size(), 800u);
  EXPECT_EQ((*a)[1].size(), 200u);
  std::set<int64_t> all((*a)[0].begin(), (*a)[0].end());
  all.insert((*a)[1].begin(), (*a)[1].end());
  EXPECT_EQ(all.size(), 1000u);  // every row once
  EXPECT_TRUE(std::is_sorted((*a)[1].begin(), (*a)[1].end()));
  spec.seed = 43;
  EXPECT_NE((*SplitRows(*table_, spec))[1], (*a)[1]);
}

TEST_F(SplitTest, StratifiedKeepsClassShares) {
  auto parts = SplitRows(*table_, {{{"train", 0.7}, {"test", 0.3}}, "label", "", 1});
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(CountLabel((*parts)[0], "rare"), 70);
  EXPECT_EQ(CountLabel((*parts)[1], "rare"), 30);
  EXPECT_EQ(CountLabel((*parts)[1], "common"), 270);
}

TEST_F(SplitTest, TimeSplitPutsEarlierRowsFirst) {
  auto parts = SplitRows(*table_, {{{"past", 0.5}, {"future", 0.5}}, "", "when", 1});
  ASSERT_TRUE(parts.ok());
  int64_t latest_past = 0, earliest_future = INT64_MAX;
  for (int64_t r : (*parts)[0]) latest_past = std::max(latest_past, table_->column(2).ints[r]);
  for (int64_t r : (*parts)[1]) earliest_future = std::min(earliest_future, table_->column(2).ints[r]);
  EXPECT_LE(latest_past, earliest_future);
}

TEST_F(SplitTest, BadSpecsAreNamed) {
  EXPECT_EQ(SplitRows(*table_, {{{"a", 0.5}}, "", "", 1}).status().message(), "fractions must add up to 1, got 0.5");
  EXPECT_NE(SplitRows(*table_, {{{"a", 1.5}, {"b", -0.5}}, "", "", 1}).status().message().find("'a' must be in (0, 1]"),
            std::string::npos);
  EXPECT_NE(SplitRows(*table_, {{{"a", 1}}, "nope", "", 1}).status().message().find("stratify_by 'nope'"),
            std::string::npos);
  EXPECT_NE(SplitRows(*table_, {{{"a", 1}}, "", "label", 1}).status().message().find("must be a timestamp or a number"),
            std::string::npos);
  EXPECT_NE(SplitRows(*table_, {{{"a", 1}}, "label", "when", 1}).status().message().find("cannot be combined"),
            std::string::npos);
}

TEST_F(SplitTest, WriteRowsCopiesValuesAndNulls) {
  ASSERT_TRUE(ImportFile(Write("n.csv", "a,b\n1,x\n,y\n3,\n"), {}, dir_ / "n").ok());
  auto src = *Table::Open(dir_ / "n");
  ASSERT_TRUE(WriteRows(*src, {2, 0}, dir_ / "n2").ok());
  auto out = *Table::Open(dir_ / "n2");
  EXPECT_EQ(out->RowsAsJson(0, 5), Json::parse(R"([{"a": 3, "b": null}, {"a": 1, "b": "x"}])"));
}

TEST(SampleTest, DistinctReproducibleRows) {
  auto a = SampleRows(1000000, 100, 5);
  EXPECT_EQ(a, SampleRows(1000000, 100, 5));
  EXPECT_EQ(std::set<int64_t>(a.begin(), a.end()).size(), 100u);
  EXPECT_TRUE(std::is_sorted(a.begin(), a.end()));
  EXPECT_LT(a.back(), 1000000);
  EXPECT_EQ(SampleRows(5, 10, 1), (std::vector<int64_t>{0, 1, 2, 3, 4}));
}

}  // namespace
}  // namespace strata::data
