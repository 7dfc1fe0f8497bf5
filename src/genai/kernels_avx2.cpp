// AVX2 + FMA + F16C kernels. This file alone is compiled with -mavx2 -mfma -mf16c; it
// is only entered after kernels.cpp has checked the CPU.
//
// Hand-written: no Debian 12 package provides dot products over GGUF block types.
#include <immintrin.h>

#include <cstring>

#include "genai/fp16.h"
#include "genai/kernels.h"
#include "genai/quant_blocks.h"

namespace strata::genai::internal {
namespace {

inline float HorizontalSum(__m256 v) {
  __m128 lo = _mm256_castps256_ps128(v);
  const __m128 hi = _mm256_extractf128_ps(v, 1);
  lo = _mm_add_ps(lo, hi);
  lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
  lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
  return _mm_cvtss_f32(lo);
}

inline int HorizontalSum(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}

// Sum of products of 32 signed bytes, as 8 int32 lanes: maddubs needs one unsigned
// operand, so move x's sign onto y.
inline __m256i DotI8(__m256i x, __m256i y) {
  const __m256i ax = _mm256_sign_epi8(x, x);
  const __m256i sy = _mm256_sign_epi8(y, x);
  return _mm256_madd_epi16(_mm256_maddubs_epi16(ax, sy), _mm256_set1_epi16(1));
}

float DotF32(const float* a, const float* b, int64_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(),
         s3 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
    s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2);
    s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3);
  }
  for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
  float sum = HorizontalSum(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
  for (; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

void AxpyF32(float a, const float* x, float* y, int64_t n) {
  const __m256 va = _mm256_set1_ps(a);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
  }
  for (; i < n; ++i) y[i] += a * x[i];
}

float RowDotF32(const void* w, const void* x, int64_t n) {
  return DotF32(static_cast<const float*>(w), static_cast<const float*>(x), n);
}

float RowDotF16(const void* w, const void* x, int64_t n) {
  const auto* h = static_cast<const uint16_t*>(w);
  const auto* f = static_cast<const float*>(x);
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256 w0 = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h + i)));
    const __m256 w1 = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h + i + 8)));
    s0 = _mm256_fmadd_ps(w0, _mm256_loadu_ps(f + i), s0);
    s1 = _mm256_fmadd_ps(w1, _mm256_loadu_ps(f + i + 8), s1);
  }
  float sum = HorizontalSum(_mm256_add_ps(s0, s1));
  for (; i < n; ++i) sum += F16ToF32(h[i]) * f[i];
  return sum;
}

float RowDotQ8_0(const void* w, const void* x, int64_t n) {
  const auto* b = static_cast<const uint8_t*>(w);
  const auto* a = static_cast<const ActBlockQ8_0*>(x);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / 32; ++i, b += sizeof(BlockQ8_0)) {
    uint16_t dw;
    std::memcpy(&dw, b, 2);
    const __m256i qw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 2));
    const __m256i qa = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[i].qs));
    const __m256 d = _mm256_set1_ps(F16ToF32(dw) * a[i].d);
    acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(DotI8(qw, qa)), acc);
  }
  return HorizontalSum(acc);
}

float RowDotQ4_0(const void* w, const void* x, int64_t n) {
  const auto* b = static_cast<const uint8_t*>(w);
  const auto* a = static_cast<const ActBlockQ8_0*>(x);
  const __m128i low4 = _mm_set1_epi8(0x0f);
  const __m256i eight = _mm256_set1_epi8(8);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / 32; ++i, b += sizeof(BlockQ4_0)) {
    uint16_t dw;
    std::memcpy(&dw, b, 2);
    const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + 2));
    // Low nibbles are elements 0..15, high nibbles 16..31.
    const __m128i lo = _mm_and_si128(packed, low4);
    const __m128i hi = _mm_and_si128(_mm_srli_epi16(packed, 4), low4);
    const __m256i qw = _mm256_sub_epi8(_mm256_set_m128i(hi, lo), eight);
    const __m256i qa = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[i].qs));
    const __m256 d = _mm256_set1_ps(F16ToF32(dw) * a[i].d);
    acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(DotI8(qw, qa)), acc);
  }
  return HorizontalSum(acc);
}

// Scales and mins of the 8 sub-blocks of a Q4_K/Q5_K block (6 bits each, packed in 12
// bytes: sub-blocks 0-3 in the low bits of bytes 0-7, 4-7 from nibbles of bytes 8-11 and
// the top bits of bytes 0-7).
inline void UnpackScalesMinsK4(const uint8_t* q, uint8_t* sc, uint8_t* m) {
  for (int j = 0; j < 4; ++j) {
    sc[j] = q[j] & 63;
    m[j] = q[j + 4] & 63;
  }
  for (int j = 4; j < 8; ++j) {
    sc[j] = static_cast<uint8_t>((q[j + 4] & 0x0f) | ((q[j - 4] >> 6) << 4));
    m[j] = static_cast<uint8_t>((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
  }
}

float RowDotQ4_K(const void* w, const void* x, int64_t n) {
  const auto* a = static_cast<const BlockQ8_K*>(x);
  const auto* blocks = static_cast<const uint8_t*>(w);
  const __m256i low4 = _mm256_set1_epi8(0x0f);
  __m256 acc = _mm256_setzero_ps();
  float acc_min = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const uint8_t* b = blocks + i * sizeof(BlockQ4_K);
    uint16_t dw, dminw;
    std::memcpy(&dw, b, 2);
    std::memcpy(&dminw, b + 2, 2);
    uint8_t sc[8], m[8];
    UnpackScalesMinsK4(b + 4, sc, m);
    const uint8_t* qs = b + 4 + kKScaleSize;
    int summ = 0;
    for (int j = 0; j < 8; ++j) summ += m[j] * (a[i].bsums[2 * j] + a[i].bsums[2 * j + 1]);
    acc_min += F16ToF32(dminw) * a[i].d * static_cast<float>(summ);

    __m256i sumi = _mm256_setzero_si256();
    for (int c = 0; c < 4; ++c) {
      const __m256i q4 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qs + 32 * c));
      const __m256i lo = _mm256_and_si256(q4, low4);
      const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(q4, 4), low4);
      const __m256i a_lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[i].qs + 64 * c));
      const __m256i a_hi =
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[i].qs + 64 * c + 32));
      const __m256i p_lo = _mm256_madd_epi16(_mm256_maddubs_epi16(lo, a_lo), _mm256_set1_epi16(sc[2 * c]));
      const __m256i p_hi =
          _mm256_madd_epi16(_mm256_maddubs_epi16(hi, a_hi), _mm256_set1_epi16(sc[2 * c + 1]));
      sumi = _mm256_add_epi32(sumi, _mm256_add_epi32(p_lo, p_hi));
    }
    acc = _mm256_fmadd_ps(_mm256_set1_ps(F16ToF32(dw) * a[i].d), _mm256_cvtepi32_ps(sumi), acc);
  }
  return HorizontalSum(acc) - acc_min;
}

float RowDotQ5_K(const void* w, const void* x, int64_t n) {
  const auto* a = static_cast<const BlockQ8_K*>(x);
  const auto* blocks = static_cast<const uint8_t*>(w);
  const __m256i low4 = _mm256_set1_epi8(0x0f);
  const __m256i sixteen = _mm256_set1_epi8(16);
  __m256 acc = _mm256_setzero_ps();
  float acc_min = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const uint8_t* b = blocks + i * sizeof(BlockQ5_K);
    uint16_t dw, dminw;
    std::memcpy(&dw, b, 2);
    std::memcpy(&dminw, b + 2, 2);
    uint8_t sc[8], m[8];
    UnpackScalesMinsK4(b + 4, sc, m);
    const uint8_t* qh = b + 4 + kKScaleSize;
    const uint8_t* qs = qh + kQK_K / 8;
    int summ = 0;
    for (int j = 0; j < 8; ++j) summ += m[j] * (a[i].bsums[2 * j] + a[i].bsums[2 * j + 1]);
    acc_min += F16ToF32(dminw) * a[i].d * static_cast<float>(summ);

    const __m256i hbits = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qh));
    __m256i sumi = _mm256_setzero_si256();
    for (int c = 0; c < 4; ++c) {
      const __m256i q4 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qs + 32 * c));
      // Bit 2c of qh[l] is the 5th bit of element l of sub-block 2c; bit 2c+1 of 2c+1.
      const __m256i bit_lo = _mm256_set1_epi8(static_cast<char>(1 << (2 * c)));
      const __m256i bit_hi = _mm256_set1_epi8(static_cast<char>(1 << (2 * c + 1)));
      const __m256i h_lo = _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(hbits, bit_lo), bit_lo), sixteen);
      const __m256i h_hi = _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(hbits, bit_hi), bit_hi), sixteen);
      const __m256i lo = _mm256_or_si256(_mm256_and_si256(q4, low4), h_lo);
      const __m256i hi = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q4, 4), low4), h_hi);
      const __m256i a_lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[i].qs + 64 * c));
      const __m256i a_hi =
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[i].qs + 64 * c + 32));
      const __m256i p_lo = _mm256_madd_epi16(_mm256_maddubs_epi16(lo, a_lo), _mm256_set1_epi16(sc[2 * c]));
      const __m256i p_hi =
          _mm256_madd_epi16(_mm256_maddubs_epi16(hi, a_hi), _mm256_set1_epi16(sc[2 * c + 1]));
      sumi = _mm256_add_epi32(sumi, _mm256_add_epi32(p_lo, p_hi));
    }
    acc = _mm256_fmadd_ps(_mm256_set1_ps(F16ToF32(dw) * a[i].d), _mm256_cvtepi32_ps(sumi), acc);
  }
  return HorizontalSum(acc) - acc_min;
}

float RowDotQ6_K(const void* w, const void* x, int64_t n) {
  const auto* a = static_cast<const BlockQ8_K*>(x);
  const auto* blocks = static_cast<const uint8_t*>(w);
  const __m256i low4 = _mm256_set1_epi8(0x0f);
  const __m256i bits54 = _mm256_set1_epi8(0x30);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    BlockQ6_K blk;
    std::memcpy(&blk, blocks + i * sizeof(BlockQ6_K), sizeof(blk));
    // q is stored unsigned (0..63, value q - 32); the -32 comes back through bsums.
    int offset = 0;
    for (int g = 0; g < 16; ++g) offset += blk.scales[g] * a[i].bsums[g];
    __m256i sumi = _mm256_setzero_si256();
    for (int half = 0; half < 2; ++half) {
      const uint8_t* ql = blk.ql + 64 * half;
      const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk.qh + 32 * half));
      const __m256i ql0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ql));
      const __m256i ql1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ql + 32));
      const __m256i q[4] = {
          _mm256_or_si256(_mm256_and_si256(ql0, low4), _mm256_and_si256(_mm256_slli_epi16(qh, 4), bits54)),
          _mm256_or_si256(_mm256_and_si256(ql1, low4), _mm256_and_si256(_mm256_slli_epi16(qh, 2), bits54)),
          _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), low4), _mm256_and_si256(qh, bits54)),
          _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), low4),
                          _mm256_and_si256(_mm256_srli_epi16(qh, 2), bits54)),
      };
      const int8_t* sc = blk.scales + 8 * half;
      const int8_t* aq = a[i].qs + 128 * half;
      for (int k = 0; k < 4; ++k) {
        const __m256i av = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(aq + 32 * k));
        const __m256i scale = _mm256_set_m128i(_mm_set1_epi16(sc[2 * k + 1]), _mm_set1_epi16(sc[2 * k]));
        sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(_mm256_maddubs_epi16(q[k], av), scale));
      }
    }
    const int total = HorizontalSum(sumi) - 32 * offset;
    sum += F16ToF32(blk.d) * a[i].d * static_cast<float>(total);
  }
  return sum;
}

const KernelSet kAvx2 = {
    .name = "avx2",
    .dot_f32 = DotF32,
    .axpy_f32 = AxpyF32,
    .f32 = RowDotF32,
    .f16 = RowDotF16,
    .q4_0 = RowDotQ4_0,
    .q8_0 = RowDotQ8_0,
    .q4_k = RowDotQ4_K,
    .q5_k = RowDotQ5_K,
    .q6_k = RowDotQ6_K,
};

}  // namespace

const KernelSet* Avx2KernelsImpl() { return &kAvx2; }

}  // namespace strata::genai::internal
