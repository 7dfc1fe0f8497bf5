// Metrics of unsupervised models: values worked out by hand on tiny inputs, and the
// silhouette against scikit-learn's silhouette_score on random clusters.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "ml/unsupervised_metrics.h"

namespace strata::ml {
namespace {

TEST(ClusteringMetrics, SizesInertiaAndSilhouetteByHand) {
  // Two clusters on a line: {0, 1} and {10}. Row 0: a = 1, b = 10 -> 0.9; row 1: a = 1,
  // b = 9 -> 8/9; row 2 is alone in its cluster -> 0. Mean (0.9 + 8/9) / 3.
  const std::vector<float> x = {0, 1, 10};
  const std::vector<float> pred = {0, 0.5f, 0, 0.5f, 1, 0};
  auto m = EvaluateClustering({x.data(), 3, 1}, pred, 3);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->sizes, (std::vector<int64_t>{2, 1, 0}));
  EXPECT_DOUBLE_EQ(m->inertia, 0.5);
  ASSERT_TRUE(m->silhouette.has_value());
  EXPECT_NEAR(*m->silhouette, (0.9 + 8.0 / 9.0) / 3, 1e-12);
  EXPECT_EQ(m->ToJson()["clusters"], 3);
}

TEST(ClusteringMetrics, OneClusterHasNoSilhouetteAndBadIndexesAreErrors) {
  const std::vector<float> x = {0, 1};
  auto one = EvaluateClustering({x.data(), 2, 1}, std::vector<float>{0, 0, 0, 1}, 1);
  ASSERT_TRUE(one.ok());
  EXPECT_FALSE(one->silhouette.has_value());
  EXPECT_TRUE(one->ToJson()["silhouette"].is_null());
  EXPECT_FALSE(EvaluateClustering({x.data(), 2, 1}, std::vector<float>{0, 0, 5, 1}, 2).ok());
  EXPECT_FALSE(EvaluateClustering({x.data(), 2, 1}, std::vector<float>{0, 0}, 2).ok());
}

TEST(ClusteringMetrics, SilhouetteAgreesWithScikitLearn) {
  std::mt19937_64 rng(7);
  std::normal_distribution<float> noise(0, 1.5f);
  const size_t n = 300, d = 3;
  std::vector<float> x;
  std::vector<int> clusters;
  for (size_t i = 0; i < n; ++i) {
    const int c = static_cast<int>(i % 3);
    for (size_t j = 0; j < d; ++j) x.push_back(static_cast<float>(c * 4 * (j == static_cast<size_t>(c))) + noise(rng));
    clusters.push_back(c);
  }
  const std::string path = fmt::format("/tmp/strata-silhouette-{}.csv", getpid());
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  for (size_t i = 0; i < n; ++i) {
    std::fprintf(f, "%d,%.9g,%.9g,%.9g\n", clusters[i], x[i * d], x[i * d + 1], x[i * d + 2]);
  }
  std::fclose(f);
  const std::string cmd = fmt::format(
      "/usr/bin/python3 -c \"import numpy as np, sklearn.metrics as m; a = np.loadtxt('{}', delimiter=','); "
      "print(repr(m.silhouette_score(a[:, 1:].astype(np.float32).astype(np.float64), a[:, 0].astype(int))))\"",
      path);
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[128] = {};
  ASSERT_NE(std::fgets(buf, sizeof buf, p), nullptr);
  pclose(p);
  std::remove(path.c_str());
  const double want = std::stod(buf);
  auto got = SilhouetteScore({x.data(), n, d}, clusters, 3);
  ASSERT_TRUE(got.has_value());
  EXPECT_NEAR(*got, want, 1e-9);
}

TEST(SampleRows, DistinctSortedAndSeeded) {
  auto a = SampleRows(1000, 10, 3), b = SampleRows(1000, 10, 3);
  EXPECT_EQ(a, b);
  ASSERT_EQ(a.size(), 10u);
  EXPECT_TRUE(std::is_sorted(a.begin(), a.end()));
  EXPECT_EQ(std::adjacent_find(a.begin(), a.end()), a.end());
  EXPECT_EQ(SampleRows(5, 10, 3).size(), 5u);
}

TEST(AnomalyMetrics, FlagsAndRankingAgainstLabels) {
  // Scores 0.9 and 0.8 flagged; labels: rows 0 and 2 are anomalies.
  const std::vector<float> pred = {0.9f, 1, 0.8f, 1, 0.7f, 0, 0.1f, 0};
  const std::vector<int> labels = {1, 0, 1, 0};
  auto m = EvaluateAnomaly(pred, labels);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->flagged, 2);
  EXPECT_DOUBLE_EQ(m->precision, 0.5);
  EXPECT_DOUBLE_EQ(m->recall, 0.5);
  // Pairs (anomaly, normal) ranked right: (0.9 > 0.8), (0.9 > 0.1), (0.7 > 0.1), (0.7 < 0.8): 3 of 4.
  EXPECT_DOUBLE_EQ(m->roc_auc, 0.75);
  EXPECT_FLOAT_EQ(m->score_max, 0.9f);
  auto unlabelled = EvaluateAnomaly(pred, {});
  ASSERT_TRUE(unlabelled.ok());
  EXPECT_FALSE(unlabelled->ToJson().contains("roc_auc"));
  EXPECT_FALSE(EvaluateAnomaly(pred, std::vector<int>{1}).ok());
}

TEST(ProjectionMetrics, VarianceRatioOfAnAxis) {
  // Points on the x axis with a little y: projecting on x keeps var(x) / (var(x) + var(y)).
  const std::vector<float> x = {-2, 1, -1, -1, 1, 1, 2, -1};
  const std::vector<float> proj = {-2, -1, 1, 2};
  auto m = EvaluateProjection({x.data(), 4, 2}, {proj.data(), 4, 1});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  // var(x) sum of squares 10, var(y) 4 -> 10 / 14.
  EXPECT_NEAR(m->total_variance_ratio, 10.0 / 14.0, 1e-12);
  EXPECT_FALSE(EvaluateProjection({x.data(), 4, 2}, {proj.data(), 3, 1}).ok());
}

}  // namespace
}  // namespace strata::ml
