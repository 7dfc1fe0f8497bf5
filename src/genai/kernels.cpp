// Portable kernels and the run-time choice of a kernel set.
//
// Hand-written: no Debian 12 package provides dot products over GGUF block types.
#include "genai/kernels.h"

#include <cpuid.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "genai/fp16.h"
#include "genai/quant_blocks.h"

namespace strata::genai::internal {

const KernelSet* Avx2KernelsImpl();  // kernels_avx2.cpp

namespace {

float DotF32Scalar(const float* a, const float* b, int64_t n) {
  // Four partial sums: lets the compiler keep several lanes busy without -ffast-math.
  float s[4] = {0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    for (int k = 0; k < 4; ++k) s[k] += a[i + k] * b[i + k];
  }
  for (; i < n; ++i) s[0] += a[i] * b[i];
  return (s[0] + s[1]) + (s[2] + s[3]);
}

void AxpyF32Scalar(float a, const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}

float RowDotF32Scalar(const void* w, const void* x, int64_t n) {
  return DotF32Scalar(static_cast<const float*>(w), static_cast<const float*>(x), n);
}

float RowDotQ8_0Scalar(const void* w, const void* x, int64_t n) {
  const auto* a = static_cast<const ActBlockQ8_0*>(x);
  float sum = 0;
  for (int64_t i = 0; i < n / 32; ++i) {
    BlockQ8_0 b;
    std::memcpy(&b, static_cast<const uint8_t*>(w) + i * sizeof(BlockQ8_0), sizeof(b));
    int isum = 0;
    for (int j = 0; j < 32; ++j) isum += b.qs[j] * a[i].qs[j];
    sum += F16ToF32(b.d) * a[i].d * static_cast<float>(isum);
  }
  return sum;
}

float RowDotQ4_0Scalar(const void* w, const void* x, int64_t n) {
  const auto* a = static_cast<const ActBlockQ8_0*>(x);
  float sum = 0;
  for (int64_t i = 0; i < n / 32; ++i) {
    BlockQ4_0 b;
    std::memcpy(&b, static_cast<const uint8_t*>(w) + i * sizeof(BlockQ4_0), sizeof(b));
    int isum = 0;
    for (int j = 0; j < 16; ++j) {
      isum += ((b.qs[j] & 0x0f) - 8) * a[i].qs[j];
      isum += ((b.qs[j] >> 4) - 8) * a[i].qs[j + 16];
    }
    sum += F16ToF32(b.d) * a[i].d * static_cast<float>(isum);
  }
  return sum;
}

const KernelSet kScalar = {
    .name = "scalar",
    .dot_f32 = DotF32Scalar,
    .axpy_f32 = AxpyF32Scalar,
    .f32 = RowDotF32Scalar,
    .q4_0 = RowDotQ4_0Scalar,
    .q8_0 = RowDotQ8_0Scalar,
};

void QuantizeQ8_0Act(const float* x, void* out, int64_t n) {
  auto* blocks = static_cast<ActBlockQ8_0*>(out);
  for (int64_t i = 0; i < n / 32; ++i, x += 32) {
    float amax = 0;
    for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / 127.f;
    const float id = d != 0.f ? 1.f / d : 0.f;
    blocks[i].d = d;
    for (int j = 0; j < 32; ++j) blocks[i].qs[j] = static_cast<int8_t>(std::nearbyint(x[j] * id));
  }
}

}  // namespace

const KernelSet& ScalarKernels() { return kScalar; }

const KernelSet* Avx2Kernels() {
  static const KernelSet* set = [] {
    __builtin_cpu_init();
    // F16C by cpuid (leaf 1, ECX bit 29): clang's __builtin_cpu_supports does not know
    // "f16c"; AVX2 and FMA imply the OS saves the AVX state.
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    const bool f16c = __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & (1u << 29)) != 0;
    const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && f16c;
    return ok ? Avx2KernelsImpl() : nullptr;
  }();
  return set;
}

const KernelSet& BestKernels() {
  static const KernelSet& best = Avx2Kernels() != nullptr ? *Avx2Kernels() : kScalar;
  return best;
}

RowDotFn RowDotFor(const KernelSet& set, TensorType type) {
  switch (type) {
    case TensorType::kF32: return set.f32;
    case TensorType::kF16: return set.f16;
    case TensorType::kQ4_0: return set.q4_0;
    case TensorType::kQ8_0: return set.q8_0;
    case TensorType::kQ4_K: return set.q4_k;
    case TensorType::kQ5_K: return set.q5_k;
    case TensorType::kQ6_K: return set.q6_k;
    default: return nullptr;
  }
}

ActFormat ActFormatFor(const KernelSet& set, TensorType type) {
  if (RowDotFor(set, type) == nullptr) return ActFormat::kF32;
  switch (type) {
    case TensorType::kQ4_0:
    case TensorType::kQ8_0: return ActFormat::kQ8_0;
    case TensorType::kQ4_K:
    case TensorType::kQ5_K:
    case TensorType::kQ6_K: return ActFormat::kQ8_K;
    default: return ActFormat::kF32;
  }
}

size_t ActRowBytes(ActFormat format, int64_t n) {
  switch (format) {
    case ActFormat::kF32: return static_cast<size_t>(n) * sizeof(float);
    case ActFormat::kQ8_0: return static_cast<size_t>(n / 32) * sizeof(ActBlockQ8_0);
    case ActFormat::kQ8_K: return static_cast<size_t>(n / kQK_K) * sizeof(BlockQ8_K);
  }
  return 0;
}

void QuantizeActivations(ActFormat format, const float* x, void* out, int64_t n) {
  switch (format) {
    case ActFormat::kF32: std::memcpy(out, x, static_cast<size_t>(n) * sizeof(float)); return;
    case ActFormat::kQ8_0: QuantizeQ8_0Act(x, out, n); return;
    case ActFormat::kQ8_K: QuantizeQ8_K(x, out, n); return;
  }
}

}  // namespace strata::genai::internal
