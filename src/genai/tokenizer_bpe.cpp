// Byte-level BPE (tokenizer.ggml.model "gpt2").
//
// Hand-written, because no Debian 12 package implements GPT-2-style BPE over a GGUF
// vocabulary, and the algorithm is short: the pre-tokenizer (tokenizer_pretokenizer.h)
// splits the text into words; each byte of a word becomes GPT-2's printable stand-in
// character for it (bytes_to_unicode: the printable Latin-1 bytes stand for themselves,
// the other 68 bytes map to U+0100 onwards in byte order); then the adjacent pair with
// the lowest merge rank (tokenizer.ggml.merges order) is merged until none applies (ties:
// leftmost first). Each remaining symbol is a vocabulary token.
//
// Symbols are handled as ids, never as strings: every string that appears in a merge is
// given an id (its token id, or a private id past the vocabulary when a merge names a
// string that is not a token), and merges are a hash table from an id pair to the rank
// and the id of the result. A word of n bytes costs O(n log n).
#include <array>
#include <queue>

#include "genai/tokenizer_pretokenizer.h"
#include "genai/tokenizer_vocab.h"
#include "genai/utf8.h"

namespace strata::genai::internal {
namespace {

constexpr std::string_view kMergesKey = "tokenizer.ggml.merges";

// GPT-2's byte -> code point map and its inverse.
struct ByteMap {
  std::array<uint32_t, 256> to_code_point{};
  std::array<std::string, 256> to_utf8;
  std::vector<int16_t> from_code_point;  // -1 where a code point stands for no byte

  ByteMap() {
    uint32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      to_code_point[b] = printable ? static_cast<uint32_t>(b) : next++;
      AppendUtf8(to_code_point[b], &to_utf8[b]);
    }
    from_code_point.assign(next, -1);
    for (int b = 0; b < 256; ++b) from_code_point[to_code_point[b]] = static_cast<int16_t>(b);
  }
};

const ByteMap& Bytes() {
  static const ByteMap kMap;
  return kMap;
}

struct Merge {
  int32_t rank;
  int32_t result;  // symbol id of the merged string
};

uint64_t PairKey(int32_t left, int32_t right) {
  return static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32 | static_cast<uint32_t>(right);
}

class BpeModel final : public TokenizerModel {
 public:
  BpeModel(const Vocab& vocab, PreTokenizer pre_tokenizer, bool ignore_merges)
      : vocab_(vocab), pre_tokenizer_(std::move(pre_tokenizer)), ignore_merges_(ignore_merges) {}

  Status LoadMerges(std::span<const std::string> merges) {
    merges_.reserve(merges.size());
    for (size_t rank = 0; rank < merges.size(); ++rank) {
      const std::string& m = merges[rank];
      const size_t space = m.size() > 1 ? m.find(' ', 1) : std::string::npos;
      if (space == std::string::npos || space + 1 >= m.size()) {
        return InvalidArgumentError("metadata key '" + std::string(kMergesKey) + "': merge " +
                                    std::to_string(rank) + " '" + m +
                                    "' is not two symbols separated by a space");
      }
      const std::string_view left(m.data(), space);
      const std::string_view right(m.data() + space + 1, m.size() - space - 1);
      const int32_t l = Intern(left);
      const int32_t r = Intern(right);
      const int32_t result = Intern(std::string(left) + std::string(right));
      merges_.emplace(PairKey(l, r), Merge{static_cast<int32_t>(rank), result});  // first wins
    }
    for (int b = 0; b < 256; ++b) {
      byte_symbols_[b] = SymbolId(Bytes().to_utf8[b]);
      byte_tokens_[b] = vocab_.Find(Bytes().to_utf8[b]);
    }
    return Status::Ok();
  }

  void EncodeFragment(std::string_view text, bool /*after_special*/,
                      std::vector<TokenId>* out) const override {
    std::vector<std::string_view> words;
    pre_tokenizer_.Split(text, &words);
    for (std::string_view word : words) EncodeWord(word, out);
  }

  std::string NormalPiece(std::string_view token_text) const override {
    std::string out;
    out.reserve(token_text.size());
    const auto& from = Bytes().from_code_point;
    for (size_t pos = 0; pos < token_text.size();) {
      const size_t start = pos;
      uint32_t cp = 0;
      if (DecodeUtf8(token_text, &pos, &cp) && cp < from.size() && from[cp] >= 0) {
        out.push_back(static_cast<char>(from[cp]));
      } else {  // not a byte stand-in: keep the text's own bytes
        out.append(token_text.substr(start, pos - start));
      }
    }
    return out;
  }

 private:
  struct Symbol {
    int32_t id;    // symbol id (-1: a byte whose character is in no token or merge)
    int32_t prev;  // neighbours in the word, -1 at the ends
    int32_t next;
    uint32_t start;   // byte range in the word
    uint32_t length;  // 0 once merged into its left neighbour
  };
  struct Candidate {
    int32_t rank;
    int32_t left;
    bool operator>(const Candidate& o) const {
      return rank != o.rank ? rank > o.rank : left > o.left;
    }
  };

  int32_t SymbolId(std::string_view text) const {
    const TokenId id = vocab_.Find(text);
    if (id >= 0) return id;
    auto it = extra_symbols_.find(text);
    return it == extra_symbols_.end() ? -1 : it->second;
  }
  int32_t Intern(std::string_view text) {
    const int32_t id = SymbolId(text);
    if (id >= 0) return id;
    const int32_t extra = vocab_.size() + static_cast<int32_t>(extra_symbols_.size());
    extra_symbols_.emplace(std::string(text), extra);
    return extra;
  }
  const Merge* FindMerge(int32_t left, int32_t right) const {
    if (left < 0 || right < 0) return nullptr;
    auto it = merges_.find(PairKey(left, right));
    return it == merges_.end() ? nullptr : &it->second;
  }

  void EncodeWord(std::string_view word, std::vector<TokenId>* out) const {
    if (ignore_merges_) {  // Llama 3 and Tekken: a word that is a token is taken whole
      std::string mapped;
      for (char c : word) mapped += Bytes().to_utf8[static_cast<uint8_t>(c)];
      const TokenId id = vocab_.Find(mapped);
      if (id >= 0) {
        out->push_back(id);
        return;
      }
    }
    const auto n = static_cast<int32_t>(word.size());
    std::vector<Symbol> symbols(word.size());
    for (int32_t i = 0; i < n; ++i) {
      symbols[i] = {byte_symbols_[static_cast<uint8_t>(word[i])], i - 1, i + 1 < n ? i + 1 : -1,
                    static_cast<uint32_t>(i), 1};
    }
    std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> queue;
    auto consider = [&](int32_t left) {
      if (left < 0 || symbols[left].next < 0) return;
      if (const Merge* m = FindMerge(symbols[left].id, symbols[symbols[left].next].id)) {
        queue.push({m->rank, left});
      }
    };
    for (int32_t i = 0; i + 1 < n; ++i) consider(i);
    while (!queue.empty()) {
      const Candidate c = queue.top();
      queue.pop();
      Symbol& left = symbols[c.left];
      if (left.length == 0 || left.next < 0) continue;
      Symbol& right = symbols[left.next];
      const Merge* m = FindMerge(left.id, right.id);
      if (m == nullptr || m->rank != c.rank) continue;  // stale: a side has changed
      left.id = m->result;
      left.length += right.length;
      right.length = 0;
      left.next = right.next;
      if (left.next >= 0) symbols[left.next].prev = c.left;
      consider(left.prev);
      consider(c.left);
    }
    for (int32_t i = 0; i >= 0; i = symbols[i].next) {
      const Symbol& s = symbols[i];
      if (s.id >= 0 && s.id < vocab_.size()) {
        out->push_back(s.id);
        continue;
      }
      // Not a token (a merge produced a non-token, or a byte no token covers): its bytes
      // one by one, [UNK] (when there is one) for bytes without a token.
      for (uint32_t k = s.start; k < s.start + s.length; ++k) {
        const TokenId id = byte_tokens_[static_cast<uint8_t>(word[k])];
        if (id >= 0) {
          out->push_back(id);
        } else if (vocab_.unk >= 0) {
          out->push_back(vocab_.unk);
        }
      }
    }
  }

  const Vocab& vocab_;
  PreTokenizer pre_tokenizer_;
  bool ignore_merges_;
  StringMap extra_symbols_;  // merge strings that are not tokens -> ids from vocab size on
  std::unordered_map<uint64_t, Merge> merges_;
  std::array<int32_t, 256> byte_symbols_{};
  std::array<TokenId, 256> byte_tokens_{};
};

}  // namespace

Result<std::unique_ptr<TokenizerModel>> MakeBpeModel(const Vocab& vocab,
                                                     const GgufMetadata& metadata) {
  STRATA_ASSIGN_OR_RETURN(std::span<const std::string> merges, metadata.GetStringArray(kMergesKey));
  STRATA_ASSIGN_OR_RETURN(PreTokenizer pre, PreTokenizer::ForName(vocab.pre));
  const bool ignore_merges = vocab.pre == "llama3" || vocab.pre == "llama-v3" ||
                             vocab.pre == "llama-bpe" || vocab.pre == "falcon3" ||
                             vocab.pre == "tekken";
  auto model = std::make_unique<BpeModel>(vocab, std::move(pre), ignore_merges);
  STRATA_RETURN_IF_ERROR(model->LoadMerges(merges));
  return std::unique_ptr<TokenizerModel>(std::move(model));
}

}  // namespace strata::genai::internal
