#pragma once
// Internal, for the AVX-512 instruction-set files only (kernels_avx512.cpp,
// kernels_amx.cpp): unpacking GGUF blocks into AVX-512 registers and masks. Internal
// linkage, so each file compiles its own copy with its own instruction sets.

#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "genai/kernels_x86_common.h"

namespace strata::genai::internal {
namespace {

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
