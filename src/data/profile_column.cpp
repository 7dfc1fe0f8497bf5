#include "data/profile_column.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <unordered_map>

#include "data/hyperloglog.h"
#include "data/profile.h"

namespace strata::data {
namespace {

template <typename Key>
Json TopValues(const std::unordered_map<Key, int64_t>& counts, int top_k,
               const std::function<Json(const Key&)>& to_json) {
  std::vector<std::pair<Key, int64_t>> v(counts.begin(), counts.end());
  size_t k = std::min(v.size(), static_cast<size_t>(top_k));
  std::partial_sort(v.begin(), v.begin() + static_cast<long>(k), v.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  Json out = Json::array();
  for (size_t i = 0; i < k; ++i) out.push_back({{"value", to_json(v[i].first)}, {"count", v[i].second}});
  return out;
}

// Every byte but UTF-8 continuation bytes (10xxxxxx), eight bytes a step: bit 7 of
// each byte of `w & ~(w << 1)` is set where bit 7 is 1 and bit 6 is 0.
int64_t CodePoints(std::string_view s) {
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  int64_t continuation = 0;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    uint64_t marks = (w & ~(w << 1) & kHigh) >> 7;  // one bit at the bottom of each byte
    continuation += static_cast<int64_t>((marks * 0x0101010101010101ull) >> 56);  // their sum, in the top byte
  }
  for (; i < s.size(); ++i) continuation += (static_cast<unsigned char>(s[i]) & 0xc0) == 0x80;
  return static_cast<int64_t>(s.size()) - continuation;
}

Json TextLengths(int64_t n, int64_t min_len, int64_t max_len, int64_t total_len) {
  return {{"min_length", n ? Json(min_len) : Json(nullptr)},
          {"max_length", n ? Json(max_len) : Json(nullptr)},
          {"mean_length", n ? Json(static_cast<double>(total_len) / static_cast<double>(n)) : Json(nullptr)}};
}

// Categories are counted by code; their text lengths come from the dictionary entries
// weighted by those counts, not from every row.
void ProfileCategory(const ColumnView& c, int64_t rows, int top_k, ColumnProfile* p) {
  std::vector<int64_t> counts(c.dictionary.size(), 0);
  for (int64_t r = 0; r < rows; ++r) {
    if (c.IsValid(r)) ++counts[static_cast<size_t>(c.codes[r])];
  }
  std::unordered_map<std::string, int64_t> named;
  int64_t distinct = 0, n = 0, total_len = 0;
  int64_t min_len = std::numeric_limits<int64_t>::max(), max_len = 0;
  for (size_t k = 0; k < counts.size(); ++k) {
    if (counts[k] == 0) continue;
    ++distinct;
    named[std::string(c.dictionary[k])] = counts[k];
    int64_t len = CodePoints(c.dictionary[k]);
    min_len = std::min(min_len, len);
    max_len = std::max(max_len, len);
    total_len += len * counts[k];
    n += counts[k];
  }
  p->distinct = distinct;
  p->categorical = true;
  p->json["distinct"] = distinct;
  p->json["distinct_exact"] = true;
  p->json["top_values"] = TopValues<std::string>(named, top_k, [](const std::string& s) { return Json(s); });
  p->json["text"] = TextLengths(n, min_len, max_len, total_len);
}

// Texts are counted exactly in a hash map until kExactDistinct distinct values, and
// always in a HyperLogLog sketch, which takes over past that bound.
void ProfileText(const ColumnView& c, int64_t rows, int top_k, ColumnProfile* p) {
  std::unordered_map<std::string_view, int64_t> counts;
  bool overflow = false;
  HyperLogLog hll;
  int64_t min_len = std::numeric_limits<int64_t>::max(), max_len = 0, total_len = 0, n = 0;
  for (int64_t r = 0; r < rows; ++r) {
    if (!c.IsValid(r)) continue;
    std::string_view s = c.Text(r);
    int64_t len = CodePoints(s);
    min_len = std::min(min_len, len);
    max_len = std::max(max_len, len);
    total_len += len;
    ++n;
    hll.Add(HashBytes(s));
    if (!overflow) {
      ++counts[s];
      if (static_cast<int64_t>(counts.size()) > kExactDistinct) {
        overflow = true;
        counts = {};
      }
    }
  }
  p->json["text"] = TextLengths(n, min_len, max_len, total_len);
  p->distinct = overflow ? static_cast<int64_t>(std::llround(hll.Estimate())) : static_cast<int64_t>(counts.size());
  p->json["distinct"] = p->distinct;
  p->json["distinct_exact"] = !overflow;
  if (!overflow) {
    std::unordered_map<std::string, int64_t> named;
    // Only the top few are named; copying every distinct text would double memory.
    std::vector<std::pair<std::string_view, int64_t>> v(counts.begin(), counts.end());
    size_t k = std::min(v.size(), static_cast<size_t>(top_k));
    std::partial_sort(v.begin(), v.begin() + static_cast<long>(k), v.end(),
                      [](const auto& a, const auto& b) { return a.second > b.second; });
    for (size_t i = 0; i < k; ++i) named[std::string(v[i].first)] = v[i].second;
    p->json["top_values"] = TopValues<std::string>(named, top_k, [](const std::string& s) { return Json(s); });
  }
}

}  // namespace

bool NumericValue(const ColumnView& c, int64_t row, double* out) {
  if (!c.IsValid(row)) return false;
  switch (c.type) {
    case ColumnType::kInt:
    case ColumnType::kTimestamp: *out = static_cast<double>(c.ints[row]); return true;
    case ColumnType::kFloat: *out = c.floats[row]; return std::isfinite(*out);
    case ColumnType::kBool: *out = c.bools[row]; return true;
    default: return false;
  }
}

void RankColumn::Reset(int64_t rows) {
  narrow_ = rows <= (int64_t{1} << 23);
  Clear();
  if (narrow_) {
    float_.assign(static_cast<size_t>(rows), NAN);
  } else {
    double_.assign(static_cast<size_t>(rows), NAN);
  }
}

void RankColumn::Load(int64_t begin, size_t len, double* out) const {
  if (narrow_) {
    std::copy(float_.begin() + begin, float_.begin() + begin + static_cast<int64_t>(len), out);
  } else {
    std::copy(double_.begin() + begin, double_.begin() + begin + static_cast<int64_t>(len), out);
  }
}

void LoadNumericBlock(const ColumnView& c, int64_t begin, size_t len, double* out) {
  // One loop per storage type: no switch per value.
  auto load = [&](auto value) {
    for (size_t i = 0; i < len; ++i) {
      int64_t r = begin + static_cast<int64_t>(i);
      out[i] = c.IsValid(r) ? value(r) : NAN;
    }
  };
  switch (c.type) {
    case ColumnType::kInt:
    case ColumnType::kTimestamp: load([&](int64_t r) { return static_cast<double>(c.ints[r]); }); break;
    case ColumnType::kFloat:
      load([&](int64_t r) { return std::isfinite(c.floats[r]) ? c.floats[r] : NAN; });  // inf counts as missing
      break;
    case ColumnType::kBool: load([&](int64_t r) { return static_cast<double>(c.bools[r]); }); break;
    default: std::fill(out, out + len, NAN); break;
  }
}

ColumnProfile ProfileColumn(const ColumnView& c, int64_t rows, int bins, int top_k, bool for_correlation,
                            SortBuffers* buffers) {
  ColumnProfile p;
  Json& j = p.json;
  j = {{"name", c.name}, {"type", ColumnTypeName(c.type)}};
  int64_t nulls = 0;
  if (c.valid != nullptr) {
    for (int64_t r = 0; r < rows; ++r) nulls += !c.IsValid(r);
  }
  int64_t count = rows - nulls;
  j["count"] = count;
  j["nulls"] = nulls;
  j["null_fraction"] = rows > 0 ? static_cast<double>(nulls) / static_cast<double>(rows) : 0.0;
  switch (c.type) {
    case ColumnType::kInt:
    case ColumnType::kFloat:
    case ColumnType::kBool:
    case ColumnType::kTimestamp: ProfileNumericColumn(c, rows, bins, top_k, for_correlation, buffers, &p); break;
    case ColumnType::kCategory: ProfileCategory(c, rows, top_k, &p); break;
    case ColumnType::kText: ProfileText(c, rows, top_k, &p); break;
  }
  return p;
}

}  // namespace strata::data
