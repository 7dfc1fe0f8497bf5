#pragma once
// The columnar table format (version 1), one directory per dataset version:
//
//   schema.json       {"format": "strata-table", "version": 1, "rows": N,
//                      "columns": [{"name", "type", "nulls", "dictionary": K}, ...]}
//   c<i>.valid        validity bitmap, bit r of byte r/8 set when row r is not null;
//                     absent when the column has no nulls
//   c<i>.values       int and timestamp: int64[N] (timestamps in microseconds UTC);
//                     float: double[N]; bool: uint8[N]; category: int32[N] codes
//   c<i>.offsets      text: uint64[N+1] into c<i>.data; category: uint64[K+1] into
//   c<i>.data         the bytes of the strings (category: of its K dictionary entries)
//
// All little-endian, as the machine writes them. Files are read back through mmap
// with zero-copy views; Open() checks every size against the schema, and offsets and
// codes against their bounds, so a truncated or corrupt file is an error, never an
// out-of-bounds read. A reader refuses a newer format version.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "data/column_batch.h"
#include "data/column_type.h"

namespace strata::core {
class ThreadPool;
}

namespace strata::data {

constexpr int kTableFormatVersion = 1;

// A read-only view of one column. Pointers stay valid while the Table lives.
struct ColumnView {
  std::string name;
  ColumnType type = ColumnType::kText;
  int64_t nulls = 0;
  const uint8_t* valid = nullptr;  // null: no nulls
  const int64_t* ints = nullptr;   // int, timestamp
  const double* floats = nullptr;
  const uint8_t* bools = nullptr;
  const int32_t* codes = nullptr;  // category
  const uint64_t* offsets = nullptr;  // text: N+1
  const char* data = nullptr;
  std::vector<std::string_view> dictionary;  // category

  bool IsValid(int64_t row) const { return valid == nullptr || (valid[row >> 3] >> (row & 7)) & 1; }
  // Text of a text or category value (REQUIRES: valid).
  std::string_view Text(int64_t row) const;
};

class Table {
 public:
  static Result<std::shared_ptr<Table>> Open(const std::filesystem::path& dir);
  ~Table();

  const Schema& schema() const { return schema_; }
  int64_t rows() const { return rows_; }
  const ColumnView& column(size_t i) const { return columns_[i]; }
  size_t num_columns() const { return columns_.size(); }
  // Bytes of all column files.
  uint64_t bytes() const { return bytes_; }

  // Rows [offset, offset + limit) as JSON objects: nulls as null, timestamps as RFC 3339.
  Json RowsAsJson(int64_t offset, int64_t limit) const;
  Json ValueAsJson(size_t column, int64_t row) const;
  // The same value as CSV text (before quoting): null as "", numbers in their shortest
  // round-trip form, timestamps as RFC 3339. No JSON on the way: batch output calls it
  // per cell.
  std::string ValueAsText(size_t column, int64_t row) const;

 private:
  Table() = default;
  struct Mapping {
    void* addr = nullptr;
    size_t size = 0;
  };
  Result<const void*> Map(const std::filesystem::path& file, size_t expected, bool exact);

  Schema schema_;
  int64_t rows_ = 0;
  uint64_t bytes_ = 0;
  std::vector<ColumnView> columns_;
  std::vector<Mapping> mappings_;
  std::filesystem::path dir_;
};

// Streams a table to disk column by column. Not thread-safe (AppendBatch spreads its
// own work over a pool it is given).
class TableWriter {
 public:
  // Creates `dir` (which must not exist yet) and one file set per column.
  static Result<std::unique_ptr<TableWriter>> Create(const std::filesystem::path& dir, const Schema& schema);
  ~TableWriter();

  // A row at a time: every column gets a value (or a null) for each row.
  void AppendNull(size_t column);
  void AppendInt(size_t column, int64_t v);  // int, timestamp, bool (0/1)
  void AppendFloat(size_t column, double v);
  void AppendText(size_t column, std::string_view v);  // text, category
  // Appends whole rows at once, the same bytes as appending them value by value;
  // with a pool, columns are appended in parallel over it and the calling thread;
  // with `only` (a flag per column), only the flagged columns are appended.
  // REQUIRES: the batch was built for this writer's schema; when a pool is given, the
  // caller is not one of its tasks.
  // Every few MB of a column it starts the disk writes of what is written so far, so
  // Finish's fsync, which a caller waits for, finds little left to do.
  void AppendBatch(const ColumnBatch& batch, core::ThreadPool* pool = nullptr,
                   const std::vector<uint8_t>* only = nullptr);
  // Appends one column's values for the rows that follow its last ones: columns may
  // run ahead of each other until Finish.
  // REQUIRES: values.type is the column's type.
  void AppendColumn(size_t column, const ColumnBatch::Column& values);
  // Empties a column and gives it a new type, as if it had been created so.
  Status ResetColumn(size_t column, ColumnType type);
  ColumnType type(size_t column) const { return schema_.columns[column].type; }
  // Rows of the first column (every column has as many once the table is complete).
  int64_t rows() const;

  // Flushes and fsyncs the files and writes schema.json (with null counts). An error
  // when the columns do not have the same number of rows.
  Status Finish();

 private:
  struct ColumnFiles;
  TableWriter() = default;
  Result<std::unique_ptr<ColumnFiles>> OpenColumn(size_t column, ColumnType type) const;
  void Write(FILE* f, const void* data, size_t size);  // errors land in error_
  void PushValid(size_t column, bool valid);
  void PushValids(size_t column, const std::vector<uint8_t>& valid);  // 0 or 1 each
  void WriteInt(size_t column, int64_t v);
  void WriteText(size_t column, std::string_view v, bool null);

  std::filesystem::path dir_;
  Schema schema_;
  std::vector<std::unique_ptr<ColumnFiles>> columns_;
  std::mutex error_mu_;  // columns may be written on several threads
  Status error_;
};

}  // namespace strata::data
