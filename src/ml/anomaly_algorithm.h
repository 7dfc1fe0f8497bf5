#pragma once
// The `anomaly` algorithm (anomaly detection): an isolation forest (isolation_forest.h,
// written by hand; why an isolation forest rather than a random cut forest is said
// there) behind ml::Algorithm.
//
// Hyperparameters as scikit-learn's IsolationForest: `trees` (n_estimators),
// `sample_size` (max_samples, capped at the training rows), `max_features` (a share of
// the features per tree), `contamination` and `seed`. The threshold is the
// (1 - contamination) quantile of the training rows' scores (linear interpolation, as
// numpy's percentile, which sklearn's offset_ uses), so about that share of the training
// rows is flagged; contamination 0 means the paper's fixed threshold 0.5.
//
// Predict gives, per row, the score s(x) in (0, 1] (higher: more anomalous; sklearn's
// score_samples is -s) and 1 or 0 as s(x) is above the threshold or not. Thread-safe.
// Training grows the trees on all cores and reports each tenth of them as an iteration.
//
// Files: `iforest.bin`, the forest and its threshold in the versioned, checksummed
// binary layout of isolation_forest.cpp.

#include "ml/algorithm.h"

namespace strata::ml {

const Algorithm& AnomalyAlgorithm();

}  // namespace strata::ml
