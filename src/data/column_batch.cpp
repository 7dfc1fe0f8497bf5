#include "data/column_batch.h"

#include <algorithm>

#include "data/inference.h"

namespace strata::data {

ColumnBatch::ColumnBatch(const Schema& schema, int64_t expected_rows)
    : columns_(schema.columns.size()) {
  const size_t n = static_cast<size_t>(std::max<int64_t>(expected_rows, 0));
  for (size_t c = 0; c < columns_.size(); ++c) {
    Column& col = columns_[c];
    col.type = schema.columns[c].type;
    col.valid.reserve(n);
    switch (col.type) {
      case ColumnType::kInt:
      case ColumnType::kTimestamp:
        col.ints.reserve(n);
        break;
      case ColumnType::kBool:
        col.bools.reserve(n);
        break;
      case ColumnType::kFloat:
        col.floats.reserve(n);
        break;
      case ColumnType::kText:
        col.ends.reserve(n);
        break;
      case ColumnType::kCategory:
        col.codes.reserve(n);
        break;
    }
  }
}

bool ColumnBatch::AddRow(const Record& record, size_t* bad_column) {
  for (size_t c = 0; c < columns_.size(); ++c) {
    Column& col = columns_[c];
    const bool null = record.null[c] != 0;
    const std::string_view text = record.fields[c];
    col.valid.push_back(!null);
    ParsedValue v;
    if (!null && !ParseAs(col.type, text, &v)) {
      *bad_column = c;
      return false;
    }
    // A null stores zero (or code -1, or an empty text): the format's filler.
    switch (col.type) {
      case ColumnType::kInt:
      case ColumnType::kTimestamp:
        col.ints.push_back(null ? 0 : v.i);
        break;
      case ColumnType::kBool:
        col.bools.push_back(null ? 0 : static_cast<uint8_t>(v.i != 0));
        break;
      case ColumnType::kFloat:
        col.floats.push_back(null ? 0.0 : v.f);
        break;
      case ColumnType::kText:
        if (!null) col.bytes.append(text);
        col.ends.push_back(col.bytes.size());
        break;
      case ColumnType::kCategory: {
        col.codes.push_back(null ? -1 : col.dictionary.Code(text));
        break;
      }
    }
  }
  ++rows_;
  return true;
}

}  // namespace strata::data
