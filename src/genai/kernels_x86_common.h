#pragma once
// Internal, for the x86 instruction-set files only (kernels_avx2.cpp, kernels_avx512.cpp,
// kernels_amx.cpp): helpers that need AVX2 and F16C, which every one of them has.
// Internal linkage, so each file compiles its own copy with its own instruction sets.

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace strata::genai::internal {
namespace {

// F16C's conversion: exact, as F16ToF32.
inline float Half(uint16_t h) {
  return _cvtsh_ss(h);
}

inline uint16_t Load16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

inline float HorizontalSum(__m256 v) {
  __m128 lo = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
  lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
  return _mm_cvtss_f32(lo);
}

// Activation row t of a batch laid out with a byte stride.
template <typename Block>
inline const Block* Act(const uint8_t* act, size_t stride, int t) {
  return reinterpret_cast<const Block*>(act + t * stride);
}

// The 32 nibbles of a block as bytes in element order: low nibbles are elements
// 0..15, high nibbles 16..31.
inline __m256i Nibbles32(const uint8_t* qs) {
  const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  const __m128i low4 = _mm_set1_epi8(0x0f);
  return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(packed, 4), low4),
                          _mm_and_si128(packed, low4));
}

// UnpackScalesQ3K (quant_blocks.h) in a register: the 16 scales of a Q3_K block, unbiased
// (-32..31) int8. Reads exactly the 12 bytes at `scales` (the field ends its block, and a
// matrix).
inline __m128i ScalesQ3K(const uint8_t* scales) {
  uint32_t w2;
  std::memcpy(&w2, scales + 8, 4);
  const __m128i w01 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(scales));  // words w0 w1
  // Low 4 bits: w0, w1, w0 >> 4, w1 >> 4; high 2 bits: w2 >> 0, 2, 4, 6, at bits 4-5.
  const __m128i low = _mm_and_si128(_mm_srlv_epi32(_mm_shuffle_epi32(w01, _MM_SHUFFLE(1, 0, 1, 0)), _mm_set_epi32(4, 4, 0, 0)),
                                    _mm_set1_epi8(0x0f));
  const __m128i high = _mm_slli_epi32(
      _mm_and_si128(_mm_srlv_epi32(_mm_set1_epi32(static_cast<int>(w2)), _mm_set_epi32(6, 4, 2, 0)), _mm_set1_epi8(3)), 4);
  return _mm_sub_epi8(_mm_or_si128(low, high), _mm_set1_epi8(32));
}

}  // namespace
}  // namespace strata::genai::internal
