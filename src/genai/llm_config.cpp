#include "genai/llm_config.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace strata::genai {
namespace {

Result<LlmArch> ParseArch(std::string_view name) {
  if (name == "llama" || name == "mistral") return LlmArch::kLlama;
  if (name == "qwen2") return LlmArch::kQwen2;
  if (name == "qwen3") return LlmArch::kQwen3;
  if (name == "gemma2") return LlmArch::kGemma2;
  if (name == "gemma3") return LlmArch::kGemma3;
  if (name == "phi3") return LlmArch::kPhi3;
  return InvalidArgumentError(fmt::format(
      "unsupported model architecture '{}' (supported: llama, mistral, qwen2, qwen3, gemma2, "
      "gemma3, phi3)",
      name));
}

// Reads a positive count, accepting any integer width the file used.
Result<int> GetCount(const GgufMetadata& md, const std::string& key) {
  STRATA_ASSIGN_OR_RETURN(uint32_t v, md.GetU32(key));
  if (v == 0 || v > (1u << 24)) {
    return InvalidArgumentError(fmt::format("metadata key '{}': {} is out of range", key, v));
  }
  return static_cast<int>(v);
}

Result<int> GetCountOr(const GgufMetadata& md, const std::string& key, int fallback) {
  if (!md.Contains(key)) return fallback;
  return GetCount(md, key);
}

// head_count_kv may be an array (one per layer) in some files; all our architectures
// use one value, so an array must be uniform.
Result<int> GetHeadCountKv(const GgufMetadata& md, const std::string& key, int n_head) {
  const GgufValue* v = md.Find(key);
  if (v == nullptr) return n_head;
  if (!v->is_array()) return GetCount(md, key);
  STRATA_ASSIGN_OR_RETURN(auto items, md.GetU32Array(key));
  if (items.empty()) return InvalidArgumentError(fmt::format("metadata key '{}' is empty", key));
  for (uint32_t x : items) {
    if (x != items[0]) {
      return InvalidArgumentError(
          fmt::format("metadata key '{}': per-layer KV head counts are not supported", key));
    }
  }
  return static_cast<int>(items[0]);
}

// YaRN's metadata (the YaRN paper, "YaRN: Efficient Context Window Extension of Large
// Language Models", and the keys llama.cpp's converter writes). The ramp's ends are the
// rotation pairs whose wavelength fits beta_fast and beta_slow turns into the original
// context: pair i of d rotated dims turns orig_ctx / (2 pi base^(2i/d)) times, so the
// pair for n turns is d ln(orig_ctx / (2 pi n)) / (2 ln base), floored (fast) or
// ceiled (slow) and clamped to [0, d - 1].
Status ReadYarn(const GgufMetadata& md, const std::string& p, float factor, LlmConfig* c) {
  STRATA_ASSIGN_OR_RETURN(const float beta_fast, md.GetF32Or(p + "rope.scaling.yarn_beta_fast", 32.f));
  STRATA_ASSIGN_OR_RETURN(const float beta_slow, md.GetF32Or(p + "rope.scaling.yarn_beta_slow", 1.f));
  STRATA_ASSIGN_OR_RETURN(const float ext, md.GetF32Or(p + "rope.scaling.yarn_ext_factor", 1.f));
  STRATA_ASSIGN_OR_RETURN(const float attn, md.GetF32Or(p + "rope.scaling.yarn_attn_factor", 1.f));
  STRATA_ASSIGN_OR_RETURN(const float log_mul, md.GetF32Or(p + "rope.scaling.yarn_log_multiplier", 0.f));
  if (!(beta_fast > 0.f) || !(beta_slow > 0.f) || !std::isfinite(beta_fast) || !std::isfinite(beta_slow)) {
    return InvalidArgumentError(fmt::format("{}rope.scaling.yarn_beta_fast and yarn_beta_slow must be positive, "
                                            "got {} and {}",
                                            p, beta_fast, beta_slow));
  }
  if (!(ext >= 0.f) || !std::isfinite(ext)) {
    return InvalidArgumentError(fmt::format("{}rope.scaling.yarn_ext_factor must not be negative, got {}", p, ext));
  }
  if (!(attn > 0.f) || !std::isfinite(attn)) {
    return InvalidArgumentError(fmt::format("{}rope.scaling.yarn_attn_factor must be positive, got {}", p, attn));
  }
  if (log_mul != 0.f) {
    // DeepSeek's variant (mscale_all_dim); none of the architectures here uses it.
    return InvalidArgumentError(
        fmt::format("{}rope.scaling.yarn_log_multiplier is not supported (only plain YaRN is)", p));
  }
  const double d = c->rope_dims, base = c->rope_base, orig = c->rope_orig_ctx;
  auto pair_for = [&](double turns) { return d * std::log(orig / (turns * 2 * M_PI)) / (2 * std::log(base)); };
  c->rope_yarn = true;
  c->rope_yarn_ext_factor = ext;
  c->rope_yarn_low = static_cast<float>(std::max(0.0, std::floor(pair_for(beta_fast))));
  c->rope_yarn_high = static_cast<float>(std::min(d - 1, std::ceil(pair_for(beta_slow))));
  c->rope_yarn_mscale = attn * (ext != 0.f ? 1.f + 0.1f * std::log(factor) : 1.f);
  return Status::Ok();
}

}  // namespace

std::string_view LlmArchName(LlmArch arch) {
  switch (arch) {
    case LlmArch::kLlama: return "llama";
    case LlmArch::kQwen2: return "qwen2";
    case LlmArch::kQwen3: return "qwen3";
    case LlmArch::kGemma2: return "gemma2";
    case LlmArch::kGemma3: return "gemma3";
    case LlmArch::kPhi3: return "phi3";
  }
  return "unknown";
}

bool LlmConfig::IsSlidingLayer(int layer) const {
  if (sliding_window <= 0) return false;
  switch (sliding_pattern) {
    case 1: return true;
    case 2: return layer % 2 == 0;
    case 6: return (layer + 1) % 6 != 0;
    default: return false;
  }
}

Result<LlmConfig> LlmConfig::FromMetadata(const GgufMetadata& md) {
  LlmConfig c;
  STRATA_ASSIGN_OR_RETURN(std::string_view arch_name, md.GetString("general.architecture"));
  STRATA_ASSIGN_OR_RETURN(c.arch, ParseArch(arch_name));
  c.arch_name = std::string(arch_name);
  const std::string p = c.arch_name + ".";

  STRATA_ASSIGN_OR_RETURN(c.n_layer, GetCount(md, p + "block_count"));
  STRATA_ASSIGN_OR_RETURN(c.n_embd, GetCount(md, p + "embedding_length"));
  STRATA_ASSIGN_OR_RETURN(c.n_ff, GetCount(md, p + "feed_forward_length"));
  STRATA_ASSIGN_OR_RETURN(c.n_head, GetCount(md, p + "attention.head_count"));
  STRATA_ASSIGN_OR_RETURN(c.n_head_kv, GetHeadCountKv(md, p + "attention.head_count_kv", c.n_head));
  if (c.n_head % c.n_head_kv != 0) {
    return InvalidArgumentError(fmt::format("{}attention.head_count ({}) is not a multiple of "
                                            "head_count_kv ({})",
                                            p, c.n_head, c.n_head_kv));
  }
  STRATA_ASSIGN_OR_RETURN(c.n_ctx_train, GetCountOr(md, p + "context_length", 2048));
  const int default_head_dim = c.n_embd / c.n_head;
  STRATA_ASSIGN_OR_RETURN(c.head_dim_k, GetCountOr(md, p + "attention.key_length", default_head_dim));
  STRATA_ASSIGN_OR_RETURN(c.head_dim_v,
                          GetCountOr(md, p + "attention.value_length", default_head_dim));
  if (c.head_dim_k != c.head_dim_v) {
    return InvalidArgumentError(fmt::format("{}attention.key_length ({}) != value_length ({}) "
                                            "is not supported",
                                            p, c.head_dim_k, c.head_dim_v));
  }

  if (md.Contains(p + "vocab_size")) {
    STRATA_ASSIGN_OR_RETURN(c.n_vocab, GetCount(md, p + "vocab_size"));
  } else {
    STRATA_ASSIGN_OR_RETURN(auto tokens, md.GetStringArray("tokenizer.ggml.tokens"));
    c.n_vocab = static_cast<int>(tokens.size());
  }

  // Norm: RMSNorm unless the file gives only a LayerNorm epsilon.
  if (md.Contains(p + "attention.layer_norm_rms_epsilon")) {
    STRATA_ASSIGN_OR_RETURN(c.norm_eps, md.GetF32(p + "attention.layer_norm_rms_epsilon"));
  } else if (md.Contains(p + "attention.layer_norm_epsilon")) {
    STRATA_ASSIGN_OR_RETURN(c.norm_eps, md.GetF32(p + "attention.layer_norm_epsilon"));
    c.layer_norm = true;
  }
  if (!(c.norm_eps > 0.f) || !std::isfinite(c.norm_eps)) {
    return InvalidArgumentError(fmt::format("{}norm epsilon must be positive, got {}", p, c.norm_eps));
  }

  // RoPE.
  STRATA_ASSIGN_OR_RETURN(c.rope_dims, GetCountOr(md, p + "rope.dimension_count", c.head_dim_k));
  if (c.rope_dims > c.head_dim_k || c.rope_dims % 2 != 0) {
    return InvalidArgumentError(fmt::format("{}rope.dimension_count ({}) must be even and at most "
                                            "the head dimension ({})",
                                            p, c.rope_dims, c.head_dim_k));
  }
  const bool neox = c.arch != LlmArch::kLlama;
  c.rope_mode = neox ? RopeMode::kNeox : RopeMode::kNormal;
  STRATA_ASSIGN_OR_RETURN(c.rope_base, md.GetF32Or(p + "rope.freq_base", 10000.f));
  STRATA_ASSIGN_OR_RETURN(std::string_view scaling,
                          md.GetStringOr(p + "rope.scaling.type", "none"));
  float factor = 1.f;
  if (md.Contains(p + "rope.scaling.factor")) {
    STRATA_ASSIGN_OR_RETURN(factor, md.GetF32(p + "rope.scaling.factor"));
  } else if (md.Contains(p + "rope.scale_linear")) {
    STRATA_ASSIGN_OR_RETURN(factor, md.GetF32(p + "rope.scale_linear"));
    scaling = "linear";
  }
  if (scaling == "linear" || scaling == "yarn") {
    if (!(factor > 0.f) || !std::isfinite(factor)) {
      return InvalidArgumentError(fmt::format("{}rope.scaling.factor must be positive, got {}", p, factor));
    }
    c.rope_freq_scale = 1.f / factor;
  } else if (scaling != "none") {
    return InvalidArgumentError(
        fmt::format("{}rope.scaling.type '{}' is not supported (supported: none, linear, yarn)", p, scaling));
  }
  if (!(c.rope_base > 0.f)) {
    return InvalidArgumentError(fmt::format("{}rope.freq_base must be positive", p));
  }
  STRATA_ASSIGN_OR_RETURN(c.rope_attn_factor, md.GetF32Or(p + "rope.scaling.attn_factor", 1.f));
  if (!(c.rope_attn_factor > 0.f) || !std::isfinite(c.rope_attn_factor)) {
    return InvalidArgumentError(
        fmt::format("{}rope.scaling.attn_factor must be positive, got {}", p, c.rope_attn_factor));
  }
  STRATA_ASSIGN_OR_RETURN(c.rope_orig_ctx,
                          GetCountOr(md, p + "rope.scaling.original_context_length", c.n_ctx_train));
  if (scaling == "yarn") STRATA_RETURN_IF_ERROR(ReadYarn(md, p, factor, &c));

  c.attn_scale = 1.f / std::sqrt(static_cast<float>(c.head_dim_k));
  switch (c.arch) {
    case LlmArch::kGemma2:
    case LlmArch::kGemma3: {
      c.ffn_activation = FfnActivation::kGeluTanh;
      c.embed_scale = std::sqrt(static_cast<float>(c.n_embd));
      STRATA_ASSIGN_OR_RETURN(c.sliding_window,
                              GetCountOr(md, p + "attention.sliding_window", 0));
      c.sliding_pattern = c.arch == LlmArch::kGemma2 ? 2 : 6;
      if (c.arch == LlmArch::kGemma2) {
        STRATA_ASSIGN_OR_RETURN(c.attn_softcap, md.GetF32Or(p + "attn_logit_softcapping", 0.f));
        STRATA_ASSIGN_OR_RETURN(c.final_softcap, md.GetF32Or(p + "final_logit_softcapping", 0.f));
      }
      break;
    }
    case LlmArch::kPhi3: {
      STRATA_ASSIGN_OR_RETURN(c.sliding_window, GetCountOr(md, p + "attention.sliding_window", 0));
      c.sliding_pattern = 1;
      break;
    }
    default:
      break;
  }
  if (c.attn_softcap < 0.f || c.final_softcap < 0.f) {
    return InvalidArgumentError(fmt::format("{}softcapping values must not be negative", p));
  }
  return c;
}

}  // namespace strata::genai
