// The portable kernel set: a row dot for every weight type, in plain C++. It is the
// fallback on CPUs without AVX2 and the second opinion the faster sets are tested
// against. Integer sums per block, then one float multiply per block, as the vector
// sets do.
//
// Hand-written: no Debian 12 package provides dot products over GGUF block types.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "genai/fp16.h"
#include "genai/kernels.h"
#include "genai/quant_blocks.h"

namespace strata::genai::internal {
namespace {

template <typename Block>
Block LoadBlock(const void* row, int64_t i) {
  Block b;
  std::memcpy(&b, static_cast<const uint8_t*>(row) + i * sizeof(Block), sizeof(Block));
  return b;
}

template <typename Load>
float DotFloats(Load load, const float* b, int64_t n) {
  // Four partial sums: lets the compiler keep several lanes busy without -ffast-math.
  float s[4] = {0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    for (int k = 0; k < 4; ++k) s[k] += load(i + k) * b[i + k];
  }
  for (; i < n; ++i) s[0] += load(i) * b[i];
  return (s[0] + s[1]) + (s[2] + s[3]);
}

float DotF32(const float* a, const float* b, int64_t n) {
  return DotFloats([a](int64_t i) { return a[i]; }, b, n);
}

void AxpyF32(float a, const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}

float RowDotF32(const void* w, const void* x, int64_t n) {
  return DotF32(static_cast<const float*>(w), static_cast<const float*>(x), n);
}

float RowDotF16(const void* w, const void* x, int64_t n) {
  const auto* h = static_cast<const uint8_t*>(w);
  return DotFloats(
      [h](int64_t i) {
        uint16_t v;
        std::memcpy(&v, h + 2 * i, 2);
        return F16ToF32(v);
      },
      static_cast<const float*>(x), n);
}

float RowDotBF16(const void* w, const void* x, int64_t n) {
  const auto* h = static_cast<const uint8_t*>(w);
  return DotFloats(
      [h](int64_t i) {
        uint16_t v;
        std::memcpy(&v, h + 2 * i, 2);
        return Bf16ToF32(v);
      },
      static_cast<const float*>(x), n);
}

float RowDotQ8_0(const void* w, const void* x, int64_t n) {
  const auto* a = static_cast<const ActBlockQ8_0*>(x);
  float sum = 0;
  for (int64_t i = 0; i < n / 32; ++i) {
    const auto b = LoadBlock<BlockQ8_0>(w, i);
    int isum = 0;
    for (int j = 0; j < 32; ++j) isum += b.qs[j] * a[i].qs[j];
    sum += F16ToF32(b.d) * a[i].d * static_cast<float>(isum);
  }
  return sum;
}

float RowDotQ4_0(const void* w, const void* x, int64_t n) {
  const auto* a = static_cast<const ActBlockQ8_0*>(x);
  float sum = 0;
  for (int64_t i = 0; i < n / 32; ++i) {
    const auto b = LoadBlock<BlockQ4_0>(w, i);
    int isum = 0;
    for (int j = 0; j < 16; ++j) {
      isum += ((b.qs[j] & 0x0f) - 8) * a[i].qs[j];
      isum += ((b.qs[j] >> 4) - 8) * a[i].qs[j + 16];
    }
    sum += F16ToF32(b.d) * a[i].d * static_cast<float>(isum);
  }
  return sum;
}

// x = d*q + m: sum(x*y) = d*dy*sum(q*qy) + m*(dy*sum(qy)), the last factor being s.
float RowDotQ4_1(const void* w, const void* x, int64_t n) {
  const auto* a = static_cast<const ActBlockQ8_1*>(x);
  float sum = 0;
  for (int64_t i = 0; i < n / 32; ++i) {
    const auto b = LoadBlock<BlockQ4_1>(w, i);
    int isum = 0;
    for (int j = 0; j < 16; ++j) {
      isum += (b.qs[j] & 0x0f) * a[i].qs[j];
      isum += (b.qs[j] >> 4) * a[i].qs[j + 16];
    }
    sum += F16ToF32(b.d) * a[i].d * static_cast<float>(isum) + F16ToF32(b.m) * a[i].s;
  }
  return sum;
}

// The 5-bit values of a Q5_0/Q5_1 block (0..31): low nibbles, and bit j of qh on top.
void Unpack5(const uint8_t* qs, const uint8_t* qh_bytes, int q[32]) {
  uint32_t qh;
  std::memcpy(&qh, qh_bytes, 4);
  for (int j = 0; j < 16; ++j) {
    q[j] = (qs[j] & 0x0f) | static_cast<int>(((qh >> j) & 1u) << 4);
    q[j + 16] = (qs[j] >> 4) | static_cast<int>(((qh >> (j + 16)) & 1u) << 4);
  }
}

float RowDotQ5_0(const void* w, const void* x, int64_t n) {
  const auto* a = static_cast<const ActBlockQ8_0*>(x);
  float sum = 0;
  for (int64_t i = 0; i < n / 32; ++i) {
    const auto b = LoadBlock<BlockQ5_0>(w, i);
    int q[32];
    Unpack5(b.qs, b.qh, q);
    int isum = 0;
    for (int j = 0; j < 32; ++j) isum += (q[j] - 16) * a[i].qs[j];
    sum += F16ToF32(b.d) * a[i].d * static_cast<float>(isum);
  }
  return sum;
}

float RowDotQ5_1(const void* w, const void* x, int64_t n) {
  const auto* a = static_cast<const ActBlockQ8_1*>(x);
  float sum = 0;
  for (int64_t i = 0; i < n / 32; ++i) {
    const auto b = LoadBlock<BlockQ5_1>(w, i);
    int q[32];
    Unpack5(b.qs, b.qh, q);
    int isum = 0;
    for (int j = 0; j < 32; ++j) isum += q[j] * a[i].qs[j];
    sum += F16ToF32(b.d) * a[i].d * static_cast<float>(isum) + F16ToF32(b.m) * a[i].s;
  }
  return sum;
}

// Q2_K and Q3_K share one layout of 2-bit values: 32-element group g (0..7) takes bits
// 2*(g%4) of the 32 bytes qs[32*(g/4)..], and is two 16-element sub-blocks.
inline int Bits2(const uint8_t* qs, int g, int k) {
  return (qs[32 * (g / 4) + k] >> (2 * (g % 4))) & 3;
}

// x = d*(sc&15)*q - dmin*(sc>>4) per sub-block; the mins meet the activation sums.
float RowDotQ2_K(const void* w, const void* x, int64_t n) {
  const auto* a = static_cast<const ActBlockQ8_K*>(x);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const auto b = LoadBlock<BlockQ2_K>(w, i);
    int isum = 0, summ = 0;
    for (int j = 0; j < 16; ++j) summ += (b.scales[j] >> 4) * a[i].q.bsums[j];
    for (int g = 0; g < 8; ++g) {
      for (int part = 0; part < 2; ++part) {
        int s = 0;
        for (int l = 0; l < 16; ++l)
          s += Bits2(b.qs, g, 16 * part + l) * a[i].q.qs[32 * g + 16 * part + l];
        isum += (b.scales[2 * g + part] & 0x0f) * s;
      }
    }
    sum += F16ToF32(b.d) * a[i].q.d * static_cast<float>(isum) -
           F16ToF32(b.dmin) * a[i].q.d * static_cast<float>(summ);
  }
  return sum;
}

// x = d*sc*(q - 4) with q = 2 low bits | hmask bit << 2 (0..7): sum((q-4)*y) per
// sub-block is sum(q*y) - 4*bsum.
float RowDotQ3_K(const void* w, const void* x, int64_t n) {
  const auto* a = static_cast<const ActBlockQ8_K*>(x);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const auto b = LoadBlock<BlockQ3_K>(w, i);
    int8_t sc[16];
    UnpackScalesQ3K(b.scales, sc);
    int isum = 0;
    for (int g = 0; g < 8; ++g) {
      for (int part = 0; part < 2; ++part) {
        int s = 0;
        for (int l = 0; l < 16; ++l) {
          const int k = 16 * part + l;
          const int q = Bits2(b.qs, g, k) | (((b.hmask[k] >> g) & 1) << 2);
          s += q * a[i].q.qs[32 * g + k];
        }
        const int j = 2 * g + part;
        isum += sc[j] * (s - 4 * a[i].q.bsums[j]);
      }
    }
    sum += F16ToF32(b.d) * a[i].q.d * static_cast<float>(isum);
  }
  return sum;
}

// Q4_K/Q5_K: x = d*sc*q - dmin*m per 32-element sub-block j; q is the low (j even) or
// high (j odd) nibble of qs[32*(j/2)..], plus 16 for bit j of qh[l] (Q5_K).
template <bool kFive>
float RowDotK4(const void* w, const void* x, int64_t n) {
  using Block = std::conditional_t<kFive, BlockQ5_K, BlockQ4_K>;
  const auto* a = static_cast<const ActBlockQ8_K*>(x);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const auto b = LoadBlock<Block>(w, i);
    uint8_t scm[16];
    UnpackScalesMinsK4(b.scales, scm);
    const uint8_t *sc = scm, *m = scm + 8;
    int isum = 0, summ = 0;
    for (int j = 0; j < 8; ++j) {
      summ += m[j] * (a[i].q.bsums[2 * j] + a[i].q.bsums[2 * j + 1]);
      int s = 0;
      for (int l = 0; l < 32; ++l) {
        const uint8_t byte = b.qs[32 * (j / 2) + l];
        int q = j % 2 == 0 ? byte & 0x0f : byte >> 4;
        if constexpr (kFive) q |= ((b.qh[l] >> j) & 1) << 4;
        s += q * a[i].q.qs[32 * j + l];
      }
      isum += sc[j] * s;
    }
    sum += F16ToF32(b.d) * a[i].q.d * static_cast<float>(isum) -
           F16ToF32(b.dmin) * a[i].q.d * static_cast<float>(summ);
  }
  return sum;
}

// x = d*sc*(q - 32) per 16-element sub-block; q = 4 bits of ql | 2 bits of qh << 4.
float RowDotQ6_K(const void* w, const void* x, int64_t n) {
  const auto* a = static_cast<const ActBlockQ8_K*>(x);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const auto b = LoadBlock<BlockQ6_K>(w, i);
    int q[kQK_K];
    for (int half = 0; half < 2; ++half) {
      const uint8_t* ql = b.ql + 64 * half;
      const uint8_t* qh = b.qh + 32 * half;
      int* out = q + 128 * half;
      for (int l = 0; l < 32; ++l) {
        out[l] = (ql[l] & 0x0f) | ((qh[l] & 3) << 4);
        out[l + 32] = (ql[l + 32] & 0x0f) | (((qh[l] >> 2) & 3) << 4);
        out[l + 64] = (ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4);
        out[l + 96] = (ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4);
      }
    }
    int isum = 0;
    for (int j = 0; j < 16; ++j) {
      int s = 0;
      for (int l = 0; l < 16; ++l) s += q[16 * j + l] * a[i].q.qs[16 * j + l];
      isum += b.scales[j] * (s - 32 * a[i].q.bsums[j]);
    }
    sum += F16ToF32(b.d) * a[i].q.d * static_cast<float>(isum);
  }
  return sum;
}

// Activation quantizers: q = round(x / d) to nearest even, d = max|x| / 127 (blocks of
// 32), or Q8_K's -127 / (the value of largest magnitude) (blocks of 256).
template <typename Block>
void QuantizeQ8Blocks(const float* x, void* out, int64_t n) {
  auto* blocks = static_cast<Block*>(out);
  for (int64_t i = 0; i < n / 32; ++i, x += 32) {
    float amax = 0;
    for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / 127.f;
    const float id = d != 0.f ? 1.f / d : 0.f;
    int sum = 0;
    for (int j = 0; j < 32; ++j) {
      blocks[i].qs[j] = static_cast<int8_t>(std::nearbyint(x[j] * id));
      sum += blocks[i].qs[j];
    }
    blocks[i].d = d;
    if constexpr (std::is_same_v<Block, ActBlockQ8_1>) blocks[i].s = d * static_cast<float>(sum);
  }
}

void QuantizeQ8KBlocks(const float* x, void* out, int64_t n) {
  auto* blocks = static_cast<ActBlockQ8_K*>(out);
  for (int64_t i = 0; i < n / kQK_K; ++i, x += kQK_K) {
    QuantizeQ8_K(x, &blocks[i].q, kQK_K);
    SetDsums(blocks[i]);
  }
}

constexpr TypeKernel K(ActFormat act, RowDotFn dot) {
  return {act, dot, "scalar"};
}

void SiluMul(float* g, const float* u, int64_t n) {
  for (int64_t i = 0; i < n; ++i) g[i] = g[i] / (1.f + std::exp(-g[i])) * u[i];
}

void GeluMul(float* g, const float* u, int64_t n) {
  constexpr float kSqrt2OverPi = 0.7978845608028654f;
  for (int64_t i = 0; i < n; ++i) {
    const float x = g[i];
    g[i] = 0.5f * x * (1.f + std::tanh(kSqrt2OverPi * x * (1.f + 0.044715f * x * x))) * u[i];
  }
}

const KernelSet kScalar = {
    .name = "scalar",
    .quantize_q8_0 = QuantizeQ8Blocks<ActBlockQ8_0>,
    .quantize_q8_1 = QuantizeQ8Blocks<ActBlockQ8_1>,
    .quantize_q8_k = QuantizeQ8KBlocks,
    .dot_f32 = DotF32,
    .axpy_f32 = AxpyF32,
    .silu_mul = SiluMul,
    .gelu_mul = GeluMul,
    .f32 = K(ActFormat::kF32, RowDotF32),
    .f16 = K(ActFormat::kF32, RowDotF16),
    .bf16 = K(ActFormat::kF32, RowDotBF16),
    .q4_0 = K(ActFormat::kQ8_0, RowDotQ4_0),
    .q4_1 = K(ActFormat::kQ8_1, RowDotQ4_1),
    .q5_0 = K(ActFormat::kQ8_0, RowDotQ5_0),
    .q5_1 = K(ActFormat::kQ8_1, RowDotQ5_1),
    .q8_0 = K(ActFormat::kQ8_0, RowDotQ8_0),
    .q2_k = K(ActFormat::kQ8_K, RowDotQ2_K),
    .q3_k = K(ActFormat::kQ8_K, RowDotQ3_K),
    .q4_k = K(ActFormat::kQ8_K, RowDotK4<false>),
    .q5_k = K(ActFormat::kQ8_K, RowDotK4<true>),
    .q6_k = K(ActFormat::kQ8_K, RowDotQ6_K),
};

}  // namespace

const KernelSet& ScalarKernels() {
  return kScalar;
}

}  // namespace strata::genai::internal
