#pragma once
// Internal: the vector kernels under MatMul and attention, with one implementation per
// instruction set, chosen once at start-up from what the CPU reports.
//
// Hand-written: no Debian 12 package provides dot products over GGUF block types.
//
// A "row dot" multiplies one weight row (raw GGUF blocks) with one activation row in
// the kernel's activation format (ActFormat) and returns the float sum. Every set has
// an entry for every type; entries without a native kernel are null and MatMul falls
// back to decoding the row to float and DotF32.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "genai/tensor_type.h"

namespace strata::genai::internal {

// How activations are prepared for a weight type's kernel.
enum class ActFormat {
  kF32,   // as they are
  kQ8_0,  // blocks of 32: ActBlockQ8_0
  kQ8_K,  // blocks of 256: BlockQ8_K (quant_blocks.h)
};

// Activation block for Q4_0/Q5_0/Q8_0 weights: q = round(x / d), d = max|x| / 127,
// with d kept in float (no fp16 rounding of the scale).
struct ActBlockQ8_0 {
  float d;
  int8_t qs[32];
};
static_assert(sizeof(ActBlockQ8_0) == 36);

using RowDotFn = float (*)(const void* weight_row, const void* activations, int64_t n);

struct KernelSet {
  std::string_view name;  // "avx2", "scalar"
  float (*dot_f32)(const float* a, const float* b, int64_t n);
  // y[i] += a * x[i]
  void (*axpy_f32)(float a, const float* x, float* y, int64_t n);
  RowDotFn f32 = nullptr, f16 = nullptr, q4_0 = nullptr, q8_0 = nullptr, q4_k = nullptr,
           q5_k = nullptr, q6_k = nullptr;
};

// The best set this CPU runs; the scalar set (always available, for tests).
const KernelSet& BestKernels();
const KernelSet& ScalarKernels();
const KernelSet* Avx2Kernels();  // null when the CPU lacks AVX2/FMA/F16C

// The native row dot of `set` for `type` (null: decode + dot_f32), and the format its
// activations take (kF32 when there is no native kernel).
RowDotFn RowDotFor(const KernelSet& set, TensorType type);
ActFormat ActFormatFor(const KernelSet& set, TensorType type);
// Bytes of one activation row of n values in `format`.
size_t ActRowBytes(ActFormat format, int64_t n);
// Converts one row of n floats to `format` (n a multiple of the block size).
void QuantizeActivations(ActFormat format, const float* x, void* out, int64_t n);

}  // namespace strata::genai::internal
