// Tokenization of the shared model files against their reference JSON
// (shared/llm/models/*.ref.json): each prompt encodes (add_special=true,
// parse_special=false) to prompt_ids exactly, and the pieces of gen_ids concatenate to
// the bytes of gen_text_hex; streaming those tokens gives the same text.
#include <filesystem>

#include <gtest/gtest.h>

#include "genai/genai.h"
#include "shared_data.h"

namespace strata::genai {
namespace {

namespace fs = std::filesystem;

std::string FromHex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

std::string IdList(const std::vector<TokenId>& ids) {
  std::string s;
  for (TokenId id : ids) {
    s += ' ';
    s += std::to_string(id);
  }
  return s;
}

TEST(TokenizerModelsTest, PromptIdsAndGeneratedBytesMatchTheReference) {
  const fs::path dir = testing::LlmData("models");
  std::vector<fs::path> refs;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.size() > 9 && name.ends_with(".ref.json")) refs.push_back(e.path());
  }
  std::sort(refs.begin(), refs.end());
  ASSERT_GE(refs.size(), 18u) << testing::MissingDataMessage(dir);

  for (const fs::path& ref_path : refs) {
    const std::string name = ref_path.filename().string();
    const std::string stem = name.substr(0, name.size() - std::string(".ref.json").size());
    SCOPED_TRACE(stem);
    const Json ref = testing::LoadSharedJson("models/" + name);
    ASSERT_TRUE(ref.is_object());
    Result<GgufFile> file = GgufFile::Open(dir / (stem + ".gguf"));
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    Result<Tokenizer> tok = Tokenizer::FromMetadata(file->metadata());
    ASSERT_TRUE(tok.ok()) << tok.status().ToString();
    EXPECT_EQ(tok->n_vocab(), ref.at("n_vocab").get<int32_t>());
    EXPECT_EQ(tok->add_bos(), ref.at("add_bos").get<bool>());
    EXPECT_EQ(tok->bos(), ref.at("bos_id").get<TokenId>());

    const Json& prompts = ref.at("prompts");
    ASSERT_EQ(prompts.size(), 4u);
    for (size_t i = 0; i < prompts.size(); ++i) {
      const Json& p = prompts[i];
      const std::string text = p.at("text").get<std::string>();
      const auto expected = p.at("prompt_ids").get<std::vector<TokenId>>();
      const std::vector<TokenId> actual = tok->Encode(text, true, false);
      EXPECT_EQ(actual, expected) << stem << " prompt " << i << " \"" << text
                                  << "\"\n  expected:" << IdList(expected)
                                  << "\n  actual:  " << IdList(actual);

      const auto gen_ids = p.at("gen_ids").get<std::vector<TokenId>>();
      const std::string gen_bytes = FromHex(p.at("gen_text_hex").get<std::string>());
      std::string pieces;
      for (TokenId id : gen_ids) pieces += tok->Piece(id);
      EXPECT_EQ(pieces, gen_bytes) << stem << " prompt " << i;
      EXPECT_EQ(tok->Decode(gen_ids), gen_bytes) << stem << " prompt " << i;

      // Streaming gives the same text whenever the reference bytes are valid UTF-8.
      StreamingDetokenizer stream(*tok);
      std::string streamed;
      for (TokenId id : gen_ids) streamed += stream.Push(id);
      streamed += stream.Finish();
      EXPECT_EQ(streamed, p.at("gen_text").get<std::string>()) << stem << " prompt " << i;
    }
  }
}

}  // namespace
}  // namespace strata::genai
