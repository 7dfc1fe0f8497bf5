// WordPiece (tokenizer.ggml.model "bert"), the utf8proc adapter of the tokenizers.
//
// Normalization follows BERT's basic tokenizer: control characters, NUL and U+FFFD are
// dropped, whitespace separates words, CJK ideographs and punctuation (Unicode P* and
// ASCII symbols) are words of their own, accents are stripped (canonical decomposition,
// then nonspacing marks removed) and text is lower-cased. Character properties come from
// utf8proc. The vocabulary is in the GGUF convention: a word-initial piece is stored as
// U+2581 + piece, a continuation piece ("##ing" in BERT's vocab.txt) without prefix.
//
// Hand-written matching, because no Debian 12 package implements WordPiece: each word is
// split greedily into the longest vocabulary pieces from the left; a word with no such
// split, or longer than 100 characters, is [UNK].
#include <utf8proc.h>

#include "genai/tokenizer_vocab.h"
#include "genai/utf8.h"

namespace strata::genai::internal {
namespace {

constexpr size_t kMaxCharsPerWord = 100;

bool IsWhitespace(uint32_t cp, utf8proc_category_t cat) {
  return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || cp == 0x85 || cat == UTF8PROC_CATEGORY_ZS ||
         cat == UTF8PROC_CATEGORY_ZL || cat == UTF8PROC_CATEGORY_ZP;
}

bool IsControl(uint32_t cp, utf8proc_category_t cat) {
  if (cp == '\t' || cp == '\n' || cp == '\r') return false;
  return cat == UTF8PROC_CATEGORY_CC || cat == UTF8PROC_CATEGORY_CF ||
         cat == UTF8PROC_CATEGORY_CN || cat == UTF8PROC_CATEGORY_CO || cat == UTF8PROC_CATEGORY_CS;
}

bool IsPunctuation(uint32_t cp, utf8proc_category_t cat) {
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) ||
      (cp >= 123 && cp <= 126)) {
    return true;
  }
  return cat >= UTF8PROC_CATEGORY_PC && cat <= UTF8PROC_CATEGORY_PO;
}

bool IsCjk(uint32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

class WpmModel final : public TokenizerModel {
 public:
  explicit WpmModel(const Vocab& vocab) : vocab_(vocab) {
    unk_ = vocab_.unk >= 0 ? vocab_.unk : vocab_.Find("[UNK]");
    for (const TokenData& t : vocab_.tokens)
      max_token_bytes_ = std::max(max_token_bytes_, t.text.size());
  }

  void EncodeFragment(std::string_view text, bool /*after_special*/,
                      std::vector<TokenId>* out) const override {
    std::vector<std::string> words;
    Normalize(text, &words);
    for (const std::string& word : words) EncodeWord(word, out);
  }

  std::string NormalPiece(std::string_view token_text) const override {
    return ReplaceAll(token_text, kSpmSpace, " ");
  }

 private:
  // Splits `text` into normalized words (punctuation and CJK characters alone).
  static void Normalize(std::string_view text, std::vector<std::string>* words) {
    std::string word;
    auto flush = [&] {
      if (!word.empty()) words->push_back(std::move(word));
      word.clear();
    };
    for (size_t pos = 0; pos < text.size();) {
      uint32_t cp = 0;
      if (!DecodeUtf8(text, &pos, &cp)) continue;  // invalid bytes are dropped, like U+FFFD
      const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
      if (cp == 0 || cp == 0xFFFD || IsControl(cp, cat)) continue;
      if (IsWhitespace(cp, cat)) {
        flush();
        continue;
      }
      utf8proc_int32_t decomposed[8];
      utf8proc_int32_t last_boundclass = 0;
      utf8proc_ssize_t n = utf8proc_decompose_char(static_cast<utf8proc_int32_t>(cp), decomposed, 8,
                                                   UTF8PROC_DECOMPOSE, &last_boundclass);
      if (n < 0 || n > 8) {
        decomposed[0] = static_cast<utf8proc_int32_t>(cp);
        n = 1;
      }
      for (utf8proc_ssize_t i = 0; i < n; ++i) {
        const auto c = static_cast<uint32_t>(decomposed[i]);
        const auto c_cat = utf8proc_category(decomposed[i]);
        if (c_cat == UTF8PROC_CATEGORY_MN) continue;  // accents
        const auto lower = static_cast<uint32_t>(utf8proc_tolower(decomposed[i]));
        if (IsPunctuation(c, c_cat) || IsCjk(c)) {
          flush();
          AppendUtf8(lower, &word);
          flush();
        } else {
          AppendUtf8(lower, &word);
        }
      }
    }
    flush();
  }

  void EncodeWord(const std::string& word, std::vector<TokenId>* out) const {
    size_t n_chars = 0;
    for (char c : word) n_chars += (static_cast<uint8_t>(c) & 0xC0) != 0x80;
    const size_t first = out->size();
    bool ok = n_chars <= kMaxCharsPerWord;
    std::string candidate;
    for (size_t start = 0; ok && start < word.size();) {
      const std::string_view prefix = start == 0 ? kSpmSpace : std::string_view();
      size_t end = std::min(word.size(), start + max_token_bytes_);
      TokenId found = -1;
      for (; end > start; --end) {
        if (end < word.size() && (static_cast<uint8_t>(word[end]) & 0xC0) == 0x80) continue;
        candidate.assign(prefix);
        candidate.append(word, start, end - start);
        found = vocab_.Find(candidate);
        if (found >= 0) break;
      }
      if (found < 0) {
        ok = false;
        break;
      }
      out->push_back(found);
      start = end;
    }
    if (!ok) {
      out->resize(first);
      if (unk_ >= 0) out->push_back(unk_);
    }
  }

  const Vocab& vocab_;
  TokenId unk_ = -1;
  size_t max_token_bytes_ = 0;
};

}  // namespace

std::unique_ptr<TokenizerModel> MakeWpmModel(const Vocab& vocab) {
  return std::make_unique<WpmModel>(vocab);
}

}  // namespace strata::genai::internal
