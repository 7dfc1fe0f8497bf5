// Explanations through a loaded Predictor: contributions of encoded features summed into
// raw columns (one per one-hot column, equal to the sum of its features' ones), the
// margin they add up to, their JSON, and partial dependence.
#include "serve/explainer.h"

#include <cmath>

#include <gtest/gtest.h>

#include "serve/partial_dependence.h"
#include "serve_test_util.h"

namespace strata::serve {
namespace {

using testing::MakeModel;
using testing::TempDir;

struct Loaded {
  std::shared_ptr<const Predictor> predictor;
  std::shared_ptr<data::Table> table;
};

Loaded Load(const TempDir& dir, const std::string& algorithm) {
  auto predictor = Predictor::Load(MakeModel(dir.path, 400, algorithm));
  EXPECT_TRUE(predictor.ok()) << predictor.status().ToString();
  auto table = data::Table::Open(dir.path / "table");
  EXPECT_TRUE(table.ok());
  return {*predictor, *table};
}

class ExplainerTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ExplainerTest, OneHotColumnGetsTheSumOfItsFeatures) {
  TempDir dir;
  Loaded m = Load(dir, GetParam());
  const std::vector<int64_t> rows = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  auto features = m.predictor->FeaturesTable(*m.table, rows);
  ASSERT_TRUE(features.ok());
  auto raw = m.predictor->model().Contribute(features->matrix());
  ASSERT_TRUE(raw.ok()) << raw.status().ToString();
  auto e = Explain(*m.predictor, *features);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->columns, (std::vector<std::string>{"x1", "x2", "plan"}));
  EXPECT_EQ(e->groups, (std::vector<std::string>{"buy"}));
  EXPECT_EQ(e->link, "logit");
  const auto& names = m.predictor->recipe().feature_names();
  ASSERT_EQ(names.size(), 6u);  // x1, x2, plan=basic, plan=gold, plan=silver, plan=__other__
  for (size_t r = 0; r < rows.size(); ++r) {
    const double* f = raw->at(r, 0);
    const double* c = e->Row(r, 0);
    EXPECT_DOUBLE_EQ(c[0], f[0]);
    EXPECT_DOUBLE_EQ(c[1], f[1]);
    EXPECT_NEAR(c[2], f[2] + f[3] + f[4] + f[5], 1e-12);
    EXPECT_DOUBLE_EQ(e->Base(r, 0), f[6]);
    // The margin is the log-odds of the predicted probability of "buy".
    const double p = e->predictions.values[r];
    if (p > 1e-3 && p < 1 - 1e-3)
      EXPECT_NEAR(e->Margin(r, 0), std::log(p / (1 - p)), 1e-4) << "row " << r;
    EXPECT_NEAR(1 / (1 + std::exp(-e->Margin(r, 0))), p, 1e-5) << "row " << r;
  }
}

TEST_P(ExplainerTest, JsonHasOneContributionPerColumnAndAddsUp) {
  TempDir dir;
  Loaded m = Load(dir, GetParam());
  auto features = m.predictor->FeaturesJson(Json::parse(
      R"([{"x1": 0.3, "x2": 1.0, "plan": "gold"}, [1.7, 0.2, "basic"], {"x1": 0.9, "plan": "platinum"}])"));
  ASSERT_TRUE(features.ok());
  auto e = Explain(*m.predictor, *features);
  ASSERT_TRUE(e.ok());
  const Json j = ExplanationJson(*m.predictor, *e);
  EXPECT_EQ(j["explained_class"], "buy");
  EXPECT_EQ(j["method"], GetParam() == "xgboost" ? "tree_shap" : "linear");
  ASSERT_EQ(j["rows"].size(), 3u);
  for (const auto& row : j["rows"]) {
    ASSERT_EQ(row["contributions"].size(), 3u) << row.dump();
    double sum = row["base_value"].get<double>();
    for (const auto& [column, v] : row["contributions"].items()) sum += v.get<double>();
    EXPECT_NEAR(sum, row["margin"].get<double>(), 1e-9);
    EXPECT_TRUE(row.contains("prediction"));
    EXPECT_TRUE(row.contains("probabilities"));
  }
  EXPECT_EQ(j["base_value"], j["rows"][0]["base_value"]);
  // gold raises the odds of buying over basic at a similar x1.
  EXPECT_GT(j["rows"][0]["contributions"]["plan"].get<double>(),
            j["rows"][1]["contributions"]["plan"].get<double>());
  // The unseen category and the missing column are noted, not errors.
  EXPECT_FALSE(e->predictions.notes.empty());
}

TEST_P(ExplainerTest, BadRowsNameTheRowAndColumn) {
  TempDir dir;
  Loaded m = Load(dir, GetParam());
  auto bad = m.predictor->FeaturesJson(Json::parse(R"([{"x1": 1}, {"x1": "lots"}])"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("row 1"), std::string::npos) << bad.status().message();
  EXPECT_NE(bad.status().message().find("x1"), std::string::npos) << bad.status().message();
}

TEST_P(ExplainerTest, MeanAbsContributions) {
  TempDir dir;
  Loaded m = Load(dir, GetParam());
  auto features = m.predictor->FeaturesTable(*m.table, {});
  ASSERT_TRUE(features.ok());
  auto e = Explain(*m.predictor, *features);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->rows, 400u);  // no rows: all of them
  const std::vector<double> mean = MeanAbsContributions(*e);
  ASSERT_EQ(mean.size(), 3u);
  double x2 = 0;
  for (size_t r = 0; r < e->rows; ++r) x2 += std::fabs(e->Row(r, 0)[1]);
  EXPECT_NEAR(mean[1], x2 / e->rows, 1e-12);
  // x1 and plan decide y; x2 is noise.
  EXPECT_GT(mean[0], mean[1]);
  EXPECT_GT(mean[2], mean[1]);
}

TEST_P(ExplainerTest, PartialDependenceFollowsTheRule) {
  TempDir dir;
  Loaded m = Load(dir, GetParam());
  auto plan = ComputePartialDependence(*m.predictor, *m.table, {}, "plan");
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_TRUE(plan->categorical);
  EXPECT_EQ(plan->outputs, (std::vector<std::string>{"buy"}));
  ASSERT_EQ(plan->grid.size(), 3u);
  size_t gold = 0;
  for (size_t i = 0; i < plan->grid.size(); ++i) {
    if (plan->grid[i] == "gold") gold = i;
  }
  for (size_t i = 0; i < plan->grid.size(); ++i) {
    if (i != gold) EXPECT_GT(plan->mean[0][gold], plan->mean[0][i] + 0.1) << plan->grid[i];
  }
  auto x1 = ComputePartialDependence(*m.predictor, *m.table, {}, "x1", 20);
  ASSERT_TRUE(x1.ok());
  EXPECT_FALSE(x1->categorical);
  ASSERT_GE(x1->grid.size(), 10u);
  ASSERT_LE(x1->grid.size(), 20u);
  for (size_t i = 1; i < x1->grid.size(); ++i)
    EXPECT_GT(x1->grid[i].get<double>(), x1->grid[i - 1].get<double>());
  EXPECT_GT(x1->mean[0].back(), x1->mean[0].front() + 0.3);
  const Json j = x1->ToJson();
  EXPECT_EQ(j["kind"], "numeric");
  EXPECT_EQ(j["series"][0]["name"], "buy");
  EXPECT_EQ(j["series"][0]["values"].size(), x1->grid.size());

  auto unknown = ComputePartialDependence(*m.predictor, *m.table, {}, "y");
  EXPECT_EQ(unknown.status().code(), ErrorCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(Algorithms, ExplainerTest, ::testing::Values("xgboost", "linear-learner"),
                         [](const auto& info) {
                           return info.param == "xgboost" ? "xgboost" : "linear";
                         });

}  // namespace
}  // namespace strata::serve
