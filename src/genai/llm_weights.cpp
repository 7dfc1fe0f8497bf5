#include "genai/llm_weights.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "genai/dequantize.h"

namespace strata::genai {
namespace {

class Loader {
 public:
  Loader(const GgufFile& file) : file_(file) {}

  // A 2-D weight of `rows` rows of `cols` values; optional ones may be absent.
  Result<Matrix> Mat(const std::string& name, int64_t cols, int64_t rows, bool optional = false) {
    const GgufTensorInfo* info = file_.FindTensor(name);
    if (info == nullptr) {
      if (optional) return Matrix{};
      return InvalidArgumentError(fmt::format("{}: tensor '{}' is missing", file_.name(), name));
    }
    if (info->dims.size() != 2 || info->dims[0] != cols || info->dims[1] != rows) {
      return InvalidArgumentError(fmt::format("{}: tensor '{}' has shape [{}], expected [{}, {}]",
                                              file_.name(), name, fmt::join(info->dims, ", "), cols, rows));
    }
    if (!CanMultiply(info->type)) {
      return InvalidArgumentError(fmt::format("{}: tensor '{}' has type {}, which the engine cannot "
                                              "compute with",
                                              file_.name(), name, TensorTypeName(info->type)));
    }
    const GgufTensorView view = file_.View(*info);
    return Matrix{name, info->type, view.data.data(), cols, rows, info->row_bytes()};
  }

  // A 1-D vector of n values, decoded to float; empty when optional and absent.
  Result<std::vector<float>> Vec(const std::string& name, int64_t n, bool optional = false) {
    const GgufTensorInfo* info = file_.FindTensor(name);
    if (info == nullptr) {
      if (optional) return std::vector<float>{};
      return InvalidArgumentError(fmt::format("{}: tensor '{}' is missing", file_.name(), name));
    }
    if (info->n_elements != n || info->dims.empty() || info->dims[0] != n) {
      return InvalidArgumentError(fmt::format("{}: tensor '{}' has shape [{}], expected [{}]", file_.name(),
                                              name, fmt::join(info->dims, ", "), n));
    }
    std::vector<float> out(n);
    const GgufTensorView view = file_.View(*info);
    Status s = Dequantize(info->type, view.data.data(), n, out.data());
    if (!s.ok()) return InvalidArgumentError(fmt::format("{}: tensor '{}': {}", file_.name(), name, s.message()));
    return out;
  }

 private:
  const GgufFile& file_;
};

}  // namespace

Result<LlmWeights> LlmWeights::Load(const GgufFile& file, const LlmConfig& c) {
  Loader ld(file);
  LlmWeights w;
  const int64_t E = c.n_embd, Q = c.n_embd_q(), KV = c.n_embd_k_gqa(), F = c.n_ff, V = c.n_vocab;
  STRATA_ASSIGN_OR_RETURN(w.token_embd, ld.Mat("token_embd.weight", E, V));
  STRATA_ASSIGN_OR_RETURN(w.output, ld.Mat("output.weight", E, V, /*optional=*/true));
  if (w.output.empty()) w.output = w.token_embd;  // tied embeddings
  STRATA_ASSIGN_OR_RETURN(w.output_norm, ld.Vec("output_norm.weight", E));
  STRATA_ASSIGN_OR_RETURN(w.output_norm_b, ld.Vec("output_norm.bias", E, true));
  const int64_t n_rot_pairs = c.rope_dims / 2;
  STRATA_ASSIGN_OR_RETURN(w.rope_freqs, ld.Vec("rope_freqs.weight", n_rot_pairs, true));
  if (w.rope_freqs.empty()) {  // LongRoPE: short factors, and long ones for long contexts
    STRATA_ASSIGN_OR_RETURN(w.rope_freqs, ld.Vec("rope_factors_short.weight", n_rot_pairs, true));
    STRATA_ASSIGN_OR_RETURN(w.rope_factors_long, ld.Vec("rope_factors_long.weight", n_rot_pairs, true));
  }

  w.layers.resize(c.n_layer);
  for (int il = 0; il < c.n_layer; ++il) {
    auto& L = w.layers[il];
    const std::string p = fmt::format("blk.{}.", il);
    STRATA_ASSIGN_OR_RETURN(L.attn_norm, ld.Vec(p + "attn_norm.weight", E));
    STRATA_ASSIGN_OR_RETURN(L.attn_norm_b, ld.Vec(p + "attn_norm.bias", E, true));
    if (c.arch == LlmArch::kPhi3) {
      STRATA_ASSIGN_OR_RETURN(L.wqkv, ld.Mat(p + "attn_qkv.weight", E, Q + 2 * KV));
    } else {
      STRATA_ASSIGN_OR_RETURN(L.wq, ld.Mat(p + "attn_q.weight", E, Q));
      STRATA_ASSIGN_OR_RETURN(L.wk, ld.Mat(p + "attn_k.weight", E, KV));
      STRATA_ASSIGN_OR_RETURN(L.wv, ld.Mat(p + "attn_v.weight", E, KV));
      STRATA_ASSIGN_OR_RETURN(L.bq, ld.Vec(p + "attn_q.bias", Q, true));
      STRATA_ASSIGN_OR_RETURN(L.bk, ld.Vec(p + "attn_k.bias", KV, true));
      STRATA_ASSIGN_OR_RETURN(L.bv, ld.Vec(p + "attn_v.bias", KV, true));
    }
    const bool qk_norm = c.arch == LlmArch::kQwen3 || c.arch == LlmArch::kGemma3;
    STRATA_ASSIGN_OR_RETURN(L.q_norm, ld.Vec(p + "attn_q_norm.weight", c.head_dim_k, !qk_norm));
    STRATA_ASSIGN_OR_RETURN(L.k_norm, ld.Vec(p + "attn_k_norm.weight", c.head_dim_k, !qk_norm));
    STRATA_ASSIGN_OR_RETURN(L.wo, ld.Mat(p + "attn_output.weight", Q, E));
    STRATA_ASSIGN_OR_RETURN(L.bo, ld.Vec(p + "attn_output.bias", E, true));
    const bool gemma = c.arch == LlmArch::kGemma2 || c.arch == LlmArch::kGemma3;
    if (gemma) {
      STRATA_ASSIGN_OR_RETURN(L.post_attn_norm, ld.Vec(p + "post_attention_norm.weight", E));
      STRATA_ASSIGN_OR_RETURN(L.post_ffn_norm, ld.Vec(p + "post_ffw_norm.weight", E));
    }
    STRATA_ASSIGN_OR_RETURN(L.ffn_norm, ld.Vec(p + "ffn_norm.weight", E));
    STRATA_ASSIGN_OR_RETURN(L.ffn_norm_b, ld.Vec(p + "ffn_norm.bias", E, true));
    if (c.arch == LlmArch::kPhi3) {
      STRATA_ASSIGN_OR_RETURN(L.ffn_up, ld.Mat(p + "ffn_up.weight", E, 2 * F));
    } else {
      STRATA_ASSIGN_OR_RETURN(L.ffn_gate, ld.Mat(p + "ffn_gate.weight", E, F));
      STRATA_ASSIGN_OR_RETURN(L.ffn_up, ld.Mat(p + "ffn_up.weight", E, F));
    }
    STRATA_ASSIGN_OR_RETURN(L.ffn_down, ld.Mat(p + "ffn_down.weight", F, E));
  }
  return w;
}

}  // namespace strata::genai
