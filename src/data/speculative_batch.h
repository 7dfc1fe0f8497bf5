#pragma once
// The values of a chunk of a file kept typed while the import infers the schema, so
// that once every chunk has been seen the chunk becomes a ColumnBatch of the final
// schema without being tokenized and parsed a second time.
//
// Each column keeps its values in the form its chunk's inference still allows (int,
// then float, bool, timestamp; strings when the first value is none of them, coded
// against a local dictionary until they have more distinct values than a category
// may, then plain text), using what ColumnInference::Add parsed. Finish converts to
// the file's types where that gives exactly what parsing the text as that type gives:
// ints to floats (a "-0" becomes -0.0, as the text parses), strings to categories or
// text. A column whose values no longer fit
// one form (an int column meeting a word) keeps nothing; a chunk with such a column,
// or one whose form the final type cannot take, is parsed again from the file.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "data/column_batch.h"
#include "data/column_type.h"
#include "data/inference.h"
#include "data/reader.h"
#include "data/string_codes.h"

namespace strata::data {

class SpeculativeBatch {
 public:
  // `forced`: per column, the type the user gave (its values are kept as that type), or
  // nullopt; empty when no column has one.
  // `expected_rows` only reserves memory.
  SpeculativeBatch(size_t columns, const std::vector<std::optional<ColumnType>>& forced, size_t expected_rows);

  void AddNull(size_t column);
  // A non-null value, with what the chunk's inference parsed it as when it added it.
  void Add(size_t column, std::string_view text, const InferredValue& parsed);
  // Ends a row (every column got a value or a null).
  void EndRow() { ++rows_; }

  // Whether column's strings are being coded against a dictionary that holds exactly
  // its distinct values so far (the inference then need not count them too).
  bool CountsDistinct(size_t column) const { return columns_[column].form == Form::kCodes; }
  const StringCodes& distinct(size_t column) const { return columns_[column].v.dictionary; }
  // Whether column's strings outnumbered a category's distinct values in this chunk.
  bool too_many_distinct(size_t column) const { return columns_[column].too_many_distinct; }
  // The column has too many distinct values in the file to be a category: its strings
  // are kept as text from now on.
  void GiveUpCodes(size_t column);

  // Memory held, about.
  size_t bytes() const;
  // The chunk as a batch of `schema`, or null when some column cannot be converted.
  // Leaves this batch empty.
  std::unique_ptr<ColumnBatch> Finish(const Schema& schema);
  // One column's values as `type`, or null when they do not convert: a view of the
  // kept values when they are in that type's layout, else converted into *scratch.
  // Leaves this batch as it was.
  const ColumnBatch::Column* ColumnAs(size_t column, ColumnType type, ColumnBatch::Column* scratch) const;

 private:
  // kCodes: strings coded against a local dictionary (as a category's), until more
  // distinct values than a category may have turn them into kText.
  enum class Form { kNone, kInt, kFloat, kBool, kTimestamp, kCodes, kText, kLost };
  struct Column {
    Form form = Form::kNone;  // kNone: only nulls so far
    std::optional<ColumnType> forced;
    // In the layout of the type the form stands for (kInt: ints, kFloat: floats,
    // kBool: bools, kTimestamp: ints, kCodes: codes and dictionary as a category's,
    // kText: bytes and ends), so that a column in its natural form needs no copy.
    ColumnBatch::Column v;
    std::vector<int64_t> negative_zeros;  // kInt: rows whose text was a negative zero
    bool too_many_distinct = false;
  };
  // The column type whose layout (ColumnBatch::Column) a form keeps its values in.
  static ColumnType LayoutType(Form form);
  static bool Converts(const Column& c, ColumnType type);
  static bool InLayout(const Column& c, ColumnType type);
  // The values of a column that Converts to `type` but is not InLayout, converted
  // into *out (all but `valid`).
  void Convert(const Column& c, ColumnType type, ColumnBatch::Column* out) const;
  void Start(Column& c, Form form);
  void ToFloats(Column& c);
  void ToText(Column& c);
  void AddString(Column& c, std::string_view text);

  std::vector<Column> columns_;
  size_t expected_rows_;
  int64_t rows_ = 0;
};

}  // namespace strata::data
