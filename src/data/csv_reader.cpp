#include "data/csv_reader.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace strata::data {
namespace {

constexpr size_t kBlock = 4 << 20;

}  // namespace

CsvReader::CsvReader(std::string display_name, char separator, bool header, std::vector<std::string> null_tokens)
    : name_(std::move(display_name)), sep_(separator), header_(header), null_tokens_(std::move(null_tokens)) {
  for (const auto& t : null_tokens_) {
    if (!t.empty()) null_first_[static_cast<unsigned char>(t[0])] = true;
  }
  stop_[static_cast<unsigned char>(sep_)] = true;
  stop_[static_cast<unsigned char>('\n')] = true;
}

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

bool CsvReader::IsNullToken(std::string_view s) const {
  // Most fields cannot be a null token: their first byte starts none of them.
  if (!null_first_[static_cast<unsigned char>(s[0])]) return false;
  for (const auto& t : null_tokens_) {
    if (s == t) return true;
  }
  return false;
}

Result<bool> CsvReader::Next(Record* record) {
  for (;;) {
    Status error;
    Parse p = ParseRecord(record, &error);
    if (p == Parse::kError) return error;
    if (p == Parse::kRecord) {
      // A blank line is no record.
      if (record->fields.size() == 1 && record->fields[0].empty() && !spans_[0].in_scratch) continue;
      return true;
    }
    if (!Fill()) {
      if (begin_ == end_) return false;
      // eof_ now set: parse the last record without its final newline.
    }
  }
}

CsvReader::Parse CsvReader::ParseRecord(Record* record, Status* error) {
  if (begin_ == end_ && eof_) return Parse::kNeedMore;
  const char* b = buf_.data();
  size_t pos = begin_;
  int64_t newlines = 0;
  spans_.clear();
  scratch_.clear();
  for (;;) {
    size_t field_start = pos;
    if (pos < end_ && b[pos] == '"') {
      // Quoted field: up to the closing quote, "" being a literal quote.
      ++pos;
      size_t out = scratch_.size();
      for (;;) {
        const void* q = std::memchr(b + pos, '"', end_ - pos);
        if (q == nullptr) {
          if (!eof_) return Parse::kNeedMore;
          *error = InvalidArgumentError(fmt::format("{}: line {}, column {}: unterminated quoted field", name_,
                                                    line_, spans_.size() + 1));
          return Parse::kError;
        }
        size_t qpos = static_cast<const char*>(q) - b;
        newlines += std::count(b + pos, b + qpos, '\n');
        scratch_.append(b + pos, qpos - pos);
        if (qpos + 1 >= end_ && !eof_) return Parse::kNeedMore;
        if (qpos + 1 < end_ && b[qpos + 1] == '"') {
          scratch_.push_back('"');
          pos = qpos + 2;
          continue;
        }
        pos = qpos + 1;
        break;
      }
      spans_.push_back({true, out, scratch_.size() - out});
      if (pos < end_ && b[pos] == '\r' && pos + 1 < end_ && b[pos + 1] == '\n') ++pos;
      if (pos < end_ && b[pos] != sep_ && b[pos] != '\n' && b[pos] != '\r') {
        *error = InvalidArgumentError(fmt::format("{}: line {}, column {}: unexpected '{}' after a closing quote",
                                                  name_, line_ + newlines, spans_.size(), b[pos]));
        return Parse::kError;
      }
      if (pos >= end_ && !eof_) return Parse::kNeedMore;
    } else {
      // Unquoted field: up to the separator or the end of the line.
      while (pos < end_ && !stop_[static_cast<unsigned char>(b[pos])]) ++pos;
      if (pos >= end_ && !eof_) return Parse::kNeedMore;
      size_t stop = pos;
      if (stop > field_start && b[stop - 1] == '\r' && (stop == end_ || b[stop] == '\n')) --stop;
      spans_.push_back({false, field_start, stop - field_start});
    }
    if (pos < end_ && b[pos] == sep_) {
      ++pos;
      if (pos >= end_ && !eof_) return Parse::kNeedMore;
      if (pos >= end_) {  // a separator at the very end: one more empty field
        spans_.push_back({false, pos, 0});
        break;
      }
      continue;
    }
    if (pos < end_ && b[pos] == '\r') ++pos;  // a lone CR after a quoted field
    if (pos < end_ && b[pos] == '\n') {
      ++pos;
      ++newlines;
    }
    break;
  }
  record->line = line_;
  line_ += newlines;
  consumed_ += pos - begin_;
  begin_ = pos;
  record->fields.resize(spans_.size());
  record->null.assign(spans_.size(), 0);
  for (size_t i = 0; i < spans_.size(); ++i) {
    const Span& s = spans_[i];
    std::string_view v = s.in_scratch ? std::string_view(scratch_).substr(s.offset, s.size)
                                      : std::string_view(b + s.offset, s.size);
    record->fields[i] = v;
    record->null[i] = v.empty() || (!s.in_scratch && IsNullToken(v));  // IsNullToken: v non-empty
  }
  return Parse::kRecord;
}

}  // namespace strata::data
