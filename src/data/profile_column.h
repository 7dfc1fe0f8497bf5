#pragma once
// Per-column statistics of a profile (internal to data/; see profile.h).
//
// ProfileColumn reads one column of the mmap'd table and is safe to run for different
// columns on different threads at once.

#include <cstdint>
#include <vector>

#include "data/radix_sort.h"
#include "data/table.h"

namespace strata::data {

// Each row's average rank (1-based, ties share) among a column's values, NaN where
// missing, for Spearman. Stored as float where every rank is exact in one
// (half-integers up to 2^23: tables up to 8 million rows), else as double: half the
// memory in the common case, the same values either way.
class RankColumn {
 public:
  void Reset(int64_t rows);  // every row NaN
  void Set(int64_t row, double rank) {
    if (narrow_) {
      float_[static_cast<size_t>(row)] = static_cast<float>(rank);
    } else {
      double_[static_cast<size_t>(row)] = rank;
    }
  }
  // Rows [begin, begin + len) as doubles.
  void Load(int64_t begin, size_t len, double* out) const;
  void Clear() { float_ = {}, double_ = {}; }

 private:
  bool narrow_ = true;
  std::vector<float> float_;
  std::vector<double> double_;
};

struct ColumnProfile {
  Json json;  // the column's section of the profile
  RankColumn ranks;  // only when ProfileColumn was asked for it (numeric columns in the matrices)
  double mean = 0;             // of the column's values: the centre the correlation sums shift by
  double rank_mean = 0;        // of its ranks
  double skewness = 0;
  int64_t distinct = 0;
  bool numeric = false;      // int, float, bool: takes part in correlations
  bool categorical = false;  // category, bool: takes part in Cramér's V
};

// Buffers of a numeric column's sort, handed from one column to the next: fresh ones
// for every column cost page faults and zeroing of ~40 bytes a row. Contents are
// meaningless between columns; only the capacity is reused.
struct SortBuffers {
  std::vector<KeyRow> items, scratch;  // keys with rows: for ranks
  std::vector<uint64_t> keys, key_scratch;  // bare keys: half the bytes to move where no ranks are needed
  std::vector<double> sorted;
};

// True for int, float, bool and timestamp columns, with the row's value as a double.
bool NumericValue(const ColumnView& c, int64_t row, double* out);
// Rows [begin, begin + len) of a numeric column as doubles, NaN where NumericValue is
// false: what the Pearson sums read, a block at a time.
void LoadNumericBlock(const ColumnView& c, int64_t begin, size_t len, double* out);

// `for_correlation`: also fill ranks (numeric columns only). `buffers` is
// used by numeric columns only.
ColumnProfile ProfileColumn(const ColumnView& column, int64_t rows, int bins, int top_k, bool for_correlation,
                            SortBuffers* buffers);

// The numeric part of ProfileColumn (int, float, bool, timestamp): one pass gathers
// the values, one sort orders them, and quantiles, distinct values, top values,
// histogram, outliers and ranks all read the sorted values (profile_numeric.cpp).
void ProfileNumericColumn(const ColumnView& c, int64_t rows, int bins, int top_k, bool for_correlation,
                          SortBuffers* buffers, ColumnProfile* p);

}  // namespace strata::data
