#pragma once
// Streaming record readers for CSV, TSV and JSON Lines. A file is read in blocks and
// never held whole in memory; errors name the file, the line and the column.

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"

namespace strata::data {

enum class FileFormat { kCsv, kTsv, kJsonl };

std::string_view FileFormatName(FileFormat format);
// "csv", "tsv", "jsonl" (also "json", "ndjson"). InvalidArgument otherwise.
Result<FileFormat> ParseFileFormat(std::string_view name);
// From the extension (.csv, .tsv/.tab, .jsonl/.ndjson/.json); CSV when unknown.
FileFormat GuessFileFormat(const std::filesystem::path& path);

struct ReaderOptions {
  FileFormat format = FileFormat::kCsv;
  char separator = 0;   // 0: ',' for CSV, '\t' for TSV
  bool header = true;   // CSV/TSV: the first record names the columns (else col_1, ...)
  // Unquoted fields equal to one of these are null; empty fields always are.
  std::vector<std::string> null_tokens = {"NA", "N/A", "NaN", "nan", "null", "NULL", "None", "#N/A"};
  std::string display_name;  // used in messages; default: the file name
  // JSON Lines only: when set, records are aligned to these columns (a second pass);
  // otherwise columns are discovered as keys appear.
  std::vector<std::string> fixed_columns;
};

// One record. Views stay valid until the next call to Next().
struct Record {
  std::vector<std::string_view> fields;
  std::vector<uint8_t> null;  // 1: the field is null
  int64_t line = 0;           // the line the record starts on, 1-based
};

class RecordReader {
 public:
  virtual ~RecordReader() = default;
  // Column names: from the header, generated, or (JSON Lines) discovered so far.
  virtual const std::vector<std::string>& columns() const = 0;
  // Reads the next record into *record: true, or false at the end of the file.
  // Fields may number fewer or more than columns() (a ragged row): the caller decides.
  virtual Result<bool> Next(Record* record) = 0;
  virtual uint64_t bytes_read() const = 0;
  virtual uint64_t total_bytes() const = 0;
  virtual const std::string& display_name() const = 0;
};

// Opens an input file for reading, with its size; errors name it by `display_name`.
Result<FILE*> OpenInput(const std::filesystem::path& path, const std::string& display_name, uint64_t* size);

Result<std::unique_ptr<RecordReader>> OpenReader(const std::filesystem::path& path, const ReaderOptions& options);

}  // namespace strata::data
