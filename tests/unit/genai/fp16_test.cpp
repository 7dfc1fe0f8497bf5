// F16 and BF16 conversions: exhaustive over all 65536 encodings, and against the
// compiler's own _Float16 (round-to-nearest-even) on edge cases and random floats.
#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "genai/genai.h"

namespace strata::genai {
namespace {

uint32_t Bits(float f) {
  return std::bit_cast<uint32_t>(f);
}

TEST(Fp16Test, EveryF16RoundTripsExactly) {
  for (uint32_t h = 0; h < 65536; ++h) {
    const float f = F16ToF32(static_cast<uint16_t>(h));
    const bool is_nan = (h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0;
    if (is_nan) {
      EXPECT_TRUE(std::isnan(f)) << h;
      // Quiet NaNs keep their payload; signalling ones become quiet.
      EXPECT_EQ(F32ToF16(f), static_cast<uint16_t>(h | 0x200)) << h;
    } else {
      EXPECT_EQ(F32ToF16(f), h) << std::hex << h;
    }
  }
}

TEST(Fp16Test, MatchesCompilerFloat16) {
  for (uint32_t h = 0; h < 65536; ++h) {
    const float want = static_cast<float>(std::bit_cast<_Float16>(static_cast<uint16_t>(h)));
    const float got = F16ToF32(static_cast<uint16_t>(h));
    if (std::isnan(want)) {
      EXPECT_TRUE(std::isnan(got));
    } else {
      EXPECT_EQ(Bits(got), Bits(want)) << std::hex << h;
    }
  }
  std::vector<float> cases = {0.0f,
                              -0.0f,
                              1.0f,
                              -1.0f,
                              65504.0f,
                              65519.99f,
                              65520.0f,
                              1e10f,
                              -1e10f,
                              std::numeric_limits<float>::infinity(),
                              -std::numeric_limits<float>::infinity(),
                              5.960464477539063e-08f,
                              2.9802322387695312e-08f,  // 2^-25: ties to zero
                              2.9802326e-08f,
                              8.940697e-08f,
                              6.097555e-05f,
                              6.1035156e-05f,
                              std::numeric_limits<float>::denorm_min(),
                              1e-30f,
                              0.1f,
                              1.0009765f};
  std::mt19937 rng(42);
  std::uniform_int_distribution<uint32_t> any_bits;
  for (int i = 0; i < 1000000; ++i) {
    const float f = std::bit_cast<float>(any_bits(rng));
    if (!std::isnan(f)) cases.push_back(f);
  }
  // Dense around the F16 range, where the rounding matters.
  std::uniform_real_distribution<float> near(-70000.0f, 70000.0f);
  for (int i = 0; i < 200000; ++i) cases.push_back(near(rng));
  std::uniform_real_distribution<float> tiny(-1e-4f, 1e-4f);
  for (int i = 0; i < 200000; ++i) cases.push_back(tiny(rng));
  for (float f : cases) {
    const uint16_t want = std::bit_cast<uint16_t>(static_cast<_Float16>(f));
    ASSERT_EQ(F32ToF16(f), want) << f << " bits " << std::hex << Bits(f);
  }
}

TEST(Fp16Test, Bf16RoundsToNearestEvenAndKeepsNan) {
  for (uint32_t b = 0; b < 65536; ++b) {
    const float f = Bf16ToF32(static_cast<uint16_t>(b));
    EXPECT_EQ(Bits(f), b << 16);
    if (!std::isnan(f)) {
      EXPECT_EQ(F32ToBf16(f), b);
    }
  }
  EXPECT_EQ(F32ToBf16(std::bit_cast<float>(0x3f808000u)), 0x3f80);  // tie, even stays
  EXPECT_EQ(F32ToBf16(std::bit_cast<float>(0x3f818000u)), 0x3f82);  // tie, odd rounds up
  EXPECT_EQ(F32ToBf16(std::bit_cast<float>(0x3f808001u)), 0x3f81);
  EXPECT_EQ(F32ToBf16(std::bit_cast<float>(0x7f7fffffu)), 0x7f80);  // max float -> inf
  EXPECT_TRUE(std::isnan(Bf16ToF32(F32ToBf16(std::bit_cast<float>(0x7f800001u)))));
}

}  // namespace
}  // namespace strata::genai
