#pragma once
// The regex pre-tokenizers of byte-level BPE vocabularies (internal to genai/).
//
// tokenizer.ggml.pre names a list of regexes. They are applied in sequence: the first
// splits the text into pieces, each later one splits every piece further. A regex's
// matches are pieces and so is the text between two matches, so no byte is lost. An
// unknown name uses the GPT-2 regex (with a warning).
//
// PCRE2 (UTF + UCP, JIT) implements them; its headers stay in the .cpp. Invalid UTF-8
// never matches a regex item, so each run of invalid bytes ends up in a piece of its own.

#include <memory>
#include <string_view>
#include <vector>

#include "core/core.h"

namespace strata::genai::internal {

class PreTokenizer {
 public:
  // InvalidArgument if a regex does not compile (a programmer error for built-in names).
  static Result<PreTokenizer> ForName(std::string_view pre);
  // The regexes `pre` uses, and whether the name was known.
  static std::vector<std::string_view> RegexesFor(std::string_view pre, bool* known);

  PreTokenizer(PreTokenizer&&) noexcept;
  PreTokenizer& operator=(PreTokenizer&&) noexcept;
  ~PreTokenizer();

  // Appends the pieces of `text` (views into it) in order. Thread-safe.
  void Split(std::string_view text, std::vector<std::string_view>* pieces) const;

 private:
  struct Regexes;
  explicit PreTokenizer(std::unique_ptr<Regexes> regexes);
  std::unique_ptr<Regexes> regexes_;
};

}  // namespace strata::genai::internal
