#include "data/column_type.h"

#include <array>

namespace strata::data {
namespace {

constexpr std::array<std::pair<ColumnType, std::string_view>, 6> kNames = {{
    {ColumnType::kFloat, "float"},
    {ColumnType::kInt, "int"},
    {ColumnType::kBool, "bool"},
    {ColumnType::kCategory, "category"},
    {ColumnType::kText, "text"},
    {ColumnType::kTimestamp, "timestamp"},
}};

}  // namespace

std::string_view ColumnTypeName(ColumnType type) {
  for (const auto& [t, n] : kNames) {
    if (t == type) return n;
  }
  return "text";
}

std::optional<ColumnType> ParseColumnType(std::string_view name) {
  for (const auto& [t, n] : kNames) {
    if (n == name) return t;
  }
  return std::nullopt;
}

int Schema::Find(std::string_view name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

Json Schema::ToJson() const {
  Json out = Json::array();
  for (const auto& c : columns) {
    out.push_back({{"name", c.name}, {"type", ColumnTypeName(c.type)}, {"nulls", c.nulls}});
  }
  return out;
}

}  // namespace strata::data
