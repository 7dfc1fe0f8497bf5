#pragma once
// The tensors of a transformer model, found by their GGUF names and checked against the
// hyperparameters, so the forward pass never meets a wrong shape. 2-D weights stay in
// the mapped file (Matrix); 1-D vectors (norms, biases, RoPE factors) are decoded to
// float once, since they are small and read for every token.

#include <vector>

#include "core/core.h"
#include "genai/gguf_reader.h"
#include "genai/llm_config.h"
#include "genai/matmul.h"

namespace strata::genai {

struct LlmLayerWeights {
  std::vector<float> attn_norm, attn_norm_b;
  Matrix wq, wk, wv;  // separate projections, or
  Matrix wqkv;        // phi3's fused [Q | K | V]
  std::vector<float> bq, bk, bv;
  std::vector<float> q_norm, k_norm;  // qwen3/gemma3: RMSNorm per head before RoPE
  Matrix wo;
  std::vector<float> bo;
  std::vector<float> post_attn_norm;  // gemma2/3
  std::vector<float> ffn_norm, ffn_norm_b;
  Matrix ffn_gate, ffn_up, ffn_down;  // phi3: ffn_up holds [gate | up], no ffn_gate
  std::vector<float> post_ffn_norm;   // gemma2/3
};

struct LlmWeights {
  Matrix token_embd;
  Matrix output;  // token_embd when the embeddings are tied
  std::vector<float> output_norm, output_norm_b;
  std::vector<float> rope_freqs;  // per-dimension divisors (llama 3.1, phi3 short factors)
  std::vector<float> rope_factors_long;  // phi3's for contexts past rope_orig_ctx; may be empty
  std::vector<LlmLayerWeights> layers;

  // InvalidArgument naming the tensor on a missing tensor, a wrong shape or an
  // unsupported type.
  static Result<LlmWeights> Load(const GgufFile& file, const LlmConfig& config);
};

}  // namespace strata::genai
