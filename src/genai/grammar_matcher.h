#pragma once
// Constrained decoding, part 2: running a Grammar (grammar.h) against generated text,
// and the per-step question "which tokens of the vocabulary may come next?".
//
// Hand-written: no Debian 12 package does this (see grammar.h).
//
// The matcher keeps the set of possible parse positions as a set of stacks, as
// llama.cpp does: each stack is a character set to match next plus the rule positions
// to return to. Stacks are hash-consed into an arena (shared tails, equal stacks get
// equal ids) and whole stack sets are interned, so "advance set S by code point c" is
// memoized in one hash table. Right recursion (x* compiles to R ::= x R | "") is a
// tail call and does not grow the stacks.
//
// Token filtering walks a byte trie of all token pieces (GrammarVocabulary) depth
// first together with the matcher state, pruning a whole subtree as soon as its
// prefix is rejected; with the memo, most trie nodes cost one hash lookup. The
// resulting mask is also cached per state (inside a JSON string the state after
// every plain character is the same). Text is matched as UTF-8: a token may end in the
// middle of a character (byte-fallback and byte-level BPE tokens do); it is allowed
// when some character the grammar accepts there starts with those bytes, and the next
// token must complete the character. Invalid UTF-8 is never accepted.
//
// End-of-generation tokens (Tokenizer::IsEndOfGeneration) are allowed exactly when the
// grammar can end here. Control tokens and tokens with empty pieces are never allowed.
//
// Limits: a state with more than kMaxStacks stacks (a very ambiguous grammar) or an
// arena above kMaxNodes makes AllowedTokens/Accept* fail with InvalidArgument.
//
// A GrammarVocabulary is immutable and may be shared across threads; a GrammarMatcher
// serves one generation on one thread.

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "genai/grammar.h"
#include "genai/tokenizer.h"

namespace strata::genai {

namespace internal {
class GrammarState;
}

// The token pieces of a vocabulary in a byte trie, laid out in depth-first order so
// that a subtree is a contiguous range (skipping it is one jump). Build once per
// tokenizer; it costs about as much as tokenizing a few megabytes.
class GrammarVocabulary {
 public:
  explicit GrammarVocabulary(const Tokenizer& tokenizer);

  struct Node {
    uint32_t end;        // one past the last node of this subtree
    uint32_t tok_begin;  // tokens whose piece ends at this node: tokens()[begin, end)
    uint32_t tok_end;
    uint16_t depth;  // bytes from the root (the root is node 0, depth 0)
    uint8_t byte;
  };
  int32_t n_vocab() const { return n_vocab_; }
  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<TokenId>& tokens() const { return tokens_; }
  const std::vector<TokenId>& end_of_generation() const { return eog_; }
  bool IsEndOfGeneration(TokenId id) const;
  std::string_view Piece(TokenId id) const;  // empty for tokens the trie leaves out
  size_t max_depth() const { return max_depth_; }

 private:
  int32_t n_vocab_ = 0;
  std::vector<Node> nodes_;
  std::vector<TokenId> tokens_;
  std::vector<TokenId> eog_;
  std::vector<std::string> pieces_;  // per id; empty when left out
  size_t max_depth_ = 0;
};

// One bit per token id.
struct TokenMask {
  std::vector<uint64_t> words;
  int32_t n_text_tokens = 0;  // allowed tokens other than end-of-generation ones
  bool can_end = false;       // end-of-generation tokens are allowed

  bool Test(TokenId id) const { return (words[id >> 6] >> (id & 63)) & 1; }
  void Set(TokenId id) { words[id >> 6] |= uint64_t{1} << (id & 63); }
};

class GrammarMatcher {
 public:
  static constexpr size_t kMaxStacks = 4096;
  static constexpr size_t kMaxNodes = 4'000'000;

  // `vocabulary` may be null for matching text only (AcceptText, CanEnd).
  GrammarMatcher(std::shared_ptr<const Grammar> grammar,
                 std::shared_ptr<const GrammarVocabulary> vocabulary);
  GrammarMatcher(GrammarMatcher&&) noexcept;
  GrammarMatcher& operator=(GrammarMatcher&&) noexcept;
  ~GrammarMatcher();

  // The tokens allowed next. The reference stays valid until the next non-const call.
  // REQUIRES: a vocabulary.
  Result<const TokenMask*> AllowedTokens();
  // Sets the logits of disallowed tokens to -infinity (n_vocab values). Returns the mask.
  Result<const TokenMask*> MaskLogits(std::span<float> logits);

  // Advances over a token's piece. An end-of-generation token is accepted when
  // CanEnd() and changes nothing. InvalidArgument when the grammar does not allow it;
  // the state is unchanged then.
  Status AcceptToken(TokenId id);
  // Advances over bytes of text (UTF-8, possibly ending inside a character).
  Status AcceptText(std::string_view bytes);

  // The text so far is a complete match of the grammar (and ends on a whole character).
  bool CanEnd() const;
  // Some more text can still be accepted.
  bool CanContinue() const;
  void Reset();
  // Not OK once a limit (kMaxStacks, kMaxNodes) was hit: the matcher is unusable then.
  const Status& error() const;

 private:
  std::shared_ptr<const Grammar> grammar_;
  std::shared_ptr<const GrammarVocabulary> vocabulary_;
  std::unique_ptr<internal::GrammarState> state_;
};

// Convenience for tests and validation: whether `text` as a whole matches.
Result<bool> GrammarMatches(const std::shared_ptr<const Grammar>& grammar, std::string_view text);

}  // namespace strata::genai
