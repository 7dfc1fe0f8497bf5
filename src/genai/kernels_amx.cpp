// AMX-INT8 tiles for prompt processing (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K
// weights).
// This file alone is compiled with AMX (and AVX-512) enabled; it is only entered after
// kernels.cpp has checked the CPU, the OS, and obtained Linux's tile permission.
//
// One tile multiply (TDPBSSD) takes 16 weight rows x 32 values (A) and 32 values x 16
// tokens (B) in signed 8-bit integers and adds 256 dot products to 16 x 16 int32 (C):
// 8,192 multiply-adds in one instruction, against 32 per VNNI instruction. Every GGUF
// type here has one scale per 32 values (K-quants: per sub-block of 32; Q6_K: of 16, which
// takes half-depth tiles), so each C is turned to float and scaled after every multiply:
//   y[t][r] += scale[r] * d[t] * C[r][t] + min[r] * dsum[t]
// where x = scale * q + min is the weight's block form and dsum[t] = d[t] * sum(q[t]).
// The weights are unpacked to int8 rows once per chunk of rows (in the mapped file
// they stay as they are); the activations are laid out in B's form once per MatMul.
//
// Hand-written: no Debian 12 package provides matrix products over GGUF block types.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "genai/kernels.h"
#include "genai/kernels_avx512_blocks.h"
#include "genai/quant_blocks.h"

namespace strata::genai::internal {
namespace {

constexpr int kG = kAmxGroup;  // weight rows and tokens per tile

// One sub-block of kS values (32; Q6_K: 16) of a group of 16 tokens: B in the layout
// AMX takes (row k holds, for token t, values 4k..4k+3 at bytes 4t..4t+3), each token's
// scale and d * sum(q).
template <int kS>
struct PackedSub {
  int8_t b[kS / 4][4 * kG];
  float d[kG];
  float dsum[kG];
};
static_assert(sizeof(PackedSub<32>) == 640 && sizeof(PackedSub<16>) == 384);

// ---- activations: where each format keeps its values, scale and 32-value sums ----

struct ActQ8_0 {  // ActBlockQ8_0: no sum (its weights have no minimum)
  static constexpr size_t kBytes = sizeof(ActBlockQ8_0), kValues = 32, kD = 0, kQs = 4;
  static constexpr int kSum = -1;
};
struct ActQ8_1 {  // ActBlockQ8_1: s = d * sum(q)
  static constexpr size_t kBytes = sizeof(ActBlockQ8_1), kValues = 32, kD = 0, kQs = 8;
  static constexpr int kSum = 4;
};
struct ActQ8_K {  // ActBlockQ8_K: one d per 256 values, dsums per 32
  static constexpr size_t kBytes = sizeof(ActBlockQ8_K), kValues = 256, kD = 0, kQs = 4;
  static constexpr int kSum = offsetof(ActBlockQ8_K, dsums);
};

inline float LoadFloat(const uint8_t* p) {
  float v;
  std::memcpy(&v, p, 4);
  return v;
}

// kSums: the weights have a minimum, so their sub-blocks (of 32) need the sums.
template <typename A, int kS, bool kSums>
void Pack(const uint8_t* act, size_t stride, int64_t n, uint8_t* out) {
  static_assert(!kSums || (kS == 32 && A::kSum >= 0));
  auto* p = reinterpret_cast<PackedSub<kS>*>(out);
  constexpr int64_t kSubsPerBlock = A::kValues / kS;
  for (int64_t j = 0; j < n / kS; ++j, ++p) {
    const size_t block = static_cast<size_t>(j / kSubsPerBlock) * A::kBytes;
    const size_t sub = static_cast<size_t>(j % kSubsPerBlock);
    for (int t = 0; t < kG; ++t) {
      const uint8_t* a = act + t * stride + block;
      p->d[t] = LoadFloat(a + A::kD);
      p->dsum[t] = kSums ? LoadFloat(a + A::kSum + 4 * sub) : 0.f;
      uint32_t v[kS / 4];
      std::memcpy(v, a + A::kQs + kS * sub, kS);
      for (int k = 0; k < kS / 4; ++k) std::memcpy(&p->b[k][4 * t], &v[k], 4);
    }
  }
}

// ---- weights: one row to int8 values q with x = scale * q + min per sub-block ----
// Row(w, n, q, scale, min): writes q[0..n), scale[16 * j] and min[16 * j] for each
// sub-block j of kSub values (the caller offsets scale/min by the row's place in its
// group of 16).

// The 32-value block types, through the block decoders the AVX-512 kernels use.
template <typename W, bool kWithMin>
struct Blocks32Rows {
  static constexpr int kSub = 32;
  static constexpr bool kMins = kWithMin;
  static void Row(const uint8_t* w, int64_t n, int8_t* q, float* scale, float* min) {
    for (int64_t j = 0; j < n / 32; ++j, w += W::kBytes) {
      scale[kG * j] = Half(Load16(w));
      if constexpr (kWithMin) min[kG * j] = Half(Load16(w + 2));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(q + 32 * j), W::Load(w));
    }
  }
};

// Q4_K/Q5_K: x = d*sc*q - dmin*m per 32-value sub-block.
template <bool kFive>
struct K4Rows {
  static constexpr int kSub = 32;
  static constexpr bool kMins = true;
  static void Row(const uint8_t* w, int64_t n, int8_t* q, float* scale, float* min) {
    using Block = std::conditional_t<kFive, BlockQ5_K, BlockQ4_K>;
    for (int64_t i = 0; i < n / kQK_K; ++i, w += sizeof(Block), q += kQK_K) {
      const float d = Half(Load16(w + offsetof(Block, d))),
                  dmin = Half(Load16(w + offsetof(Block, dmin)));
      uint8_t scm[16];
      UnpackScalesMinsK4(w + offsetof(Block, scales), scm);
      for (int j = 0; j < 8; ++j) {
        scale[kG * (8 * i + j)] = d * scm[j];
        min[kG * (8 * i + j)] = -dmin * scm[8 + j];
      }
      const __m512i h = kFive ? Q5KHighBits(w) : _mm512_setzero_si512();
      for (int c = 0; c < 4; ++c) {
        __m512i v = Nibbles64(w + offsetof(Block, qs) + 32 * c);
        if constexpr (kFive) v = AddFifthBits(v, h, c);
        _mm512_storeu_si512(q + 64 * c, v);
      }
    }
  }
};

// Q6_K: x = d*sc*(q - 32) per 16-value sub-block, sc int8, q 6-bit: q - 32 fits int8.
struct Q6_KRows {
  static constexpr int kSub = 16;
  static constexpr bool kMins = false;
  static void Row(const uint8_t* w, int64_t n, int8_t* q, float* scale, float*) {
    const __m512i offset = _mm512_set1_epi8(32);
    for (int64_t i = 0; i < n / kQK_K; ++i, w += sizeof(BlockQ6_K), q += kQK_K) {
      const float d = Half(Load16(w + offsetof(BlockQ6_K, d)));
      const auto* sc = reinterpret_cast<const int8_t*>(w + offsetof(BlockQ6_K, scales));
      for (int j = 0; j < 16; ++j) scale[kG * (16 * i + j)] = d * sc[j];
      __m512i v[4];
      Q6KValues(w, v);
      for (int c = 0; c < 4; ++c) _mm512_storeu_si512(q + 64 * c, _mm512_sub_epi8(v[c], offset));
    }
  }
};

// ---- the tile product ----

template <int kS>
void ConfigureTiles() {
  struct alignas(64) Config {
    uint8_t palette = 1, start_row = 0, reserved[14] = {};
    uint16_t colsb[16] = {};
    uint8_t rows[16] = {};
  } config;
  config.rows[0] = kG, config.colsb[0] = 4 * kG;    // C: 16 weight rows x 16 int32
  config.rows[1] = kG, config.colsb[1] = kS;        // A: 16 weight rows x kS int8
  config.rows[2] = kS / 4, config.colsb[2] = 4 * kG;  // B: kS/4 rows of 4 values x 16 tokens
  for (int i = 3; i < 6; ++i) config.rows[i] = config.rows[i - 3], config.colsb[i] = config.colsb[i - 3];
  _tile_loadconfig(&config);
}

// acc[r] (16 tokens of weight row r) += the sub-block's int32 products c, scaled.
template <bool kMins, int kS>
[[gnu::always_inline]] inline void Scale(const int32_t (*c)[kG], const PackedSub<kS>& p, const float* scale,
                                        const float* min, __m512* acc) {
  const __m512 d = _mm512_loadu_ps(p.d);
  for (int r = 0; r < kG; ++r) {
    const __m512 s = _mm512_mul_ps(_mm512_set1_ps(scale[r]), d);
    acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_load_si512(c[r])), s, acc[r]);
  }
  if constexpr (kMins) {
    const __m512 dsum = _mm512_loadu_ps(p.dsum);
    for (int r = 0; r < kG; ++r) acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(min[r]), dsum, acc[r]);
  }
}

// Per thread, grown to the largest chunk and kept: the token loop allocates nothing.
struct Unpacked {
  std::vector<int8_t> q;       // n_rows rows of n values
  std::vector<float> factors;  // per group of 16 rows: scale[n_sub][16], min[n_sub][16]
};

template <typename W>
void GroupTile(const uint8_t* w, size_t w_stride, int64_t n_rows, const uint8_t* packed,
               int64_t n_groups, float* y, size_t y_stride, int64_t n) {
  constexpr int kSub = W::kSub;
  const int64_t n_sub = n / kSub, n_row_groups = n_rows / kG;
  const size_t factors = static_cast<size_t>(n_sub) * 2 * kG;  // per group of rows
  thread_local Unpacked u;
  if (u.q.size() < static_cast<size_t>(n_rows * n)) u.q.resize(n_rows * n);
  if (u.factors.size() < factors * n_row_groups) u.factors.resize(factors * n_row_groups);
  for (int64_t r = 0; r < n_rows; ++r) {
    float* f = u.factors.data() + (r / kG) * factors + r % kG;
    W::Row(w + r * w_stride, n, u.q.data() + r * n, f, f + n_sub * kG);
  }

  ConfigureTiles<kSub>();
  alignas(64) int32_t c[2][kG][kG];
  alignas(64) float out[kG][kG];
  const auto* groups = reinterpret_cast<const PackedSub<kSub>*>(packed);
  for (int64_t g = 0; g < n_groups; ++g) {
    const PackedSub<kSub>* p = groups + g * n_sub;
    for (int64_t rg = 0; rg < n_row_groups; ++rg) {
      const int8_t* q = u.q.data() + rg * kG * n;
      const float* scale = u.factors.data() + rg * factors;
      const float* min = scale + n_sub * kG;
      __m512 acc[kG];
      for (auto& a : acc) a = _mm512_setzero_ps();
      // Two sub-blocks per step in separate tiles (C, A, B = 0, 1, 2 and 3, 4, 5): tile
      // registers are not renamed, so one set would make every multiply wait for the
      // previous one's store. Measured: 8% faster than one set.
      int64_t j = 0;
      for (; j + 2 <= n_sub; j += 2) {
        _tile_zero(0);
        _tile_zero(3);
        _tile_loadd(1, q + j * kSub, n);
        _tile_loadd(2, p[j].b, 4 * kG);
        _tile_loadd(4, q + (j + 1) * kSub, n);
        _tile_loadd(5, p[j + 1].b, 4 * kG);
        _tile_dpbssd(0, 1, 2);
        _tile_dpbssd(3, 4, 5);
        _tile_stored(0, c[0], 4 * kG);
        _tile_stored(3, c[1], 4 * kG);
        Scale<W::kMins>(c[0], p[j], scale + j * kG, min + j * kG, acc);
        Scale<W::kMins>(c[1], p[j + 1], scale + (j + 1) * kG, min + (j + 1) * kG, acc);
      }
      if (j < n_sub) {
        _tile_zero(0);
        _tile_loadd(1, q + j * kSub, n);
        _tile_loadd(2, p[j].b, 4 * kG);
        _tile_dpbssd(0, 1, 2);
        _tile_stored(0, c[0], 4 * kG);
        Scale<W::kMins>(c[0], p[j], scale + j * kG, min + j * kG, acc);
      }
      for (int r = 0; r < kG; ++r) _mm512_store_ps(out[r], acc[r]);  // out[row][token]
      float* yg = y + g * kG * y_stride + rg * kG;
      for (int t = 0; t < kG; ++t) {
        for (int r = 0; r < kG; ++r) yg[t * y_stride + r] = out[r][t];
      }
    }
  }
  _tile_release();
}

template <typename W, typename A>
void AddAmx(TypeKernel& k, const TypeKernel& below) {
  if (below.dot == nullptr || below.tile == nullptr) return;
  k = below;
  k.amx_pack = Pack<A, W::kSub, W::kMins>;
  k.amx_tile = GroupTile<W>;
  k.amx_sub = W::kSub;
}

}  // namespace

size_t AmxPackedBytes(int64_t n, int sub) {
  return sub == 16 ? static_cast<size_t>(n / 16) * sizeof(PackedSub<16>)
                   : static_cast<size_t>(n / 32) * sizeof(PackedSub<32>);
}

const KernelSet* AmxKernelsImpl(const KernelSet& below) {
  static const KernelSet set = [&] {
    KernelSet s{};
    s.name = below.name;
    AddAmx<Blocks32Rows<Q8_0Weights, false>, ActQ8_0>(s.q8_0, below.q8_0);
    AddAmx<Blocks32Rows<Q4_0Weights, false>, ActQ8_0>(s.q4_0, below.q4_0);
    AddAmx<Blocks32Rows<Q5_0Weights, false>, ActQ8_0>(s.q5_0, below.q5_0);
    AddAmx<Blocks32Rows<Q4_1Weights, true>, ActQ8_1>(s.q4_1, below.q4_1);
    AddAmx<Blocks32Rows<Q5_1Weights, true>, ActQ8_1>(s.q5_1, below.q5_1);
    AddAmx<K4Rows<false>, ActQ8_K>(s.q4_k, below.q4_k);
    AddAmx<K4Rows<true>, ActQ8_K>(s.q5_k, below.q5_k);
    AddAmx<Q6_KRows, ActQ8_K>(s.q6_k, below.q6_k);
    return s;
  }();
  return &set;
}

}  // namespace strata::genai::internal
