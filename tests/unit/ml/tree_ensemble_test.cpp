// The compiled tree evaluator (ml/tree_ensemble.h) against libxgboost: models trained
// here for every supported objective, and models trained by the xgboost Python package
// (random-forest rounds; categorical splits, which must fall back to libxgboost), on
// rows with missing values. Predictions must agree to 1e-6.
#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

#include <gtest/gtest.h>

#include "core/core.h"
#include "ml/hyperparameters.h"
#include "ml/tree_ensemble.h"
#include "ml/xgboost_model.h"
#include "sklearn_runner.h"

namespace strata::ml {
namespace {

struct Rows {
  std::vector<float> x;
  size_t rows = 0, cols = 0;
  Matrix m() const { return {x.data(), rows, cols}; }
};

// Normal features with a fraction missing; some rows entirely missing.
Rows RandomRows(size_t rows, size_t cols, uint64_t seed, double missing = 0.2) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal;
  std::uniform_real_distribution<double> u;
  Rows r{std::vector<float>(rows * cols), rows, cols};
  for (size_t i = 0; i < rows; ++i) {
    const bool all_missing = i % 97 == 0;
    for (size_t c = 0; c < cols; ++c)
      r.x[i * cols + c] = all_missing || u(rng) < missing ? NAN : normal(rng);
  }
  return r;
}

// Labels of the kind the objective expects, from the first features (missing as 0).
std::vector<float> Labels(const Rows& r, const std::string& objective, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> noise(0, 0.3f);
  std::vector<float> y(r.rows);
  for (size_t i = 0; i < r.rows; ++i) {
    auto f = [&](size_t c) {
      float v = r.x[i * r.cols + c];
      return std::isnan(v) ? 0.0f : v;
    };
    const float s = f(0) + 0.7f * f(1) - 0.5f * f(2) * f(3) + noise(rng);
    if (objective == "binary:logistic")
      y[i] = s > 0.2f;
    else if (objective == "multi:softprob")
      y[i] = s < -0.5f ? 0 : s < 0.5f ? 1 : 2;
    else if (objective == "reg:squarederror")
      y[i] = 3 * s + 1;
    else
      y[i] = std::floor(std::exp(0.5f * s));  // counts for poisson / tweedie
  }
  return y;
}

Result<XGBoostModel> TrainAndReload(const std::string& objective, int rounds, int early_stopping) {
  Json hp = {{"num_round", rounds},
             {"max_depth", 6},
             {"eta", 0.3},
             {"nthread", 1},
             {"early_stopping_rounds", early_stopping},
             {"subsample", 0.9},
             {"seed", 3}};
  STRATA_ASSIGN_OR_RETURN(Json validated, ValidateHyperparameters(XGBoostHyperparameters(), hp));
  XGBoostTrainOptions o;
  o.hyperparameters = validated;
  o.objective = objective;
  o.num_class = objective == "multi:softprob" ? 3 : 0;
  o.eval_metric = objective == "binary:logistic"    ? "logloss"
                  : objective == "multi:softprob"   ? "mlogloss"
                  : objective == "reg:squarederror" ? "rmse"
                                                    : "poisson-nloglik";
  if (objective == "reg:tweedie") o.eval_metric = "tweedie-nloglik@1.5";
  Rows train = RandomRows(2000, 12, 1), valid = RandomRows(500, 12, 2);
  STRATA_ASSIGN_OR_RETURN(XGBoostModel trained,
                          XGBoostModel::Train(train.m(), Labels(train, objective, 3), valid.m(),
                                              Labels(valid, objective, 4), {}, o, nullptr));
  STRATA_ASSIGN_OR_RETURN(std::string json, trained.ToJson());
  return XGBoostModel::FromJson(json);
}

void ExpectSame(const std::vector<float>& got, const std::vector<float>& want,
                const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  size_t bad = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (!(std::fabs(got[i] - want[i]) <= 1e-6)) {
      if (++bad <= 5)
        ADD_FAILURE() << what << ": value " << i << ": " << got[i] << " vs " << want[i];
    }
  }
  EXPECT_EQ(bad, 0u) << what;
}

class CompiledObjective : public ::testing::TestWithParam<std::string> {};

TEST_P(CompiledObjective, MatchesLibxgboostWithMissingValues) {
  auto model = TrainAndReload(GetParam(), 40, 0);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  ASSERT_TRUE(model->compiled()) << GetParam();
  Rows rows = RandomRows(3000, 12, 11);
  auto compiled = model->Predict(rows.m());
  auto library = model->PredictWithLibrary(rows.m());
  ASSERT_TRUE(compiled.ok() && library.ok());
  ExpectSame(*compiled, *library, GetParam());
  // One row at a time, as serving predicts, gives the same as the batch.
  for (size_t r = 0; r < 50; ++r) {
    Matrix one{rows.x.data() + r * rows.cols, 1, rows.cols};
    auto single = model->Predict(one);
    ASSERT_TRUE(single.ok());
    const size_t w = single->size();
    ExpectSame(*single,
               std::vector<float>(compiled->begin() + r * w, compiled->begin() + (r + 1) * w),
               "single row");
  }
}

INSTANTIATE_TEST_SUITE_P(Objectives, CompiledObjective,
                         ::testing::Values("binary:logistic", "multi:softprob", "reg:squarederror",
                                           "count:poisson", "reg:tweedie"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

TEST(TreeEnsemble, UsesTheTreesUpToTheBestIteration) {
  // Early stopping leaves trees past the best iteration in the booster; both paths must
  // leave them out.
  auto model = TrainAndReload("binary:logistic", 300, 3);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  ASSERT_TRUE(model->compiled());
  ASSERT_LT(model->best_iteration() + 1, model->rounds());
  Rows rows = RandomRows(1000, 12, 12);
  ExpectSame(*model->Predict(rows.m()), *model->PredictWithLibrary(rows.m()), "early stopped");
}

std::vector<float> ReadCsv(const std::filesystem::path& path, size_t* cols) {
  std::ifstream in(path);
  std::vector<float> out;
  std::string line;
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string cell;
    size_t n = 0;
    while (std::getline(ss, cell, ',')) {
      out.push_back(cell.empty() ? NAN : std::strtof(cell.c_str(), nullptr));
      ++n;
    }
    if (!line.empty() && line.back() == ',') {
      out.push_back(NAN);
      ++n;
    }
    *cols = n;
  }
  return out;
}

TEST(TreeEnsemble, PythonModelsPredictAsXGBoostPythonDoes) {
  TempDir dir;
  RunPython("xgboost_python_models.py", dir.path().string());
  for (const auto& [name, compiled] :
       {std::pair<std::string, bool>{"forest", true}, {"categorical", false}}) {
    auto text = core::ReadFile(dir.path() / (name + ".json"));
    ASSERT_TRUE(text.ok());
    auto model = XGBoostModel::FromJson(*text);
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    EXPECT_EQ(model->compiled(), compiled) << name;
    size_t cols = 0, per_row = 0;
    std::vector<float> x = ReadCsv(dir.path() / (name + ".csv"), &cols);
    std::vector<float> want = ReadCsv(dir.path() / (name + ".pred.csv"), &per_row);
    Matrix m{x.data(), x.size() / cols, cols};
    auto got = model->Predict(m);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ExpectSame(*got, want, name);
  }
}

TEST(TreeEnsemble, RefusesWhatItDoesNotReproduce) {
  auto model = TrainAndReload("binary:logistic", 5, 0);
  ASSERT_TRUE(model.ok());
  auto json = core::ParseJson(*model->ToJson(), "model");
  ASSERT_TRUE(json.ok());
  ASSERT_TRUE(TreeEnsemble::Compile(*json, 5).ok());

  Json other = *json;
  other["learner"]["objective"]["name"] = "rank:pairwise";
  EXPECT_FALSE(TreeEnsemble::Compile(other, 5).ok());
  other = *json;
  other["learner"]["gradient_booster"]["name"] = "dart";
  EXPECT_FALSE(TreeEnsemble::Compile(other, 5).ok());
  other = *json;
  other["learner"]["gradient_booster"]["model"]["trees"][2]["split_type"][0] = 1;
  auto categorical = TreeEnsemble::Compile(other, 5);
  ASSERT_FALSE(categorical.ok());
  EXPECT_NE(categorical.status().message().find("categorical"), std::string::npos);
  other = *json;
  other["learner"]["gradient_booster"]["model"]["trees"][0]["left_children"][0] = 1000000;
  EXPECT_FALSE(TreeEnsemble::Compile(other, 5).ok());
  other = *json;
  other["learner"]["gradient_booster"]["model"]["trees"][1]["split_conditions"] = Json::array();
  EXPECT_FALSE(TreeEnsemble::Compile(other, 5).ok());
  EXPECT_FALSE(TreeEnsemble::Compile(Json::object(), 5).ok());
}

TEST(TreeEnsemble, CountsTreesAndFeatures) {
  auto model = TrainAndReload("multi:softprob", 7, 0);
  ASSERT_TRUE(model.ok());
  auto json = core::ParseJson(*model->ToJson(), "model");
  auto e = TreeEnsemble::Compile(*json, 4);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->num_trees(), 12u);  // 4 rounds x 3 classes
  EXPECT_EQ(e->outputs_per_row(), 3);
  EXPECT_LE(e->num_features(), 12u);
  EXPECT_GT(e->num_features(), 3u);
}

}  // namespace
}  // namespace strata::ml
