#pragma once
// Batch transform jobs: run a model version over a whole dataset or an input file
// (CSV/JSONL) in chunks over all cores, and write the predictions joined to the input
// rows or to the columns `id_column` names (one, or a list: an id and a label, so that
// a model trains on a PCA's components), as a CSV file and/or a new dataset version.
//
// Output is written under a temporary name and renamed into place when the job
// finishes, so an interrupted job leaves nothing behind and a re-run never duplicates
// rows. A chunk that fails stops the job with the row number.

#include "core/core.h"
#include "jobs/jobs.h"
#include "platform/dataset_service.h"
#include "platform/model_service.h"

namespace strata::platform {

// POST /api/v1/transform-jobs {"model", "version"|"alias", "dataset" (+"dataset_version")
// | "input_path", "output_path"?, "output_dataset"?, "id_column"? (a name or a list),
// "chunk_rows"?}:
// checked, the version pinned, defaults filled in (output dataset
// "<input>-predictions" when no output is named).
Result<Json> PrepareTransformParams(DatasetService& datasets, ModelService& models, const Json& request);

jobs::JobType TransformJobType();

}  // namespace strata::platform
