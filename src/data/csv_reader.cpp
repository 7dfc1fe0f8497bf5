#include "data/csv_reader.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "data/value_parse.h"

namespace strata::data {
namespace {

constexpr size_t kBlock = 4 << 20;

}  // namespace

CsvReader::CsvReader(std::string display_name, char separator, bool header, std::vector<std::string> null_tokens)
    : name_(std::move(display_name)), header_(header), scanner_(separator, std::move(null_tokens)) {}

CsvReader::~CsvReader() {
  if (file_ != nullptr) std::fclose(file_);
}

Status CsvReader::Open(const std::filesystem::path& path) {
  STRATA_ASSIGN_OR_RETURN(file_, OpenInput(path, name_, &total_));
  return Start();
}

Status CsvReader::OpenMemory(std::string_view bytes) {
  // fmemopen cannot open an empty buffer: an empty body is an empty file.
  static const char kEmpty[1] = {0};
  file_ = fmemopen(const_cast<char*>(bytes.empty() ? kEmpty : bytes.data()), bytes.size(), "r");
  if (file_ == nullptr) return InternalError(fmt::format("{}: cannot read from memory", name_));
  total_ = bytes.size();
  return Start();
}

Status CsvReader::Start() {
  buf_.resize(kBlock);
  Fill();
  if (end_ - begin_ >= 3 && std::memcmp(buf_.data() + begin_, "\xEF\xBB\xBF", 3) == 0) {
    begin_ += 3;
    consumed_ += 3;
  }
  // The header record names the columns.
  Record first;
  auto got = Next(&first);
  if (!got.ok()) return got.status();
  if (!*got) return Status::Ok();  // an empty file: no columns
  if (header_) {
    for (size_t i = 0; i < first.fields.size(); ++i) {
      std::string name(first.fields[i]);
      if (name.empty()) name = fmt::format("col_{}", i + 1);
      // Names go into the schema's JSON, which holds only valid UTF-8.
      if (size_t bad = 0; !ValidUtf8(name, &bad)) {
        return InvalidArgumentError(fmt::format("{}: line {}, column {}: the column name is not valid UTF-8 (byte {})",
                                                name_, first.line, i + 1, bad + 1));
      }
      for (size_t j = 0; j < columns_.size(); ++j) {
        if (columns_[j] == name) {
          return InvalidArgumentError(fmt::format("{}: line {}: duplicate column name '{}' (columns {} and {})", name_,
                                                  first.line, name, j + 1, i + 1));
        }
      }
      columns_.push_back(std::move(name));
    }
    header_ = false;
  } else {
    for (size_t i = 0; i < first.fields.size(); ++i) columns_.push_back(fmt::format("col_{}", i + 1));
    // Re-read from the start: the first record is data.
    std::rewind(file_);
    begin_ = end_ = 0;
    eof_ = false;
    line_ = 1;
    consumed_ = 0;
    Fill();
    if (end_ - begin_ >= 3 && std::memcmp(buf_.data() + begin_, "\xEF\xBB\xBF", 3) == 0) {
      begin_ += 3;
      consumed_ += 3;
    }
  }
  return Status::Ok();
}

bool CsvReader::Fill() {
  if (eof_) return false;
  if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == buf_.size()) buf_.resize(buf_.size() * 2);  // a record longer than the buffer
  size_t n = std::fread(buf_.data() + end_, 1, buf_.size() - end_, file_);
  end_ += n;
  if (n == 0) eof_ = true;
  return n > 0;
}

Result<bool> CsvReader::Next(Record* record) {
  for (;;) {
    size_t next = 0;
    int64_t newlines = 0;
    CsvScanner::Error error;
    CsvScanner::Step step = scanner_.Parse(buf_.data(), begin_, end_, eof_, record, &next, &newlines, &error);
    if (step == CsvScanner::Step::kError) {
      return InvalidArgumentError(fmt::format("{}: line {}{}", name_, line_ + error.line_offset, error.rest));
    }
    if (step == CsvScanner::Step::kNeedMore) {
      // At the end of the file Fill() fails and sets eof_: the last record is parsed
      // again without its final newline.
      if (!Fill() && begin_ == end_) return false;
      continue;
    }
    record->line = line_;
    line_ += newlines;
    consumed_ += next - begin_;
    begin_ = next;
    if (step == CsvScanner::Step::kRecord) return true;
  }
}

}  // namespace strata::data
