#pragma once
// The elbow/silhouette sweep (POST /api/v1/clustering/sweeps, `strata cluster-sweep`):
// fits the `kmeans` algorithm for each k of a range on a dataset, after the preprocessing
// training would apply (numeric features standardized by default), and reports per k
// the inertia and the silhouette (ml::EvaluateClustering, the same metrics a trained
// clustering model gets), with the k of the highest silhouette as the suggestion.
//
// It answers synchronously, on a seeded sample of at most `sample` rows (default
// 20,000, at most 200,000): each k trains on at most 256·k rows anyway (FAISS's
// max_points_per_centroid) and the silhouette is measured on 4,000 rows, so more rows
// would change the figures little and cost time, and the sweep returns in seconds, an
// answer to explore with rather than a job to poll. The inertia is of the sampled rows.

#include <string>

#include "core/core.h"
#include "platform/dataset_service.h"

namespace strata::platform {

struct ClusterSweepOptions {
  std::string dataset;
  int64_t dataset_version = 0;  // 0: the latest
  int k_min = 2, k_max = 10;    // at most 50 values of k, k_max at most 1000
  size_t sample = 20000;
  uint64_t seed = 1;
  Json preprocessing = Json::object();    // as training's; scale defaults to standard
  Json hyperparameters = Json::object();  // other kmeans hyperparameters (not k)
};

// {"dataset", "dataset_version"?, "k_min", "k_max", "sample"?, "seed"?, "preprocessing"?,
//  "hyperparameters"?}; InvalidArgument naming the field otherwise.
Result<ClusterSweepOptions> ParseClusterSweepOptions(const Json& request);

// The result:
//   {"dataset": {name, version, rows}, "rows_used", "features",
//    "results": [{"k", "inertia", "silhouette" (null for one cluster), "sizes",
//                 "iterations", "seconds"}],
//    "suggested_k" (null when no k has a silhouette), "hyperparameters", "seconds"}
Result<Json> RunClusterSweep(DatasetService& datasets, const ClusterSweepOptions& options);

// The result as a self-contained HTML page: the elbow curve (inertia by k), the
// silhouette by k with the suggestion marked, and the table.
std::string RenderClusterSweepHtml(const Json& sweep);

}  // namespace strata::platform
