#pragma once
// The CSV record tokenizer: the one definition of RFC 4180 as Strata reads it, shared by
// the streaming CsvReader and the parallel chunk parser of the importer, so both split
// records, unquote fields and word errors the same way.
//
// Rules: fields are separated by `sep`; a field starting with '"' is quoted and ends at
// the next lone '"' ("" inside is a literal quote; separators and newlines inside are
// data); records end at '\n', a '\r' before it is dropped; every empty field is null,
// quoted or not, and so is an unquoted field equal to a null token ("NA" in quotes is
// text); a record of one empty unquoted field is a blank line, not a record.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "data/reader.h"

namespace strata::data {

class CsvScanner {
 public:
  CsvScanner(char sep, std::vector<std::string> null_tokens);

  enum class Step {
    kRecord,    // *record holds the next record
    kBlank,     // a blank line: no record, but *next and *newlines advance
    kNeedMore,  // the record reaches `end` and the input goes on (eof false)
    kError,     // *error holds what is wrong
  };
  // An error in words after "FILE: line N", e.g. ", column 2: unterminated quoted field",
  // with N = the record's first line + line_offset.
  struct Error {
    int64_t line_offset = 0;
    std::string rest;
  };

  // Parses the record starting at b[pos] within b[0, end). `eof`: `end` is the end of
  // the input. On kRecord and kBlank, *next is the position after the record and
  // *newlines the line breaks it spans (its own included). Views in *record point into
  // `b` or into this scanner, valid until the next call. record->line is not set.
  // Not thread-safe: one scanner per thread.
  Step Parse(const char* b, size_t pos, size_t end, bool eof, Record* record, size_t* next,
             int64_t* newlines, Error* error);

  char separator() const { return sep_; }

 private:
  bool IsNullToken(std::string_view s) const;

  char sep_;
  std::vector<std::string> null_tokens_;
  bool null_first_[256] = {};  // first bytes of the null tokens
  std::string scratch_;        // quoted fields with doubled quotes, unescaped
  struct ScratchField {
    size_t field, offset, size;
  };
  std::vector<ScratchField> in_scratch_;
};

// True when b[0, n) is all ASCII (and so valid UTF-8, whatever way it is cut).
bool IsAscii(const char* b, size_t n);

}  // namespace strata::data
