#pragma once
// Permutation importance (Breiman 2001; scikit-learn's permutation_importance): how much
// a model's score on held-out rows drops when one group of features is shuffled across
// the rows, which breaks its link to the target while keeping its distribution. Works
// for any Model, since it only calls Predict.
//
// The score is the problem's main metric, higher is better, so a drop is positive when
// the features matter:
//   binary classification      ROC AUC
//   multi-class classification accuracy
//   regression                 R²
// A group is shuffled as a whole (the same row permutation for all its features), so the
// one-hot features of one raw column move together and never form an impossible row.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/core.h"
#include "ml/algorithm.h"

namespace strata::ml {

struct PermutationOptions {
  size_t max_rows = 10000;  // rows beyond this are sampled (seeded)
  int repeats = 3;          // shuffles per group; the result is their mean
  uint64_t seed = 1;
  // Bounds the work for wide data: rows x groups x repeats predictions at most (but
  // never fewer than min_rows rows).
  size_t max_row_predictions = 3'000'000;
  size_t min_rows = 500;
  int threads = 0;  // groups scored at once (0: one per core); the result is the same
};

struct PermutationImportance {
  std::string metric;   // "roc_auc", "accuracy", "r2"
  double baseline = 0;  // the score with nothing shuffled
  size_t rows = 0;      // rows scored
  int repeats = 0;
  std::vector<double> mean, stddev;  // per group: baseline - score after shuffling
};

// `labels`: class indexes (classification) or values (regression), one per row of `x`.
// `groups[g]`: the feature indexes shuffled together. InvalidArgument when the score is
// undefined on these rows (e.g. a binary problem whose rows hold one class).
Result<PermutationImportance> ComputePermutationImportance(
    const Model& model, Matrix x, std::span<const float> labels, Problem problem, int num_classes,
    const std::vector<std::vector<size_t>>& groups, const PermutationOptions& options = {});

}  // namespace strata::ml
