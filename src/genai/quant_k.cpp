// The K-quants Q2_K, Q3_K, Q4_K, Q5_K, Q6_K and Q8_K (256-element super-blocks):
// dequantization exact to the format definitions, and the Q8_K quantizer (the
// activation type K-quant dot products pair with). The weight quantizers are in
// quant_k_quantize.cpp.
//
// Hand-written from the format definitions; no Debian 12 package provides them.
// Compiled with -ffp-contract=off: results must be bit-identical to the definitions'
// separate multiply and subtract.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "genai/fp16.h"
#include "genai/quant_blocks.h"

namespace strata::genai::internal {
namespace {

template <typename Block>
Block LoadBlock(const void* in, int64_t i) {
  Block b;
  std::memcpy(&b, static_cast<const uint8_t*>(in) + i * sizeof(Block), sizeof(Block));
  return b;
}

}  // namespace

void DequantizeQ2_K(const void* in, float* y, int64_t n) {
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const auto b = LoadBlock<BlockQ2_K>(in, i);
    const float d = F16ToF32(b.d), min = F16ToF32(b.dmin);
    const uint8_t* q = b.qs;
    int is = 0;
    for (int half = 0; half < 2; ++half, q += 32) {
      for (int shift = 0; shift < 8; shift += 2) {
        for (int part = 0; part < 2; ++part) {
          const uint8_t sc = b.scales[is++];
          const float dl = d * static_cast<float>(sc & 0x0f);
          const float ml = min * static_cast<float>(sc >> 4);
          for (int l = 0; l < 16; ++l) {
            *y++ = dl * static_cast<float>((q[l + 16 * part] >> shift) & 3) - ml;
          }
        }
      }
    }
  }
}

void DequantizeQ3_K(const void* in, float* y, int64_t n) {
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const auto b = LoadBlock<BlockQ3_K>(in, i);
    const float d_all = F16ToF32(b.d);
    int8_t scales[16];
    UnpackScalesQ3K(b.scales, scales);

    const uint8_t* q = b.qs;
    uint8_t m = 1;
    int is = 0;
    for (int half = 0; half < 2; ++half, q += 32) {
      for (int shift = 0; shift < 8; shift += 2, m = static_cast<uint8_t>(m << 1)) {
        for (int part = 0; part < 2; ++part) {
          const float dl = d_all * static_cast<float>(scales[is++]);
          for (int l = 0; l < 16; ++l) {
            const int k = l + 16 * part;
            const int v = ((q[k] >> shift) & 3) - ((b.hmask[k] & m) ? 0 : 4);
            *y++ = dl * static_cast<float>(v);
          }
        }
      }
    }
  }
}

void DequantizeQ4_K(const void* in, float* y, int64_t n) {
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const auto b = LoadBlock<BlockQ4_K>(in, i);
    const float d = F16ToF32(b.d), min = F16ToF32(b.dmin);
    uint8_t scm[16];
    UnpackScalesMinsK4(b.scales, scm);
    const uint8_t *sc = scm, *m = scm + 8;
    const uint8_t* q = b.qs;
    for (int is = 0; is < 8; is += 2, q += 32) {
      const float d1 = d * static_cast<float>(sc[is]), m1 = min * static_cast<float>(m[is]);
      const float d2 = d * static_cast<float>(sc[is + 1]), m2 = min * static_cast<float>(m[is + 1]);
      for (int l = 0; l < 32; ++l) *y++ = d1 * static_cast<float>(q[l] & 0x0f) - m1;
      for (int l = 0; l < 32; ++l) *y++ = d2 * static_cast<float>(q[l] >> 4) - m2;
    }
  }
}

void DequantizeQ5_K(const void* in, float* y, int64_t n) {
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const auto b = LoadBlock<BlockQ5_K>(in, i);
    const float d = F16ToF32(b.d), min = F16ToF32(b.dmin);
    const uint8_t* ql = b.qs;
    uint8_t u1 = 1, u2 = 2;
    uint8_t scm[16];
    UnpackScalesMinsK4(b.scales, scm);
    const uint8_t *sc = scm, *m = scm + 8;
    for (int is = 0; is < 8; is += 2, ql += 32) {
      const float d1 = d * static_cast<float>(sc[is]), m1 = min * static_cast<float>(m[is]);
      const float d2 = d * static_cast<float>(sc[is + 1]), m2 = min * static_cast<float>(m[is + 1]);
      for (int l = 0; l < 32; ++l) {
        *y++ = d1 * static_cast<float>((ql[l] & 0x0f) + ((b.qh[l] & u1) ? 16 : 0)) - m1;
      }
      for (int l = 0; l < 32; ++l) {
        *y++ = d2 * static_cast<float>((ql[l] >> 4) + ((b.qh[l] & u2) ? 16 : 0)) - m2;
      }
      u1 = static_cast<uint8_t>(u1 << 2);
      u2 = static_cast<uint8_t>(u2 << 2);
    }
  }
}

void DequantizeQ6_K(const void* in, float* y, int64_t n) {
  for (int64_t i = 0; i < n / kQK_K; ++i, y += kQK_K) {
    const auto b = LoadBlock<BlockQ6_K>(in, i);
    const float d = F16ToF32(b.d);
    for (int half = 0; half < 2; ++half) {
      const uint8_t* ql = b.ql + 64 * half;
      const uint8_t* qh = b.qh + 32 * half;
      const int8_t* sc = b.scales + 8 * half;
      float* out = y + 128 * half;
      for (int l = 0; l < 32; ++l) {
        const int is = l / 16;
        const int q1 = ((ql[l] & 0x0f) | (((qh[l] >> 0) & 3) << 4)) - 32;
        const int q2 = ((ql[l + 32] & 0x0f) | (((qh[l] >> 2) & 3) << 4)) - 32;
        const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        // (d * scale) * q, in this order, as the definition evaluates it.
        out[l + 0] = d * static_cast<float>(sc[is + 0]) * static_cast<float>(q1);
        out[l + 32] = d * static_cast<float>(sc[is + 2]) * static_cast<float>(q2);
        out[l + 64] = d * static_cast<float>(sc[is + 4]) * static_cast<float>(q3);
        out[l + 96] = d * static_cast<float>(sc[is + 6]) * static_cast<float>(q4);
      }
    }
  }
}

void DequantizeQ8_K(const void* in, float* y, int64_t n) {
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const auto b = LoadBlock<BlockQ8_K>(in, i);
    for (int j = 0; j < kQK_K; ++j) *y++ = b.d * static_cast<float>(b.qs[j]);
  }
}

void QuantizeQ8_K(const float* x, void* out, int64_t n) {
  for (int64_t i = 0; i < n / kQK_K; ++i, x += kQK_K) {
    BlockQ8_K b{};
    float max = 0.0f, amax = 0.0f;
    for (int j = 0; j < kQK_K; ++j) {
      const float ax = std::fabs(x[j]);
      if (ax > amax) {
        amax = ax;
        max = x[j];
      }
    }
    if (amax != 0.0f) {
      // Scale by the signed extreme so it maps to -127 exactly.
      const float iscale = -127.0f / max;
      for (int j = 0; j < kQK_K; ++j) {
        const int v = static_cast<int>(std::nearbyint(iscale * x[j]));
        b.qs[j] = static_cast<int8_t>(std::min(127, v));
      }
      for (int j = 0; j < kQK_K / 16; ++j) {
        int sum = 0;
        for (int k = 0; k < 16; ++k) sum += b.qs[j * 16 + k];
        b.bsums[j] = static_cast<int16_t>(sum);
      }
      b.d = 1.0f / iscale;
    }
    std::memcpy(static_cast<uint8_t*>(out) + i * sizeof(BlockQ8_K), &b, sizeof(b));
  }
}

}  // namespace strata::genai::internal
