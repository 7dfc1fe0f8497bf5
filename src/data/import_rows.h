#pragma once
// The importer's verdict on one record, shared by its serial and parallel passes so
// both accept the same rows and word rejections the same way.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "data/column_type.h"
#include "data/reader.h"

namespace strata::data {

// Why `record` cannot be imported, as the words after "FILE: line N" (e.g. ": expected
// 3 fields, got 2"), or "" when it can: a ragged row, invalid UTF-8, or a value that is
// not its overridden type (`forced`, per column; empty when no column is). `ascii`: the record's
// bytes are known to be ASCII, so the UTF-8 check is skipped.
std::string RejectRow(const Record& record, const std::vector<std::string>& columns,
                      const std::vector<std::optional<ColumnType>>& forced, bool ascii);

// "FILE: line N<rest>".
std::string LineMessage(std::string_view file, int64_t line, std::string_view rest);

// A value for a message, cut at 40 bytes, in quotes.
std::string QuoteValue(std::string_view v);

}  // namespace strata::data
