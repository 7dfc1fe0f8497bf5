// `strata llm ...` on the shared conformance models, as a user runs it: prompts given as
// text, output read as JSON, compared with the llama.cpp references.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "genai/genai.h"
#include "harness.h"

namespace strata::e2e {
namespace {

std::filesystem::path Models() {
  const char* env = std::getenv("STRATA_SHARED_DIR");
  return std::filesystem::path(env != nullptr && *env != '\0' ? env : STRATA_SHARED_DIR) / "llm" / "models";
}

Json LoadRef(const std::string& name) {
  auto text = core::ReadFile(Models() / (name + ".ref.json"));
  EXPECT_TRUE(text.ok()) << "shared LLM data missing: " << (Models() / name).string();
  if (!text.ok()) return nullptr;
  return core::ParseJson(*text, name).value();
}

Json RunJson(const std::vector<std::string>& args) {
  std::vector<std::string> full = {"llm"};
  full.insert(full.end(), args.begin(), args.end());
  full.insert(full.end(), {"--output", "json"});
  CliResult r = RunCli(full);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto json = core::ParseJson(r.out, "strata llm output");
  EXPECT_TRUE(json.ok()) << r.out << r.err;
  return json.ok() ? *json : Json();
}

std::string Hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

// Greedy generation from the prompt text equals the reference continuation up to the
// first step whose reference margin is below tau (README section 4, rule 4).
void ExpectGreedyContinuation(const std::string& name, double tau) {
  const Json ref = LoadRef(name);
  ASSERT_FALSE(ref.is_null());
  const std::string model = (Models() / ref["model"]["file"].get<std::string>()).string();
  for (const Json& p : ref["prompts"]) {
    const auto want = p["gen_ids"].get<std::vector<int>>();
    const auto margin = p["gen_margin"].get<std::vector<double>>();
    Json out = RunJson({"run", model, "-p", p["text"].get<std::string>(), "-n", "32", "--temp", "0", "--ignore-eos"});
    const auto got = out["ids"].get<std::vector<int>>();
    ASSERT_EQ(got.size(), 32u) << out.dump();
    size_t s = 0;
    for (; s < want.size() && margin[s] >= tau; ++s) ASSERT_EQ(got[s], want[s]) << name << " step " << s;
    if (s == want.size()) {
      // The whole continuation agrees: so must its text, byte for byte.
      EXPECT_EQ(Hex(out["text"].get<std::string>()), p["gen_text_hex"].get<std::string>()) << name;
    }
  }
}

TEST(LlmCliE2E, RunContinuesLikeTheReference) {
  ExpectGreedyContinuation("stories260K", 0.02);
  ExpectGreedyContinuation("tiny-qwen2-q4_0", 0.2);
  ExpectGreedyContinuation("tiny-gemma2-q8_0", 0.2);
}

TEST(LlmCliE2E, TokenizeGivesThePromptIds) {
  for (const std::string name : {"tiny-llama-bpe-q8_0", "tiny-llama-spm-q4_k", "tiny-qwen2-f16", "tiny-gemma2-q4_0"}) {
    const Json ref = LoadRef(name);
    ASSERT_FALSE(ref.is_null());
    const std::string model = (Models() / ref["model"]["file"].get<std::string>()).string();
    for (const Json& p : ref["prompts"]) {
      Json out = RunJson({"tokenize", model, p["text"].get<std::string>()});
      EXPECT_EQ(out["ids"], p["prompt_ids"]) << name << ": " << p["text"];
    }
  }
}

TEST(LlmCliE2E, LogitsMatchTheReferenceTopList) {
  const Json ref = LoadRef("tiny-llama-spm-f16");
  ASSERT_FALSE(ref.is_null());
  const Json& p = ref["prompts"][1];
  Json out = RunJson({"logits", (Models() / "tiny-llama-spm-f16.gguf").string(), "-p", p["text"].get<std::string>(),
                      "--top", "20"});
  const auto want = p["logits"][0]["top_logits"].get<std::vector<double>>();
  const auto got = out["top_logits"].get<std::vector<double>>();
  ASSERT_EQ(got.size(), 20u);
  // Sorted values move by at most the per-id tolerance of F16 weights.
  for (size_t i = 0; i < 20; ++i) EXPECT_NEAR(got[i], want[i], 0.03) << "rank " << i;
  EXPECT_EQ(out["top_ids"][0], p["logits"][0]["top_ids"][0]);
}

TEST(LlmCliE2E, PerplexityOfStories260K) {
  Json out = RunJson({"perplexity", (Models() / "stories260K.gguf").string(),
                      (Models() / "stories260K.ppl.txt").string(), "--ctx", "128"});
  EXPECT_NEAR(out["perplexity"].get<double>(), 3.4098, 0.001) << out.dump();
  EXPECT_EQ(out["tokens"], 906);
  EXPECT_EQ(out["scored"], 441);
}

// Our Q8_0 quantizer is the format's reference one, so quantizing the F32 model gives
// exactly the tensors of the shared Q8_0 file (made by llama-quantize --pure Q8_0).
TEST(LlmCliE2E, QuantizeReproducesTheReferenceQ8_0File) {
  TempDir dir;
  const std::string out_path = dir.str() + "/q8.gguf";
  Json out = RunJson({"quantize", (Models() / "tiny-llama-spm-f32.gguf").string(), out_path, "q8_0"});
  EXPECT_EQ(out["type"], "Q8_0");
  auto mine = genai::GgufFile::Open(out_path);
  auto theirs = genai::GgufFile::Open(Models() / "tiny-llama-spm-q8_0.gguf");
  ASSERT_TRUE(mine.ok() && theirs.ok());
  ASSERT_EQ(mine->tensors().size(), theirs->tensors().size());
  for (const auto& t : theirs->tensors()) {
    const auto* m = mine->FindTensor(t.name);
    ASSERT_NE(m, nullptr) << t.name;
    EXPECT_EQ(m->type, t.type) << t.name;
    const auto a = mine->View(*m).data, b = theirs->View(t).data;
    ASSERT_EQ(a.size(), b.size()) << t.name;
    EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size()), 0) << t.name;
  }
  // And the result runs.
  int q8 = 0;
  for (const auto& t : theirs->tensors()) q8 += t.type == genai::TensorType::kQ8_0;
  Json info = RunJson({"info", out_path});
  EXPECT_EQ(info["tensor_types"]["Q8_0"], q8);
}

TEST(LlmCliE2E, BadInputGetsClearErrors) {
  TempDir dir;
  const std::string junk = dir.str() + "/junk.gguf";
  std::ofstream(junk) << "this is not a model";
  CliResult r = RunCli({"llm", "info", junk});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("junk.gguf"), std::string::npos) << r.err;

  CliResult missing = RunCli({"llm", "run", dir.str() + "/nope.gguf", "-p", "x"});
  EXPECT_EQ(missing.exit_code, 2) << missing.err;

  CliResult type = RunCli({"llm", "quantize", (Models() / "stories260K.gguf").string(), dir.str() + "/o.gguf", "q9_9"});
  EXPECT_NE(type.exit_code, 0);
  EXPECT_NE(type.err.find("q9_9"), std::string::npos) << type.err;
  EXPECT_FALSE(std::filesystem::exists(dir.str() + "/o.gguf"));

  CliResult temp = RunCli({"llm", "run", (Models() / "stories260K.gguf").string(), "-p", "x", "--temp", "-3"});
  EXPECT_NE(temp.exit_code, 0);
  EXPECT_NE(temp.err.find("temperature"), std::string::npos) << temp.err;
}

}  // namespace
}  // namespace strata::e2e
