#pragma once
// Evaluation of an unsupervised model version (clustering, anomaly detection,
// dimensionality reduction, text embedding) on a dataset: EvaluateModelVersion's part for models
// without a target. Internal to platform/.

#include <vector>

#include "core/core.h"
#include "data/data.h"
#include "platform/evaluation.h"
#include "serve/serve.h"

namespace strata::platform {

// Adds "rows", "metrics" (ml/unsupervised_metrics.h) and "charts" to `out`, which
// already holds "model" and "dataset". Every row is predicted, in chunks; the
// silhouette and the projection variances use a seeded sample of rows. Anomaly models
// trained with a label column use it when the dataset has it (rows without a label are
// left out of the labelled metrics: roc_auc, pr_auc, precision, recall, f1).
// Equal-width bins over [min, max] of the finite `values`: {"edges", "counts"} (the
// residual and anomaly-score histograms of evaluations; defined in evaluation.cpp).
Json Histogram(const std::vector<double>& values, int bins);

Status EvaluateUnsupervised(const serve::Predictor& predictor, const data::Table& table,
                            const EvaluationOptions& options, Json* out);

}  // namespace strata::platform
