#pragma once
// Random-weight llama-architecture models of any size, written as GGUF: for measuring
// the engine at realistic sizes (`strata llm synth`, bench/llm_bench.sh) without
// downloading a model. Weights follow N(0, 1/fan_in), norms 1, as the shared tiny
// models do; the vocabulary is copied from a vocabulary GGUF.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "core/core.h"
#include "genai/tensor_type.h"

namespace strata::genai {

struct SyntheticModelSpec {
  int n_layer = 16;
  int n_embd = 2048;
  int n_ff = 8192;
  int n_head = 32;
  int n_head_kv = 8;
  int n_ctx = 4096;
  TensorType type = TensorType::kQ4_K;  // every 2-D weight
  std::filesystem::path vocab;          // a GGUF whose tokenizer.* metadata is copied
  uint64_t seed = 1;
};

// progress(done, total) per tensor.
Status WriteSyntheticModel(const SyntheticModelSpec& spec, const std::filesystem::path& out,
                           const std::function<void(size_t, size_t)>& progress = nullptr);

}  // namespace strata::genai
