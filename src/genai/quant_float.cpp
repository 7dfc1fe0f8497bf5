// Float element types: F32, F16, BF16 and F64 to float32 and back.
// Hand-written from the format definitions; no Debian 12 package provides them.
#include <cstring>

#include "genai/fp16.h"
#include "genai/quant_blocks.h"

namespace strata::genai::internal {

void DequantizeF32(const void* in, float* out, int64_t n) {
  std::memcpy(out, in, static_cast<size_t>(n) * sizeof(float));
}

void DequantizeF16(const void* in, float* out, int64_t n) {
  const auto* p = static_cast<const uint8_t*>(in);
  for (int64_t i = 0; i < n; ++i) {
    uint16_t h;
    std::memcpy(&h, p + 2 * i, 2);
    out[i] = F16ToF32(h);
  }
}

void DequantizeBF16(const void* in, float* out, int64_t n) {
  const auto* p = static_cast<const uint8_t*>(in);
  for (int64_t i = 0; i < n; ++i) {
    uint16_t b;
    std::memcpy(&b, p + 2 * i, 2);
    out[i] = Bf16ToF32(b);
  }
}

void DequantizeF64(const void* in, float* out, int64_t n) {
  const auto* p = static_cast<const uint8_t*>(in);
  for (int64_t i = 0; i < n; ++i) {
    double d;
    std::memcpy(&d, p + 8 * i, 8);
    out[i] = static_cast<float>(d);
  }
}

void QuantizeF32(const float* in, void* out, int64_t n) {
  std::memcpy(out, in, static_cast<size_t>(n) * sizeof(float));
}

void QuantizeF16(const float* in, void* out, int64_t n) {
  auto* p = static_cast<uint8_t*>(out);
  for (int64_t i = 0; i < n; ++i) {
    const uint16_t h = F32ToF16(in[i]);
    std::memcpy(p + 2 * i, &h, 2);
  }
}

void QuantizeBF16(const float* in, void* out, int64_t n) {
  auto* p = static_cast<uint8_t*>(out);
  for (int64_t i = 0; i < n; ++i) {
    const uint16_t b = F32ToBf16(in[i]);
    std::memcpy(p + 2 * i, &b, 2);
  }
}

}  // namespace strata::genai::internal
