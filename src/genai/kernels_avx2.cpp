// AVX2 + FMA + F16C kernels. This file alone is compiled with -mavx2 -mfma -mf16c; it
// is only entered after kernels.cpp has checked the CPU.
//
// Hand-written: no Debian 12 package provides dot products over GGUF block types.
#include <immintrin.h>

#include <cstddef>
#include <cstring>

#include "genai/fp16.h"
#include "genai/kernels.h"
#include "genai/quant_blocks.h"

namespace strata::genai::internal {
namespace {

// F16C's conversion: exact, as F16ToF32.
inline float Half(uint16_t h) {
  return _cvtsh_ss(h);
}

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
  for (; i + 8 <= n; i += 8)
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
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
  for (; i < n; ++i) sum += Half(h[i]) * f[i];
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
    const __m256 d = _mm256_set1_ps(Half(dw) * a[i].d);
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
    const __m256 d = _mm256_set1_ps(Half(dw) * a[i].d);
    acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(DotI8(qw, qa)), acc);
  }
  return HorizontalSum(acc);
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
    uint8_t scm[16];
    UnpackScalesMinsK4(b + 4, scm);
    const uint8_t *sc = scm, *m = scm + 8;
    const uint8_t* qs = b + 4 + kKScaleSize;
    int summ = 0;
    for (int j = 0; j < 8; ++j) summ += m[j] * (a[i].bsums[2 * j] + a[i].bsums[2 * j + 1]);
    acc_min += Half(dminw) * a[i].d * static_cast<float>(summ);

    __m256i sumi = _mm256_setzero_si256();
    for (int c = 0; c < 4; ++c) {
      const __m256i q4 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qs + 32 * c));
      const __m256i lo = _mm256_and_si256(q4, low4);
      const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(q4, 4), low4);
      const __m256i a_lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[i].qs + 64 * c));
      const __m256i a_hi =
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[i].qs + 64 * c + 32));
      const __m256i p_lo =
          _mm256_madd_epi16(_mm256_maddubs_epi16(lo, a_lo), _mm256_set1_epi16(sc[2 * c]));
      const __m256i p_hi =
          _mm256_madd_epi16(_mm256_maddubs_epi16(hi, a_hi), _mm256_set1_epi16(sc[2 * c + 1]));
      sumi = _mm256_add_epi32(sumi, _mm256_add_epi32(p_lo, p_hi));
    }
    acc = _mm256_fmadd_ps(_mm256_set1_ps(Half(dw) * a[i].d), _mm256_cvtepi32_ps(sumi), acc);
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
    uint8_t scm[16];
    UnpackScalesMinsK4(b + 4, scm);
    const uint8_t *sc = scm, *m = scm + 8;
    const uint8_t* qh = b + 4 + kKScaleSize;
    const uint8_t* qs = qh + kQK_K / 8;
    int summ = 0;
    for (int j = 0; j < 8; ++j) summ += m[j] * (a[i].bsums[2 * j] + a[i].bsums[2 * j + 1]);
    acc_min += Half(dminw) * a[i].d * static_cast<float>(summ);

    const __m256i hbits = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qh));
    __m256i sumi = _mm256_setzero_si256();
    for (int c = 0; c < 4; ++c) {
      const __m256i q4 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qs + 32 * c));
      // Bit 2c of qh[l] is the 5th bit of element l of sub-block 2c; bit 2c+1 of 2c+1.
      const __m256i bit_lo = _mm256_set1_epi8(static_cast<char>(1 << (2 * c)));
      const __m256i bit_hi = _mm256_set1_epi8(static_cast<char>(1 << (2 * c + 1)));
      const __m256i h_lo =
          _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(hbits, bit_lo), bit_lo), sixteen);
      const __m256i h_hi =
          _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(hbits, bit_hi), bit_hi), sixteen);
      const __m256i lo = _mm256_or_si256(_mm256_and_si256(q4, low4), h_lo);
      const __m256i hi = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q4, 4), low4), h_hi);
      const __m256i a_lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[i].qs + 64 * c));
      const __m256i a_hi =
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[i].qs + 64 * c + 32));
      const __m256i p_lo =
          _mm256_madd_epi16(_mm256_maddubs_epi16(lo, a_lo), _mm256_set1_epi16(sc[2 * c]));
      const __m256i p_hi =
          _mm256_madd_epi16(_mm256_maddubs_epi16(hi, a_hi), _mm256_set1_epi16(sc[2 * c + 1]));
      sumi = _mm256_add_epi32(sumi, _mm256_add_epi32(p_lo, p_hi));
    }
    acc = _mm256_fmadd_ps(_mm256_set1_ps(Half(dw) * a[i].d), _mm256_cvtepi32_ps(sumi), acc);
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
          _mm256_or_si256(_mm256_and_si256(ql0, low4),
                          _mm256_and_si256(_mm256_slli_epi16(qh, 4), bits54)),
          _mm256_or_si256(_mm256_and_si256(ql1, low4),
                          _mm256_and_si256(_mm256_slli_epi16(qh, 2), bits54)),
          _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), low4),
                          _mm256_and_si256(qh, bits54)),
          _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), low4),
                          _mm256_and_si256(_mm256_srli_epi16(qh, 2), bits54)),
      };
      const int8_t* sc = blk.scales + 8 * half;
      const int8_t* aq = a[i].qs + 128 * half;
      for (int k = 0; k < 4; ++k) {
        const __m256i av = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(aq + 32 * k));
        const __m256i scale =
            _mm256_set_m128i(_mm_set1_epi16(sc[2 * k + 1]), _mm_set1_epi16(sc[2 * k]));
        sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(_mm256_maddubs_epi16(q[k], av), scale));
      }
    }
    const int total = HorizontalSum(sumi) - 32 * offset;
    sum += Half(blk.d) * a[i].d * static_cast<float>(total);
  }
  return sum;
}

float RowDotBF16(const void* w, const void* x, int64_t n) {
  const auto* h = static_cast<const uint16_t*>(w);
  const auto* f = static_cast<const float*>(x);
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    // bf16 is the top half of a float32: widen and shift.
    const __m256i h0 =
        _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h + i)));
    const __m256i h1 =
        _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h + i + 8)));
    s0 =
        _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_slli_epi32(h0, 16)), _mm256_loadu_ps(f + i), s0);
    s1 = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_slli_epi32(h1, 16)), _mm256_loadu_ps(f + i + 8),
                         s1);
  }
  float sum = HorizontalSum(_mm256_add_ps(s0, s1));
  for (; i < n; ++i) sum += Bf16ToF32(h[i]) * f[i];
  return sum;
}

// The 32 nibbles of a Q4/Q5 block as bytes in element order: low nibbles are
// elements 0..15, high nibbles 16..31.
inline __m256i Nibbles32(const uint8_t* qs) {
  const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  const __m128i low4 = _mm_set1_epi8(0x0f);
  return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(packed, 4), low4),
                          _mm_and_si128(packed, low4));
}

// 0xff in byte j where bit j of the 32-bit little-endian word at p is set, else 0.
inline __m256i BytesFromBits32(const uint8_t* p) {
  uint32_t bits;
  std::memcpy(&bits, p, 4);
  const __m256i spread =
      _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(bits)),
                          _mm256_setr_epi64x(0x0000000000000000, 0x0101010101010101,
                                             0x0202020202020202, 0x0303030303030303));
  // Every bit but bit j%8 set: all ones exactly when that bit was set.
  const __m256i others = _mm256_set1_epi64x(0x7fbfdfeff7fbfdfe);
  return _mm256_cmpeq_epi8(_mm256_or_si256(spread, others), _mm256_set1_epi64x(-1));
}

// Sum of 32 products of unsigned bytes u (< 128) with signed bytes y, as 8 int32 lanes.
inline __m256i DotU8I8(__m256i u, __m256i y) {
  return _mm256_madd_epi16(_mm256_maddubs_epi16(u, y), _mm256_set1_epi16(1));
}

float RowDotQ4_1(const void* w, const void* x, int64_t n) {
  const auto* b = static_cast<const uint8_t*>(w);
  const auto* a = static_cast<const ActBlockQ8_1*>(x);
  __m256 acc = _mm256_setzero_ps();
  float acc_m = 0;
  for (int64_t i = 0; i < n / 32; ++i, b += sizeof(BlockQ4_1)) {
    uint16_t dw, mw;
    std::memcpy(&dw, b, 2);
    std::memcpy(&mw, b + 2, 2);
    const __m256i qa = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[i].qs));
    const __m256 d = _mm256_set1_ps(Half(dw) * a[i].d);
    acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(DotU8I8(Nibbles32(b + 4), qa)), acc);
    acc_m += Half(mw) * a[i].s;
  }
  return HorizontalSum(acc) + acc_m;
}

float RowDotQ5_0(const void* w, const void* x, int64_t n) {
  const auto* b = static_cast<const uint8_t*>(w);
  const auto* a = static_cast<const ActBlockQ8_0*>(x);
  const __m256i sixteen = _mm256_set1_epi8(16);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / 32; ++i, b += sizeof(BlockQ5_0)) {
    uint16_t dw;
    std::memcpy(&dw, b, 2);
    // q - 16 = nibble - 16 + 16*bit = nibble - 16 where the 5th bit is clear.
    const __m256i minus = _mm256_andnot_si256(BytesFromBits32(b + 2), sixteen);
    const __m256i qw = _mm256_sub_epi8(Nibbles32(b + 6), minus);
    const __m256i qa = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[i].qs));
    const __m256 d = _mm256_set1_ps(Half(dw) * a[i].d);
    acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(DotI8(qw, qa)), acc);
  }
  return HorizontalSum(acc);
}

float RowDotQ5_1(const void* w, const void* x, int64_t n) {
  const auto* b = static_cast<const uint8_t*>(w);
  const auto* a = static_cast<const ActBlockQ8_1*>(x);
  const __m256i sixteen = _mm256_set1_epi8(16);
  __m256 acc = _mm256_setzero_ps();
  float acc_m = 0;
  for (int64_t i = 0; i < n / 32; ++i, b += sizeof(BlockQ5_1)) {
    uint16_t dw, mw;
    std::memcpy(&dw, b, 2);
    std::memcpy(&mw, b + 2, 2);
    const __m256i qw =
        _mm256_or_si256(Nibbles32(b + 8), _mm256_and_si256(BytesFromBits32(b + 4), sixteen));
    const __m256i qa = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[i].qs));
    const __m256 d = _mm256_set1_ps(Half(dw) * a[i].d);
    acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(DotU8I8(qw, qa)), acc);
    acc_m += Half(mw) * a[i].s;
  }
  return HorizontalSum(acc) + acc_m;
}

// Q2_K and Q3_K: 16 sub-blocks of 16 with one scale byte each, and 2-bit values for
// 32-element group g (0..7) in bits 2*(g%4) of the 32 bytes qs[32*(g/4)..].
//
// Returns sum over sub-blocks j of scale_j * sum(q*y) as 8 int32 lanes, where q is the
// 2-bit value or'ed with high(g) (a byte vector per group, values < 128) and
// `scales` holds the 16 signed scale bytes in both 128-bit halves.
template <typename High>
inline __m256i DotBits2(const uint8_t* qs, const int8_t* y, __m256i scales, High high) {
  const __m256i three = _mm256_set1_epi8(3);
  // Byte shuffle giving int16 lanes (scale << 8): lanes 0-7 from byte 2g, lanes 8-15
  // from byte 2g+1 (-128 selects zero); an arithmetic shift then sign-extends.
  __m256i pick =
      _mm256_setr_epi8(-128, 0, -128, 0, -128, 0, -128, 0, -128, 0, -128, 0, -128, 0, -128, 0, -128,
                       1, -128, 1, -128, 1, -128, 1, -128, 1, -128, 1, -128, 1, -128, 1);
  const __m256i next = _mm256_set1_epi16(2 << 8);
  __m256i sumi = _mm256_setzero_si256();
  for (int half = 0; half < 2; ++half) {
    const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qs + 32 * half));
    for (int j = 0; j < 4; ++j) {
      const int g = 4 * half + j;
      const __m256i v =
          _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q, 2 * j), three), high(g));
      const __m256i ya = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y + 32 * g));
      const __m256i sc = _mm256_srai_epi16(_mm256_shuffle_epi8(scales, pick), 8);
      sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(_mm256_maddubs_epi16(v, ya), sc));
      pick = _mm256_add_epi16(pick, next);
    }
  }
  return sumi;
}

float RowDotQ2_K(const void* w, const void* x, int64_t n) {
  const auto* a = static_cast<const BlockQ8_K*>(x);
  const auto* blocks = static_cast<const uint8_t*>(w);
  const __m128i low4 = _mm_set1_epi8(0x0f);
  const __m256i zero = _mm256_setzero_si256();
  __m256 acc = _mm256_setzero_ps(), acc_min = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const uint8_t* b = blocks + i * sizeof(BlockQ2_K);
    uint16_t dw, dminw;
    std::memcpy(&dw, b + offsetof(BlockQ2_K, d), 2);
    std::memcpy(&dminw, b + offsetof(BlockQ2_K, dmin), 2);
    // Scale bytes: low nibble scales the values, high nibble the min.
    const __m128i sc =
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + offsetof(BlockQ2_K, scales)));
    const __m256i mins = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(sc, 4), low4));
    const __m256i bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[i].bsums));
    acc_min = _mm256_fmadd_ps(_mm256_set1_ps(Half(dminw) * a[i].d),
                              _mm256_cvtepi32_ps(_mm256_madd_epi16(mins, bsums)), acc_min);
    const __m256i scales = _mm256_broadcastsi128_si256(_mm_and_si128(sc, low4));
    const __m256i sumi =
        DotBits2(b + offsetof(BlockQ2_K, qs), a[i].qs, scales, [zero](int) { return zero; });
    acc = _mm256_fmadd_ps(_mm256_set1_ps(Half(dw) * a[i].d), _mm256_cvtepi32_ps(sumi), acc);
  }
  return HorizontalSum(_mm256_sub_ps(acc, acc_min));
}

// Values q = 2 low bits | hmask bit << 2 (0..7) stand for q - 4; the -4 comes back
// through the activation sums of each sub-block.
float RowDotQ3_K(const void* w, const void* x, int64_t n) {
  const auto* a = static_cast<const BlockQ8_K*>(x);
  const auto* blocks = static_cast<const uint8_t*>(w);
  const __m256i four = _mm256_set1_epi8(4);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const uint8_t* b = blocks + i * sizeof(BlockQ3_K);
    uint16_t dw;
    std::memcpy(&dw, b + offsetof(BlockQ3_K, d), 2);
    int8_t sc[16];
    UnpackScalesQ3K(b + offsetof(BlockQ3_K, scales), sc);
    const __m128i sc8 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(sc));
    const __m256i hmask =
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + offsetof(BlockQ3_K, hmask)));
    const __m256i sumi = DotBits2(b + offsetof(BlockQ3_K, qs), a[i].qs,
                                  _mm256_broadcastsi128_si256(sc8), [&](int g) {
                                    // bit g of hmask[k], moved to bit 2
                                    const __m256i bit = _mm256_srli_epi16(hmask, g);
                                    return _mm256_and_si256(_mm256_slli_epi16(bit, 2), four);
                                  });
    const __m256i bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[i].bsums));
    const __m256i offset =
        _mm256_slli_epi32(_mm256_madd_epi16(_mm256_cvtepi8_epi16(sc8), bsums), 2);
    acc = _mm256_fmadd_ps(_mm256_set1_ps(Half(dw) * a[i].d),
                          _mm256_cvtepi32_ps(_mm256_sub_epi32(sumi, offset)), acc);
  }
  return HorizontalSum(acc);
}

constexpr TypeKernel K(ActFormat act, RowDotFn dot) {
  return {act, dot, "avx2"};
}

const KernelSet kAvx2 = {
    .name = "avx2",
    .dot_f32 = DotF32,
    .axpy_f32 = AxpyF32,
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
    .q4_k = K(ActFormat::kQ8_K, RowDotQ4_K),
    .q5_k = K(ActFormat::kQ8_K, RowDotQ5_K),
    .q6_k = K(ActFormat::kQ8_K, RowDotQ6_K),
};

}  // namespace

const KernelSet* Avx2KernelsImpl() {
  return &kAvx2;
}

}  // namespace strata::genai::internal
