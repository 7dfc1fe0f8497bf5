#include "data/text_input.h"

#include <fmt/format.h>

namespace strata::data {

Result<std::vector<std::string>> ColumnTexts(const Table& table, const std::string& column,
                                             const std::vector<int64_t>& rows) {
  const int c = table.schema().Find(column);
  if (c < 0)
    return InvalidArgumentError(
        fmt::format("the input has no column '{}', the text the model reads", column));
  std::vector<std::string> out;
  const size_t n = rows.empty() ? static_cast<size_t>(table.rows()) : rows.size();
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(table.ValueAsText(static_cast<size_t>(c),
                                    rows.empty() ? static_cast<int64_t>(i) : rows[i]));
  }
  return out;
}

Result<std::vector<std::string>> JsonTexts(const Json& rows, const std::string& column,
                                           TransformNotes* notes) {
  if (!rows.is_array()) return InvalidArgumentError("instances must be a list of objects");
  std::vector<std::string> out;
  out.reserve(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const Json& row = rows[i];
    if (!row.is_object()) {
      return InvalidArgumentError(fmt::format("row {}: expected an object of column: value, got {}",
                                              i, core::JsonTypeName(row)));
    }
    auto it = row.find(column);
    if (it == row.end()) {
      if (notes)
        notes->push_back(
            fmt::format("row {}: column '{}' is missing: read as empty text", i, column));
      out.emplace_back();
    } else if (it->is_string()) {
      out.push_back(it->get<std::string>());
    } else if (it->is_number_integer()) {
      out.push_back(it->dump());
    } else if (it->is_number()) {
      out.push_back(fmt::format("{}", it->get<double>()));
    } else if (it->is_boolean()) {
      out.push_back(it->get<bool>() ? "true" : "false");
    } else if (it->is_null()) {
      out.emplace_back();
    } else {
      return InvalidArgumentError(fmt::format("row {}: column '{}': expected text, got {}", i,
                                              column, core::JsonTypeName(*it)));
    }
  }
  return out;
}

}  // namespace strata::data
