#include "genai/matmul.h"

#include <algorithm>

#include <fmt/format.h>

#include "genai/dequantize.h"
#include "genai/kernels.h"

namespace strata::genai {

namespace {
// Tokens from which MatMul uses AMX tiles where the CPU has them: one whole group
// (measured on 2048x2048 Q4_K: 16 tokens 0.57 ms with AMX, unpacking included, against
// 1.00 ms with the VNNI tiles).
constexpr int64_t kAmxMinTokens = 16;
}  // namespace

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
  const std::string amx = k->amx_tile != nullptr ? "; AMX 16x16 tiles for prompts" : "";
  return fmt::format("{} x {} ({}, {}-token tiles{})", TensorTypeName(type), act, k->isa,
                     k->tile_tokens, amx);
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

  // AMX tiles take whole groups of 16 tokens; the activations go into tile form once
  // per call.
  const bool amx = kernel != nullptr && kernel->amx_tile != nullptr && n_tokens >= kAmxMinTokens;
  const int64_t amx_groups = amx ? n_tokens / internal::kAmxGroup : 0;
  const int64_t amx_tokens = amx_groups * internal::kAmxGroup;
  if (amx) {
    const size_t group_bytes = internal::AmxPackedBytes(cols, kernel->amx_sub);
    scratch.amx_packed.resize(group_bytes * amx_groups);
    team.Run(amx_groups, [&](int64_t g, int) {
      kernel->amx_pack(reinterpret_cast<const uint8_t*>(act) + g * internal::kAmxGroup * act_row,
                       act_row, cols, scratch.amx_packed.data() + g * group_bytes);
    });
  }

  // Chunks of rows, all tokens each: a tile kernel keeps a few tokens' activations in
  // L1 while the chunk's rows (in L2) pass by, so each weight block is unpacked once
  // per few tokens; without one, each row is read once and dotted with every token.
  // AMX chunks are whole groups of 16 rows, up to 128 (their int8 rows stay in L2).
  int64_t chunk = std::max<int64_t>(1, std::min<int64_t>(64, rows / (team.size() * 8)));
  if (amx) chunk = std::clamp<int64_t>(rows / (team.size() * 4) / 16 * 16, 16, 128);
  const int64_t n_chunks = (rows + chunk - 1) / chunk;
  team.Run(n_chunks, [&](int64_t c, int thread) {
    const int64_t r0 = c * chunk, r1 = std::min(rows, r0 + chunk);
    const auto* a = reinterpret_cast<const uint8_t*>(act);
    if (amx) {
      const int64_t whole = (r1 - r0) / internal::kAmxGroup * internal::kAmxGroup;
      if (whole > 0) {
        kernel->amx_tile(reinterpret_cast<const uint8_t*>(w.row(r0)), w.row_bytes, whole,
                         scratch.amx_packed.data(), amx_groups, y + r0, static_cast<size_t>(rows), cols);
      }
      if (r0 + whole < r1) {  // rows outside whole groups, the grouped tokens
        internal::TileFor(*kernel, amx_tokens)(reinterpret_cast<const uint8_t*>(w.row(r0 + whole)),
                                               w.row_bytes, r1 - r0 - whole, a, act_row, amx_tokens,
                                               y + r0 + whole, static_cast<size_t>(rows), cols);
      }
      if (amx_tokens < n_tokens) {  // tokens outside whole groups, every row
        internal::TileFor(*kernel, n_tokens - amx_tokens)(
            reinterpret_cast<const uint8_t*>(w.row(r0)), w.row_bytes, r1 - r0,
            a + amx_tokens * act_row, act_row, n_tokens - amx_tokens, y + amx_tokens * rows + r0,
            static_cast<size_t>(rows), cols);
      }
      return;
    }
    if (kernel != nullptr && kernel->tile != nullptr) {
      internal::TileFor(*kernel, n_tokens)(reinterpret_cast<const uint8_t*>(w.row(r0)), w.row_bytes,
                                           r1 - r0, a, act_row, n_tokens, y + r0,
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
