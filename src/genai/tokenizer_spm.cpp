// SentencePiece-style tokenization (tokenizer.ggml.model "llama").
//
// Hand-written, because Debian's libsentencepiece reads SentencePiece's own protobuf
// model, not a GGUF vocabulary, and the algorithm is short: the text (spaces as U+2581,
// with a leading one when add_space_prefix) starts as one symbol per UTF-8 character;
// repeatedly, the adjacent pair whose concatenation is the highest-scoring vocabulary
// piece is merged (ties: leftmost first); finally each symbol is its token, or, when
// it is not in the vocabulary, one `<0xNN>` token per byte (byte fallback).
#include <array>
#include <cstdio>
#include <queue>

#include "genai/tokenizer_vocab.h"
#include "genai/utf8.h"

namespace strata::genai::internal {
namespace {

// Length of the symbol at text[pos]: a whole UTF-8 character, or one byte where the
// text is not valid UTF-8 there (such bytes then fall back to byte tokens one by one).
size_t SymbolLength(std::string_view text, size_t pos) {
  size_t length = 1;
  return CheckUtf8(text, pos, &length) == Utf8Check::kValid ? length : 1;
}

class SpmModel final : public TokenizerModel {
 public:
  explicit SpmModel(const Vocab& vocab) : vocab_(vocab) {
    byte_tokens_.fill(-1);
    for (int b = 0; b < 256; ++b) {
      char name[8];
      std::snprintf(name, sizeof(name), "<0x%02X>", b);
      byte_tokens_[b] = vocab_.Find(name);
      if (byte_tokens_[b] < 0) byte_tokens_[b] = vocab_.Find(std::string(1, static_cast<char>(b)));
    }
  }

  void EncodeFragment(std::string_view fragment, bool after_special,
                      std::vector<TokenId>* out) const override {
    std::string text;
    text.reserve(fragment.size() + 8);
    if (vocab_.add_space_prefix && after_special) text.append(kSpmSpace);
    text.append(ReplaceAll(fragment, " ", kSpmSpace));
    Tokenize(text, out);
  }

  std::string NormalPiece(std::string_view token_text) const override {
    return ReplaceAll(token_text, kSpmSpace, " ");
  }

 private:
  struct Symbol {
    int32_t prev;
    int32_t next;
    size_t start;
    size_t length;  // 0 once merged into its left neighbour
  };
  struct Bigram {
    float score;
    int32_t left;
    size_t length;  // of the merged text: stale entries are recognized by it
    bool operator<(const Bigram& o) const {  // priority_queue pops the largest
      if (score != o.score) return score < o.score;
      return left > o.left;
    }
  };

  void Tokenize(std::string_view text, std::vector<TokenId>* out) const {
    std::vector<Symbol> symbols;
    symbols.reserve(text.size());
    for (size_t pos = 0; pos < text.size();) {
      const size_t len = SymbolLength(text, pos);
      const auto index = static_cast<int32_t>(symbols.size());
      symbols.push_back({index - 1, index + 1, pos, len});
      pos += len;
    }
    if (symbols.empty()) return;
    symbols.back().next = -1;

    std::priority_queue<Bigram> queue;
    auto try_add = [&](int32_t left, int32_t right) {
      if (left < 0 || right < 0) return;
      const Symbol& l = symbols[left];
      const Symbol& r = symbols[right];
      const TokenId id = vocab_.Find(text.substr(l.start, l.length + r.length));
      if (id < 0) return;
      queue.push({vocab_.tokens[id].score, left, l.length + r.length});
    };
    for (int32_t i = 1; i < static_cast<int32_t>(symbols.size()); ++i) try_add(i - 1, i);

    while (!queue.empty()) {
      const Bigram top = queue.top();
      queue.pop();
      Symbol& left = symbols[top.left];
      if (left.length == 0 || left.next < 0) continue;
      Symbol& right = symbols[left.next];
      if (left.length + right.length != top.length) continue;  // a side changed since
      left.length += right.length;
      right.length = 0;
      left.next = right.next;
      if (right.next >= 0) symbols[right.next].prev = top.left;
      try_add(left.prev, top.left);
      try_add(top.left, left.next);
    }

    for (int32_t i = 0; i >= 0; i = symbols[i].next) {
      const Symbol& s = symbols[i];
      const std::string_view piece = text.substr(s.start, s.length);
      const TokenId id = vocab_.Find(piece);
      if (id >= 0) {
        out->push_back(id);
        continue;
      }
      for (char c : piece) {
        const TokenId byte_id = byte_tokens_[static_cast<uint8_t>(c)];
        if (byte_id >= 0) {
          out->push_back(byte_id);
        } else if (vocab_.unk >= 0) {
          out->push_back(vocab_.unk);
        }
      }
    }
  }

  const Vocab& vocab_;
  std::array<TokenId, 256> byte_tokens_;
};

}  // namespace

std::unique_ptr<TokenizerModel> MakeSpmModel(const Vocab& vocab) {
  return std::make_unique<SpmModel>(vocab);
}

}  // namespace strata::genai::internal
