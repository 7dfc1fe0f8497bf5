#pragma once
// Matrix products of a weight (any GGUF tensor type, read in place from the mapped
// file) with a batch of float activations: the one hot loop of the forward pass.
//
// y[t][r] = sum_i W[r][i] * x[t][i] for t < n_tokens, r < rows.
// Types with an integer kernel (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 and the K-quants) quantize
// the activations to 8 bits per block first (Q8_0-style blocks of 32, Q8_K blocks of
// 256), which is what makes them fast; F32/F16/BF16 dot in float. Several tokens are
// multiplied per pass over a weight row (kernels_tile.h); on CPUs with AMX-INT8, prompts
// of 16 tokens or more go through 16x16 integer tiles (kernels_amx.cpp). The other decodable types
// (F64, Q8_1, Q8_K) decode each weight row to float once per call and reuse it for every
// token.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/core.h"
#include "genai/gguf.h"
#include "genai/thread_team.h"

namespace strata::genai {

// A 2-D weight inside the mapped file: `rows` rows of `cols` values.
struct Matrix {
  std::string name;
  TensorType type = TensorType::kF32;
  const std::byte* data = nullptr;
  int64_t cols = 0;
  int64_t rows = 0;
  size_t row_bytes = 0;

  bool empty() const { return data == nullptr; }
  const std::byte* row(int64_t r) const { return data + static_cast<size_t>(r) * row_bytes; }
};

// Whether MatMul supports the type (dequantizable).
bool CanMultiply(TensorType type);

// Decodes row r to float (the embedding lookup).
void MatrixRow(const Matrix& w, int64_t r, float* out);

// Per-thread buffers reused across calls, so the token loop allocates nothing once warm.
class MatMulScratch {
 public:
  std::vector<std::byte> activations;
  std::vector<uint8_t> amx_packed;  // activations in AMX tile groups
  std::vector<std::vector<float>> rows;  // one decoded row per thread
};

// y = x W^T with x n_tokens x cols and y n_tokens x rows (both row-major, contiguous).
void MatMul(const Matrix& w, const float* x, int64_t n_tokens, float* y, ThreadTeam& team,
            MatMulScratch& scratch);

// Which kernel a type uses, for `llm info`: weight type x activation format (instruction
// set, tokens per pass of the prompt-processing tile, AMX where prompts use it), e.g.
// "Q4_K x q8_K (avx512, 8-token tiles; AMX 16x16 tiles for prompts)", or
// "decode + f32 (...)" for types without a native kernel.
std::string MatMulKernelName(TensorType type);

}  // namespace strata::genai
