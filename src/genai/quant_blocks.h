#pragma once
// Internal: the on-disk block layouts of the quantized tensor types, byte for byte as
// the GGUF/ggml type definitions give them (little-endian; F16 fields are raw binary16
// bits). Kernels copy a block into one of these structs with memcpy, so tensor data
// may sit at any address (the fuzzer and FromMemory hand us unaligned buffers).
//
// Hand-written from the format definitions; no Debian 12 package provides them.

#include <cstdint>
#include <cstring>

#include "genai/tensor_type.h"

namespace strata::genai::internal {

inline constexpr int kQK4_0 = 32, kQK4_1 = 32, kQK5_0 = 32, kQK5_1 = 32, kQK8_0 = 32, kQK8_1 = 32;
// K-quant scales and mins are packed 6-bit in 12 bytes (Q4_K, Q5_K).
inline constexpr int kKScaleSize = 12;

struct BlockQ4_0 {  // x = d * (q - 8), q in [0, 15]; q[j] low nibble, q[j+16] high nibble
  uint16_t d;
  uint8_t qs[kQK4_0 / 2];
};
struct BlockQ4_1 {  // x = d * q + m
  uint16_t d, m;
  uint8_t qs[kQK4_1 / 2];
};
struct BlockQ5_0 {  // x = d * (q - 16); the 5th bit of q[j] is bit j of qh (LE uint32)
  uint16_t d;
  uint8_t qh[4];
  uint8_t qs[kQK5_0 / 2];
};
struct BlockQ5_1 {  // x = d * q + m
  uint16_t d, m;
  uint8_t qh[4];
  uint8_t qs[kQK5_1 / 2];
};
struct BlockQ8_0 {  // x = d * q
  uint16_t d;
  int8_t qs[kQK8_0];
};
struct BlockQ8_1 {  // x = d * q; s = d * sum(q), for dot products
  uint16_t d, s;
  int8_t qs[kQK8_1];
};
struct BlockQ2_K {  // 16 sub-blocks of 16: x = d*(sc&15)*q - dmin*(sc>>4), q 2-bit
  uint8_t scales[kQK_K / 16];
  uint8_t qs[kQK_K / 4];
  uint16_t d, dmin;
};
struct BlockQ3_K {  // 16 sub-blocks of 16: x = d*(sc-32)*(q - 4*!hbit), sc 6-bit
  uint8_t hmask[kQK_K / 8];
  uint8_t qs[kQK_K / 4];
  uint8_t scales[12];
  uint16_t d;
};
struct BlockQ4_K {  // 8 sub-blocks of 32: x = d*sc*q - dmin*m, sc/m 6-bit
  uint16_t d, dmin;
  uint8_t scales[kKScaleSize];
  uint8_t qs[kQK_K / 2];
};
struct BlockQ5_K {  // as Q4_K with a 5th bit per value in qh
  uint16_t d, dmin;
  uint8_t scales[kKScaleSize];
  uint8_t qh[kQK_K / 8];
  uint8_t qs[kQK_K / 2];
};
struct BlockQ6_K {  // 16 sub-blocks of 16: x = d*sc*(q - 32), sc int8, q 6-bit
  uint8_t ql[kQK_K / 2];
  uint8_t qh[kQK_K / 4];
  int8_t scales[kQK_K / 16];
  uint16_t d;
};
struct BlockQ8_K {  // x = d * q with a float32 d; bsums: sums of 16 q's, for dot products
  float d;
  int8_t qs[kQK_K];
  int16_t bsums[kQK_K / 16];
};

static_assert(sizeof(BlockQ4_0) == 18 && sizeof(BlockQ4_1) == 20);
static_assert(sizeof(BlockQ5_0) == 22 && sizeof(BlockQ5_1) == 24);
static_assert(sizeof(BlockQ8_0) == 34 && sizeof(BlockQ8_1) == 36);
static_assert(sizeof(BlockQ2_K) == 84 && sizeof(BlockQ3_K) == 110);
static_assert(sizeof(BlockQ4_K) == 144 && sizeof(BlockQ5_K) == 176);
static_assert(sizeof(BlockQ6_K) == 210 && sizeof(BlockQ8_K) == 292);

// The 6-bit scales and mins of the 8 sub-blocks of a Q4_K/Q5_K block, packed in 12
// bytes: sub-blocks 0-3 use the low 6 bits of bytes j and j+4; sub-blocks 4-7 combine
// a nibble of byte j+4 with the top 2 bits of bytes j-4 (scale) and j (min).
// out[0..7] are the scales, out[8..15] the mins. Four bytes at a time, in 32-bit words.
// Always inlined: the instruction-set kernel files call these, and an out-of-line
// copy compiled there could be the one the linker keeps for every caller.
[[gnu::always_inline]] inline void UnpackScalesMinsK4(const uint8_t* q, uint8_t out[16]) {
  constexpr uint32_t kLow6 = 0x3f3f3f3fu, kLow4 = 0x0f0f0f0fu, kLow2 = 0x03030303u;
  uint32_t w[3];
  std::memcpy(w, q, 12);
  const uint32_t v[4] = {
      w[0] & kLow6,                                          // scales 0-3
      (w[2] & kLow4) | (((w[0] >> 6) & kLow2) << 4),         // scales 4-7
      w[1] & kLow6,                                          // mins 0-3
      ((w[2] >> 4) & kLow4) | (((w[1] >> 6) & kLow2) << 4),  // mins 4-7
  };
  std::memcpy(out, v, 16);
}

// The 16 6-bit scales of a Q3_K block (stored biased by 32): low 4 bits from bytes
// 0-7, high 2 bits from bytes 8-11. The results are unbiased (-32..31).
[[gnu::always_inline]] inline void UnpackScalesQ3K(const uint8_t* q, int8_t sc[16]) {
  constexpr uint32_t kMask1 = 0x03030303u, kMask2 = 0x0f0f0f0fu;
  uint32_t aux[4];
  std::memcpy(aux, q, 12);
  const uint32_t tmp = aux[2];
  aux[2] = ((aux[0] >> 4) & kMask2) | (((tmp >> 4) & kMask1) << 4);
  aux[3] = ((aux[1] >> 4) & kMask2) | (((tmp >> 6) & kMask1) << 4);
  aux[0] = (aux[0] & kMask2) | (((tmp >> 0) & kMask1) << 4);
  aux[1] = (aux[1] & kMask2) | (((tmp >> 2) & kMask1) << 4);
  std::memcpy(sc, aux, 16);
  for (int j = 0; j < 16; ++j) sc[j] = static_cast<int8_t>(sc[j] - 32);
}

// Kernels (quant_*.cpp). n is a multiple of the block size; callers check.
void DequantizeF32(const void* in, float* out, int64_t n);
void DequantizeF16(const void* in, float* out, int64_t n);
void DequantizeBF16(const void* in, float* out, int64_t n);
void DequantizeF64(const void* in, float* out, int64_t n);
void QuantizeF32(const float* in, void* out, int64_t n);
void QuantizeF16(const float* in, void* out, int64_t n);
void QuantizeBF16(const float* in, void* out, int64_t n);

void DequantizeQ4_0(const void* in, float* out, int64_t n);
void DequantizeQ4_1(const void* in, float* out, int64_t n);
void DequantizeQ5_0(const void* in, float* out, int64_t n);
void DequantizeQ5_1(const void* in, float* out, int64_t n);
void DequantizeQ8_0(const void* in, float* out, int64_t n);
void DequantizeQ8_1(const void* in, float* out, int64_t n);
void QuantizeQ4_0(const float* in, void* out, int64_t n);
void QuantizeQ4_1(const float* in, void* out, int64_t n);
void QuantizeQ5_0(const float* in, void* out, int64_t n);
void QuantizeQ5_1(const float* in, void* out, int64_t n);
void QuantizeQ8_0(const float* in, void* out, int64_t n);

void DequantizeQ2_K(const void* in, float* out, int64_t n);
void DequantizeQ3_K(const void* in, float* out, int64_t n);
void DequantizeQ4_K(const void* in, float* out, int64_t n);
void DequantizeQ5_K(const void* in, float* out, int64_t n);
void DequantizeQ6_K(const void* in, float* out, int64_t n);
void DequantizeQ8_K(const void* in, float* out, int64_t n);
void QuantizeQ8_K(const float* in, void* out, int64_t n);
// quant_k_quantize.cpp
void QuantizeQ2_K(const float* in, void* out, int64_t n);
void QuantizeQ3_K(const float* in, void* out, int64_t n);
void QuantizeQ4_K(const float* in, void* out, int64_t n);
void QuantizeQ5_K(const float* in, void* out, int64_t n);
void QuantizeQ6_K(const float* in, void* out, int64_t n);

}  // namespace strata::genai::internal
