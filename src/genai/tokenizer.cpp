// Tokenizer: reads the vocabulary, picks the algorithm, splits text at special tokens,
// adds BOS/EOS, renders pieces; and the streaming detokenizer.
#include "genai/tokenizer.h"

#include <algorithm>
#include <array>
#include <cstdio>

#include "genai/tokenizer_vocab.h"
#include "genai/utf8.h"

namespace strata::genai {
namespace internal {
namespace {

// Texts of tokens that end a turn in common chat formats, besides EOS/EOT/EOM.
constexpr std::string_view kEndOfGenerationTexts[] = {
    "<|eot_id|>",  "<|im_end|>",    "<|end|>",     "<end_of_turn>",   "<|endoftext|>",
    "<|eom_id|>",  "<EOT>",         "_<EOT>",      "<|end_of_text|>", "<｜end▁of▁sentence｜>",
    "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>"};

bool IsSpecialType(TokenType t) {
  return t == TokenType::kControl || t == TokenType::kUnknown || t == TokenType::kUserDefined;
}

// Parses "<0xNN>" into a byte; -1 otherwise.
int ParseByteToken(std::string_view text) {
  if (text.size() != 6 || text.substr(0, 3) != "<0x" || text[5] != '>') return -1;
  int value = 0;
  for (char c : text.substr(3, 2)) {
    value <<= 4;
    if (c >= '0' && c <= '9') {
      value |= c - '0';
    } else if (c >= 'A' && c <= 'F') {
      value |= c - 'A' + 10;
    } else if (c >= 'a' && c <= 'f') {
      value |= c - 'a' + 10;
    } else {
      return -1;
    }
  }
  return value;
}

}  // namespace

// A prefix tree over the texts of the special tokens, to find which of them occur in a
// text in one pass (a node's children are keyed by (node, byte) in one hash table).
class SpecialTrie {
 public:
  void Add(std::string_view text, TokenId id) {
    if (text.empty()) return;
    first_bytes_[static_cast<uint8_t>(text[0])] = true;
    int32_t node = 0;
    for (char c : text) {
      auto [it, inserted] = children_.emplace(Key(node, c), static_cast<int32_t>(tokens_.size()));
      if (inserted) tokens_.push_back(-1);
      node = it->second;
    }
    if (tokens_[node] < 0) tokens_[node] = id;
  }
  // Calls found(id) for every special token occurring in text (repeats possible).
  template <typename F>
  void ForEachOccurring(std::string_view text, F&& found) const {
    if (children_.empty()) return;
    for (size_t start = 0; start < text.size(); ++start) {
      if (!first_bytes_[static_cast<uint8_t>(text[start])]) continue;
      int32_t node = 0;
      for (size_t i = start; i < text.size(); ++i) {
        auto it = children_.find(Key(node, text[i]));
        if (it == children_.end()) break;
        node = it->second;
        if (tokens_[node] >= 0) found(tokens_[node]);
      }
    }
  }

 private:
  static uint64_t Key(int32_t node, char c) {
    return static_cast<uint64_t>(node) << 8 | static_cast<uint8_t>(c);
  }
  std::unordered_map<uint64_t, int32_t> children_;
  std::array<bool, 256> first_bytes_{};  // bytes that start some special token
  std::vector<TokenId> tokens_ = {-1};   // per node; node 0 is the root
};

struct TokenizerImpl {
  Vocab vocab;
  std::unique_ptr<TokenizerModel> model;
  std::vector<std::string> pieces;  // per id, rendered once at load
  SpecialTrie special_trie;

  struct Fragment {
    TokenId token;          // -1: raw text
    std::string_view text;  // raw text (token < 0)
  };

  // Splits text at special tokens: longer token texts first, each occurrence of one in
  // the remaining raw text becomes a token fragment.
  std::vector<Fragment> Partition(std::string_view text, bool parse_special) const {
    std::vector<Fragment> fragments;
    if (text.empty()) return fragments;
    fragments.push_back({-1, text});
    std::vector<TokenId> occurring;
    special_trie.ForEachOccurring(text, [&](TokenId id) {
      const TokenType t = vocab.tokens[id].type;
      if (parse_special || t == TokenType::kUserDefined) occurring.push_back(id);
    });
    if (occurring.empty()) return fragments;
    std::sort(occurring.begin(), occurring.end());
    occurring.erase(std::unique(occurring.begin(), occurring.end()), occurring.end());
    std::stable_sort(occurring.begin(), occurring.end(), [&](TokenId a, TokenId b) {
      return vocab.tokens[a].text.size() > vocab.tokens[b].text.size();
    });
    std::vector<Fragment> next;
    for (TokenId id : occurring) {
      const std::string_view needle = vocab.tokens[id].text;
      next.clear();
      for (const Fragment& f : fragments) {
        if (f.token >= 0) {
          next.push_back(f);
          continue;
        }
        size_t pos = 0;
        while (true) {
          const size_t hit = f.text.find(needle, pos);
          if (hit == std::string_view::npos) break;
          if (hit > pos) next.push_back({-1, f.text.substr(pos, hit - pos)});
          next.push_back({id, {}});
          pos = hit + needle.size();
        }
        if (pos < f.text.size()) next.push_back({-1, f.text.substr(pos)});
      }
      std::swap(fragments, next);
    }
    return fragments;
  }

  std::string RenderPiece(TokenId id) const {
    const TokenData& t = vocab.tokens[id];
    switch (t.type) {
      case TokenType::kControl:
      case TokenType::kUnknown:
      case TokenType::kUserDefined:
        return t.text;
      case TokenType::kNormal:
        return model->NormalPiece(t.text);
      case TokenType::kByte: {
        const int byte = ParseByteToken(t.text);
        return byte < 0 ? std::string() : std::string(1, static_cast<char>(byte));
      }
      case TokenType::kUnused:
      case TokenType::kUndefined:
        break;
    }
    return {};
  }
};

namespace {

// Applies the defaults of each algorithm, then the flags stored in the file.
Status ConfigureSpecials(const GgufMetadata& md, Vocab* v) {
  if (v->model == "llama") {
    if (!md.Contains("tokenizer.ggml.bos_token_id") && v->Valid(1)) v->bos = 1;
    if (!md.Contains("tokenizer.ggml.eos_token_id") && v->Valid(2)) v->eos = 2;
    if (!md.Contains("tokenizer.ggml.unknown_token_id") && v->Valid(0)) v->unk = 0;
    v->add_bos = true;
    v->add_space_prefix = true;
  } else if (v->model == "gpt2") {
    v->add_bos = v->pre == "llama3" || v->pre == "llama-v3" || v->pre == "llama-bpe" ||
                 v->pre == "falcon3" || v->pre == "tekken" || v->pre == "chameleon";
  } else if (v->model == "bert") {
    // BERT: [CLS] text [SEP]. The CLS id is the BOS.
    if (v->bos < 0) {
      const GgufValue* cls = md.Find("tokenizer.ggml.cls_token_id");
      Result<int64_t> id = cls != nullptr ? cls->AsI64() : Result<int64_t>(int64_t{-1});
      v->bos =
          id.ok() && *id >= 0 && *id < v->size() ? static_cast<TokenId>(*id) : v->Find("[CLS]");
    }
    if (v->sep < 0) v->sep = v->Find("[SEP]");
    if (v->unk < 0) v->unk = v->Find("[UNK]");
    v->add_bos = true;
    v->add_sep = true;
  }
  STRATA_ASSIGN_OR_RETURN(v->add_bos, md.GetBoolOr("tokenizer.ggml.add_bos_token", v->add_bos));
  STRATA_ASSIGN_OR_RETURN(v->add_eos, md.GetBoolOr("tokenizer.ggml.add_eos_token", v->add_eos));
  STRATA_ASSIGN_OR_RETURN(v->add_space_prefix,
                          md.GetBoolOr("tokenizer.ggml.add_space_prefix", v->add_space_prefix));

  v->end_of_generation.assign(v->tokens.size(), false);
  for (TokenId id : {v->eos, v->eot, v->eom}) {
    if (id >= 0) v->end_of_generation[id] = true;
  }
  for (std::string_view text : kEndOfGenerationTexts) {
    const TokenId id = v->Find(text);
    if (id >= 0 && v->tokens[id].type != TokenType::kNormal) v->end_of_generation[id] = true;
  }
  return Status::Ok();
}

}  // namespace
}  // namespace internal

using internal::TokenizerImpl;
using internal::TokenType;

Result<Tokenizer> Tokenizer::FromMetadata(const GgufMetadata& metadata) {
  auto impl = std::make_unique<TokenizerImpl>();
  STRATA_ASSIGN_OR_RETURN(impl->vocab, internal::ReadVocab(metadata));
  internal::Vocab& v = impl->vocab;
  if (v.model != "llama" && v.model != "gpt2" && v.model != "bert") {
    return InvalidArgumentError("metadata key 'tokenizer.ggml.model': unsupported tokenizer '" +
                                v.model + "' (supported: llama, gpt2, bert)");
  }
  STRATA_RETURN_IF_ERROR(internal::ConfigureSpecials(metadata, &v));
  if (v.model == "llama") {
    impl->model = internal::MakeSpmModel(v);
  } else if (v.model == "gpt2") {
    STRATA_ASSIGN_OR_RETURN(impl->model, internal::MakeBpeModel(v, metadata));
  } else {
    impl->model = internal::MakeWpmModel(v);
  }
  impl->pieces.reserve(v.tokens.size());
  for (TokenId id = 0; id < v.size(); ++id) {
    impl->pieces.push_back(impl->RenderPiece(id));
    const internal::TokenData& t = v.tokens[id];
    if (internal::IsSpecialType(t.type) && !t.text.empty()) impl->special_trie.Add(t.text, id);
  }
  return Tokenizer(std::move(impl));
}

Tokenizer::Tokenizer(std::unique_ptr<TokenizerImpl> impl) : impl_(std::move(impl)) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

std::vector<TokenId> Tokenizer::Encode(std::string_view text, bool add_special,
                                       bool parse_special) const {
  const internal::Vocab& v = impl_->vocab;
  std::vector<TokenId> out;
  out.reserve(text.size() / 3 + 4);
  if (add_special && v.add_bos && v.bos >= 0) out.push_back(v.bos);
  bool after_special = true;  // the start of the text counts as following a special token
  for (const auto& f : impl_->Partition(text, parse_special)) {
    if (f.token >= 0) {
      out.push_back(f.token);
      after_special = true;
    } else {
      impl_->model->EncodeFragment(f.text, after_special, &out);
      after_special = false;
    }
  }
  if (add_special && v.add_eos && v.eos >= 0) out.push_back(v.eos);
  if (add_special && v.add_sep && v.sep >= 0) out.push_back(v.sep);
  return out;
}

std::string Tokenizer::Piece(TokenId id) const {
  if (!impl_->vocab.Valid(id)) return {};
  return impl_->pieces[id];
}

std::string Tokenizer::Decode(std::span<const TokenId> ids) const {
  std::string out;
  for (TokenId id : ids) {
    if (impl_->vocab.Valid(id)) out += impl_->pieces[id];
  }
  return out;
}

int32_t Tokenizer::n_vocab() const {
  return impl_->vocab.size();
}
TokenId Tokenizer::bos() const {
  return impl_->vocab.bos;
}
TokenId Tokenizer::eos() const {
  return impl_->vocab.eos;
}
bool Tokenizer::add_bos() const {
  return impl_->vocab.add_bos;
}
bool Tokenizer::add_eos() const {
  return impl_->vocab.add_eos;
}

bool Tokenizer::IsEndOfGeneration(TokenId id) const {
  return impl_->vocab.Valid(id) && impl_->vocab.end_of_generation[id];
}

bool Tokenizer::IsControl(TokenId id) const {
  if (!impl_->vocab.Valid(id)) return true;
  const TokenType t = impl_->vocab.tokens[id].type;
  return t == TokenType::kControl || t == TokenType::kUnknown || t == TokenType::kUnused;
}

std::optional<TokenId> Tokenizer::FindToken(std::string_view text) const {
  const TokenId id = impl_->vocab.Find(text);
  if (id < 0) return std::nullopt;
  return id;
}

std::string_view Tokenizer::TokenText(TokenId id) const {
  if (!impl_->vocab.Valid(id)) return {};
  return impl_->vocab.tokens[id].text;
}

std::string_view Tokenizer::model() const {
  return impl_->vocab.model;
}
std::string_view Tokenizer::pre() const {
  return impl_->vocab.pre;
}

StreamingDetokenizer::StreamingDetokenizer(const Tokenizer& tokenizer) : tokenizer_(&tokenizer) {}

std::string StreamingDetokenizer::Push(TokenId id) {
  pending_ += tokenizer_->Piece(id);
  std::string out;
  const size_t consumed =
      internal::AppendSanitizedUtf8(pending_, /*keep_incomplete_tail=*/true, &out);
  pending_.erase(0, consumed);
  return out;
}

std::string StreamingDetokenizer::Finish() {
  std::string out;
  internal::AppendSanitizedUtf8(pending_, /*keep_incomplete_tail=*/false, &out);
  pending_.clear();
  return out;
}

}  // namespace strata::genai
