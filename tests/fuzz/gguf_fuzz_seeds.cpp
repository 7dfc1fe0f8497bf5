// Writes the seed corpus of gguf_reader_fuzz: small valid GGUF files made by GgufWriter
// (every metadata value type, nested arrays, one tensor of each decodable type family,
// a custom alignment, a vocabulary-only file). Usage: gguf_fuzz_seeds OUT_DIR
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "genai/genai.h"

using namespace strata::genai;  // NOLINT: a tool

namespace {

std::vector<float> Wave(size_t n) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = std::sin(static_cast<float>(i) * 0.7f);
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);

  GgufWriter model;
  GgufMetadata& m = model.metadata();
  m.Set("general.architecture", GgufValue::String("llama"));
  m.Set("llama.block_count", GgufValue::U32(1));
  m.Set("llama.rope.freq_base", GgufValue::F32(10000.0f));
  m.Set("t.i8", GgufValue::I8(-3));
  m.Set("t.u16", GgufValue::U16(7));
  m.Set("t.i64", GgufValue::I64(-9));
  m.Set("t.f64", GgufValue::F64(0.5));
  m.Set("t.bool", GgufValue::Bool(true));
  m.Set("tokenizer.ggml.tokens", GgufValue::StringArray({"<unk>", "a", "b"}));
  m.Set("tokenizer.ggml.scores",
        GgufValue::Array<float>(GgufType::kFloat32, std::vector<float>{0, -1, -2}));
  m.Set("t.nested", GgufValue::NestedArray(
                        {GgufValue::StringArray({"x"}),
                         GgufValue::Array<int32_t>(GgufType::kInt32, std::vector<int32_t>{1})}));
  bool ok = model.AddTensorFromF32("f32", TensorType::kF32, {4, 2}, Wave(8)).ok() &&
            model.AddTensorFromF32("f16", TensorType::kF16, {4}, Wave(4)).ok() &&
            model.AddTensorFromF32("q8_0", TensorType::kQ8_0, {32}, Wave(32)).ok() &&
            model.AddTensorFromF32("q4_1", TensorType::kQ4_1, {32}, Wave(32)).ok() &&
            model.AddTensor("q6_k", TensorType::kQ6_K, {256}, std::vector<std::byte>(210)).ok();
  ok = ok && model.WriteFile(dir / "model.gguf").ok();

  GgufWriter aligned(2);
  ok = ok && aligned.SetAlignment(64).ok() &&
       aligned.AddTensorFromF32("a", TensorType::kQ5_0, {32}, Wave(32)).ok() &&
       aligned.AddTensor("b", TensorType::kQ3_K, {256}, std::vector<std::byte>(110)).ok() &&
       aligned.WriteFile(dir / "aligned_v2.gguf").ok();

  GgufWriter vocab;
  vocab.metadata().Set("tokenizer.ggml.model", GgufValue::String("gpt2"));
  vocab.metadata().Set("tokenizer.ggml.merges", GgufValue::StringArray({"a b", "ab c"}));
  ok = ok && vocab.WriteFile(dir / "vocab.gguf").ok();
  if (!ok) {
    std::fprintf(stderr, "gguf_fuzz_seeds: writing seeds failed\n");
    return 1;
  }
  return 0;
}
