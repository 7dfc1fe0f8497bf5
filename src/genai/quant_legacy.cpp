// The 32-element block types Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 (and Q8_1): dequantization
// exact to the format definitions, and the reference round-to-nearest quantizers.
//
// Hand-written from the format definitions; no Debian 12 package provides them.
// Bit-exactness needs the arithmetic in the order the definitions give it
// (int -> float, then multiply, then add); the build compiles this file with
// -ffp-contract=off so no multiply-add is fused.
#include <algorithm>
#include <cfloat>
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

template <typename Block>
void StoreBlock(const Block& b, void* out, int64_t i) {
  std::memcpy(static_cast<uint8_t*>(out) + i * sizeof(Block), &b, sizeof(Block));
}

// The value of largest magnitude, with its sign (the first one on ties).
float SignedAbsMax(const float* x, int n) {
  float amax = 0.0f, max = 0.0f;
  for (int j = 0; j < n; ++j) {
    if (amax < std::fabs(x[j])) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  return max;
}

void MinMax(const float* x, int n, float* min, float* max) {
  *min = FLT_MAX;
  *max = -FLT_MAX;
  for (int j = 0; j < n; ++j) {
    *min = std::min(*min, x[j]);
    *max = std::max(*max, x[j]);
  }
}

}  // namespace

void DequantizeQ4_0(const void* in, float* out, int64_t n) {
  for (int64_t i = 0; i < n / kQK4_0; ++i, out += kQK4_0) {
    const auto b = LoadBlock<BlockQ4_0>(in, i);
    const float d = F16ToF32(b.d);
    for (int j = 0; j < kQK4_0 / 2; ++j) {
      const int x0 = (b.qs[j] & 0x0f) - 8;
      const int x1 = (b.qs[j] >> 4) - 8;
      out[j] = static_cast<float>(x0) * d;
      out[j + kQK4_0 / 2] = static_cast<float>(x1) * d;
    }
  }
}

void DequantizeQ4_1(const void* in, float* out, int64_t n) {
  for (int64_t i = 0; i < n / kQK4_1; ++i, out += kQK4_1) {
    const auto b = LoadBlock<BlockQ4_1>(in, i);
    const float d = F16ToF32(b.d), m = F16ToF32(b.m);
    for (int j = 0; j < kQK4_1 / 2; ++j) {
      out[j] = static_cast<float>(b.qs[j] & 0x0f) * d + m;
      out[j + kQK4_1 / 2] = static_cast<float>(b.qs[j] >> 4) * d + m;
    }
  }
}

void DequantizeQ5_0(const void* in, float* out, int64_t n) {
  for (int64_t i = 0; i < n / kQK5_0; ++i, out += kQK5_0) {
    const auto b = LoadBlock<BlockQ5_0>(in, i);
    const float d = F16ToF32(b.d);
    uint32_t qh;
    std::memcpy(&qh, b.qh, 4);
    for (int j = 0; j < kQK5_0 / 2; ++j) {
      const uint32_t h0 = ((qh >> j) << 4) & 0x10;
      const uint32_t h1 = (qh >> (j + 12)) & 0x10;
      const int x0 = static_cast<int>((b.qs[j] & 0x0fu) | h0) - 16;
      const int x1 = static_cast<int>((b.qs[j] >> 4) | h1) - 16;
      out[j] = static_cast<float>(x0) * d;
      out[j + kQK5_0 / 2] = static_cast<float>(x1) * d;
    }
  }
}

void DequantizeQ5_1(const void* in, float* out, int64_t n) {
  for (int64_t i = 0; i < n / kQK5_1; ++i, out += kQK5_1) {
    const auto b = LoadBlock<BlockQ5_1>(in, i);
    const float d = F16ToF32(b.d), m = F16ToF32(b.m);
    uint32_t qh;
    std::memcpy(&qh, b.qh, 4);
    for (int j = 0; j < kQK5_1 / 2; ++j) {
      const uint32_t h0 = ((qh >> j) << 4) & 0x10;
      const uint32_t h1 = (qh >> (j + 12)) & 0x10;
      out[j] = static_cast<float>((b.qs[j] & 0x0fu) | h0) * d + m;
      out[j + kQK5_1 / 2] = static_cast<float>((b.qs[j] >> 4) | h1) * d + m;
    }
  }
}

void DequantizeQ8_0(const void* in, float* out, int64_t n) {
  for (int64_t i = 0; i < n / kQK8_0; ++i, out += kQK8_0) {
    const auto b = LoadBlock<BlockQ8_0>(in, i);
    const float d = F16ToF32(b.d);
    for (int j = 0; j < kQK8_0; ++j) out[j] = static_cast<float>(b.qs[j]) * d;
  }
}

void DequantizeQ8_1(const void* in, float* out, int64_t n) {
  for (int64_t i = 0; i < n / kQK8_1; ++i, out += kQK8_1) {
    const auto b = LoadBlock<BlockQ8_1>(in, i);
    const float d = F16ToF32(b.d);
    for (int j = 0; j < kQK8_1; ++j) out[j] = static_cast<float>(b.qs[j]) * d;
  }
}

// Reference quantizers. The scale maps the value of largest magnitude to the end of
// the signed range (-8 for Q4_0, -16 for Q5_0) so that value is represented exactly.
// Inputs must be finite (model weights); NaN or inf would give meaningless blocks.

void QuantizeQ4_0(const float* x, void* out, int64_t n) {
  for (int64_t i = 0; i < n / kQK4_0; ++i, x += kQK4_0) {
    const float d = SignedAbsMax(x, kQK4_0) / -8.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    BlockQ4_0 b;
    b.d = F32ToF16(d);
    for (int j = 0; j < kQK4_0 / 2; ++j) {
      const int q0 = std::min(15, static_cast<int>(static_cast<int8_t>(x[j] * id + 8.5f)));
      const int q1 =
          std::min(15, static_cast<int>(static_cast<int8_t>(x[j + kQK4_0 / 2] * id + 8.5f)));
      b.qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
    }
    StoreBlock(b, out, i);
  }
}

void QuantizeQ4_1(const float* x, void* out, int64_t n) {
  for (int64_t i = 0; i < n / kQK4_1; ++i, x += kQK4_1) {
    float min, max;
    MinMax(x, kQK4_1, &min, &max);
    const float d = (max - min) / 15.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    BlockQ4_1 b;
    b.d = F32ToF16(d);
    b.m = F32ToF16(min);
    for (int j = 0; j < kQK4_1 / 2; ++j) {
      const int q0 = std::min(15, static_cast<int>(static_cast<int8_t>((x[j] - min) * id + 0.5f)));
      const int q1 = std::min(
          15, static_cast<int>(static_cast<int8_t>((x[j + kQK4_1 / 2] - min) * id + 0.5f)));
      b.qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
    }
    StoreBlock(b, out, i);
  }
}

void QuantizeQ5_0(const float* x, void* out, int64_t n) {
  for (int64_t i = 0; i < n / kQK5_0; ++i, x += kQK5_0) {
    const float d = SignedAbsMax(x, kQK5_0) / -16.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    BlockQ5_0 b;
    b.d = F32ToF16(d);
    uint32_t qh = 0;
    for (int j = 0; j < kQK5_0 / 2; ++j) {
      const int q0 = std::min(31, static_cast<int>(static_cast<int8_t>(x[j] * id + 16.5f)));
      const int q1 =
          std::min(31, static_cast<int>(static_cast<int8_t>(x[j + kQK5_0 / 2] * id + 16.5f)));
      b.qs[j] = static_cast<uint8_t>((q0 & 0x0f) | ((q1 & 0x0f) << 4));
      qh |= static_cast<uint32_t>((q0 & 0x10) >> 4) << j;
      qh |= static_cast<uint32_t>((q1 & 0x10) >> 4) << (j + kQK5_0 / 2);
    }
    std::memcpy(b.qh, &qh, 4);
    StoreBlock(b, out, i);
  }
}

void QuantizeQ5_1(const float* x, void* out, int64_t n) {
  for (int64_t i = 0; i < n / kQK5_1; ++i, x += kQK5_1) {
    float min, max;
    MinMax(x, kQK5_1, &min, &max);
    const float d = (max - min) / 31.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    BlockQ5_1 b;
    b.d = F32ToF16(d);
    b.m = F32ToF16(min);
    uint32_t qh = 0;
    for (int j = 0; j < kQK5_1 / 2; ++j) {
      const int q0 = static_cast<uint8_t>((x[j] - min) * id + 0.5f);
      const int q1 = static_cast<uint8_t>((x[j + kQK5_1 / 2] - min) * id + 0.5f);
      b.qs[j] = static_cast<uint8_t>((q0 & 0x0f) | ((q1 & 0x0f) << 4));
      qh |= static_cast<uint32_t>((q0 & 0x10) >> 4) << j;
      qh |= static_cast<uint32_t>((q1 & 0x10) >> 4) << (j + kQK5_1 / 2);
    }
    std::memcpy(b.qh, &qh, 4);
    StoreBlock(b, out, i);
  }
}

void QuantizeQ8_0(const float* x, void* out, int64_t n) {
  for (int64_t i = 0; i < n / kQK8_0; ++i, x += kQK8_0) {
    float amax = 0.0f;
    for (int j = 0; j < kQK8_0; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    BlockQ8_0 b;
    b.d = F32ToF16(d);
    for (int j = 0; j < kQK8_0; ++j) b.qs[j] = static_cast<int8_t>(std::round(x[j] * id));
    StoreBlock(b, out, i);
  }
}

}  // namespace strata::genai::internal
