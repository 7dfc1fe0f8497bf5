#pragma once
// LSD radix sorts on 64-bit keys, stable, O(n). Profiling sorts every float,
// timestamp and wide-range int column once (quantiles, distinct values and Spearman
// ranks all come from that one sort) and the rows' hashes once (duplicate rows), so
// these sorts are its hottest loops.
//
// Doubles sort through OrderedKey(): unsigned order of the keys equals numeric order
// (-0.0 and 0.0 share a key). NaN must not occur.

#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

namespace strata::data {

// Inline: called once per value on every numeric column.
inline uint64_t OrderedKey(double v) {
  if (v == 0) v = 0;  // -0.0 and 0.0 compare equal: give them one key
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return (bits & 0x8000000000000000ull) ? ~bits : bits | 0x8000000000000000ull;
}

inline double FromOrderedKey(uint64_t key) {
  uint64_t bits = (key & 0x8000000000000000ull) ? key & ~0x8000000000000000ull : ~key;
  double v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

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
