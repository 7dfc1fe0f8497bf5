// GBNF parsing and compilation to the rule/element form of grammar.h.
//
// Hand-written (no Debian 12 package parses GBNF; see grammar.h). The parser builds a
// small expression tree per rule, then the compiler flattens it: literals become runs
// of one-character classes, groups with several alternatives and repetitions become
// generated rules (x* -> R ::= x R | "", x{0,n} -> nested optionals), so the matcher
// only ever sees character sets, rule references and rule ends.
#include "genai/grammar.h"

#include <algorithm>
#include <map>
#include <unordered_map>

#include <fmt/format.h>

#include "genai/utf8.h"

namespace strata::genai {

bool Grammar::CharClass::Matches(uint32_t c) const {
  // Ranges are few (usually 1-4): a linear scan beats a binary search here.
  for (const auto& [lo, hi] : ranges) {
    if (c < lo) break;
    if (c <= hi) return !negated;
  }
  return negated;
}

bool Grammar::CharClass::MatchesSomeIn(uint32_t lo, uint32_t hi) const {
  if (!negated) {
    for (const auto& [a, b] : ranges) {
      if (a <= hi && lo <= b) return true;
    }
    return false;
  }
  // Negated: some point of [lo, hi] escapes the (disjoint, sorted) excluded ranges.
  for (const auto& [a, b] : ranges) {
    if (b < lo) continue;
    if (a > lo) return true;  // lo itself is not excluded
    if (b >= hi) return false;
    lo = b + 1;
  }
  return true;
}

namespace {

constexpr int kMaxNesting = 256;  // parentheses; bounds the parser's recursion

struct Expr {
  enum class Kind { kChars, kRef, kSeq, kAlt, kRepeat };
  Kind kind = Kind::kSeq;
  uint32_t index = 0;    // kChars: class; kRef: rule
  int min = 0, max = 0;  // kRepeat; max < 0: unbounded
  size_t offset = 0;
  std::vector<Expr> children;
};

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

class GrammarCompiler {
 public:
  explicit GrammarCompiler(std::string_view text) : text_(text), g_(std::make_shared<Grammar>()) {}

  Result<std::shared_ptr<const Grammar>> Run(std::string_view root_rule) {
    STRATA_RETURN_IF_ERROR(ParseRules());
    for (uint32_t r = 0; r < bodies_.size(); ++r) {
      if (!defined_[r]) {
        return Error(first_use_[r], fmt::format("rule '{}' is not defined", g_->rules_[r].name));
      }
    }
    auto root = names_.find(std::string(root_rule));
    if (root == names_.end() || !defined_[root->second]) {
      return InvalidArgumentError(
          fmt::format("grammar: there is no rule '{}' to start from", root_rule));
    }
    g_->root_ = root->second;
    const size_t n_user = bodies_.size();
    for (uint32_t r = 0; r < n_user; ++r) {
      std::vector<std::vector<Grammar::Element>> alts;
      for (const Expr& seq : bodies_[r].children) {
        alts.emplace_back();
        STRATA_RETURN_IF_ERROR(Emit(seq, r, &alts.back()));
      }
      STRATA_RETURN_IF_ERROR(SetAlternatives(r, std::move(alts)));
    }
    STRATA_RETURN_IF_ERROR(CheckLeftRecursion());
    return std::shared_ptr<const Grammar>(std::move(g_));
  }

 private:
  // ---- errors and positions

  Status Error(size_t offset, std::string_view message) const {
    size_t line = 1, column = 1;
    for (size_t i = 0; i < offset && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        column = 1;
      } else if ((static_cast<uint8_t>(text_[i]) & 0xC0) != 0x80) {
        ++column;
      }
    }
    return InvalidArgumentError(
        fmt::format("grammar: line {}, column {}: {}", line, column, message));
  }

  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }

  void SkipSpace() {
    while (!AtEnd()) {
      const char c = text_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++pos_;
      } else if (c == '#') {
        while (!AtEnd() && text_[pos_] != '\n') ++pos_;
      } else {
        break;
      }
    }
  }

  size_t NameEnd(size_t p) const {
    while (p < text_.size() && IsNameChar(text_[p])) ++p;
    return p;
  }

  // Whether `name ::=` starts at pos_ (ends the rule being parsed).
  bool AtRuleStart() const {
    size_t p = NameEnd(pos_);
    if (p == pos_) return false;
    while (p < text_.size() && (text_[p] == ' ' || text_[p] == '\t')) ++p;
    return text_.substr(p, 3) == "::=";
  }

  uint32_t RuleId(const std::string& name, size_t offset) {
    auto [it, inserted] = names_.emplace(name, static_cast<uint32_t>(bodies_.size()));
    if (inserted) {
      bodies_.emplace_back();
      defined_.push_back(false);
      first_use_.push_back(offset);
      g_->rules_.push_back({name, {}, offset});
    }
    return it->second;
  }

  // ---- parsing

  Status ParseRules() {
    SkipSpace();
    while (!AtEnd()) {
      const size_t start = pos_;
      const size_t end = NameEnd(pos_);
      if (end == pos_) return Error(pos_, fmt::format("expected a rule name, got '{}'", Peek()));
      const std::string name(text_.substr(pos_, end - pos_));
      pos_ = end;
      while (Peek() == ' ' || Peek() == '\t') ++pos_;
      if (text_.substr(pos_, 3) != "::=") {
        return Error(pos_, fmt::format("expected '::=' after the rule name '{}'", name));
      }
      pos_ += 3;
      const uint32_t id = RuleId(name, start);
      if (defined_[id]) return Error(start, fmt::format("rule '{}' is defined twice", name));
      STRATA_ASSIGN_OR_RETURN(bodies_[id], ParseAlternatives(0));
      defined_[id] = true;
      g_->rules_[id].source_offset = start;
      SkipSpace();
      if (Peek() == ')') return Error(pos_, "unmatched ')'");
    }
    return Status::Ok();
  }

  Result<Expr> ParseAlternatives(int depth) {
    Expr alt;
    alt.kind = Expr::Kind::kAlt;
    alt.offset = pos_;
    while (true) {
      STRATA_ASSIGN_OR_RETURN(Expr seq, ParseSequence(depth));
      alt.children.push_back(std::move(seq));
      SkipSpace();
      if (Peek() != '|') break;
      ++pos_;
    }
    return alt;
  }

  Result<Expr> ParseSequence(int depth) {
    Expr seq;
    seq.kind = Expr::Kind::kSeq;
    seq.offset = pos_;
    while (true) {
      SkipSpace();
      const char c = Peek();
      if (AtEnd() || c == '|' || c == ')' || (IsNameChar(c) && AtRuleStart())) break;
      STRATA_ASSIGN_OR_RETURN(Expr atom, ParseAtom(depth));
      while (true) {
        SkipSpace();
        const char op = Peek();
        const size_t at = pos_;
        int min = 0, max = -1;
        if (op == '*') {
          ++pos_;
        } else if (op == '+') {
          min = 1;
          ++pos_;
        } else if (op == '?') {
          max = 1;
          ++pos_;
        } else if (op == '{') {
          STRATA_RETURN_IF_ERROR(ParseBounds(&min, &max));
        } else {
          break;
        }
        Expr rep;
        rep.kind = Expr::Kind::kRepeat;
        rep.min = min;
        rep.max = max;
        rep.offset = at;
        rep.children.push_back(std::move(atom));
        atom = std::move(rep);
      }
      seq.children.push_back(std::move(atom));
    }
    return seq;
  }

  Result<int> ParseCount() {
    SkipSpace();
    const size_t start = pos_;
    int64_t n = 0;
    while (!AtEnd() && Peek() >= '0' && Peek() <= '9') {
      n = n * 10 + (Peek() - '0');
      if (n > Grammar::kMaxRepetition) {
        return Error(
            start, fmt::format("repetition count above the limit of {}", Grammar::kMaxRepetition));
      }
      ++pos_;
    }
    if (pos_ == start) return Error(pos_, "expected a number in '{m,n}'");
    return static_cast<int>(n);
  }

  Status ParseBounds(int* min, int* max) {
    const size_t start = pos_;
    ++pos_;  // '{'
    STRATA_ASSIGN_OR_RETURN(*min, ParseCount());
    SkipSpace();
    if (Peek() == '}') {
      *max = *min;
    } else if (Peek() == ',') {
      ++pos_;
      SkipSpace();
      if (Peek() == '}') {
        *max = -1;
      } else {
        STRATA_ASSIGN_OR_RETURN(*max, ParseCount());
        SkipSpace();
      }
    }
    if (Peek() != '}') return Error(pos_, "expected '}' to close '{m,n}'");
    ++pos_;
    if (*max >= 0 && *max < *min)
      return Error(start, fmt::format("{{{},{}}}: the maximum is below the minimum", *min, *max));
    return Status::Ok();
  }

  // One character of a literal or class at pos_ (escapes decoded); advances pos_.
  Result<uint32_t> ParseChar() {
    const size_t start = pos_;
    if (Peek() != '\\') {
      uint32_t cp = 0;
      if (!internal::DecodeUtf8(text_, &pos_, &cp)) return Error(start, "invalid UTF-8");
      return cp;
    }
    ++pos_;
    if (AtEnd()) return Error(start, "unfinished escape");
    const char e = text_[pos_++];
    switch (e) {
      case 'n':
        return uint32_t{'\n'};
      case 'r':
        return uint32_t{'\r'};
      case 't':
        return uint32_t{'\t'};
      case '0':
        return uint32_t{0};
      case '\\':
      case '"':
      case '\'':
      case '[':
      case ']':
      case '-':
      case '^':
      case '/':
        return static_cast<uint32_t>(e);
      case 'x':
      case 'u':
      case 'U': {
        const int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        uint32_t v = 0;
        for (int i = 0; i < digits; ++i) {
          const int h = HexValue(Peek());
          if (h < 0) return Error(start, fmt::format("'\\{}' needs {} hex digits", e, digits));
          v = v << 4 | static_cast<uint32_t>(h);
          ++pos_;
        }
        if (v > 0x10FFFF) return Error(start, "code point above U+10FFFF");
        return v;
      }
      default:
        return Error(start, fmt::format("unknown escape '\\{}'", e));
    }
  }

  uint32_t AddClass(Grammar::CharClass c) {
    std::sort(c.ranges.begin(), c.ranges.end());
    std::vector<std::pair<uint32_t, uint32_t>> merged;
    for (const auto& r : c.ranges) {
      if (!merged.empty() && r.first <= merged.back().second + 1) {
        merged.back().second = std::max(merged.back().second, r.second);
      } else {
        merged.push_back(r);
      }
    }
    c.ranges = std::move(merged);
    auto key = std::make_pair(c.negated, c.ranges);
    auto [it, inserted] =
        class_ids_.emplace(std::move(key), static_cast<uint32_t>(g_->classes_.size()));
    if (inserted) g_->classes_.push_back(std::move(c));
    return it->second;
  }

  Expr CharsExpr(uint32_t cls, size_t offset) {
    Expr e;
    e.kind = Expr::Kind::kChars;
    e.index = cls;
    e.offset = offset;
    return e;
  }

  Result<Expr> ParseAtom(int depth) {
    const size_t start = pos_;
    const char c = Peek();
    if (c == '"') {
      ++pos_;
      Expr seq;
      seq.kind = Expr::Kind::kSeq;
      seq.offset = start;
      while (Peek() != '"') {
        if (AtEnd()) return Error(start, "unterminated string literal");
        const size_t at = pos_;
        STRATA_ASSIGN_OR_RETURN(uint32_t cp, ParseChar());
        seq.children.push_back(CharsExpr(AddClass({false, {{cp, cp}}}), at));
      }
      ++pos_;
      return seq;
    }
    if (c == '[') {
      ++pos_;
      Grammar::CharClass cls;
      if (Peek() == '^') {
        cls.negated = true;
        ++pos_;
      }
      while (Peek() != ']') {
        if (AtEnd()) return Error(start, "unterminated character class");
        STRATA_ASSIGN_OR_RETURN(uint32_t lo, ParseChar());
        uint32_t hi = lo;
        if (Peek() == '-' && pos_ + 1 < text_.size() && text_[pos_ + 1] != ']') {
          const size_t dash = pos_++;
          STRATA_ASSIGN_OR_RETURN(hi, ParseChar());
          if (hi < lo) return Error(dash, "character range is out of order");
        }
        cls.ranges.emplace_back(lo, hi);
      }
      ++pos_;
      if (cls.ranges.empty() && !cls.negated) return Error(start, "empty character class");
      return CharsExpr(AddClass(std::move(cls)), start);
    }
    if (c == '.') {
      ++pos_;
      return CharsExpr(AddClass({true, {}}), start);
    }
    if (c == '(') {
      if (depth >= kMaxNesting) return Error(start, "parentheses nested too deeply");
      ++pos_;
      STRATA_ASSIGN_OR_RETURN(Expr alt, ParseAlternatives(depth + 1));
      SkipSpace();
      if (Peek() != ')') return Error(AtEnd() ? start : pos_, "expected ')'");
      ++pos_;
      return alt;
    }
    if (IsNameChar(c)) {
      const size_t end = NameEnd(pos_);
      Expr ref;
      ref.kind = Expr::Kind::kRef;
      ref.offset = start;
      ref.index = RuleId(std::string(text_.substr(pos_, end - pos_)), start);
      pos_ = end;
      return ref;
    }
    return Error(start, fmt::format("unexpected character '{}'", c));
  }

  // ---- compilation

  uint32_t NewRule(uint32_t origin, size_t offset) {
    const auto id = static_cast<uint32_t>(g_->rules_.size());
    g_->rules_.push_back({fmt::format("{}-{}", g_->rules_[origin].name, ++generated_), {}, offset});
    return id;
  }

  Status SetAlternatives(uint32_t rule, std::vector<std::vector<Grammar::Element>> alts) {
    for (auto& alt : alts) {
      g_->rules_[rule].alternatives.push_back(static_cast<uint32_t>(g_->elements_.size()));
      g_->elements_.insert(g_->elements_.end(), alt.begin(), alt.end());
      g_->elements_.push_back({Grammar::ElementKind::kEnd, rule});
    }
    if (g_->elements_.size() > Grammar::kMaxElements) {
      return Error(
          g_->rules_[rule].source_offset,
          fmt::format("the grammar expands to more than {} elements", Grammar::kMaxElements));
    }
    return Status::Ok();
  }

  Status Emit(const Expr& e, uint32_t origin, std::vector<Grammar::Element>* out) {
    using K = Grammar::ElementKind;
    switch (e.kind) {
      case Expr::Kind::kChars:
        out->push_back({K::kChars, e.index});
        break;
      case Expr::Kind::kRef:
        out->push_back({K::kRule, e.index});
        break;
      case Expr::Kind::kSeq:
        for (const Expr& c : e.children) STRATA_RETURN_IF_ERROR(Emit(c, origin, out));
        break;
      case Expr::Kind::kAlt: {
        if (e.children.size() == 1) return Emit(e.children[0], origin, out);
        std::vector<std::vector<Grammar::Element>> alts;
        for (const Expr& c : e.children) {
          alts.emplace_back();
          STRATA_RETURN_IF_ERROR(Emit(c, origin, &alts.back()));
        }
        const uint32_t id = NewRule(origin, e.offset);
        STRATA_RETURN_IF_ERROR(SetAlternatives(id, std::move(alts)));
        out->push_back({K::kRule, id});
        break;
      }
      case Expr::Kind::kRepeat: {
        std::vector<Grammar::Element> body;
        STRATA_RETURN_IF_ERROR(Emit(e.children[0], origin, &body));
        if (body.empty()) break;  // repeating nothing matches nothing more
        Grammar::Element unit = body[0];
        if (body.size() > 1) {
          unit = {K::kRule, NewRule(origin, e.offset)};
          STRATA_RETURN_IF_ERROR(SetAlternatives(unit.index, {std::move(body)}));
        }
        if (out->size() + static_cast<size_t>(e.min) > Grammar::kMaxElements) {
          return Error(e.offset, "repetition expands to too many elements");
        }
        out->insert(out->end(), static_cast<size_t>(e.min), unit);
        if (e.max < 0) {  // R ::= unit R | ""
          const uint32_t r = NewRule(origin, e.offset);
          STRATA_RETURN_IF_ERROR(SetAlternatives(r, {{unit, {K::kRule, r}}, {}}));
          out->push_back({K::kRule, r});
        } else if (e.max > e.min) {  // O_k ::= unit O_{k-1} | "", innermost first
          int64_t prev = -1;
          for (int k = 0; k < e.max - e.min; ++k) {
            const uint32_t r = NewRule(origin, e.offset);
            std::vector<Grammar::Element> first{unit};
            if (prev >= 0) first.push_back({K::kRule, static_cast<uint32_t>(prev)});
            STRATA_RETURN_IF_ERROR(SetAlternatives(r, {std::move(first), {}}));
            prev = r;
          }
          out->push_back({K::kRule, static_cast<uint32_t>(prev)});
        }
        break;
      }
    }
    return Status::Ok();
  }

  // A rule that can reach itself through rule references without consuming a
  // character would make the matcher's expansion loop forever: reject it.
  Status CheckLeftRecursion() const {
    using K = Grammar::ElementKind;
    const auto& els = g_->elements_;
    const size_t n = g_->rules_.size();
    std::vector<bool> nullable(n, false);
    for (bool changed = true; changed;) {
      changed = false;
      for (size_t r = 0; r < n; ++r) {
        if (nullable[r]) continue;
        for (uint32_t p : g_->rules_[r].alternatives) {
          while (els[p].kind == K::kRule && nullable[els[p].index]) ++p;
          if (els[p].kind == K::kEnd) {
            nullable[r] = changed = true;
            break;
          }
        }
      }
    }
    std::vector<std::vector<uint32_t>> left(n);  // rules reachable before any character
    for (size_t r = 0; r < n; ++r) {
      for (uint32_t p : g_->rules_[r].alternatives) {
        for (; els[p].kind == K::kRule; ++p) {
          left[r].push_back(els[p].index);
          if (!nullable[els[p].index]) break;
        }
      }
    }
    // Iterative depth-first search; a back edge is a cycle.
    std::vector<uint8_t> color(n, 0);  // 0 new, 1 on the path, 2 done
    std::vector<std::pair<uint32_t, size_t>> path;
    for (uint32_t start = 0; start < n; ++start) {
      if (color[start] != 0) continue;
      path.push_back({start, 0});
      color[start] = 1;
      while (!path.empty()) {
        auto& [r, next] = path.back();
        if (next == left[r].size()) {
          color[r] = 2;
          path.pop_back();
          continue;
        }
        const uint32_t to = left[r][next++];
        if (color[to] == 1) {
          std::string cycle;
          bool on = false;
          for (const auto& [q, unused] : path) {
            on = on || q == to;
            if (on) cycle += std::string(g_->rules_[q].name) + " -> ";
          }
          cycle += g_->rules_[to].name;
          return Error(g_->rules_[to].source_offset,
                       fmt::format("rule '{}' is left-recursive ({}): it can reach itself without "
                                   "matching a character (rewrite `a ::= a x | y` as `a ::= y x*`, "
                                   "and do not repeat what can match the empty string)",
                                   g_->rules_[to].name, cycle));
        }
        if (color[to] == 0) {
          color[to] = 1;
          path.push_back({to, 0});
        }
      }
    }
    return Status::Ok();
  }

  std::string_view text_;
  size_t pos_ = 0;
  std::shared_ptr<Grammar> g_;
  std::unordered_map<std::string, uint32_t> names_;
  std::vector<Expr> bodies_;  // per user rule (ids below bodies_.size())
  std::vector<bool> defined_;
  std::vector<size_t> first_use_;
  std::map<std::pair<bool, std::vector<std::pair<uint32_t, uint32_t>>>, uint32_t> class_ids_;
  int generated_ = 0;
};

Result<std::shared_ptr<const Grammar>> Grammar::Parse(std::string_view text,
                                                      std::string_view root_rule) {
  return GrammarCompiler(text).Run(root_rule);
}

}  // namespace strata::genai
