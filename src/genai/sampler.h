#pragma once
// Choosing the next token from logits: greedy, or temperature sampling filtered by
// top-k, top-p (nucleus) and min-p, after logit bias and repetition, frequency and
// presence penalties. Seeded: the same seed, logits and history give the same tokens.
//
// Order of operations (each optional): logit bias -> penalties over the last
// `penalty_last_n` accepted tokens -> temperature 0: argmax (lowest id on ties) ->
// top-k -> softmax(logits / temperature) -> top-p -> min-p -> draw.

#include <cstdint>
#include <deque>
#include <random>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/core.h"

namespace strata::genai {

struct SamplingParams {
  float temperature = 0.8f;  // <= 0: greedy
  int top_k = 40;            // <= 0: off
  float top_p = 0.95f;       // >= 1: off
  float min_p = 0.05f;       // <= 0: off; keep tokens with p >= min_p * p(top)
  float repeat_penalty = 1.0f;     // 1: off; llama-style divide positive / multiply negative
  float frequency_penalty = 0.0f;  // OpenAI-style: minus count * f
  float presence_penalty = 0.0f;   // OpenAI-style: minus p once a token appeared
  int penalty_last_n = 64;         // history window for the penalties; -1: all
  uint64_t seed = 0;
  std::vector<std::pair<int32_t, float>> logit_bias;  // added to the logit of the id

  // InvalidArgument naming the field for out-of-range values.
  Status Validate(int n_vocab) const;
};

class Sampler {
 public:
  Sampler(SamplingParams params, int n_vocab);

  // Picks a token from `logits` (n_vocab values; modified in place).
  int32_t Sample(std::span<float> logits);
  // Records a token of the sequence (prompt or generated) for the penalties.
  void Accept(int32_t token);
  void Reset();

 private:
  SamplingParams p_;
  int n_vocab_;
  std::mt19937_64 rng_;
  std::deque<int32_t> history_;
  std::vector<std::pair<float, int32_t>> candidates_;
};

}  // namespace strata::genai
