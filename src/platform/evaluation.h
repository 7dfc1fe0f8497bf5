#pragma once
// Evaluation of a registered model version on any dataset that has the model's target
// column: predictions through Predictor (the same path endpoints use), metrics through
// ml::Evaluate* (scikit-learn's definitions), and an HTML report of the result.
//
// Rows are transformed and predicted in chunks (EvaluationOptions::chunk_rows), so the
// feature matrix never holds more than one chunk; what grows with the dataset is one
// label and one score per row (k scores for k classes), which the exact metrics need.
// Rows whose target is missing are skipped and counted; so are rows of a classifier
// whose class was not seen at training, which are listed by class.

#include <optional>
#include <string>

#include "core/core.h"
#include "platform/dataset_service.h"
#include "platform/model_service.h"

namespace strata::platform {

struct EvaluationOptions {
  std::string dataset;
  int64_t dataset_version = 0;      // 0: the latest
  std::optional<double> threshold;  // binary classifiers only; default the model's
  size_t chunk_rows = 65536;
  size_t scatter_points = 2000;  // regression: predicted-vs-actual sample for charts
  int histogram_bins = 30;       // regression: residual histogram
  size_t explain_rows = 1000;    // evaluated rows sampled for explanations (0: none)
};

// The body of POST .../evaluate ({"dataset": n, "dataset_version"?: v, "threshold"?: t,
// "explain_rows"?: k})
// or the query of GET .../evaluate, as JSON.
Result<EvaluationOptions> ParseEvaluationOptions(const Json& request);

// Evaluates `version` (a number or an alias) of `model`. The result:
//   {"model": {name, version, algorithm, problem, target, classes?},
//    "dataset": {name, version, rows},
//    "rows": {total, evaluated, missing_target, unseen_class},
//    "unseen_classes": [{"class", "rows"}]   (classifiers),
//    "threshold": t                           (binary),
//    "metrics": {...}                         (ml::*Metrics::ToJson, with curves),
//    "charts": {"scatter": [[actual, predicted]...], "residual_histogram": {edges, counts}}
//                                             (regression),
//    "explanations": {...}                    (platform/explanation.h: importance,
//                                              SHAP summary, partial dependence),
//    "notes": [...]                           (preprocessing notes, at most 20),
//    "seconds": s}
// InvalidArgument when the dataset lacks the target or no row can be evaluated.
Result<Json> EvaluateModelVersion(ModelService& models, DatasetService& datasets,
                                  const std::string& model, const std::string& version,
                                  const EvaluationOptions& options);

// The result of EvaluateModelVersion as a self-contained HTML page (inline SVG charts:
// ROC and PR curves, confusion matrix, per-class bars; predicted vs actual and
// residuals for regression; the metrics tables; feature importance, SHAP summary and
// partial dependence).
std::string RenderEvaluationHtml(const Json& evaluation);

}  // namespace strata::platform
