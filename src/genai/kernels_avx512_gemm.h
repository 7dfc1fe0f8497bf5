#pragma once
// Prompt tiles (many tokens) with AVX-512 VNNI: for the 32-value blocks with signed
// weights (Q8_0, Q4_0, Q5_0), kRows weight rows by kTokens tokens per step, four blocks in
// two 512-bit registers; for Q4_K/Q5_K, one row by kTokens tokens, a superblock's eight
// sub-blocks in four registers (its own section below).
//
// Why a tile of its own: the row kernel (kernels_avx512.cpp) spends, per block and
// token, a sign fix-up, a 256-bit dot, a conversion and a scaled FMA on 32 products, and
// that instruction count, not memory, bounded prompt processing (the kernel took about
// 90 % of a 512-token prompt). Here a row-token pair costs two 512-bit dots, one
// conversion, one scale and one FMA per 128 products:
// - four blocks share two registers, each block one 128-bit lane (values 0-15 in the
//   first register, 16-31 in the second), so the 32-bit sums VNNI makes in a lane all
//   belong to one block and the two dots add up as integers; one float scale pattern
//   per lane then serves all four blocks;
// - the activations of kTokens tokens are rewritten so once per pass: unsigned
//   (x + 128, VNNI's unsigned operand), with their scales in that lane pattern;
// - the weights are read as they are in the file (the model stays mapped, not copied)
//   and put in lanes once per row and pass; sum((x + 128) * w) overshoots by
//   128 * sum(w), which a dot of 128s with w gives per word once per row and which
//   seeds the accumulation, so each word's sum is exact.
// The same products and block sums as the row kernel's, in another order of float
// additions. Measured on a 1.1B Q8_0 model, 512-token prompt, 2 threads (AMD EPYC,
// AVX-512 VNNI): 84 tokens/s with the row kernel, 136 with this tile.
//
// Internal, for kernels_avx512.cpp only (compiled with its instruction sets; internal
// linkage): its kernel table uses QuadTile and SuperTile for prompts.
//
// Hand-written: no Debian 12 package provides dot products over GGUF block types.
#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "genai/kernels.h"
#include "genai/kernels_avx512_blocks.h"

namespace strata::genai::internal {
namespace {

constexpr int kRows = 2;
constexpr int kTokens = 8;

// Blocks go four at a time (a quad) into two registers: register 0's 128-bit lane L holds
// values 0-15 of block L, register 1's values 16-31, so every 32-bit sum VNNI makes in
// lane L belongs to block L, and the two registers' dots add up as integers before one
// conversion and one scaling per quad.
inline void Quad(__m256i b0, __m256i b1, __m256i b2, __m256i b3, __m512i* lo, __m512i* hi) {
  const __m512i a = _mm512_inserti64x4(_mm512_castsi256_si512(b0), b1, 1);
  const __m512i b = _mm512_inserti64x4(_mm512_castsi256_si512(b2), b3, 1);
  *lo = _mm512_shuffle_i64x2(a, b, _MM_SHUFFLE(2, 0, 2, 0));
  *hi = _mm512_shuffle_i64x2(a, b, _MM_SHUFFLE(3, 1, 3, 1));
}

// [s0 x4, s1 x4, s2 x4, s3 x4] from the quad's four scales.
inline __m512 QuadScales(__m128 s) {
  const __m512i index = _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
  return _mm512_permutexvar_ps(index, _mm512_castps128_ps512(s));
}

// Activation blocks 4g..4g+3 of a row of `blocks` in the quad layout, and their scales;
// blocks past the row's last (its last quad may be partial) are zeros of scale 0.
inline void ActivationQuad(const ActBlockQ8_0* a, int64_t blocks, size_t g, __m512i* lo, __m512i* hi, float d[4]) {
  __m256i v[4];
  for (int k = 0; k < 4; ++k) {
    const int64_t i = 4 * static_cast<int64_t>(g) + k;
    v[k] = i < blocks ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[i].qs)) : _mm256_setzero_si256();
    d[k] = i < blocks ? a[i].d : 0.0f;
  }
  Quad(v[0], v[1], v[2], v[3], lo, hi);
}

// The activations of up to kTokens tokens in quads, `quads` per token: values + 128
// (VNNI's unsigned operand), and the scales in the lane pattern.
struct QuadTokens {
  struct alignas(64) Quad64 {
    uint8_t lo[64], hi[64];
    float d[16];
  };
  std::vector<Quad64> q;  // token t, quad g at q[t * quads + g]
  size_t quads = 0;

  void Fill(const uint8_t* act, size_t act_stride, int n_tok, int64_t n) {
    const int64_t blocks = n / 32;
    quads = static_cast<size_t>((blocks + 3) / 4);
    q.resize(quads * kTokens);
    const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
    for (int t = 0; t < n_tok; ++t) {
      const auto* a = reinterpret_cast<const ActBlockQ8_0*>(act + t * act_stride);
      for (size_t g = 0; g < quads; ++g) {
        __m512i lo, hi;
        alignas(16) float d[4];
        ActivationQuad(a, blocks, g, &lo, &hi, d);
        Quad64& out = q[t * quads + g];
        _mm512_store_si512(out.lo, _mm512_xor_si512(lo, flip));
        _mm512_store_si512(out.hi, _mm512_xor_si512(hi, flip));
        _mm512_store_ps(out.d, QuadScales(_mm_load_ps(d)));
      }
    }
  }
};

// 16 bytes of nibbles per block at offset kQs (low nibbles are values 0-15, high 16-31)
// in the quad layout: four blocks from b, `bytes` apart; `present` < 4 leaves the rest
// zero (a row's last, partial quad).
template <size_t kQs>
inline void NibbleQuad(const uint8_t* b, size_t bytes, int present, __m512i* lo, __m512i* hi) {
  __m512i z = _mm512_setzero_si512();
  if (present > 0) z = _mm512_castsi128_si512(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + kQs)));
  if (present > 1) z = _mm512_inserti32x4(z, _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + bytes + kQs)), 1);
  if (present > 2) z = _mm512_inserti32x4(z, _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + 2 * bytes + kQs)), 2);
  if (present > 3) z = _mm512_inserti32x4(z, _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + 3 * bytes + kQs)), 3);
  const __m512i low4 = _mm512_set1_epi8(0x0f);
  *lo = _mm512_and_si512(z, low4);
  *hi = _mm512_and_si512(_mm512_srli_epi16(z, 4), low4);
}

// Quad loaders: Load(b, present, lo, hi) gives four blocks' q in the quad layout,
// unsigned; x = d * (q - kBias). Their nibbles load straight into the lanes.
struct Q4_0Quad {
  static constexpr size_t kBytes = sizeof(BlockQ4_0);
  static constexpr int kBias = 8;
  static void Load(const uint8_t* b, int present, __m512i* lo, __m512i* hi) {
    NibbleQuad<offsetof(BlockQ4_0, qs)>(b, kBytes, present, lo, hi);
  }
};

struct Q5_0Quad {
  static constexpr size_t kBytes = sizeof(BlockQ5_0);
  static constexpr int kBias = 16;
  static void Load(const uint8_t* b, int present, __m512i* lo, __m512i* hi) {
    NibbleQuad<offsetof(BlockQ5_0, qs)>(b, kBytes, present, lo, hi);
    // Bit j of a block's qh is value j's 5th bit: bits 0-15 go to lo's lane, 16-31 to hi's.
    uint64_t bits_lo = 0, bits_hi = 0;
    for (int k = 0; k < present; ++k) {
      uint32_t qh;
      std::memcpy(&qh, b + k * kBytes + offsetof(BlockQ5_0, qh), 4);
      bits_lo |= static_cast<uint64_t>(qh & 0xffff) << (16 * k);
      bits_hi |= static_cast<uint64_t>(qh >> 16) << (16 * k);
    }
    const __m512i sixteen = _mm512_set1_epi8(16);
    *lo = _mm512_mask_add_epi8(*lo, bits_lo, *lo, sixteen);
    *hi = _mm512_mask_add_epi8(*hi, bits_hi, *hi, sixteen);
  }
};

// Four blocks' weights from b in the quad layout, signed, for a 32-value block type
// (W::Load(b): a block's 32 values) or a quad loader (W::kBias).
template <typename W>
inline void SignedQuad(const uint8_t* b, int present, __m512i* lo, __m512i* hi) {
  if constexpr (requires { W::kBias; }) {
    W::Load(b, present, lo, hi);
    const __m512i bias = _mm512_set1_epi8(static_cast<char>(W::kBias));
    *lo = _mm512_sub_epi8(*lo, bias);
    *hi = _mm512_sub_epi8(*hi, bias);
  } else {
    __m256i v[4];
    for (int k = 0; k < 4; ++k) v[k] = k < present ? W::Load(b + k * W::kBytes) : _mm256_setzero_si256();
    Quad(v[0], v[1], v[2], v[3], lo, hi);
  }
}

// Rows r < R of w (stride w_stride) against tokens t < T of `tokens`:
// y[t * y_stride + r].
template <typename W, int R, int T>
void Step(const uint8_t* w, size_t w_stride, const QuadTokens& tokens, int64_t n, float* y, size_t y_stride) {
  const int64_t blocks = n / 32;
  const __m512i k128 = _mm512_set1_epi8(static_cast<char>(0x80));
  __m512 acc[R][T];
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) acc[r][t] = _mm512_setzero_ps();
  }
  for (size_t g = 0; g < tokens.quads; ++g) {
    const int64_t i0 = 4 * static_cast<int64_t>(g);
    __m512i lo[R], hi[R], seed[R];
    __m512 wd[R];
    for (int r = 0; r < R; ++r) {
      const uint8_t* b = w + r * w_stride + i0 * W::kBytes;
      const int present = static_cast<int>(std::min<int64_t>(4, blocks - i0));
      uint16_t h[4];
      for (int k = 0; k < 4; ++k) h[k] = k < present ? Load16(b + k * W::kBytes) : uint16_t{0};
      SignedQuad<W>(b, present, &lo[r], &hi[r]);
      // sum((x + 128) * w) - 128 * sum(w) = sum(x * w), per 32-bit word.
      const __m512i excess = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), k128, lo[r]), k128, hi[r]);
      seed[r] = _mm512_sub_epi32(_mm512_setzero_si512(), excess);
      wd[r] = QuadScales(_mm_cvtph_ps(_mm_setr_epi16(static_cast<short>(h[0]), static_cast<short>(h[1]),
                                                     static_cast<short>(h[2]), static_cast<short>(h[3]), 0, 0, 0, 0)));
    }
    for (int t = 0; t < T; ++t) {
      const QuadTokens::Quad64& x = tokens.q[t * tokens.quads + g];
      const __m512i xlo = _mm512_load_si512(x.lo), xhi = _mm512_load_si512(x.hi);
      const __m512 xd = _mm512_load_ps(x.d);
      for (int r = 0; r < R; ++r) {
        const __m512i dot = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(seed[r], xlo, lo[r]), xhi, hi[r]);
        acc[r][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_mul_ps(wd[r], xd), acc[r][t]);
      }
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) y[t * y_stride + r] = _mm512_reduce_add_ps(acc[r][t]);
  }
}

// Step for the rows and tokens left at the edges (fewer than kRows, kTokens).
template <typename W, int R, int T>
void StepOf(int rows, int toks, const uint8_t* w, size_t w_stride, const QuadTokens& tokens, int64_t n, float* y,
            size_t y_stride) {
  if constexpr (R > 1) {
    if (rows < R) return StepOf<W, R - 1, T>(rows, toks, w, w_stride, tokens, n, y, y_stride);
  }
  if constexpr (T > 1) {
    if (toks < T) return StepOf<W, R, T - 1>(rows, toks, w, w_stride, tokens, n, y, y_stride);
  }
  Step<W, R, T>(w, w_stride, tokens, n, y, y_stride);
}

// TileFn (kernels.h). The tokens go kTokens at a time (their rewritten activations, a
// few KB each, stay in L1) past the chunk's rows (in L2).
template <typename W>
void QuadTile(const uint8_t* w, size_t w_stride, int64_t n_rows, const uint8_t* act, size_t act_stride,
              int64_t n_tok, float* y, size_t y_stride, int64_t n) {
  thread_local QuadTokens tokens;
  for (int64_t t0 = 0; t0 < n_tok; t0 += kTokens) {
    const int toks = static_cast<int>(std::min<int64_t>(kTokens, n_tok - t0));
    tokens.Fill(act + t0 * act_stride, act_stride, toks, n);
    for (int64_t r0 = 0; r0 < n_rows; r0 += kRows) {
      const int rows = static_cast<int>(std::min<int64_t>(kRows, n_rows - r0));
      StepOf<W, kRows, kTokens>(rows, toks, w + r0 * w_stride, w_stride, tokens, n, y + t0 * y_stride + r0,
                                y_stride);
    }
  }
}

// ---- Q4_K / Q5_K (activations Q8_K) ----
//
// The same idea over a 256-value superblock: its 8 sub-blocks of 32 go into four
// registers (sub-blocks 0-3 values 0-15, 0-3 values 16-31, 4-7 values 0-15, 4-7 values
// 16-31), so the VNNI dots of a sub-block's two halves add up as integers in its lane.
// The weights' values are unsigned (0-15, or 0-31 with Q5_K's 5th bit): VNNI's unsigned
// operand as they are. The two registers' sums (each at most 8 * 31 * 128 in magnitude)
// pack to 16 bits, and one multiply-add by the sub-blocks' scales gives the superblock's
// sums. Per row-token pair and superblock: four dots, a pack, a multiply-add, a
// conversion and an FMA, where K4Kernel's maddubs/dpwssd pairs spent eight multiplies.
// The minimums' term is one dot per row-token pair after the loop, over the tokens'
// block sums gathered once per pass. Measured on the AMD EPYC (2048 x 5632, 64 tokens, one
// thread): 75 -> 86-90 GMAC/s; 1.1B Q4_K prompts about 5 % faster.

// 64-value chunks c and c+1 (each: sub-block 2c's 32 values, then 2c+1's) into the lane
// layout of their four sub-blocks: lo holds values 0-15 of each, hi values 16-31.
inline void SubBlockLanes(__m512i c0, __m512i c1, __m512i* lo, __m512i* hi) {
  *lo = _mm512_shuffle_i64x2(c0, c1, _MM_SHUFFLE(2, 0, 2, 0));
  *hi = _mm512_shuffle_i64x2(c0, c1, _MM_SHUFFLE(3, 1, 3, 1));
}

// The Q8_K activations of up to kTokens tokens in the lane layout.
struct SuperTokens {
  struct alignas(64) Super {
    uint8_t q[4][64];
  };
  std::vector<Super> q;      // token t, superblock s at q[t * supers + s]
  std::vector<float> d;      // their scales, token-minor: d[s * kTokens + t]
  std::vector<float> dsums;  // token t's d * (sum of sub-block j) at dsums[t * sums + 8 * s + j]
  size_t supers = 0, sums = 0;  // sums: 8 per superblock, padded with zeros to 16

  void Fill(const uint8_t* act, size_t act_stride, int n_tok, int64_t n) {
    supers = static_cast<size_t>(n / kQK_K);
    sums = (8 * supers + 15) / 16 * 16;
    q.resize(supers * kTokens);
    d.assign(supers * kTokens, 0.0f);
    dsums.assign(sums * kTokens, 0.0f);
    for (int t = 0; t < n_tok; ++t) {
      const auto* a = reinterpret_cast<const ActBlockQ8_K*>(act + t * act_stride);
      for (size_t s = 0; s < supers; ++s) {
        __m512i x[4], lanes[4];
        for (int c = 0; c < 4; ++c) x[c] = _mm512_loadu_si512(a[s].q.qs + 64 * c);
        SubBlockLanes(x[0], x[1], &lanes[0], &lanes[1]);
        SubBlockLanes(x[2], x[3], &lanes[2], &lanes[3]);
        for (int k = 0; k < 4; ++k) _mm512_store_si512(q[t * supers + s].q[k], lanes[k]);
        d[s * kTokens + t] = a[s].q.d;
        std::memcpy(&dsums[t * sums + 8 * s], a[s].dsums, sizeof a[s].dsums);
      }
    }
  }
};

// One row against tokens t < T: y[t * y_stride]. `mins`: room for tokens.sums floats.
template <bool kFive, int T>
void SuperStep(const uint8_t* w, const SuperTokens& tokens, float* y, size_t y_stride, float* mins) {
  static_assert(kTokens == 8, "the row's scale times the tokens' is one 256-bit multiply");
  using Block = std::conditional_t<kFive, BlockQ5_K, BlockQ4_K>;
  // After the pack, 128-bit lane L holds 4 sums of sub-block L, then 4 of sub-block L + 4.
  const __m512i spread = _mm512_set_epi16(7, 7, 7, 7, 3, 3, 3, 3, 6, 6, 6, 6, 2, 2, 2, 2, 5, 5, 5, 5, 1, 1, 1, 1, 4, 4, 4, 4,
                                          0, 0, 0, 0);
  __m512 acc[T];
  for (int t = 0; t < T; ++t) acc[t] = _mm512_setzero_ps();
  for (size_t s = 0; s < tokens.supers; ++s, w += sizeof(Block)) {
    const float d = Half(Load16(w + offsetof(Block, d))), dmin = Half(Load16(w + offsetof(Block, dmin)));
    const __m128i sc_m = ScalesMinsK4(w + offsetof(Block, scales));
    const __m512i scale = _mm512_permutexvar_epi16(spread, _mm512_cvtepu8_epi16(_mm256_castsi128_si256(sc_m)));
    _mm256_storeu_ps(mins + 8 * s, _mm256_mul_ps(_mm256_set1_ps(dmin),
                                                 _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(sc_m, 8)))));
    __m512i chunk[4], lanes[4];
    for (int c = 0; c < 4; ++c) chunk[c] = Nibbles64(w + offsetof(Block, qs) + 32 * c);
    if constexpr (kFive) {
      const __m512i h = Q5KHighBits(w);
      for (int c = 0; c < 4; ++c) chunk[c] = AddFifthBits(chunk[c], h, c);
    }
    SubBlockLanes(chunk[0], chunk[1], &lanes[0], &lanes[1]);
    SubBlockLanes(chunk[2], chunk[3], &lanes[2], &lanes[3]);
    alignas(32) float dd[kTokens];
    _mm256_store_ps(dd, _mm256_mul_ps(_mm256_set1_ps(d), _mm256_loadu_ps(&tokens.d[s * kTokens])));
    for (int t = 0; t < T; ++t) {
      const SuperTokens::Super& x = tokens.q[t * tokens.supers + s];
      const __m512i zero = _mm512_setzero_si512();
      const __m512i lo = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(zero, lanes[0], _mm512_load_si512(x.q[0])), lanes[1],
                                             _mm512_load_si512(x.q[1]));
      const __m512i hi = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(zero, lanes[2], _mm512_load_si512(x.q[2])), lanes[3],
                                             _mm512_load_si512(x.q[3]));
      const __m512i sums = _mm512_madd_epi16(_mm512_packs_epi32(lo, hi), scale);
      acc[t] = _mm512_fmadd_ps(_mm512_set1_ps(dd[t]), _mm512_cvtepi32_ps(sums), acc[t]);
    }
  }
  for (int t = 0; t < T; ++t) {
    const float* dsums = &tokens.dsums[t * tokens.sums];
    for (size_t i = 0; i < tokens.sums; i += 16) {
      acc[t] = _mm512_fnmadd_ps(_mm512_loadu_ps(mins + i), _mm512_loadu_ps(dsums + i), acc[t]);
    }
    y[t * y_stride] = _mm512_reduce_add_ps(acc[t]);
  }
}

template <bool kFive, int T>
void SuperStepOf(int toks, const uint8_t* w, const SuperTokens& tokens, float* y, size_t y_stride, float* mins) {
  if constexpr (T > 1) {
    if (toks < T) return SuperStepOf<kFive, T - 1>(toks, w, tokens, y, y_stride, mins);
  }
  SuperStep<kFive, T>(w, tokens, y, y_stride, mins);
}

// TileFn (kernels.h), one row at a time (two rows per step measured slower: 80 against
// 90 GMAC/s).
template <bool kFive>
void SuperTile(const uint8_t* w, size_t w_stride, int64_t n_rows, const uint8_t* act, size_t act_stride,
               int64_t n_tok, float* y, size_t y_stride, int64_t n) {
  thread_local SuperTokens tokens;
  thread_local std::vector<float> mins;
  for (int64_t t0 = 0; t0 < n_tok; t0 += kTokens) {
    const int toks = static_cast<int>(std::min<int64_t>(kTokens, n_tok - t0));
    tokens.Fill(act + t0 * act_stride, act_stride, toks, n);
    mins.assign(tokens.sums, 0.0f);  // the padding stays zero
    for (int64_t r = 0; r < n_rows; ++r) {
      SuperStepOf<kFive, kTokens>(toks, w + r * w_stride, tokens, y + t0 * y_stride + r, y_stride, mins.data());
    }
  }
}

}  // namespace
}  // namespace strata::genai::internal
