#pragma once
// Internal: the vector kernels under MatMul and attention, with one implementation per
// instruction set, chosen once at start-up from what the CPU reports.
//
// Hand-written: no Debian 12 package provides dot products over GGUF block types.
//
// A "row dot" multiplies one weight row (raw GGUF blocks, any alignment) with one
// activation row in the kernel's activation format (ActFormat) and returns the float
// sum. The scalar set has a row dot for every type MatMul supports; a faster set may
// leave an entry empty and the caller then uses the scalar one.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "genai/quant_blocks.h"
#include "genai/tensor_type.h"

namespace strata::genai::internal {

// How activations are prepared for a weight type's kernel.
enum class ActFormat {
  kF32,   // as they are
  kQ8_0,  // blocks of 32: ActBlockQ8_0
  kQ8_1,  // blocks of 32 with their sum: ActBlockQ8_1
  kQ8_K,  // blocks of 256: ActBlockQ8_K
};

// Activation block for Q4_0/Q5_0/Q8_0 weights: q = round(x / d), d = max|x| / 127,
// with d kept in float (no fp16 rounding of the scale).
struct ActBlockQ8_0 {
  float d;
  int8_t qs[32];
};
static_assert(sizeof(ActBlockQ8_0) == 36);

// As ActBlockQ8_0 plus s = d * sum(qs): weights with an offset (Q4_1, Q5_1: x = d*q + m)
// contribute m * s per block, and unsigned-weight kernels subtract their bias with it.
struct ActBlockQ8_1 {
  float d, s;
  int8_t qs[32];
};
static_assert(sizeof(ActBlockQ8_1) == 40);

// Activation block for K-quant weights: Q8_K (quant_blocks.h: float d, 16-value sums)
// plus dsums[j] = d * (sum of q over values 32j..32j+31), which meets the 32-value
// sub-block minimums of Q4_K/Q5_K in one float multiply-add per block.
struct ActBlockQ8_K {
  BlockQ8_K q;
  float dsums[8];
};
static_assert(sizeof(ActBlockQ8_K) == 324);

// Fills b.dsums from b.q.
[[gnu::always_inline]] inline void SetDsums(ActBlockQ8_K& b) {
  for (int j = 0; j < 8; ++j) {
    b.dsums[j] = b.q.d * static_cast<float>(b.q.bsums[2 * j] + b.q.bsums[2 * j + 1]);
  }
}

using RowDotFn = float (*)(const void* weight_row, const void* activations, int64_t n);

// A tile of the product: y[t * y_stride + r] = row dot of weight row r (at
// w + r * w_stride) with activation row t (at act + t * act_stride), for r < n_rows and
// t < n_tok; every row has n values.
using TileFn = void (*)(const uint8_t* w, size_t w_stride, int64_t n_rows, const uint8_t* act,
                        size_t act_stride, int64_t n_tok, float* y, size_t y_stride, int64_t n);

// AMX (Advanced Matrix Extensions) products for prompts: one tile multiply takes 16
// weight rows x 16 tokens x 32 (or 16) values in 8-bit integers. MatMul lays the activations
// (already in the type's ActFormat) out once per call, 16 tokens at a time (PackFn:
// kAmxGroup rows at act with act_stride -> AmxPackedBytes(n, amx_sub) bytes at out), then each
// chunk of weight rows multiplies all packed groups (GroupTileFn: n_rows a multiple of
// 16, n_groups groups of 16 tokens; writes y[t * y_stride + r] as TileFn does).
inline constexpr int kAmxGroup = 16;
size_t AmxPackedBytes(int64_t n, int sub);
using PackFn = void (*)(const uint8_t* act, size_t act_stride, int64_t n, uint8_t* out);
using GroupTileFn = void (*)(const uint8_t* w, size_t w_stride, int64_t n_rows,
                             const uint8_t* packed, int64_t n_groups, float* y, size_t y_stride,
                             int64_t n);

// One weight type's kernel in a set: the row dot, the tile (null: MatMul calls the row
// dot for each row and token) and the activations both take.
struct TypeKernel {
  ActFormat act = ActFormat::kF32;
  RowDotFn dot = nullptr;  // null: this set has none for the type
  std::string_view isa;    // the set it belongs to ("avx2"), for `llm info`
  TileFn tile = nullptr;
  int tile_tokens = 0;  // tokens the tile multiplies per pass over a weight row
  // AMX tiles (null: none); tokens and rows outside whole groups of 16 use `tile`.
  PackFn amx_pack = nullptr;
  GroupTileFn amx_tile = nullptr;
  int amx_sub = 0;  // values per tile multiply: 32, or 16 (Q6_K's sub-blocks)
  // For fewer than kFewTokens tokens (generation: one per sequence), where the set has a
  // tile made for them (null: `tile`). Filled in even where the set lacks the type's row
  // dot and tile, which then come from the set below.
  TileFn few = nullptr;
};

inline constexpr int kFewTokens = 4;

// The tile for n_tok tokens.
inline TileFn TileFor(const TypeKernel& k, int64_t n_tok) {
  return n_tok < kFewTokens && k.few != nullptr ? k.few : k.tile;
}

// Converts one row of n floats to an activation format (n a multiple of its block).
using QuantizeFn = void (*)(const float* x, void* out, int64_t n);

struct KernelSet {
  std::string_view name;  // "avx512", "avx2", "scalar"
  // The activation quantizers (null in a set: the next set down's). Every set's give
  // the scalar set's bytes exactly.
  QuantizeFn quantize_q8_0 = nullptr, quantize_q8_1 = nullptr, quantize_q8_k = nullptr;
  // Attention's short float vectors (null in a set: the next set down's).
  float (*dot_f32)(const float* a, const float* b, int64_t n);
  // y[i] += a * x[i]
  void (*axpy_f32)(float a, const float* x, float* y, int64_t n);
  // Attention of one query position: n_q query heads (q: n_q rows of head_dim) sharing one
  // key/value head, over n_keys positions (key j at k + j * stride, value j at
  // v + j * stride): out = softmax(scale * q k^T, soft-capped when softcap > 0) v, rows
  // like q; scores: n_q * n_keys floats of scratch. Returns false (nothing written) for
  // head sizes it lacks; null in a set: none (the caller's loop of dot_f32 and axpy_f32).
  bool (*attend)(const float* q, int n_q, const float* k, const float* v, size_t stride,
                 int n_keys, int head_dim, float scale, float softcap, float* scores,
                 float* out) = nullptr;
  // The feed-forward's gate over n values: g[i] = act(g[i]) * u[i], act SiLU
  // (x / (1 + e^-x)) or GELU in its tanh form. Within a few ulp of the scalar set's,
  // which uses std::exp and std::tanh (null in a set: the next set down's).
  void (*silu_mul)(float* g, const float* u, int64_t n) = nullptr;
  void (*gelu_mul)(float* g, const float* u, int64_t n) = nullptr;
  TypeKernel f32, f16, bf16, q4_0, q4_1, q5_0, q5_1, q8_0, q2_k, q3_k, q4_k, q5_k, q6_k;
};

// The best set this CPU runs, with every entry the best available (entries the CPU's
// own set lacks come from the next set down); the portable set; the AVX2 set as
// written (null when the CPU lacks AVX2/FMA/F16C). Tests check each set on its own.
const KernelSet& BestKernels();
const KernelSet& ScalarKernels();
const KernelSet* Avx2Kernels();
// The AVX-512 set as written (entries for the hot types only; null when the CPU lacks
// AVX-512 F/BW/DQ/VL/VNNI, AVX2, or the OS does not save the ZMM state).
const KernelSet* Avx512Kernels();
// The AVX-512 set with AMX tiles added for the types that have them (null when the CPU
// lacks AMX-TILE/INT8, the OS does not save the tile state, or Linux refuses this process
// the tile data permission).
const KernelSet* AmxKernels();

// The set's kernel for `type`, or null when the set has none (types MatMul decodes to
// float: F64, I8..I64, the IQ types).
const TypeKernel* KernelFor(const KernelSet& set, TensorType type);
// Bytes of one activation row of n values in `format`.
size_t ActRowBytes(ActFormat format, int64_t n);
// Converts one row of n floats to `format` (n a multiple of the block size) with the
// best set's quantizer; `set`'s own when given.
void QuantizeActivations(ActFormat format, const float* x, void* out, int64_t n);
void QuantizeActivations(const KernelSet& set, ActFormat format, const float* x, void* out,
                         int64_t n);

}  // namespace strata::genai::internal
