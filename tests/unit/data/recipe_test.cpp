#include "data/recipe.h"

#include <algorithm>
#include <cmath>

#include "data/importer.h"
#include "data_test_util.h"

namespace strata::data {
namespace {

class RecipeTest : public DataTest {
 protected:
  void SetUp() override {
    DataTest::SetUp();
    ImportOptions text_note;
    text_note.types["note"] = ColumnType::kText;
    ASSERT_TRUE(ImportFile(Write("t.csv",
                                 "age,plan,vip,note,when,label\n"
                                 "30,basic,yes,great service,2024-03-04T10:30:00Z,1\n"
                                 ",premium,no,too expensive,2024-03-05T00:00:00Z,0\n"
                                 "50,basic,,,2024-03-06T23:00:00Z,1\n"
                                 "40,basic,no,great value,,0\n"),
                           text_note, dir_ / "t")
                    .ok());
    table_ = *Table::Open(dir_ / "t");
  }
  size_t Feature(const Recipe& r, const std::string& name) {
    const auto& f = r.feature_names();
    auto it = std::find(f.begin(), f.end(), name);
    EXPECT_NE(it, f.end()) << name;
    return static_cast<size_t>(it - f.begin());
  }
  std::shared_ptr<Table> table_;
};

TEST_F(RecipeTest, DefaultsByTypeAndTheTargetLeftOut) {
  RecipeOptions o;
  o.hash_dims = 8;
  auto r = Recipe::Fit(*table_, {}, "label", o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::vector<std::string> want = {"age", "plan=basic", "plan=premium", "plan=__other__", "vip"};
  EXPECT_EQ(std::vector<std::string>(r->feature_names().begin(), r->feature_names().begin() + 5), want);
  EXPECT_EQ(r->num_features(), 5u + 8 + 6);  // + hashed note + timestamp parts
  EXPECT_EQ(r->feature_names().back(), "when.epoch_days");

  TransformNotes notes;
  auto m = r->TransformTable(*table_, {0, 1, 2, 3}, &notes);
  ASSERT_TRUE(m.ok());
  const size_t nf = r->num_features();
  auto at = [&](size_t row, const std::string& f) { return (*m)[row * nf + Feature(*r, f)]; };
  EXPECT_EQ(at(0, "age"), 30);
  EXPECT_EQ(at(1, "age"), 40);  // imputed median of 30, 40, 50
  EXPECT_EQ(at(1, "plan=premium"), 1);
  EXPECT_EQ(at(1, "plan=basic"), 0);
  EXPECT_EQ(at(0, "vip"), 1);
  EXPECT_EQ(at(2, "vip"), 0);  // imputed: most frequent of yes, no, no
  EXPECT_EQ(at(0, "when.year"), 2024);
  EXPECT_EQ(at(0, "when.month"), 3);
  EXPECT_EQ(at(0, "when.day"), 4);
  EXPECT_EQ(at(0, "when.day_of_week"), 0);  // 2024-03-04 was a Monday
  EXPECT_EQ(at(0, "when.hour"), 10);
  EXPECT_EQ(at(0, "when.epoch_days"), 19786);
  EXPECT_EQ(at(3, "when.day"), 5);  // missing: the median time, 2024-03-05
  double norm = 0;
  for (int h = 0; h < 8; ++h) norm += std::pow(at(0, "note#" + std::to_string(h)), 2);
  EXPECT_NEAR(norm, 1.0, 1e-5);  // hashed text is L2-normalised
  for (int h = 0; h < 8; ++h) EXPECT_EQ(at(2, "note#" + std::to_string(h)), 0);  // missing text: zeros
}

TEST_F(RecipeTest, FitsOnTrainingRowsOnlyAndScales) {
  RecipeOptions o;
  o.scale = Scale::kStandard;
  o.drop = {"note", "when"};
  auto r = Recipe::Fit(*table_, {0, 2}, "label", o);  // ages 30 and 50
  ASSERT_TRUE(r.ok());
  auto m = r->TransformTable(*table_, {0, 3}, nullptr);
  size_t age = Feature(*r, "age");
  EXPECT_NEAR((*m)[age], (30 - 40) / std::sqrt(200.0), 1e-6);
  EXPECT_NEAR((*m)[r->num_features() + age], 0, 1e-6);  // 40 is the training mean
  // "premium" was not in the training rows: it is an unseen category.
  EXPECT_EQ(r->steps()[1].categories, std::vector<std::string>{"basic"});
}

TEST_F(RecipeTest, JsonRowsGiveTheSameFeaturesInAnyColumnOrder) {
  auto r = Recipe::Fit(*table_, {}, "label", {});
  ASSERT_TRUE(r.ok());
  // Every step's column, in the recipe's order (the fast path) and reversed (lookups).
  Json in_order = Json::object(), reversed = Json::object();
  for (const auto& s : r->steps()) in_order[s.name] = nullptr;
  in_order["age"] = 52;
  in_order["plan"] = 7;  // a number for a categorical column is read as its text
  in_order["vip"] = true;
  std::vector<std::pair<std::string, Json>> items;
  for (const auto& [k, v] : in_order.items()) items.emplace_back(k, v);
  for (auto it = items.rbegin(); it != items.rend(); ++it) reversed[it->first] = it->second;
  TransformNotes a, b;
  auto ma = r->TransformJson(Json::array({in_order}), &a);
  auto mb = r->TransformJson(Json::array({reversed}), &b);
  ASSERT_TRUE(ma.ok() && mb.ok());
  EXPECT_EQ(*ma, *mb);
  EXPECT_EQ((*ma)[Feature(*r, "age")], 52);
  EXPECT_EQ(a, b);
  ASSERT_EQ(a.size(), 1u) << a.front();
  EXPECT_EQ(a[0], "row 0: plan: unknown category '7' (encoded as __other__)");

  // As many keys as steps, but one of them unknown: both the missing and the extra
  // column are noted.
  Json swapped = in_order;
  swapped.erase("age");
  swapped["agee"] = 1;
  TransformNotes c;
  ASSERT_TRUE(r->TransformJson(Json::array({swapped}), &c).ok());
  std::string all;
  for (const auto& n : c) all += n + "\n";
  EXPECT_NE(all.find("row 0: column 'age' is missing"), std::string::npos) << all;
  EXPECT_NE(all.find("row 0: column 'agee' is not a feature: ignored"), std::string::npos) << all;
}

TEST_F(RecipeTest, JsonRowsWithUnknownMissingAndExtraColumns) {
  RecipeOptions o;
  o.drop = {"note", "when"};
  auto r = Recipe::Fit(*table_, {}, "label", o);
  TransformNotes notes;
  Json rows = Json::parse(R"([{"age": 35, "plan": "gold", "vip": true, "extra": 1},
                              {"plan": "basic", "vip": "no"}, {"age": "41.5", "plan": null, "vip": null}])");
  auto m = r->TransformJson(rows, &notes);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const size_t nf = r->num_features();
  EXPECT_EQ((*m)[Feature(*r, "plan=__other__")], 1);
  EXPECT_EQ((*m)[nf + Feature(*r, "age")], 40);  // missing column: imputed
  EXPECT_EQ((*m)[nf + Feature(*r, "vip")], 0);
  EXPECT_EQ((*m)[2 * nf + Feature(*r, "age")], 41.5f);
  std::string all;
  for (const auto& n : notes) all += n + "\n";
  EXPECT_NE(all.find("row 0: plan: unknown category 'gold' (encoded as __other__)"), std::string::npos) << all;
  EXPECT_NE(all.find("row 0: column 'extra' is not a feature: ignored"), std::string::npos) << all;
  EXPECT_NE(all.find("row 1: column 'age' is missing"), std::string::npos) << all;

  auto bad = r->TransformJson(Json::parse(R"([{"age": "old"}])"), nullptr);
  EXPECT_EQ(bad.status().message(), "row 0: column 'age': 'old' is not a number");
  auto shape = r->TransformJson(Json::parse(R"([[1, 2]])"), nullptr);
  EXPECT_NE(shape.status().message().find("row 0: expected an object"), std::string::npos);
  auto nested = r->TransformJson(Json::parse(R"([{"age": [1]}])"), nullptr);
  EXPECT_NE(nested.status().message().find("got array"), std::string::npos);
}

TEST_F(RecipeTest, RoundTripsThroughJsonAndGivesTheSameMatrix) {
  RecipeOptions o;
  o.hash_dims = 16;
  o.scale = Scale::kMinMax;
  o.columns["plan"].encoding = Encoding::kOrdinal;
  auto r = Recipe::Fit(*table_, {}, "label", o);
  ASSERT_TRUE(r.ok());
  auto back = Recipe::FromJson(Json::parse(r->ToJson().dump()));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->feature_names(), r->feature_names());
  auto a = r->TransformTable(*table_, {0, 1, 2, 3}, nullptr);
  auto b = back->TransformTable(*table_, {0, 1, 2, 3}, nullptr);
  ASSERT_EQ(a->size(), b->size());
  for (size_t i = 0; i < a->size(); ++i) {
    if (std::isnan((*a)[i])) EXPECT_TRUE(std::isnan((*b)[i])) << i;
    else EXPECT_EQ((*a)[i], (*b)[i]) << i;
  }
  Json newer = r->ToJson();
  newer["version"] = 99;
  EXPECT_EQ(Recipe::FromJson(newer).status().code(), ErrorCode::kConflict);
}

TEST_F(RecipeTest, OptionsAreValidated) {
  auto o = ParseRecipeOptions(Json::parse(R"({"scale": "standard", "max_categories": 5, "drop": ["note"],
                                              "columns": {"age": {"impute": "constant", "value": -1}}})"));
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  auto r = Recipe::Fit(*table_, {}, "label", *o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->steps()[0].fill, -1);
  EXPECT_NE(ParseRecipeOptions(Json::parse(R"({"scale": "log"})")).status().message().find("scale must be one of"),
            std::string::npos);
  EXPECT_NE(ParseRecipeOptions(Json::parse(R"({"colums": {}})")).status().message().find("unknown field 'colums'"),
            std::string::npos);
  RecipeOptions bad;
  bad.columns["nope"].encoding = Encoding::kOrdinal;
  EXPECT_NE(Recipe::Fit(*table_, {}, "label", bad).status().message().find("'nope' is not a column"), std::string::npos);
  RecipeOptions wrong;
  wrong.columns["plan"].encoding = Encoding::kNumeric;
  EXPECT_NE(Recipe::Fit(*table_, {}, "label", wrong).status().message().find("cannot be encoded as numeric"),
            std::string::npos);
}

// Importances and contributions of encoded features become one value per raw column:
// a one-hot column gets the sum over its categories, hashed text over its buckets.
TEST_F(RecipeTest, SumByColumnAddsUpEachColumnsFeatures) {
  RecipeOptions o;
  o.hash_dims = 8;
  o.columns["vip"].encoding = Encoding::kDrop;
  auto r = Recipe::Fit(*table_, {}, "label", o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::vector<double> per_feature(r->num_features());
  for (size_t f = 0; f < per_feature.size(); ++f) per_feature[f] = static_cast<double>(f + 1);
  const std::vector<double> per_column = r->SumByColumn(per_feature);
  ASSERT_EQ(per_column.size(), r->steps().size());
  std::vector<std::string> names;
  for (const auto& s : r->steps()) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"age", "plan", "vip", "note", "when"}));
  EXPECT_EQ(per_column[0], per_feature[Feature(*r, "age")]);
  EXPECT_EQ(per_column[1], per_feature[Feature(*r, "plan=basic")] + per_feature[Feature(*r, "plan=premium")] +
                               per_feature[Feature(*r, "plan=__other__")]);
  EXPECT_EQ(per_column[2], 0.0);  // dropped: no features
  double note = 0;
  for (int h = 0; h < 8; ++h) note += per_feature[Feature(*r, "note#" + std::to_string(h))];
  EXPECT_EQ(per_column[3], note);
  double total = 0;
  for (double v : per_feature) total += v;
  double summed = 0;
  for (double v : per_column) summed += v;
  EXPECT_EQ(summed, total);
}

}  // namespace
}  // namespace strata::data
