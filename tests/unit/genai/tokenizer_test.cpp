// Tokenizer behaviour on small hand-made vocabularies: byte fallback, merge order,
// special tokens, BOS/EOS, pieces, the streaming detokenizer, hostile input and ids,
// and metadata errors.
#include <random>

#include <gtest/gtest.h>

#include "genai/genai.h"

namespace strata::genai {
namespace {

constexpr int32_t kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kByte = 6;

struct Token {
  std::string text;
  float score = 0.0f;
  int32_t type = kNormal;
};

GgufMetadata MakeVocab(const std::string& model, const std::vector<Token>& tokens) {
  std::vector<std::string> texts;
  std::vector<float> scores;
  std::vector<int32_t> types;
  for (const Token& t : tokens) {
    texts.push_back(t.text);
    scores.push_back(t.score);
    types.push_back(t.type);
  }
  GgufMetadata md;
  md.Set("tokenizer.ggml.model", GgufValue::String(model));
  md.Set("tokenizer.ggml.tokens", GgufValue::StringArray(texts));
  md.Set("tokenizer.ggml.scores",
         GgufValue::Array(GgufType::kFloat32, std::span<const float>(scores)));
  md.Set("tokenizer.ggml.token_type",
         GgufValue::Array(GgufType::kInt32, std::span<const int32_t>(types)));
  return md;
}

// SentencePiece: <unk> <s> </s>, the 256 byte tokens (ids 3..258), then pieces.
GgufMetadata SpmVocab(const std::vector<Token>& pieces) {
  std::vector<Token> tokens = {{"<unk>", 0, kUnknown}, {"<s>", 0, kControl}, {"</s>", 0, kControl}};
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    tokens.push_back({name, 0, kByte});
  }
  tokens.insert(tokens.end(), pieces.begin(), pieces.end());
  GgufMetadata md = MakeVocab("llama", tokens);
  md.Set("tokenizer.ggml.bos_token_id", GgufValue::U32(1));
  md.Set("tokenizer.ggml.eos_token_id", GgufValue::U32(2));
  md.Set("tokenizer.ggml.unknown_token_id", GgufValue::U32(0));
  return md;
}
constexpr TokenId ByteId(uint8_t b) {
  return 3 + b;
}

// GPT-2 byte-level characters of all 256 bytes (ids 0..255 in byte order), then extra
// tokens, with the given merges.
std::string ByteChar(uint8_t b) {
  uint32_t n = 256, cp = 0;
  for (int x = 0; x < 256; ++x) {
    const bool printable = (x >= '!' && x <= '~') || (x >= 0xA1 && x <= 0xAC) || x >= 0xAE;
    const uint32_t c = printable ? x : n++;
    if (x == b) cp = c;
  }
  std::string s;
  if (cp < 0x80) {
    s.push_back(static_cast<char>(cp));
  } else {
    s.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
  return s;
}
GgufMetadata BpeVocab(const std::vector<Token>& extra, const std::vector<std::string>& merges,
                      const std::string& pre = "gpt-2") {
  std::vector<Token> tokens;
  for (int b = 0; b < 256; ++b) tokens.push_back({ByteChar(static_cast<uint8_t>(b))});
  tokens.insert(tokens.end(), extra.begin(), extra.end());
  GgufMetadata md = MakeVocab("gpt2", tokens);
  md.Set("tokenizer.ggml.pre", GgufValue::String(pre));
  md.Set("tokenizer.ggml.merges", GgufValue::StringArray(merges));
  return md;
}

Tokenizer Make(const GgufMetadata& md) {
  Result<Tokenizer> tok = Tokenizer::FromMetadata(md);
  EXPECT_TRUE(tok.ok()) << tok.status().ToString();
  return std::move(tok).value();
}

std::vector<TokenId> Ids(std::initializer_list<TokenId> ids) {
  return ids;
}

TEST(TokenizerSpmTest, MergesByScoreAndFallsBackToBytes) {
  // 259: ▁   260: ▁h   261: i   262: ▁hi   263: h
  const Tokenizer tok = Make(SpmVocab(
      {{"\xE2\x96\x81", -3}, {"\xE2\x96\x81h", -2}, {"i", -4}, {"\xE2\x96\x81hi", -1}, {"h", -5}}));
  EXPECT_EQ(tok.model(), "llama");
  EXPECT_EQ(tok.Encode("hi", false, false), Ids({262}));
  // "é" is not a piece: its two UTF-8 bytes become <0xC3> <0xA9>.
  EXPECT_EQ(tok.Encode("hi \xC3\xA9", false, false), Ids({262, 259, ByteId(0xC3), ByteId(0xA9)}));
  EXPECT_EQ(tok.Decode(tok.Encode("hi \xC3\xA9", false, false)), " hi \xC3\xA9");
  EXPECT_EQ(tok.Piece(262), " hi");  // U+2581 is a space, the leading one kept
  EXPECT_EQ(tok.Piece(ByteId(0x41)), "A");
  EXPECT_EQ(tok.Piece(1), "<s>");  // control tokens render as their text
}

TEST(TokenizerSpmTest, HigherScoreMergesFirst) {
  // "abc": ab (score -1) beats bc (score -2) -> [ab, c]; flipped scores -> [a, bc].
  for (const bool ab_first : {true, false}) {
    GgufMetadata md = SpmVocab({{"a", -10},
                                {"b", -10},
                                {"c", -10},
                                {"ab", ab_first ? -1.0f : -2.0f},
                                {"bc", ab_first ? -2.0f : -1.0f}});
    md.Set("tokenizer.ggml.add_space_prefix", GgufValue::Bool(false));
    const Tokenizer tok = Make(md);
    EXPECT_EQ(tok.Encode("abc", false, false), ab_first ? Ids({262, 261}) : Ids({259, 263}));
  }
}

TEST(TokenizerSpmTest, SpecialTokensParsedOnlyWhenAsked) {
  // 259 ▁a  260 ▁b  261 a  262 b  263 <tool> (user-defined)  264 <|im_end|> (control)
  const Tokenizer tok = Make(SpmVocab({{"\xE2\x96\x81"
                                        "a",
                                        -1},
                                       {"\xE2\x96\x81"
                                        "b",
                                        -1},
                                       {"a", -2},
                                       {"b", -2},
                                       {"<tool>", 0, kUserDefined},
                                       {"<|im_end|>", 0, kControl}}));
  EXPECT_EQ(tok.Encode("a<s>b", false, true), Ids({259, 1, 260}));  // space prefix after <s>
  const std::vector<TokenId> plain = tok.Encode("a<s>b", false, false);
  EXPECT_EQ(std::count(plain.begin(), plain.end(), 1), 0);
  EXPECT_EQ(tok.Decode(plain), " a<s>b");
  // User-defined tokens are always recognized.
  EXPECT_EQ(tok.Encode("a<tool>b", false, false), Ids({259, 263, 260}));
  EXPECT_EQ(tok.Encode("<|im_end|>", false, true), Ids({264}));
  EXPECT_TRUE(tok.IsEndOfGeneration(264));
  EXPECT_TRUE(tok.IsEndOfGeneration(2));
  EXPECT_FALSE(tok.IsEndOfGeneration(259));
  EXPECT_EQ(tok.FindToken("<tool>"), 263);
  EXPECT_EQ(tok.FindToken("nope"), std::nullopt);
}

TEST(TokenizerSpmTest, AddsBosAndEosAsTheVocabularySays) {
  GgufMetadata md =
      SpmVocab({{"\xE2\x96\x81"
                 "a",
                 -1}});
  Tokenizer tok = Make(md);
  EXPECT_TRUE(tok.add_bos());
  EXPECT_FALSE(tok.add_eos());
  EXPECT_EQ(tok.Encode("a", true, false), Ids({1, 259}));
  EXPECT_EQ(tok.Encode("a", false, false), Ids({259}));
  EXPECT_EQ(tok.Encode("", true, false), Ids({1}));
  md.Set("tokenizer.ggml.add_bos_token", GgufValue::Bool(false));
  md.Set("tokenizer.ggml.add_eos_token", GgufValue::Bool(true));
  tok = Make(md);
  EXPECT_EQ(tok.Encode("a", true, false), Ids({259, 2}));
  EXPECT_EQ(tok.bos(), 1);
  EXPECT_EQ(tok.eos(), 2);
}

TEST(TokenizerBpeTest, MergesByRank) {
  // 256: bc  257: ab  ("a"=97, "b"=98, "c"=99). The first merge in the list wins.
  const Tokenizer bc_first = Make(BpeVocab({{"bc"}, {"ab"}}, {"b c", "a b"}));
  EXPECT_EQ(bc_first.Encode("abc", false, false), Ids({97, 256}));
  const Tokenizer ab_first = Make(BpeVocab({{"bc"}, {"ab"}}, {"a b", "b c"}));
  EXPECT_EQ(ab_first.Encode("abc", false, false), Ids({257, 99}));
  // Words are split first: " ab" is space + "ab" (no merge with the space).
  EXPECT_EQ(ab_first.Encode("x ab", false, false), Ids({120, 32, 257}));
}

TEST(TokenizerBpeTest, PiecesAreBytesAndBosIsAbsentWithoutKey) {
  // "Ġhello" is " hello" (Ġ = U+0120 stands for the space byte).
  const Tokenizer tok = Make(BpeVocab({{"\xC4\xA0hello"}, {"<|endoftext|>", 0, kControl}}, {}));
  EXPECT_EQ(tok.Piece(256), " hello");
  EXPECT_EQ(tok.Piece(257), "<|endoftext|>");
  EXPECT_EQ(tok.Piece(0x0A), "\n");  // byte 10's stand-in character decodes to the byte
  EXPECT_EQ(tok.bos(), -1);
  EXPECT_EQ(tok.eos(), -1);
  EXPECT_FALSE(tok.add_bos());
  EXPECT_EQ(tok.Encode("<|endoftext|>", true, true), Ids({257}));
  EXPECT_TRUE(tok.IsEndOfGeneration(257));
  EXPECT_EQ(tok.Encode("<|endoftext|>", true, false).size(), 13u);
}

TEST(TokenizerBpeTest, UnknownPreTokenizerFallsBackToGpt2) {
  const Tokenizer tok = Make(BpeVocab({}, {}, "no-such-pre"));
  EXPECT_EQ(tok.pre(), "no-such-pre");
  EXPECT_EQ(tok.Decode(tok.Encode("Hello, world!", false, false)), "Hello, world!");
}

TEST(TokenizerBpeTest, InvalidUtf8IsTokenizedAsBytes) {
  const Tokenizer tok = Make(BpeVocab({}, {}, "llama-bpe"));
  const std::string text = "a\xFF\xC3(\xE2\x82 \xF0\x9F\xA6";
  const std::vector<TokenId> ids = tok.Encode(text, false, false);
  EXPECT_EQ(ids.size(), text.size());
  EXPECT_EQ(tok.Decode(ids), text);
}

TEST(TokenizerRobustnessTest, RandomBytesNeverCrashAndRoundTrip) {
  const Tokenizer bpe = Make(BpeVocab({{"\xC4\xA0t"}, {"he"}}, {"\xC4\xA0 t", "h e"}, "qwen2"));
  const Tokenizer spm = Make(SpmVocab({{"\xE2\x96\x81", -1}, {"ab", -2}}));
  std::mt19937 rng(42);
  for (int iter = 0; iter < 2000; ++iter) {
    std::string text(rng() % 40, '\0');
    for (char& c : text) c = static_cast<char>(rng() % 4 == 0 ? rng() % 256 : " ath\n"[rng() % 5]);
    const std::vector<TokenId> b = bpe.Encode(text, true, true);
    ASSERT_EQ(bpe.Decode(b), text);
    const std::vector<TokenId> s = spm.Encode(text, false, false);
    ASSERT_EQ(spm.Decode(s), text.empty() ? "" : " " + text);
    for (TokenId id : b) ASSERT_TRUE(id >= 0 && id < bpe.n_vocab());
    for (TokenId id : s) ASSERT_TRUE(id >= 0 && id < spm.n_vocab());
  }
}

TEST(TokenizerRobustnessTest, OutOfRangeIdsAreHarmless) {
  const Tokenizer tok = Make(SpmVocab({}));
  for (TokenId id : {-1, -100, tok.n_vocab(), tok.n_vocab() + 5, INT32_MAX}) {
    EXPECT_EQ(tok.Piece(id), "");
    EXPECT_FALSE(tok.IsEndOfGeneration(id));
    EXPECT_EQ(tok.TokenText(id), "");
  }
  const std::vector<TokenId> ids = {-1, ByteId('o'), 99999, ByteId('k')};
  EXPECT_EQ(tok.Decode(ids), "ok");
  StreamingDetokenizer stream(tok);
  EXPECT_EQ(stream.Push(-7), "");
  EXPECT_EQ(stream.Push(ByteId('x')), "x");
}

TEST(StreamingDetokenizerTest, HoldsBackAnEmojiSplitAcrossTokens) {
  const Tokenizer tok = Make(SpmVocab({}));
  StreamingDetokenizer stream(tok);
  // U+1F999 (llama) is F0 9F A6 99: one byte token each.
  EXPECT_EQ(stream.Push(ByteId('a')), "a");
  EXPECT_EQ(stream.Push(ByteId(0xF0)), "");
  EXPECT_EQ(stream.Push(ByteId(0x9F)), "");
  EXPECT_EQ(stream.Push(ByteId(0xA6)), "");
  EXPECT_EQ(stream.Push(ByteId(0x99)), "\xF0\x9F\xA6\x99");
  EXPECT_EQ(stream.Finish(), "");
  // An incomplete character at the end becomes U+FFFD; invalid bytes do at once.
  EXPECT_EQ(stream.Push(ByteId(0xE2)), "");
  EXPECT_EQ(stream.Push(ByteId(0x82)), "");
  EXPECT_EQ(stream.Finish(), "\xEF\xBF\xBD");
  EXPECT_EQ(stream.Push(ByteId(0xFF)), "\xEF\xBF\xBD");
  EXPECT_EQ(stream.Push(ByteId(0xC3)), "");
  EXPECT_EQ(stream.Push(ByteId('(')), "\xEF\xBF\xBD(");
  EXPECT_EQ(stream.Finish(), "");
}

TEST(TokenizerWpmTest, NormalizesAndSplitsIntoWordPieces) {
  // Word-initial pieces carry U+2581, continuations none (GGUF's WordPiece convention).
  GgufMetadata md = MakeVocab("bert", {{"[PAD]", 0, kControl},
                                       {"[UNK]", 0, kControl},
                                       {"[CLS]", 0, kControl},
                                       {"[SEP]", 0, kControl},
                                       {"\xE2\x96\x81hello"},
                                       {"\xE2\x96\x81,"},
                                       {"\xE2\x96\x81un"},
                                       {"aff"},
                                       {"able"},
                                       {"\xE2\x96\x81\xE4\xB8\x96"}});  // ▁世
  md.Set("tokenizer.ggml.unknown_token_id", GgufValue::U32(1));
  md.Set("tokenizer.ggml.seperator_token_id", GgufValue::U32(3));
  const Tokenizer tok = Make(md);
  EXPECT_EQ(tok.Encode("H\xC3\xA9LLO, unaffable!\xE4\xB8\x96x", false, false),
            Ids({4, 5, 6, 7, 8, 1, 9, 1}));
  EXPECT_EQ(tok.Encode("hello", true, false), Ids({2, 4, 3}));  // [CLS] ... [SEP]
  EXPECT_EQ(tok.bos(), 2);
  EXPECT_EQ(tok.Encode(std::string(101, 'a'), false, false), Ids({1}));
  EXPECT_EQ(tok.Encode("\xFF\xFE", false, false), Ids({}));
}

TEST(TokenizerMetadataTest, ErrorsNameTheKey) {
  GgufMetadata md = SpmVocab({});
  md.Remove("tokenizer.ggml.model");
  Result<Tokenizer> r = Tokenizer::FromMetadata(md);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("tokenizer.ggml.model"), std::string::npos);

  md = SpmVocab({});
  md.Set("tokenizer.ggml.model", GgufValue::String("rwkv"));
  r = Tokenizer::FromMetadata(md);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("rwkv"), std::string::npos);

  md = SpmVocab({});
  const std::vector<float> two = {0, 0};
  md.Set("tokenizer.ggml.scores",
         GgufValue::Array(GgufType::kFloat32, std::span<const float>(two)));
  r = Tokenizer::FromMetadata(md);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("tokenizer.ggml.scores"), std::string::npos);

  md = BpeVocab({}, {});
  md.Remove("tokenizer.ggml.merges");
  r = Tokenizer::FromMetadata(md);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("tokenizer.ggml.merges"), std::string::npos);

  md = BpeVocab({}, {"nospace"});
  r = Tokenizer::FromMetadata(md);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("tokenizer.ggml.merges"), std::string::npos);
}

TEST(TokenizerMetadataTest, ReadsAVocabularyWrittenToAGgufFile) {
  GgufWriter writer;
  writer.metadata() = SpmVocab({{"\xE2\x96\x81ok", -1}, {"\xE2\x96\x81o", -2}});
  Result<std::string> bytes = writer.WriteToString();
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  Result<GgufFile> file = GgufFile::FromMemory(
      std::as_bytes(std::span<const char>(bytes->data(), bytes->size())), "vocab.gguf");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  const Tokenizer tok = Make(file->metadata());
  EXPECT_EQ(tok.Encode("ok", true, false), Ids({1, 259}));
}

}  // namespace
}  // namespace strata::genai
