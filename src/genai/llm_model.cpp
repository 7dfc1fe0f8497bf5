// The transformer forward pass for the architectures of llm_config.h.
//
// Hand-written from the public architecture descriptions (shared/llm/README.md gives
// the exact rules the conformance references follow); no Debian 12 package runs GGUF
// models.
#include "genai/llm_model.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "genai/kernels.h"

namespace strata::genai {

Result<std::unique_ptr<LlmModel>> LlmModel::Open(const std::filesystem::path& path) {
  STRATA_ASSIGN_OR_RETURN(GgufFile file, GgufFile::Open(path));
  return FromFile(std::move(file));
}

Result<std::unique_ptr<LlmModel>> LlmModel::FromFile(GgufFile file) {
  std::unique_ptr<LlmModel> m(new LlmModel(std::move(file)));
  auto config = LlmConfig::FromMetadata(m->file_.metadata());
  if (!config.ok()) {
    return InvalidArgumentError(fmt::format("{}: {}", m->file_.name(), config.status().message()));
  }
  m->config_ = std::move(config).value();
  STRATA_ASSIGN_OR_RETURN(m->weights_, LlmWeights::Load(m->file_, m->config_));
  auto tokenizer = Tokenizer::FromMetadata(m->file_.metadata());
  if (!tokenizer.ok()) {
    return InvalidArgumentError(fmt::format("{}: {}", m->file_.name(), tokenizer.status().message()));
  }
  if (tokenizer->n_vocab() != m->config_.n_vocab) {
    return InvalidArgumentError(fmt::format("{}: the tokenizer has {} tokens but the model {}", m->file_.name(),
                                            tokenizer->n_vocab(), m->config_.n_vocab));
  }
  m->tokenizer_.emplace(std::move(tokenizer).value());
  return m;
}

uint64_t LlmModel::n_params() const {
  uint64_t n = 0;
  for (const auto& t : file_.tensors()) n += static_cast<uint64_t>(t.n_elements);
  return n;
}

KvCache::KvCache(const LlmModel& model, int capacity)
    : capacity_(std::max(1, capacity)), row_(static_cast<size_t>(model.config().n_embd_k_gqa())) {
  const size_t n = static_cast<size_t>(model.config().n_layer) * capacity_ * row_;
  k_.resize(n);
  v_.resize(n);
}

LlmEvaluator::LlmEvaluator(const LlmModel& model, int n_threads)
    : model_(model), c_(model.config()), team_(n_threads), scores_(team_.size()) {}

namespace {

void AddBias(float* y, const std::vector<float>& b, int64_t n, int64_t dim) {
  if (b.empty()) return;
  for (int64_t t = 0; t < n; ++t) {
    for (int64_t i = 0; i < dim; ++i) y[t * dim + i] += b[i];
  }
}

// RMSNorm of one vector, in double so long rows do not lose the small terms.
void RmsNormRow(const float* x, const float* w, float* out, int64_t dim, float eps) {
  double ss = 0;
  for (int64_t i = 0; i < dim; ++i) ss += static_cast<double>(x[i]) * x[i];
  const float scale = static_cast<float>(1.0 / std::sqrt(ss / dim + eps));
  for (int64_t i = 0; i < dim; ++i) out[i] = x[i] * scale * w[i];
}

}  // namespace

void LlmEvaluator::Norm(const float* x, const std::vector<float>& w, const std::vector<float>& b,
                        float* out, int64_t n, int64_t dim) const {
  for (int64_t t = 0; t < n; ++t) {
    const float* xi = x + t * dim;
    float* oi = out + t * dim;
    if (!c_.layer_norm) {
      RmsNormRow(xi, w.data(), oi, dim, c_.norm_eps);
      continue;
    }
    double mean = 0, var = 0;
    for (int64_t i = 0; i < dim; ++i) mean += xi[i];
    mean /= dim;
    for (int64_t i = 0; i < dim; ++i) var += (xi[i] - mean) * (xi[i] - mean);
    const double inv = 1.0 / std::sqrt(var / dim + c_.norm_eps);
    for (int64_t i = 0; i < dim; ++i) {
      oi[i] = static_cast<float>((xi[i] - mean) * inv) * w[i] + (b.empty() ? 0.f : b[i]);
    }
  }
}

void LlmEvaluator::RopeAngles(int64_t n, bool local, std::vector<float>* out) const {
  const int rd = c_.rope_dims, half = rd / 2;
  const double base = local ? c_.rope_base_local : c_.rope_base;
  const double freq_scale = local ? 1.0 : c_.rope_freq_scale;
  const bool yarn = !local && c_.rope_yarn;
  const LlmWeights& w = model_.weights();
  const double mscale = c_.rope_attn_factor * (yarn ? c_.rope_yarn_mscale : 1.f);
  const double yarn_span = std::max(0.001, static_cast<double>(c_.rope_yarn_high - c_.rope_yarn_low));
  out->resize(static_cast<size_t>(n) * half * 2);
  for (int64_t t = 0; t < n; ++t) {
    const double pos = static_cast<double>(slots_[t].pos);
    // LongRoPE: a sequence given more positions than the original context takes the
    // long factors (chosen by its cache's size, not its length, so that a sequence's
    // early keys keep their rotation as it grows).
    const bool long_context = c_.rope_orig_ctx > 0 && !w.rope_factors_long.empty() &&
                              slots_[t].cache->capacity() > c_.rope_orig_ctx;
    const auto& factors = long_context ? w.rope_factors_long : w.rope_freqs;
    float* cs = out->data() + static_cast<size_t>(t) * half * 2;
    for (int i = 0; i < half; ++i) {
      double original = pos * std::pow(base, -2.0 * i / rd);
      if (!factors.empty()) original /= factors[i];
      double theta = original * freq_scale;
      if (yarn) {
        // YaRN: pairs below rope_yarn_low keep their original angle, those above
        // rope_yarn_high take the interpolated one, and a linear ramp between.
        const double ramp = 1.0 - std::clamp((i - c_.rope_yarn_low) / yarn_span, 0.0, 1.0);
        const double keep = ramp * c_.rope_yarn_ext_factor;
        theta = theta * (1.0 - keep) + original * keep;
      }
      cs[2 * i] = static_cast<float>(std::cos(theta) * mscale);
      cs[2 * i + 1] = static_cast<float>(std::sin(theta) * mscale);
    }
  }
}

void LlmEvaluator::Rope(float* data, int64_t n, int n_heads, int layer) {
  const int hd = c_.head_dim_k, half = c_.rope_dims / 2;
  const bool local = c_.arch == LlmArch::kGemma3 && c_.IsSlidingLayer(layer);
  const bool normal = c_.rope_mode == RopeMode::kNormal;
  const float* angles = rope_[local ? 1 : 0].data();
  for (int64_t t = 0; t < n; ++t) {
    const float* cs = angles + static_cast<size_t>(t) * half * 2;
    for (int h = 0; h < n_heads; ++h) {
      float* head = data + (t * n_heads + h) * hd;
      for (int i = 0; i < half; ++i) {
        const int a = normal ? 2 * i : i, b = normal ? 2 * i + 1 : i + half;
        const float x0 = head[a], x1 = head[b];
        head[a] = x0 * cs[2 * i] - x1 * cs[2 * i + 1];
        head[b] = x0 * cs[2 * i + 1] + x1 * cs[2 * i];
      }
    }
  }
}

void LlmEvaluator::Attention(int il, int64_t n) {
  const int hd = c_.head_dim_k, n_head = c_.n_head, group = c_.n_head / c_.n_head_kv;
  const bool sliding = c_.IsSlidingLayer(il);
  const auto& kernels = internal::BestKernels();
  // One task per position and key/value head: the query heads sharing it read each
  // cached key and value once.
  team_.Run(n * c_.n_head_kv, [&](int64_t task, int thread) {
    const int64_t t = task / c_.n_head_kv;
    const int kvh = static_cast<int>(task % c_.n_head_kv);
    KvCache& cache = *slots_[t].cache;
    const int p = slots_[t].pos;
    const int lo = sliding ? std::max(0, p - c_.sliding_window + 1) : 0;
    const int n_keys = p - lo + 1;
    std::vector<float>& s = scores_[thread];
    if (s.size() < static_cast<size_t>(group) * n_keys) s.resize(static_cast<size_t>(group) * n_keys);
    const float* q = q_.data() + (t * n_head + kvh * group) * hd;
    float* out = attn_.data() + (t * n_head + kvh * group) * hd;
    const float* k = cache.k(il, lo) + kvh * hd;
    const float* v = cache.v(il, lo) + kvh * hd;
    const size_t stride = cache.row_size();
    if (kernels.attend != nullptr &&
        kernels.attend(q, group, k, v, stride, n_keys, hd, c_.attn_scale, c_.attn_softcap, s.data(), out)) {
      return;
    }
    for (int h = 0; h < group; ++h, q += hd, out += hd) {
      float max = -INFINITY;
      for (int j = 0; j < n_keys; ++j) {
        float score = kernels.dot_f32(q, k + j * stride, hd) * c_.attn_scale;
        if (c_.attn_softcap > 0.f) score = c_.attn_softcap * std::tanh(score / c_.attn_softcap);
        s[j] = score;
        max = std::max(max, score);
      }
      double sum = 0;
      for (int j = 0; j < n_keys; ++j) {
        s[j] = std::exp(s[j] - max);
        sum += s[j];
      }
      const float inv = static_cast<float>(1.0 / sum);
      std::fill(out, out + hd, 0.f);
      for (int j = 0; j < n_keys; ++j) kernels.axpy_f32(s[j] * inv, v + j * stride, out, hd);
    }
  });
}

void LlmEvaluator::Layer(int il, int64_t n) {
  const auto& L = model_.weights().layers[il];
  const int64_t E = c_.n_embd, Q = c_.n_embd_q(), KV = c_.n_embd_k_gqa(), F = c_.n_ff;
  const int hd = c_.head_dim_k;

  Norm(x_.data(), L.attn_norm, L.attn_norm_b, xn_.data(), n, E);
  if (!L.wqkv.empty()) {
    MatMul(L.wqkv, xn_.data(), n, qkv_.data(), team_, mm_);
    const int64_t W = Q + 2 * KV;
    for (int64_t t = 0; t < n; ++t) {
      std::copy_n(qkv_.data() + t * W, Q, q_.data() + t * Q);
      std::copy_n(qkv_.data() + t * W + Q, KV, k_.data() + t * KV);
      std::copy_n(qkv_.data() + t * W + Q + KV, KV, v_.data() + t * KV);
    }
  } else {
    MatMul(L.wq, xn_.data(), n, q_.data(), team_, mm_);
    MatMul(L.wk, xn_.data(), n, k_.data(), team_, mm_);
    MatMul(L.wv, xn_.data(), n, v_.data(), team_, mm_);
    AddBias(q_.data(), L.bq, n, Q);
    AddBias(k_.data(), L.bk, n, KV);
    AddBias(v_.data(), L.bv, n, KV);
  }
  if (!L.q_norm.empty()) {
    for (int64_t i = 0; i < n * c_.n_head; ++i) RmsNormRow(&q_[i * hd], L.q_norm.data(), &q_[i * hd], hd, c_.norm_eps);
    for (int64_t i = 0; i < n * c_.n_head_kv; ++i) RmsNormRow(&k_[i * hd], L.k_norm.data(), &k_[i * hd], hd, c_.norm_eps);
  }
  Rope(q_.data(), n, c_.n_head, il);
  Rope(k_.data(), n, c_.n_head_kv, il);
  for (int64_t t = 0; t < n; ++t) {
    std::copy_n(k_.data() + t * KV, KV, slots_[t].cache->k(il, slots_[t].pos));
    std::copy_n(v_.data() + t * KV, KV, slots_[t].cache->v(il, slots_[t].pos));
  }
  Attention(il, n);
  MatMul(L.wo, attn_.data(), n, proj_.data(), team_, mm_);
  AddBias(proj_.data(), L.bo, n, E);
  if (!L.post_attn_norm.empty()) Norm(proj_.data(), L.post_attn_norm, {}, proj_.data(), n, E);
  for (int64_t i = 0; i < n * E; ++i) x_[i] += proj_[i];

  Norm(x_.data(), L.ffn_norm, L.ffn_norm_b, xn_.data(), n, E);
  if (L.ffn_gate.empty()) {  // phi3: [gate | up] in one matrix
    MatMul(L.ffn_up, xn_.data(), n, qkv_.data(), team_, mm_);
    for (int64_t t = 0; t < n; ++t) {
      std::copy_n(qkv_.data() + t * 2 * F, F, gate_.data() + t * F);
      std::copy_n(qkv_.data() + t * 2 * F + F, F, up_.data() + t * F);
    }
  } else {
    MatMul(L.ffn_gate, xn_.data(), n, gate_.data(), team_, mm_);
    MatMul(L.ffn_up, xn_.data(), n, up_.data(), team_, mm_);
  }
  // Over both threads by token: one exp (or tanh) per value of an n x n_ff matrix is a
  // few percent of a prompt's time on one thread.
  const auto& kernels = internal::BestKernels();
  const auto gate = c_.ffn_activation == FfnActivation::kSilu ? kernels.silu_mul : kernels.gelu_mul;
  team_.Run(n, [&](int64_t t, int) { gate(gate_.data() + t * F, up_.data() + t * F, F); });
  MatMul(L.ffn_down, gate_.data(), n, proj_.data(), team_, mm_);
  if (!L.post_ffn_norm.empty()) Norm(proj_.data(), L.post_ffn_norm, {}, proj_.data(), n, E);
  for (int64_t i = 0; i < n * E; ++i) x_[i] += proj_[i];
}

Status LlmEvaluator::Decode(std::span<const SequenceInput> batch, std::vector<float>* logits) {
  // Check everything before touching any cache, so a bad request changes nothing.
  int64_t n = 0, n_out = 0;
  for (size_t s = 0; s < batch.size(); ++s) {
    const SequenceInput& in = batch[s];
    if (in.cache == nullptr) return InvalidArgumentError(fmt::format("sequence {} has no cache", s));
    if (in.tokens.empty()) return InvalidArgumentError(fmt::format("sequence {} has no tokens", s));
    for (size_t i = 0; i < in.tokens.size(); ++i) {
      if (in.tokens[i] < 0 || in.tokens[i] >= c_.n_vocab) {
        return InvalidArgumentError(fmt::format("token id {} at index {} is out of range [0, {})",
                                                in.tokens[i], i, c_.n_vocab));
      }
    }
    if (in.cache->size() + static_cast<int64_t>(in.tokens.size()) > in.cache->capacity()) {
      return InvalidArgumentError(fmt::format("context is full: {} tokens cached + {} new > context size {}",
                                              in.cache->size(), in.tokens.size(), in.cache->capacity()));
    }
    for (size_t o = 0; o < s; ++o) {
      if (batch[o].cache == in.cache) {
        return InvalidArgumentError(fmt::format("sequences {} and {} share one cache", o, s));
      }
    }
    n += static_cast<int64_t>(in.tokens.size());
    n_out += in.all_logits ? static_cast<int64_t>(in.tokens.size()) : 1;
  }
  if (n == 0) return InvalidArgumentError("empty batch");

  const int64_t E = c_.n_embd, Q = c_.n_embd_q(), KV = c_.n_embd_k_gqa(), F = c_.n_ff;
  x_.resize(n * E);
  xn_.resize(n * E);
  q_.resize(n * Q);
  attn_.resize(n * Q);
  k_.resize(n * KV);
  v_.resize(n * KV);
  qkv_.resize(n * std::max(Q + 2 * KV, 2 * F));
  proj_.resize(n * E);
  gate_.resize(n * F);
  up_.resize(n * F);

  slots_.clear();
  const auto& w = model_.weights();
  for (const SequenceInput& in : batch) {
    for (size_t i = 0; i < in.tokens.size(); ++i) {
      const int64_t t = static_cast<int64_t>(slots_.size());
      slots_.push_back({in.cache, in.cache->size() + static_cast<int>(i)});
      MatrixRow(w.token_embd, in.tokens[i], x_.data() + t * E);
      if (c_.embed_scale != 1.f) {
        for (int64_t j = 0; j < E; ++j) x_[t * E + j] *= c_.embed_scale;
      }
    }
  }

  RopeAngles(n, false, &rope_[0]);
  if (c_.arch == LlmArch::kGemma3) RopeAngles(n, true, &rope_[1]);
  for (int il = 0; il < c_.n_layer; ++il) Layer(il, n);
  for (const SequenceInput& in : batch) in.cache->size_ += static_cast<int>(in.tokens.size());

  // Only the rows whose logits were asked for go through the output matrix.
  out_rows_.resize(n_out * E);
  int64_t t = 0, o = 0;
  for (const SequenceInput& in : batch) {
    const int64_t len = static_cast<int64_t>(in.tokens.size());
    const int64_t first = in.all_logits ? t : t + len - 1;
    for (int64_t r = first; r < t + len; ++r, ++o) {
      Norm(x_.data() + r * E, w.output_norm, w.output_norm_b, out_rows_.data() + o * E, 1, E);
    }
    t += len;
  }
  logits->resize(n_out * c_.n_vocab);
  MatMul(w.output, out_rows_.data(), n_out, logits->data(), team_, mm_);
  if (c_.final_softcap > 0.f) {
    for (float& l : *logits) l = c_.final_softcap * std::tanh(l / c_.final_softcap);
  }
  return Status();
}

}  // namespace strata::genai
