// RoPE scaling metadata that long-context models carry (phi3's LongRoPE, YaRN), checked
// against its definition on stories260K rewritten with the GGUF writer:
// - rope.scaling.attn_factor a multiplies the rotated q and k, so the model must give
//   the logits of the same model whose attn_q and attn_k weights are multiplied by a;
// - a sequence whose cache holds more positions than
//   rope.scaling.original_context_length takes rope_factors_long, one within it
//   rope_factors_short: the logits of the model with those factors as rope_freqs.

#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "genai/genai.h"
#include "shared_data.h"

namespace strata::genai {
namespace {

namespace fs = std::filesystem;
using testing::LlmData;

class RopeScalingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("strata-rope-test-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    auto source = GgufFile::Open(LlmData("models/stories260K.gguf"));
    ASSERT_TRUE(source.ok()) << source.status().ToString();
    source_ = std::make_unique<GgufFile>(std::move(*source));
  }
  void TearDown() override { fs::remove_all(dir_); }

  // stories260K with `edit` applied to its metadata, the F32 tensors in `scaled`
  // multiplied by their factor, and the 1-D F32 tensors in `extra` added.
  fs::path Rewrite(const std::string& name, const std::function<void(GgufMetadata&)>& edit,
                   const std::map<std::string, float>& scaled,
                   const std::map<std::string, std::vector<float>>& extra) {
    GgufWriter w;
    for (const auto& [key, value] : source_->metadata().entries()) w.metadata().Set(key, value);
    edit(w.metadata());
    for (const GgufTensorInfo& info : source_->tensors()) {
      const GgufTensorView view = source_->View(info);
      if (auto it = scaled.find(info.name); it != scaled.end()) {
        EXPECT_EQ(info.type, TensorType::kF32) << info.name;
        std::vector<float> values(view.As<float>().begin(), view.As<float>().end());
        for (float& v : values) v *= it->second;
        EXPECT_TRUE(w.AddTensorFromF32(info.name, TensorType::kF32, info.dims, values).ok());
      } else {
        EXPECT_TRUE(w.AddTensorView(info.name, info.type, info.dims, view.data).ok());
      }
    }
    for (const auto& [tensor, values] : extra) {
      EXPECT_TRUE(w.AddTensorFromF32(tensor, TensorType::kF32, {static_cast<int64_t>(values.size())}, values).ok());
    }
    const fs::path path = dir_ / (name + ".gguf");
    Status s = w.WriteFile(path);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return path;
  }

  // Logits at every position of a fixed prompt, with a cache of `capacity` positions.
  static std::vector<float> Logits(const fs::path& path, int capacity) {
    auto model = LlmModel::Open(path);
    EXPECT_TRUE(model.ok()) << model.status().ToString();
    if (!model.ok()) return {};
    std::vector<TokenId> prompt;
    for (int i = 0; i < 12; ++i) prompt.push_back(static_cast<TokenId>(1 + (i * 37) % 400));
    LlmEvaluator eval(**model, 1);
    KvCache cache(**model, capacity);
    SequenceInput in{&cache, prompt, true};
    std::vector<float> logits;
    Status s = eval.Decode({&in, 1}, &logits);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return logits;
  }

  static float MaxDifference(const std::vector<float>& a, const std::vector<float>& b) {
    EXPECT_EQ(a.size(), b.size());
    float d = 0;
    for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) d = std::max(d, std::abs(a[i] - b[i]));
    return d;
  }

  int Layers() const { return static_cast<int>(*source_->metadata().GetU32("llama.block_count")); }
  int RopePairs() {
    auto model = LlmModel::Open(LlmData("models/stories260K.gguf"));
    return (*model)->config().rope_dims / 2;
  }

  fs::path dir_;
  std::unique_ptr<GgufFile> source_;
};

TEST_F(RopeScalingTest, AttentionFactorScalesTheRotatedQueriesAndKeys) {
  constexpr float kFactor = 1.7f;
  const fs::path with_factor = Rewrite(
      "factor", [&](GgufMetadata& m) { m.Set("llama.rope.scaling.attn_factor", GgufValue::F32(kFactor)); }, {}, {});
  std::map<std::string, float> qk;
  for (int il = 0; il < Layers(); ++il) {
    qk["blk." + std::to_string(il) + ".attn_q.weight"] = kFactor;
    qk["blk." + std::to_string(il) + ".attn_k.weight"] = kFactor;
  }
  const fs::path scaled_weights = Rewrite("weights", [](GgufMetadata&) {}, qk, {});
  const std::vector<float> plain = Logits(LlmData("models/stories260K.gguf"), 32);
  const std::vector<float> a = Logits(with_factor, 32), b = Logits(scaled_weights, 32);
  EXPECT_LT(MaxDifference(a, b), 2e-4f);
  EXPECT_GT(MaxDifference(a, plain), 0.05f) << "the factor changed nothing";
}

TEST_F(RopeScalingTest, LongFactorsServeCachesPastTheOriginalContext) {
  const int pairs = RopePairs();
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(1.f, 8.f);
  std::vector<float> short_f(pairs), long_f(pairs);
  for (int i = 0; i < pairs; ++i) {
    short_f[i] = 1.f + 0.1f * static_cast<float>(i);
    long_f[i] = u(rng);
  }
  const fs::path longrope = Rewrite(
      "longrope", [](GgufMetadata& m) { m.Set("llama.rope.scaling.original_context_length", GgufValue::U32(16)); },
      {}, {{"rope_factors_short.weight", short_f}, {"rope_factors_long.weight", long_f}});
  const fs::path as_short = Rewrite("short", [](GgufMetadata&) {}, {}, {{"rope_freqs.weight", short_f}});
  const fs::path as_long = Rewrite("long", [](GgufMetadata&) {}, {}, {{"rope_freqs.weight", long_f}});

  EXPECT_LT(MaxDifference(Logits(longrope, 16), Logits(as_short, 16)), 1e-5f);
  EXPECT_LT(MaxDifference(Logits(longrope, 17), Logits(as_long, 17)), 1e-5f);
  EXPECT_GT(MaxDifference(Logits(as_short, 16), Logits(as_long, 16)), 0.05f) << "the factors changed nothing";
}

// YaRN, computed here as Hugging Face transformers' reference computes it
// (_compute_yarn_parameters): the per-pair frequencies are the original ones times
// g_i = (1 - e_i) / s + e_i, e_i = 1 - clamp((i - low) / (high - low), 0, 1), and the
// rotations are scaled by 0.1 ln(s) + 1. So a YaRN model must give the logits of the
// plain model with rope_freqs = 1 / g_i and that attention factor.
TEST_F(RopeScalingTest, YarnMixesInterpolatedAndOriginalFrequencies) {
  constexpr double kFactor = 4, kOrigCtx = 64, kBase = 10000;
  const int pairs = RopePairs();
  const double dims = 2.0 * pairs;
  auto pair_for = [&](double turns) { return dims * std::log(kOrigCtx / (turns * 2 * M_PI)) / (2 * std::log(kBase)); };
  const double low = std::max(std::floor(pair_for(32)), 0.0), high = std::min(std::ceil(pair_for(1)), dims - 1);
  std::vector<float> freqs(pairs);
  int kept = 0, interpolated = 0;
  for (int i = 0; i < pairs; ++i) {
    const double e = 1 - std::clamp((i - low) / (high - low), 0.0, 1.0);
    freqs[i] = static_cast<float>(1 / ((1 - e) / kFactor + e));
    kept += e == 1;
    interpolated += e == 0;
  }
  ASSERT_GT(kept, 0);
  ASSERT_GT(interpolated, 0);
  ASSERT_GT(pairs - kept - interpolated, 0) << "the test wants a pair on the ramp too";

  auto yarn = [&](GgufMetadata& m) {
    m.Set("llama.rope.scaling.type", GgufValue::String("yarn"));
    m.Set("llama.rope.scaling.factor", GgufValue::F32(static_cast<float>(kFactor)));
    m.Set("llama.rope.scaling.original_context_length", GgufValue::U32(static_cast<uint32_t>(kOrigCtx)));
  };
  const fs::path with_yarn = Rewrite("yarn", yarn, {}, {});
  const fs::path as_freqs = Rewrite(
      "yarn-as-freqs",
      [&](GgufMetadata& m) {
        m.Set("llama.rope.scaling.attn_factor", GgufValue::F32(static_cast<float>(0.1 * std::log(kFactor) + 1)));
      },
      {}, {{"rope_freqs.weight", freqs}});
  const std::vector<float> plain = Logits(LlmData("models/stories260K.gguf"), 32);
  const std::vector<float> a = Logits(with_yarn, 32), b = Logits(as_freqs, 32);
  EXPECT_LT(MaxDifference(a, b), 2e-4f);
  EXPECT_GT(MaxDifference(a, plain), 0.05f) << "YaRN changed nothing";

  // A factor of 1 is the plain model; DeepSeek's log multiplier is refused by name.
  const fs::path unit = Rewrite(
      "yarn-1",
      [&](GgufMetadata& m) {
        yarn(m);
        m.Set("llama.rope.scaling.factor", GgufValue::F32(1.f));
      },
      {}, {});
  EXPECT_LT(MaxDifference(Logits(unit, 32), plain), 1e-5f);
  const fs::path deepseek = Rewrite(
      "yarn-log",
      [&](GgufMetadata& m) {
        yarn(m);
        m.Set("llama.rope.scaling.yarn_log_multiplier", GgufValue::F32(0.1f));
      },
      {}, {});
  auto refused = LlmModel::Open(deepseek);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("yarn_log_multiplier"), std::string::npos) << refused.status().message();
}

TEST_F(RopeScalingTest, ANonPositiveAttentionFactorIsRefused) {
  const fs::path bad = Rewrite(
      "bad", [](GgufMetadata& m) { m.Set("llama.rope.scaling.attn_factor", GgufValue::F32(-1.f)); }, {}, {});
  auto model = LlmModel::Open(bad);
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("rope.scaling.attn_factor must be positive"), std::string::npos)
      << model.status().message();
}

}  // namespace
}  // namespace strata::genai
