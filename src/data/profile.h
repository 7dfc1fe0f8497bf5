#pragma once
// Dataset profiling (exploratory data analysis): one computation whose JSON result
// feeds the API, the CLI's terminal summary and the HTML report.
//
// Per column: type, count, nulls, distinct (exact up to kExactDistinct, then a
// HyperLogLog estimate), and by type: min/max/mean/std (sample, ddof 1), skewness
// (adjusted Fisher-Pearson, as pandas), zeros, negatives, quantiles p1..p99 (linear
// interpolation, as numpy), an equal-width histogram, IQR outliers; top values with
// counts; text lengths (in code points); timestamp range and histogram.
// Across columns: Pearson and Spearman correlation of numeric columns (pairwise
// complete rows; Spearman ranks each column over its non-null values, ties averaged),
// Cramér's V between categorical columns, duplicate rows, the target's class balance
// or distribution, and warnings.
//
// Work runs on `pool` (both cores) as queues of tasks: the columns and row ranges of
// the duplicate hashing first, then the duplicate count beside row blocks of the
// correlation sums, then pairs of categoricals. A numeric column is read once and ordered once (radix sorted, or for
// ints of a small range counted per value); its quantiles, distinct values,
// histogram, outliers and ranks all come from that order. REQUIRES: a caller that is
// not itself a task of `pool`.

#include <string>
#include <vector>

#include "data/table.h"

namespace strata::core {
class ThreadPool;
}

namespace strata::data {

constexpr int64_t kExactDistinct = 100000;

struct ProfileOptions {
  std::string target;      // empty: none
  int histogram_bins = 20;
  int top_values = 10;
  int max_matrix_columns = 40;  // correlation and association matrices
};

// The p-quantile (p in [0, 1]) of ascending `sorted` values, interpolating linearly
// between the closest ranks as numpy's percentile does by default; NaN when empty.
double Quantile(const std::vector<double>& sorted, double p);

Result<Json> ProfileTable(const Table& table, const ProfileOptions& options, core::ThreadPool* pool);

// A self-contained HTML report (inline CSS and SVG, no network resources) of a
// ProfileTable result. `title` names the dataset.
std::string RenderProfileHtml(const Json& profile, const std::string& title);

}  // namespace strata::data
