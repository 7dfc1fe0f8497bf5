#include "ml/unsupervised_metrics.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include <fmt/format.h>

#include "ml/metrics.h"

namespace strata::ml {
namespace {

double Quantile(std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5));
  std::nth_element(v.begin(), v.begin() + static_cast<ptrdiff_t>(i), v.end());
  return v[i];
}

double Distance(const float* a, const float* b, size_t n) {
  double s = 0;
  for (size_t j = 0; j < n; ++j) {
    const double d = static_cast<double>(a[j]) - b[j];
    s += d * d;
  }
  return std::sqrt(s);
}

}  // namespace

Json ClusteringMetrics::ToJson() const {
  return {{"rows", rows},
          {"clusters", sizes.size()},
          {"inertia", inertia},
          {"mean_distance", mean_distance},
          {"silhouette", silhouette ? Json(*silhouette) : Json()},
          {"silhouette_rows", silhouette_rows},
          {"cluster_sizes", sizes}};
}

std::vector<size_t> SampleRows(size_t rows, size_t n, uint64_t seed) {
  std::vector<size_t> sample(rows);
  std::iota(sample.begin(), sample.end(), size_t{0});
  if (rows > n) {
    std::mt19937_64 rng(seed);
    std::shuffle(sample.begin(), sample.end(), rng);
    sample.resize(n);
    std::sort(sample.begin(), sample.end());
  }
  return sample;
}

std::optional<double> SilhouetteScore(Matrix x, std::span<const int> clusters, int k) {
  const size_t n = x.rows;
  std::vector<int64_t> count(static_cast<size_t>(k), 0);
  for (size_t i = 0; i < n; ++i) ++count[static_cast<size_t>(clusters[i])];
  if (std::count_if(count.begin(), count.end(), [](int64_t c) { return c > 0; }) < 2) return std::nullopt;
  double total = 0;
  std::vector<double> sum(static_cast<size_t>(k));
  for (size_t i = 0; i < n; ++i) {
    std::fill(sum.begin(), sum.end(), 0.0);
    for (size_t j = 0; j < n; ++j) {
      if (j != i) sum[static_cast<size_t>(clusters[j])] += Distance(x.row(i), x.row(j), x.cols);
    }
    const size_t own = static_cast<size_t>(clusters[i]);
    if (count[own] < 2) continue;  // a row alone in its cluster scores 0
    const double a = sum[own] / static_cast<double>(count[own] - 1);
    double b = INFINITY;
    for (size_t c = 0; c < sum.size(); ++c) {
      if (c != own && count[c] > 0) b = std::min(b, sum[c] / static_cast<double>(count[c]));
    }
    const double m = std::max(a, b);
    total += m > 0 ? (b - a) / m : 0;
  }
  return total / static_cast<double>(n);
}

Result<ClusteringMetrics> ClusterSizes(std::span<const float> predictions, int k) {
  if (k < 1) return InvalidArgumentError(fmt::format("clustering metrics need k >= 1, got {}", k));
  if (predictions.size() % 2 != 0) return InvalidArgumentError("clustering metrics need 2 values per row");
  ClusteringMetrics m;
  const size_t n = predictions.size() / 2;
  m.rows = static_cast<int64_t>(n);
  m.sizes.assign(static_cast<size_t>(k), 0);
  double distance_sum = 0;
  for (size_t r = 0; r < n; ++r) {
    const int c = static_cast<int>(predictions[2 * r]);
    if (c < 0 || c >= k) return InternalError(fmt::format("row {}: cluster {} is not in 0..{}", r, c, k - 1));
    ++m.sizes[static_cast<size_t>(c)];
    const double d = predictions[2 * r + 1];
    m.inertia += d * d;
    distance_sum += d;
  }
  if (n > 0) m.mean_distance = distance_sum / static_cast<double>(n);
  return m;
}

Result<ClusteringMetrics> EvaluateClustering(Matrix x, std::span<const float> predictions, int k,
                                             size_t max_silhouette_rows, uint64_t seed) {
  if (predictions.size() != x.rows * 2) {
    return InvalidArgumentError(fmt::format("clustering metrics: {} predictions for {} rows", predictions.size(), x.rows));
  }
  STRATA_ASSIGN_OR_RETURN(ClusteringMetrics m, ClusterSizes(predictions, k));
  const std::vector<size_t> sample = SampleRows(x.rows, max_silhouette_rows, seed);
  std::vector<float> xs;
  std::vector<int> clusters;
  xs.reserve(sample.size() * x.cols);
  for (size_t r : sample) {
    xs.insert(xs.end(), x.row(r), x.row(r) + x.cols);
    clusters.push_back(static_cast<int>(predictions[2 * r]));
  }
  m.silhouette_rows = static_cast<int64_t>(sample.size());
  m.silhouette = SilhouetteScore({xs.data(), sample.size(), x.cols}, clusters, k);
  return m;
}

Json AnomalyMetrics::ToJson() const {
  Json j = {{"rows", rows},
            {"flagged", flagged},
            {"flagged_rate", rows > 0 ? static_cast<double>(flagged) / static_cast<double>(rows) : 0.0},
            {"score_p50", score_p50},
            {"score_p90", score_p90},
            {"score_p99", score_p99},
            {"score_max", score_max}};
  if (labelled) {
    j["labelled_anomalies"] = labelled_anomalies;
    j["roc_auc"] = roc_auc;
    j["pr_auc"] = pr_auc;
    j["precision"] = precision;
    j["recall"] = recall;
    j["f1"] = f1;
  }
  return j;
}

Result<AnomalyMetrics> EvaluateAnomaly(std::span<const float> predictions, std::span<const int> labels) {
  const size_t n = predictions.size() / 2;
  if (predictions.size() % 2 != 0) return InvalidArgumentError("anomaly metrics need 2 values per row");
  if (!labels.empty() && labels.size() != n) {
    return InvalidArgumentError(fmt::format("anomaly metrics: {} labels for {} rows", labels.size(), n));
  }
  AnomalyMetrics m;
  m.rows = static_cast<int64_t>(n);
  std::vector<double> scores(n);
  int64_t tp = 0, fp = 0, fn = 0;
  for (size_t r = 0; r < n; ++r) {
    scores[r] = predictions[2 * r];
    const bool flag = predictions[2 * r + 1] > 0.5f;
    m.flagged += flag;
    if (!labels.empty()) {
      tp += flag && labels[r] == 1;
      fp += flag && labels[r] != 1;
      fn += !flag && labels[r] == 1;
    }
  }
  if (!labels.empty()) {
    m.labelled = true;
    m.labelled_anomalies = tp + fn;
    std::vector<int> y(labels.begin(), labels.end());
    // ROC and PR AUC depend on the order of the scores only; EvaluateBinary takes
    // probabilities, so it gets the scores mapped monotonically into [0, 1] (ties stay
    // ties). Precision and recall come from the model's own flags.
    if (m.labelled_anomalies > 0 && m.labelled_anomalies < m.rows) {
      std::vector<double> unit(scores);
      const auto [lo, hi] = std::minmax_element(unit.begin(), unit.end());
      const double min = *lo, span = *hi - *lo;
      for (double& s : unit) s = span > 0 ? (s - min) / span : 0.5;
      STRATA_ASSIGN_OR_RETURN(BinaryMetrics b, EvaluateBinary(y, unit, 0.5, 2));
      m.roc_auc = b.roc_auc;
      m.pr_auc = b.pr_auc;
    }
    m.precision = tp + fp > 0 ? static_cast<double>(tp) / static_cast<double>(tp + fp) : 0;
    m.recall = tp + fn > 0 ? static_cast<double>(tp) / static_cast<double>(tp + fn) : 0;
    m.f1 = m.precision + m.recall > 0 ? 2 * m.precision * m.recall / (m.precision + m.recall) : 0;
  }
  m.score_p50 = Quantile(scores, 0.5);
  m.score_p90 = Quantile(scores, 0.9);
  m.score_p99 = Quantile(scores, 0.99);
  m.score_max = scores.empty() ? 0 : *std::max_element(scores.begin(), scores.end());
  return m;
}

Json ProjectionMetrics::ToJson() const {
  return {{"components", variance_ratio.size()},
          {"explained_variance_ratio", variance_ratio},
          {"total_explained_variance_ratio", total_variance_ratio}};
}

Result<ProjectionMetrics> EvaluateProjection(Matrix x, Matrix projections) {
  if (x.rows != projections.rows) {
    return InvalidArgumentError(fmt::format("projection metrics: {} rows in, {} projected", x.rows, projections.rows));
  }
  if (x.rows < 2) return InvalidArgumentError("projection metrics need at least two rows");
  // Two-pass variances in double: the columns may have large means.
  auto column_variances = [](Matrix m) {
    std::vector<double> mean(m.cols, 0), var(m.cols, 0);
    for (size_t r = 0; r < m.rows; ++r) {
      for (size_t j = 0; j < m.cols; ++j) mean[j] += m.row(r)[j];
    }
    for (double& v : mean) v /= static_cast<double>(m.rows);
    for (size_t r = 0; r < m.rows; ++r) {
      for (size_t j = 0; j < m.cols; ++j) {
        const double d = m.row(r)[j] - mean[j];
        var[j] += d * d;
      }
    }
    return var;
  };
  const std::vector<double> in = column_variances(x), out = column_variances(projections);
  const double total = std::accumulate(in.begin(), in.end(), 0.0);
  ProjectionMetrics m;
  for (double v : out) m.variance_ratio.push_back(total > 0 ? v / total : 0);
  m.total_variance_ratio = std::accumulate(m.variance_ratio.begin(), m.variance_ratio.end(), 0.0);
  return m;
}

Json EmbeddingMetrics::ToJson() const {
  return {{"rows", rows}, {"dimensions", dimensions}, {"mean_norm", mean_norm}, {"zero_vectors", zero_vectors}};
}

Result<EmbeddingMetrics> EvaluateEmbedding(Matrix embeddings) {
  if (embeddings.rows == 0) return InvalidArgumentError("embedding metrics need at least one row");
  EmbeddingMetrics m;
  m.rows = static_cast<int64_t>(embeddings.rows);
  m.dimensions = static_cast<int64_t>(embeddings.cols);
  double sum = 0;
  for (size_t r = 0; r < embeddings.rows; ++r) {
    double sq = 0;
    for (size_t c = 0; c < embeddings.cols; ++c) sq += static_cast<double>(embeddings.row(r)[c]) * embeddings.row(r)[c];
    sum += std::sqrt(sq);
    m.zero_vectors += sq == 0;
  }
  m.mean_norm = sum / static_cast<double>(embeddings.rows);
  return m;
}

}  // namespace strata::ml
