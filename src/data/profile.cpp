#include "data/profile.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "core/core.h"
#include "data/hyperloglog.h"
#include "data/profile_column.h"

namespace strata::data {
namespace {

constexpr size_t kMaxLevelsForAssociation = 100;

// Pearson correlation over rows where both values are present, in one pass. Values
// are shifted by a rough centre first (the first complete pair), which keeps the
// sums of squares from cancelling catastrophically.
double Pearson(const std::vector<double>& a, const std::vector<double>& b) {
  size_t i0 = 0;
  while (i0 < a.size() && (std::isnan(a[i0]) || std::isnan(b[i0]))) ++i0;
  if (i0 == a.size()) return NAN;
  const double ca = a[i0], cb = b[i0];
  double n = 0, sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
  for (size_t i = i0; i < a.size(); ++i) {
    double x = a[i] - ca, y = b[i] - cb;
    if (std::isnan(x) || std::isnan(y)) continue;
    n += 1;
    sa += x;
    sb += y;
    saa += x * x;
    sbb += y * y;
    sab += x * y;
  }
  if (n < 2) return NAN;
  double cov = sab - sa * sb / n, va = saa - sa * sa / n, vb = sbb - sb * sb / n;
  if (va <= 0 || vb <= 0) return NAN;
  return std::clamp(cov / std::sqrt(va * vb), -1.0, 1.0);
}

// Cramér's V from the contingency table of two code vectors (-1 = missing).
double CramersV(const std::vector<int32_t>& a, size_t ka, const std::vector<int32_t>& b, size_t kb) {
  std::vector<double> table(ka * kb, 0), ra(ka, 0), rb(kb, 0);
  double n = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] < 0 || b[i] < 0) continue;
    table[static_cast<size_t>(a[i]) * kb + static_cast<size_t>(b[i])] += 1;
    ra[static_cast<size_t>(a[i])] += 1;
    rb[static_cast<size_t>(b[i])] += 1;
    n += 1;
  }
  size_t used_a = std::count_if(ra.begin(), ra.end(), [](double v) { return v > 0; });
  size_t used_b = std::count_if(rb.begin(), rb.end(), [](double v) { return v > 0; });
  if (n == 0 || used_a < 2 || used_b < 2) return NAN;
  double chi2 = 0;
  for (size_t x = 0; x < ka; ++x) {
    if (ra[x] == 0) continue;
    for (size_t y = 0; y < kb; ++y) {
      if (rb[y] == 0) continue;
      double expected = ra[x] * rb[y] / n;
      double d = table[x * kb + y] - expected;
      chi2 += d * d / expected;
    }
  }
  return std::sqrt(chi2 / n / static_cast<double>(std::min(used_a, used_b) - 1));
}

Json Matrix(const std::vector<std::string>& names, const std::vector<std::vector<double>>& m) {
  Json rows = Json::array();
  for (const auto& r : m) {
    Json row = Json::array();
    for (double v : r) row.push_back(std::isfinite(v) ? Json(std::round(v * 1e6) / 1e6) : Json(nullptr));
    rows.push_back(row);
  }
  return {{"columns", names}, {"matrix", rows}};
}

// Codes of a categorical column for association: category codes, bools as 0/1.
std::vector<int32_t> Codes(const ColumnView& c, int64_t rows, size_t* levels) {
  std::vector<int32_t> codes(static_cast<size_t>(rows), -1);
  for (int64_t r = 0; r < rows; ++r) {
    if (!c.IsValid(r)) continue;
    codes[static_cast<size_t>(r)] = c.type == ColumnType::kBool ? c.bools[r] : c.codes[r];
  }
  *levels = c.type == ColumnType::kBool ? 2 : c.dictionary.size();
  return codes;
}

uint64_t RowHash(const Table& t, int64_t r) {
  uint64_t h = 0x12345678;
  for (size_t c = 0; c < t.num_columns(); ++c) {
    const ColumnView& col = t.column(c);
    uint64_t v = 0;
    if (!col.IsValid(r)) {
      v = 0x9e3779b97f4a7c15ull;
    } else {
      switch (col.type) {
        case ColumnType::kInt:
        case ColumnType::kTimestamp: v = static_cast<uint64_t>(col.ints[r]); break;
        case ColumnType::kFloat: std::memcpy(&v, &col.floats[r], 8); break;
        case ColumnType::kBool: v = col.bools[r]; break;
        case ColumnType::kCategory: v = static_cast<uint64_t>(col.codes[r]); break;
        case ColumnType::kText: v = HashBytes(col.Text(r)); break;
      }
    }
    h = MixHash(h ^ (v + 0x632be59bd9b4e019ull * (c + 1)));
  }
  return h;
}

struct Warning {
  std::string type, column, message;
};

}  // namespace

Result<Json> ProfileTable(const Table& table, const ProfileOptions& options, core::ThreadPool* pool) {
  const int64_t rows = table.rows();
  const size_t ncols = table.num_columns();
  int target = -1;
  if (!options.target.empty()) {
    target = table.schema().Find(options.target);
    if (target < 0) {
      return InvalidArgumentError(fmt::format("target column '{}' is not a column of the dataset", options.target));
    }
  }

  // Pass over each column (in parallel), and over rows for duplicates.
  std::vector<ColumnProfile> profiles(ncols);
  int64_t duplicates = 0;
  auto run = [&](size_t task) {
    if (task < ncols) {
      profiles[task] = ProfileColumn(table.column(task), rows, options.histogram_bins, options.top_values);
      return;
    }
    std::unordered_set<uint64_t> seen;
    seen.reserve(static_cast<size_t>(rows));
    for (int64_t r = 0; r < rows; ++r) duplicates += !seen.insert(RowHash(table, r)).second;
  };
  if (pool != nullptr) {
    pool->ParallelFor(ncols + 1, run);
  } else {
    for (size_t t = 0; t <= ncols; ++t) run(t);
  }

  // Numeric correlations and categorical associations.
  std::vector<size_t> numeric, categorical;
  for (size_t c = 0; c < ncols; ++c) {
    if (profiles[c].numeric && numeric.size() < static_cast<size_t>(options.max_matrix_columns)) numeric.push_back(c);
    if (profiles[c].categorical && categorical.size() < static_cast<size_t>(options.max_matrix_columns) &&
        profiles[c].distinct <= static_cast<int64_t>(kMaxLevelsForAssociation)) {
      categorical.push_back(c);
    }
  }
  std::vector<std::vector<double>> values(numeric.size());
  for (size_t i = 0; i < numeric.size(); ++i) {
    values[i].assign(static_cast<size_t>(rows), NAN);
    for (int64_t r = 0; r < rows; ++r) {
      double v;
      if (NumericValue(table.column(numeric[i]), r, &v)) values[i][static_cast<size_t>(r)] = v;
    }
  }
  std::vector<std::vector<int32_t>> codes(categorical.size());
  std::vector<size_t> levels(categorical.size());
  for (size_t i = 0; i < categorical.size(); ++i) codes[i] = Codes(table.column(categorical[i]), rows, &levels[i]);

  size_t pn = numeric.size(), pc = categorical.size();
  std::vector<std::vector<double>> pearson(pn, std::vector<double>(pn, 1.0)), spearman = pearson;
  std::vector<std::vector<double>> cramers(pc, std::vector<double>(pc, 1.0));
  std::vector<std::pair<size_t, size_t>> pairs, cat_pairs;
  for (size_t a = 0; a < pn; ++a) {
    for (size_t b = a + 1; b < pn; ++b) pairs.emplace_back(a, b);
  }
  for (size_t a = 0; a < pc; ++a) {
    for (size_t b = a + 1; b < pc; ++b) cat_pairs.emplace_back(a, b);
  }
  auto pair_task = [&](size_t t) {
    if (t < pairs.size()) {
      auto [a, b] = pairs[t];
      pearson[a][b] = pearson[b][a] = Pearson(values[a], values[b]);
      spearman[a][b] = spearman[b][a] = Pearson(profiles[numeric[a]].ranks, profiles[numeric[b]].ranks);
    } else {
      auto [a, b] = cat_pairs[t - pairs.size()];
      cramers[a][b] = cramers[b][a] = CramersV(codes[a], levels[a], codes[b], levels[b]);
    }
  };
  if (pool != nullptr) {
    pool->ParallelFor(pairs.size() + cat_pairs.size(), pair_task);
  } else {
    for (size_t t = 0; t < pairs.size() + cat_pairs.size(); ++t) pair_task(t);
  }
  std::vector<std::string> numeric_names, categorical_names;
  for (size_t c : numeric) numeric_names.push_back(table.column(c).name);
  for (size_t c : categorical) categorical_names.push_back(table.column(c).name);

  // Warnings a data scientist wants to see first.
  std::vector<Warning> warnings;
  for (size_t c = 0; c < ncols; ++c) {
    const Json& j = profiles[c].json;
    const std::string& name = table.column(c).name;
    int64_t count = j["count"].get<int64_t>();
    double null_fraction = j["null_fraction"].get<double>();
    if (count > 0 && profiles[c].distinct == 1) {
      warnings.push_back({"constant", name, fmt::format("'{}' has a single value", name)});
    }
    ColumnType type = table.column(c).type;
    if (count > 50 && (type == ColumnType::kInt || type == ColumnType::kText || type == ColumnType::kCategory) &&
        static_cast<double>(profiles[c].distinct) >= 0.95 * static_cast<double>(count)) {
      warnings.push_back({"unique", name, fmt::format("'{}' is (nearly) unique: an id, not a feature?", name)});
    }
    if (null_fraction > 0.2) {
      warnings.push_back({"missing", name, fmt::format("'{}' is {:.0f}% missing", name, null_fraction * 100)});
    }
    if (profiles[c].numeric && type != ColumnType::kBool && std::fabs(profiles[c].skewness) > 2) {
      warnings.push_back({"skewed", name, fmt::format("'{}' is heavily skewed ({:.1f})", name, profiles[c].skewness)});
    }
  }
  for (auto [a, b] : pairs) {
    double r = pearson[a][b];
    if (std::isfinite(r) && std::fabs(r) > 0.9) {
      warnings.push_back({"correlated", numeric_names[a],
                          fmt::format("'{}' and '{}' are highly correlated (r = {:.3f})", numeric_names[a],
                                      numeric_names[b], r)});
    }
  }

  Json out = {{"rows", rows}, {"columns", ncols}, {"duplicate_rows", duplicates}};
  out["column_profiles"] = Json::array();
  for (auto& p : profiles) out["column_profiles"].push_back(std::move(p.json));
  out["correlations"] = {{"pearson", Matrix(numeric_names, pearson)}, {"spearman", Matrix(numeric_names, spearman)}};
  out["associations"] = {{"cramers_v", Matrix(categorical_names, cramers)}};

  if (target >= 0) {
    const ColumnView& tc = table.column(static_cast<size_t>(target));
    Json t = {{"name", tc.name}};
    const Json& tp = out["column_profiles"][static_cast<size_t>(target)];
    bool classification = tc.type == ColumnType::kCategory || tc.type == ColumnType::kBool ||
                          (tc.type == ColumnType::kInt && profiles[target].distinct <= 20) ||
                          tc.type == ColumnType::kText;
    t["kind"] = classification ? "classification" : "regression";
    if (classification && tp.contains("top_values")) {
      Json balance = Json::array();
      int64_t count = tp["count"].get<int64_t>(), most = 0, least = INT64_MAX;
      for (const auto& v : tp["top_values"]) {
        int64_t n = v["count"].get<int64_t>();
        most = std::max(most, n);
        least = std::min(least, n);
        balance.push_back({{"value", v["value"]}, {"count", n},
                           {"fraction", count ? static_cast<double>(n) / static_cast<double>(count) : 0.0}});
      }
      t["class_balance"] = balance;
      double ratio = least > 0 && least != INT64_MAX ? static_cast<double>(most) / static_cast<double>(least) : NAN;
      t["imbalance_ratio"] = std::isfinite(ratio) ? Json(ratio) : Json(nullptr);
      if (std::isfinite(ratio) && ratio > 4) {
        warnings.push_back({"imbalance", tc.name,
                            fmt::format("target '{}' is imbalanced: the largest class is {:.1f}x the smallest", tc.name,
                                        ratio)});
      }
    } else if (tp.contains("numeric")) {
      t["distribution"] = tp["numeric"];
    }
    // Leakage candidates: features that (nearly) determine the target.
    Json leaks = Json::array();
    auto ni = std::find(numeric.begin(), numeric.end(), static_cast<size_t>(target));
    if (ni != numeric.end()) {
      size_t ti = static_cast<size_t>(ni - numeric.begin());
      for (size_t i = 0; i < pn; ++i) {
        if (i != ti && std::isfinite(pearson[i][ti]) && std::fabs(pearson[i][ti]) >= 0.95) {
          leaks.push_back({{"column", numeric_names[i]}, {"pearson", pearson[i][ti]}});
        }
      }
    }
    auto ci = std::find(categorical.begin(), categorical.end(), static_cast<size_t>(target));
    if (ci != categorical.end()) {
      size_t ti = static_cast<size_t>(ci - categorical.begin());
      for (size_t i = 0; i < pc; ++i) {
        if (i != ti && std::isfinite(cramers[i][ti]) && cramers[i][ti] >= 0.95) {
          leaks.push_back({{"column", categorical_names[i]}, {"cramers_v", cramers[i][ti]}});
        }
      }
    }
    for (const auto& l : leaks) {
      warnings.push_back({"leakage", l["column"].get<std::string>(),
                          fmt::format("'{}' almost determines target '{}': leakage?", l["column"].get<std::string>(),
                                      tc.name)});
    }
    t["leakage_candidates"] = leaks;
    out["target"] = t;
  }
  out["warnings"] = Json::array();
  for (const auto& w : warnings) out["warnings"].push_back({{"type", w.type}, {"column", w.column}, {"message", w.message}});
  return out;
}

}  // namespace strata::data
