#pragma once
// Tokens of a Jinja template (internal to genai/; see jinja.h).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "genai/jinja.h"

namespace strata::genai::jinja {

enum class Tok {
  kText,
  kVarBegin,
  kVarEnd,
  kBlockBegin,
  kBlockEnd,
  kName,
  kString,
  kInt,
  kFloat,
  kOp,
  kEof
};

struct Token {
  Tok type;
  std::string text;  // kText: the bytes to output (whitespace control applied); kName,
                     // kOp: the name or operator; kString: the decoded value
  int64_t i = 0;     // kInt
  double f = 0;      // kFloat
  int line = 0;
  int column = 0;
};

// The whole template as tokens ending in kEof; comments are dropped. Errors:
// "line L, column C: ..." (unclosed tags, bad literals, unexpected characters).
Result<std::vector<Token>> Tokenize(std::string_view source, const JinjaSyntax& syntax);

}  // namespace strata::genai::jinja
