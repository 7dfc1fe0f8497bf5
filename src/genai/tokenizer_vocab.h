#pragma once
// Internals of the tokenizers (genai/ only): the vocabulary read from GGUF metadata,
// the interface each algorithm implements, and the factories of the algorithms
// (tokenizer_spm.cpp, tokenizer_bpe.cpp, tokenizer_wpm.cpp).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/core.h"
#include "genai/gguf.h"
#include "genai/tokenizer.h"

namespace strata::genai::internal {

// tokenizer.ggml.token_type values (the GGUF convention).
enum class TokenType : int32_t {
  kUndefined = 0,
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6,
};

struct TokenData {
  std::string text;
  float score = 0.0f;
  TokenType type = TokenType::kNormal;
};

// Hash for heterogeneous lookup: find(string_view) without building a std::string.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using StringMap = std::unordered_map<std::string, TokenId, StringHash, std::equal_to<>>;

struct Vocab {
  std::string model;  // tokenizer.ggml.model
  std::string pre;    // tokenizer.ggml.pre
  std::vector<TokenData> tokens;
  StringMap token_to_id;  // the first id wins when texts repeat

  TokenId bos = -1, eos = -1, eot = -1, eom = -1, unk = -1, sep = -1, pad = -1;
  bool add_bos = false, add_eos = false, add_sep = false;
  bool add_space_prefix = false;
  std::vector<bool> end_of_generation;  // per id

  int32_t size() const { return static_cast<int32_t>(tokens.size()); }
  bool Valid(TokenId id) const { return id >= 0 && id < size(); }
  TokenId Find(std::string_view text) const {  // -1 when absent
    auto it = token_to_id.find(text);
    return it == token_to_id.end() ? -1 : it->second;
  }
};

// Reads tokens, scores, types, special ids and flags shared by every algorithm;
// defaults that depend on the algorithm are applied by the caller.
Result<Vocab> ReadVocab(const GgufMetadata& metadata);

// One tokenization algorithm, applied to a fragment of text between special tokens.
// Implementations keep a reference to the Vocab (owned next to them) and are immutable.
class TokenizerModel {
 public:
  virtual ~TokenizerModel() = default;
  // Appends the ids of `text`. after_special: the fragment starts the text or follows
  // a special token (SentencePiece adds its space prefix then).
  virtual void EncodeFragment(std::string_view text, bool after_special,
                              std::vector<TokenId>* out) const = 0;
  // The bytes of a NORMAL token's text (U+2581 -> space, or byte-level characters ->
  // bytes).
  virtual std::string NormalPiece(std::string_view token_text) const = 0;
};

std::unique_ptr<TokenizerModel> MakeSpmModel(const Vocab& vocab);
// Reads tokenizer.ggml.merges; InvalidArgument naming the key when missing or malformed.
Result<std::unique_ptr<TokenizerModel>> MakeBpeModel(const Vocab& vocab,
                                                     const GgufMetadata& metadata);
std::unique_ptr<TokenizerModel> MakeWpmModel(const Vocab& vocab);

// U+2581 (LOWER ONE EIGHTH BLOCK), SentencePiece's visible space.
inline constexpr std::string_view kSpmSpace = "\xE2\x96\x81";
std::string ReplaceAll(std::string_view text, std::string_view from, std::string_view to);

}  // namespace strata::genai::internal
