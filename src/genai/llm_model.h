#pragma once
// A loaded language model and the forward pass over it.
//
//   auto model = LlmModel::Open("m.gguf");           // mmap, parse, check shapes
//   LlmEvaluator eval(**model, /*n_threads=*/2);
//   KvCache cache(**model, /*n_ctx=*/512);
//   std::vector<float> logits;
//   SequenceInput in{&cache, prompt_ids};
//   eval.Decode({&in, 1}, &logits);                   // logits after the last token
//
// The model is immutable and may be shared by evaluators on several threads. An
// evaluator (scratch buffers, threads) serves one caller at a time. A KvCache holds one
// sequence; Decode() takes several sequences in one batch, so their weight reads are
// shared (the matrix products run over all their tokens together).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "core/core.h"
#include "genai/gguf_reader.h"
#include "genai/llm_config.h"
#include "genai/llm_weights.h"
#include "genai/matmul.h"
#include "genai/thread_team.h"
#include "genai/tokenizer.h"

namespace strata::genai {

class LlmModel {
 public:
  static Result<std::unique_ptr<LlmModel>> Open(const std::filesystem::path& path);
  static Result<std::unique_ptr<LlmModel>> FromFile(GgufFile file);

  const GgufFile& file() const { return file_; }
  const LlmConfig& config() const { return config_; }
  const LlmWeights& weights() const { return weights_; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }
  uint64_t n_params() const;

 private:
  LlmModel(GgufFile file) : file_(std::move(file)) {}
  GgufFile file_;
  LlmConfig config_;
  LlmWeights weights_;
  std::optional<Tokenizer> tokenizer_;  // always set once Open() succeeded
};

// Keys and values of one sequence, F32, for every layer, up to `capacity` positions.
class KvCache {
 public:
  KvCache(const LlmModel& model, int capacity);
  int size() const { return size_; }  // positions filled (the next token's position)
  int capacity() const { return capacity_; }
  void Clear() { size_ = 0; }
  // Forgets positions >= n (e.g. to retry from a shared prefix). REQUIRES: n <= size().
  void Truncate(int n) { size_ = n; }
  size_t bytes() const { return (k_.size() + v_.size()) * sizeof(float); }

  float* k(int layer, int pos) { return k_.data() + (static_cast<size_t>(layer) * capacity_ + pos) * row_; }
  float* v(int layer, int pos) { return v_.data() + (static_cast<size_t>(layer) * capacity_ + pos) * row_; }
  // Floats from one position's keys (or values) to the next's.
  size_t row_size() const { return row_; }

 private:
  friend class LlmEvaluator;
  int capacity_ = 0;
  int size_ = 0;
  size_t row_ = 0;  // n_head_kv * head_dim
  std::vector<float> k_, v_;
};

struct SequenceInput {
  KvCache* cache = nullptr;
  std::span<const TokenId> tokens;
  bool all_logits = false;  // logits after every token, not just the last
};

class LlmEvaluator {
 public:
  LlmEvaluator(const LlmModel& model, int n_threads = 0);
  int n_threads() const { return team_.size(); }

  // Appends each sequence's tokens to its cache at the next positions and writes the
  // logits: per sequence, one n_vocab row for its last token (or one per token with
  // all_logits), in batch order. InvalidArgument for a token id out of range or a
  // cache without room; nothing is appended then.
  Status Decode(std::span<const SequenceInput> batch, std::vector<float>* logits);

 private:
  struct TokenSlot {
    KvCache* cache;
    int pos;
  };
  void Layer(int il, int64_t n);
  void Attention(int il, int64_t n);
  void Norm(const float* x, const std::vector<float>& w, const std::vector<float>& b, float* out,
            int64_t n, int64_t dim) const;
  // cos and sin of each token's rotation angles, [token][pair][2], for global (0) or
  // sliding-window layers (1: gemma3's local base), computed once per Decode.
  void RopeAngles(int64_t n, bool local, std::vector<float>* out) const;
  void Rope(float* data, int64_t n, int n_heads, int layer);

  const LlmModel& model_;
  const LlmConfig& c_;
  ThreadTeam team_;
  MatMulScratch mm_;
  std::vector<TokenSlot> slots_;
  std::vector<float> x_, xn_, q_, k_, v_, qkv_, attn_, proj_, gate_, up_, out_rows_;
  std::vector<float> rope_[2];
  std::vector<std::vector<float>> scores_;  // per thread
};

}  // namespace strata::genai
