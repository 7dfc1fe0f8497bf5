// AVX-512 (F, BW, DQ, VL) + VNNI kernels for every weight type; Q2_K and Q3_K only for
// generation (the AVX2 set serves their row dots and prompts). This file alone is
// compiled with those instruction sets; it is only entered after kernels.cpp has
// checked the CPU and the OS.
//
// Each kernel multiplies one weight row with kT activation rows at once, so a weight
// block is loaded and unpacked once for kT tokens; the row dot is kT = 1.
//
// Hand-written: no Debian 12 package provides dot products over GGUF block types.
#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <type_traits>

#include "genai/kernels.h"
#include "genai/kernels_avx512_blocks.h"
#include "genai/kernels_avx512_gemm.h"
#include "genai/kernels_avx512_gemv.h"
#include "genai/kernels_avx512_math.h"
#include "genai/kernels_tile.h"
#include "genai/quant_blocks.h"

namespace strata::genai::internal {

bool AttendAvx512(const float* q, int n_q, const float* k, const float* v, size_t stride,
                  int n_keys, int head_dim, float scale, float softcap, float* scores,
                  float* out);  // kernels_avx512_attention.cpp

namespace {

// ---- float weights (activations f32) ----

// Loads 16 weights as floats; n_left < 16 loads that many and zeros the rest.
struct F32Weights {
  static __m256 Load8(const uint8_t* w, int64_t i, __mmask8 m) {
    return _mm256_maskz_loadu_ps(m, reinterpret_cast<const float*>(w) + i);
  }
  static __m512 Load(const uint8_t* w, int64_t i) {
    return _mm512_loadu_ps(reinterpret_cast<const float*>(w) + i);
  }
  static __m512 LoadTail(const uint8_t* w, int64_t i, __mmask16 m) {
    return _mm512_maskz_loadu_ps(m, reinterpret_cast<const float*>(w) + i);
  }
};
struct F16Weights {
  static __m256 Load8(const uint8_t* w, int64_t i, __mmask8 m) {
    return _mm256_cvtph_ps(_mm_maskz_loadu_epi16(m, w + 2 * i));
  }
  static __m512 Load(const uint8_t* w, int64_t i) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 2 * i)));
  }
  static __m512 LoadTail(const uint8_t* w, int64_t i, __mmask16 m) {
    return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, w + 2 * i));
  }
};

struct BF16Weights {  // bf16 is the top half of a float32: widen and shift
  static __m256 Load8(const uint8_t* w, int64_t i, __mmask8 m) {
    const __m128i h = _mm_maskz_loadu_epi16(m, w + 2 * i);
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
  }
  static __m512 Load(const uint8_t* w, int64_t i) {
    const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 2 * i));
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
  }
  static __m512 LoadTail(const uint8_t* w, int64_t i, __mmask16 m) {
    return _mm512_castsi512_ps(
        _mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, w + 2 * i)), 16));
  }
};

template <typename W>
struct FloatKernel {
  template <int kT>
  static void Dot(const uint8_t* w, const uint8_t* act, size_t stride, float* out, int64_t n);
};

// One token: 256-bit FMAs, four accumulators. Measured faster than 512-bit ones on the
// short rows of small models, where the zmm version lost 10% of generation speed.
template <typename W>
float DotOne(const uint8_t* w, const float* x, int64_t n) {
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                   _mm256_setzero_ps()};
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    for (int u = 0; u < 4; ++u) {
      acc[u] =
          _mm256_fmadd_ps(W::Load8(w, i + 8 * u, 0xff), _mm256_loadu_ps(x + i + 8 * u), acc[u]);
    }
  }
  for (; i < n; i += 8) {
    const __mmask8 m = n - i >= 8 ? __mmask8(0xff) : static_cast<__mmask8>((1u << (n - i)) - 1);
    acc[0] = _mm256_fmadd_ps(W::Load8(w, i, m), _mm256_maskz_loadu_ps(m, x + i), acc[0]);
  }
  return HorizontalSum(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
}

template <typename W>
template <int kT>
void FloatKernel<W>::Dot(const uint8_t* w, const uint8_t* act, size_t stride, float* out,
                         int64_t n) {
  if constexpr (kT == 1) {
    out[0] = DotOne<W>(w, reinterpret_cast<const float*>(act), n);
    return;
  }
  constexpr int kU = 1;
  __m512 acc[kT][kU];
  for (int t = 0; t < kT; ++t) {
    for (int u = 0; u < kU; ++u) acc[t][u] = _mm512_setzero_ps();
  }
  int64_t i = 0;
  for (; i + 16 * kU <= n; i += 16 * kU) {
    for (int u = 0; u < kU; ++u) {
      const __m512 wv = W::Load(w, i + 16 * u);
      for (int t = 0; t < kT; ++t) {
        const float* x = Act<float>(act, stride, t) + i + 16 * u;
        acc[t][u] = _mm512_fmadd_ps(wv, _mm512_loadu_ps(x), acc[t][u]);
      }
    }
  }
  for (; i < n; i += 16) {
    const __mmask16 m =
        n - i >= 16 ? __mmask16(0xffff) : static_cast<__mmask16>((1u << (n - i)) - 1);
    const __m512 wv = W::LoadTail(w, i, m);
    for (int t = 0; t < kT; ++t) {
      const float* x = Act<float>(act, stride, t) + i;
      acc[t][0] = _mm512_fmadd_ps(wv, _mm512_maskz_loadu_ps(m, x), acc[t][0]);
    }
  }
  for (int t = 0; t < kT; ++t) {
    for (int u = 1; u < kU; ++u) acc[t][0] = _mm512_add_ps(acc[t][0], acc[t][u]);
    out[t] = _mm512_reduce_add_ps(acc[t][0]);
  }
}

// ---- 32-element blocks with signed weights (Q8_0, Q4_0; activations Q8_0) ----

// VNNI multiplies unsigned by signed bytes: take |w| and move w's sign onto x.
inline __m256i DotI8(__m256i abs_w, __m256i w, __m256i x) {
  return _mm256_dpbusd_epi32(_mm256_setzero_si256(), abs_w, _mm256_sign_epi8(x, w));
}


template <typename W>
struct Blocks32Kernel {
  // One token streams the weights: a prefetch per block, a few KB ahead, keeps more
  // loads in flight than a burst per row does (TileGroup's), which stalled on full fill
  // buffers before each row. Measured side by side on 1.1B models: Q8_0 generation
  // +16 % on one thread, +2-4 % on two; Q4_0 +12 % on one. (The K-quants' kernels do the
  // same: Q6_KKernel, K4GenRow.) Distance, AMD EPYC with the model in 2 MiB pages, Q8_0
  // on one thread: 3 KB 21.9 tokens/s, 6 KB 23.6-23.9, 8 KB 22.3-22.7.
  static constexpr size_t kPrefetchAheadBytes = 6144;
  template <int kT>
  static void Dot(const uint8_t* w, const uint8_t* act, size_t stride, float* out, int64_t n);
};

template <typename W>
template <int kT>
void Blocks32Kernel<W>::Dot(const uint8_t* w, const uint8_t* act, size_t stride, float* out,
                            int64_t n) {
  __m256 acc[kT];
  for (int t = 0; t < kT; ++t) acc[t] = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / 32; ++i, w += W::kBytes) {
    // Past the last row it names memory that may not exist: a prefetch never faults.
    if constexpr (kT == 1) _mm_prefetch(reinterpret_cast<const char*>(w + kPrefetchAheadBytes), _MM_HINT_T0);
    const float dw = Half(Load16(w));
    const __m256i qw = W::Load(w);
    const __m256i aw = _mm256_abs_epi8(qw);
    for (int t = 0; t < kT; ++t) {
      const ActBlockQ8_0& a = Act<ActBlockQ8_0>(act, stride, t)[i];
      const __m256i qa = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.qs));
      acc[t] =
          _mm256_fmadd_ps(_mm256_set1_ps(dw * a.d), _mm256_cvtepi32_ps(DotI8(aw, qw, qa)), acc[t]);
    }
  }
  for (int t = 0; t < kT; ++t) out[t] = HorizontalSum(acc[t]);
}

// Weights with a minimum (x = d*q + m, q unsigned): sum(x*y) = d*dy*sum(q*qy) + m*s per
// block, s = dy*sum(qy) from the Q8_1 activations. VNNI takes unsigned q as it is.
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
        const __m256i qa = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.qs));
        const __m256i dot = _mm256_dpbusd_epi32(_mm256_setzero_si256(), qw, qa);
        acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(dw * a.d), _mm256_cvtepi32_ps(dot), acc[t]);
        acc_m[t] += mw * a.s;
      }
    }
    for (int t = 0; t < kT; ++t) out[t] = HorizontalSum(acc[t]) + acc_m[t];
  }
};

// ---- K-quants (activations Q8_K) ----

// Int16 lanes: the first 16 hold scale s[2c], the next 16 s[2c+1], for the 64 values of
// 32-element sub-blocks 2c and 2c+1 after maddubs. `s` holds 8 scales as int16.
inline __m512i PairScales(__m128i s, int c) {
  const __m512i idx =
      _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set1_epi16(static_cast<short>(2 * c))),
                         _mm256_set1_epi16(static_cast<short>(2 * c + 1)), 1);
  return _mm512_permutexvar_epi16(idx, _mm512_castsi128_si512(s));
}

// Q4_K/Q5_K: x = d*sc*q - dmin*m per 32-element sub-block. The row dot only: generation
// has K4Gen (kernels_avx512_gemv.h), prompts SuperTile.
template <bool kFive>
struct K4Kernel {
  template <int kT>
  static void Dot(const uint8_t* w, const uint8_t* act, size_t stride, float* out, int64_t n);
};

template <bool kFive>
template <int kT>
void K4Kernel<kFive>::Dot(const uint8_t* w, const uint8_t* act, size_t stride, float* out,
                          int64_t n) {
  using Block = std::conditional_t<kFive, BlockQ5_K, BlockQ4_K>;
  __m512 acc[kT];
  __m256 acc_min[kT];
  for (int t = 0; t < kT; ++t) {
    acc[t] = _mm512_setzero_ps();
    acc_min[t] = _mm256_setzero_ps();
  }
  for (int64_t i = 0; i < n / kQK_K; ++i, w += sizeof(Block)) {
    const float d = Half(Load16(w + offsetof(Block, d))),
                dmin = Half(Load16(w + offsetof(Block, dmin)));
    const __m128i sc_m = ScalesMinsK4(w + offsetof(Block, scales));
    const __m128i sc16 = _mm_cvtepu8_epi16(sc_m);
    // dmin * m_j, to meet the activations' d * (sum of sub-block j).
    const __m256 mins = _mm256_mul_ps(
        _mm256_set1_ps(dmin), _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(sc_m, 8))));
    __m512i q[4], scale[4];
    for (int c = 0; c < 4; ++c) {
      q[c] = Nibbles64(w + offsetof(Block, qs) + 32 * c);
      scale[c] = PairScales(sc16, c);
    }
    if constexpr (kFive) {
      const __m512i h = Q5KHighBits(w);
      for (int c = 0; c < 4; ++c) q[c] = AddFifthBits(q[c], h, c);
    }
    for (int t = 0; t < kT; ++t) {
      const ActBlockQ8_K& a = Act<ActBlockQ8_K>(act, stride, t)[i];
      __m512i sumi = _mm512_setzero_si512();
      for (int c = 0; c < 4; ++c) {
        const __m512i y = _mm512_loadu_si512(a.q.qs + 64 * c);
        sumi = _mm512_dpwssd_epi32(sumi, _mm512_maddubs_epi16(q[c], y), scale[c]);
      }
      acc[t] = _mm512_fmadd_ps(_mm512_set1_ps(d * a.q.d), _mm512_cvtepi32_ps(sumi), acc[t]);
      acc_min[t] = _mm256_fmadd_ps(mins, _mm256_loadu_ps(a.dsums), acc_min[t]);
    }
  }
  for (int t = 0; t < kT; ++t) out[t] = _mm512_reduce_add_ps(acc[t]) - HorizontalSum(acc_min[t]);
}

// Int16 lanes: 128-bit lane k holds s[first + k] (s: 16 scales as int16), for the four
// 16-value sub-blocks of 64 values after maddubs.
inline __m512i LaneScales(__m256i s, int first) {
  constexpr long long k = 0x0001000100010001LL;  // 1 in each int16 of a 64-bit lane
  const __m512i idx = _mm512_add_epi16(_mm512_set1_epi16(static_cast<short>(first)),
                                       _mm512_set_epi64(3 * k, 3 * k, 2 * k, 2 * k, k, k, 0, 0));
  return _mm512_permutexvar_epi16(idx, _mm512_castsi256_si512(s));
}

// Q6_K: x = d*sc*(q - 32) per 16-element sub-block, q = 4 bits of ql | 2 bits of qh << 4.
// q is kept unsigned; the -32 comes back through the activation sums.
struct Q6_KKernel {
  // Prefetched as Blocks32Kernel's: 1.1B Q6_K generation on the AMD EPYC 20.1 -> 22.6 tokens/s on one
  // thread, 27.0 -> 34.1 on two (3 KB ahead: 22.1 and 32.8), 2 KB ahead. With the model in
  // 2 MiB pages: 2 KB 22.9-23.5 (two threads 36.5-38.4), 6 KB 24.7-25.2, 8 KB 25.1-25.8 (38.8-39.8).
  static constexpr size_t kPrefetchAheadBytes = 8192;
  template <int kT>
  static void Dot(const uint8_t* w, const uint8_t* act, size_t stride, float* out, int64_t n);
};

template <int kT>
void Q6_KKernel::Dot(const uint8_t* w, const uint8_t* act, size_t stride, float* out, int64_t n) {
  __m512 acc[kT];
  for (int t = 0; t < kT; ++t) acc[t] = _mm512_setzero_ps();
  for (int64_t i = 0; i < n / kQK_K; ++i, w += sizeof(BlockQ6_K)) {
    if constexpr (kT == 1) PrefetchLines<sizeof(BlockQ6_K)>(w + kPrefetchAheadBytes);
    const float d = Half(Load16(w + offsetof(BlockQ6_K, d)));
    const __m128i sc8 =
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(w + offsetof(BlockQ6_K, scales)));
    const __m256i sc16 = _mm256_cvtepi8_epi16(sc8);
    // q[v] holds values 64v..64v+63, four sub-blocks of 16; scale[v] their scales,
    // one per 128-bit lane.
    __m512i q[4], scale[4];
    Q6KValues(w, q);
    for (int v = 0; v < 4; ++v) scale[v] = LaneScales(sc16, 4 * v);
    for (int t = 0; t < kT; ++t) {
      const BlockQ8_K& a = Act<ActBlockQ8_K>(act, stride, t)[i].q;
      __m512i sumi = _mm512_setzero_si512();
      for (int v = 0; v < 4; ++v) {
        const __m512i y = _mm512_loadu_si512(a.qs + 64 * v);
        sumi = _mm512_dpwssd_epi32(sumi, _mm512_maddubs_epi16(q[v], y), scale[v]);
      }
      const __m256i bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.bsums));
      const __m256i offset = _mm256_slli_epi32(_mm256_madd_epi16(bsums, sc16), 5);
      sumi = _mm512_sub_epi32(sumi, _mm512_zextsi256_si512(offset));
      acc[t] = _mm512_fmadd_ps(_mm512_set1_ps(d * a.d), _mm512_cvtepi32_ps(sumi), acc[t]);
    }
  }
  for (int t = 0; t < kT; ++t) out[t] = _mm512_reduce_add_ps(acc[t]);
}

// ---- the feed-forward's gate ----

inline __mmask16 FirstLanes(int64_t left) {
  return left >= 16 ? __mmask16(0xffff) : static_cast<__mmask16>((1u << left) - 1);
}

void SiluMul(float* g, const float* u, int64_t n) {
  const __m512 one = _mm512_set1_ps(1.f);
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = FirstLanes(n - i);
    const __m512 x = _mm512_maskz_loadu_ps(m, g + i);
    const __m512 silu = _mm512_div_ps(x, _mm512_add_ps(one, Exp16(_mm512_sub_ps(_mm512_setzero_ps(), x))));
    _mm512_mask_storeu_ps(g + i, m, _mm512_mul_ps(silu, _mm512_maskz_loadu_ps(m, u + i)));
  }
}

// 0.5 x (1 + tanh(y)) = x / (1 + e^(-2y)): no cancellation where tanh(y) nears -1.
void GeluMul(float* g, const float* u, int64_t n) {
  const __m512 one = _mm512_set1_ps(1.f);
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = FirstLanes(n - i);
    const __m512 x = _mm512_maskz_loadu_ps(m, g + i);
    const __m512 inner = _mm512_fmadd_ps(_mm512_mul_ps(x, x), _mm512_set1_ps(0.044715f), one);
    const __m512 minus_2y = _mm512_mul_ps(_mm512_mul_ps(x, inner), _mm512_set1_ps(-2.f * 0.7978845608028654f));
    const __m512 gelu = _mm512_div_ps(x, _mm512_add_ps(one, Exp16(minus_2y)));
    _mm512_mask_storeu_ps(g + i, m, _mm512_mul_ps(gelu, _mm512_maskz_loadu_ps(m, u + i)));
  }
}

// kT: tokens per pass of the tile (measured best): 8 for 8-bit activations, 4 for
// float ones, whose 8 rows would no longer fit in L1.
template <typename Kernel, int kT>
constexpr TypeKernel K(ActFormat act) {
  return {act, RowDotOf<Kernel>, "avx512", TileOf<Kernel, kT>, kT};
}
// Types with a prompt tile (kernels_avx512_gemm.h): QuadTile for the 32-value signed
// blocks, SuperTile for Q4_K/Q5_K. Generation (fewer than kFewTokens tokens) goes through
// kFew: the row kernel's tile, which prefetches the weights it streams, or a generation
// tile (kernels_avx512_gemv.h: Q4_K, Q5_K, Q4_0, Q5_0; Q2_K and Q3_K through OnlyFew).
template <typename RowKernel, TileFn kPrompt, TileFn kFew = TileOf<RowKernel, 8>>
constexpr TypeKernel WithPromptTile(ActFormat act) {
  TypeKernel k{act, RowDotOf<RowKernel>, "avx512", kPrompt, kTokens};
  k.few = kFew;
  return k;
}
// Only a generation tile: the row dot and the prompt tile come from the AVX2 set.
constexpr TypeKernel OnlyFew(TileFn few) {
  TypeKernel k;
  k.few = few;
  return k;
}

// Empty entries fall back to the AVX2 set.
const KernelSet kAvx512 = {
    .name = "avx512",
    .dot_f32 = nullptr,  // the AVX2 one: attention's vectors are short
    .axpy_f32 = nullptr,
    .attend = AttendAvx512,
    .silu_mul = SiluMul,
    .gelu_mul = GeluMul,
    .f32 = K<FloatKernel<F32Weights>, 4>(ActFormat::kF32),
    .f16 = K<FloatKernel<F16Weights>, 4>(ActFormat::kF32),
    .bf16 = K<FloatKernel<BF16Weights>, 4>(ActFormat::kF32),
    .q4_0 = WithPromptTile<Blocks32Kernel<Q4_0Weights>, QuadTile<Q4_0Quad>, GenTile<QuadGen<Q4_0Quad>>>(ActFormat::kQ8_0),
    .q4_1 = K<MinBlocksKernel<Q4_1Weights>, 8>(ActFormat::kQ8_1),
    .q5_0 = WithPromptTile<Blocks32Kernel<Q5_0Weights>, QuadTile<Q5_0Quad>, GenTile<QuadGen<Q5_0Quad>>>(ActFormat::kQ8_0),
    .q5_1 = K<MinBlocksKernel<Q5_1Weights>, 8>(ActFormat::kQ8_1),
    .q8_0 = WithPromptTile<Blocks32Kernel<Q8_0Weights>, QuadTile<Q8_0Weights>>(ActFormat::kQ8_0),
    .q2_k = OnlyFew(GenTile<Bits2Gen<false>>),
    .q3_k = OnlyFew(GenTile<Bits2Gen<true>>),
    .q4_k = WithPromptTile<K4Kernel<false>, SuperTile<false>, GenTile<K4Gen<false>>>(ActFormat::kQ8_K),
    .q5_k = WithPromptTile<K4Kernel<true>, SuperTile<true>, GenTile<K4Gen<true>>>(ActFormat::kQ8_K),
    .q6_k = K<Q6_KKernel, 8>(ActFormat::kQ8_K),
};

}  // namespace

const KernelSet* Avx512KernelsImpl() {
  return &kAvx512;
}

}  // namespace strata::genai::internal
