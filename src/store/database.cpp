#include "store/database.h"

#include <cassert>
#include <cstdlib>

#include <fmt/format.h>

namespace strata::store {
namespace {

[[noreturn]] void MissingColumn(std::string_view column, const std::vector<std::string>& columns) {
  // A programmer error (a typo, a column left out of the SELECT): stop loudly rather
  // than hand back a 0 that would be written on into the catalog.
  core::log::Error("store::Row: column '{}' is not in the result (columns: {})", column,
                   fmt::join(columns, ", "));
  std::abort();
}

}  // namespace

Row::Row(std::shared_ptr<const std::vector<std::string>> columns, std::vector<Value> values)
    : columns_(std::move(columns)), values_(std::move(values)) {
  assert(columns_ != nullptr && columns_->size() == values_.size());
}

const Value& Row::Get(std::string_view column) const {
  for (size_t i = 0; i < columns_->size(); ++i) {
    if ((*columns_)[i] == column) return values_[i];
  }
  MissingColumn(column, *columns_);
}

bool Row::IsNull(std::string_view column) const {
  return std::holds_alternative<std::nullptr_t>(Get(column));
}

int64_t Row::Int(std::string_view column) const {
  auto v = OptInt(column);
  assert(v.has_value() && "Row::Int of a NULL cell: use OptInt");
  return v.value_or(0);
}

double Row::Real(std::string_view column) const {
  auto v = OptReal(column);
  assert(v.has_value() && "Row::Real of a NULL cell: use OptReal");
  return v.value_or(0.0);
}

std::string Row::Text(std::string_view column) const {
  auto v = OptText(column);
  assert(v.has_value() && "Row::Text of a NULL cell: use OptText");
  return v ? std::move(*v) : std::string();
}

std::optional<int64_t> Row::OptInt(std::string_view column) const {
  const Value& v = Get(column);
  if (auto* i = std::get_if<int64_t>(&v)) return *i;
  if (auto* d = std::get_if<double>(&v)) return static_cast<int64_t>(*d);
  // Text in a numeric read: SQLite stores what it was given in a column of TEXT
  // affinity, so "42" may come back as text.
  if (auto* s = std::get_if<std::string>(&v)) return std::strtoll(s->c_str(), nullptr, 10);
  return std::nullopt;
}

std::optional<double> Row::OptReal(std::string_view column) const {
  const Value& v = Get(column);
  if (auto* d = std::get_if<double>(&v)) return *d;
  if (auto* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  if (auto* s = std::get_if<std::string>(&v)) return std::strtod(s->c_str(), nullptr);
  return std::nullopt;
}

std::optional<std::string> Row::OptText(std::string_view column) const {
  const Value& v = Get(column);
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  if (auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  if (auto* d = std::get_if<double>(&v)) return fmt::format("{}", *d);
  return std::nullopt;
}

}  // namespace strata::store
