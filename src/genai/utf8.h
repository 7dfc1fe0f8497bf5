#pragma once
// UTF-8 helpers shared by the tokenizers and the streaming detokenizer (internal to
// genai/). Strict validation per the Unicode standard (no overlongs, surrogates or
// code points above U+10FFFF); invalid input is replaced by U+FFFD one "maximal
// subpart" at a time, as the standard recommends.
//
// Hand-written, because it is a few dozen lines over the encoding's definition and the
// tokenizers need byte-exact control over invalid input that library converters lack.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace strata::genai::internal {

inline constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD

enum class Utf8Check { kValid, kIncomplete, kInvalid };

// Examines the sequence starting at text[pos] (REQUIRES: pos < text.size()). kValid:
// *length is the sequence's byte count. kInvalid: *length is the maximal subpart to
// replace (>= 1). kIncomplete: a valid prefix that text ends inside of.
Utf8Check CheckUtf8(std::string_view text, size_t pos, size_t* length);

// Decodes the valid sequence at text[pos] and advances pos; false (and pos advanced by
// one byte) when the bytes there are not valid UTF-8.
bool DecodeUtf8(std::string_view text, size_t* pos, uint32_t* code_point);

void AppendUtf8(uint32_t code_point, std::string* out);

// Appends the valid UTF-8 of `bytes` to *out, invalid bytes as U+FFFD. With
// keep_incomplete_tail, an incomplete sequence at the very end is not consumed: the
// return value is the number of bytes consumed (the rest is to be completed later).
size_t AppendSanitizedUtf8(std::string_view bytes, bool keep_incomplete_tail, std::string* out);

}  // namespace strata::genai::internal
