#include "data/profile.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <functional>
#include <future>
#include <memory>
#include <mutex>

#include <fmt/format.h>

#include "core/core.h"
#include "data/duplicate_rows.h"
#include "data/profile_column.h"
#include "data/profile_pairs.h"

namespace strata::data {
namespace {

constexpr size_t kMaxLevelsForAssociation = 100;
// Rows per task of the duplicate-row hashing: small tasks that fill the gaps the
// column tasks leave at the end of the first phase.
constexpr int64_t kHashRows = 65536;

// Runs fn(0..n) on the pool (both cores), or inline without one.
void RunTasks(core::ThreadPool* pool, size_t n, const std::function<void(size_t)>& fn) {
  if (pool != nullptr) {
    pool->ParallelForDynamic(n, fn);
  } else {
    for (size_t i = 0; i < n; ++i) fn(i);
  }
}

// The SortBuffers not in use by a column task right now: at most one set per thread.
class BufferShelf {
 public:
  std::unique_ptr<SortBuffers> Take() {
    std::lock_guard lock(mu_);
    if (free_.empty()) return std::make_unique<SortBuffers>();
    auto b = std::move(free_.back());
    free_.pop_back();
    return b;
  }
  void Return(std::unique_ptr<SortBuffers> b) {
    std::lock_guard lock(mu_);
    free_.push_back(std::move(b));
  }

 private:
  std::mutex mu_;
  std::vector<std::unique_ptr<SortBuffers>> free_;
};

// Relative cost of profiling a column, to start the longest tasks first so that
// the threads finish together: texts hash and measure every string, numeric columns
// sort their values, categories only count codes.
int Cost(ColumnType type) {
  switch (type) {
    case ColumnType::kText: return 3;
    case ColumnType::kInt:
    case ColumnType::kFloat:
    case ColumnType::kTimestamp: return 2;
    case ColumnType::kBool:
    case ColumnType::kCategory: return 1;
  }
  return 0;
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

  // Which numeric columns enter the correlation matrices is known from the types;
  // those keep their ranks from the column pass.
  std::vector<size_t> numeric, categorical;
  std::vector<bool> for_correlation(ncols, false);
  for (size_t c = 0; c < ncols; ++c) {
    ColumnType type = table.column(c).type;
    bool is_numeric = type == ColumnType::kInt || type == ColumnType::kFloat || type == ColumnType::kBool;
    if (is_numeric && numeric.size() < static_cast<size_t>(options.max_matrix_columns)) {
      numeric.push_back(c);
      for_correlation[c] = true;
    }
  }

  // Phase 1: every column, and the rows' hashes for duplicates, as one queue of tasks
  // over both cores, longest first.
  std::vector<size_t> order(ncols);
  for (size_t c = 0; c < ncols; ++c) order[c] = c;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return Cost(table.column(a).type) > Cost(table.column(b).type);
  });
  std::vector<ColumnProfile> profiles(ncols);
  BufferShelf shelf;
  std::vector<uint64_t> row_hashes(static_cast<size_t>(rows));
  const size_t hash_tasks = static_cast<size_t>((rows + kHashRows - 1) / kHashRows);
  RunTasks(pool, ncols + hash_tasks, [&](size_t task) {
    if (task < ncols) {
      size_t c = order[task];
      std::unique_ptr<SortBuffers> buffers = shelf.Take();
      profiles[c] = ProfileColumn(table.column(c), rows, options.histogram_bins, options.top_values, for_correlation[c],
                                  buffers.get());
      shelf.Return(std::move(buffers));
      return;
    }
    int64_t begin = static_cast<int64_t>(task - ncols) * kHashRows;
    HashRows(table, begin, std::min(rows, begin + kHashRows), row_hashes.data() + begin);
  });

  // Phase 2: the duplicate count (one sort, a single task) goes to the pool first; the
  // categorical codes and the correlation blocks queue behind it, so the other
  // thread works on those meanwhile and then both share the rest.
  auto count_duplicates = [&] {
    int64_t n = CountRepeats(row_hashes);
    row_hashes = {};
    return n;
  };
  std::future<int64_t> duplicates_future;
  struct WaitOnExit {  // the task reads row_hashes: wait for it even when unwinding
    std::future<int64_t>& f;
    ~WaitOnExit() {
      if (f.valid()) f.wait();
    }
  } wait_for_duplicates{duplicates_future};
  int64_t duplicates = 0;
  if (pool != nullptr) {
    duplicates_future = pool->Submit(count_duplicates);
  } else {
    duplicates = count_duplicates();
  }
  for (size_t c = 0; c < ncols; ++c) {
    if (profiles[c].categorical && categorical.size() < static_cast<size_t>(options.max_matrix_columns) &&
        profiles[c].distinct <= static_cast<int64_t>(kMaxLevelsForAssociation)) {
      categorical.push_back(c);
    }
  }
  std::vector<std::vector<int32_t>> codes(categorical.size());
  std::vector<size_t> levels(categorical.size());
  RunTasks(pool, categorical.size(),
           [&](size_t task) { codes[task] = Codes(table.column(categorical[task]), rows, &levels[task]); });

  std::vector<double> value_centres, rank_centres;
  for (size_t c : numeric) {
    value_centres.push_back(profiles[c].mean);
    rank_centres.push_back(profiles[c].rank_mean);
  }
  std::vector<std::vector<double>> pearson = PairwisePearson(
      numeric.size(),
      [&](size_t i, int64_t begin, size_t len, double* out) {
        LoadNumericBlock(table.column(numeric[i]), begin, len, out);
      },
      value_centres, rows, pool);
  std::vector<std::vector<double>> spearman = PairwisePearson(
      numeric.size(),
      [&](size_t i, int64_t begin, size_t len, double* out) {
        profiles[numeric[i]].ranks.Load(begin, len, out);
      },
      rank_centres, rows, pool);
  for (size_t c : numeric) profiles[c].ranks.Clear();

  size_t pn = numeric.size(), pc = categorical.size();
  std::vector<std::vector<double>> cramers(pc, std::vector<double>(pc, 1.0));
  std::vector<std::pair<size_t, size_t>> pairs, cat_pairs;
  for (size_t a = 0; a < pn; ++a) {
    for (size_t b = a + 1; b < pn; ++b) pairs.emplace_back(a, b);
  }
  for (size_t a = 0; a < pc; ++a) {
    for (size_t b = a + 1; b < pc; ++b) cat_pairs.emplace_back(a, b);
  }
  RunTasks(pool, cat_pairs.size(), [&](size_t t) {
    auto [a, b] = cat_pairs[t];
    cramers[a][b] = cramers[b][a] = CramersV(codes[a], levels[a], codes[b], levels[b]);
  });
  codes = {};
  if (duplicates_future.valid()) duplicates = duplicates_future.get();
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
