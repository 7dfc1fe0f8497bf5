#include "data/split.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <unordered_map>

#include <fmt/format.h>

namespace strata::data {
namespace {

void Shuffle(std::vector<int64_t>& v, std::mt19937_64& rng) {
  for (size_t i = v.size(); i > 1; --i) {
    size_t j = static_cast<size_t>(rng() % i);  // modulo bias is negligible for 2^64
    std::swap(v[i - 1], v[j]);
  }
}

// Sizes per part summing to n: floor of each share, the remainder to the largest
// fractional parts (ties to the earlier part).
std::vector<size_t> PartSizes(size_t n, const std::vector<double>& shares) {
  std::vector<size_t> sizes(shares.size());
  std::vector<std::pair<double, size_t>> rest;
  size_t used = 0;
  for (size_t i = 0; i < shares.size(); ++i) {
    double exact = shares[i] * static_cast<double>(n);
    sizes[i] = static_cast<size_t>(std::floor(exact + 1e-9));
    used += sizes[i];
    rest.emplace_back(exact - static_cast<double>(sizes[i]), i);
  }
  std::stable_sort(rest.begin(), rest.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t k = 0; used < n && k < rest.size(); ++k, ++used) ++sizes[rest[k].second];
  return sizes;
}

void Deal(const std::vector<int64_t>& rows, const std::vector<double>& shares, std::vector<std::vector<int64_t>>* parts) {
  auto sizes = PartSizes(rows.size(), shares);
  size_t at = 0;
  for (size_t p = 0; p < sizes.size(); ++p) {
    (*parts)[p].insert((*parts)[p].end(), rows.begin() + static_cast<long>(at),
                       rows.begin() + static_cast<long>(at + sizes[p]));
    at += sizes[p];
  }
}

Result<size_t> ColumnIndex(const Table& t, const std::string& name, std::string_view what) {
  int i = t.schema().Find(name);
  if (i < 0) return InvalidArgumentError(fmt::format("{} '{}' is not a column of the dataset", what, name));
  return static_cast<size_t>(i);
}

}  // namespace

Result<std::vector<std::vector<int64_t>>> SplitRows(const Table& table, const SplitSpec& spec) {
  if (spec.fractions.empty()) return InvalidArgumentError("fractions: give at least one part, e.g. {\"train\": 0.8, \"test\": 0.2}");
  std::vector<double> shares;
  double sum = 0;
  for (const auto& [name, share] : spec.fractions) {
    if (!(share > 0 && share <= 1)) {
      return InvalidArgumentError(fmt::format("fractions: '{}' must be in (0, 1], got {}", name, share));
    }
    shares.push_back(share);
    sum += share;
  }
  if (std::fabs(sum - 1) > 1e-6) return InvalidArgumentError(fmt::format("fractions must add up to 1, got {}", sum));
  if (!spec.stratify_by.empty() && !spec.time_column.empty()) {
    return InvalidArgumentError("stratify_by and time_column cannot be combined");
  }
  const int64_t n = table.rows();
  std::vector<std::vector<int64_t>> parts(shares.size());
  std::mt19937_64 rng(spec.seed);

  if (!spec.time_column.empty()) {
    STRATA_ASSIGN_OR_RETURN(size_t c, ColumnIndex(table, spec.time_column, "time_column"));
    const ColumnView& col = table.column(c);
    if (col.type != ColumnType::kTimestamp && col.type != ColumnType::kInt && col.type != ColumnType::kFloat) {
      return InvalidArgumentError(fmt::format("time_column '{}' must be a timestamp or a number, not {}",
                                              spec.time_column, ColumnTypeName(col.type)));
    }
    if (col.nulls > 0) {
      return InvalidArgumentError(fmt::format("time_column '{}' has {} missing values: they cannot be ordered in time",
                                              spec.time_column, col.nulls));
    }
    std::vector<int64_t> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    auto key = [&col](int64_t r) { return col.type == ColumnType::kFloat ? col.floats[r] : static_cast<double>(col.ints[r]); };
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return key(a) < key(b); });
    Deal(order, shares, &parts);
  } else if (!spec.stratify_by.empty()) {
    STRATA_ASSIGN_OR_RETURN(size_t c, ColumnIndex(table, spec.stratify_by, "stratify_by"));
    const ColumnView& col = table.column(c);
    if (col.type == ColumnType::kFloat) {
      return InvalidArgumentError(fmt::format("stratify_by '{}' is a float column: stratify by a label", spec.stratify_by));
    }
    std::map<std::string, std::vector<int64_t>> groups;  // ordered: reproducible
    for (int64_t r = 0; r < n; ++r) {
      std::string key;
      if (!col.IsValid(r)) key = std::string("\0null", 5);
      else if (col.type == ColumnType::kCategory || col.type == ColumnType::kText) key = std::string(col.Text(r));
      else if (col.type == ColumnType::kBool) key = col.bools[r] ? "true" : "false";
      else key = std::to_string(col.ints[r]);
      groups[key].push_back(r);
    }
    for (auto& [key, rows] : groups) {
      Shuffle(rows, rng);
      Deal(rows, shares, &parts);
    }
  } else {
    std::vector<int64_t> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    Shuffle(order, rng);
    Deal(order, shares, &parts);
  }
  if (spec.time_column.empty()) {
    for (auto& p : parts) std::sort(p.begin(), p.end());
  }
  return parts;
}

std::vector<int64_t> SampleRows(int64_t rows, int64_t n, uint64_t seed) {
  std::vector<int64_t> out;
  if (n >= rows) {
    out.resize(static_cast<size_t>(rows));
    std::iota(out.begin(), out.end(), 0);
    return out;
  }
  // Partial Fisher-Yates over a sparse map: O(n) memory however large the table.
  std::mt19937_64 rng(seed);
  std::unordered_map<int64_t, int64_t> swapped;
  auto at = [&](int64_t i) {
    auto it = swapped.find(i);
    return it == swapped.end() ? i : it->second;
  };
  for (int64_t i = 0; i < n; ++i) {
    int64_t j = i + static_cast<int64_t>(rng() % static_cast<uint64_t>(rows - i));
    int64_t vi = at(i), vj = at(j);
    swapped[j] = vi;
    out.push_back(vj);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Status WriteRows(const Table& table, const std::vector<int64_t>& rows, const std::filesystem::path& out_dir) {
  STRATA_ASSIGN_OR_RETURN(auto writer, TableWriter::Create(out_dir, table.schema()));
  for (int64_t r : rows) {
    for (size_t c = 0; c < table.num_columns(); ++c) {
      const ColumnView& col = table.column(c);
      if (!col.IsValid(r)) {
        writer->AppendNull(c);
        continue;
      }
      switch (col.type) {
        case ColumnType::kInt:
        case ColumnType::kTimestamp: writer->AppendInt(c, col.ints[r]); break;
        case ColumnType::kFloat: writer->AppendFloat(c, col.floats[r]); break;
        case ColumnType::kBool: writer->AppendInt(c, col.bools[r]); break;
        case ColumnType::kCategory:
        case ColumnType::kText: writer->AppendText(c, col.Text(r)); break;
      }
    }
  }
  Status s = writer->Finish();
  if (!s.ok()) {
    std::error_code ec;
    std::filesystem::remove_all(out_dir, ec);
  }
  return s;
}

}  // namespace strata::data
