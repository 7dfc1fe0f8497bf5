#pragma once
// Tokenizers of the LLM engine, driven purely by a GGUF file's `tokenizer.ggml.*`
// metadata, and a streaming detokenizer.
//
// tokenizer.ggml.model selects the algorithm:
//   "llama"  SentencePiece-style: score-ordered merging of pieces, spaces as U+2581,
//            `<0xNN>` byte fallback, a space prefix (add_space_prefix, default true).
//   "gpt2"   byte-level BPE: the pre-tokenizer regexes named by tokenizer.ggml.pre split
//            the text, each piece is mapped byte by byte to GPT-2's printable characters
//            and merged by merge rank. An unknown pre name uses the GPT-2 regex (warning).
//   "bert"   WordPiece: lower-casing, accent stripping, punctuation and CJK splitting,
//            greedy longest match with continuation pieces, [UNK] for unmatched words.
//
// Special tokens: CONTROL and UNKNOWN tokens are recognized in the text only with
// parse_special; USER_DEFINED tokens (added tokens such as whitespace runs or FIM
// markers) are always recognized, as the reference tokenizers do. When several match,
// longer token texts win.
//
// Encode never fails: invalid UTF-8 is tokenized as individual bytes (WordPiece drops
// them, as BERT drops U+FFFD), and every id it returns is in [0, n_vocab). Pieces of
// byte-level and byte-fallback tokens reproduce the input bytes exactly. A Tokenizer is immutable after FromMetadata and may be
// used from several threads at once.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "genai/gguf.h"

namespace strata::genai {

using TokenId = int32_t;

namespace internal {
struct TokenizerImpl;
}

class Tokenizer {
 public:
  // Reads the vocabulary from a GGUF file's metadata. InvalidArgument naming the key on
  // bad or missing data, or on an unsupported tokenizer.ggml.model.
  static Result<Tokenizer> FromMetadata(const GgufMetadata& metadata);

  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  // add_special: BOS first when add_bos(), EOS last when add_eos() (WordPiece: CLS and
  // SEP). parse_special: see above.
  std::vector<TokenId> Encode(std::string_view text, bool add_special, bool parse_special) const;

  // The bytes of one token as the reference renders pieces with special=true: control
  // and user-defined tokens as their text, SentencePiece U+2581 as a space (no stripping),
  // `<0xNN>` as that byte, byte-level BPE characters as their bytes. Empty for ids out of
  // range and for UNUSED tokens. May be incomplete UTF-8 (one byte of a character).
  std::string Piece(TokenId id) const;
  std::string Decode(std::span<const TokenId> ids) const;  // concatenated pieces

  int32_t n_vocab() const;
  TokenId bos() const;  // -1 when the vocabulary has none
  TokenId eos() const;  // -1 when the vocabulary has none
  bool add_bos() const;
  bool add_eos() const;
  // EOS, EOT, EOM and end-of-turn tokens found by their text (<|im_end|>, <|eot_id|>,
  // <end_of_turn>, <|endoftext|>, ...).
  bool IsEndOfGeneration(TokenId id) const;
  // CONTROL, UNKNOWN and UNUSED tokens (and ids out of range): never plain text, so
  // constrained decoding leaves them out.
  bool IsControl(TokenId id) const;
  std::optional<TokenId> FindToken(std::string_view text) const;  // exact token text
  std::string_view TokenText(TokenId id) const;  // the vocabulary's text; empty when out of range

  std::string_view model() const;  // "llama", "gpt2", "bert"
  std::string_view pre() const;    // tokenizer.ggml.pre, "default" when absent

 private:
  explicit Tokenizer(std::unique_ptr<internal::TokenizerImpl> impl);
  std::unique_ptr<internal::TokenizerImpl> impl_;
};

// Turns a stream of tokens into text that is always valid UTF-8: bytes of a character
// split across tokens are held back until it is complete. Invalid bytes become U+FFFD.
// Holds a reference to the tokenizer, which must outlive it. Not thread-safe.
class StreamingDetokenizer {
 public:
  explicit StreamingDetokenizer(const Tokenizer& tokenizer);
  // The text that is complete after this token (possibly empty).
  std::string Push(TokenId id);
  // Whatever is held back (an incomplete character becomes U+FFFD); resets the state.
  std::string Finish();

 private:
  const Tokenizer* tokenizer_;
  std::string pending_;
};

}  // namespace strata::genai
