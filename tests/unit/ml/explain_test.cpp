// Explanations of ml::Model: contributions add up to the margin the prediction comes
// from (XGBoost's TreeSHAP and liblinear's w·x, binary, multi-class and regression),
// XGBoost's agree with the xgboost Python package's pred_contribs, the models' own
// importances, and permutation importance.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "ml/ml.h"

namespace strata::ml {
namespace {

namespace fs = std::filesystem;

// Features: x0 and x1 carry the signal, x2 is constant (no model can use it), x3 is
// noise; x1 is missing in every 9th row.
struct Data {
  std::vector<float> x, y;
  size_t cols = 4;
  Matrix m() const { return {x.data(), y.size(), cols}; }
};

enum class Kind { kBinary, kMulticlass, kRegression };

Data Make(Kind kind, int rows, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> n(0, 1);
  Data d;
  for (int i = 0; i < rows; ++i) {
    const float x0 = n(rng), x1 = n(rng), x3 = n(rng), noise = 0.3f * n(rng);
    d.x.insert(d.x.end(), {x0, i % 9 == 0 ? NAN : x1, 0.0f, x3});
    const float x1v = i % 9 == 0 ? 0.0f : x1;
    switch (kind) {
      case Kind::kBinary:
        d.y.push_back(x0 + 0.5f * x1v * x1v + noise > 0.3f ? 1.f : 0.f);
        break;
      case Kind::kMulticlass: {
        const float s[3] = {x0, x1v, -x0 - x1v};
        d.y.push_back(static_cast<float>(std::max_element(s, s + 3) - s));
        break;
      }
      case Kind::kRegression:
        d.y.push_back(3 * x0 - 2 * x1v + noise);
        break;
    }
  }
  return d;
}

Problem ProblemOf(Kind kind) {
  return kind == Kind::kBinary       ? Problem::kBinaryClassification
         : kind == Kind::kMulticlass ? Problem::kMulticlassClassification
                                     : Problem::kRegression;
}

std::unique_ptr<Model> Train(const std::string& algorithm, Kind kind, const Data& train,
                             const Data& valid, Json hp) {
  const Algorithm* algo = FindAlgorithm(algorithm);
  EXPECT_NE(algo, nullptr);
  auto validated = ValidateHyperparameters(algo->hyperparameters(), hp);
  EXPECT_TRUE(validated.ok()) << validated.status().ToString();
  TrainInput in;
  in.problem = ProblemOf(kind);
  in.num_classes = kind == Kind::kBinary ? 2 : kind == Kind::kMulticlass ? 3 : 0;
  in.hyperparameters = *validated;
  in.train = train.m();
  in.labels = train.y;
  in.valid = valid.m();
  in.valid_labels = valid.y;
  auto model = algo->Train(in, nullptr);
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return model.ok() ? std::move(*model) : nullptr;
}

std::unique_ptr<Model> TrainXGBoost(Kind kind, const Data& train, const Data& valid) {
  // Many rounds with early stopping: the booster keeps trees past the best iteration,
  // which the explanations must leave out as Predict does.
  return Train("xgboost", kind, train, valid,
               {{"num_round", 200},
                {"max_depth", 3},
                {"eta", 0.5},
                {"early_stopping_rounds", 3},
                {"nthread", 1}});
}

double Sigmoid(double m) {
  return 1 / (1 + std::exp(-m));
}

// Margins (base value + contributions) turned into Predict's output by the link must
// give Predict's output; and for the logit link, the margin must be the logit of the
// probability to 1e-4 (where float probabilities are far enough from 0 and 1 for the
// logit to be accurate).
void ExpectAdditive(const Model& model, const Data& d, const std::string& want_link) {
  auto c = model.Contribute(d.m());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  auto pred = model.Predict(d.m());
  ASSERT_TRUE(pred.ok());
  EXPECT_EQ(c->link, want_link);
  ASSERT_EQ(c->rows, d.y.size());
  ASSERT_EQ(c->features, d.cols);
  const int k = model.outputs_per_row();
  ASSERT_EQ(c->groups, k);
  int logit_checked = 0;
  for (size_t r = 0; r < c->rows; ++r) {
    std::vector<double> margin(static_cast<size_t>(k));
    for (int g = 0; g < k; ++g) {
      const double* v = c->at(r, g);
      for (size_t f = 0; f <= c->features; ++f) margin[static_cast<size_t>(g)] += v[f];
    }
    const float* p = pred->data() + r * static_cast<size_t>(k);
    if (want_link == "identity") {
      EXPECT_NEAR(margin[0], p[0], 1e-4) << "row " << r;
    } else if (want_link == "logit") {
      EXPECT_NEAR(Sigmoid(margin[0]), p[0], 1e-5) << "row " << r;
      if (p[0] > 1e-3 && p[0] < 1 - 1e-3) {
        EXPECT_NEAR(margin[0], std::log(p[0] / (1.0 - p[0])), 1e-4) << "row " << r;
        ++logit_checked;
      }
    } else {
      // softmax: p_c ∝ exp(m_c); one_vs_rest_logit: p_c ∝ sigmoid(m_c).
      std::vector<double> s(static_cast<size_t>(k));
      double sum = 0;
      for (int g = 0; g < k; ++g) {
        s[static_cast<size_t>(g)] = want_link == "softmax"
                                        ? std::exp(margin[static_cast<size_t>(g)])
                                        : Sigmoid(margin[static_cast<size_t>(g)]);
        sum += s[static_cast<size_t>(g)];
      }
      for (int g = 0; g < k; ++g)
        EXPECT_NEAR(s[static_cast<size_t>(g)] / sum, p[g], 1e-5) << "row " << r;
      if (want_link == "softmax" && p[0] > 1e-3 && p[1] > 1e-3) {
        // Log-odds between two classes are differences of margins.
        EXPECT_NEAR(margin[1] - margin[0], std::log(static_cast<double>(p[1]) / p[0]), 1e-4)
            << "row " << r;
        ++logit_checked;
      }
    }
  }
  if (want_link == "logit" || want_link == "softmax") EXPECT_GT(logit_checked, 10);
}

TEST(XGBoostExplainTest, BinaryContributionsSumToTheLogOdds) {
  Data train = Make(Kind::kBinary, 1500, 1), valid = Make(Kind::kBinary, 400, 2);
  auto model = TrainXGBoost(Kind::kBinary, train, valid);
  ASSERT_TRUE(model);
  ASSERT_LT(model->Info()["best_iteration"].get<int>() + 1, model->Info()["rounds"].get<int>())
      << "early stopping should leave trees past the best iteration";
  ExpectAdditive(*model, valid, "logit");
  // The constant feature is never split on: its contribution is exactly 0.
  auto c = model->Contribute(valid.m());
  ASSERT_TRUE(c.ok());
  for (size_t r = 0; r < c->rows; ++r) EXPECT_EQ(c->at(r, 0)[2], 0.0);
  EXPECT_EQ(c->method, "tree_shap");
}

TEST(XGBoostExplainTest, MulticlassContributionsGiveTheSoftmaxProbabilities) {
  Data train = Make(Kind::kMulticlass, 1500, 3), valid = Make(Kind::kMulticlass, 300, 4);
  auto model = TrainXGBoost(Kind::kMulticlass, train, valid);
  ASSERT_TRUE(model);
  ExpectAdditive(*model, valid, "softmax");
}

TEST(XGBoostExplainTest, RegressionContributionsSumToThePrediction) {
  Data train = Make(Kind::kRegression, 1500, 5), valid = Make(Kind::kRegression, 300, 6);
  auto model = TrainXGBoost(Kind::kRegression, train, valid);
  ASSERT_TRUE(model);
  ExpectAdditive(*model, valid, "identity");
}

TEST(XGBoostExplainTest, LogLinkForPoissonRegression) {
  Data train = Make(Kind::kRegression, 800, 7), valid = Make(Kind::kRegression, 200, 8);
  for (auto* d : {&train, &valid}) {
    for (float& y : d->y) y = std::round(std::exp(y / 4));
  }
  auto model = Train("xgboost", Kind::kRegression, train, valid,
                     {{"num_round", 30}, {"objective", "count:poisson"}, {"nthread", 1}});
  ASSERT_TRUE(model);
  auto c = model->Contribute(valid.m());
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->link, "log");
  auto pred = model->Predict(valid.m());
  for (size_t r = 0; r < c->rows; ++r) {
    double m = 0;
    for (size_t f = 0; f <= c->features; ++f) m += c->at(r, 0)[f];
    EXPECT_NEAR(std::exp(m), (*pred)[r], 1e-4 * std::max(1.0f, (*pred)[r]));
  }
}

TEST(XGBoostExplainTest, GainAndCoverCountOnlyUsedFeatures) {
  Data train = Make(Kind::kBinary, 1500, 1), valid = Make(Kind::kBinary, 400, 2);
  auto model = TrainXGBoost(Kind::kBinary, train, valid);
  ASSERT_TRUE(model);
  auto imp = model->Importance();
  ASSERT_TRUE(imp.ok()) << imp.status().ToString();
  ASSERT_EQ(imp->size(), 2u);
  EXPECT_EQ((*imp)[0].kind, "gain");
  EXPECT_EQ((*imp)[1].kind, "cover");
  for (const auto& k : *imp) {
    ASSERT_EQ(k.values.size(), train.cols) << k.kind;
    EXPECT_EQ(k.values[2], 0.0) << k.kind << ": the constant feature";
    EXPECT_GT(k.values[0], k.values[3]) << k.kind << ": signal over noise";
    for (double v : k.values) EXPECT_GE(v, 0.0);
  }
}

// Strata's TreeSHAP values against the xgboost Python package's on the same booster.
TEST(XGBoostExplainTest, ContributionsMatchThePythonPackage) {
  Data train = Make(Kind::kMulticlass, 800, 9), valid = Make(Kind::kMulticlass, 60, 10);
  auto model = TrainXGBoost(Kind::kMulticlass, train, valid);
  ASSERT_TRUE(model);
  char tmpl[] = "/tmp/strata-contribs-XXXXXX";
  const fs::path dir = mkdtemp(tmpl);
  auto file = model->Save(dir);
  ASSERT_TRUE(file.ok());
  {
    std::ofstream csv(dir / "x.csv");
    for (size_t r = 0; r < valid.y.size(); ++r) {
      for (size_t f = 0; f < valid.cols; ++f) {
        const float v = valid.x[r * valid.cols + f];
        csv << (f ? "," : "") << (std::isnan(v) ? "" : fmt::format("{:.9g}", v));
      }
      csv << "\n";
    }
  }
  const int end = model->Info()["best_iteration"].get<int>() + 1;
  const std::string cmd =
      fmt::format("/usr/bin/python3 {}/tests/unit/ml/xgboost_contribs.py {} {} {} 2>&1",
                  STRATA_SOURCE_DIR, (dir / *file).string(), (dir / "x.csv").string(), end);
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  ASSERT_EQ(pclose(p), 0) << out;
  fs::remove_all(dir);
  const Json py = Json::parse(out);
  auto c = model->Contribute(valid.m());
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(py.size(), c->rows);
  for (size_t r = 0; r < c->rows; ++r) {
    ASSERT_EQ(py[r].size(), static_cast<size_t>(c->groups));
    for (int g = 0; g < c->groups; ++g) {
      for (size_t f = 0; f <= c->features; ++f) {
        EXPECT_NEAR(c->at(r, g)[f], py[r][static_cast<size_t>(g)][f].get<double>(), 1e-6)
            << "row " << r << " class " << g << " feature " << f;
      }
    }
  }
}

TEST(LinearExplainTest, ContributionsSumToTheMargin) {
  for (int first : {0, 1}) {
    // liblinear orders labels as it meets them; both orders must give class 1's margin.
    Data train = Make(Kind::kBinary, 600, 11), valid = Make(Kind::kBinary, 200, 12);
    for (size_t r = 0; r < train.y.size(); ++r) {
      if (train.y[r] == static_cast<float>(first)) {
        std::swap_ranges(train.x.begin(), train.x.begin() + 4, train.x.begin() + r * 4);
        std::swap(train.y[0], train.y[r]);
        break;
      }
    }
    for (const char* loss : {"logistic", "squared_hinge"}) {
      auto model = Train("linear-learner", Kind::kBinary, train, valid, {{"loss", loss}});
      ASSERT_TRUE(model);
      SCOPED_TRACE(fmt::format("first label {}, loss {}", first, loss));
      ExpectAdditive(*model, valid, "logit");
    }
  }
  Data mtrain = Make(Kind::kMulticlass, 600, 13), mvalid = Make(Kind::kMulticlass, 200, 14);
  auto multi = Train("linear-learner", Kind::kMulticlass, mtrain, mvalid, Json::object());
  ASSERT_TRUE(multi);
  ExpectAdditive(*multi, mvalid, "one_vs_rest_logit");
  Data rtrain = Make(Kind::kRegression, 600, 15), rvalid = Make(Kind::kRegression, 200, 16);
  auto reg = Train("linear-learner", Kind::kRegression, rtrain, rvalid, Json::object());
  ASSERT_TRUE(reg);
  ExpectAdditive(*reg, rvalid, "identity");
}

TEST(LinearExplainTest, ContributionIsWeightTimesValueAndMissingCountsAsZero) {
  Data train = Make(Kind::kRegression, 600, 17), valid = Make(Kind::kRegression, 50, 18);
  auto model = Train("linear-learner", Kind::kRegression, train, valid, {{"C", 100.0}});
  ASSERT_TRUE(model);
  auto c = model->Contribute(valid.m());
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->method, "linear");
  for (size_t r = 0; r < c->rows; ++r) {
    EXPECT_EQ(c->at(r, 0)[2], 0.0);                  // the constant 0 feature
    if (r % 9 == 0) EXPECT_EQ(c->at(r, 0)[1], 0.0);  // x1 missing
    // y = 3 x0 - 2 x1: the contribution of x0 is close to 3 x0.
    EXPECT_NEAR(c->at(r, 0)[0], 3 * valid.x[r * 4],
                0.1 * std::max(1.0f, std::fabs(valid.x[r * 4])));
  }
  auto imp = model->Importance();
  ASSERT_TRUE(imp.ok());
  ASSERT_EQ(imp->size(), 1u);
  EXPECT_EQ((*imp)[0].kind, "coefficients");
  EXPECT_NEAR((*imp)[0].values[0], 3, 0.1);
  EXPECT_NEAR((*imp)[0].values[1], 2, 0.1);
}

TEST(ModelExplainTest, DefaultIsNotSupported) {
  struct Constant final : Model {
    Result<std::vector<float>> Predict(Matrix x) const override {
      return std::vector<float>(x.rows, 1.f);
    }
    int outputs_per_row() const override { return 1; }
    Result<std::string> Save(const fs::path&) const override { return std::string("none"); }
    Json Info() const override { return Json::object(); }
  } model;
  std::vector<float> x = {1, 2};
  auto c = model.Contribute({x.data(), 1, 2});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), ErrorCode::kInvalidArgument);
  auto imp = model.Importance();
  ASSERT_TRUE(imp.ok());
  EXPECT_TRUE(imp->empty());
}

TEST(PermutationImportanceTest, SignalColumnsMatterNoiseDoesNot) {
  Data train = Make(Kind::kRegression, 1500, 19), valid = Make(Kind::kRegression, 800, 20);
  auto model = TrainXGBoost(Kind::kRegression, train, valid);
  ASSERT_TRUE(model);
  // Groups: {x0}, {x1, x2} shuffled together, {x3}.
  const std::vector<std::vector<size_t>> groups = {{0}, {1, 2}, {3}};
  auto p =
      ComputePermutationImportance(*model, valid.m(), valid.y, Problem::kRegression, 0, groups);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->metric, "r2");
  EXPECT_GT(p->baseline, 0.9);
  EXPECT_EQ(p->rows, 800u);
  ASSERT_EQ(p->mean.size(), 3u);
  // Shuffling x0 (weight 3) costs most, x1 (weight 2) next, the noise next to nothing.
  EXPECT_GT(p->mean[0], p->mean[1]);
  EXPECT_GT(p->mean[1], 0.3);
  EXPECT_LT(std::fabs(p->mean[2]), 0.02);
  // Seeded: the same numbers again.
  auto again =
      ComputePermutationImportance(*model, valid.m(), valid.y, Problem::kRegression, 0, groups);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->mean, p->mean);
  // A bounded sample of rows.
  PermutationOptions small;
  small.max_rows = 100;
  small.min_rows = 10;
  auto sampled = ComputePermutationImportance(*model, valid.m(), valid.y, Problem::kRegression, 0,
                                              groups, small);
  ASSERT_TRUE(sampled.ok());
  EXPECT_EQ(sampled->rows, 100u);
}

TEST(PermutationImportanceTest, ClassificationMetricsAndUndefinedScores) {
  Data train = Make(Kind::kBinary, 1000, 21), valid = Make(Kind::kBinary, 400, 22);
  auto model = TrainXGBoost(Kind::kBinary, train, valid);
  ASSERT_TRUE(model);
  auto p = ComputePermutationImportance(*model, valid.m(), valid.y, Problem::kBinaryClassification,
                                        2, {{0}, {3}});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->metric, "roc_auc");
  EXPECT_GT(p->mean[0], 0.1);
  // One class only: AUC is undefined, and the error says so.
  std::vector<float> ones(valid.y.size(), 1.f);
  auto undefined = ComputePermutationImportance(*model, valid.m(), ones,
                                                Problem::kBinaryClassification, 2, {{0}});
  ASSERT_FALSE(undefined.ok());
  EXPECT_NE(undefined.status().message().find("roc_auc"), std::string::npos);

  Data mtrain = Make(Kind::kMulticlass, 1000, 23), mvalid = Make(Kind::kMulticlass, 300, 24);
  auto multi = TrainXGBoost(Kind::kMulticlass, mtrain, mvalid);
  ASSERT_TRUE(multi);
  // Unsupervised problems have no target to score against.
  auto clustering =
      ComputePermutationImportance(*model, valid.m(), valid.y, Problem::kClustering, 0, {{0}});
  EXPECT_EQ(clustering.status().code(), ErrorCode::kInvalidArgument);
  auto m = ComputePermutationImportance(*multi, mvalid.m(), mvalid.y,
                                        Problem::kMulticlassClassification, 3, {{0}, {3}});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->metric, "accuracy");
  EXPECT_GT(m->mean[0], 0.1);
  EXPECT_LT(std::fabs(m->mean[1]), 0.05);
}

}  // namespace
}  // namespace strata::ml
