#include "store/database.h"

#include <cassert>

namespace strata::store {

Row::Row(std::shared_ptr<const std::vector<std::string>> columns, std::vector<Value> values)
    : columns_(std::move(columns)), values_(std::move(values)) {}

const Value& Row::Get(std::string_view column) const {
  for (size_t i = 0; i < columns_->size(); ++i) {
    if ((*columns_)[i] == column) return values_[i];
  }
  assert(false && "column not in result");
  static const Value kNull = nullptr;
  return kNull;
}

bool Row::IsNull(std::string_view column) const {
  return std::holds_alternative<std::nullptr_t>(Get(column));
}

int64_t Row::Int(std::string_view column) const { return OptInt(column).value_or(0); }

double Row::Real(std::string_view column) const {
  const Value& v = Get(column);
  if (auto* d = std::get_if<double>(&v)) return *d;
  if (auto* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  if (auto* s = std::get_if<std::string>(&v)) return std::strtod(s->c_str(), nullptr);
  return 0;
}

std::string Row::Text(std::string_view column) const { return OptText(column).value_or(""); }

std::optional<int64_t> Row::OptInt(std::string_view column) const {
  const Value& v = Get(column);
  if (auto* i = std::get_if<int64_t>(&v)) return *i;
  if (auto* d = std::get_if<double>(&v)) return static_cast<int64_t>(*d);
  if (auto* s = std::get_if<std::string>(&v)) return std::strtoll(s->c_str(), nullptr, 10);
  return std::nullopt;
}

std::optional<std::string> Row::OptText(std::string_view column) const {
  const Value& v = Get(column);
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  if (auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  if (auto* d = std::get_if<double>(&v)) return std::to_string(*d);
  return std::nullopt;
}

}  // namespace strata::store
