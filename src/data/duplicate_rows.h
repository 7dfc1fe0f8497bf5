#pragma once
// Duplicate rows of a table by a 64-bit hash of each row (internal to data/; used by
// the profile). Two different rows collide with probability about n^2 / 2^65 (one in
// ~37 million for a million rows), which would count one row too many.

#include <cstdint>
#include <vector>

#include "data/table.h"

namespace strata::data {

// Writes the hash of rows [begin, end) to out[0, end - begin). Walks column by column
// (each column's values are contiguous) rather than row by row; safe to call for
// disjoint ranges on different threads.
void HashRows(const Table& table, int64_t begin, int64_t end, uint64_t* out);

// The number of entries equal to an earlier one. Sorts `hashes`.
int64_t CountRepeats(std::vector<uint64_t>& hashes);

}  // namespace strata::data
