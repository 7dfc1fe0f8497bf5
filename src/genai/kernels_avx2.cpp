// AVX2 + FMA + F16C kernels for every weight type. This file alone is compiled with
// -mavx2 -mfma -mf16c; it is only entered after kernels.cpp has checked the CPU.
//
// Each kernel multiplies one weight row with kT activation rows at once, so a weight
// block is loaded and unpacked once for kT tokens (kernels_tile.h); the row dot is
// kT = 1.
//
// Hand-written: no Debian 12 package provides dot products over GGUF block types.
#include <immintrin.h>

#include <bit>
#include <cstddef>
#include <cstring>
#include <type_traits>

#include "genai/kernels.h"
#include "genai/kernels_tile.h"
#include "genai/kernels_x86_common.h"
#include "genai/quant_blocks.h"

namespace strata::genai::internal {
namespace {

inline __m256i Load256(const void* p) {
  return _mm256_loadu_si256(static_cast<const __m256i*>(p));
}

// Sum of 32 products of unsigned bytes u (< 128) with signed bytes y, as 8 int32 lanes.
inline __m256i DotU8I8(__m256i u, __m256i y) {
  return _mm256_madd_epi16(_mm256_maddubs_epi16(u, y), _mm256_set1_epi16(1));
}

// ---- attention's float vectors ----

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
  for (; i + 8 <= n; i += 8) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
  }
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

// ---- float weights (activations f32) ----

struct F32Weights {
  static __m256 Load(const uint8_t* w, int64_t i) {
    return _mm256_loadu_ps(reinterpret_cast<const float*>(w) + i);
  }
  static float One(const uint8_t* w, int64_t i) {
    float v;
    std::memcpy(&v, w + 4 * i, 4);
    return v;
  }
};
struct F16Weights {
  static __m256 Load(const uint8_t* w, int64_t i) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w + 2 * i)));
  }
  static float One(const uint8_t* w, int64_t i) { return Half(Load16(w + 2 * i)); }
};
struct BF16Weights {  // bf16 is the top half of a float32: widen and shift
  static __m256 Load(const uint8_t* w, int64_t i) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w + 2 * i));
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
  }
  static float One(const uint8_t* w, int64_t i) {
    return std::bit_cast<float>(static_cast<uint32_t>(Load16(w + 2 * i)) << 16);
  }
};

template <typename W>
struct FloatKernel {
  template <int kT>
  static void Dot(const uint8_t* w, const uint8_t* act, size_t stride, float* out, int64_t n) {
    // One token alone would wait on the FMA latency: give it four accumulators.
    constexpr int kU = kT == 1 ? 4 : 1;
    __m256 acc[kT][kU];
    for (int t = 0; t < kT; ++t) {
      for (int u = 0; u < kU; ++u) acc[t][u] = _mm256_setzero_ps();
    }
    int64_t i = 0;
    for (; i + 8 * kU <= n; i += 8 * kU) {
      for (int u = 0; u < kU; ++u) {
        const __m256 wv = W::Load(w, i + 8 * u);
        for (int t = 0; t < kT; ++t) {
          const float* x = Act<float>(act, stride, t) + i + 8 * u;
          acc[t][u] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(x), acc[t][u]);
        }
      }
    }
    for (; i + 8 <= n; i += 8) {
      const __m256 wv = W::Load(w, i);
      for (int t = 0; t < kT; ++t) {
        acc[t][0] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(Act<float>(act, stride, t) + i), acc[t][0]);
      }
    }
    for (int t = 0; t < kT; ++t) {
      for (int u = 1; u < kU; ++u) acc[t][0] = _mm256_add_ps(acc[t][0], acc[t][u]);
      float sum = HorizontalSum(acc[t][0]);
      for (int64_t j = i; j < n; ++j) sum += W::One(w, j) * Act<float>(act, stride, t)[j];
      out[t] = sum;
    }
  }
};

// ---- 32-element blocks (activations Q8_0, or Q8_1 for weights with a minimum) ----

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

// Signed weights (x = d*q): Load gives q as signed bytes.
struct Q8_0Weights {
  static constexpr size_t kBytes = sizeof(BlockQ8_0);
  static __m256i Load(const uint8_t* b) { return Load256(b + 2); }
};
struct Q4_0Weights {
  static constexpr size_t kBytes = sizeof(BlockQ4_0);
  static __m256i Load(const uint8_t* b) {
    return _mm256_sub_epi8(Nibbles32(b + 2), _mm256_set1_epi8(8));
  }
};
struct Q5_0Weights {
  static constexpr size_t kBytes = sizeof(BlockQ5_0);
  static __m256i Load(const uint8_t* b) {
    // q - 16 = nibble - 16 + 16*bit = nibble - 16 where the 5th bit is clear.
    const __m256i minus = _mm256_andnot_si256(BytesFromBits32(b + 2), _mm256_set1_epi8(16));
    return _mm256_sub_epi8(Nibbles32(b + 6), minus);
  }
};

template <typename W>
struct SignedBlocksKernel {
  template <int kT>
  static void Dot(const uint8_t* w, const uint8_t* act, size_t stride, float* out, int64_t n) {
    __m256 acc[kT];
    for (int t = 0; t < kT; ++t) acc[t] = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / 32; ++i, w += W::kBytes) {
      const float dw = Half(Load16(w));
      const __m256i qw = W::Load(w);
      // maddubs multiplies unsigned by signed bytes: take |w| and move w's sign onto x.
      const __m256i aw = _mm256_sign_epi8(qw, qw);
      for (int t = 0; t < kT; ++t) {
        const ActBlockQ8_0& a = Act<ActBlockQ8_0>(act, stride, t)[i];
        const __m256i dot = DotU8I8(aw, _mm256_sign_epi8(Load256(a.qs), qw));
        acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(dw * a.d), _mm256_cvtepi32_ps(dot), acc[t]);
      }
    }
    for (int t = 0; t < kT; ++t) out[t] = HorizontalSum(acc[t]);
  }
};

// Weights with a minimum (x = d*q + m): Load gives q as unsigned bytes (< 32).
struct Q4_1Weights {
  static constexpr size_t kBytes = sizeof(BlockQ4_1);
  static __m256i Load(const uint8_t* b) { return Nibbles32(b + 4); }
};
struct Q5_1Weights {
  static constexpr size_t kBytes = sizeof(BlockQ5_1);
  static __m256i Load(const uint8_t* b) {
    return _mm256_or_si256(Nibbles32(b + 8),
                           _mm256_and_si256(BytesFromBits32(b + 4), _mm256_set1_epi8(16)));
  }
};

// sum(x*y) = d*dy*sum(q*qy) + m*s per block, s = dy*sum(qy) from the Q8_1 activations.
template <typename W>
struct MinBlocksKernel {
  template <int kT>
  static void Dot(const uint8_t* w, const uint8_t* act, size_t stride, float* out, int64_t n) {
    __m256 acc[kT];
    float acc_m[kT];
    for (int t = 0; t < kT; ++t) {
      acc[t] = _mm256_setzero_ps();
      acc_m[t] = 0;
    }
    for (int64_t i = 0; i < n / 32; ++i, w += W::kBytes) {
      const float dw = Half(Load16(w)), mw = Half(Load16(w + 2));
      const __m256i qw = W::Load(w);
      for (int t = 0; t < kT; ++t) {
        const ActBlockQ8_1& a = Act<ActBlockQ8_1>(act, stride, t)[i];
        const __m256i dot = DotU8I8(qw, Load256(a.qs));
        acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(dw * a.d), _mm256_cvtepi32_ps(dot), acc[t]);
        acc_m[t] += mw * a.s;
      }
    }
    for (int t = 0; t < kT; ++t) out[t] = HorizontalSum(acc[t]) + acc_m[t];
  }
};

// ---- K-quants (activations Q8_K) ----

// Int16 lanes 0-7 = s0, lanes 8-15 = s1: the scales of the two 16-value halves of 32
// values after maddubs, or of two 32-value sub-blocks in separate registers.
inline __m256i Scales16(int s0, int s1) {
  return _mm256_set_m128i(_mm_set1_epi16(static_cast<short>(s1)),
                          _mm_set1_epi16(static_cast<short>(s0)));
}

// The 16 activation sums of 16 values times 16 int16 factors, summed pairwise: 8 int32.
inline __m256i BsumsDot(const BlockQ8_K& a, __m256i factors) {
  return _mm256_madd_epi16(Load256(a.bsums), factors);
}

// Q4_K/Q5_K: x = d*sc*q - dmin*m per 32-value sub-block j; q is the low (j even) or
// high (j odd) nibble of qs[32*(j/2)..], plus 16 for bit j of qh[l] (Q5_K).
template <bool kFive>
struct K4Kernel {
  template <int kT>
  static void Dot(const uint8_t* w, const uint8_t* act, size_t stride, float* out, int64_t n) {
    using Block = std::conditional_t<kFive, BlockQ5_K, BlockQ4_K>;
    const __m256i low4 = _mm256_set1_epi8(0x0f), sixteen = _mm256_set1_epi8(16);
    __m256 acc[kT];
    for (int t = 0; t < kT; ++t) acc[t] = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / kQK_K; ++i, w += sizeof(Block)) {
      const float d = Half(Load16(w + offsetof(Block, d)));
      const float dmin = Half(Load16(w + offsetof(Block, dmin)));
      uint8_t scm[16];
      UnpackScalesMinsK4(w + offsetof(Block, scales), scm);
      // dmin * m_j, to meet the activations' d * (sum of sub-block j).
      const __m256 mins = _mm256_mul_ps(
          _mm256_set1_ps(dmin), _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(
                                    _mm_loadl_epi64(reinterpret_cast<const __m128i*>(scm + 8)))));
      __m256i qh;
      if constexpr (kFive) qh = Load256(w + offsetof(BlockQ5_K, qh));
      __m256i sumi[kT];
      for (int t = 0; t < kT; ++t) sumi[t] = _mm256_setzero_si256();
      for (int c = 0; c < 4; ++c) {
        const __m256i q4 = Load256(w + offsetof(Block, qs) + 32 * c);
        __m256i lo = _mm256_and_si256(q4, low4);
        __m256i hi = _mm256_and_si256(_mm256_srli_epi16(q4, 4), low4);
        if constexpr (kFive) {
          const __m256i bit_lo = _mm256_set1_epi8(static_cast<char>(1 << (2 * c)));
          const __m256i bit_hi = _mm256_set1_epi8(static_cast<char>(1 << (2 * c + 1)));
          lo = _mm256_or_si256(
              lo,
              _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(qh, bit_lo), bit_lo), sixteen));
          hi = _mm256_or_si256(
              hi,
              _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(qh, bit_hi), bit_hi), sixteen));
        }
        const __m256i s_lo = _mm256_set1_epi16(scm[2 * c]),
                      s_hi = _mm256_set1_epi16(scm[2 * c + 1]);
        for (int t = 0; t < kT; ++t) {
          const int8_t* y = Act<ActBlockQ8_K>(act, stride, t)[i].q.qs + 64 * c;
          const __m256i p_lo = _mm256_madd_epi16(_mm256_maddubs_epi16(lo, Load256(y)), s_lo);
          const __m256i p_hi = _mm256_madd_epi16(_mm256_maddubs_epi16(hi, Load256(y + 32)), s_hi);
          sumi[t] = _mm256_add_epi32(sumi[t], _mm256_add_epi32(p_lo, p_hi));
        }
      }
      for (int t = 0; t < kT; ++t) {
        const ActBlockQ8_K& a = Act<ActBlockQ8_K>(act, stride, t)[i];
        acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(d * a.q.d), _mm256_cvtepi32_ps(sumi[t]), acc[t]);
        acc[t] = _mm256_fnmadd_ps(mins, _mm256_loadu_ps(a.dsums), acc[t]);
      }
    }
    for (int t = 0; t < kT; ++t) out[t] = HorizontalSum(acc[t]);
  }
};

// Q6_K: x = d*sc*(q - 32) per 16-value sub-block, q = 4 bits of ql | 2 bits of qh << 4.
// q is kept unsigned; the -32 comes back through the activation sums.
struct Q6_KKernel {
  template <int kT>
  static void Dot(const uint8_t* w, const uint8_t* act, size_t stride, float* out, int64_t n) {
    const __m256i low4 = _mm256_set1_epi8(0x0f), bits54 = _mm256_set1_epi8(0x30);
    __m256 acc[kT];
    for (int t = 0; t < kT; ++t) acc[t] = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / kQK_K; ++i, w += sizeof(BlockQ6_K)) {
      const float d = Half(Load16(w + offsetof(BlockQ6_K, d)));
      const auto* sc = reinterpret_cast<const int8_t*>(w + offsetof(BlockQ6_K, scales));
      __m256i sumi[kT];
      for (int t = 0; t < kT; ++t) sumi[t] = _mm256_setzero_si256();
      for (int half = 0; half < 2; ++half) {
        const uint8_t* ql = w + offsetof(BlockQ6_K, ql) + 64 * half;
        const __m256i qh = Load256(w + offsetof(BlockQ6_K, qh) + 32 * half);
        const __m256i ql0 = Load256(ql), ql1 = Load256(ql + 32);
        for (int k = 0; k < 4; ++k) {
          // Values 32k..32k+31 of this half: nibbles of ql0 (k = 0, 2) or ql1 (k = 1, 3),
          // high bits 2k..2k+1 of qh.
          const __m256i l = k % 2 == 0 ? ql0 : ql1;
          const __m256i lo =
              k < 2 ? _mm256_and_si256(l, low4) : _mm256_and_si256(_mm256_srli_epi16(l, 4), low4);
          const __m256i h = k == 0   ? _mm256_slli_epi16(qh, 4)
                            : k == 1 ? _mm256_slli_epi16(qh, 2)
                            : k == 2 ? qh
                                     : _mm256_srli_epi16(qh, 2);
          const __m256i q = _mm256_or_si256(lo, _mm256_and_si256(h, bits54));
          const __m256i scale = Scales16(sc[8 * half + 2 * k], sc[8 * half + 2 * k + 1]);
          for (int t = 0; t < kT; ++t) {
            const int8_t* y = Act<ActBlockQ8_K>(act, stride, t)[i].q.qs + 128 * half + 32 * k;
            sumi[t] = _mm256_add_epi32(
                sumi[t], _mm256_madd_epi16(_mm256_maddubs_epi16(q, Load256(y)), scale));
          }
        }
      }
      const __m256i sc16 =
          _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(sc)));
      for (int t = 0; t < kT; ++t) {
        const BlockQ8_K& a = Act<ActBlockQ8_K>(act, stride, t)[i].q;
        const __m256i total = _mm256_sub_epi32(sumi[t], _mm256_slli_epi32(BsumsDot(a, sc16), 5));
        acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(d * a.d), _mm256_cvtepi32_ps(total), acc[t]);
      }
    }
    for (int t = 0; t < kT; ++t) out[t] = HorizontalSum(acc[t]);
  }
};

// Q2_K and Q3_K: 16 sub-blocks of 16 with one scale each, and 2-bit values for
// 32-value group g (0..7) in bits 2*(g%4) of the 32 bytes qs[32*(g/4)..].
//
// Adds to sumi[t] the sum over sub-blocks j of scale_j * sum(q*y), where q is the 2-bit
// value or'ed with high(g) (a byte vector per group, values < 128) and `scales` holds
// the 16 signed scale bytes in both 128-bit halves.
template <int kT, typename High>
inline void DotBits2(const uint8_t* qs, const uint8_t* act, size_t stride, int64_t i,
                     __m256i scales, High high, __m256i* sumi) {
  const __m256i three = _mm256_set1_epi8(3);
  // Byte shuffle giving int16 lanes (scale << 8): lanes 0-7 from byte 2g, lanes 8-15
  // from byte 2g+1 (-128 selects zero); an arithmetic shift then sign-extends.
  __m256i pick =
      _mm256_setr_epi8(-128, 0, -128, 0, -128, 0, -128, 0, -128, 0, -128, 0, -128, 0, -128, 0, -128,
                       1, -128, 1, -128, 1, -128, 1, -128, 1, -128, 1, -128, 1, -128, 1);
  const __m256i next = _mm256_set1_epi16(2 << 8);
  for (int half = 0; half < 2; ++half) {
    const __m256i q = Load256(qs + 32 * half);
    for (int j = 0; j < 4; ++j) {
      const int g = 4 * half + j;
      const __m256i v =
          _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q, 2 * j), three), high(g));
      const __m256i sc = _mm256_srai_epi16(_mm256_shuffle_epi8(scales, pick), 8);
      for (int t = 0; t < kT; ++t) {
        const int8_t* y = Act<ActBlockQ8_K>(act, stride, t)[i].q.qs + 32 * g;
        sumi[t] =
            _mm256_add_epi32(sumi[t], _mm256_madd_epi16(_mm256_maddubs_epi16(v, Load256(y)), sc));
      }
      pick = _mm256_add_epi16(pick, next);
    }
  }
}

// Q2_K: x = d*(sc&15)*q - dmin*(sc>>4) per sub-block.
struct Q2_KKernel {
  template <int kT>
  static void Dot(const uint8_t* w, const uint8_t* act, size_t stride, float* out, int64_t n) {
    const __m128i low4 = _mm_set1_epi8(0x0f);
    const __m256i zero = _mm256_setzero_si256();
    __m256 acc[kT];
    for (int t = 0; t < kT; ++t) acc[t] = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / kQK_K; ++i, w += sizeof(BlockQ2_K)) {
      const float d = Half(Load16(w + offsetof(BlockQ2_K, d)));
      const float dmin = Half(Load16(w + offsetof(BlockQ2_K, dmin)));
      const __m128i sc =
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(w + offsetof(BlockQ2_K, scales)));
      const __m256i mins = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(sc, 4), low4));
      __m256i sumi[kT];
      for (int t = 0; t < kT; ++t) sumi[t] = _mm256_setzero_si256();
      DotBits2<kT>(
          w + offsetof(BlockQ2_K, qs), act, stride, i,
          _mm256_broadcastsi128_si256(_mm_and_si128(sc, low4)), [zero](int) { return zero; }, sumi);
      for (int t = 0; t < kT; ++t) {
        const BlockQ8_K& a = Act<ActBlockQ8_K>(act, stride, t)[i].q;
        acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(d * a.d), _mm256_cvtepi32_ps(sumi[t]), acc[t]);
        acc[t] = _mm256_fnmadd_ps(_mm256_set1_ps(dmin * a.d), _mm256_cvtepi32_ps(BsumsDot(a, mins)),
                                  acc[t]);
      }
    }
    for (int t = 0; t < kT; ++t) out[t] = HorizontalSum(acc[t]);
  }
};

// Q3_K: values q = 2 low bits | hmask bit << 2 (0..7) stand for q - 4; the -4 comes back
// through the activation sums of each sub-block.
struct Q3_KKernel {
  template <int kT>
  static void Dot(const uint8_t* w, const uint8_t* act, size_t stride, float* out, int64_t n) {
    const __m256i four = _mm256_set1_epi8(4);
    __m256 acc[kT];
    for (int t = 0; t < kT; ++t) acc[t] = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / kQK_K; ++i, w += sizeof(BlockQ3_K)) {
      const float d = Half(Load16(w + offsetof(BlockQ3_K, d)));
      const __m128i sc8 = ScalesQ3K(w + offsetof(BlockQ3_K, scales));
      const __m256i hmask = Load256(w + offsetof(BlockQ3_K, hmask));
      __m256i sumi[kT];
      for (int t = 0; t < kT; ++t) sumi[t] = _mm256_setzero_si256();
      DotBits2<kT>(
          w + offsetof(BlockQ3_K, qs), act, stride, i, _mm256_broadcastsi128_si256(sc8),
          [&](int g) {
            // Bit g of hmask[k], moved to bit 2.
            return _mm256_and_si256(_mm256_slli_epi16(_mm256_srli_epi16(hmask, g), 2), four);
          },
          sumi);
      const __m256i sc16 = _mm256_cvtepi8_epi16(sc8);
      for (int t = 0; t < kT; ++t) {
        const BlockQ8_K& a = Act<ActBlockQ8_K>(act, stride, t)[i].q;
        const __m256i total = _mm256_sub_epi32(sumi[t], _mm256_slli_epi32(BsumsDot(a, sc16), 2));
        acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(d * a.d), _mm256_cvtepi32_ps(total), acc[t]);
      }
    }
    for (int t = 0; t < kT; ++t) out[t] = HorizontalSum(acc[t]);
  }
};

// ---- activation quantizers: the scalar set's operations in the same order, 8 lanes
// at a time, so the bytes are the same ----

inline __m256 Abs(__m256 v) {
  return _mm256_andnot_ps(_mm256_set1_ps(-0.f), v);
}

inline float Max(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  return _mm_cvtss_f32(m);
}

// round(v[k] * scale) to nearest even for 32 values, as int32 lanes.
inline void Round32(const __m256 v[4], float scale, __m256i q[4]) {
  const __m256 s = _mm256_set1_ps(scale);
  for (int k = 0; k < 4; ++k) {
    q[k] = _mm256_cvtps_epi32(
        _mm256_round_ps(_mm256_mul_ps(v[k], s), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  }
}

// 32 int32 values (within int8 range) to bytes, in order.
inline void Store32(const __m256i q[4], int8_t* out) {
  // The packs work per 128-bit lane: put the 32-bit groups back in order after them.
  const __m256i p =
      _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out),
                      _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
}

inline int Sum(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}

template <typename Block>
void QuantizeQ8Blocks(const float* x, void* out, int64_t n) {
  auto* blocks = static_cast<Block*>(out);
  for (int64_t i = 0; i < n / 32; ++i, x += 32) {
    __m256 v[4];
    __m256 amax = _mm256_setzero_ps();
    for (int k = 0; k < 4; ++k) {
      v[k] = _mm256_loadu_ps(x + 8 * k);
      amax = _mm256_max_ps(amax, Abs(v[k]));
    }
    const float d = Max(amax) / 127.f;
    const float id = d != 0.f ? 1.f / d : 0.f;
    __m256i q[4];
    Round32(v, id, q);
    Store32(q, blocks[i].qs);
    blocks[i].d = d;
    if constexpr (std::is_same_v<Block, ActBlockQ8_1>) {
      const int sum =
          Sum(_mm256_add_epi32(_mm256_add_epi32(q[0], q[1]), _mm256_add_epi32(q[2], q[3])));
      blocks[i].s = d * static_cast<float>(sum);
    }
  }
}

void QuantizeQ8KBlocks(const float* x, void* out, int64_t n) {
  auto* blocks = static_cast<ActBlockQ8_K*>(out);
  for (int64_t i = 0; i < n / kQK_K; ++i, x += kQK_K) {
    ActBlockQ8_K& b = blocks[i];
    __m256 amax = _mm256_setzero_ps();
    for (int k = 0; k < kQK_K / 8; ++k) amax = _mm256_max_ps(amax, Abs(_mm256_loadu_ps(x + 8 * k)));
    const float m = Max(amax);
    if (m == 0.f) {
      std::memset(&b, 0, sizeof(b));
      continue;
    }
    // The scale takes the sign of the first value of largest magnitude.
    float max = 0.f;
    for (int k = 0; k < kQK_K / 8; ++k) {
      const int hit = _mm256_movemask_ps(
          _mm256_cmp_ps(Abs(_mm256_loadu_ps(x + 8 * k)), _mm256_set1_ps(m), _CMP_EQ_OQ));
      if (hit != 0) {
        max = x[8 * k + std::countr_zero(static_cast<unsigned>(hit))];
        break;
      }
    }
    const float iscale = -127.f / max;
    for (int g = 0; g < kQK_K / 32; ++g) {
      __m256 v[4];
      for (int k = 0; k < 4; ++k) v[k] = _mm256_loadu_ps(x + 32 * g + 8 * k);
      __m256i q[4];
      Round32(v, iscale, q);
      for (int k = 0; k < 4; ++k) q[k] = _mm256_min_epi32(q[k], _mm256_set1_epi32(127));
      Store32(q, b.q.qs + 32 * g);
      b.q.bsums[2 * g] = static_cast<int16_t>(Sum(_mm256_add_epi32(q[0], q[1])));
      b.q.bsums[2 * g + 1] = static_cast<int16_t>(Sum(_mm256_add_epi32(q[2], q[3])));
    }
    b.q.d = 1.f / iscale;
    SetDsums(b);
  }
}

// kT: tokens per pass of the tile (measured best on this register file).
template <typename Kernel, int kT>
constexpr TypeKernel K(ActFormat act) {
  return {act, RowDotOf<Kernel>, "avx2", TileOf<Kernel, kT>, kT};
}

const KernelSet kAvx2 = {
    .name = "avx2",
    .quantize_q8_0 = QuantizeQ8Blocks<ActBlockQ8_0>,
    .quantize_q8_1 = QuantizeQ8Blocks<ActBlockQ8_1>,
    .quantize_q8_k = QuantizeQ8KBlocks,
    .dot_f32 = DotF32,
    .axpy_f32 = AxpyF32,
    .f32 = K<FloatKernel<F32Weights>, 4>(ActFormat::kF32),
    .f16 = K<FloatKernel<F16Weights>, 4>(ActFormat::kF32),
    .bf16 = K<FloatKernel<BF16Weights>, 4>(ActFormat::kF32),
    .q4_0 = K<SignedBlocksKernel<Q4_0Weights>, 4>(ActFormat::kQ8_0),
    .q4_1 = K<MinBlocksKernel<Q4_1Weights>, 4>(ActFormat::kQ8_1),
    .q5_0 = K<SignedBlocksKernel<Q5_0Weights>, 4>(ActFormat::kQ8_0),
    .q5_1 = K<MinBlocksKernel<Q5_1Weights>, 4>(ActFormat::kQ8_1),
    .q8_0 = K<SignedBlocksKernel<Q8_0Weights>, 4>(ActFormat::kQ8_0),
    .q2_k = K<Q2_KKernel, 4>(ActFormat::kQ8_K),
    .q3_k = K<Q3_KKernel, 4>(ActFormat::kQ8_K),
    .q4_k = K<K4Kernel<false>, 4>(ActFormat::kQ8_K),
    .q5_k = K<K4Kernel<true>, 4>(ActFormat::kQ8_K),
    .q6_k = K<Q6_KKernel, 4>(ActFormat::kQ8_K),
};

}  // namespace

const KernelSet* Avx2KernelsImpl() {
  return &kAvx2;
}

}  // namespace strata::genai::internal
