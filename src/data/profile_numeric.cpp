// Statistics of int, float, bool and timestamp columns from one sort of their values.
#include <algorithm>
#include <climits>
#include <cmath>
#include <limits>

#include "core/core.h"
#include "data/profile.h"
#include "data/profile_column.h"
#include "data/radix_sort.h"

namespace strata::data {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Json Number(double v) {
  return std::isfinite(v) ? Json(v) : Json(nullptr);
}

std::string TimeText(double micros) {
  int64_t us = static_cast<int64_t>(micros);
  int64_t ms = us >= 0 ? us / 1000 : -((-us + 999) / 1000);
  return core::FormatRfc3339(core::FromUnixMillis(ms));
}

Json Histogram(const std::vector<double>& sorted, int bins, bool as_time) {
  Json h = {{"edges", Json::array()}, {"counts", Json::array()}};
  if (sorted.empty()) return h;
  double lo = sorted.front(), hi = sorted.back();
  if (hi == lo) {
    h["edges"] = {as_time ? Json(TimeText(lo)) : Json(lo), as_time ? Json(TimeText(hi)) : Json(hi)};
    h["counts"] = {sorted.size()};
    return h;
  }
  std::vector<int64_t> counts(static_cast<size_t>(bins), 0);
  double width = (hi - lo) / bins;
  auto bin_of = [&](double v) { return std::min(bins - 1, static_cast<int>((v - lo) / width)); };
  // bin_of never decreases along sorted values (each step rounds monotonically), so
  // each bin is a run of them: a binary search per bin edge instead of a division
  // per value, with the same counts.
  auto begin = sorted.begin();
  for (int b = 0; b < bins; ++b) {
    auto end = std::partition_point(begin, sorted.end(), [&](double v) { return bin_of(v) <= b; });
    counts[static_cast<size_t>(b)] = end - begin;
    begin = end;
  }
  for (int i = 0; i <= bins; ++i) {
    double e = i == bins ? hi : lo + width * i;
    h["edges"].push_back(as_time ? Json(TimeText(e)) : Json(e));
  }
  for (int64_t c : counts) h["counts"].push_back(c);
  return h;
}

// What one pass over the column's rows collects besides the values themselves.
struct Gathered {
  double sum = 0;
  int64_t zeros = 0, negatives = 0;
};

// Calls add(v, row) for each present value in row order.
template <typename Value, typename Add>
void ForEachValue(const ColumnView& c, int64_t rows, Value value, bool finite_only, Gathered* g,
                  Add add) {
  for (int64_t r = 0; r < rows; ++r) {
    if (!c.IsValid(r)) continue;
    double v = value(r);
    if (finite_only && !std::isfinite(v)) continue;  // floats: NaN and inf count as missing here
    add(v, r);
    g->sum += v;
    g->zeros += v == 0;
    g->negatives += v < 0;
  }
}

// What ordering a column's values gives the statistics: the ascending values, the
// distinct count, (value, count) runs when asked for, ranks by row when asked for.
struct Ordered {
  int64_t distinct = 0;
  std::vector<std::pair<double, int64_t>> runs;
};

// Int and bool columns whose values span a small range are counted per value instead
// of sorted: O(rows + range), and each value's average rank comes from the counts'
// prefix sums. Values within +-2^53 convert to doubles exactly and one-to-one, so the
// statistics equal those of the sort.
constexpr int64_t kExactIntDouble = int64_t{1} << 53;

template <typename Value>
bool CountInts(const ColumnView& c, int64_t rows, Value value, bool want_runs,
               RankColumn* ranks, std::vector<double>* sorted, Gathered* g, Ordered* o) {
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (int64_t r = 0; r < rows; ++r) {
    if (!c.IsValid(r)) continue;
    lo = std::min(lo, value(r));
    hi = std::max(hi, value(r));
  }
  if (lo > hi) lo = hi = 0;  // no values
  if (lo < -kExactIntDouble || hi > kExactIntDouble || hi - lo > 2 * rows + 1024) return false;
  std::vector<int64_t> counts(static_cast<size_t>(hi - lo + 1), 0);
  for (int64_t r = 0; r < rows; ++r) {
    if (!c.IsValid(r)) continue;
    int64_t v = value(r);
    ++counts[static_cast<size_t>(v - lo)];
    g->sum += static_cast<double>(v);  // in row order, as the sort path adds
    g->zeros += v == 0;
    g->negatives += v < 0;
  }
  sorted->clear();
  std::vector<double> rank_of(ranks != nullptr ? counts.size() : 0);
  for (size_t k = 0; k < counts.size(); ++k) {
    if (counts[k] == 0) continue;
    double v = static_cast<double>(lo + static_cast<int64_t>(k));
    size_t i = sorted->size(), j = i + static_cast<size_t>(counts[k]) - 1;
    if (ranks != nullptr) rank_of[k] = (static_cast<double>(i) + static_cast<double>(j)) / 2 + 1;
    sorted->insert(sorted->end(), static_cast<size_t>(counts[k]), v);
    ++o->distinct;
    if (want_runs) o->runs.emplace_back(v, counts[k]);
  }
  if (ranks != nullptr) {
    for (int64_t r = 0; r < rows; ++r) {
      if (c.IsValid(r))
        ranks->Set(r, rank_of[static_cast<size_t>(value(r) - lo)]);
    }
  }
  return true;
}

// Any column: the values as order-preserving keys (with their rows where ranks are
// wanted), radix sorted; the runs of equal keys are the distinct values and share
// their average rank.
template <typename Value>
void SortValues(const ColumnView& c, int64_t rows, Value value, bool finite_only, bool want_runs,
                RankColumn* ranks, SortBuffers* buffers, Gathered* g, Ordered* o) {
  std::vector<double>& sorted = buffers->sorted;
  if (ranks == nullptr) {  // no rows needed: sort bare keys
    std::vector<uint64_t>& keys = buffers->keys;
    keys.clear();
    keys.reserve(static_cast<size_t>(rows - c.nulls > 0 ? rows - c.nulls : 0));
    ForEachValue(c, rows, value, finite_only, g,
                 [&](double v, int64_t) { keys.push_back(OrderedKey(v)); });
    RadixSort(keys, buffers->key_scratch);
    sorted.resize(keys.size());
    for (size_t i = 0; i < keys.size(); ++i) sorted[i] = FromOrderedKey(keys[i]);
    for (size_t i = 0; i < keys.size();) {
      size_t k = i + 1;
      while (k < keys.size() && keys[k] == keys[i]) ++k;
      ++o->distinct;
      if (want_runs) o->runs.emplace_back(sorted[i], static_cast<int64_t>(k - i));
      i = k;
    }
    return;
  }
  std::vector<KeyRow>& items = buffers->items;
  items.clear();
  items.reserve(static_cast<size_t>(rows - c.nulls > 0 ? rows - c.nulls : 0));
  ForEachValue(c, rows, value, finite_only, g, [&](double v, int64_t r) {
    items.push_back({OrderedKey(v), r});
  });
  RadixSort(items, buffers->scratch);
  const size_t count = items.size();
  sorted.resize(count);
  for (size_t i = 0; i < count; ++i) sorted[i] = FromOrderedKey(items[i].key);
  for (size_t i = 0; i < count;) {
    size_t k = i + 1;
    while (k < count && items[k].key == items[i].key) ++k;
    ++o->distinct;
    if (want_runs) o->runs.emplace_back(sorted[i], static_cast<int64_t>(k - i));
    if (ranks != nullptr) {
      double rank = (static_cast<double>(i) + static_cast<double>(k - 1)) / 2 + 1;
      for (size_t t = i; t < k; ++t) ranks->Set(items[t].row, rank);
    }
    i = k;
  }
}

}  // namespace

double Quantile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return kNaN;
  double pos = p * static_cast<double>(sorted.size() - 1);
  size_t lo = static_cast<size_t>(std::floor(pos));
  size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - static_cast<double>(lo));
}

void ProfileNumericColumn(const ColumnView& c, int64_t rows, int bins, int top_k,
                          bool for_correlation, SortBuffers* buffers, ColumnProfile* p) {
  Json& j = p->json;
  const bool is_time = c.type == ColumnType::kTimestamp;
  for_correlation = for_correlation && !is_time;
  Gathered g;
  RankColumn* ranks = nullptr;
  if (for_correlation) {
    p->ranks.Reset(rows);
    ranks = &p->ranks;
  }
  // Only int and bool columns name their top values, so only they keep the runs.
  const bool want_top = c.type == ColumnType::kInt || c.type == ColumnType::kBool;
  Ordered o;
  // One loop per storage type: no switch per value.
  auto as_int = [&](int64_t r) { return c.ints[r]; };
  auto as_bool = [&](int64_t r) { return int64_t{c.bools[r]}; };
  switch (c.type) {
    case ColumnType::kFloat:
      SortValues(
          c, rows, [&](int64_t r) { return c.floats[r]; }, true, false, ranks, buffers, &g, &o);
      break;
    case ColumnType::kBool:
      CountInts(c, rows, as_bool, want_top, ranks, &buffers->sorted, &g, &o);  // the range is 0..1
      break;
    case ColumnType::kInt:
      if (CountInts(c, rows, as_int, want_top, ranks, &buffers->sorted, &g, &o)) break;
      [[fallthrough]];
    default:
      SortValues(
          c, rows, [&](int64_t r) { return static_cast<double>(c.ints[r]); }, false, want_top,
          ranks, buffers, &g, &o);
      break;
  }
  const std::vector<double>& sorted = buffers->sorted;
  const size_t count = sorted.size();
  std::vector<std::pair<double, int64_t>>& runs = o.runs;
  int64_t distinct = o.distinct;
  p->distinct = distinct;
  j["distinct"] = distinct;
  j["distinct_exact"] = true;

  double n = static_cast<double>(count);
  double mean = n > 0 ? g.sum / n : kNaN;
  double m2 = 0, m3 = 0;
  for (double v : sorted) {
    double d = v - mean;
    m2 += d * d;
    m3 += d * d * d;
  }
  p->mean = std::isfinite(mean) ? mean : 0;
  p->rank_mean = (n + 1) / 2;
  double var = n > 1 ? m2 / (n - 1) : kNaN;
  double skew = kNaN;
  if (n > 2 && m2 > 0) {
    double g1 = (m3 / n) / std::pow(m2 / n, 1.5);
    skew = g1 * std::sqrt(n * (n - 1)) / (n - 2);
  }
  p->skewness = std::isfinite(skew) ? skew : 0;
  if (is_time) {
    j["timestamp"] = {
        {"min", sorted.empty() ? Json(nullptr) : Json(TimeText(sorted.front()))},
        {"max", sorted.empty() ? Json(nullptr) : Json(TimeText(sorted.back()))},
        {"span_days",
         sorted.empty() ? Json(nullptr) : Json((sorted.back() - sorted.front()) / 864e8)},
        {"histogram", Histogram(sorted, bins, true)}};
  } else {
    double q1 = Quantile(sorted, 0.25), q3 = Quantile(sorted, 0.75), iqr = q3 - q1;
    // The values outside the fences are a prefix and a suffix of the sorted values.
    double low_fence = q1 - 1.5 * iqr, high_fence = q3 + 1.5 * iqr;
    auto below = std::lower_bound(sorted.begin(), sorted.end(), low_fence);
    auto above = std::upper_bound(sorted.begin(), sorted.end(), high_fence);
    int64_t outliers = (below - sorted.begin()) + (sorted.end() - above);
    Json q = Json::object();
    for (auto [name, pct] : std::initializer_list<std::pair<const char*, double>>{{"p1", 0.01},
                                                                                  {"p5", 0.05},
                                                                                  {"p25", 0.25},
                                                                                  {"p50", 0.5},
                                                                                  {"p75", 0.75},
                                                                                  {"p95", 0.95},
                                                                                  {"p99", 0.99}}) {
      q[name] = Number(Quantile(sorted, pct));
    }
    j["numeric"] = {{"min", sorted.empty() ? Json(nullptr) : Json(sorted.front())},
                    {"max", sorted.empty() ? Json(nullptr) : Json(sorted.back())},
                    {"mean", Number(mean)},
                    {"std", Number(std::sqrt(var))},
                    {"skewness", Number(skew)},
                    {"zeros", g.zeros},
                    {"negatives", g.negatives},
                    {"quantiles", q},
                    {"outliers_iqr", outliers},
                    {"histogram", Histogram(sorted, bins, false)}};
  }
  if (want_top) {
    size_t k = std::min(runs.size(), static_cast<size_t>(top_k));
    std::partial_sort(runs.begin(), runs.begin() + static_cast<long>(k), runs.end(),
                      [](const auto& a, const auto& b) {
                        return a.second != b.second ? a.second > b.second : a.first < b.first;
                      });
    Json top = Json::array();
    for (size_t i = 0; i < k; ++i) {
      Json value = c.type == ColumnType::kBool ? Json(runs[i].first != 0)
                                               : Json(static_cast<int64_t>(runs[i].first));
      top.push_back({{"value", value}, {"count", runs[i].second}});
    }
    j["top_values"] = top;
  }
  p->numeric = c.type != ColumnType::kTimestamp;
  p->categorical = c.type == ColumnType::kBool;
}

}  // namespace strata::data
