#pragma once
// Training jobs: `training` runs in a worker process. It reads the dataset, holds out
// validation rows (stratified for classifiers), fits the preprocessing recipe on the
// training rows only, trains the algorithm with per-round progress in the job's log,
// evaluates on the validation rows and registers a model version.

#include "core/core.h"
#include "jobs/jobs.h"
#include "platform/dataset_service.h"

namespace strata::platform {

// The request of POST /api/v1/training-jobs checked against the dataset and the
// algorithm's schema: returns the job's params with every default filled in.
Result<Json> PrepareTrainingParams(DatasetService& datasets, const Json& request);

// The `training` job type.
jobs::JobType TrainingJobType();

// GET /api/v1/algorithms.
Json AlgorithmsJson();

}  // namespace strata::platform
