#pragma once
// Statistics over pairs of columns for a profile (internal to data/; see profile.h).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace strata::core {
class ThreadPool;
}

namespace strata::data {

// Writes rows [begin, begin + len) of correlation column `column` to `out`, NaN where
// missing. Called from several threads at once.
using BlockLoader = std::function<void(size_t column, int64_t begin, size_t len, double* out)>;

// Pearson correlation of every pair of `columns` columns (read through `load`, `rows`
// rows each) over the rows where both are present; NaN where fewer than two such
// rows or a constant side. Each column is shifted by its `centres` entry (its mean)
// before the sums, which keeps the sums of squares from cancelling.
//
// Columns are loaded a block of rows at a time (no full copy of any column), the
// blocks summed on `pool` when given, and the sums combined in a fixed order: the
// result does not depend on the number of threads. REQUIRES: a caller that is not
// itself a task of `pool`.
std::vector<std::vector<double>> PairwisePearson(size_t columns, const BlockLoader& load,
                                                 const std::vector<double>& centres, int64_t rows,
                                                 core::ThreadPool* pool);

// Cramér's V from the contingency table of two code vectors (-1 = missing) with
// `ka` and `kb` levels; NaN when either side has fewer than two levels present.
double CramersV(const std::vector<int32_t>& a, size_t ka, const std::vector<int32_t>& b, size_t kb);

}  // namespace strata::data
