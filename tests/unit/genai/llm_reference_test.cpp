// The forward pass against the conformance references of shared/llm/models (the
// acceptance rules of shared/llm/README.md, section 4): logits within the tolerance of
// the file's weight type, teacher-forced and free-running greedy tokens equal wherever
// the reference's top-1/top-2 margin is at least tau, and stories260K's perplexity.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "genai/genai.h"
#include "shared_data.h"

namespace strata::genai {
namespace {

using testing::LlmData;
using testing::LoadSharedJson;

struct Tolerance {
  std::string row;
  double max_abs, rms, tau;
};

Tolerance ToleranceFor(const Json& type_counts) {
  bool quant = false, bf16 = false, f16 = false;
  for (const auto& [type, count] : type_counts.items()) {
    if (type[0] == 'Q' || type[0] == 'q') quant = true;
    if (type == "BF16") bf16 = true;
    if (type == "F16") f16 = true;
  }
  if (quant) return {"quantized", 0.5, 0.15, 0.2};
  if (bf16) return {"BF16", 0.1, 0.03, 0.2};
  if (f16) return {"F16", 0.03, 0.01, 0.05};
  return {"F32", 0.01, 0.003, 0.02};
}

int Argmax(const float* v, int n) {
  return static_cast<int>(std::max_element(v, v + n) - v);  // lowest id on ties
}

std::vector<std::string> ReferenceModels() {
  std::vector<std::string> names;
  const auto dir = LlmData("models");
  if (!std::filesystem::is_directory(dir)) return names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string f = e.path().filename().string();
    const std::string suffix = ".ref.json";
    if (f.size() > suffix.size() && f.ends_with(suffix)) names.push_back(f.substr(0, f.size() - suffix.size()));
  }
  std::sort(names.begin(), names.end());
  return names;
}

class LlmReferenceTest : public ::testing::TestWithParam<std::string> {};

TEST_P(LlmReferenceTest, MatchesReferenceLogitsAndTokens) {
  const std::string name = GetParam();
  const Json ref = LoadSharedJson("models/" + name + ".ref.json");
  ASSERT_FALSE(ref.is_null());
  auto model = LlmModel::Open(LlmData("models/" + ref["model"]["file"].get<std::string>()));
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const int n_vocab = ref["n_vocab"].get<int>();
  ASSERT_EQ((*model)->config().n_vocab, n_vocab);
  const Tolerance tol = ToleranceFor(ref["model"]["tensor_type_counts"]);

  std::ifstream in(LlmData("models/" + name + ".ref.logits.f32"), std::ios::binary);
  ASSERT_TRUE(in) << "missing logits file for " << name;
  std::vector<float> full(static_cast<size_t>(4) * 5 * n_vocab);
  in.read(reinterpret_cast<char*>(full.data()), static_cast<std::streamsize>(full.size() * sizeof(float)));
  ASSERT_TRUE(in) << "short logits file for " << name;

  LlmEvaluator eval(**model, 2);
  std::vector<float> logits;
  for (size_t p = 0; p < ref["prompts"].size(); ++p) {
    const Json& pr = ref["prompts"][p];
    const auto prompt = pr["prompt_ids"].get<std::vector<TokenId>>();
    const auto gen = pr["gen_ids"].get<std::vector<TokenId>>();
    const auto margin = pr["gen_margin"].get<std::vector<double>>();
    SCOPED_TRACE(name + " prompt " + std::to_string(p));

    // Rule 2: the prompt, then gen_ids[0..3] one at a time.
    KvCache cache(**model, static_cast<int>(prompt.size() + gen.size()));
    for (int k = 0; k < 5; ++k) {
      std::vector<TokenId> feed = k == 0 ? prompt : std::vector<TokenId>{gen[k - 1]};
      SequenceInput seq{&cache, feed};
      ASSERT_TRUE(eval.Decode({&seq, 1}, &logits).ok());
      const float* want = full.data() + (p * 5 + k) * n_vocab;
      double max_abs = 0, sq = 0;
      for (int i = 0; i < n_vocab; ++i) {
        const double d = std::fabs(static_cast<double>(logits[i]) - want[i]);
        max_abs = std::max(max_abs, d);
        sq += d * d;
      }
      const double rms = std::sqrt(sq / n_vocab);
      EXPECT_LE(max_abs, tol.max_abs) << "vector " << k << " (" << tol.row << ")";
      EXPECT_LE(rms, tol.rms) << "vector " << k << " (" << tol.row << ")";
    }

    // Rule 3: teacher-forced greedy over all 32 steps, in one batch with every logit.
    KvCache forced(**model, static_cast<int>(prompt.size() + gen.size()));
    std::vector<TokenId> all = prompt;
    all.insert(all.end(), gen.begin(), gen.end() - 1);
    SequenceInput seq{&forced, all, /*all_logits=*/true};
    ASSERT_TRUE(eval.Decode({&seq, 1}, &logits).ok());
    for (size_t s = 0; s < gen.size(); ++s) {
      if (margin[s] < tol.tau) continue;
      const float* row = logits.data() + (prompt.size() - 1 + s) * n_vocab;
      EXPECT_EQ(Argmax(row, n_vocab), gen[s]) << "teacher-forced step " << s << " margin " << margin[s];
    }

    // Rule 4: free-running greedy, equal up to the first low-margin step.
    KvCache free(**model, static_cast<int>(prompt.size() + gen.size()));
    SequenceInput first{&free, prompt};
    ASSERT_TRUE(eval.Decode({&first, 1}, &logits).ok());
    for (size_t s = 0; s < gen.size(); ++s) {
      if (margin[s] < tol.tau) break;
      const TokenId next = Argmax(logits.data(), n_vocab);
      ASSERT_EQ(next, gen[s]) << "free-running step " << s;
      SequenceInput step{&free, std::span<const TokenId>(&next, 1)};
      ASSERT_TRUE(eval.Decode({&step, 1}, &logits).ok());
    }
  }
}

INSTANTIATE_TEST_SUITE_P(SharedModels, LlmReferenceTest, ::testing::ValuesIn(ReferenceModels()),
                         [](const auto& info) {
                           std::string s = info.param;
                           for (char& ch : s) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return s;
                         });

TEST(LlmReference, FindsTheSharedModels) {
  EXPECT_GE(ReferenceModels().size(), 18u) << testing::MissingDataMessage(LlmData("models"));
}

// Sequences decoded together in one batch give the logits they get decoded alone. Not
// bit for bit: a batch of 16 tokens or more may take the AMX tiles, which sum the same
// integer products in another order than the per-row kernels.
TEST(LlmBatch, SeveralSequencesMatchSingleDecodes) {
  const Json ref = LoadSharedJson("models/tiny-llama-spm-q4_k.ref.json");
  ASSERT_FALSE(ref.is_null());
  auto model = LlmModel::Open(LlmData("models/tiny-llama-spm-q4_k.gguf"));
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const int n_vocab = (*model)->config().n_vocab;
  LlmEvaluator eval(**model, 2);

  std::vector<std::vector<TokenId>> prompts;
  for (const auto& p : ref["prompts"]) prompts.push_back(p["prompt_ids"].get<std::vector<TokenId>>());
  std::vector<std::vector<float>> alone;
  for (const auto& p : prompts) {
    KvCache cache(**model, 256);
    SequenceInput in{&cache, p};
    std::vector<float> logits;
    ASSERT_TRUE(eval.Decode({&in, 1}, &logits).ok());
    alone.push_back(logits);
  }
  std::vector<KvCache> caches;
  for (size_t i = 0; i < prompts.size(); ++i) caches.emplace_back(**model, 256);
  std::vector<SequenceInput> batch;
  for (size_t i = 0; i < prompts.size(); ++i) batch.push_back({&caches[i], prompts[i]});
  std::vector<float> logits;
  ASSERT_TRUE(eval.Decode(batch, &logits).ok());
  ASSERT_EQ(logits.size(), prompts.size() * n_vocab);
  for (size_t i = 0; i < prompts.size(); ++i) {
    for (int v = 0; v < n_vocab; ++v) {
      ASSERT_NEAR(logits[i * n_vocab + v], alone[i][v], 1e-4f * (1.f + std::fabs(alone[i][v])))
          << "seq " << i << " token " << v;
    }
  }
}

TEST(LlmBatch, RejectsBadTokensAndFullContextWithoutChangingTheCache) {
  auto model = LlmModel::Open(LlmData("models/stories260K.gguf"));
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  LlmEvaluator eval(**model, 1);
  KvCache cache(**model, 4);
  std::vector<float> logits;
  std::vector<TokenId> bad = {1, 99999};
  SequenceInput in{&cache, bad};
  Status s = eval.Decode({&in, 1}, &logits);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(s.message().find("99999"), std::string::npos) << s.message();
  EXPECT_EQ(cache.size(), 0);
  std::vector<TokenId> many = {1, 2, 3, 4, 5};
  in.tokens = many;
  s = eval.Decode({&in, 1}, &logits);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(s.message().find("context"), std::string::npos) << s.message();
  EXPECT_EQ(cache.size(), 0);
}

// shared/llm/README.md section 6: chunks of 128 with BOS first, scored on the second half.
double Perplexity(const LlmModel& model, const std::vector<TokenId>& tokens, TokenId bos) {
  constexpr int kCtx = 128;
  LlmEvaluator eval(model, 2);
  const int n_vocab = model.config().n_vocab;
  double nll = 0;
  int count = 0;
  std::vector<float> logits;
  for (size_t c = 0; c + kCtx <= tokens.size(); c += kCtx) {
    std::vector<TokenId> chunk(tokens.begin() + c, tokens.begin() + c + kCtx);
    chunk[0] = bos;
    KvCache cache(model, kCtx);
    SequenceInput in{&cache, chunk, true};
    EXPECT_TRUE(eval.Decode({&in, 1}, &logits).ok());
    for (int j = kCtx / 2; j <= kCtx - 2; ++j) {
      const float* row = logits.data() + static_cast<size_t>(j) * n_vocab;
      const float max = *std::max_element(row, row + n_vocab);
      double sum = 0;
      for (int v = 0; v < n_vocab; ++v) sum += std::exp(static_cast<double>(row[v]) - max);
      nll += -(row[chunk[j + 1]] - max - std::log(sum));
      ++count;
    }
  }
  return std::exp(nll / count);
}

TEST(LlmPerplexity, Stories260KMatchesReference) {
  for (const std::string file : {"stories260K", "stories260K-f16"}) {
    const Json ref = LoadSharedJson("models/" + file + ".ppl.json");
    ASSERT_FALSE(ref.is_null());
    auto model = LlmModel::Open(LlmData("models/" + file + ".gguf"));
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    const double ppl = Perplexity(**model, ref["tokens"].get<std::vector<TokenId>>(), 1);
    EXPECT_NEAR(ppl, 3.4098, 0.001) << file;
  }
}

}  // namespace
}  // namespace strata::genai
