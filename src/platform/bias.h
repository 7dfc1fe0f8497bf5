#pragma once
// Bias (fairness) reports: the metrics of ml/bias.h computed between the groups of a
// facet column of a dataset, on demand (POST /api/v1/bias, `strata bias`) or at training
// (a training request with "facet").
//
// Facet groups. A bool, category, text or int facet (at most kMaxFacetGroups distinct
// values) compares each value d with all other rows (a); `facet_value` reports that one
// value only. A numeric facet (int or float) with `facet_threshold` t has two groups,
// d = "> t" and a = "<= t", and reports d. Rows whose facet or target is null are left
// out and counted.
//
// Labels. The target's values name the classes as training names them ("true"/"false",
// "3", the text of a category). The positive class is `positive` when given (for a bool
// target any spelling of a boolean: yes, 1, t); else "true" for a bool target, "1" for a
// target whose values are 0 and 1; otherwise the request is ambiguous and fails with
// InvalidArgument listing the values. Float and timestamp targets have no classes:
// InvalidArgument.
//
// Post-training. With a model (a classifier), every counted row is predicted through
// serve::Predictor (the path endpoints use) and "predicted positive" is the model's
// predicted class == the positive class; at training, the validation rows are predicted
// by the model just trained. Pre-training metrics at training use the training rows.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/core.h"
#include "data/data.h"
#include "platform/dataset_service.h"
#include "platform/model_service.h"

namespace strata::platform {

constexpr size_t kMaxFacetGroups = 50;

// The facet and label fields shared by POST /api/v1/bias and training requests.
struct BiasOptions {
  std::string facet;
  std::optional<std::string> positive, facet_value;
  std::optional<double> facet_threshold;
  Json ToJson() const;  // {"facet", "positive"?, "facet_value"?, "facet_threshold"?}
};

// "facet", "positive", "facet_value", "facet_threshold" of a request object; nullopt
// without "facet". positive and facet_value may be strings, numbers or booleans.
Result<std::optional<BiasOptions>> ParseBiasOptions(const Json& request);

struct BiasRequest {
  std::string dataset;
  int64_t dataset_version = 0;  // 0: the latest
  std::string target;           // empty: the model's target (a model is then required)
  BiasOptions options;
  std::string model, version = "latest";  // model empty: pre-training metrics only
  size_t chunk_rows = 65536;              // rows predicted at a time
};

// The body of POST /api/v1/bias: {"dataset", "dataset_version"?, "target", "facet",
// "positive"?, "facet_value"?, "facet_threshold"?, "model"?, "version"?}.
Result<BiasRequest> ParseBiasRequest(const Json& body);

// The report:
//   {"dataset": {name, version, rows}, "target", "facet", "positive", "labels": [...],
//    "facet_value"? | "facet_threshold"?,
//    "model"?: {name, version, algorithm, classes},
//    "rows": {total, counted, missing_facet, missing_target},
//    "pre_training":  [{"facet_value": d, ...ml::PreTrainingBias::ToJson}, ...],
//    "post_training": [{"facet_value": d, ...ml::PostTrainingBias::ToJson}, ...] (model),
//    "notes": [...], "seconds"}
// InvalidArgument (naming the column or value) for an unknown facet or target, a facet
// of the wrong type or with too many values, an unknown or ambiguous positive class,
// or a model that is not a classifier or does not predict the positive class.
Result<Json> ComputeBiasReport(ModelService& models, DatasetService& datasets,
                               const BiasRequest& request);

// The report as a self-contained HTML page: a bar chart per metric with a bar per facet
// group, and the tables of groups and rates.
std::string RenderBiasHtml(const Json& report);

// Training. At submission: the bias fields of a training request checked against the
// dataset (a facet other than the target, a known positive class); returns the
// options as JSON for the job's params, or null without "facet".
Result<Json> PrepareTrainingBias(DatasetService& datasets, const Dataset& dataset,
                                 const std::string& target, const Json& request);

// In the worker, after evaluation: pre-training metrics on `train_rows` of `train`,
// post-training on `valid_rows` of `valid` with `predictions` (Model::Predict's output
// for those rows; `classes` the model's, empty when it is no classifier). Null when params hold no
// "bias". {"facet", "positive", "labels", "rows": {training, validation},
// "pre_training": [...], "post_training": [...], "notes"}.
Result<Json> TrainingBias(const Json& params, const data::Table& train,
                          const std::vector<int64_t>& train_rows, const data::Table& valid,
                          const std::vector<int64_t>& valid_rows,
                          const std::vector<std::string>& classes,
                          std::span<const float> predictions);

}  // namespace strata::platform
