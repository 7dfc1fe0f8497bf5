#pragma once
// RFC 4180 CSV (and TSV) records: quoted fields with separators, doubled quotes and
// newlines inside; LF or CRLF line ends; a UTF-8 BOM is skipped; blank lines are
// skipped. Written by hand: no Debian-packaged C++ CSV library streams with the
// line/column error positions we report.

#include <cstdio>

#include "data/csv_scan.h"
#include "data/reader.h"

namespace strata::data {

class CsvReader : public RecordReader {
 public:
  CsvReader(std::string display_name, char separator, bool header, std::vector<std::string> null_tokens);
  ~CsvReader() override;
  Status Open(const std::filesystem::path& path);
  // Reads `bytes` (e.g. a request body) instead of a file. REQUIRES: `bytes` outlives
  // the reader.
  Status OpenMemory(std::string_view bytes);

  const std::vector<std::string>& columns() const override { return columns_; }
  Result<bool> Next(Record* record) override;
  uint64_t bytes_read() const override { return consumed_; }
  uint64_t total_bytes() const override { return total_; }
  const std::string& display_name() const override { return name_; }

 private:
  Status Start();  // BOM, header
  bool Fill();     // false at end of file

  std::string name_;
  bool header_;
  CsvScanner scanner_;
  std::vector<std::string> columns_;
  FILE* file_ = nullptr;
  std::vector<char> buf_;
  size_t begin_ = 0, end_ = 0;
  bool eof_ = false;
  int64_t line_ = 1;  // line of the next record
  uint64_t consumed_ = 0, total_ = 0;
};

}  // namespace strata::data
