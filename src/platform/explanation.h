#pragma once
// Explanations of a registered model version's predictions (POST
// /api/v1/models/{name}/versions/{v}/explain) and the explanation part of its
// evaluation report. The computations live in serve/ (explainer.h: contributions per
// raw column; partial_dependence.h); this file picks the rows and shapes the JSON.

#include <string>
#include <vector>

#include "core/core.h"
#include "data/data.h"
#include "platform/dataset_service.h"
#include "platform/model_service.h"
#include "serve/serve.h"

namespace strata::platform {

constexpr int64_t kMaxExplainRows = 10000;

struct ExplainOptions {
  Json rows;                    // inline rows as endpoint invocations take them, or null
  std::string dataset;          // or the first `limit` rows (from `offset`) of this dataset
  int64_t dataset_version = 0;  // 0: the latest
  int64_t offset = 0, limit = 100;
};

// {"rows": [...]} or {"dataset": n, "dataset_version"?: v, "offset"?: o, "limit"?: k}
// (limit default 100, at most kMaxExplainRows).
Result<ExplainOptions> ParseExplainOptions(const Json& request);

// {"model": {name, version, algorithm, problem, target, classes?},
//  "dataset"?: {name, version, offset, rows},
//  "method", "link", "columns", "explained_class"?, "base_value",
//  "rows": [{..., "actual"? (from a dataset that has the target)}],
//  "notes": [...]}
// (serve::ExplanationJson for the middle). NotFound for an unknown model, version or
// dataset; InvalidArgument for bad rows (naming row and column) and for algorithms
// without explanations.
Result<Json> ExplainModelVersion(ModelService& models, DatasetService& datasets,
                                 const std::string& model, const std::string& version,
                                 const ExplainOptions& options);

// The evaluation's "explanations": {"importance": model.json's (platform/importance.h),
//  "shap_summary": {"method", "link", "rows", "values": {column: mean |contribution|}},
//  "partial_dependence": [PartialDependence::ToJson() for the top columns],
//  "notes": [why a part is missing]}
// over `rows` of `table` (a sample of the evaluated rows). Never fails.
Json EvaluationExplanations(const serve::Predictor& predictor, const data::Table& table,
                            const std::vector<int64_t>& rows, int top_columns = 3);

}  // namespace strata::platform
