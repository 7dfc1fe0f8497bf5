#include "data/reader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "data/csv_reader.h"
#include "data/jsonl_reader.h"

namespace strata::data {

std::string_view FileFormatName(FileFormat format) {
  switch (format) {
    case FileFormat::kCsv: return "csv";
    case FileFormat::kTsv: return "tsv";
    case FileFormat::kJsonl: return "jsonl";
  }
  return "csv";
}

Result<FileFormat> ParseFileFormat(std::string_view name) {
  if (name == "csv") return FileFormat::kCsv;
  if (name == "tsv") return FileFormat::kTsv;
  if (name == "jsonl" || name == "json" || name == "ndjson") return FileFormat::kJsonl;
  return InvalidArgumentError(fmt::format("format must be csv, tsv or jsonl, got '{}'", name));
}

FileFormat GuessFileFormat(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  if (ext == ".tsv" || ext == ".tab") return FileFormat::kTsv;
  if (ext == ".jsonl" || ext == ".ndjson" || ext == ".json") return FileFormat::kJsonl;
  return FileFormat::kCsv;
}

Result<FILE*> OpenInput(const std::filesystem::path& path, const std::string& display_name, uint64_t* size) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return errno == ENOENT ? NotFoundError(fmt::format("{}: file does not exist", display_name))
                           : InvalidArgumentError(fmt::format("{}: cannot open: {}", display_name, std::strerror(errno)));
  }
  std::error_code ec;
  *size = std::filesystem::file_size(path, ec);
  return f;
}

Result<std::unique_ptr<RecordReader>> OpenReader(const std::filesystem::path& path, const ReaderOptions& options) {
  std::string name = options.display_name.empty() ? path.filename().string() : options.display_name;
  if (options.format == FileFormat::kJsonl) {
    auto reader = std::make_unique<JsonlReader>(name, options.fixed_columns);
    STRATA_RETURN_IF_ERROR(reader->Open(path));
    return std::unique_ptr<RecordReader>(std::move(reader));
  }
  char sep = options.separator != 0 ? options.separator : options.format == FileFormat::kTsv ? '\t' : ',';
  if (sep == '"' || sep == '\n' || sep == '\r') {
    return InvalidArgumentError(fmt::format("separator cannot be a quote or a line break"));
  }
  auto reader = std::make_unique<CsvReader>(name, sep, options.header, options.null_tokens);
  STRATA_RETURN_IF_ERROR(reader->Open(path));
  return std::unique_ptr<RecordReader>(std::move(reader));
}

}  // namespace strata::data
