#include "genai/synthetic_model.h"

#include <cmath>
#include <random>
#include <vector>

#include <fmt/format.h>

#include "genai/gguf_reader.h"
#include "genai/gguf_writer.h"

namespace strata::genai {

Status WriteSyntheticModel(const SyntheticModelSpec& s, const std::filesystem::path& out,
                           const std::function<void(size_t, size_t)>& progress) {
  if (s.n_layer < 1 || s.n_embd < 32 || s.n_ff < 32 || s.n_head < 1 || s.n_head_kv < 1 ||
      s.n_head % s.n_head_kv != 0 || s.n_embd % s.n_head != 0) {
    return InvalidArgumentError("synthetic model: layers, sizes and head counts must be positive and divide evenly");
  }
  STRATA_ASSIGN_OR_RETURN(GgufFile vocab, GgufFile::Open(s.vocab));
  STRATA_ASSIGN_OR_RETURN(auto tokens, vocab.metadata().GetStringArray("tokenizer.ggml.tokens"));
  const int n_vocab = static_cast<int>(tokens.size());
  const int64_t block = Traits(s.type).block_size;
  if (s.n_embd % block != 0 || s.n_ff % block != 0) {
    return InvalidArgumentError(fmt::format("synthetic model: n_embd and n_ff must be multiples of {} for {}", block,
                                            TensorTypeName(s.type)));
  }

  GgufWriter w;
  auto& md = w.metadata();
  md.Set("general.architecture", GgufValue::String("llama"));
  md.Set("general.name", GgufValue::String("strata-synthetic"));
  md.Set("llama.context_length", GgufValue::U32(s.n_ctx));
  md.Set("llama.embedding_length", GgufValue::U32(s.n_embd));
  md.Set("llama.block_count", GgufValue::U32(s.n_layer));
  md.Set("llama.feed_forward_length", GgufValue::U32(s.n_ff));
  md.Set("llama.attention.head_count", GgufValue::U32(s.n_head));
  md.Set("llama.attention.head_count_kv", GgufValue::U32(s.n_head_kv));
  md.Set("llama.rope.dimension_count", GgufValue::U32(s.n_embd / s.n_head));
  md.Set("llama.rope.freq_base", GgufValue::F32(10000.f));
  md.Set("llama.attention.layer_norm_rms_epsilon", GgufValue::F32(1e-5f));
  md.Set("llama.vocab_size", GgufValue::U32(n_vocab));
  for (const auto& [key, value] : vocab.metadata().entries()) {
    if (key.rfind("tokenizer.", 0) == 0) md.Set(key, value);
  }

  const int64_t E = s.n_embd, F = s.n_ff, KV = static_cast<int64_t>(s.n_embd / s.n_head) * s.n_head_kv;
  struct T {
    std::string name;
    int64_t cols, rows;
  };
  std::vector<T> mats = {{"token_embd.weight", E, n_vocab}, {"output.weight", E, n_vocab}};
  for (int l = 0; l < s.n_layer; ++l) {
    const std::string p = fmt::format("blk.{}.", l);
    for (const T& t : std::vector<T>{{p + "attn_q.weight", E, E}, {p + "attn_k.weight", E, KV}, {p + "attn_v.weight", E, KV},
                                     {p + "attn_output.weight", E, E}, {p + "ffn_gate.weight", E, F},
                                     {p + "ffn_up.weight", E, F}, {p + "ffn_down.weight", F, E}}) {
      mats.push_back(t);
    }
  }
  const size_t total = mats.size() + 1;
  std::mt19937_64 rng(s.seed);
  std::vector<float> values;
  size_t done = 0;
  for (const T& t : mats) {
    values.resize(static_cast<size_t>(t.cols * t.rows));
    std::normal_distribution<float> dist(0.f, 1.f / std::sqrt(static_cast<float>(t.cols)));
    for (float& v : values) v = dist(rng);
    STRATA_RETURN_IF_ERROR(w.AddTensorFromF32(t.name, s.type, {t.cols, t.rows}, values));
    if (progress) progress(++done, total);
  }
  std::vector<float> ones(static_cast<size_t>(E), 1.f);
  STRATA_RETURN_IF_ERROR(w.AddTensorFromF32("output_norm.weight", TensorType::kF32, {E}, ones));
  for (int l = 0; l < s.n_layer; ++l) {
    STRATA_RETURN_IF_ERROR(w.AddTensorFromF32(fmt::format("blk.{}.attn_norm.weight", l), TensorType::kF32, {E}, ones));
    STRATA_RETURN_IF_ERROR(w.AddTensorFromF32(fmt::format("blk.{}.ffn_norm.weight", l), TensorType::kF32, {E}, ones));
  }
  if (progress) progress(total, total);
  return w.WriteFile(out);
}

}  // namespace strata::genai
