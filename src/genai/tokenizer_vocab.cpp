// Reading the vocabulary shared by every tokenizer algorithm from GGUF metadata.
#include "genai/tokenizer_vocab.h"

#include <array>

namespace strata::genai::internal {
namespace {

constexpr std::string_view kTokensKey = "tokenizer.ggml.tokens";
constexpr std::string_view kScoresKey = "tokenizer.ggml.scores";
constexpr std::string_view kTypesKey = "tokenizer.ggml.token_type";

// Reads an optional special-token id. Absent, or the "none" markers -1 / 0xFFFFFFFF:
// -1. Out of range: -1 with a warning (the reference loads such files too).
Result<TokenId> ReadSpecialId(const GgufMetadata& md, std::string_view key, int32_t n_vocab) {
  const GgufValue* v = md.Find(key);
  if (v == nullptr) return TokenId{-1};
  Result<int64_t> id = v->AsI64();
  if (!id.ok()) {
    return InvalidArgumentError("metadata key '" + std::string(key) +
                                "': " + id.status().message());
  }
  if (*id == -1 || *id == 0xFFFFFFFFll) return TokenId{-1};
  if (*id < 0 || *id >= n_vocab) {
    core::log::Warn(
        "tokenizer: metadata key '{}' = {} is outside the vocabulary (size {}); ignored", key, *id,
        n_vocab);
    return TokenId{-1};
  }
  return static_cast<TokenId>(*id);
}

}  // namespace

std::string ReplaceAll(std::string_view text, std::string_view from, std::string_view to) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (true) {
    const size_t hit = text.find(from, pos);
    if (hit == std::string_view::npos) break;
    out.append(text.substr(pos, hit - pos));
    out.append(to);
    pos = hit + from.size();
  }
  out.append(text.substr(pos));
  return out;
}

Result<Vocab> ReadVocab(const GgufMetadata& md) {
  Vocab vocab;
  STRATA_ASSIGN_OR_RETURN(std::string_view model, md.GetString("tokenizer.ggml.model"));
  vocab.model = std::string(model);
  STRATA_ASSIGN_OR_RETURN(std::string_view pre, md.GetStringOr("tokenizer.ggml.pre", "default"));
  vocab.pre = pre.empty() ? "default" : std::string(pre);

  STRATA_ASSIGN_OR_RETURN(std::span<const std::string> texts, md.GetStringArray(kTokensKey));
  if (texts.empty() || texts.size() > static_cast<size_t>(INT32_MAX)) {
    return InvalidArgumentError("metadata key '" + std::string(kTokensKey) +
                                "': expected a non-empty token list");
  }
  const auto n = static_cast<int32_t>(texts.size());
  std::span<const float> scores;
  if (md.Contains(kScoresKey)) {
    STRATA_ASSIGN_OR_RETURN(scores, md.GetF32Array(kScoresKey));
    if (scores.size() != texts.size()) {
      return InvalidArgumentError("metadata key '" + std::string(kScoresKey) +
                                  "': " + std::to_string(scores.size()) + " scores for " +
                                  std::to_string(texts.size()) + " tokens");
    }
  }
  std::span<const int32_t> types;
  if (md.Contains(kTypesKey)) {
    STRATA_ASSIGN_OR_RETURN(types, md.GetI32Array(kTypesKey));
    if (types.size() != texts.size()) {
      return InvalidArgumentError("metadata key '" + std::string(kTypesKey) +
                                  "': " + std::to_string(types.size()) + " types for " +
                                  std::to_string(texts.size()) + " tokens");
    }
  }
  vocab.tokens.resize(texts.size());
  vocab.token_to_id.reserve(texts.size());
  for (int32_t id = 0; id < n; ++id) {
    TokenData& t = vocab.tokens[id];
    t.text = texts[id];
    if (!scores.empty()) t.score = scores[id];
    if (!types.empty()) {
      if (types[id] < 0 || types[id] > static_cast<int32_t>(TokenType::kByte)) {
        return InvalidArgumentError("metadata key '" + std::string(kTypesKey) + "': token " +
                                    std::to_string(id) + " has unknown type " +
                                    std::to_string(types[id]));
      }
      t.type = static_cast<TokenType>(types[id]);
    }
    vocab.token_to_id.emplace(t.text, id);
  }

  struct Key {
    std::string_view name;
    TokenId* id;
  };
  const std::array<Key, 7> keys = {{
      {"tokenizer.ggml.bos_token_id", &vocab.bos},
      {"tokenizer.ggml.eos_token_id", &vocab.eos},
      {"tokenizer.ggml.eot_token_id", &vocab.eot},
      {"tokenizer.ggml.eom_token_id", &vocab.eom},
      {"tokenizer.ggml.unknown_token_id", &vocab.unk},
      {"tokenizer.ggml.seperator_token_id", &vocab.sep},  // sic: the GGUF key's spelling
      {"tokenizer.ggml.padding_token_id", &vocab.pad},
  }};
  for (const Key& k : keys) {
    STRATA_ASSIGN_OR_RETURN(*k.id, ReadSpecialId(md, k.name, n));
  }
  return vocab;
}

}  // namespace strata::genai::internal
