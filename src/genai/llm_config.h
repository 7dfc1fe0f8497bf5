#pragma once
// The hyperparameters of a transformer language model, read from GGUF metadata, and the
// per-architecture rules (which norm, which RoPE layout, which FFN, which extras) that
// the forward pass in llm_model.h follows.
//
// Supported architectures: llama (incl. llama 3 and mistral, which GGUF files label
// "llama"), qwen2, qwen3, gemma2, gemma3, phi3.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/core.h"
#include "genai/gguf.h"

namespace strata::genai {

enum class LlmArch { kLlama, kQwen2, kQwen3, kGemma2, kGemma3, kPhi3 };
std::string_view LlmArchName(LlmArch arch);

// How RoPE pairs the dimensions of a head: "normal" rotates (2i, 2i+1) (llama);
// NeoX rotates (i, i + d/2) (qwen2, gemma, phi3).
enum class RopeMode { kNormal, kNeox };

enum class FfnActivation { kSilu, kGeluTanh };

struct LlmConfig {
  LlmArch arch = LlmArch::kLlama;
  std::string arch_name;
  int n_layer = 0;
  int n_embd = 0;
  int n_head = 0;
  int n_head_kv = 0;
  int head_dim_k = 0;  // attention.key_length, else n_embd / n_head
  int head_dim_v = 0;  // attention.value_length, else n_embd / n_head
  int n_ff = 0;
  int n_vocab = 0;
  int n_ctx_train = 0;

  RopeMode rope_mode = RopeMode::kNormal;
  int rope_dims = 0;          // rotated dims per head (the first rope_dims)
  float rope_base = 10000.f;  // of global layers
  float rope_freq_scale = 1.f;  // 1 / linear scaling factor
  // Local (sliding-window) layers of gemma3 use their own base and no scaling.
  float rope_base_local = 10000.f;
  // LongRoPE (phi3 with a longer context than it was trained on first): rotations are
  // scaled by this (so q·k by its square), and a sequence whose cache holds more than
  // rope_orig_ctx positions takes the long per-dimension factors.
  float rope_attn_factor = 1.f;
  int rope_orig_ctx = 0;  // rope.scaling.original_context_length, else the training context
  // YaRN (rope.scaling.type "yarn"): each rotation pair i mixes the interpolated angle
  // (scaled by rope_freq_scale) and the original one, the original's weight ramping
  // from 1 at pair rope_yarn_low down to 0 at rope_yarn_high (times the extrapolation
  // factor); the rotations are scaled by rope_yarn_mscale (1 + 0.1 ln(factor)) as well.
  bool rope_yarn = false;
  float rope_yarn_ext_factor = 0.f;
  float rope_yarn_low = 0.f, rope_yarn_high = 0.f;
  float rope_yarn_mscale = 1.f;

  float norm_eps = 1e-5f;
  bool layer_norm = false;  // LayerNorm (with optional bias) instead of RMSNorm

  FfnActivation ffn_activation = FfnActivation::kSilu;
  float embed_scale = 1.f;       // gemma: sqrt(n_embd)
  float attn_scale = 0.f;        // multiplies q·k; 1/sqrt(head_dim_k)
  float attn_softcap = 0.f;      // 0: none; gemma2: s = cap * tanh(s / cap)
  float final_softcap = 0.f;     // 0: none; gemma2: logits = cap * tanh(logits / cap)
  int sliding_window = 0;        // 0: none
  // Which layers use the sliding window: 0 = none, 1 = every layer (phi3), 2 = even
  // layers (gemma2), 6 = all but every sixth (gemma3).
  int sliding_pattern = 0;

  int n_embd_k_gqa() const { return head_dim_k * n_head_kv; }
  int n_embd_v_gqa() const { return head_dim_v * n_head_kv; }
  int n_embd_q() const { return head_dim_k * n_head; }
  bool IsSlidingLayer(int layer) const;

  // InvalidArgument naming the key on a missing/invalid value or an unsupported
  // architecture. n_vocab comes from {arch}.vocab_size or the token list.
  static Result<LlmConfig> FromMetadata(const GgufMetadata& metadata);
};

}  // namespace strata::genai
