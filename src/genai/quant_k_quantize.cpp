// Reference quantizers of the K-quants Q2_K, Q3_K, Q4_K, Q5_K and Q6_K: per sub-block a
// weighted least-squares search for scale (and min), then the scales themselves are
// quantized to 4, 6 or 8 bits against one float16 super-block scale. These are the
// reference algorithms of the type definitions (no importance matrix), so blocks match
// what llama-quantize writes without --imatrix.
//
// Hand-written from the format definitions; no Debian 12 package provides them.
// Compiled with -ffp-contract=off: the searches compare sums, and a fused multiply-add
// would change which candidate wins.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "genai/fp16.h"
#include "genai/quant_blocks.h"

namespace strata::genai::internal {
namespace {

constexpr float kGroupMaxEps = 1e-15f;

// Round to nearest, ties to even, for |x| < 2^22: adding 1.5 * 2^23 leaves the integer
// in the low mantissa bits (the definitions round this way, not with roundf).
int NearestInt(float x) {
  const float v = x + 12582912.0f;
  int32_t i;
  std::memcpy(&i, &v, 4);
  return (i & 0x007fffff) - 0x00400000;
}

// Symmetric quantization of n values to [-nmax, nmax-1] with weights x^2, trying 18
// scales around nmax / max; L gets q + nmax. Returns the scale.
float MakeQxQuants(int n, int nmax, const float* x, int8_t* L) {
  float max = 0, amax = 0;
  for (int i = 0; i < n; ++i) {
    const float ax = std::fabs(x[i]);
    if (ax > amax) {
      amax = ax;
      max = x[i];
    }
  }
  if (amax < kGroupMaxEps) {
    std::fill(L, L + n, int8_t{0});
    return 0.0f;
  }
  float iscale = -static_cast<float>(nmax) / max;
  float sumlx = 0, suml2 = 0;
  for (int i = 0; i < n; ++i) {
    const int l = std::clamp(NearestInt(iscale * x[i]), -nmax, nmax - 1);
    L[i] = static_cast<int8_t>(l + nmax);
    const float w = x[i] * x[i];
    sumlx += w * x[i] * static_cast<float>(l);
    suml2 += w * static_cast<float>(l) * static_cast<float>(l);
  }
  float scale = suml2 != 0.0f ? sumlx / suml2 : 0.0f;
  float best = scale * sumlx;
  for (int is = -9; is <= 9; ++is) {
    if (is == 0) continue;
    iscale = -(static_cast<float>(nmax) + 0.1f * static_cast<float>(is)) / max;
    sumlx = suml2 = 0;
    for (int i = 0; i < n; ++i) {
      const int l = std::clamp(NearestInt(iscale * x[i]), -nmax, nmax - 1);
      const float w = x[i] * x[i];
      sumlx += w * x[i] * static_cast<float>(l);
      suml2 += w * static_cast<float>(l) * static_cast<float>(l);
    }
    if (suml2 > 0 && sumlx * sumlx > best * suml2) {
      for (int i = 0; i < n; ++i) {
        L[i] = static_cast<int8_t>(nmax + std::clamp(NearestInt(iscale * x[i]), -nmax, nmax - 1));
      }
      scale = sumlx / suml2;
      best = scale * sumlx;
    }
  }
  return scale;
}

// Q3_K's search: start from nmax / max, then move single values while that improves
// the weighted fit (up to 5 passes). L gets q + nmax. Returns the scale.
float MakeQ3Quants(int n, int nmax, const float* x, int8_t* L) {
  float max = 0, amax = 0;
  for (int i = 0; i < n; ++i) {
    const float ax = std::fabs(x[i]);
    if (ax > amax) {
      amax = ax;
      max = x[i];
    }
  }
  if (amax < kGroupMaxEps) {
    std::fill(L, L + n, int8_t{0});
    return 0.0f;
  }
  const float iscale = -static_cast<float>(nmax) / max;
  float sumlx = 0, suml2 = 0;
  for (int i = 0; i < n; ++i) {
    const int l = std::clamp(NearestInt(iscale * x[i]), -nmax, nmax - 1);
    L[i] = static_cast<int8_t>(l);
    const float w = x[i] * x[i];
    sumlx += w * x[i] * static_cast<float>(l);
    suml2 += w * static_cast<float>(l) * static_cast<float>(l);
  }
  for (int itry = 0; itry < 5; ++itry) {
    int n_changed = 0;
    for (int i = 0; i < n; ++i) {
      const float w = x[i] * x[i];
      float slx = sumlx - w * x[i] * static_cast<float>(L[i]);
      if (slx > 0) {
        float sl2 = suml2 - w * static_cast<float>(L[i]) * static_cast<float>(L[i]);
        const int new_l = std::clamp(NearestInt(x[i] * sl2 / slx), -nmax, nmax - 1);
        if (new_l != L[i]) {
          slx += w * x[i] * static_cast<float>(new_l);
          sl2 += w * static_cast<float>(new_l) * static_cast<float>(new_l);
          if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
            L[i] = static_cast<int8_t>(new_l);
            sumlx = slx;
            suml2 = sl2;
            ++n_changed;
          }
        }
      }
    }
    if (n_changed == 0) break;
  }
  for (int i = 0; i < n; ++i) L[i] = static_cast<int8_t>(L[i] + nmax);
  return sumlx / suml2;
}

// Asymmetric quantization x ~ scale * L - min, L in [0, nmax], minimizing the weighted
// squared (or absolute, use_mad) error over nstep+1 candidate scales. Returns the
// scale; *the_min gets min (>= 0).
float MakeQkx2Quants(int n, int nmax, const float* x, const float* weights, uint8_t* L,
                     float* the_min, uint8_t* Laux, float rmin, float rdelta, int nstep,
                     bool use_mad) {
  float min = x[0], max = x[0];
  float sum_w = weights[0];
  float sum_x = sum_w * x[0];
  for (int i = 1; i < n; ++i) {
    if (x[i] < min) min = x[i];
    if (x[i] > max) max = x[i];
    const float w = weights[i];
    sum_w += w;
    sum_x += w * x[i];
  }
  if (min > 0) min = 0;
  if (max == min) {
    std::fill(L, L + n, uint8_t{0});
    *the_min = -min;
    return 0.0f;
  }
  const float fmax = static_cast<float>(nmax);
  float iscale = fmax / (max - min);
  float scale = 1 / iscale;
  float best_mad = 0;
  for (int i = 0; i < n; ++i) {
    const int l = NearestInt(iscale * (x[i] - min));
    L[i] = static_cast<uint8_t>(std::clamp(l, 0, nmax));
    float diff = scale * static_cast<float>(L[i]) + min - x[i];
    diff = use_mad ? std::fabs(diff) : diff * diff;
    best_mad += weights[i] * diff;
  }
  if (nstep < 1) {
    *the_min = -min;
    return scale;
  }
  for (int is = 0; is <= nstep; ++is) {
    iscale = (rmin + rdelta * static_cast<float>(is) + fmax) / (max - min);
    float sum_l = 0, sum_l2 = 0, sum_xl = 0;
    for (int i = 0; i < n; ++i) {
      const int l = std::clamp(NearestInt(iscale * (x[i] - min)), 0, nmax);
      Laux[i] = static_cast<uint8_t>(l);
      const float w = weights[i];
      const float fl = static_cast<float>(l);
      sum_l += w * fl;
      sum_l2 += w * fl * fl;
      sum_xl += w * fl * x[i];
    }
    const float D = sum_w * sum_l2 - sum_l * sum_l;
    if (D > 0) {
      float this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
      float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
      if (this_min > 0) {
        this_min = 0;
        this_scale = sum_xl / sum_l2;
      }
      float mad = 0;
      for (int i = 0; i < n; ++i) {
        float diff = this_scale * static_cast<float>(Laux[i]) + this_min - x[i];
        diff = use_mad ? std::fabs(diff) : diff * diff;
        mad += weights[i] * diff;
      }
      if (mad < best_mad) {
        std::copy(Laux, Laux + n, L);
        best_mad = mad;
        scale = this_scale;
        min = this_min;
      }
    }
  }
  *the_min = -min;
  return scale;
}

// Packs four 2-bit planes: byte l of each 32-byte group holds L[l], L[l+32], L[l+64],
// L[l+96] in bits 0-1, 2-3, 4-5, 6-7.
void Pack2Bit(const uint8_t* L, uint8_t* qs) {
  for (int j = 0; j < kQK_K; j += 128) {
    for (int l = 0; l < 32; ++l) {
      qs[j / 4 + l] = static_cast<uint8_t>(L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) |
                                           (L[j + l + 96] << 6));
    }
  }
}

// Q4_K/Q5_K: 8 sub-blocks of 32 with 6-bit scales and mins; fills d, dmin, scales and L.
template <typename Block>
void QuantizeScalesMinsK(const float* x, Block* b, uint8_t* L, int nmax, float rmin, int nstep) {
  uint8_t Laux[32];
  float weights[32], mins[8], scales[8];
  float max_scale = 0, max_min = 0;
  for (int j = 0; j < 8; ++j) {
    float sum_x2 = 0;
    for (int l = 0; l < 32; ++l) sum_x2 += x[32 * j + l] * x[32 * j + l];
    const float av_x = std::sqrt(sum_x2 / 32);
    for (int l = 0; l < 32; ++l) weights[l] = av_x + std::fabs(x[32 * j + l]);
    scales[j] = MakeQkx2Quants(32, nmax, x + 32 * j, weights, L + 32 * j, &mins[j], Laux, rmin,
                               0.1f, nstep, false);
    max_scale = std::max(max_scale, scales[j]);
    max_min = std::max(max_min, mins[j]);
  }
  const float inv_scale = max_scale > 0 ? 63.0f / max_scale : 0.0f;
  const float inv_min = max_min > 0 ? 63.0f / max_min : 0.0f;
  std::memset(b->scales, 0, sizeof(b->scales));
  for (int j = 0; j < 8; ++j) {
    const uint8_t ls =
        std::min<uint8_t>(63, static_cast<uint8_t>(NearestInt(inv_scale * scales[j])));
    const uint8_t lm = std::min<uint8_t>(63, static_cast<uint8_t>(NearestInt(inv_min * mins[j])));
    if (j < 4) {
      b->scales[j] = ls;
      b->scales[j + 4] = lm;
    } else {
      b->scales[j + 4] = static_cast<uint8_t>((ls & 0x0f) | ((lm & 0x0f) << 4));
      b->scales[j - 4] |= static_cast<uint8_t>((ls >> 4) << 6);
      b->scales[j] |= static_cast<uint8_t>((lm >> 4) << 6);
    }
  }
  b->d = F32ToF16(max_scale / 63.0f);
  b->dmin = F32ToF16(max_min / 63.0f);
  for (int j = 0; j < 8; ++j) {
    uint8_t sc, m;
    if (j < 4) {
      sc = b->scales[j] & 63;
      m = b->scales[j + 4] & 63;
    } else {
      sc = static_cast<uint8_t>((b->scales[j + 4] & 0x0f) | ((b->scales[j - 4] >> 6) << 4));
      m = static_cast<uint8_t>((b->scales[j + 4] >> 4) | ((b->scales[j] >> 6) << 4));
    }
    const float d = F16ToF32(b->d) * static_cast<float>(sc);
    if (d == 0.0f) continue;
    const float dm = F16ToF32(b->dmin) * static_cast<float>(m);
    for (int ii = 0; ii < 32; ++ii) {
      L[32 * j + ii] =
          static_cast<uint8_t>(std::clamp(NearestInt((x[32 * j + ii] + dm) / d), 0, nmax));
    }
  }
}

}  // namespace

void QuantizeQ2_K(const float* x, void* out, int64_t n) {
  constexpr float kQ4Scale = 15.0f;
  for (int64_t i = 0; i < n / kQK_K; ++i, x += kQK_K) {
    BlockQ2_K b{};
    uint8_t L[kQK_K], Laux[16];
    float weights[16], mins[16], scales[16];
    float max_scale = 0, max_min = 0;
    for (int j = 0; j < 16; ++j) {
      for (int l = 0; l < 16; ++l) weights[l] = std::fabs(x[16 * j + l]);
      scales[j] = MakeQkx2Quants(16, 3, x + 16 * j, weights, L + 16 * j, &mins[j], Laux, -0.5f,
                                 0.1f, 15, true);
      max_scale = std::max(max_scale, scales[j]);
      max_min = std::max(max_min, mins[j]);
    }
    if (max_scale > 0) {
      const float iscale = kQ4Scale / max_scale;
      for (int j = 0; j < 16; ++j)
        b.scales[j] = static_cast<uint8_t>(NearestInt(iscale * scales[j]));
      b.d = F32ToF16(max_scale / kQ4Scale);
    } else {
      b.d = F32ToF16(0.0f);
    }
    if (max_min > 0) {
      const float iscale = kQ4Scale / max_min;
      for (int j = 0; j < 16; ++j) {
        b.scales[j] |= static_cast<uint8_t>(NearestInt(iscale * mins[j]) << 4);
      }
      b.dmin = F32ToF16(max_min / kQ4Scale);
    } else {
      b.dmin = F32ToF16(0.0f);
    }
    for (int j = 0; j < 16; ++j) {
      const float d = F16ToF32(b.d) * static_cast<float>(b.scales[j] & 0x0f);
      if (d == 0.0f) continue;
      const float dm = F16ToF32(b.dmin) * static_cast<float>(b.scales[j] >> 4);
      for (int ii = 0; ii < 16; ++ii) {
        L[16 * j + ii] =
            static_cast<uint8_t>(std::clamp(NearestInt((x[16 * j + ii] + dm) / d), 0, 3));
      }
    }
    Pack2Bit(L, b.qs);
    std::memcpy(static_cast<uint8_t*>(out) + i * sizeof(b), &b, sizeof(b));
  }
}

void QuantizeQ3_K(const float* x, void* out, int64_t n) {
  for (int64_t i = 0; i < n / kQK_K; ++i, x += kQK_K) {
    BlockQ3_K b{};
    int8_t L[kQK_K];
    float scales[16];
    float max_scale = 0, amax = 0;
    for (int j = 0; j < 16; ++j) {
      scales[j] = MakeQ3Quants(16, 4, x + 16 * j, L + 16 * j);
      const float scale = std::fabs(scales[j]);
      if (scale > amax) {
        amax = scale;
        max_scale = scales[j];
      }
    }
    if (max_scale != 0.0f) {
      // 6-bit scales: low nibbles in bytes 0-7, high 2 bits in bytes 8-11.
      const float iscale = -32.0f / max_scale;
      for (int j = 0; j < 16; ++j) {
        const int l =
            std::clamp(static_cast<int>(static_cast<int8_t>(NearestInt(iscale * scales[j]))), -32,
                       31) +
            32;
        if (j < 8) {
          b.scales[j] = static_cast<uint8_t>(l & 0x0f);
        } else {
          b.scales[j - 8] |= static_cast<uint8_t>((l & 0x0f) << 4);
        }
        b.scales[j % 4 + 8] |= static_cast<uint8_t>((l >> 4) << (2 * (j / 4)));
      }
      b.d = F32ToF16(1 / iscale);
    } else {
      b.d = F32ToF16(0.0f);
    }
    for (int j = 0; j < 16; ++j) {
      int sc = j < 8 ? b.scales[j] & 0x0f : b.scales[j - 8] >> 4;
      sc = (sc | (((b.scales[8 + j % 4] >> (2 * (j / 4))) & 3) << 4)) - 32;
      const float d = F16ToF32(b.d) * static_cast<float>(sc);
      if (d == 0.0f) continue;
      for (int ii = 0; ii < 16; ++ii) {
        L[16 * j + ii] = static_cast<int8_t>(std::clamp(NearestInt(x[16 * j + ii] / d), -4, 3) + 4);
      }
    }
    // High bit of value j goes to bit (j / 32) of hmask[j % 32].
    uint8_t Lu[kQK_K];
    for (int j = 0; j < kQK_K; ++j) {
      Lu[j] = static_cast<uint8_t>(L[j]);
      if (Lu[j] > 3) {
        b.hmask[j % 32] |= static_cast<uint8_t>(1 << (j / 32));
        Lu[j] = static_cast<uint8_t>(Lu[j] - 4);
      }
    }
    Pack2Bit(Lu, b.qs);
    std::memcpy(static_cast<uint8_t*>(out) + i * sizeof(b), &b, sizeof(b));
  }
}

void QuantizeQ4_K(const float* x, void* out, int64_t n) {
  for (int64_t i = 0; i < n / kQK_K; ++i, x += kQK_K) {
    BlockQ4_K b{};
    uint8_t L[kQK_K];
    QuantizeScalesMinsK(x, &b, L, 15, -1.0f, 20);
    for (int j = 0; j < kQK_K; j += 64) {
      for (int l = 0; l < 32; ++l)
        b.qs[j / 2 + l] = static_cast<uint8_t>(L[j + l] | (L[j + l + 32] << 4));
    }
    std::memcpy(static_cast<uint8_t*>(out) + i * sizeof(b), &b, sizeof(b));
  }
}

void QuantizeQ5_K(const float* x, void* out, int64_t n) {
  for (int64_t i = 0; i < n / kQK_K; ++i, x += kQK_K) {
    BlockQ5_K b{};
    uint8_t L[kQK_K];
    QuantizeScalesMinsK(x, &b, L, 31, -0.5f, 15);
    uint8_t m1 = 1, m2 = 2;
    for (int k = 0; k < kQK_K; k += 64) {
      for (int j = 0; j < 32; ++j) {
        int l1 = L[k + j], l2 = L[k + j + 32];
        if (l1 > 15) {
          l1 -= 16;
          b.qh[j] |= m1;
        }
        if (l2 > 15) {
          l2 -= 16;
          b.qh[j] |= m2;
        }
        b.qs[k / 2 + j] = static_cast<uint8_t>(l1 | (l2 << 4));
      }
      m1 = static_cast<uint8_t>(m1 << 2);
      m2 = static_cast<uint8_t>(m2 << 2);
    }
    std::memcpy(static_cast<uint8_t*>(out) + i * sizeof(b), &b, sizeof(b));
  }
}

void QuantizeQ6_K(const float* x, void* out, int64_t n) {
  for (int64_t i = 0; i < n / kQK_K; ++i, x += kQK_K) {
    BlockQ6_K b{};
    int8_t L[kQK_K];
    float scales[16];
    float max_scale = 0, max_abs_scale = 0;
    for (int ib = 0; ib < 16; ++ib) {
      scales[ib] = MakeQxQuants(16, 32, x + 16 * ib, L + 16 * ib);
      const float abs_scale = std::fabs(scales[ib]);
      if (abs_scale > max_abs_scale) {
        max_abs_scale = abs_scale;
        max_scale = scales[ib];
      }
    }
    if (max_abs_scale >= kGroupMaxEps) {
      const float iscale = -128.0f / max_scale;
      b.d = F32ToF16(1 / iscale);
      for (int ib = 0; ib < 16; ++ib) {
        b.scales[ib] = static_cast<int8_t>(std::min(127, NearestInt(iscale * scales[ib])));
      }
      for (int j = 0; j < 16; ++j) {
        const float d = F16ToF32(b.d) * static_cast<float>(b.scales[j]);
        if (d == 0.0f) continue;
        for (int ii = 0; ii < 16; ++ii) {
          L[16 * j + ii] =
              static_cast<int8_t>(std::clamp(NearestInt(x[16 * j + ii] / d), -32, 31) + 32);
        }
      }
      for (int j = 0; j < kQK_K; j += 128) {
        uint8_t* ql = b.ql + j / 2;
        uint8_t* qh = b.qh + j / 4;
        for (int l = 0; l < 32; ++l) {
          const int q1 = L[j + l] & 0x0f, q2 = L[j + l + 32] & 0x0f;
          const int q3 = L[j + l + 64] & 0x0f, q4 = L[j + l + 96] & 0x0f;
          ql[l] = static_cast<uint8_t>(q1 | (q3 << 4));
          ql[l + 32] = static_cast<uint8_t>(q2 | (q4 << 4));
          qh[l] = static_cast<uint8_t>((L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) |
                                       ((L[j + l + 64] >> 4) << 4) | ((L[j + l + 96] >> 4) << 6));
        }
      }
    }
    std::memcpy(static_cast<uint8_t*>(out) + i * sizeof(b), &b, sizeof(b));
  }
}

}  // namespace strata::genai::internal
