#pragma once
// Global feature importance of a trained model, reported against the raw input columns
// (each the sum over the encoded features its recipe step expanded it into). Computed
// once at the end of training and stored in model.json under "importance":
//
//   {"permutation": {"description", "metric": "roc_auc"|"accuracy"|"r2", "baseline",
//                    "rows", "repeats", "values": {column: mean drop}, "std": {column: s}},
//    "gain": {"description", "values": {column: v}}, "cover": {...}   (xgboost)
//    "coefficients": {"description", "values": {column: v}}           (linear-learner)
//    "notes": ["permutation: ..."]}                                   (what failed, if any)
//
// Permutation importance works for any supervised model (ml/permutation_importance.h:
// the drop of the problem's main metric on the validation rows when a column's features
// are shuffled together; unsupervised models have no target to score); the other kinds
// are the model's own (ml::Model::Importance).

#include <span>

#include "core/core.h"
#include "data/data.h"
#include "ml/ml.h"

namespace strata::platform {

// Never fails: importance is an addition to a trained model, not a condition for it; a
// kind that cannot be computed is left out and named in "notes".
Json ModelImportance(const ml::Model& model, const data::Recipe& recipe, ml::Matrix valid,
                     std::span<const float> valid_labels, ml::Problem problem, int num_classes);

// {column: value} for the steps of `recipe` that have features.
Json ColumnValues(const data::Recipe& recipe, const std::vector<double>& per_column);

}  // namespace strata::platform
