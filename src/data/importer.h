#pragma once
// Imports a CSV, TSV or JSON Lines file into the columnar format in two streaming
// passes: the first infers the schema over every value (and counts rows), the second
// parses each value as its column's type and appends it to the column files. Memory
// stays bounded whatever the file's size. A CSV/TSV file runs both passes on every
// core, in chunks (import_passes.h); the result is the same as a serial import's. On
// any error the output directory is removed: a failed import leaves nothing behind.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "data/column_type.h"
#include "data/reader.h"

namespace strata::data {

enum class OnError { kFail, kSkip };

struct ImportOptions {
  ReaderOptions reader;
  std::map<std::string, ColumnType> types;  // overrides of inferred types, by column
  OnError on_error = OnError::kFail;
  // Bytes per parallel chunk; 0 picks by file size. Tests set a few bytes to put chunk
  // boundaries everywhere.
  size_t chunk_bytes = 0;
  // At most this many bytes of typed values (and at most an eighth of the machine's
  // memory) are kept from pass 1 for pass 2; chunks beyond are parsed again. Tests set
  // 0 to parse every chunk twice.
  size_t max_kept_bytes = size_t{1} << 30;
};

struct ImportSummary {
  Schema schema;
  int64_t rows = 0;
  int64_t skipped_rows = 0;
  std::vector<std::string> skipped_examples;  // the first few reasons
  uint64_t input_bytes = 0;
  uint64_t stored_bytes = 0;
};

// Called with (bytes processed, total) over both passes (total = 2 x file size).
using ImportProgress = std::function<void(uint64_t done, uint64_t total)>;

// Writes the table into `out_dir`, which must not exist.
Result<ImportSummary> ImportFile(const std::filesystem::path& input, const ImportOptions& options,
                                 const std::filesystem::path& out_dir,
                                 const ImportProgress& progress = nullptr);

}  // namespace strata::data
