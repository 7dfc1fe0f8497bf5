#pragma once
// Internal, for the AVX-512 instruction-set files only (kernels_avx512.cpp,
// kernels_amx.cpp): unpacking GGUF blocks into AVX-512 registers and masks. Internal
// linkage, so each file compiles its own copy with its own instruction sets.

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "genai/kernels_x86_common.h"
#include "genai/quant_blocks.h"

namespace strata::genai::internal {
namespace {

// The 5th bits of a Q5 block (bit j of a little-endian word is element j's) as a mask.
inline __mmask32 Bits32(const uint8_t* p) {
  uint32_t bits;
  std::memcpy(&bits, p, 4);
  return bits;
}

// Prefetches the cache lines of kBytes from p into L1 (a prefetch never faults, so p may
// lie past the last row).
template <size_t kBytes>
inline void PrefetchLines(const uint8_t* p) {
  for (size_t b = 0; b < kBytes; b += 64) _mm_prefetch(reinterpret_cast<const char*>(p + b), _MM_HINT_T0);
}

// 64 values of sub-blocks 2c (low nibbles of 32 bytes) and 2c+1 (high nibbles).
inline __m512i Nibbles64(const uint8_t* qs) {
  const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qs));
  const __m512i both = _mm512_inserti64x4(_mm512_castsi256_si512(q), _mm256_srli_epi16(q, 4), 1);
  return _mm512_and_si512(both, _mm512_set1_epi8(0x0f));
}

// ---- 32-value blocks: Load(b) gives the block's 32 values q as bytes, element order;
// the block's scale d is the fp16 at b, its minimum m (x = d*q + m) the fp16 at b + 2 ----

struct Q8_0Weights {
  static constexpr size_t kBytes = sizeof(BlockQ8_0);
  static __m256i Load(const uint8_t* b) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 2));
  }
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
    // q - 16: subtract 16 where the 5th bit is clear.
    const __m256i q = Nibbles32(b + 6);
    return _mm256_mask_sub_epi8(q, ~Bits32(b + 2), q, _mm256_set1_epi8(16));
  }
};
// With a minimum: q unsigned.
struct Q4_1Weights {
  static constexpr size_t kBytes = sizeof(BlockQ4_1);
  static __m256i Load(const uint8_t* b) { return Nibbles32(b + 4); }
};
struct Q5_1Weights {
  static constexpr size_t kBytes = sizeof(BlockQ5_1);
  static __m256i Load(const uint8_t* b) {
    const __m256i q = Nibbles32(b + 8);
    return _mm256_mask_add_epi8(q, Bits32(b + 4), q, _mm256_set1_epi8(16));
  }
};

// ---- K-quants ----

// UnpackScalesMinsK4 (quant_blocks.h) in a register: bytes 0-7 the 8 sub-block scales,
// 8-15 the 8 minimums, all 6-bit. Reads 16 bytes at `scales` (the 12 of the field and 4
// of the block's next one).
inline __m128i ScalesMinsK4(const uint8_t* scales) {
  const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(scales));  // words w0 w1 w2
  // Low bits: w0 & 0x3f.., w2 & 0x0f.., w1 & 0x3f.., (w2 >> 4) & 0x0f..
  const __m128i low = _mm_and_si128(_mm_srlv_epi32(_mm_shuffle_epi32(b, _MM_SHUFFLE(2, 1, 2, 0)), _mm_set_epi32(4, 0, 0, 0)),
                                    _mm_set_epi32(0x0f0f0f0f, 0x3f3f3f3f, 0x0f0f0f0f, 0x3f3f3f3f));
  // High bits of scales 4-7 and minimums 4-7: the top 2 bits of w0 and w1, at bits 4-5.
  const __m128i high = _mm_and_si128(_mm_srli_epi32(_mm_shuffle_epi32(b, _MM_SHUFFLE(1, 1, 0, 0)), 2),
                                     _mm_set_epi32(0x30303030, 0, 0x30303030, 0));
  return _mm_or_si128(low, high);
}

// The 32 bytes at p in both 256-bit halves: a K-quant's bit plane (Q5_K's qh, Q3_K's
// hmask: bit j of byte l belongs to value l of group j), for AddWhereBit.
inline __m512i BitPlane(const uint8_t* p) {
  const __m256i bits = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  return _mm512_inserti64x4(_mm512_castsi256_si512(bits), bits, 1);
}

inline __m512i Q5KHighBits(const uint8_t* block) {
  return BitPlane(block + offsetof(BlockQ5_K, qh));
}

// v + add in the bytes whose bit `lo` (bytes 0-31) or bit `hi` (bytes 32-63) is set in
// the bit plane `plane`.
inline __m512i AddWhereBit(__m512i v, __m512i plane, int lo, int hi, char add) {
  const __m512i bits = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set1_epi8(static_cast<char>(1 << lo))),
                                          _mm256_set1_epi8(static_cast<char>(1 << hi)), 1);
  return _mm512_mask_add_epi8(v, _mm512_test_epi8_mask(plane, bits), v, _mm512_set1_epi8(add));
}

// q: Nibbles64 of chunk c (sub-blocks 2c, 2c+1); adds 16 where the value's 5th bit is
// set (bit j of qh[l] is the 5th bit of element l of sub-block j).
inline __m512i AddFifthBits(__m512i q, __m512i h, int c) {
  return AddWhereBit(q, h, 2 * c, 2 * c + 1, 16);
}

// Q6_K's 256 values, unsigned (0..63, x = d*sc*(q - 32)): q[v] holds values
// 64v..64v+63, four sub-blocks of 16.
inline void Q6KValues(const uint8_t* block, __m512i q[4]) {
  const __m512i low4 = _mm512_set1_epi8(0x0f), bits54 = _mm512_set1_epi8(0x30);
  for (int half = 0; half < 2; ++half) {
    const __m512i ql = _mm512_loadu_si512(block + offsetof(BlockQ6_K, ql) + 64 * half);
    const __m256i qh = _mm256_loadu_si256(
        reinterpret_cast<const __m256i*>(block + offsetof(BlockQ6_K, qh) + 32 * half));
    // Values 0-31 take bits 0-1 of qh, 32-63 bits 2-3, 64-95 bits 4-5, 96-127 bits 6-7.
    const __m512i h = _mm512_inserti64x4(_mm512_castsi256_si512(qh), _mm256_srli_epi16(qh, 2), 1);
    q[2 * half] = _mm512_or_si512(_mm512_and_si512(ql, low4),
                                  _mm512_and_si512(_mm512_slli_epi16(h, 4), bits54));
    q[2 * half + 1] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(ql, 4), low4),
                                      _mm512_and_si512(h, bits54));
  }
}

}  // namespace
}  // namespace strata::genai::internal
