#pragma once
// Column types of a dataset (API.md): float, int, bool, category, text, timestamp.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"

namespace strata::data {

enum class ColumnType { kFloat, kInt, kBool, kCategory, kText, kTimestamp };

std::string_view ColumnTypeName(ColumnType type);
std::optional<ColumnType> ParseColumnType(std::string_view name);

struct ColumnSchema {
  std::string name;
  ColumnType type = ColumnType::kText;
  int64_t nulls = 0;
};

struct Schema {
  std::vector<ColumnSchema> columns;
  // Index of the column with this name, or -1.
  int Find(std::string_view name) const;
  // [{"name", "type", "nulls"}, ...]
  Json ToJson() const;
};

}  // namespace strata::data
