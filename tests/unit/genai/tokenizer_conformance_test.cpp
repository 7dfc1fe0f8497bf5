// Tokenizer conformance against shared/llm/tokenizer: for every vocabulary file there,
// every case of its .inp must encode (add_special=false, parse_special=false) to the ids
// of the matching .out line. New files in the folder are picked up automatically.
#include <filesystem>
#include <sstream>

#include <gtest/gtest.h>

#include "genai/genai.h"
#include "shared_data.h"

namespace strata::genai {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kSeparator = "\n__ggml_vocab_test__\n";

std::vector<std::string> SplitCases(std::string text) {
  std::vector<std::string> cases;
  if (text.size() >= kSeparator.size() &&
      text.compare(text.size() - kSeparator.size(), kSeparator.size(), kSeparator) == 0) {
    text.resize(text.size() - kSeparator.size());
  }
  size_t pos = 0;
  while (true) {
    const size_t hit = text.find(kSeparator, pos);
    if (hit == std::string::npos) break;
    cases.push_back(text.substr(pos, hit - pos));
    pos = hit + kSeparator.size();
  }
  cases.push_back(text.substr(pos));
  return cases;
}

std::vector<std::vector<TokenId>> ParseOut(const std::string& text) {
  std::vector<std::vector<TokenId>> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::vector<TokenId> ids;
    long long id = 0;
    while (fields >> id) ids.push_back(static_cast<TokenId>(id));
    lines.push_back(std::move(ids));
  }
  return lines;
}

std::string Ids(const std::vector<TokenId>& ids) {
  std::string s;
  for (TokenId id : ids) {
    s += ' ';
    s += std::to_string(id);
  }
  return s;
}

std::string Escaped(std::string_view text) {
  std::string s;
  for (char c : text) {
    if (c == '\n') {
      s += "\\n";
    } else if (c == '\t') {
      s += "\\t";
    } else {
      s += c;
    }
  }
  return s;
}

TEST(TokenizerConformanceTest, EveryCaseOfEveryVocabulary) {
  const fs::path dir = testing::LlmData("tokenizer");
  std::vector<fs::path> vocabs;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".gguf") vocabs.push_back(e.path());
  }
  std::sort(vocabs.begin(), vocabs.end());
  ASSERT_GE(vocabs.size(), 12u) << testing::MissingDataMessage(dir);

  size_t total = 0;
  for (const fs::path& path : vocabs) {
    const std::string name = path.filename().string();
    SCOPED_TRACE(name);
    Result<GgufFile> file = GgufFile::Open(path);
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    Result<Tokenizer> tok = Tokenizer::FromMetadata(file->metadata());
    ASSERT_TRUE(tok.ok()) << tok.status().ToString();
    Result<std::string> inp = core::ReadFile(path.string() + ".inp");
    Result<std::string> out = core::ReadFile(path.string() + ".out");
    ASSERT_TRUE(inp.ok()) << inp.status().ToString();
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    const std::vector<std::string> cases = SplitCases(*inp);
    const std::vector<std::vector<TokenId>> expected = ParseOut(*out);
    ASSERT_EQ(cases.size(), expected.size());
    size_t passed = 0;
    for (size_t i = 0; i < cases.size(); ++i) {
      const std::vector<TokenId> actual = tok->Encode(cases[i], false, false);
      if (actual == expected[i]) {
        ++passed;
      } else {
        ADD_FAILURE() << name << " case " << i << " text \"" << Escaped(cases[i])
                      << "\"\n  expected:" << Ids(expected[i]) << "\n  actual:  " << Ids(actual);
      }
    }
    std::printf("  %-36s %zu/%zu cases\n", name.c_str(), passed, cases.size());
    total += cases.size();
  }
  EXPECT_GE(total, 12u * 46u);
}

}  // namespace
}  // namespace strata::genai
