#pragma once
// LSD radix sorts on 64-bit keys, stable, O(n). Profiling sorts every numeric column
// once (quantiles, distinct values and Spearman ranks all come from that one sort)
// and the rows' hashes once (duplicate rows), so these sorts are its hottest loops.
//
// Doubles sort through OrderedKey(): unsigned order of the keys equals numeric order
// (-0.0 and 0.0 share a key). NaN must not occur.

#include <cstdint>
#include <utility>
#include <vector>

namespace strata::data {

uint64_t OrderedKey(double v);
double FromOrderedKey(uint64_t key);

// A sort key with the row it came from.
struct KeyRow {
  uint64_t key;
  int64_t row;
};

// Sorts by key; equal keys keep their order. `scratch` is resized to items.size()
// and its contents are garbage afterwards (callers reuse it between sorts).
void RadixSort(std::vector<KeyRow>& items, std::vector<KeyRow>& scratch);
void RadixSort(std::vector<uint64_t>& keys, std::vector<uint64_t>& scratch);

// (value, row) pairs by value, stable.
void RadixSortByValue(std::vector<std::pair<double, int64_t>>& values);

}  // namespace strata::data
