#pragma once
// JSON Lines records: one JSON object per line. Columns are the keys in the order
// they first appear; a key missing from a line is null there. Strings are taken as
// they are, numbers and booleans in their JSON spelling, nested arrays and objects
// as compact JSON text.

#include <cstdio>
#include <map>

#include "data/reader.h"

namespace strata::data {

class JsonlReader : public RecordReader {
 public:
  JsonlReader(std::string display_name, std::vector<std::string> fixed_columns);
  ~JsonlReader() override;
  Status Open(const std::filesystem::path& path);

  const std::vector<std::string>& columns() const override { return columns_; }
  Result<bool> Next(Record* record) override;
  uint64_t bytes_read() const override { return consumed_; }
  uint64_t total_bytes() const override { return total_; }
  const std::string& display_name() const override { return name_; }

 private:
  bool ReadLine(std::string* line);

  std::string name_;
  bool fixed_;
  std::vector<std::string> columns_;
  std::map<std::string, size_t, std::less<>> index_;
  FILE* file_ = nullptr;
  int64_t line_ = 0;
  uint64_t consumed_ = 0, total_ = 0;
  std::string text_;
  std::vector<std::string> values_;
};

}  // namespace strata::data
