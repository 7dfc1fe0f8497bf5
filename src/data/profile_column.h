#pragma once
// Per-column statistics of a profile (internal to data/; see profile.h).

#include <cstdint>
#include <vector>

#include "data/table.h"

namespace strata::data {

struct ColumnProfile {
  Json json;                 // the column's section of the profile
  std::vector<double> ranks;  // numeric columns: rank of each row (NaN where null)
  double skewness = 0;
  int64_t distinct = 0;
  bool numeric = false;      // int, float, bool: takes part in correlations
  bool categorical = false;  // category, bool: takes part in Cramér's V
};

// True for int, float, bool and timestamp columns, with the row's value as a double.
bool NumericValue(const ColumnView& c, int64_t row, double* out);

ColumnProfile ProfileColumn(const ColumnView& column, int64_t rows, int bins, int top_k);

}  // namespace strata::data
