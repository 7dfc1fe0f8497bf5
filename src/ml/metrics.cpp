#include "ml/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include <fmt/format.h>

namespace strata::ml {
namespace {

// scikit-learn's log_loss clips with the machine epsilon of its input (eps="auto").
constexpr double kEps = std::numeric_limits<double>::epsilon();

double Ratio(double a, double b) { return b == 0 ? 0 : a / b; }
double F1(double p, double r) { return p + r == 0 ? 0 : 2 * p * r / (p + r); }

std::vector<CurvePoint> Thin(const std::vector<CurvePoint>& points, size_t max_points) {
  if (points.size() <= max_points || max_points < 2) return points;
  std::vector<CurvePoint> out;
  double step = static_cast<double>(points.size() - 1) / static_cast<double>(max_points - 1);
  for (size_t i = 0; i < max_points; ++i) out.push_back(points[static_cast<size_t>(std::round(i * step))]);
  return out;
}

// Per-class precision, recall and F1 from a confusion matrix [actual][predicted], with
// macro averages over the classes that occur as label or prediction and averages
// weighted by support.
struct ClassScores : ClassAverages {
  std::vector<double> precision, recall, f1;
  std::vector<int64_t> support;
};

ClassScores ScoresFromConfusion(const std::vector<std::vector<int64_t>>& confusion) {
  const size_t k = confusion.size();
  ClassScores s;
  s.precision.resize(k);
  s.recall.resize(k);
  s.f1.resize(k);
  s.support.resize(k);
  int64_t n = 0, present = 0;
  for (size_t c = 0; c < k; ++c) {
    int64_t tp = confusion[c][c], actual = 0, predicted = 0;
    for (size_t j = 0; j < k; ++j) {
      actual += confusion[c][j];
      predicted += confusion[j][c];
    }
    s.support[c] = actual;
    s.precision[c] = Ratio(static_cast<double>(tp), static_cast<double>(predicted));
    s.recall[c] = Ratio(static_cast<double>(tp), static_cast<double>(actual));
    s.f1[c] = F1(s.precision[c], s.recall[c]);
    n += actual;
    if (actual > 0 || predicted > 0) {
      ++present;
      s.macro_precision += s.precision[c];
      s.macro_recall += s.recall[c];
      s.macro_f1 += s.f1[c];
    }
    s.weighted_precision += static_cast<double>(actual) * s.precision[c];
    s.weighted_recall += static_cast<double>(actual) * s.recall[c];
    s.weighted_f1 += static_cast<double>(actual) * s.f1[c];
  }
  for (double* v : {&s.macro_precision, &s.macro_recall, &s.macro_f1}) *v = Ratio(*v, static_cast<double>(present));
  for (double* v : {&s.weighted_precision, &s.weighted_recall, &s.weighted_f1}) *v = Ratio(*v, static_cast<double>(n));
  return s;
}

Json CurveJson(const std::vector<CurvePoint>& c, const char* x, const char* y) {
  Json out = Json::array();
  for (const auto& p : c) {
    out.push_back({{x, p.x}, {y, p.y}, {"threshold", std::isfinite(p.threshold) ? Json(p.threshold) : Json(nullptr)}});
  }
  return out;
}

// ROC AUC and the curves for one positive class. Scores sorted descending; groups of
// equal scores form one step (ties count half in the area, as a trapezoid).
struct Curves {
  double roc_auc = 0, average_precision = 0;
  std::vector<CurvePoint> roc, pr;
};

Curves BinaryCurves(const std::vector<int>& positive, const std::vector<double>& scores) {
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  double pos = 0, neg = 0;
  for (int p : positive) (p ? pos : neg) += 1;
  Curves c;
  c.roc.push_back({0, 0, INFINITY});
  double tp = 0, fp = 0, prev_fpr = 0, prev_tpr = 0, prev_recall = 0;
  for (size_t i = 0; i < order.size();) {
    double s = scores[order[i]];
    size_t j = i;
    while (j < order.size() && scores[order[j]] == s) {
      (positive[order[j]] ? tp : fp) += 1;
      ++j;
    }
    double tpr = Ratio(tp, pos), fpr = Ratio(fp, neg);
    c.roc_auc += (fpr - prev_fpr) * (tpr + prev_tpr) / 2;
    c.roc.push_back({fpr, tpr, s});
    double precision = tp / (tp + fp), recall = tpr;
    c.average_precision += (recall - prev_recall) * precision;
    c.pr.push_back({recall, precision, s});
    prev_fpr = fpr;
    prev_tpr = tpr;
    prev_recall = recall;
    i = j;
  }
  return c;
}

}  // namespace

Result<BinaryMetrics> EvaluateBinary(const std::vector<int>& labels, const std::vector<double>& scores, double threshold,
                                     size_t max_points) {
  if (labels.size() != scores.size()) {
    return InvalidArgumentError(fmt::format("{} labels but {} scores", labels.size(), scores.size()));
  }
  if (labels.empty()) return InvalidArgumentError("no rows to evaluate");
  if (!(threshold >= 0 && threshold <= 1)) return InvalidArgumentError(fmt::format("threshold must be in [0, 1], got {}", threshold));
  BinaryMetrics m;
  m.threshold = threshold;
  double loss = 0;
  bool both = false;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] != 0 && labels[i] != 1) return InvalidArgumentError(fmt::format("label {} of row {} is not 0 or 1", labels[i], i));
    if (!(scores[i] >= 0 && scores[i] <= 1)) return InvalidArgumentError(fmt::format("score {} of row {} is not a probability", scores[i], i));
    bool predicted = scores[i] >= threshold;
    if (labels[i]) (predicted ? m.tp : m.fn) += 1;
    else (predicted ? m.fp : m.tn) += 1;
    double p = std::clamp(scores[i], kEps, 1 - kEps);
    loss -= labels[i] ? std::log(p) : std::log(1 - p);
    both = both || labels[i] != labels[0];
  }
  double n = static_cast<double>(labels.size());
  m.accuracy = (m.tp + m.tn) / n;
  m.precision = Ratio(m.tp, m.tp + m.fp);
  m.recall = Ratio(m.tp, m.tp + m.fn);
  m.f1 = F1(m.precision, m.recall);
  m.log_loss = loss / n;
  ClassScores cs = ScoresFromConfusion({{m.tn, m.fp}, {m.fn, m.tp}});
  for (size_t c = 0; c < 2; ++c) {
    m.class_precision[c] = cs.precision[c];
    m.class_recall[c] = cs.recall[c];
    m.class_f1[c] = cs.f1[c];
    m.support[c] = cs.support[c];
  }
  static_cast<ClassAverages&>(m) = cs;
  if (both) {
    Curves c = BinaryCurves(labels, scores);
    m.roc_auc = c.roc_auc;
    m.pr_auc = c.average_precision;
    m.roc = Thin(c.roc, max_points);
    m.pr = Thin(c.pr, max_points);
  } else {
    m.roc_auc = m.pr_auc = NAN;  // undefined with a single class
  }
  return m;
}

Result<MulticlassMetrics> EvaluateMulticlass(const std::vector<int>& labels, const std::vector<double>& probabilities,
                                             const std::vector<std::string>& classes) {
  const size_t k = classes.size(), n = labels.size();
  if (k < 2) return InvalidArgumentError("need at least two classes");
  if (probabilities.size() != n * k) {
    return InvalidArgumentError(fmt::format("{} rows x {} classes need {} probabilities, got {}", n, k, n * k, probabilities.size()));
  }
  if (n == 0) return InvalidArgumentError("no rows to evaluate");
  MulticlassMetrics m;
  m.classes = classes;
  m.confusion.assign(k, std::vector<int64_t>(k, 0));
  double loss = 0;
  for (size_t i = 0; i < n; ++i) {
    if (labels[i] < 0 || static_cast<size_t>(labels[i]) >= k) {
      return InvalidArgumentError(fmt::format("label {} of row {} is not a class index", labels[i], i));
    }
    const double* p = &probabilities[i * k];
    size_t best = static_cast<size_t>(std::max_element(p, p + k) - p);
    ++m.confusion[static_cast<size_t>(labels[i])][best];
    // Each probability clipped, then the row renormalised, as scikit-learn does.
    double sum = 0;
    for (size_t c = 0; c < k; ++c) sum += std::clamp(p[c], kEps, 1 - kEps);
    loss -= std::log(std::clamp(p[labels[i]], kEps, 1 - kEps) / sum);
  }
  m.log_loss = loss / static_cast<double>(n);
  ClassScores cs = ScoresFromConfusion(m.confusion);
  m.precision = cs.precision;
  m.recall = cs.recall;
  m.f1 = cs.f1;
  m.support = cs.support;
  static_cast<ClassAverages&>(m) = cs;
  int64_t correct = 0;
  double auc_sum = 0;
  int auc_classes = 0;
  for (size_t c = 0; c < k; ++c) {
    correct += m.confusion[c][c];
    const int64_t actual = m.support[c];
    if (actual > 0 && actual < static_cast<int64_t>(n)) {
      std::vector<int> positive(n);
      std::vector<double> scores(n);
      for (size_t i = 0; i < n; ++i) {
        positive[i] = labels[i] == static_cast<int>(c);
        scores[i] = probabilities[i * k + c];
      }
      auc_sum += BinaryCurves(positive, scores).roc_auc;
      ++auc_classes;
    }
  }
  m.accuracy = static_cast<double>(correct) / static_cast<double>(n);
  m.roc_auc_ovr = auc_classes ? auc_sum / auc_classes : NAN;
  return m;
}

Result<RegressionMetrics> EvaluateRegression(const std::vector<double>& actual, const std::vector<double>& predicted) {
  if (actual.size() != predicted.size()) {
    return InvalidArgumentError(fmt::format("{} actual values but {} predictions", actual.size(), predicted.size()));
  }
  const size_t n = actual.size();
  if (n == 0) return InvalidArgumentError("no rows to evaluate");
  RegressionMetrics m;
  double mean = std::accumulate(actual.begin(), actual.end(), 0.0) / static_cast<double>(n);
  double ss_res = 0, ss_tot = 0, abs_sum = 0, ape = 0;
  constexpr double kMapeEps = std::numeric_limits<double>::epsilon();
  std::vector<double> residuals(n);
  for (size_t i = 0; i < n; ++i) {
    double r = actual[i] - predicted[i];
    residuals[i] = r;
    ss_res += r * r;
    ss_tot += (actual[i] - mean) * (actual[i] - mean);
    abs_sum += std::fabs(r);
    ape += std::fabs(r) / std::max(std::fabs(actual[i]), kMapeEps);
    if (actual[i] == 0) ++m.zero_actuals;
  }
  m.rmse = std::sqrt(ss_res / static_cast<double>(n));
  m.mae = abs_sum / static_cast<double>(n);
  m.r2 = ss_tot > 0 ? 1 - ss_res / ss_tot : (ss_res == 0 ? 1.0 : 0.0);
  m.mape = ape / static_cast<double>(n);
  m.residual_mean = std::accumulate(residuals.begin(), residuals.end(), 0.0) / static_cast<double>(n);
  double var = 0;
  for (double r : residuals) var += (r - m.residual_mean) * (r - m.residual_mean);
  m.residual_std = n > 1 ? std::sqrt(var / static_cast<double>(n - 1)) : 0;
  std::sort(residuals.begin(), residuals.end());
  auto q = [&](double p) {
    double pos = p * static_cast<double>(n - 1);
    size_t lo = static_cast<size_t>(pos), hi = std::min(lo + 1, n - 1);
    return residuals[lo] + (residuals[hi] - residuals[lo]) * (pos - static_cast<double>(lo));
  };
  m.residual_p5 = q(0.05);
  m.residual_p50 = q(0.5);
  m.residual_p95 = q(0.95);
  return m;
}

namespace {
Json Num(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }
}  // namespace

Json BinaryMetrics::ToJson() const {
  Json per_class = Json::array();
  for (size_t c = 0; c < 2; ++c) {
    per_class.push_back({{"class", classes.size() == 2 ? classes[c] : std::to_string(c)},
                         {"precision", class_precision[c]},
                         {"recall", class_recall[c]},
                         {"f1", class_f1[c]},
                         {"support", support[c]}});
  }
  return {{"threshold", threshold},
          {"accuracy", Num(accuracy)},
          {"precision", Num(precision)},
          {"recall", Num(recall)},
          {"f1", Num(f1)},
          {"roc_auc", Num(roc_auc)},
          {"pr_auc", Num(pr_auc)},
          {"log_loss", Num(log_loss)},
          {"confusion_matrix", {{"tn", tn}, {"fp", fp}, {"fn", fn}, {"tp", tp}}},
          {"macro", MacroJson()},
          {"weighted", WeightedJson()},
          {"per_class", per_class},
          {"roc_curve", CurveJson(roc, "fpr", "tpr")},
          {"pr_curve", CurveJson(pr, "recall", "precision")}};
}

Json ClassAverages::MacroJson() const {
  return {{"precision", macro_precision}, {"recall", macro_recall}, {"f1", macro_f1}};
}

Json ClassAverages::WeightedJson() const {
  return {{"precision", weighted_precision}, {"recall", weighted_recall}, {"f1", weighted_f1}};
}

Json MulticlassMetrics::ToJson() const {
  Json per_class = Json::array();
  for (size_t c = 0; c < classes.size(); ++c) {
    per_class.push_back({{"class", classes[c]}, {"precision", precision[c]}, {"recall", recall[c]}, {"f1", f1[c]},
                         {"support", support[c]}});
  }
  return {{"accuracy", accuracy},
          {"log_loss", Num(log_loss)},
          {"roc_auc_ovr", Num(roc_auc_ovr)},
          {"macro", MacroJson()},
          {"weighted", WeightedJson()},
          {"per_class", per_class},
          {"classes", classes},
          {"confusion_matrix", confusion}};
}

Json RegressionMetrics::ToJson() const {
  return {{"rmse", rmse},
          {"mae", mae},
          {"r2", r2},
          {"mape", Num(mape)},
          {"zero_actuals", zero_actuals},
          {"residuals", {{"mean", residual_mean}, {"std", residual_std}, {"p5", residual_p5}, {"p50", residual_p50},
                         {"p95", residual_p95}}}};
}

}  // namespace strata::ml
