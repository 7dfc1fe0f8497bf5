#include "platform/evaluation_unsupervised.h"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include "ml/ml.h"
#include "platform/training.h"

namespace strata::platform {
namespace {

// Rows for the O(n²) silhouette and for the projection variances.
constexpr size_t kSilhouetteRows = 4000;
constexpr size_t kProjectionRows = 100000;
constexpr int kScoreBins = 30;

}  // namespace

Status EvaluateUnsupervised(const serve::Predictor& predictor, const data::Table& table,
                            const EvaluationOptions& options, Json* out) {
  const ml::Problem problem = predictor.problem();
  const int64_t n = table.rows();
  if (n == 0) return InvalidArgumentError("the dataset has no rows to evaluate");
  // An anomaly model's label column, when the dataset has it.
  const std::string label = predictor.model_json().value("target", "");
  const data::ColumnView* lc = nullptr;
  if (problem == ml::Problem::kAnomalyDetection && !label.empty()) {
    if (const int i = table.schema().Find(label); i >= 0) lc = &table.column(static_cast<size_t>(i));
  }

  std::vector<float> predictions;
  std::vector<int> labels;
  std::vector<float> labelled_predictions;
  const int64_t chunk = static_cast<int64_t>(std::max<size_t>(1, options.chunk_rows));
  std::vector<int64_t> rows;
  for (int64_t start = 0; start < n; start += chunk) {
    rows.resize(static_cast<size_t>(std::min(n, start + chunk) - start));
    std::iota(rows.begin(), rows.end(), start);
    STRATA_ASSIGN_OR_RETURN(serve::Predictions p, predictor.PredictTable(table, rows));
    predictions.insert(predictions.end(), p.values.begin(), p.values.end());
  }
  const size_t per_row = static_cast<size_t>(predictor.outputs_per_row());
  int64_t unlabelled = 0;
  if (lc != nullptr) {
    for (int64_t r = 0; r < n; ++r) {
      if (!lc->IsValid(r)) {
        ++unlabelled;
        continue;
      }
      STRATA_ASSIGN_OR_RETURN(int y, AnomalyLabel(*lc, r));
      labels.push_back(y);
      labelled_predictions.insert(labelled_predictions.end(), predictions.begin() + r * 2,
                                  predictions.begin() + r * 2 + 2);
    }
  }

  Json metrics, charts = Json::object();
  switch (problem) {
    case ml::Problem::kClustering: {
      const int k = predictor.model_json()["training"].value("clusters", 0);
      STRATA_ASSIGN_OR_RETURN(ml::ClusteringMetrics m, ml::ClusterSizes(predictions, k));
      std::vector<int64_t> sample;
      for (size_t r : ml::SampleRows(static_cast<size_t>(n), kSilhouetteRows, 1)) sample.push_back(static_cast<int64_t>(r));
      STRATA_ASSIGN_OR_RETURN(serve::Features x, predictor.FeaturesTable(table, sample));
      std::vector<int> clusters;
      for (int64_t r : sample) clusters.push_back(static_cast<int>(predictions[static_cast<size_t>(r) * 2]));
      m.silhouette = ml::SilhouetteScore(x.matrix(), clusters, k);
      m.silhouette_rows = static_cast<int64_t>(sample.size());
      metrics = m.ToJson();
      break;
    }
    case ml::Problem::kAnomalyDetection: {
      STRATA_ASSIGN_OR_RETURN(ml::AnomalyMetrics all, ml::EvaluateAnomaly(predictions, {}));
      metrics = all.ToJson();
      if (!labels.empty()) {
        STRATA_ASSIGN_OR_RETURN(ml::AnomalyMetrics m, ml::EvaluateAnomaly(labelled_predictions, labels));
        // Flat, as training reports them: the labelled figures beside those of every row.
        const Json labelled = m.ToJson();
        for (const char* k : {"labelled_anomalies", "roc_auc", "pr_auc", "precision", "recall", "f1"}) {
          metrics[k] = labelled[k];
        }
        metrics["unlabelled_rows"] = unlabelled;
      }
      std::vector<double> scores;
      for (size_t r = 0; r < static_cast<size_t>(n); ++r) scores.push_back(predictions[r * 2]);
      charts["score_histogram"] = Histogram(scores, kScoreBins);
      break;
    }
    case ml::Problem::kDimensionalityReduction: {
      std::vector<int64_t> sample;
      for (size_t r : ml::SampleRows(static_cast<size_t>(n), kProjectionRows, 1)) sample.push_back(static_cast<int64_t>(r));
      STRATA_ASSIGN_OR_RETURN(serve::Features x, predictor.FeaturesTable(table, sample));
      std::vector<float> projected;
      for (int64_t r : sample) {
        const auto at = predictions.begin() + static_cast<ptrdiff_t>(static_cast<size_t>(r) * per_row);
        projected.insert(projected.end(), at, at + static_cast<ptrdiff_t>(per_row));
      }
      STRATA_ASSIGN_OR_RETURN(ml::ProjectionMetrics m,
                              ml::EvaluateProjection(x.matrix(),
                                                     {projected.data(), sample.size(), per_row}));
      metrics = m.ToJson();
      metrics["sample_rows"] = sample.size();
      break;
    }
    case ml::Problem::kEmbedding: {
      STRATA_ASSIGN_OR_RETURN(ml::EmbeddingMetrics m,
                              ml::EvaluateEmbedding({predictions.data(), static_cast<size_t>(n), per_row}));
      metrics = m.ToJson();
      break;
    }
    default: return InternalError("EvaluateUnsupervised: a supervised model");
  }
  (*out)["rows"] = {{"total", n}, {"evaluated", n}};
  (*out)["metrics"] = metrics;
  (*out)["charts"] = charts;
  return Status::Ok();
}

}  // namespace strata::platform
