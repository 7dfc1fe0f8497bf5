// Strata's metrics against scikit-learn itself: random labels, scores and values are
// written to CSV (17 significant digits, so both sides read the same doubles), a small
// Python script computes scikit-learn's metrics, and every number must agree to 1e-9.
// Needs /usr/bin/python3 with python3-sklearn (scripts/install-deps).
#include <cmath>
#include <fstream>
#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "ml/metrics.h"
#include "sklearn_runner.h"

namespace strata::ml {
namespace {

constexpr double kTolerance = 1e-9;

// Relative for large values (MAPE with a zero actual value is ~1e15), absolute otherwise.
void ExpectAgree(double strata, const Json& sklearn, const std::string& what) {
  ASSERT_TRUE(sklearn.is_number()) << what << ": scikit-learn gave " << sklearn.dump();
  double want = sklearn.get<double>();
  EXPECT_LE(std::fabs(strata - want), kTolerance * std::max(1.0, std::fabs(want)))
      << what << ": strata " << fmt::format("{:.17g}", strata) << ", scikit-learn "
      << fmt::format("{:.17g}", want);
}

void ExpectClassScores(double macro_p, double macro_r, double macro_f1, double w_p, double w_r,
                       double w_f1, const Json& s, const std::string& what) {
  ExpectAgree(macro_p, s["macro"]["precision"], what + " macro precision");
  ExpectAgree(macro_r, s["macro"]["recall"], what + " macro recall");
  ExpectAgree(macro_f1, s["macro"]["f1"], what + " macro f1");
  ExpectAgree(w_p, s["weighted"]["precision"], what + " weighted precision");
  ExpectAgree(w_r, s["weighted"]["recall"], what + " weighted recall");
  ExpectAgree(w_f1, s["weighted"]["f1"], what + " weighted f1");
}

TEST(MetricsSklearnTest, AgreesWithScikitLearn) {
  TempDir dir;
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> u(0, 1);
  std::normal_distribution<double> normal(0, 1);

  // Binary: informative scores with ties (rounded to 2 decimals for a third of the
  // rows) and a few exact 0 and 1 to exercise log loss clipping.
  std::vector<int> labels;
  std::vector<double> scores;
  std::string csv = "label,score\n";
  for (int i = 0; i < 3000; ++i) {
    int y = u(rng) < 0.35 ? 1 : 0;
    double s = 1 / (1 + std::exp(-(1.4 * (y ? 1 : -1) + 1.3 * normal(rng))));
    if (i % 3 == 0) s = std::round(s * 100) / 100;
    if (i % 500 == 7) s = y ? 0.0 : 1.0;  // confidently wrong
    if (i % 500 == 11) s = y ? 1.0 : 0.0;
    labels.push_back(y);
    scores.push_back(s);
    csv += fmt::format("{},{:.17g}\n", y, s);
  }
  std::ofstream(dir.path() / "binary.csv") << csv;

  // Multi-class: 4 classes, softmax probabilities (each row sums to 1).
  const int k = 4;
  std::vector<int> mlabels;
  std::vector<double> probs;
  csv = "label,p0,p1,p2,p3\n";
  for (int i = 0; i < 2000; ++i) {
    int y = static_cast<int>(rng() % k);
    double z[k], sum = 0;
    for (int c = 0; c < k; ++c) sum += z[c] = std::exp((c == y ? 1.2 : 0.0) + normal(rng));
    csv += std::to_string(y);
    mlabels.push_back(y);
    for (int c = 0; c < k; ++c) {
      probs.push_back(z[c] / sum);
      csv += fmt::format(",{:.17g}", z[c] / sum);
    }
    csv += "\n";
  }
  std::ofstream(dir.path() / "multiclass.csv") << csv;

  // Regression, with one zero actual value (MAPE divides by the machine epsilon there).
  std::vector<double> actual, predicted;
  csv = "actual,predicted\n";
  for (int i = 0; i < 2500; ++i) {
    double a = i == 100 ? 0.0 : 50 + 12 * normal(rng);
    double p = a + 3 * normal(rng);
    actual.push_back(a);
    predicted.push_back(p);
    csv += fmt::format("{:.17g},{:.17g}\n", a, p);
  }
  std::ofstream(dir.path() / "regression.csv") << csv;

  auto parsed = core::ParseJson(RunPython("sklearn_metrics.py", dir.path().string()), "scikit-learn's output");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const Json& sk = *parsed;

  auto b = EvaluateBinary(labels, scores, 0.5);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  const Json& sb = sk["binary"];
  ExpectAgree(b->accuracy, sb["accuracy"], "binary accuracy");
  ExpectAgree(b->precision, sb["precision"], "binary precision");
  ExpectAgree(b->recall, sb["recall"], "binary recall");
  ExpectAgree(b->f1, sb["f1"], "binary f1");
  ExpectAgree(b->roc_auc, sb["roc_auc"], "binary roc auc");
  ExpectAgree(b->pr_auc, sb["pr_auc"], "binary average precision");
  ExpectAgree(b->log_loss, sb["log_loss"], "binary log loss");
  ExpectClassScores(b->macro_precision, b->macro_recall, b->macro_f1, b->weighted_precision,
                    b->weighted_recall, b->weighted_f1, sb, "binary");
  for (int c = 0; c < 2; ++c) {
    ExpectAgree(b->class_precision[c], sb["per_class"][c]["precision"],
                fmt::format("binary class {} precision", c));
    ExpectAgree(b->class_recall[c], sb["per_class"][c]["recall"],
                fmt::format("binary class {} recall", c));
    ExpectAgree(b->class_f1[c], sb["per_class"][c]["f1"], fmt::format("binary class {} f1", c));
    EXPECT_EQ(b->support[c], sb["per_class"][c]["support"].get<int64_t>());
  }

  auto m = EvaluateMulticlass(mlabels, probs, {"a", "b", "c", "d"});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const Json& sm = sk["multiclass"];
  ExpectAgree(m->accuracy, sm["accuracy"], "multiclass accuracy");
  ExpectAgree(m->log_loss, sm["log_loss"], "multiclass log loss");
  ExpectAgree(m->roc_auc_ovr, sm["roc_auc_ovr"], "multiclass roc auc (ovr, macro)");
  ExpectClassScores(m->macro_precision, m->macro_recall, m->macro_f1, m->weighted_precision,
                    m->weighted_recall, m->weighted_f1, sm, "multiclass");
  for (int c = 0; c < k; ++c) {
    ExpectAgree(m->f1[c], sm["per_class"][c]["f1"], fmt::format("multiclass class {} f1", c));
  }

  auto r = EvaluateRegression(actual, predicted);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Json& sr = sk["regression"];
  ExpectAgree(r->rmse, sr["rmse"], "rmse");
  ExpectAgree(r->mae, sr["mae"], "mae");
  ExpectAgree(r->r2, sr["r2"], "r2");
  ExpectAgree(r->mape, sr["mape"], "mape");
}

}  // namespace
}  // namespace strata::ml
