#pragma once
// Constrained decoding, part 1: context-free grammars in GBNF, the BNF dialect of
// llama.cpp that users already write for JSON mode, tool calls and custom formats.
// grammar_matcher.h runs a Grammar against the tokens a model proposes.
//
// Hand-written: no Debian 12 package parses GBNF or constrains an LLM's sampling, and
// the matcher needs direct access to the compiled rules to filter whole vocabularies fast.
//
// Notation (every grammar llama.cpp accepts parses here to the same language):
//   root   ::= "{" ws pair ("," ws pair)* "}"     # a comment runs to the end of the line
//   pair   ::= name ws ":" ws [0-9]+
//   name   ::= [a-zA-Z_] [a-zA-Z0-9_]{0,31}
//   ws     ::= [ \t\n]*
// - rule names: letters, digits, '-' and '_'; `name ::=` starts a rule (newlines are
//   otherwise plain whitespace, so an alternative may continue on the next line);
// - "literals" and [classes] with escapes \n \r \t \\ \" \' \[ \] \- \^ \/ \xHH \uHHHH
//   \UHHHHHHHH; classes have ranges a-z and negation [^...]; `.` is any character;
// - grouping ( ), alternation |, repetition * + ? {m} {m,} {m,n} (bound to the atom
//   before it: a literal, class, rule reference or group).
// Everything matches Unicode code points (the grammar text is UTF-8).
//
// Parse errors are InvalidArgument "grammar: line L, column C: ..." (columns count code
// points from 1). Also rejected: references to undefined rules, a missing root rule,
// left recursion (`expr ::= expr "+" term` loops without consuming input; rewrite it as
// `expr ::= term ("+" term)*`), repetition bounds above kMaxRepetition and grammars that
// expand to more than kMaxElements elements.
//
// A Grammar is immutable after Parse and may be shared by matchers on many threads.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/core.h"

namespace strata::genai {

class Grammar {
 public:
  static constexpr int kMaxRepetition = 10000;  // m and n of {m,n}
  static constexpr size_t kMaxElements = 2'000'000;

  static Result<std::shared_ptr<const Grammar>> Parse(std::string_view text,
                                                      std::string_view root_rule = "root");

  // The compiled form, read by GrammarMatcher. Every rule is a list of alternatives;
  // an alternative is a run of elements in elements() that ends with a kEnd element.
  // Repetitions, groups and literals are compiled to plain rules and character sets.
  enum class ElementKind : uint8_t { kChars, kRule, kEnd };
  struct Element {
    ElementKind kind;
    uint32_t index;  // kChars: into classes(); kRule: the rule; kEnd: the rule it ends
  };
  struct CharClass {
    bool negated = false;
    std::vector<std::pair<uint32_t, uint32_t>> ranges;  // inclusive, sorted, disjoint
    bool Matches(uint32_t c) const;
    // Whether some code point in [lo, hi] matches.
    bool MatchesSomeIn(uint32_t lo, uint32_t hi) const;
  };

  const std::vector<Element>& elements() const { return elements_; }
  const CharClass& char_class(uint32_t index) const { return classes_[index]; }
  std::span<const uint32_t> alternatives(uint32_t rule) const { return rules_[rule].alternatives; }
  std::string_view rule_name(uint32_t rule) const { return rules_[rule].name; }
  size_t n_rules() const { return rules_.size(); }
  uint32_t root() const { return root_; }

 private:
  friend class GrammarCompiler;
  struct Rule {
    std::string name;                    // generated rules: "<origin>-<n>"
    std::vector<uint32_t> alternatives;  // start positions in elements_
    size_t source_offset = 0;            // where it is defined (or generated from)
  };
  std::vector<Element> elements_;
  std::vector<CharClass> classes_;
  std::vector<Rule> rules_;
  uint32_t root_ = 0;
};

}  // namespace strata::genai
