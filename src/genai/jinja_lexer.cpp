// The Jinja lexer: splits a template into text and the tokens inside its tags, applying
// whitespace control on the way (trim_blocks, lstrip_blocks, `-` and `+` markers) as
// jinja2/lexer.py does, so text tokens hold exactly the bytes to output.

#include "genai/jinja_lexer.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>

#include "genai/utf8.h"

namespace strata::genai::jinja {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
bool IsNameStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}
bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

class Lexer {
 public:
  Lexer(std::string source, const JinjaSyntax& syntax) : src_(std::move(source)), syntax_(syntax) {
    for (size_t i = 0; i < src_.size(); ++i) {
      if (src_[i] == '\n') line_starts_.push_back(i + 1);
    }
  }

  Result<std::vector<Token>> Run() {
    size_t pos = 0;
    bool line_starting = true;
    const size_t n = src_.size();
    while (pos < n) {
      size_t tag = src_.find('{', pos);
      while (tag != std::string::npos &&
             (tag + 1 >= n ||
              (src_[tag + 1] != '{' && src_[tag + 1] != '%' && src_[tag + 1] != '#'))) {
        tag = src_.find('{', tag + 1);
      }
      std::string text = src_.substr(pos, tag == std::string::npos ? std::string::npos : tag - pos);
      if (tag == std::string::npos) {
        Emit(Tok::kText, std::move(text), pos);
        break;
      }
      const char kind = src_[tag + 1];
      char sign = tag + 2 < n ? src_[tag + 2] : 0;
      if (sign != '-' && sign != '+') sign = 0;
      if (sign == '-') {
        size_t end = text.size();
        while (end > 0 && IsSpace(text[end - 1])) --end;
        text.resize(end);
      } else if (sign != '+' && syntax_.lstrip_blocks && kind != '{') {
        const size_t nl = text.rfind('\n');
        const size_t l_pos = nl == std::string::npos ? 0 : nl + 1;
        if ((l_pos > 0 || line_starting) && l_pos < text.size() &&
            std::all_of(text.begin() + l_pos, text.end(), IsSpace)) {
          text.resize(l_pos);
        }
      }
      Emit(Tok::kText, std::move(text), pos);
      pos = tag + 2 + (sign ? 1 : 0);
      if (kind == '#') {
        const size_t end = src_.find("#}", pos);
        if (end == std::string::npos) return Error(tag, "unclosed comment");
        const char end_sign = end > pos ? src_[end - 1] : 0;
        pos = end + 2;
        pos = AfterTagEnd(pos, end_sign, /*block=*/true);
      } else {
        STRATA_ASSIGN_OR_RETURN(pos, LexTag(tag, pos, kind == '{'));
      }
      line_starting = pos > 0 && src_[pos - 1] == '\n';
    }
    tokens_.push_back(
        Token{Tok::kEof, "", 0, 0, Position(src_.size()).first, Position(src_.size()).second});
    return std::move(tokens_);
  }

 private:
  // Skips what follows a tag's end: all whitespace after `-`, else the first newline
  // after a block or comment tag with trim_blocks (unless `+`).
  size_t AfterTagEnd(size_t pos, char end_sign, bool block) const {
    if (end_sign == '-') {
      while (pos < src_.size() && IsSpace(src_[pos])) ++pos;
    } else if (block && end_sign != '+' && syntax_.trim_blocks && pos < src_.size() &&
               src_[pos] == '\n') {
      ++pos;
    }
    return pos;
  }

  // Lexes the inside of {{ }} or {% %} starting at pos; returns the position after the
  // tag (and the whitespace it removes).
  Result<size_t> LexTag(size_t tag, size_t pos, bool variable) {
    Emit(variable ? Tok::kVarBegin : Tok::kBlockBegin, "", tag);
    const size_t n = src_.size();
    int depth = 0;  // open brackets: "}}" inside {'a': {'b': 1}} does not end the tag
    while (true) {
      while (pos < n && IsSpace(src_[pos])) ++pos;
      if (pos >= n) return Error(tag, variable ? "unclosed '{{'" : "unclosed '{%'");
      const char c = src_[pos];
      if (depth == 0) {
        const std::string_view end = variable ? "}}" : "%}";
        const std::string_view rest(src_.data() + pos, n - pos);
        char end_sign = 0;
        size_t end_len = 0;
        if (rest.substr(0, 2) == end) {
          end_len = 2;
        } else if ((c == '-' || (c == '+' && !variable)) && rest.substr(1, 2) == end) {
          end_sign = c;
          end_len = 3;
        }
        if (end_len > 0) {
          Emit(variable ? Tok::kVarEnd : Tok::kBlockEnd, "", pos);
          return AfterTagEnd(pos + end_len, end_sign, !variable);
        }
      }
      if (IsNameStart(c)) {
        size_t end = pos;
        while (end < n && IsNameChar(src_[end])) ++end;
        Emit(Tok::kName, src_.substr(pos, end - pos), pos);
        pos = end;
      } else if (IsDigit(c)) {
        STRATA_ASSIGN_OR_RETURN(pos, LexNumber(pos));
      } else if (c == '\'' || c == '"') {
        STRATA_ASSIGN_OR_RETURN(pos, LexString(pos));
      } else {
        static constexpr std::string_view kOps[] = {
            "//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<",
            ">",  "=",  ".",  ",",  ":",  "|",  "(", ")", "[", "]", "{", "}"};
        std::string_view op;
        for (std::string_view candidate : kOps) {
          if (src_.compare(pos, candidate.size(), candidate) == 0) {
            op = candidate;
            break;
          }
        }
        if (op.empty()) return Error(pos, "unexpected character '" + std::string(1, c) + "'");
        if (op == "(" || op == "[" || op == "{") ++depth;
        if (op == ")" || op == "]" || op == "}") depth = std::max(0, depth - 1);
        Emit(Tok::kOp, std::string(op), pos);
        pos += op.size();
      }
    }
  }

  Result<size_t> LexNumber(size_t pos) {
    const size_t n = src_.size();
    size_t end = pos;
    auto digits = [&] {
      while (end < n &&
             (IsDigit(src_[end]) || (src_[end] == '_' && end + 1 < n && IsDigit(src_[end + 1])))) {
        ++end;
      }
    };
    digits();
    bool is_float = false;
    if (end + 1 < n && src_[end] == '.' && IsDigit(src_[end + 1])) {
      is_float = true;
      ++end;
      digits();
    }
    if (end < n && (src_[end] == 'e' || src_[end] == 'E')) {
      size_t e = end + 1;
      if (e < n && (src_[e] == '+' || src_[e] == '-')) ++e;
      if (e < n && IsDigit(src_[e])) {
        is_float = true;
        end = e;
        digits();
      }
    }
    std::string text;
    for (size_t i = pos; i < end; ++i) {
      if (src_[i] != '_') text += src_[i];
    }
    Token token{is_float ? Tok::kFloat : Tok::kInt, text, 0, 0, 0, 0};
    if (is_float) {
      token.f = std::strtod(text.c_str(), nullptr);
    } else {
      auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), token.i);
      if (ec != std::errc()) return Error(pos, "integer literal out of range: " + text);
    }
    std::tie(token.line, token.column) = Position(pos);
    tokens_.push_back(std::move(token));
    return end;
  }

  // Python string literal escapes (Jinja decodes with "unicode-escape").
  Result<size_t> LexString(size_t pos) {
    const char quote = src_[pos];
    std::string value;
    size_t i = pos + 1;
    const size_t n = src_.size();
    auto hex = [&](size_t at, int count, uint32_t* out) {
      if (at + count > n) return false;
      uint32_t v = 0;
      for (int k = 0; k < count; ++k) {
        const char h = src_[at + k];
        if (!std::isxdigit(static_cast<unsigned char>(h))) return false;
        v = v * 16 + static_cast<uint32_t>(IsDigit(h) ? h - '0' : (std::tolower(h) - 'a' + 10));
      }
      *out = v;
      return true;
    };
    while (true) {
      if (i >= n) return Error(pos, "unterminated string literal");
      const char c = src_[i];
      if (c == quote) break;
      if (c != '\\') {
        value += c;
        ++i;
        continue;
      }
      if (i + 1 >= n) return Error(pos, "unterminated string literal");
      const char e = src_[i + 1];
      i += 2;
      uint32_t cp = 0;
      switch (e) {
        case 'n':
          value += '\n';
          break;
        case 't':
          value += '\t';
          break;
        case 'r':
          value += '\r';
          break;
        case '\\':
          value += '\\';
          break;
        case '\'':
          value += '\'';
          break;
        case '"':
          value += '"';
          break;
        case 'a':
          value += '\a';
          break;
        case 'b':
          value += '\b';
          break;
        case 'f':
          value += '\f';
          break;
        case 'v':
          value += '\v';
          break;
        case '0':
          value += '\0';
          break;
        case '\n':
          break;  // line continuation
        case 'x':
        case 'u':
        case 'U': {
          const int count = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          if (!hex(i, count, &cp) || cp > 0x10FFFF)
            return Error(i - 2, "invalid \\" + std::string(1, e) + " escape");
          internal::AppendUtf8(cp, &value);
          i += count;
          break;
        }
        default:  // Python keeps unknown escapes as they are
          value += '\\';
          value += e;
      }
    }
    Emit(Tok::kString, std::move(value), pos);
    return i + 1;
  }

  void Emit(Tok type, std::string text, size_t offset) {
    if (type == Tok::kText && text.empty()) return;
    Token token{type, std::move(text), 0, 0, 0, 0};
    std::tie(token.line, token.column) = Position(offset);
    tokens_.push_back(std::move(token));
  }

  std::pair<int, int> Position(size_t offset) const {
    const auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
    const size_t line_start = *(it - 1);
    return {static_cast<int>(it - line_starts_.begin()), static_cast<int>(offset - line_start + 1)};
  }

  Status Error(size_t offset, const std::string& message) const {
    const auto [line, column] = Position(offset);
    return InvalidArgumentError("line " + std::to_string(line) + ", column " +
                                std::to_string(column) + ": " + message);
  }

  std::string src_;
  JinjaSyntax syntax_;
  std::vector<size_t> line_starts_{0};
  std::vector<Token> tokens_;
};

}  // namespace

Result<std::vector<Token>> Tokenize(std::string_view source, const JinjaSyntax& syntax) {
  // Jinja normalizes newlines to "\n" and, unless keep_trailing_newline, drops one
  // newline at the very end of the template.
  std::string normalized;
  normalized.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      normalized += '\n';
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      normalized += source[i];
    }
  }
  if (!syntax.keep_trailing_newline && !normalized.empty() && normalized.back() == '\n') {
    normalized.pop_back();
  }
  return Lexer(std::move(normalized), syntax).Run();
}

}  // namespace strata::genai::jinja
