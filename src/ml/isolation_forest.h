#pragma once
// Isolation forest (Liu, Ting and Zhou, "Isolation Forest", ICDM 2008), written by hand:
// no Debian library has one. It backs the `anomaly` algorithm (anomaly_algorithm.h).
//
// Why an isolation forest and not a random cut forest: training here is a batch job over
// a stored table, which is the setting isolation forests were made for (random cut
// forests earn their extra cost when points stream in and trees must be updated in
// place); the scores follow scikit-learn's IsolationForest definition exactly, so users
// can compare them with what they know; and it is small: a tree is a few hundred nodes.
//
// Each tree is grown on `sample_size` (ψ) rows drawn without replacement, to depth
// ceil(log2 ψ): at each node, a feature drawn at random among those not constant in the
// node (from the tree's share `max_features` of the features), split at a threshold
// drawn uniformly between the node's minimum and maximum; a node whose rows are all
// equal on those features is a leaf. The score of a row is
//   s(x) = 2^(-E[h(x)] / c(ψ)),   h(x) = depth of x's leaf + c(rows in that leaf),
// where c(n) is AveragePathLength: scikit-learn's score_samples(x) is -s(x), with the
// same per-leaf adjustment. s is in (0, 1]; near 1 is anomalous, below 0.5 normal.
//
// Determinism: tree t draws from its own generator, seeded from (seed, t), so the same
// data and seed give the same forest whatever the number of threads.
//
// The forest also carries its decision threshold (rows scoring above it are anomalies)
// and the contamination it came from, so that one file is the whole model. The file
// layout is documented in isolation_forest.cpp; Parse checks all of it.

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "ml/matrix.h"

namespace strata::ml {

// c(n), the average path length of an unsuccessful search in a binary search tree of n
// points, as scikit-learn's _average_path_length: 0 for n <= 1, 1 for n = 2, otherwise
// 2·(ln(n - 1) + γ) - 2·(n - 1)/n.
double AveragePathLength(double n);

struct IsolationForestOptions {
  int trees = 100;
  int64_t sample_size = 256;  // ψ; capped at the number of rows
  double max_features = 1.0;  // share of the features each tree may split on, in (0, 1]
  uint64_t seed = 0;
};

class IsolationForest {
 public:
  // Grows the forest on the rows of `x` (at least two, every value finite). Trees are
  // built over `pool`, in chunks; after each chunk `progress(trees_done, trees_total)`
  // runs on the calling thread, and a false return stops growing (the forest then has
  // the trees built so far).
  static Result<IsolationForest> Fit(Matrix x, const IsolationForestOptions& options,
                                     core::ThreadPool& pool,
                                     const std::function<bool(int, int)>& progress);

  // s(x) of each row into `out`. REQUIRES: x.cols == features(), out.size() == x.rows.
  // A missing (NaN) value takes the right branch (x >= threshold) at every split.
  // Thread-safe.
  void Score(Matrix x, std::span<double> out) const;

  int trees() const { return static_cast<int>(trees_.size()); }
  size_t features() const { return features_; }
  int64_t sample_size() const { return sample_size_; }  // ψ as used: at most the rows
  double contamination() const { return contamination_; }
  double threshold() const { return threshold_; }
  void set_threshold(double contamination, double threshold) {
    contamination_ = contamination;
    threshold_ = threshold;
  }

  std::string Serialize() const;
  // The bytes Serialize wrote, checked in full: a truncated, damaged or hand-edited file
  // is an InvalidArgument saying what is wrong, never undefined behaviour.
  static Result<IsolationForest> Parse(std::string_view bytes);

 private:
  struct Node {
    int32_t feature;  // the split feature; -1 for a leaf
    float threshold;  // rows with x[feature] < threshold go left
    uint32_t value;   // a split's left child (the right one follows it); a leaf's row count
  };
  using Tree = std::vector<Node>;

  static Tree GrowTree(Matrix x, const IsolationForestOptions& o, size_t tree_index, int64_t psi);
  void Prepare();  // the c(n) table for small leaf sizes

  size_t features_ = 0;
  int64_t sample_size_ = 0;
  double contamination_ = 0, threshold_ = 0.5;
  std::vector<Tree> trees_;
  std::vector<double> leaf_adjustment_;  // c(n) for n = 0..min(ψ, 4096)
  double normalizer_ = 1;                // c(ψ)
};

}  // namespace strata::ml
