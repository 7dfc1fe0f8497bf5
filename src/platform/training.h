#pragma once
// Training jobs: `training` runs in a worker process. It reads the dataset, holds out
// validation rows (stratified for classifiers), fits the preprocessing recipe on the
// training rows only, trains the algorithm with per-round progress in the job's log,
// evaluates on the validation rows and registers a model version.

#include "core/core.h"
#include "data/data.h"
#include "jobs/jobs.h"
#include "platform/dataset_service.h"

namespace strata::platform {

// The request of POST /api/v1/training-jobs checked against the dataset and the
// algorithm's schema: returns the job's params with every default filled in.
Result<Json> PrepareTrainingParams(DatasetService& datasets, const Json& request);

// The `training` job type.
jobs::JobType TrainingJobType();

// The class a target cell names, as training names classes: "true"/"false", "3" (an
// int, or a float with an integral value), the text of a category. REQUIRES: valid.
std::string TargetClass(const data::ColumnView& c, int64_t row);
// A numeric target cell (int, float, bool); InvalidArgument for other types.
Result<double> TargetValue(const data::ColumnView& c, int64_t row);
// An anomaly label cell: 1 (an anomaly) for true/1, 0 for false/0; InvalidArgument
// naming the column, row and value otherwise. REQUIRES: valid.
Result<int> AnomalyLabel(const data::ColumnView& c, int64_t row);

// GET /api/v1/algorithms.
Json AlgorithmsJson();

}  // namespace strata::platform
