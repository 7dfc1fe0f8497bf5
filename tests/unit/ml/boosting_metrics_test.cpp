// The per-round losses computed from XGBoost's prediction cache (ml/boosting_metrics.h)
// against libxgboost's own evaluation of the same rounds: the same data, seed and
// hyperparameters give the same trees, so every round's numbers must agree.
#include <cmath>
#include <map>
#include <ostream>
#include <random>

#include <gtest/gtest.h>

#include "ml/boosting_metrics.h"
#include "ml/hyperparameters.h"
#include "ml/xgboost_model.h"

namespace strata::ml {
namespace {

struct Case {
  std::string objective, metric;
  bool weighted;
  friend void PrintTo(const Case& c, std::ostream* os) {
    *os << c.objective << " " << c.metric << (c.weighted ? " weighted" : "");
  }
};

struct Data {
  std::vector<float> x, y;
  size_t rows, cols;
  Matrix m() const { return {x.data(), rows, cols}; }
};

// Features with missing values; labels of the kind the objective expects.
Data MakeData(const std::string& objective, size_t rows, uint64_t seed) {
  constexpr size_t kCols = 8;
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal;
  std::uniform_real_distribution<double> u;
  Data d{std::vector<float>(rows * kCols), std::vector<float>(rows), rows, kCols};
  for (size_t i = 0; i < rows; ++i) {
    for (size_t c = 0; c < kCols; ++c) d.x[i * kCols + c] = u(rng) < 0.1 ? NAN : normal(rng);
    auto f = [&](size_t c) { return std::isnan(d.x[i * kCols + c]) ? 0.0f : d.x[i * kCols + c]; };
    const float s = f(0) - 0.8f * f(1) + 0.5f * f(2) * f(3) + 0.5f * normal(rng);
    if (objective == "binary:logistic") {
      d.y[i] = s > 0;
    } else if (objective == "multi:softprob") {
      d.y[i] = s < -0.6f ? 0 : s < 0.6f ? 1 : 2;
    } else if (objective == "reg:squarederror") {
      d.y[i] = 2 * s - 1;
    } else {
      d.y[i] = std::floor(std::exp(0.6f * s));  // counts, some 0
    }
  }
  return d;
}

using Rounds = std::vector<std::map<std::string, double>>;

Rounds Train(const Case& c, bool library) {
  Json hp = {{"num_round", 25}, {"max_depth", 4}, {"eta", 0.3}, {"nthread", 1}, {"subsample", 0.8},
             {"early_stopping_rounds", 0}, {"seed", 5}};
  auto validated = ValidateHyperparameters(XGBoostHyperparameters(), hp);
  EXPECT_TRUE(validated.ok());
  XGBoostTrainOptions o;
  o.hyperparameters = *validated;
  o.objective = c.objective;
  o.num_class = c.objective == "multi:softprob" ? 3 : 0;
  o.eval_metric = c.metric;
  o.library_evaluation = library;
  // More rows than one chunk of the sum, so that chunks are added up. One thread: with
  // two, OpenMP's spinning threads crawl when ctest runs tests side by side.
  const Data train = MakeData(c.objective, 40000, 1), valid = MakeData(c.objective, 3000, 2);
  std::vector<float> weights;
  if (c.weighted) {
    for (size_t i = 0; i < train.rows; ++i) weights.push_back(0.5f + static_cast<float>(i % 4));
  }
  Rounds rounds;
  auto model = XGBoostModel::Train(train.m(), train.y, valid.m(), valid.y, weights, o,
                                   [&](int, const std::map<std::string, double>& m) {
                                     rounds.push_back(m);
                                     return true;
                                   });
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return rounds;
}

class RoundLossAgrees : public ::testing::TestWithParam<Case> {};

TEST_P(RoundLossAgrees, WithLibxgboostEveryRound) {
  const Case& c = GetParam();
  ASSERT_TRUE(IsRoundLossMetric(c.metric)) << c.metric;
  const Rounds fast = Train(c, false), library = Train(c, true);
  ASSERT_EQ(fast.size(), 25u);
  ASSERT_EQ(library.size(), fast.size());
  for (size_t r = 0; r < fast.size(); ++r) {
    for (const char* set : {"train-", "valid-"}) {
      const std::string key = set + c.metric;
      ASSERT_TRUE(fast[r].count(key) && library[r].count(key)) << key;
      const double got = fast[r].at(key), want = library[r].at(key);
      // libxgboost prints six significant digits.
      EXPECT_NEAR(got, want, 2e-6 * std::max(1.0, std::abs(want)) + 1e-6)
          << key << " round " << r + 1;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Metrics, RoundLossAgrees,
    ::testing::Values(Case{"binary:logistic", "logloss", false}, Case{"binary:logistic", "logloss", true},
                      Case{"binary:logistic", "error", false}, Case{"multi:softprob", "mlogloss", false},
                      Case{"multi:softprob", "merror", true}, Case{"reg:squarederror", "rmse", true},
                      Case{"reg:squarederror", "mae", false}, Case{"count:poisson", "poisson-nloglik", false},
                      Case{"reg:tweedie", "tweedie-nloglik@1.5", false}),
    [](const auto& info) {
      std::string n = info.param.metric + (info.param.weighted ? "_weighted" : "");
      for (char& ch : n)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      return n;
    });

TEST(RoundLoss, KnownValuesAndUnknownMetrics) {
  // Margins 0 give probability 0.5 (log loss ln 2); weights weigh rows.
  const std::vector<float> margins = {0, 0, 2}, labels = {1, 0, 1}, weights = {1, 1, 2};
  const double p2 = 1 / (1 + std::exp(-2.0));
  auto ll = RoundLoss("logloss", MarginLink::kLogit, margins.data(), labels.data(), weights.data(), 3, 0, 1);
  ASSERT_TRUE(ll.has_value());
  EXPECT_NEAR(*ll, (2 * std::log(2.0) - 2 * std::log(p2)) / 4, 1e-6);
  auto rmse = RoundLoss("rmse", MarginLink::kIdentity, margins.data(), labels.data(), nullptr, 3, 0, 1);
  EXPECT_NEAR(*rmse, std::sqrt((1.0 + 0 + 1) / 3), 1e-6);
  // Three classes, softmax of the margins; row labels 2 and 0.
  const std::vector<float> multi = {0, 0, 0, 1, 2, 3}, classes = {2, 0};
  auto ml = RoundLoss("mlogloss", MarginLink::kSoftmax, multi.data(), classes.data(), nullptr, 2, 3, 2);
  const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  EXPECT_NEAR(*ml, (std::log(3.0) - std::log(std::exp(1.0) / z)) / 2, 1e-6);
  auto merr = RoundLoss("merror", MarginLink::kSoftmax, multi.data(), classes.data(), nullptr, 2, 3, 2);
  EXPECT_NEAR(*merr, 1.0, 1e-12);  // row 1: all equal, argmax 0 != 2; row 2: argmax 2 != 0
  EXPECT_FALSE(IsRoundLossMetric("auc"));
  EXPECT_FALSE(IsRoundLossMetric("tweedie-nloglik@2.5"));
  EXPECT_FALSE(RoundLoss("auc", MarginLink::kLogit, margins.data(), labels.data(), nullptr, 3, 0, 1).has_value());
}

TEST(RoundLoss, SameResultForAnyNumberOfThreads) {
  std::mt19937_64 rng(9);
  std::normal_distribution<float> normal;
  std::vector<float> margins(300000), labels(100000), weights(100000);
  for (float& m : margins) m = 2 * normal(rng);
  for (size_t i = 0; i < labels.size(); ++i) {
    labels[i] = static_cast<float>(i % 3);
    weights[i] = 1.0f + static_cast<float>(i % 5);
  }
  for (auto [metric, link] : {std::pair{"mlogloss", MarginLink::kSoftmax}, {"logloss", MarginLink::kLogit}}) {
    const int classes = link == MarginLink::kSoftmax ? 3 : 0;
    if (link == MarginLink::kLogit) {
      for (float& y : labels) y = y > 0;
    }
    auto one = RoundLoss(metric, link, margins.data(), labels.data(), weights.data(), labels.size(), classes, 1);
    auto two = RoundLoss(metric, link, margins.data(), labels.data(), weights.data(), labels.size(), classes, 2);
    ASSERT_TRUE(one && two);
    EXPECT_EQ(*one, *two) << metric;  // bit for bit
    EXPECT_GT(*one, 0.1) << metric;
  }
}

}  // namespace
}  // namespace strata::ml
