#pragma once
// The typed values of a run of consecutive rows, parsed from text as the schema says:
// what an import worker builds from its part of a file and the TableWriter appends in
// one go (TableWriter::AppendBatch). Parsing happens here, in parallel; the writer
// only copies.
//
// Category values are coded against a dictionary local to the batch, in order of first
// appearance; the writer maps them to the table's dictionary, so a table written batch
// by batch has the same codes as one written row by row.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "data/column_type.h"
#include "data/reader.h"
#include "data/string_codes.h"

namespace strata::data {

class ColumnBatch {
 public:
  // `expected_rows` only reserves memory.
  explicit ColumnBatch(const Schema& schema, int64_t expected_rows = 0);

  // Appends one record (its fields in schema order, as many as the schema's columns).
  // False when a non-null field does not parse as its column's type: *bad_column
  // names it and the batch is left unusable.
  bool AddRow(const Record& record, size_t* bad_column);
  int64_t rows() const { return rows_; }

  struct Column {
    ColumnType type = ColumnType::kText;
    std::vector<uint8_t> valid;  // per row, 1 when not null
    std::vector<int64_t> ints;   // int, timestamp
    std::vector<double> floats;  // float
    std::vector<uint8_t> bools;  // bool
    std::vector<int32_t> codes;  // category: local codes, -1 for null
    StringCodes dictionary;      // category: the local dictionary
    std::vector<uint64_t> ends;  // text: end of each value in bytes
    std::string bytes;           // text: the values
  };
  const std::vector<Column>& columns() const { return columns_; }
  // A batch of `rows` rows from columns already parsed (speculative_batch.h), each
  // holding rows values in the layout above.
  ColumnBatch(std::vector<Column> columns, int64_t rows) : columns_(std::move(columns)), rows_(rows) {}

 private:
  std::vector<Column> columns_;
  int64_t rows_ = 0;
};

}  // namespace strata::data
