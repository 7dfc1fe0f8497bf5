#pragma once
// How requests that arrive together are cut into model batches, shared by the two ways
// of batching them (MicroBatcher::PredictTogether over JSON rows, the endpoint's
// PredictFeaturesTogether over encoded features): consecutive requests, in order, while
// their rows fit max_rows; a request larger than max_rows is a batch by itself.

#include <cstddef>

namespace strata::serve {

// Calls run(first, last) for each batch [first, last) of requests [0, n), in order;
// rows_of(i) gives request i's rows.
template <typename RowsOf, typename Run>
void ForEachBatch(size_t n, size_t max_rows, RowsOf rows_of, Run run) {
  size_t first = 0, rows = 0;
  for (size_t i = 0; i < n; ++i) {
    const size_t r = rows_of(i);
    if (i > first && rows + r > max_rows) {
      run(first, i);
      first = i;
      rows = 0;
    }
    rows += r;
  }
  if (first < n) run(first, n);
}

}  // namespace strata::serve
