#include "data/duplicate_rows.h"

#include <cstring>

#include "data/hyperloglog.h"
#include "data/radix_sort.h"

namespace strata::data {
namespace {

constexpr uint64_t kNullValue = 0x9e3779b97f4a7c15ull;

// Folds column `c`'s value of each row into that row's hash. `value(r)` is the
// value's 64 bits; a null folds in kNullValue.
template <typename Value>
void Fold(const ColumnView& col, size_t c, int64_t begin, int64_t end, uint64_t* out, Value value) {
  const uint64_t salt = 0x632be59bd9b4e019ull * (c + 1);
  for (int64_t r = begin; r < end; ++r) {
    uint64_t v = col.IsValid(r) ? value(r) : kNullValue;
    uint64_t& h = out[r - begin];
    h = MixHash(h ^ (v + salt));
  }
}

}  // namespace

void HashRows(const Table& t, int64_t begin, int64_t end, uint64_t* out) {
  for (int64_t r = begin; r < end; ++r) out[r - begin] = 0x12345678;
  for (size_t c = 0; c < t.num_columns(); ++c) {
    const ColumnView& col = t.column(c);
    switch (col.type) {
      case ColumnType::kInt:
      case ColumnType::kTimestamp:
        Fold(col, c, begin, end, out,
             [&](int64_t r) { return static_cast<uint64_t>(col.ints[r]); });
        break;
      case ColumnType::kFloat:
        Fold(col, c, begin, end, out, [&](int64_t r) {
          uint64_t v;
          std::memcpy(&v, &col.floats[r], 8);
          return v;
        });
        break;
      case ColumnType::kBool:
        Fold(col, c, begin, end, out, [&](int64_t r) { return uint64_t{col.bools[r]}; });
        break;
      case ColumnType::kCategory:
        Fold(col, c, begin, end, out,
             [&](int64_t r) { return static_cast<uint64_t>(col.codes[r]); });
        break;
      case ColumnType::kText:
        Fold(col, c, begin, end, out, [&](int64_t r) { return HashBytes(col.Text(r)); });
        break;
    }
  }
}

int64_t CountRepeats(std::vector<uint64_t>& hashes) {
  std::vector<uint64_t> scratch;
  RadixSort(hashes, scratch);
  int64_t repeats = 0;
  for (size_t i = 1; i < hashes.size(); ++i) repeats += hashes[i] == hashes[i - 1];
  return repeats;
}

}  // namespace strata::data
