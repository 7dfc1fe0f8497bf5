#include "genai/matmul.h"

#include <algorithm>

#include <fmt/format.h>

#include "genai/dequantize.h"
#include "genai/kernels.h"

namespace strata::genai {

bool CanMultiply(TensorType type) {
  return CanDequantize(type);
}

void MatrixRow(const Matrix& w, int64_t r, float* out) {
  const Status s = Dequantize(w.type, w.row(r), static_cast<size_t>(w.cols), out);
  (void)s;  // shapes and types were validated when the weights were loaded
}

std::string MatMulKernelName(TensorType type) {
  const internal::TypeKernel* k = internal::KernelFor(internal::BestKernels(), type);
  if (k == nullptr) return fmt::format("decode + f32 ({})", internal::BestKernels().name);
  const char* act = "";
  switch (k->act) {
    case internal::ActFormat::kF32:
      act = "f32";
      break;
    case internal::ActFormat::kQ8_0:
      act = "q8_0";
      break;
    case internal::ActFormat::kQ8_1:
      act = "q8_1";
      break;
    case internal::ActFormat::kQ8_K:
      act = "q8_K";
      break;
  }
  if (k->tile == nullptr) return fmt::format("{} x {} ({})", TensorTypeName(type), act, k->isa);
  return fmt::format("{} x {} ({}, {}-token tiles)", TensorTypeName(type), act, k->isa,
                     k->tile_tokens);
}

void MatMul(const Matrix& w, const float* x, int64_t n_tokens, float* y, ThreadTeam& team,
            MatMulScratch& scratch) {
  const auto& set = internal::BestKernels();
  const internal::TypeKernel* kernel = internal::KernelFor(set, w.type);
  const internal::ActFormat format = kernel != nullptr ? kernel->act : internal::ActFormat::kF32;
  const int64_t cols = w.cols, rows = w.rows;

  // Activations in the kernel's format, once per call (not per row).
  const std::byte* act = reinterpret_cast<const std::byte*>(x);
  size_t act_row = cols * sizeof(float);
  if (format != internal::ActFormat::kF32) {
    act_row = internal::ActRowBytes(format, cols);
    scratch.activations.resize(act_row * n_tokens);
    team.Run(n_tokens, [&](int64_t t, int) {
      internal::QuantizeActivations(set, format, x + t * cols, scratch.activations.data() + t * act_row,
                                    cols);
    });
    act = scratch.activations.data();
  }
  if (kernel == nullptr && scratch.rows.size() < static_cast<size_t>(team.size())) {
    scratch.rows.resize(team.size());
  }

  // Chunks of rows, all tokens each: a tile kernel keeps a few tokens' activations in
  // L1 while the chunk's rows (in L2) pass by, so each weight block is unpacked once
  // per few tokens; without one, each row is read once and dotted with every token.
  const int64_t chunk = std::max<int64_t>(1, std::min<int64_t>(64, rows / (team.size() * 8)));
  const int64_t n_chunks = (rows + chunk - 1) / chunk;
  team.Run(n_chunks, [&](int64_t c, int thread) {
    const int64_t r0 = c * chunk, r1 = std::min(rows, r0 + chunk);
    if (kernel != nullptr && kernel->tile != nullptr) {
      kernel->tile(reinterpret_cast<const uint8_t*>(w.row(r0)), w.row_bytes, r1 - r0,
                   reinterpret_cast<const uint8_t*>(act), act_row, n_tokens, y + r0,
                   static_cast<size_t>(rows), cols);
      return;
    }
    if (kernel != nullptr) {
      for (int64_t r = r0; r < r1; ++r) {
        const std::byte* wr = w.row(r);
        for (int64_t t = 0; t < n_tokens; ++t) {
          y[t * rows + r] = kernel->dot(wr, act + t * act_row, cols);
        }
      }
      return;
    }
    std::vector<float>& decoded = scratch.rows[thread];
    if (decoded.size() < static_cast<size_t>(cols)) decoded.resize(cols);
    for (int64_t r = r0; r < r1; ++r) {
      MatrixRow(w, r, decoded.data());
      for (int64_t t = 0; t < n_tokens; ++t) {
        y[t * rows + r] = set.dot_f32(decoded.data(), x + t * cols, cols);
      }
    }
  });
}

}  // namespace strata::genai
