#pragma once
// Statistics over pairs of columns for a profile (internal to data/; see profile.h).

#include <cstddef>
#include <cstdint>
#include <vector>

namespace strata::core {
class ThreadPool;
}

namespace strata::data {

// Pearson correlation of every pair of `columns` (each `rows` doubles, NaN where
// missing) over the rows where both are present; NaN where fewer than two such rows
// or a constant side. Each column is shifted by its `centres` entry (its mean) before
// the sums, which keeps the sums of squares from cancelling.
//
// Rows are summed in fixed blocks, on `pool` when given, and the blocks combined in
// order: the result does not depend on the number of threads. REQUIRES: a caller that
// is not itself a task of `pool`.
std::vector<std::vector<double>> PairwisePearson(const std::vector<const double*>& columns,
                                                 const std::vector<double>& centres, int64_t rows,
                                                 core::ThreadPool* pool);

// Cramér's V from the contingency table of two code vectors (-1 = missing) with
// `ka` and `kb` levels; NaN when either side has fewer than two levels present.
double CramersV(const std::vector<int32_t>& a, size_t ka, const std::vector<int32_t>& b, size_t kb);

}  // namespace strata::data
