#include "data/radix_sort.h"

#include <algorithm>
#include <cstring>

namespace strata::data {
namespace {

// Flips the bits of an IEEE double so that unsigned order equals numeric order.
uint64_t OrderedKey(double v) {
  if (v == 0) v = 0;  // -0.0 and 0.0 compare equal: give them one key
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return (bits & 0x8000000000000000ull) ? ~bits : bits | 0x8000000000000000ull;
}

struct Item {
  uint64_t key;
  int64_t row;
};

}  // namespace

void RadixSortByValue(std::vector<std::pair<double, int64_t>>& values) {
  const size_t n = values.size();
  if (n < 2048) {  // small inputs: the histograms would cost more than the sort
    std::stable_sort(values.begin(), values.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    return;
  }
  std::vector<Item> a(n), b(n);
  for (size_t i = 0; i < n; ++i) a[i] = {OrderedKey(values[i].first), values[i].second};
  std::vector<size_t> count(1u << 16);
  for (int shift = 0; shift < 64; shift += 16) {
    std::fill(count.begin(), count.end(), 0);
    for (const Item& it : a) ++count[(it.key >> shift) & 0xffff];
    if (count[(a[0].key >> shift) & 0xffff] == n) continue;  // every key shares this digit
    size_t sum = 0;
    for (auto& c : count) {
      size_t t = c;
      c = sum;
      sum += t;
    }
    for (const Item& it : a) b[count[(it.key >> shift) & 0xffff]++] = it;
    a.swap(b);
  }
  for (size_t i = 0; i < n; ++i) {
    uint64_t k = a[i].key;
    uint64_t bits = (k & 0x8000000000000000ull) ? k & ~0x8000000000000000ull : ~k;
    double v;
    std::memcpy(&v, &bits, sizeof v);
    values[i] = {v, a[i].row};
  }
}

}  // namespace strata::data
