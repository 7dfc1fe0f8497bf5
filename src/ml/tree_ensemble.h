#pragma once
// A boosted tree ensemble read from XGBoost's JSON model and evaluated in plain C++.
//
// Why: a one-row prediction through libxgboost's in-place API costs far more in fixed
// overhead (it parses a JSON configuration, reads the cgroup CPU quota from /sys and
// enters an OpenMP region on every call) than in walking the trees. Serving predicts one
// or a few rows at a time, so the trees are compiled once at load and walked here.
//
// Exactness: the evaluation reproduces libxgboost 1.6's CPU predictor step by step (the
// margin starts at the base score, leaf values are added in float in tree order, a
// missing value (NaN) follows the node's default direction, `x < threshold` goes left,
// then the objective's transform), so predictions equal XGBoost's (the unit test holds
// them to 1e-6 against libxgboost on rows with missing values). Models it does not
// reproduce exactly are refused at compile time and stay on libxgboost: categorical
// splits, boosters other than gbtree, vector leaves, and objectives other than those
// listed at Compile.
//
// Immutable after Compile; Predict is safe from many threads.

#include <cstdint>
#include <string>
#include <vector>

#include "core/core.h"
#include "ml/margin_link.h"
#include "ml/matrix.h"

namespace strata::ml {

class TreeEnsemble {
 public:
  // `model`: XGBoost's SaveModel JSON ({"learner": {...}, "version": [...]}).
  // `iteration_end`: boosting rounds to use, [0, iteration_end) (best_iteration + 1).
  // Objectives: binary:logistic, reg:logistic, multi:softprob, reg:squarederror,
  // count:poisson, reg:tweedie, reg:gamma. InvalidArgument naming what is not supported
  // or malformed; callers then predict with libxgboost.
  static Result<TreeEnsemble> Compile(const Json& model, int iteration_end);

  // Features the trees may read: rows passed to Predict need at least this many columns.
  size_t num_features() const { return num_features_; }
  // Values per row of Predict: 1, or the number of classes for multi:softprob.
  int outputs_per_row() const { return groups_; }
  size_t num_trees() const { return roots_.size(); }

  // Transformed predictions (probabilities, or the regression value), rows x
  // outputs_per_row(), row-major. REQUIRES: x.cols >= num_features().
  std::vector<float> Predict(Matrix x) const;
  // Adds each tree's leaf value for each row of `x` to margins (rows x
  // outputs_per_row()), in boosting order, in float: without the base score and the
  // transform, so that margins kept across boosting rounds advance exactly as
  // libxgboost's prediction cache does. REQUIRES: x.cols >= num_features().
  void AddTrees(Matrix x, float* margins) const;

 private:
  // Children of a split are adjacent (right = left + 1); a leaf's `left` is itself.
  struct Node {
    float value;       // threshold of a split, or the leaf's value
    uint32_t feature;  // low 30 bits: feature index; flags below
    uint32_t left;
  };
  static constexpr uint32_t kDefaultLeft = 1u << 31;  // missing values go left
  static constexpr uint32_t kLeaf = 1u << 30;
  static constexpr uint32_t kFeatureMask = kLeaf - 1;

  void ApplyTransform(size_t rows, float* values) const;

  std::vector<Node> nodes_;
  std::vector<uint32_t> roots_;      // per tree, in boosting order
  std::vector<uint32_t> depths_;     // per tree: splits on its longest path
  std::vector<uint32_t> groups_of_;  // output (class) each tree adds to
  int groups_ = 1;
  float base_margin_ = 0;
  MarginLink link_ = MarginLink::kIdentity;
  size_t num_features_ = 0;
};

}  // namespace strata::ml
