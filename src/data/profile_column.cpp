#include "data/profile_column.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <cmath>
#include <limits>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

#include "data/hyperloglog.h"
#include "data/profile.h"
#include "data/radix_sort.h"

namespace strata::data {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Json Number(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

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
  for (double v : sorted) {
    int b = std::min(bins - 1, static_cast<int>((v - lo) / width));
    ++counts[static_cast<size_t>(b)];
  }
  for (int i = 0; i <= bins; ++i) {
    double e = i == bins ? hi : lo + width * i;
    h["edges"].push_back(as_time ? Json(TimeText(e)) : Json(e));
  }
  for (int64_t c : counts) h["counts"].push_back(c);
  return h;
}

// Average ranks (1-based) of values, ties sharing their mean rank.
void Ranks(const std::vector<std::pair<double, int64_t>>& sorted_with_rows, std::vector<double>* ranks) {
  size_t n = sorted_with_rows.size();
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j + 1 < n && sorted_with_rows[j + 1].first == sorted_with_rows[i].first) ++j;
    double rank = (static_cast<double>(i) + static_cast<double>(j)) / 2 + 1;
    for (size_t k = i; k <= j; ++k) (*ranks)[static_cast<size_t>(sorted_with_rows[k].second)] = rank;
    i = j + 1;
  }
}

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

}  // namespace

double Quantile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return kNaN;
  double pos = p * static_cast<double>(sorted.size() - 1);
  size_t lo = static_cast<size_t>(std::floor(pos));
  size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - static_cast<double>(lo));
}

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

ColumnProfile ProfileColumn(const ColumnView& c, int64_t rows, int bins, int top_k) {
  ColumnProfile p;
  Json& j = p.json;
  j = {{"name", c.name}, {"type", ColumnTypeName(c.type)}};
  int64_t nulls = 0;
  for (int64_t r = 0; r < rows; ++r) nulls += !c.IsValid(r);
  int64_t count = rows - nulls;
  j["count"] = count;
  j["nulls"] = nulls;
  j["null_fraction"] = rows > 0 ? static_cast<double>(nulls) / static_cast<double>(rows) : 0.0;

  bool numeric_like = c.type == ColumnType::kInt || c.type == ColumnType::kFloat || c.type == ColumnType::kBool ||
                      c.type == ColumnType::kTimestamp;
  if (numeric_like) {
    std::vector<std::pair<double, int64_t>> values;
    values.reserve(static_cast<size_t>(count));
    double sum = 0;
    int64_t zeros = 0, negatives = 0;
    for (int64_t r = 0; r < rows; ++r) {
      double v;
      if (!NumericValue(c, r, &v)) continue;
      values.emplace_back(v, r);
      sum += v;
      zeros += v == 0;
      negatives += v < 0;
    }
    count = static_cast<int64_t>(values.size());  // floats: NaN and inf count as missing here
    RadixSortByValue(values);
    std::vector<double> sorted(values.size());
    for (size_t i = 0; i < values.size(); ++i) sorted[i] = values[i].first;
    // Distinct values and their counts are the runs of the sorted values: exact, and
    // no hash table.
    std::vector<std::pair<double, int64_t>> runs;
    for (size_t i = 0; i < sorted.size();) {
      size_t k = i;
      while (k < sorted.size() && sorted[k] == sorted[i]) ++k;
      runs.emplace_back(sorted[i], static_cast<int64_t>(k - i));
      i = k;
    }
    p.distinct = static_cast<int64_t>(runs.size());
    j["distinct"] = p.distinct;
    j["distinct_exact"] = true;
    double n = static_cast<double>(sorted.size());
    double mean = n > 0 ? sum / n : kNaN;
    double m2 = 0, m3 = 0;
    for (double v : sorted) {
      double d = v - mean;
      m2 += d * d;
      m3 += d * d * d;
    }
    double var = n > 1 ? m2 / (n - 1) : kNaN;
    double skew = kNaN;
    if (n > 2 && m2 > 0) {
      double g1 = (m3 / n) / std::pow(m2 / n, 1.5);
      skew = g1 * std::sqrt(n * (n - 1)) / (n - 2);
    }
    p.skewness = std::isfinite(skew) ? skew : 0;
    bool is_time = c.type == ColumnType::kTimestamp;
    if (is_time) {
      j["timestamp"] = {{"min", sorted.empty() ? Json(nullptr) : Json(TimeText(sorted.front()))},
                        {"max", sorted.empty() ? Json(nullptr) : Json(TimeText(sorted.back()))},
                        {"span_days", sorted.empty() ? Json(nullptr) : Json((sorted.back() - sorted.front()) / 864e8)},
                        {"histogram", Histogram(sorted, bins, true)}};
    } else {
      double q1 = Quantile(sorted, 0.25), q3 = Quantile(sorted, 0.75), iqr = q3 - q1;
      int64_t outliers = 0;
      for (double v : sorted) outliers += v < q1 - 1.5 * iqr || v > q3 + 1.5 * iqr;
      Json q = Json::object();
      for (auto [name, pct] : std::initializer_list<std::pair<const char*, double>>{
               {"p1", 0.01}, {"p5", 0.05}, {"p25", 0.25}, {"p50", 0.5}, {"p75", 0.75}, {"p95", 0.95}, {"p99", 0.99}}) {
        q[name] = Number(Quantile(sorted, pct));
      }
      j["numeric"] = {{"min", sorted.empty() ? Json(nullptr) : Json(sorted.front())},
                      {"max", sorted.empty() ? Json(nullptr) : Json(sorted.back())},
                      {"mean", Number(mean)},
                      {"std", Number(std::sqrt(var))},
                      {"skewness", Number(skew)},
                      {"zeros", zeros},
                      {"negatives", negatives},
                      {"quantiles", q},
                      {"outliers_iqr", outliers},
                      {"histogram", Histogram(sorted, bins, false)}};
    }
    if (c.type != ColumnType::kFloat && !is_time) {
      size_t k = std::min(runs.size(), static_cast<size_t>(top_k));
      std::partial_sort(runs.begin(), runs.begin() + static_cast<long>(k), runs.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
      });
      Json top = Json::array();
      for (size_t i = 0; i < k; ++i) {
        Json value = c.type == ColumnType::kBool ? Json(runs[i].first != 0) : Json(static_cast<int64_t>(runs[i].first));
        top.push_back({{"value", value}, {"count", runs[i].second}});
      }
      j["top_values"] = top;
    }
    if (c.type != ColumnType::kTimestamp) {
      p.numeric = true;
      p.ranks.assign(static_cast<size_t>(rows), kNaN);
      Ranks(values, &p.ranks);
    }
    p.categorical = c.type == ColumnType::kBool;
  } else if (c.type == ColumnType::kCategory) {
    std::vector<int64_t> counts(c.dictionary.size(), 0);
    for (int64_t r = 0; r < rows; ++r) {
      if (c.IsValid(r)) ++counts[static_cast<size_t>(c.codes[r])];
    }
    std::unordered_map<std::string, int64_t> named;
    int64_t distinct = 0;
    for (size_t k = 0; k < counts.size(); ++k) {
      if (counts[k] == 0) continue;
      ++distinct;
      named[std::string(c.dictionary[k])] = counts[k];
    }
    p.distinct = distinct;
    p.categorical = true;
    j["distinct"] = distinct;
    j["distinct_exact"] = true;
    j["top_values"] = TopValues<std::string>(named, top_k, [](const std::string& s) { return Json(s); });
  }
  if (c.type == ColumnType::kText || c.type == ColumnType::kCategory) {
    std::unordered_map<std::string_view, int64_t> counts;
    bool overflow = false;
    HyperLogLog hll;
    int64_t min_len = std::numeric_limits<int64_t>::max(), max_len = 0, total_len = 0, n = 0;
    for (int64_t r = 0; r < rows; ++r) {
      if (!c.IsValid(r)) continue;
      std::string_view s = c.Text(r);
      int64_t len = 0;
      for (unsigned char ch : s) len += (ch & 0xc0) != 0x80;  // code points
      min_len = std::min(min_len, len);
      max_len = std::max(max_len, len);
      total_len += len;
      ++n;
      if (c.type == ColumnType::kText) {
        hll.Add(HashBytes(s));
        if (!overflow) {
          ++counts[s];
          if (static_cast<int64_t>(counts.size()) > kExactDistinct) {
            overflow = true;
            counts.clear();
          }
        }
      }
    }
    j["text"] = {{"min_length", n ? Json(min_len) : Json(nullptr)},
                 {"max_length", n ? Json(max_len) : Json(nullptr)},
                 {"mean_length", n ? Json(static_cast<double>(total_len) / static_cast<double>(n)) : Json(nullptr)}};
    if (c.type == ColumnType::kText) {
      p.distinct = overflow ? static_cast<int64_t>(std::llround(hll.Estimate())) : static_cast<int64_t>(counts.size());
      j["distinct"] = p.distinct;
      j["distinct_exact"] = !overflow;
      if (!overflow) {
        std::unordered_map<std::string, int64_t> named;
        // Only the top few are named; copying every distinct text would double memory.
        std::vector<std::pair<std::string_view, int64_t>> v(counts.begin(), counts.end());
        size_t k = std::min(v.size(), static_cast<size_t>(top_k));
        std::partial_sort(v.begin(), v.begin() + static_cast<long>(k), v.end(),
                          [](const auto& a, const auto& b) { return a.second > b.second; });
        for (size_t i = 0; i < k; ++i) named[std::string(v[i].first)] = v[i].second;
        j["top_values"] = TopValues<std::string>(named, top_k, [](const std::string& s) { return Json(s); });
      }
    }
  }
  return p;
}

}  // namespace strata::data
