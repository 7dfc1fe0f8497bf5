#include "data/csv_scan.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace strata::data {
namespace {

// The end of an unquoted field: the first separator or '\n' at or after pos, or end.
// Sixteen bytes per step: fields average about ten bytes, and the byte loop this
// replaces was the importer's hottest code.
size_t FindStop(const char* b, size_t pos, size_t end, char sep) {
#ifdef __SSE2__
  const __m128i vsep = _mm_set1_epi8(sep), vnl = _mm_set1_epi8('\n');
  while (pos + 16 <= end) {
    __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + pos));
    unsigned m = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x, vsep), _mm_cmpeq_epi8(x, vnl))));
    if (m != 0) return pos + static_cast<size_t>(__builtin_ctz(m));
    pos += 16;
  }
#endif
  while (pos < end && b[pos] != sep && b[pos] != '\n') ++pos;
  return pos;
}

}  // namespace

bool IsAscii(const char* b, size_t n) {
  size_t i = 0;
  uint64_t any = 0;
  for (; i + 32 <= n; i += 32) {
    uint64_t w[4];
    std::memcpy(w, b + i, 32);
    any |= w[0] | w[1] | w[2] | w[3];
  }
  for (; i < n; ++i) any |= static_cast<unsigned char>(b[i]);
  return (any & 0x8080808080808080ull) == 0;
}

CsvScanner::CsvScanner(char sep, std::vector<std::string> null_tokens)
    : sep_(sep), null_tokens_(std::move(null_tokens)) {
  for (const auto& t : null_tokens_) {
    if (!t.empty()) null_first_[static_cast<unsigned char>(t[0])] = true;
  }
}

bool CsvScanner::IsNullToken(std::string_view s) const {
  for (const auto& t : null_tokens_) {
    if (s == t) return true;
  }
  return false;
}

CsvScanner::Step CsvScanner::Parse(const char* b, size_t pos, size_t end, bool eof, Record* record,
                                   size_t* next, int64_t* newlines_out, Error* error) {
  if (pos >= end) return Step::kNeedMore;
  int64_t newlines = 0;
  bool first_quoted = false;
  record->fields.clear();
  record->null.clear();
  scratch_.clear();
  in_scratch_.clear();
  for (;;) {
    const size_t field_start = pos;
    if (pos < end && b[pos] == '"') {
      // Quoted: up to the closing quote, "" being a literal quote. Without doubled
      // quotes the value is a view of the input; with them it is unescaped into scratch_.
      if (record->fields.empty()) first_quoted = true;
      ++pos;
      const size_t content = pos;
      bool escaped = false;
      size_t scratch_at = scratch_.size();
      for (;;) {
        const void* q = std::memchr(b + pos, '"', end - pos);
        if (q == nullptr) {
          if (!eof) return Step::kNeedMore;
          error->line_offset = 0;
          error->rest =
              fmt::format(", column {}: unterminated quoted field", record->fields.size() + 1);
          return Step::kError;
        }
        size_t qpos = static_cast<const char*>(q) - b;
        newlines += std::count(b + pos, b + qpos, '\n');
        if (qpos + 1 >= end && !eof) return Step::kNeedMore;
        if (qpos + 1 < end && b[qpos + 1] == '"') {
          if (!escaped) {
            escaped = true;
            scratch_.append(b + content, qpos - content);
          } else {
            scratch_.append(b + pos, qpos - pos);
          }
          scratch_.push_back('"');
          pos = qpos + 2;
          continue;
        }
        if (escaped) {
          scratch_.append(b + pos, qpos - pos);
          in_scratch_.push_back({record->fields.size(), scratch_at, scratch_.size() - scratch_at});
          record->fields.emplace_back();  // set below: scratch_ may still move
          record->null.push_back(0);      // it holds a quote: never empty
        } else {
          std::string_view v(b + content, qpos - content);
          record->fields.push_back(v);
          record->null.push_back(v.empty());
        }
        pos = qpos + 1;
        break;
      }
      if (pos < end && b[pos] == '\r' && pos + 1 < end && b[pos + 1] == '\n') ++pos;
      if (pos < end && b[pos] != sep_ && b[pos] != '\n' && b[pos] != '\r') {
        error->line_offset = newlines;
        error->rest = fmt::format(", column {}: unexpected '{}' after a closing quote",
                                  record->fields.size(), b[pos]);
        return Step::kError;
      }
      if (pos >= end && !eof) return Step::kNeedMore;
    } else {
      // Unquoted: up to the separator or the end of the line; a quote inside is data.
      pos = FindStop(b, pos, end, sep_);
      if (pos >= end && !eof) return Step::kNeedMore;
      size_t stop = pos;
      if (stop > field_start && b[stop - 1] == '\r' && (stop == end || b[stop] == '\n')) --stop;
      std::string_view v(b + field_start, stop - field_start);
      record->fields.push_back(v);
      // The table lookup first: most fields start with no null token's first byte.
      record->null.push_back(v.empty() ||
                             (null_first_[static_cast<unsigned char>(v[0])] && IsNullToken(v)));
    }
    if (pos < end && b[pos] == sep_) {
      ++pos;
      if (pos >= end && !eof) return Step::kNeedMore;
      if (pos >= end) {  // a separator at the very end: one more empty field
        record->fields.emplace_back();
        record->null.push_back(1);
        break;
      }
      continue;
    }
    if (pos < end && b[pos] == '\r') ++pos;  // a lone CR after a quoted field
    if (pos < end && b[pos] == '\n') {
      ++pos;
      ++newlines;
    }
    break;
  }
  for (const auto& s : in_scratch_)
    record->fields[s.field] = std::string_view(scratch_).substr(s.offset, s.size);
  *next = pos;
  *newlines_out = newlines;
  if (record->fields.size() == 1 && record->fields[0].empty() && !first_quoted) return Step::kBlank;
  return Step::kRecord;
}

}  // namespace strata::data
