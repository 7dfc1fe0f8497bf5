// Conformance against the shared GGUF files (shared/llm/models and shared/llm/tokenizer):
// every file opens, every tensor decodes, tensor names and types match each model's
// MODEL.ref.json, and quantized variants agree with the F32 model they were made from:
// F16 bit-exactly, and every quantized tensor byte-exactly when our reference quantizer
// re-quantizes the F32 weights (llama-quantize without an importance matrix uses the
// reference quantizers), besides staying within its type's quantization error.
#include <bit>
#include <cmath>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "genai/genai.h"
#include "shared_data.h"

namespace strata::genai {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> GgufFilesIn(const std::string& folder) {
  std::vector<fs::path> out;
  const fs::path dir = testing::LlmData(folder);
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".gguf") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(SharedGgufTest, EveryFileOpensAndEveryTensorDecodes) {
  const auto models = GgufFilesIn("models");
  const auto vocabs = GgufFilesIn("tokenizer");
  ASSERT_EQ(models.size(), 18u) << testing::MissingDataMessage(testing::LlmData("models"));
  ASSERT_EQ(vocabs.size(), 12u) << testing::MissingDataMessage(testing::LlmData("tokenizer"));
  size_t tensors = 0;
  for (const auto& path : models) {
    SCOPED_TRACE(path.filename().string());
    Result<GgufFile> f = GgufFile::Open(path);
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    EXPECT_EQ(f->version(), 3u);
    EXPECT_FALSE(f->tensors().empty());
    for (const GgufTensorInfo& t : f->tensors()) {
      Result<std::vector<float>> v = f->DequantizeTensor(t.name);
      ASSERT_TRUE(v.ok()) << v.status().ToString();
      for (float x : *v) ASSERT_TRUE(std::isfinite(x)) << t.name;
      ++tensors;
    }
  }
  EXPECT_GT(tensors, 500u);
}

TEST(SharedGgufTest, TensorTypesMatchTheReferenceJson) {
  for (const auto& path : GgufFilesIn("models")) {
    const std::string stem = path.stem().string();
    SCOPED_TRACE(stem);
    const Json ref = testing::LoadSharedJson("models/" + stem + ".ref.json");
    ASSERT_TRUE(ref.is_object());
    const Json& model = ref.at("model");
    Result<GgufFile> f = GgufFile::Open(path);
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    EXPECT_EQ(f->file_size(), model.at("size_bytes").get<uint64_t>());
    EXPECT_EQ(*f->metadata().GetString("general.architecture"),
              model.at("arch").get<std::string>());

    std::map<std::string, std::string> want, got;
    for (const auto& [name, type] : model.at("tensor_types").items())
      want[name] = type.get<std::string>();
    std::map<std::string, int> want_counts, got_counts;
    for (const auto& [type, n] : model.at("tensor_type_counts").items())
      want_counts[type] = n.get<int>();
    for (const GgufTensorInfo& t : f->tensors()) {
      got[t.name] = std::string(TensorTypeName(t.type));
      ++got_counts[std::string(TensorTypeName(t.type))];
    }
    EXPECT_EQ(got, want);
    EXPECT_EQ(got_counts, want_counts);
  }
}

TEST(SharedGgufTest, VocabularyFilesHaveConsistentTokenizerArrays) {
  // From shared/llm/tokenizer/README.md.
  const std::map<std::string, std::pair<std::string, size_t>> expected = {
      {"ggml-vocab-bert-bge", {"bert", 30522}},      {"ggml-vocab-deepseek-coder", {"gpt2", 32256}},
      {"ggml-vocab-deepseek-llm", {"gpt2", 102400}}, {"ggml-vocab-falcon", {"gpt2", 65024}},
      {"ggml-vocab-gpt-2", {"gpt2", 50257}},         {"ggml-vocab-llama-spm", {"llama", 32000}},
      {"ggml-vocab-mpt", {"gpt2", 50432}},           {"ggml-vocab-phi-3", {"llama", 32064}},
      {"ggml-vocab-refact", {"gpt2", 49216}},        {"ggml-vocab-starcoder", {"gpt2", 49152}},
      {"ggml-vocab-tiny-llama-bpe", {"gpt2", 4099}}, {"ggml-vocab-tiny-qwen2", {"gpt2", 4099}},
  };
  size_t seen = 0;
  for (const auto& path : GgufFilesIn("tokenizer")) {
    const std::string stem = path.stem().string();
    SCOPED_TRACE(stem);
    Result<GgufFile> f = GgufFile::Open(path);
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    const GgufMetadata& m = f->metadata();
    auto it = expected.find(stem);
    ASSERT_NE(it, expected.end());
    ++seen;
    EXPECT_EQ(*m.GetString("tokenizer.ggml.model"), it->second.first);
    Result<std::span<const std::string>> tokens = m.GetStringArray("tokenizer.ggml.tokens");
    ASSERT_TRUE(tokens.ok()) << tokens.status().ToString();
    EXPECT_EQ(tokens->size(), it->second.second);
    if (m.Contains("tokenizer.ggml.scores")) {
      EXPECT_EQ(m.GetF32Array("tokenizer.ggml.scores")->size(), tokens->size());
    }
    if (m.Contains("tokenizer.ggml.token_type")) {
      EXPECT_EQ(m.GetI32Array("tokenizer.ggml.token_type")->size(), tokens->size());
    }
    if (it->second.first == "gpt2") {
      Result<std::span<const std::string>> merges = m.GetStringArray("tokenizer.ggml.merges");
      ASSERT_TRUE(merges.ok()) << merges.status().ToString();
      EXPECT_FALSE(merges->empty());
    }
  }
  EXPECT_EQ(seen, expected.size());
}

double RelativeRms(const std::vector<float>& got, const std::vector<float>& ref) {
  double err = 0, norm = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    err += (static_cast<double>(got[i]) - ref[i]) * (static_cast<double>(got[i]) - ref[i]);
    norm += static_cast<double>(ref[i]) * ref[i];
  }
  return norm == 0 ? std::sqrt(err) : std::sqrt(err / norm);
}

// Worst relative RMS error of round-to-nearest quantization for N(0, s) weights, with
// margin: a wrong bit layout gives errors of order 1.
double ErrorBound(TensorType t) {
  switch (t) {
    case TensorType::kQ8_0:
      return 0.01;
    case TensorType::kQ6_K:
      return 0.03;
    case TensorType::kQ5_0:
    case TensorType::kQ5_1:
    case TensorType::kQ5_K:
      return 0.06;
    case TensorType::kQ4_0:
    case TensorType::kQ4_1:
    case TensorType::kQ4_K:
      return 0.15;
    case TensorType::kQ3_K:
      return 0.25;
    case TensorType::kQ2_K:
      return 0.5;
    default:
      return 0.0;
  }
}

void CompareWithSource(const std::string& variant, const std::string& source, bool exact_source) {
  SCOPED_TRACE(variant + " vs " + source);
  Result<GgufFile> v = GgufFile::Open(testing::LlmData("models/" + variant + ".gguf"));
  Result<GgufFile> s = GgufFile::Open(testing::LlmData("models/" + source + ".gguf"));
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(v->tensors().size(), s->tensors().size());
  std::set<TensorType> seen;
  for (const GgufTensorInfo& t : v->tensors()) {
    SCOPED_TRACE(t.name + " " + std::string(TensorTypeName(t.type)));
    const GgufTensorInfo* st = s->FindTensor(t.name);
    ASSERT_NE(st, nullptr);
    ASSERT_EQ(st->dims, t.dims);
    const std::vector<float> ref = *s->DequantizeTensor(t.name);
    const std::vector<float> got = *v->DequantizeTensor(t.name);
    seen.insert(t.type);
    if (!exact_source) {
      if (t.type != st->type) {
        EXPECT_LE(RelativeRms(got, ref), ErrorBound(t.type) + 0.005);
      }
      continue;
    }
    if (t.type == TensorType::kF32) {
      EXPECT_EQ(got, ref);
    } else if (t.type == TensorType::kF16) {
      for (size_t i = 0; i < ref.size(); ++i) {
        ASSERT_EQ(std::bit_cast<uint32_t>(got[i]),
                  std::bit_cast<uint32_t>(F16ToF32(F32ToF16(ref[i]))))
            << "element " << i;
      }
    } else {
      EXPECT_LE(RelativeRms(got, ref), ErrorBound(t.type));
      if (CanQuantize(t.type)) {
        // llama-quantize without an importance matrix uses the reference quantizer:
        // ours must produce the very same blocks.
        Result<std::vector<std::byte>> mine = Quantize(t.type, ref.data(), ref.size());
        ASSERT_TRUE(mine.ok());
        const GgufTensorView view = v->View(t);
        ASSERT_EQ(mine->size(), view.data.size());
        EXPECT_EQ(0, std::memcmp(mine->data(), view.data.data(), view.data.size()));
      }
    }
  }
  EXPECT_GE(seen.size(), 2u);
}

TEST(SharedGgufTest, QuantizedModelsAgreeWithTheirF32Source) {
  for (const char* v : {"tiny-llama-spm-f16", "tiny-llama-spm-q8_0", "tiny-llama-spm-q6_k",
                        "tiny-llama-spm-q4_k", "tiny-llama-spm-q4_k_m"}) {
    CompareWithSource(v, "tiny-llama-spm-f32", true);
  }
  CompareWithSource("tiny-qwen2-f16", "tiny-qwen2-f32", true);
  CompareWithSource("tiny-qwen2-q4_0", "tiny-qwen2-f32", true);
  CompareWithSource("tiny-gemma2-q8_0", "tiny-gemma2-f32", true);
  CompareWithSource("tiny-gemma2-q4_0", "tiny-gemma2-f32", true);
  CompareWithSource("stories260K-f16", "stories260K", true);
  // No F32 file for the BPE llama: compare with its F16 sibling, within the error only.
  for (const char* v : {"tiny-llama-bpe-q8_0", "tiny-llama-bpe-q6_k", "tiny-llama-bpe-q4_0"}) {
    CompareWithSource(v, "tiny-llama-bpe-f16", false);
  }
}

}  // namespace
}  // namespace strata::genai
