#pragma once
// Metrics of unsupervised models, computed from the rows and the model's predictions
// (the per-problem layout of algorithm.h), so they mean the same for every algorithm:
//   clustering               inertia = sum of squared distances to the assigned centre;
//                            silhouette as scikit-learn's silhouette_score (mean over
//                            rows of (b - a) / max(a, b), 0 for a row alone in its
//                            cluster), on a seeded sample of at most `max_silhouette_rows`
//                            rows as silhouette_score(sample_size=...) does: O(n²)
//   anomaly_detection        share of rows flagged, score quantiles; with labels (1 =
//                            anomaly) ROC AUC and average precision of the score and
//                            precision/recall/F1 of the flags
//   dimensionality_reduction variance of the projections over the total variance of
//                            the input (= the explained variance ratio for orthonormal
//                            components), per component and in total
//   text_embedding           the vectors' dimensions, mean L2 norm, and how many are
//                            zero (texts without a word the model knows)

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/core.h"
#include "ml/matrix.h"

namespace strata::ml {

struct ClusteringMetrics {
  int64_t rows = 0;
  double inertia = 0, mean_distance = 0;
  std::optional<double> silhouette;  // none with fewer than two clusters in the sample
  int64_t silhouette_rows = 0;
  std::vector<int64_t> sizes;  // rows per cluster index
  Json ToJson() const;
};

// `predictions`: 2 per row (cluster index, distance); `k` the number of clusters.
Result<ClusteringMetrics> EvaluateClustering(Matrix x, std::span<const float> predictions, int k,
                                             size_t max_silhouette_rows = 4000, uint64_t seed = 1);
// The parts, for callers that see the rows in chunks: sizes and inertia from every
// row's predictions (silhouette left empty), and the silhouette of rows `x` (a sample)
// assigned to `clusters`.
Result<ClusteringMetrics> ClusterSizes(std::span<const float> predictions, int k);
std::optional<double> SilhouetteScore(Matrix x, std::span<const int> clusters, int k);
// At most `n` distinct indexes of 0..rows-1, drawn with `seed`, in increasing order.
std::vector<size_t> SampleRows(size_t rows, size_t n, uint64_t seed);

struct AnomalyMetrics {
  int64_t rows = 0, flagged = 0;
  double score_p50 = 0, score_p90 = 0, score_p99 = 0, score_max = 0;
  // With labels:
  bool labelled = false;
  int64_t labelled_anomalies = 0;
  double roc_auc = 0, pr_auc = 0, precision = 0, recall = 0, f1 = 0;
  Json ToJson() const;
};

// `predictions`: 2 per row (score, flag); `labels` one 0/1 per row or empty.
Result<AnomalyMetrics> EvaluateAnomaly(std::span<const float> predictions, std::span<const int> labels);

struct ProjectionMetrics {
  std::vector<double> variance_ratio;  // per output component
  double total_variance_ratio = 0;
  Json ToJson() const;
};

// `projections`: rows x components.
Result<ProjectionMetrics> EvaluateProjection(Matrix x, Matrix projections);

struct EmbeddingMetrics {
  int64_t rows = 0, dimensions = 0, zero_vectors = 0;
  double mean_norm = 0;
  Json ToJson() const;
};

// `embeddings`: rows x dimensions.
Result<EmbeddingMetrics> EvaluateEmbedding(Matrix embeddings);

}  // namespace strata::ml
