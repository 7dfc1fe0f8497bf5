#pragma once
// Generation tiles (1-3 tokens: one per sequence decoded) with AVX-512 VNNI for Q4_K and
// Q5_K.
//
// Why a kernel of its own: generation reads each weight once per token, and on the
// machines measured even that was bound by instructions, not memory: the row kernel
// (K4Kernel) ran as fast on a matrix in L2 as on one streamed from DRAM (7.3 against
// 8.3 ns per superblock, AMD EPYC, one thread). Its unpacking — four 256-bit halves
// inserted into 512-bit registers, four scale permutes, four 16-bit multiplies before
// the dots — cost more than the dots. Here:
// - a superblock's 128 nibble bytes load as two registers, whose low and high nibbles
//   are four registers of two sub-blocks each (0 and 2, 1 and 3, 4 and 6, 5 and 7),
//   with no shuffle; the tokens' Q8_K values are laid out once per call in that order
//   instead (K4GenTokens), since every row of the call reuses them;
// - VNNI dots the unsigned nibbles (0-15, 0-31 with Q5_K's 5th bit) with the signed
//   activations as they are; each 32-bit sum (at most 4 * 31 * 128) packs to 16 bits,
//   two registers to one, and a 16-bit multiply-add applies the sub-blocks' scales;
// - scales and minimums unpack in one register (ScalesMinsK4).
// Per superblock and token: four dots, two packs, two multiply-adds, a conversion and
// an FMA. The same products as the row kernel's, summed in another order.
//
// Internal, for kernels_avx512.cpp only (compiled with its instruction sets; internal
// linkage).
//
// Hand-written: no Debian 12 package provides dot products over GGUF block types.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "genai/kernels.h"
#include "genai/kernels_avx512_blocks.h"

namespace strata::genai::internal {
namespace {

// The Q8_K values of up to 3 tokens in the order of the weights' nibble registers.
struct K4GenTokens {
  struct alignas(64) Super {
    int8_t q[4][64];  // sub-blocks 0 and 2, 1 and 3, 4 and 6, 5 and 7
  };
  std::vector<Super> q;  // token t, superblock s at q[t * supers + s]
  size_t supers = 0;

  void Fill(const uint8_t* act, size_t act_stride, int64_t n_tok, int64_t n) {
    supers = static_cast<size_t>(n / kQK_K);
    q.resize(supers * n_tok);
    for (int64_t t = 0; t < n_tok; ++t) {
      const auto* a = reinterpret_cast<const ActBlockQ8_K*>(act + t * act_stride);
      for (size_t s = 0; s < supers; ++s) {
        __m512i x[4];  // sub-blocks 2c and 2c + 1
        for (int c = 0; c < 4; ++c) x[c] = _mm512_loadu_si512(a[s].q.qs + 64 * c);
        Super& out = q[t * supers + s];
        _mm512_store_si512(out.q[0], _mm512_shuffle_i64x2(x[0], x[1], _MM_SHUFFLE(1, 0, 1, 0)));
        _mm512_store_si512(out.q[1], _mm512_shuffle_i64x2(x[0], x[1], _MM_SHUFFLE(3, 2, 3, 2)));
        _mm512_store_si512(out.q[2], _mm512_shuffle_i64x2(x[2], x[3], _MM_SHUFFLE(1, 0, 1, 0)));
        _mm512_store_si512(out.q[3], _mm512_shuffle_i64x2(x[2], x[3], _MM_SHUFFLE(3, 2, 3, 2)));
      }
    }
  }
};

// How far ahead the weights streamed are prefetched into L1: more loads in flight than
// the hardware prefetcher starts by itself, and none stopped at a page boundary. AMD EPYC,
// one thread, 1.1B Q4_K generation: 31.9-32.7 tokens/s at 2 KB, 33.5-34.9 at 8 KB; in a
// microbenchmark 8.0 -> 7.2 ns per superblock streamed from DRAM (4 KB 7.9-8.2, 16 KB 8.3).
constexpr size_t kK4GenPrefetchBytes = 8192;

// One row (at w) against kT tokens: out[t].
template <bool kFive, int kT>
void K4GenRow(const uint8_t* w, const uint8_t* act, size_t act_stride, const K4GenTokens& tokens, float* out) {
  using Block = std::conditional_t<kFive, BlockQ5_K, BlockQ4_K>;
  const __m512i low4 = _mm512_set1_epi8(0x0f);
  // After packing nibble registers 0 and 1 (or 2 and 3), 128-bit lane L holds 4 sums of
  // sub-block 2*(L/2) then 4 of sub-block 2*(L/2) + 1 (plus 4 for the second pair):
  // their scales, as int16 indexes into scales 0-7.
  const __m512i spread0 = _mm512_set_epi16(3, 3, 3, 3, 2, 2, 2, 2, 3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1,
                                           1, 1, 0, 0, 0, 0);
  const __m512i spread1 = _mm512_add_epi16(spread0, _mm512_set1_epi16(4));
  __m512 acc[kT];
  __m256 acc_min[kT];
  for (int t = 0; t < kT; ++t) {
    acc[t] = _mm512_setzero_ps();
    acc_min[t] = _mm256_setzero_ps();
  }
  for (size_t s = 0; s < tokens.supers; ++s, w += sizeof(Block)) {
    PrefetchLines<sizeof(Block)>(w + kK4GenPrefetchBytes);
    const float d = Half(Load16(w + offsetof(Block, d)));
    const __m128i sc_m = ScalesMinsK4(w + offsetof(Block, scales));
    const __m512i sc16 = _mm512_castsi256_si512(_mm256_cvtepu8_epi16(sc_m));
    const __m512i scale0 = _mm512_permutexvar_epi16(spread0, sc16);
    const __m512i scale1 = _mm512_permutexvar_epi16(spread1, sc16);
    // dmin * m_j, to meet the activations' d * (sum of sub-block j).
    const __m256 mins = _mm256_mul_ps(_mm256_set1_ps(Half(Load16(w + offsetof(Block, dmin)))),
                                      _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(sc_m, 8))));
    const __m512i q0 = _mm512_loadu_si512(w + offsetof(Block, qs));
    const __m512i q1 = _mm512_loadu_si512(w + offsetof(Block, qs) + 64);
    __m512i v[4] = {_mm512_and_si512(q0, low4), _mm512_and_si512(_mm512_srli_epi16(q0, 4), low4),
                    _mm512_and_si512(q1, low4), _mm512_and_si512(_mm512_srli_epi16(q1, 4), low4)};
    if constexpr (kFive) {
      // Bit j of qh[l] is the 5th bit of value l of sub-block j.
      const __m512i h = Q5KHighBits(w);
      for (int k = 0; k < 4; ++k) {
        const int first = (k & 1) + 4 * (k >> 1);  // register k: sub-blocks first, first + 2
        const __m512i bits =
            _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set1_epi8(static_cast<char>(1 << first))),
                               _mm256_set1_epi8(static_cast<char>(1 << (first + 2))), 1);
        v[k] = _mm512_mask_add_epi8(v[k], _mm512_test_epi8_mask(h, bits), v[k], _mm512_set1_epi8(16));
      }
    }
    for (int t = 0; t < kT; ++t) {
      const K4GenTokens::Super& x = tokens.q[t * tokens.supers + s];
      const ActBlockQ8_K& a = Act<ActBlockQ8_K>(act, act_stride, t)[s];
      __m512i dot[4];
      for (int k = 0; k < 4; ++k) {
        dot[k] = _mm512_dpbusd_epi32(_mm512_setzero_si512(), v[k], _mm512_load_si512(x.q[k]));
      }
      const __m512i sums = _mm512_dpwssd_epi32(_mm512_madd_epi16(_mm512_packs_epi32(dot[0], dot[1]), scale0),
                                               _mm512_packs_epi32(dot[2], dot[3]), scale1);
      acc[t] = _mm512_fmadd_ps(_mm512_set1_ps(d * a.q.d), _mm512_cvtepi32_ps(sums), acc[t]);
      acc_min[t] = _mm256_fmadd_ps(mins, _mm256_loadu_ps(a.dsums), acc_min[t]);
    }
  }
  for (int t = 0; t < kT; ++t) out[t] = _mm512_reduce_add_ps(acc[t]) - HorizontalSum(acc_min[t]);
}

template <bool kFive, int kT>
void K4GenRows(const uint8_t* w, size_t w_stride, int64_t n_rows, const uint8_t* act, size_t act_stride,
               const K4GenTokens& tokens, float* y, size_t y_stride) {
  float out[kT];
  for (int64_t r = 0; r < n_rows; ++r) {
    K4GenRow<kFive, kT>(w + r * w_stride, act, act_stride, tokens, out);
    for (int t = 0; t < kT; ++t) y[t * y_stride + r] = out[t];
  }
}

// TileFn (kernels.h) for 1-3 tokens.
template <bool kFive>
void K4GenTile(const uint8_t* w, size_t w_stride, int64_t n_rows, const uint8_t* act, size_t act_stride,
               int64_t n_tok, float* y, size_t y_stride, int64_t n) {
  thread_local K4GenTokens tokens;
  for (int64_t t0 = 0; t0 < n_tok; t0 += 3) {
    const int64_t toks = std::min<int64_t>(3, n_tok - t0);
    const uint8_t* a = act + t0 * act_stride;
    tokens.Fill(a, act_stride, toks, n);
    float* yt = y + t0 * y_stride;
    if (toks == 1) K4GenRows<kFive, 1>(w, w_stride, n_rows, a, act_stride, tokens, yt, y_stride);
    if (toks == 2) K4GenRows<kFive, 2>(w, w_stride, n_rows, a, act_stride, tokens, yt, y_stride);
    if (toks == 3) K4GenRows<kFive, 3>(w, w_stride, n_rows, a, act_stride, tokens, yt, y_stride);
  }
}

}  // namespace
}  // namespace strata::genai::internal
