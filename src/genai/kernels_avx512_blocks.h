#pragma once
// Internal, for the AVX-512 instruction-set files only (kernels_avx512.cpp,
// kernels_amx.cpp): unpacking GGUF blocks into registers. Internal linkage, so each
// file compiles its own copy with its own instruction sets.

#include <immintrin.h>

#include <cstdint>
#include <cstring>

namespace strata::genai::internal {
namespace {

inline float Half(uint16_t h) {
  return _cvtsh_ss(h);
}

inline uint16_t Load16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

// The 32 nibbles of a block as bytes in element order: low nibbles are elements
// 0..15, high nibbles 16..31.
inline __m256i Nibbles32(const uint8_t* qs) {
  const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  const __m128i low4 = _mm_set1_epi8(0x0f);
  return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(packed, 4), low4),
                          _mm_and_si128(packed, low4));
}

// The 5th bits of a Q5 block (bit j of a little-endian word is element j's) as a mask.
inline __mmask32 Bits32(const uint8_t* p) {
  uint32_t bits;
  std::memcpy(&bits, p, 4);
  return bits;
}

// 64 values of sub-blocks 2c (low nibbles of 32 bytes) and 2c+1 (high nibbles).
inline __m512i Nibbles64(const uint8_t* qs) {
  const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qs));
  const __m512i both = _mm512_inserti64x4(_mm512_castsi256_si512(q), _mm256_srli_epi16(q, 4), 1);
  return _mm512_and_si512(both, _mm512_set1_epi8(0x0f));
}

}  // namespace
}  // namespace strata::genai::internal
