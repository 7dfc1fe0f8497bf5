// GBNF grammars: parsing (and its errors), matching text, and filtering a hand-made
// vocabulary, checked against testing every token on its own.
#include "genai/grammar.h"

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "genai/gguf.h"
#include "genai/grammar_matcher.h"
#include "genai/tokenizer.h"

namespace strata::genai {
namespace {

std::shared_ptr<const Grammar> MustParse(std::string_view text) {
  Result<std::shared_ptr<const Grammar>> g = Grammar::Parse(text);
  EXPECT_TRUE(g.ok()) << g.status().ToString();
  return g.ok() ? *g : nullptr;
}

bool Matches(const std::shared_ptr<const Grammar>& g, std::string_view text) {
  Result<bool> r = GrammarMatches(g, text);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() && *r;
}

std::string ParseError(std::string_view text) {
  Result<std::shared_ptr<const Grammar>> g = Grammar::Parse(text);
  EXPECT_FALSE(g.ok()) << "parsed: " << text;
  return g.ok() ? "" : g.status().ToString();
}

TEST(GrammarParse, AcceptsTheUsualNotation) {
  auto g = MustParse(R"(
# a key/value list
root   ::= "{" ws pair ("," ws pair)* "}"   # trailing comment
pair   ::= name ws ":" ws num ws
name   ::= [a-zA-Z_] [a-zA-Z0-9_-]{0,7}
num    ::= "-"? [0-9]+
ws     ::= [ \t\n]*
)");
  ASSERT_NE(g, nullptr);
  EXPECT_TRUE(Matches(g, "{a:1}"));
  EXPECT_TRUE(Matches(g, "{ a : -12 ,\n\tb_2:3 }"));
  EXPECT_FALSE(Matches(g, "{a:1"));
  EXPECT_FALSE(Matches(g, "{1:1}"));
  EXPECT_FALSE(Matches(g, "{a:1,}"));
  EXPECT_FALSE(Matches(g, "{abcdefghi:1}"));  // name longer than 8
}

TEST(GrammarParse, AlternativesMayContinueOnTheNextLine) {
  auto g = MustParse("root ::= \"a\"\n  | \"b\"\n  | (\n \"c\"\n)\nother ::= \"x\"");
  ASSERT_NE(g, nullptr);
  EXPECT_TRUE(Matches(g, "a"));
  EXPECT_TRUE(Matches(g, "b"));
  EXPECT_TRUE(Matches(g, "c"));
  EXPECT_FALSE(Matches(g, "x"));
}

TEST(GrammarParse, LiteralEscapes) {
  auto g = MustParse(R"(root ::= "\"\\\n\t\x41\u00e9\U0001F999" [\]\-\^] "[")");
  ASSERT_NE(g, nullptr);
  EXPECT_TRUE(Matches(g, "\"\\\n\tA\xC3\xA9\xF0\x9F\xA6\x99]["));
  EXPECT_TRUE(Matches(g, "\"\\\n\tAé🦙-["));
  EXPECT_TRUE(Matches(g, "\"\\\n\tAé🦙^["));
  EXPECT_FALSE(Matches(g, "\"\\\n\tAé🦙a["));
}

TEST(GrammarParse, ErrorsNameLineAndColumn) {
  EXPECT_NE(ParseError("root ::= \"a\"\nfoo ::= \"b")
                .find("line 2, column 9: unterminated string literal"),
            std::string::npos);
  EXPECT_NE(ParseError("root ::= [a-").find("line 1, column 10: unterminated character class"),
            std::string::npos);
  EXPECT_NE(ParseError("root ::= \"a\" | missing\n")
                .find("line 1, column 16: rule 'missing' is not defined"),
            std::string::npos);
  EXPECT_NE(ParseError("root ::= (\"a\"").find("line 1, column 10: expected ')'"),
            std::string::npos);
  EXPECT_NE(ParseError("root ::= \"a\")").find("line 1, column 13: unmatched ')'"),
            std::string::npos);
  EXPECT_NE(ParseError("root = \"a\"").find("line 1, column 6: expected '::='"), std::string::npos);
  EXPECT_NE(ParseError("root ::= \"\\q\"").find("line 1, column 11: unknown escape '\\q'"),
            std::string::npos);
  EXPECT_NE(
      ParseError("root ::= \"é\" [z-a]").find("line 1, column 16: character range is out of order"),
      std::string::npos);
  EXPECT_NE(ParseError("root ::= \"a\"{3,2}").find("maximum is below the minimum"),
            std::string::npos);
  EXPECT_NE(ParseError("root ::= \"a\"{99999}").find("limit"), std::string::npos);
  EXPECT_NE(ParseError("root ::= \"a\"\nroot ::= \"b\"")
                .find("line 2, column 1: rule 'root' is defined twice"),
            std::string::npos);
  EXPECT_NE(ParseError("start ::= \"a\"").find("no rule 'root'"), std::string::npos);
  EXPECT_NE(ParseError("root ::= \"a\" @").find("unexpected character '@'"), std::string::npos);
  EXPECT_EQ(Grammar::Parse("x ::= \"a\"", "x").ok(), true);  // another start rule
  EXPECT_EQ(Grammar::Parse("", "root").status().code(), ErrorCode::kInvalidArgument);
}

TEST(GrammarParse, RejectsLeftRecursion) {
  const std::string e1 =
      ParseError("root ::= expr\nexpr ::= expr \"+\" term | term\nterm ::= [0-9]");
  EXPECT_NE(e1.find("line 2, column 1: rule 'expr' is left-recursive (expr -> expr)"),
            std::string::npos)
      << e1;
  const std::string e2 =
      ParseError("root ::= a\na ::= b? \"x\"\nb ::= \"\" | a");  // through a nullable rule
  EXPECT_NE(e2.find("left-recursive"), std::string::npos) << e2;
  EXPECT_NE(ParseError("root ::= (\"a\"?)*").find("left-recursive"), std::string::npos);
  // Right recursion is fine.
  auto g = MustParse("root ::= \"(\" root \")\" | \"x\"");
  EXPECT_TRUE(Matches(g, "((x))"));
  EXPECT_FALSE(Matches(g, "((x)"));
}

TEST(GrammarMatch, RepetitionBounds) {
  auto g = MustParse(R"(root ::= "a"{2,3} "b"{2} "c"{1,} ("de"){0,2})");
  ASSERT_NE(g, nullptr);
  EXPECT_TRUE(Matches(g, "aabbc"));
  EXPECT_TRUE(Matches(g, "aaabbccccdede"));
  EXPECT_FALSE(Matches(g, "abbc"));
  EXPECT_FALSE(Matches(g, "aaaabbc"));
  EXPECT_FALSE(Matches(g, "aabbbc"));
  EXPECT_FALSE(Matches(g, "aabb"));
  EXPECT_FALSE(Matches(g, "aabbcdedede"));
  EXPECT_FALSE(Matches(g, "aabbcd"));
  auto opt = MustParse(R"(root ::= "x"? "y"* "z"+)");
  EXPECT_TRUE(Matches(opt, "z"));
  EXPECT_TRUE(Matches(opt, "xyyzz"));
  EXPECT_FALSE(Matches(opt, "xxz"));
  EXPECT_FALSE(Matches(opt, "xy"));
}

TEST(GrammarMatch, Utf8CharacterClasses) {
  auto g = MustParse(R"(root ::= [α-ω]+ " " [^"a-z]* " " . "!")");
  ASSERT_NE(g, nullptr);
  EXPECT_TRUE(Matches(g, "αβω XY😀 é!"));
  EXPECT_TRUE(Matches(g, "λ  🦙!"));
  EXPECT_FALSE(Matches(g, "Ω  x!"));   // Ω is upper case: outside α-ω
  EXPECT_FALSE(Matches(g, "α x x!"));  // a-z excluded
  EXPECT_FALSE(Matches(g, "α \" x!"));
  EXPECT_FALSE(Matches(g, "α  \xE9!"));  // invalid UTF-8 never matches
  // A text may stop inside a character; it is incomplete, not rejected.
  GrammarMatcher m(g, nullptr);
  ASSERT_TRUE(m.AcceptText("\xCE").ok());  // first byte of α..ω
  EXPECT_FALSE(m.CanEnd());
  EXPECT_FALSE(m.AcceptText("\x91").ok());  // U+0391 (Α) is not in α-ω
  EXPECT_TRUE(m.AcceptText("\xB1").ok());   // U+03B1 α
  EXPECT_FALSE(m.AcceptText("\xF0").ok());  // no 4-byte character in α-ω
}

TEST(GrammarMatch, TooAmbiguousGrammarsFailCleanly) {
  // Every "(" doubles the distinct stacks (")" or "]" to close each level).
  auto g = MustParse(R"g(root ::= "(" root ")" | "(" root "]" | "x")g");
  GrammarMatcher m(g, nullptr);
  Status s = m.AcceptText(std::string(20, '('));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("too ambiguous"), std::string::npos) << s.ToString();
  EXPECT_FALSE(m.error().ok());
}

// ---- token filtering

// A SentencePiece-style vocabulary: 0 <unk>, 1 <s>, 2 </s> (end of generation), then
// the given pieces ("▁" for a space, "<0xNN>" byte tokens).
Tokenizer MakeTokenizer(const std::vector<std::string>& pieces) {
  std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
  std::vector<int32_t> types = {2, 3, 3};
  for (const std::string& p : pieces) {
    tokens.push_back(p);
    types.push_back(p.size() == 6 && p.starts_with("<0x") ? 6 : 1);
  }
  GgufMetadata m;
  m.Set("tokenizer.ggml.model", GgufValue::String("llama"));
  m.Set("tokenizer.ggml.tokens", GgufValue::StringArray(tokens));
  m.Set("tokenizer.ggml.token_type", GgufValue::Array<int32_t>(GgufType::kInt32, types));
  Result<Tokenizer> t = Tokenizer::FromMetadata(m);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return std::move(t).value();
}

const std::vector<std::string> kPieces = {
    "{",   "}",   "\"",     "a",      "b",      "ab",     "ba",     "\"a",    "a\"",
    "{\"", "\"}", "\":",    ":",      ",",      "▁",      "▁\"",    "1",      "12",
    "123", "1\"", "é",      "<0xC3>", "<0xA9>", "<0xE2>", "<0x82>", "<0xAC>", "€",
    "x",   "}}",  "\"ab\"", "\"b\":", ":1",     "1}",     ""};

// The allowed set computed the slow way: each token checked on its own from scratch.
std::vector<bool> BruteForce(const std::shared_ptr<const Grammar>& g, const Tokenizer& tok,
                             std::string_view prefix) {
  std::vector<bool> allowed(static_cast<size_t>(tok.n_vocab()), false);
  for (TokenId id = 0; id < tok.n_vocab(); ++id) {
    GrammarMatcher m(g, nullptr);
    if (!m.AcceptText(prefix).ok()) continue;
    if (tok.IsEndOfGeneration(id)) {
      allowed[id] = m.CanEnd();
    } else if (!tok.IsControl(id) && !tok.Piece(id).empty()) {
      allowed[id] = m.AcceptText(tok.Piece(id)).ok();
    }
  }
  return allowed;
}

TEST(GrammarTokens, MaskEqualsCheckingEachTokenAlone) {
  const Tokenizer tok = MakeTokenizer(kPieces);
  auto vocab = std::make_shared<const GrammarVocabulary>(tok);
  auto g = MustParse(R"(
root  ::= "{" ws pair ("," ws pair)* ws "}"
pair  ::= "\"" key "\"" ws ":" ws value
key   ::= [ab]+
value ::= [0-9]{1,2} | "\"" [^"]* "\""
ws    ::= " "?
)");
  ASSERT_NE(g, nullptr);
  // Prefixes that end between rules, inside them and inside a UTF-8 character.
  for (std::string prefix :
       {"", "{", "{ \"", "{\"ab", "{\"ab\"", "{\"a\": ", "{\"a\":1", "{\"a\":12", "{\"a\":\"",
        "{\"a\":\"x\xC3", "{\"a\":\"\xE2\x82", "{\"a\":1}"}) {
    SCOPED_TRACE("prefix: " + prefix);
    GrammarMatcher m(g, vocab);
    ASSERT_TRUE(m.AcceptText(prefix).ok());
    Result<const TokenMask*> mask = m.AllowedTokens();
    ASSERT_TRUE(mask.ok()) << mask.status().ToString();
    const std::vector<bool> expected = BruteForce(g, tok, prefix);
    int32_t n_text = 0;
    for (TokenId id = 0; id < tok.n_vocab(); ++id) {
      EXPECT_EQ((*mask)->Test(id), expected[id]) << "token " << id << " '" << tok.Piece(id) << "'";
      if (expected[id] && !tok.IsEndOfGeneration(id)) ++n_text;
    }
    EXPECT_EQ((*mask)->n_text_tokens, n_text);
  }
}

TEST(GrammarTokens, MultiCharacterTokensCrossRuleBoundaries) {
  const Tokenizer tok = MakeTokenizer(kPieces);
  auto vocab = std::make_shared<const GrammarVocabulary>(tok);
  auto g = MustParse(R"(root ::= "{" key ":" num "}"
key ::= "\"" [ab]+ "\""
num ::= [0-9]+)");
  GrammarMatcher m(g, vocab);
  const auto id = [&](std::string_view piece) { return *tok.FindToken(piece); };
  auto mask = m.AllowedTokens();
  ASSERT_TRUE(mask.ok());
  EXPECT_TRUE((*mask)->Test(id("{\"")));  // "{" then the key's opening quote
  EXPECT_FALSE((*mask)->Test(id("{")) && (*mask)->Test(id("}")));
  EXPECT_FALSE((*mask)->Test(2));  // </s>: not complete
  ASSERT_TRUE(m.AcceptToken(id("{\"")).ok());
  ASSERT_TRUE(m.AcceptToken(id("ab")).ok());
  mask = m.AllowedTokens();
  EXPECT_TRUE((*mask)->Test(id("\":")));  // closes the key and starts the number
  EXPECT_FALSE((*mask)->Test(id("\"}")));
  ASSERT_TRUE(m.AcceptToken(id("\":")).ok());
  EXPECT_FALSE(m.AcceptToken(id("}")).ok());  // a number is required first
  ASSERT_TRUE(m.AcceptToken(id("1}")).ok());
  EXPECT_TRUE(m.CanEnd());
  mask = m.AllowedTokens();
  EXPECT_EQ((*mask)->n_text_tokens, 0);
  EXPECT_TRUE((*mask)->can_end);
  EXPECT_TRUE((*mask)->Test(2));   // </s>
  EXPECT_FALSE((*mask)->Test(1));  // <s> (control) never
  EXPECT_TRUE(m.AcceptToken(2).ok());
}

TEST(GrammarTokens, ByteTokensCompleteCharactersAcrossTokens) {
  const Tokenizer tok = MakeTokenizer(kPieces);
  auto vocab = std::make_shared<const GrammarVocabulary>(tok);
  auto g = MustParse(R"(root ::= [é€]+)");
  GrammarMatcher m(g, vocab);
  const auto id = [&](std::string_view piece) { return *tok.FindToken(piece); };
  auto mask = m.AllowedTokens();
  EXPECT_TRUE((*mask)->Test(id("é")));
  EXPECT_TRUE((*mask)->Test(id("<0xC3>")));   // may become é
  EXPECT_TRUE((*mask)->Test(id("<0xE2>")));   // may become €
  EXPECT_FALSE((*mask)->Test(id("<0xA9>")));  // a continuation byte cannot start
  ASSERT_TRUE(m.AcceptToken(id("<0xC3>")).ok());
  EXPECT_FALSE(m.CanEnd());
  mask = m.AllowedTokens();
  EXPECT_TRUE((*mask)->Test(id("<0xA9>")));
  EXPECT_FALSE((*mask)->Test(id("é")));
  EXPECT_FALSE((*mask)->Test(2));
  EXPECT_EQ((*mask)->n_text_tokens, 1);
  ASSERT_TRUE(m.AcceptToken(id("<0xA9>")).ok());
  EXPECT_TRUE(m.CanEnd());
}

TEST(GrammarTokens, LargeVocabularyStaysFast) {
  // 120k synthetic pieces; a JSON-like grammar in its most permissive state (inside a
  // string almost every token is allowed) is the worst case for the trie walk.
  std::vector<std::string> pieces;
  uint64_t x = 12345;
  const std::string alphabet = "abcdefghijklmnopqrstuvwxyz \"{}:,0123456789";
  for (int i = 0; i < 120000; ++i) {
    std::string p;
    const int len = 1 + static_cast<int>(x % 9);
    for (int k = 0; k < len; ++k) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      p += alphabet[(x >> 33) % alphabet.size()];
    }
    pieces.push_back(p + std::to_string(i % 7));
  }
  const Tokenizer tok = MakeTokenizer(pieces);
  auto vocab = std::make_shared<const GrammarVocabulary>(tok);
  auto g = MustParse(R"(root ::= "{" ( "\"" [^"]* "\"" ":" [0-9]+ ","? )* "}")");
  const auto start = std::chrono::steady_clock::now();
  int steps = 0;
  for (const char* prefix : {"{\"ab", "{\"ab\"", "{\"ab\":1", "{\"ab\":1,", "{"}) {
    // A fresh matcher each time: nothing cached.
    GrammarMatcher m(g, vocab);
    ASSERT_TRUE(m.AcceptText(prefix).ok());
    auto mask = m.AllowedTokens();
    ASSERT_TRUE(mask.ok()) << mask.status().ToString();
    EXPECT_GT((*mask)->n_text_tokens, 0);
    ++steps;
  }
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::printf("[ perf ] %.2f ms per mask over %d tokens\n", ms / steps, tok.n_vocab());
  EXPECT_LT(ms / steps, 500.0);  // generous: shared, slow CI machines
}

}  // namespace
}  // namespace strata::genai
