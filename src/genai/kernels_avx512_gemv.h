#pragma once
// Generation tiles (1-3 tokens: one per sequence decoded) with AVX-512 VNNI for Q4_K and
// Q5_K, for the 32-value blocks Q4_0 and Q5_0, and for Q2_K and Q3_K (their sections
// below).
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
//   instead (SuperLanes), since every row of the call reuses them;
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
#include "genai/kernels_avx512_gemm.h"
#include "genai/kernels_avx512_math.h"

namespace strata::genai::internal {
namespace {

// The Q8_K values of up to 3 tokens in the order of a kernel's weight registers: from
// the four 64-value chunks c of a superblock, register 0 takes the low halves of chunks 0
// and kPartner, register 1 their high halves, registers 2 and 3 the same of the other two
// chunks. Q4_K/Q5_K's nibble registers need kPartner 1 (sub-blocks 0 and 2, 1 and 3, 4
// and 6, 5 and 7), Q2_K/Q3_K's 2-bit ones kPartner 2 (value groups j and 4 + j).
template <int kPartner>
struct SuperLanes {
  struct alignas(64) Super {
    int8_t q[4][64];
  };
  std::vector<Super> q;  // token t, superblock s at q[t * supers + s]
  size_t supers = 0;

  void Fill(const uint8_t* act, size_t act_stride, int64_t n_tok, int64_t n) {
    constexpr int kOther = kPartner == 1 ? 2 : 1;
    supers = static_cast<size_t>(n / kQK_K);
    q.resize(supers * n_tok);
    for (int64_t t = 0; t < n_tok; ++t) {
      const auto* a = reinterpret_cast<const ActBlockQ8_K*>(act + t * act_stride);
      for (size_t s = 0; s < supers; ++s) {
        __m512i x[4];
        for (int c = 0; c < 4; ++c) x[c] = _mm512_loadu_si512(a[s].q.qs + 64 * c);
        Super& out = q[t * supers + s];
        _mm512_store_si512(out.q[0], _mm512_shuffle_i64x2(x[0], x[kPartner], _MM_SHUFFLE(1, 0, 1, 0)));
        _mm512_store_si512(out.q[1], _mm512_shuffle_i64x2(x[0], x[kPartner], _MM_SHUFFLE(3, 2, 3, 2)));
        _mm512_store_si512(out.q[2], _mm512_shuffle_i64x2(x[kOther], x[3], _MM_SHUFFLE(1, 0, 1, 0)));
        _mm512_store_si512(out.q[3], _mm512_shuffle_i64x2(x[kOther], x[3], _MM_SHUFFLE(3, 2, 3, 2)));
      }
    }
  }
};

// TileFn (kernels.h) for 1-3 tokens over a generation kernel Gen: Gen::Tokens holds the
// tokens' activations as Gen reads them, Gen::Row<kT>(w, act, act_stride, tokens, out)
// multiplies one row, leaving each token's 16 partial sums in out[t]; they are summed 16
// rows at a time in one transposing tree (Sums16), where a reduction per row cost as
// much as a superblock's dots on rows of 2048 values.
template <typename Gen, int kT>
void GenRows(const uint8_t* w, size_t w_stride, int64_t n_rows, const uint8_t* act, size_t act_stride,
             const typename Gen::Tokens& tokens, float* y, size_t y_stride) {
  __m512 part[kT][16];
  int64_t r = 0;
  for (; r + 16 <= n_rows; r += 16) {
    for (int i = 0; i < 16; ++i) {
      __m512 out[kT];
      Gen::template Row<kT>(w + (r + i) * w_stride, act, act_stride, tokens, out);
      for (int t = 0; t < kT; ++t) part[t][i] = out[t];
    }
    for (int t = 0; t < kT; ++t) _mm512_storeu_ps(y + t * y_stride + r, Sums16(part[t]));
  }
  for (; r < n_rows; ++r) {
    __m512 out[kT];
    Gen::template Row<kT>(w + r * w_stride, act, act_stride, tokens, out);
    for (int t = 0; t < kT; ++t) y[t * y_stride + r] = _mm512_reduce_add_ps(out[t]);
  }
}

template <typename Gen>
void GenTile(const uint8_t* w, size_t w_stride, int64_t n_rows, const uint8_t* act, size_t act_stride, int64_t n_tok,
             float* y, size_t y_stride, int64_t n) {
  thread_local typename Gen::Tokens tokens;
  for (int64_t t0 = 0; t0 < n_tok; t0 += 3) {
    const int64_t toks = std::min<int64_t>(3, n_tok - t0);
    const uint8_t* a = act + t0 * act_stride;
    tokens.Fill(a, act_stride, toks, n);
    float* yt = y + t0 * y_stride;
    if (toks == 1) GenRows<Gen, 1>(w, w_stride, n_rows, a, act_stride, tokens, yt, y_stride);
    if (toks == 2) GenRows<Gen, 2>(w, w_stride, n_rows, a, act_stride, tokens, yt, y_stride);
    if (toks == 3) GenRows<Gen, 3>(w, w_stride, n_rows, a, act_stride, tokens, yt, y_stride);
  }
}

// How far ahead the weights streamed are prefetched into L1: more loads in flight than
// the hardware prefetcher starts by itself, and none stopped at a page boundary. AMD EPYC,
// one thread, 1.1B Q4_K generation: 31.9-32.7 tokens/s at 2 KB, 33.5-34.9 at 8 KB; in a
// microbenchmark 8.0 -> 7.2 ns per superblock streamed from DRAM (4 KB 7.9-8.2, 16 KB 8.3).
constexpr size_t kK4GenPrefetchBytes = 8192;

// One row (at w) against kT tokens: out[t].
template <bool kFive, int kT>
void K4GenRow(const uint8_t* w, const uint8_t* act, size_t act_stride, const SuperLanes<1>& tokens, __m512* out) {
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
        v[k] = AddWhereBit(v[k], h, first, first + 2, 16);
      }
    }
    for (int t = 0; t < kT; ++t) {
      const auto& x = tokens.q[t * tokens.supers + s];
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
  for (int t = 0; t < kT; ++t) out[t] = _mm512_sub_ps(acc[t], _mm512_zextps256_ps512(acc_min[t]));
}

template <bool kFive>
struct K4Gen {
  using Tokens = SuperLanes<1>;
  template <int kT>
  static void Row(const uint8_t* w, const uint8_t* act, size_t act_stride, const Tokens& tokens, __m512* out) {
    K4GenRow<kFive, kT>(w, act, act_stride, tokens, out);
  }
};

// ---- Q4_0 / Q5_0 ----
//
// The row kernel (Blocks32Kernel) spends a sign fix-up, a 256-bit dot, a conversion and
// a scaled FMA per block: on the AMD EPYC, Q4_0 generation on one thread was bound by
// that (23 tokens/s where llama.cpp made 26). Here four blocks share two registers as in
// the prompt tiles (kernels_avx512_gemm.h: a block per 128-bit lane, values 0-15 in one
// register, 16-31 in the other), with the roles of VNNI's operands the other way round:
// the weights' q, unsigned as stored, and the activations signed, so the weights need no
// fix-up and their nibbles load straight into the lanes; the overshoot, kBias * sum(x)
// per block, is the tokens' seed, computed once per call. Per four blocks and token: two
// dots, a conversion, a multiply and an FMA. Microbenchmark from DRAM (2048 x 5632, one
// thread, per 256 values): Q4_0 10.3 -> 6.7 ns, Q5_0 11.4-12.4 -> 8.5 ns. Q8_0 keeps the
// row kernel: its quads, four 256-bit loads and two shuffles, streamed from DRAM at 25
// GB/s against the row kernel's 27.

// Up to 3 tokens' Q8_0 activations in quads: values as they are, -kBias * (their sums)
// as the dots' seed (four partial sums per lane), and the scales in the lane pattern.
template <int kBias>
struct QuadGenTokens {
  struct alignas(64) Quad64 {
    int8_t lo[64], hi[64];
    int32_t seed[16];
    float d[16];
  };
  std::vector<Quad64> q;  // token t, quad g at q[t * quads + g]
  size_t quads = 0;
  int64_t blocks = 0;

  void Fill(const uint8_t* act, size_t act_stride, int64_t n_tok, int64_t n) {
    blocks = n / 32;
    quads = static_cast<size_t>((blocks + 3) / 4);
    q.resize(quads * n_tok);
    const __m512i bias = _mm512_set1_epi8(static_cast<char>(kBias));
    for (int64_t t = 0; t < n_tok; ++t) {
      const auto* a = reinterpret_cast<const ActBlockQ8_0*>(act + t * act_stride);
      for (size_t g = 0; g < quads; ++g) {
        __m512i lo, hi;
        alignas(16) float d[4];
        ActivationQuad(a, blocks, g, &lo, &hi, d);
        Quad64& out = q[t * quads + g];
        _mm512_store_si512(out.lo, lo);
        _mm512_store_si512(out.hi, hi);
        const __m512i excess = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), bias, lo), bias, hi);
        _mm512_store_si512(out.seed, _mm512_sub_epi32(_mm512_setzero_si512(), excess));
        _mm512_store_ps(out.d, QuadScales(_mm_load_ps(d)));
      }
    }
  }
};

// How far ahead the weights are prefetched (Q4_0 in a microbenchmark: 6 KB 6.6-6.8 ns per
// 256 values from DRAM, 9 KB 6.9-7.1).
constexpr size_t kQuadGenPrefetchBytes = 6144;

template <typename W, int kT>
void QuadGenRow(const uint8_t* w, const QuadGenTokens<W::kBias>& tokens, int64_t blocks, __m512* out) {
  __m512 acc[kT];
  for (int t = 0; t < kT; ++t) acc[t] = _mm512_setzero_ps();
  const auto quad = [&](size_t g, int present) {
    const uint8_t* b = w + 4 * g * W::kBytes;
    __m512i lo, hi;
    W::Load(b, present, &lo, &hi);
    uint16_t h[4] = {0, 0, 0, 0};
    for (int k = 0; k < present; ++k) h[k] = Load16(b + k * W::kBytes);
    const __m512 wd = QuadScales(_mm_cvtph_ps(_mm_setr_epi16(static_cast<short>(h[0]), static_cast<short>(h[1]),
                                                            static_cast<short>(h[2]), static_cast<short>(h[3]), 0, 0, 0, 0)));
    for (int t = 0; t < kT; ++t) {
      const auto& x = tokens.q[t * tokens.quads + g];
      const __m512i dot = _mm512_dpbusd_epi32(
          _mm512_dpbusd_epi32(_mm512_load_si512(x.seed), lo, _mm512_load_si512(x.lo)), hi, _mm512_load_si512(x.hi));
      acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_mul_ps(wd, _mm512_load_ps(x.d)), acc[t]);
    }
  };
  const size_t full = static_cast<size_t>(blocks / 4);
  for (size_t g = 0; g < full; ++g) {
    PrefetchLines<4 * W::kBytes>(w + 4 * g * W::kBytes + kQuadGenPrefetchBytes);
    quad(g, 4);
  }
  if (blocks % 4 != 0) quad(full, static_cast<int>(blocks % 4));
  for (int t = 0; t < kT; ++t) out[t] = acc[t];
}

template <typename W>
struct QuadGen {
  using Tokens = QuadGenTokens<W::kBias>;
  template <int kT>
  static void Row(const uint8_t* w, const uint8_t*, size_t, const Tokens& tokens, __m512* out) {
    QuadGenRow<W, kT>(w, tokens, tokens.blocks, out);
  }
};

// ---- Q2_K / Q3_K ----
//
// The AVX2 kernels serve these types' prompts; generation on one thread was bound by
// their 256-bit multiply-adds (1.1B Q3_K: 14.8 tokens/s where llama.cpp made 23.6). A
// superblock's 64 bytes of 2-bit values load as one register; shifted by 2j and masked,
// it holds value groups j and 4 + j (32 values each), whose 128-bit lanes are the 16-value
// sub-blocks 2j, 2j + 1, 8 + 2j, 9 + 2j. The tokens' Q8_K values are laid out once per
// call in that order (SuperLanes). VNNI dots the unsigned values (Q3_K's with its
// high bit added: 0-7, standing for q - 4) with the signed activations; the sums pack to
// 16 bits and two multiply-adds apply the sub-blocks' scales. The subtracted parts (Q3_K's
// 4 * sum(x), Q2_K's minimums) come from the activations' 16-value sums (bsums).

constexpr size_t kBits2GenPrefetchBytes = 6144;

template <bool kQ3, int kT>
void Bits2GenRow(const uint8_t* w, const uint8_t* act, size_t act_stride, const SuperLanes<2>& tokens, __m512* out) {
  using Block = std::conditional_t<kQ3, BlockQ3_K, BlockQ2_K>;
  const __m512i three = _mm512_set1_epi8(3);
  // After packing the dots of registers 0 and 1 (2 and 3), 128-bit lane L holds 4 sums of
  // sub-block first[L] and 4 of first[L] + 2 (+ 4 for the second pair), first = 0, 1, 8, 9:
  // their scales, as int16 indexes into the 16 scales.
  const __m512i spread0 = _mm512_set_epi16(11, 11, 11, 11, 9, 9, 9, 9, 10, 10, 10, 10, 8, 8, 8, 8, 3, 3, 3, 3, 1, 1, 1, 1,
                                           2, 2, 2, 2, 0, 0, 0, 0);
  const __m512i spread1 = _mm512_add_epi16(spread0, _mm512_set1_epi16(4));
  __m512 acc[kT];
  __m256 acc_min[kT];
  for (int t = 0; t < kT; ++t) {
    acc[t] = _mm512_setzero_ps();
    acc_min[t] = _mm256_setzero_ps();
  }
  for (size_t s = 0; s < tokens.supers; ++s, w += sizeof(Block)) {
    PrefetchLines<sizeof(Block)>(w + kBits2GenPrefetchBytes);
    const float d = Half(Load16(w + offsetof(Block, d)));
    __m256i sc16, min16 = _mm256_setzero_si256();
    float dmin = 0;
    if constexpr (kQ3) {
      sc16 = _mm256_cvtepi8_epi16(ScalesQ3K(w + offsetof(Block, scales)));
    } else {
      const __m128i sc = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w + offsetof(Block, scales)));
      sc16 = _mm256_cvtepu8_epi16(_mm_and_si128(sc, _mm_set1_epi8(0x0f)));
      min16 = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(sc, 4), _mm_set1_epi8(0x0f)));
      dmin = Half(Load16(w + offsetof(Block, dmin)));
    }
    const __m512i scale0 = _mm512_permutexvar_epi16(spread0, _mm512_castsi256_si512(sc16));
    const __m512i scale1 = _mm512_permutexvar_epi16(spread1, _mm512_castsi256_si512(sc16));
    const __m512i qs = _mm512_loadu_si512(w + offsetof(Block, qs));
    __m512i v[4];
    for (int j = 0; j < 4; ++j) v[j] = _mm512_and_si512(_mm512_srli_epi16(qs, 2 * j), three);
    if constexpr (kQ3) {
      // Bit g of hmask[l] is value l of group g's high bit (4 when set).
      const __m512i h = BitPlane(w + offsetof(Block, hmask));
      for (int j = 0; j < 4; ++j) v[j] = AddWhereBit(v[j], h, j, 4 + j, 4);
    }
    for (int t = 0; t < kT; ++t) {
      const auto& x = tokens.q[t * tokens.supers + s];
      const BlockQ8_K& a = Act<ActBlockQ8_K>(act, act_stride, t)[s].q;
      __m512i dot[4];
      for (int j = 0; j < 4; ++j) {
        dot[j] = _mm512_dpbusd_epi32(_mm512_setzero_si512(), v[j], _mm512_load_si512(x.q[j]));
      }
      __m512i sums = _mm512_dpwssd_epi32(_mm512_madd_epi16(_mm512_packs_epi32(dot[0], dot[1]), scale0),
                                         _mm512_packs_epi32(dot[2], dot[3]), scale1);
      const __m256i bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.bsums));
      if constexpr (kQ3) {  // values stand for q - 4
        const __m256i four_sums = _mm256_slli_epi32(_mm256_madd_epi16(bsums, sc16), 2);
        sums = _mm512_sub_epi32(sums, _mm512_zextsi256_si512(four_sums));
      } else {
        acc_min[t] = _mm256_fmadd_ps(_mm256_set1_ps(dmin * a.d), _mm256_cvtepi32_ps(_mm256_madd_epi16(bsums, min16)),
                                     acc_min[t]);
      }
      acc[t] = _mm512_fmadd_ps(_mm512_set1_ps(d * a.d), _mm512_cvtepi32_ps(sums), acc[t]);
    }
  }
  for (int t = 0; t < kT; ++t) out[t] = _mm512_sub_ps(acc[t], _mm512_zextps256_ps512(acc_min[t]));
}

template <bool kQ3>
struct Bits2Gen {
  using Tokens = SuperLanes<2>;
  template <int kT>
  static void Row(const uint8_t* w, const uint8_t* act, size_t act_stride, const Tokens& tokens, __m512* out) {
    Bits2GenRow<kQ3, kT>(w, act, act_stride, tokens, out);
  }
};

}  // namespace
}  // namespace strata::genai::internal
