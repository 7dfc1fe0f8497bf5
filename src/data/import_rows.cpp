#include "data/import_rows.h"

#include <fmt/format.h>

#include "data/inference.h"
#include "data/value_parse.h"

namespace strata::data {

std::string RejectRow(const Record& rec, const std::vector<std::string>& columns,
                      const std::vector<std::optional<ColumnType>>& forced, bool ascii) {
  if (rec.fields.size() != columns.size()) {
    return fmt::format(": expected {} fields, got {}", columns.size(), rec.fields.size());
  }
  if (!ascii) {
    for (size_t c = 0; c < rec.fields.size(); ++c) {
      size_t bad = 0;
      if (!rec.null[c] && !ValidUtf8(rec.fields[c], &bad)) {
        return fmt::format(", column {} ('{}'): invalid UTF-8 at byte {} of the value", c + 1,
                           columns[c], bad + 1);
      }
    }
  }
  for (size_t c = 0; c < forced.size(); ++c) {
    ParsedValue v;
    if (!rec.null[c] && forced[c] && !ParseAs(*forced[c], rec.fields[c], &v)) {
      return fmt::format(", column {} ('{}'): {} is not a {}", c + 1, columns[c],
                         QuoteValue(rec.fields[c]), ColumnTypeName(*forced[c]));
    }
  }
  return "";
}

std::string LineMessage(std::string_view file, int64_t line, std::string_view rest) {
  return fmt::format("{}: line {}{}", file, line, rest);
}

std::string QuoteValue(std::string_view v) {
  if (v.size() > 40) return fmt::format("'{}...'", v.substr(0, 40));
  return fmt::format("'{}'", v);
}

}  // namespace strata::data
