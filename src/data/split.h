#pragma once
// Splitting and sampling rows of a stored table, reproducibly: the same table, spec
// and seed give the same rows on every machine (our own Fisher-Yates over
// std::mt19937_64, whose output the standard fixes; std::shuffle's is not).

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "data/table.h"

namespace strata::data {

struct SplitSpec {
  std::vector<std::pair<std::string, double>> fractions;  // part name -> share; shares sum to 1
  std::string stratify_by;  // keep each value's share in every part
  std::string time_column;  // earlier rows to earlier parts (train before test)
  uint64_t seed = 1;
};

// The rows of each part, ascending within a part. Random splits give each part
// round(share * rows) rows (the remainder to the largest shares); stratified splits
// do so within every value of the column; time splits cut the time-ordered rows.
Result<std::vector<std::vector<int64_t>>> SplitRows(const Table& table, const SplitSpec& spec);

// `n` distinct rows drawn uniformly at random (all of them if n >= rows), ascending.
std::vector<int64_t> SampleRows(int64_t rows, int64_t n, uint64_t seed);

// Writes the given rows of `table`, in that order, as a new table in `out_dir`.
Status WriteRows(const Table& table, const std::vector<int64_t>& rows, const std::filesystem::path& out_dir);

}  // namespace strata::data
