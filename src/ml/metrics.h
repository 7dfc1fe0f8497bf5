#pragma once
// Evaluation metrics, with the definitions scikit-learn uses so that numbers agree:
//   ROC AUC        area under the ROC curve, ties counted half (roc_auc_score);
//                  multi-class: one-vs-rest, macro average
//   PR AUC         average precision, sum over thresholds of (R_n - R_{n-1}) P_n
//                  (average_precision_score)
//   log loss       probabilities clipped to [eps, 1 - eps] with eps the float64 machine
//                  epsilon (log_loss's eps="auto"), rows renormalised, natural log
//   precision, recall, F1 per class, macro and support-weighted; 0 where undefined.
//                  Macro averages run over the classes present in the labels or the
//                  predictions, as scikit-learn's do when `labels` is not given.
//   R²             1 - SS_res / SS_tot (1 if both are 0, else 0 when SS_tot is 0)
//   MAPE           mean of |actual - predicted| / max(|actual|, eps): a zero actual
//                  value gives a huge term, exactly as mean_absolute_percentage_error
// tests/unit/ml/metrics_sklearn_test.cpp checks all of them against scikit-learn itself.
// Curves are returned thinned to at most `max_points` for charts.

#include <cstdint>
#include <string>
#include <vector>

#include "core/core.h"

namespace strata::ml {

struct CurvePoint {
  double x, y, threshold;
};

// Macro averages (over the classes that occur as label or prediction) and
// support-weighted averages of per-class precision, recall and F1.
struct ClassAverages {
  double macro_precision = 0, macro_recall = 0, macro_f1 = 0;
  double weighted_precision = 0, weighted_recall = 0, weighted_f1 = 0;
  Json MacroJson() const;
  Json WeightedJson() const;
};

struct BinaryMetrics : ClassAverages {
  double threshold = 0.5;
  int64_t tp = 0, fp = 0, tn = 0, fn = 0;
  // precision, recall, f1: of the positive class (scikit-learn's average='binary').
  double accuracy = 0, precision = 0, recall = 0, f1 = 0;
  // Per class (index 0 negative, 1 positive), macro and support-weighted averages.
  double class_precision[2] = {0, 0}, class_recall[2] = {0, 0}, class_f1[2] = {0, 0};
  int64_t support[2] = {0, 0};
  // Names of the two classes for ToJson's per_class list; "0" and "1" when empty.
  std::vector<std::string> classes;
  double roc_auc = 0, pr_auc = 0, log_loss = 0;
  std::vector<CurvePoint> roc, pr;  // (fpr, tpr), (recall, precision)
  Json ToJson() const;
};

// labels are 0/1; scores are probabilities of class 1.
Result<BinaryMetrics> EvaluateBinary(const std::vector<int>& labels, const std::vector<double>& scores,
                                     double threshold = 0.5, size_t max_points = 200);

struct MulticlassMetrics : ClassAverages {
  std::vector<std::string> classes;
  std::vector<std::vector<int64_t>> confusion;  // [actual][predicted]
  double accuracy = 0, log_loss = 0, roc_auc_ovr = 0;
  std::vector<double> precision, recall, f1;
  std::vector<int64_t> support;
  Json ToJson() const;
};

// labels index into `classes`; probabilities is row-major n x classes.size().
Result<MulticlassMetrics> EvaluateMulticlass(const std::vector<int>& labels, const std::vector<double>& probabilities,
                                             const std::vector<std::string>& classes);

struct RegressionMetrics {
  double rmse = 0, mae = 0, r2 = 0, mape = 0;
  int64_t zero_actuals = 0;  // rows whose actual value is 0: they dominate MAPE
  double residual_mean = 0, residual_std = 0, residual_p5 = 0, residual_p50 = 0, residual_p95 = 0;
  Json ToJson() const;
};

Result<RegressionMetrics> EvaluateRegression(const std::vector<double>& actual, const std::vector<double>& predicted);

}  // namespace strata::ml
