// Every native row-dot kernel against the definition: the dot product, in double, of the
// dequantized weight row and the dequantized activations it was given.
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "genai/dequantize.h"
#include "genai/kernels.h"
#include "genai/matmul.h"
#include "genai/quant_blocks.h"

namespace strata::genai {
namespace {

using internal::ActFormat;

std::vector<float> Gaussian(int64_t n, uint32_t seed, float scale = 1.f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

// Every weight type MatMul multiplies natively.
constexpr TensorType kNativeTypes[] = {
    TensorType::kF32,  TensorType::kF16,  TensorType::kBF16, TensorType::kQ4_0, TensorType::kQ4_1,
    TensorType::kQ5_0, TensorType::kQ5_1, TensorType::kQ8_0, TensorType::kQ2_K, TensorType::kQ3_K,
    TensorType::kQ4_K, TensorType::kQ5_K, TensorType::kQ6_K};

std::vector<float> DecodeActivations(ActFormat format, const std::vector<std::byte>& act,
                                     int64_t n) {
  std::vector<float> out(n);
  if (format == ActFormat::kQ8_0) {
    const auto* b = reinterpret_cast<const internal::ActBlockQ8_0*>(act.data());
    for (int64_t i = 0; i < n; ++i) out[i] = b[i / 32].d * b[i / 32].qs[i % 32];
  } else if (format == ActFormat::kQ8_1) {
    const auto* b = reinterpret_cast<const internal::ActBlockQ8_1*>(act.data());
    for (int64_t i = 0; i < n / 32; ++i) {
      int sum = 0;
      for (int j = 0; j < 32; ++j) {
        out[32 * i + j] = b[i].d * b[i].qs[j];
        sum += b[i].qs[j];
      }
      EXPECT_FLOAT_EQ(b[i].s, b[i].d * static_cast<float>(sum)) << "block " << i;
    }
  } else if (format == ActFormat::kQ8_K) {
    const auto* b = reinterpret_cast<const internal::ActBlockQ8_K*>(act.data());
    for (int64_t i = 0; i < n / 256; ++i) {
      EXPECT_TRUE(Dequantize(TensorType::kQ8_K, &b[i].q, 256, out.data() + 256 * i).ok());
      for (int j = 0; j < 8; ++j) {
        int sum = 0;
        for (int k = 0; k < 32; ++k) sum += b[i].q.qs[32 * j + k];
        EXPECT_FLOAT_EQ(b[i].dsums[j], b[i].q.d * static_cast<float>(sum)) << "block " << i;
      }
    }
  } else {
    std::memcpy(out.data(), act.data(), n * sizeof(float));
  }
  return out;
}

void CheckType(const internal::KernelSet& set, TensorType type, int64_t n) {
  const internal::TypeKernel* kernel = internal::KernelFor(set, type);
  if (kernel == nullptr || (n % 256 != 0 && kernel->act != ActFormat::kF32)) return;
  SCOPED_TRACE(std::string(set.name) + " " + std::string(TensorTypeName(type)) +
               " n=" + std::to_string(n));
  {
    for (uint32_t seed = 1; seed <= 5; ++seed) {
      auto w = Gaussian(n, seed, 0.05f);
      // An offset makes the block minimum (Q4_1, Q5_1, K-quant mins) carry weight.
      if (seed == 4) {
        for (float& v : w) v += 0.2f;
      }
      const auto x = Gaussian(n, seed + 100, seed == 3 ? 30.f : 1.f);
      auto quantized = Quantize(type, w.data(), n);
      ASSERT_TRUE(quantized.ok());
      // Weights sit at any alignment in a mapped file.
      std::vector<std::byte> wq(quantized->size() + 1);
      std::memcpy(wq.data() + 1, quantized->data(), quantized->size());
      std::vector<float> wd(n);
      ASSERT_TRUE(Dequantize(type, wq.data() + 1, n, wd.data()).ok());
      const ActFormat format = kernel->act;
      std::vector<std::byte> act(internal::ActRowBytes(format, n));
      internal::QuantizeActivations(format, x.data(), act.data(), n);
      const auto xd = DecodeActivations(format, act, n);
      double want = 0, scale = 0;
      for (int64_t i = 0; i < n; ++i) {
        want += static_cast<double>(wd[i]) * xd[i];
        scale += std::fabs(static_cast<double>(wd[i]) * xd[i]);
      }
      const float got = kernel->dot(wq.data() + 1, act.data(), n);
      EXPECT_NEAR(got, want, 1e-5 * scale + 1e-6) << "seed " << seed;
    }
  }
}

// A tile of 5 rows x 1..11 tokens (full token groups and every remainder) against the
// definition, with strides wider than the tile; nothing outside the tile is written.
void CheckTiles(const internal::KernelSet& set, int64_t n);

void CheckTiles(const internal::KernelSet& set) {
  // 544: an odd number of 32-value blocks, for tiles that take blocks in pairs.
  for (const int64_t n : {int64_t{512}, int64_t{544}}) {
    CheckTiles(set, n);
  }
}

void CheckTiles(const internal::KernelSet& set, int64_t n) {
  const int64_t n_rows = 21, max_tok = 11, y_stride = n_rows + 2;  // 21: a group of 16 and 5
  for (TensorType type : kNativeTypes) {
    const internal::TypeKernel* kernel = internal::KernelFor(set, type);
    if (kernel == nullptr || kernel->tile == nullptr) continue;
    if (n % Traits(type).block_size != 0) continue;
    SCOPED_TRACE(std::string(set.name) + " " + std::string(TensorTypeName(type)) + " n=" + std::to_string(n));
    const auto w = Gaussian(n * n_rows, 11, 0.05f);
    auto quantized = Quantize(type, w.data(), n * n_rows);
    ASSERT_TRUE(quantized.ok());
    const size_t row_bytes = quantized->size() / n_rows, w_stride = row_bytes + 3;
    // Unaligned rows with a gap of bytes that decode as a scale of about 1: a tile that
    // read past a row's end would change its answer.
    std::vector<uint8_t> wq(w_stride * n_rows + 1 + 64, 0x3c);
    std::vector<float> wd(n * n_rows);
    for (int64_t r = 0; r < n_rows; ++r) {
      std::memcpy(wq.data() + 1 + r * w_stride, quantized->data() + r * row_bytes, row_bytes);
      ASSERT_TRUE(Dequantize(type, wq.data() + 1 + r * w_stride, n, wd.data() + r * n).ok());
    }
    const size_t act_row = internal::ActRowBytes(kernel->act, n);
    std::vector<uint8_t> act(act_row * max_tok);
    std::vector<std::vector<float>> xd;
    for (int64_t t = 0; t < max_tok; ++t) {
      const auto x = Gaussian(n, 200 + t, t == 2 ? 30.f : 1.f);
      internal::QuantizeActivations(kernel->act, x.data(), act.data() + t * act_row, n);
      std::vector<std::byte> one(act_row);
      std::memcpy(one.data(), act.data() + t * act_row, act_row);
      xd.push_back(DecodeActivations(kernel->act, one, n));
    }
    for (int64_t n_tok = 1; n_tok <= max_tok; ++n_tok) {
      std::vector<float> y(y_stride * n_tok, -12345.f);
      internal::TileFor(*kernel, n_tok)(wq.data() + 1, w_stride, n_rows, act.data(), act_row, n_tok, y.data(), y_stride,
                   n);
      for (int64_t t = 0; t < n_tok; ++t) {
        for (int64_t r = 0; r < y_stride; ++r) {
          if (r >= n_rows) {
            EXPECT_EQ(y[t * y_stride + r], -12345.f) << "written outside the tile";
            continue;
          }
          double want = 0, scale = 0;
          for (int64_t i = 0; i < n; ++i) {
            want += static_cast<double>(wd[r * n + i]) * xd[t][i];
            scale += std::fabs(static_cast<double>(wd[r * n + i]) * xd[t][i]);
          }
          EXPECT_NEAR(y[t * y_stride + r], want, 1e-5 * scale + 1e-6)
              << n_tok << " tokens, row " << r << " token " << t;
        }
      }
    }
  }
}

// Every set's activation quantizers write the scalar set's bytes: random rows at two
// scales, a zero block, and ties of opposite sign for the value of largest magnitude.
void CheckQuantizers(const internal::KernelSet& set) {
  const int64_t n = 1024;
  for (uint32_t seed = 1; seed <= 3; ++seed) {
    auto x = Gaussian(n, 300 + seed, seed == 2 ? 1e-3f : 3.f);
    std::fill(x.begin() + 256, x.begin() + 512, 0.f);  // a zero K-block, 8 zero 32-blocks
    // The first of equal magnitudes gives Q8_K its sign, within one 8-value group too.
    x[600] = -50.f;
    x[603] = 50.f;
    x[800] = 50.f;
    x[806] = -50.f;
    for (ActFormat format : {ActFormat::kQ8_0, ActFormat::kQ8_1, ActFormat::kQ8_K}) {
      SCOPED_TRACE(std::string(set.name) + " format " + std::to_string(static_cast<int>(format)));
      const size_t bytes = internal::ActRowBytes(format, n);
      std::vector<uint8_t> want(bytes), got(bytes);
      internal::QuantizeActivations(internal::ScalarKernels(), format, x.data(), want.data(), n);
      internal::QuantizeActivations(set, format, x.data(), got.data(), n);
      EXPECT_EQ(want, got);
    }
  }
}

// n = 1013 checks the tails of the float kernels (block types need whole blocks).
void CheckSet(const internal::KernelSet& set) {
  for (const int64_t n : {int64_t{1024}, int64_t{1013}}) {
    for (TensorType type : kNativeTypes) {
      CheckType(set, type, n);
    }
  }
}

TEST(Kernels, ScalarRowDotsMatchTheDefinition) {
  CheckSet(internal::ScalarKernels());
}

TEST(Kernels, ScalarAndBestSetsCoverEveryNativeType) {
  for (TensorType type : kNativeTypes) {
    EXPECT_NE(internal::KernelFor(internal::ScalarKernels(), type), nullptr)
        << TensorTypeName(type);
    EXPECT_NE(internal::KernelFor(internal::BestKernels(), type), nullptr) << TensorTypeName(type);
  }
  EXPECT_EQ(internal::KernelFor(internal::BestKernels(), TensorType::kF64), nullptr);
  EXPECT_EQ(internal::KernelFor(internal::BestKernels(), TensorType::kIQ4_NL), nullptr);
}

TEST(Kernels, Avx2SetCoversEveryNativeType) {
  const internal::KernelSet* set = internal::Avx2Kernels();
  if (set == nullptr) GTEST_SKIP() << "this CPU has no AVX2/FMA/F16C";
  for (TensorType type : kNativeTypes) {
    const internal::TypeKernel* k = internal::KernelFor(*set, type);
    ASSERT_NE(k, nullptr) << TensorTypeName(type);
    EXPECT_EQ(k->isa, "avx2");
  }
}

TEST(Kernels, Avx2RowDotsAndTilesMatchTheDefinition) {
  const internal::KernelSet* set = internal::Avx2Kernels();
  if (set == nullptr) GTEST_SKIP() << "this CPU has no AVX2/FMA/F16C";
  CheckSet(*set);
  CheckTiles(*set);
  CheckQuantizers(*set);
  const auto a = Gaussian(1000, 7), b = Gaussian(1000, 8);
  double want = 0;
  for (int i = 0; i < 1000; ++i) want += static_cast<double>(a[i]) * b[i];
  EXPECT_NEAR(set->dot_f32(a.data(), b.data(), 1000), want, 1e-3);
  std::vector<float> y(b);
  set->axpy_f32(0.5f, a.data(), y.data(), 1000);
  for (int i = 0; i < 1000; ++i) EXPECT_FLOAT_EQ(y[i], b[i] + 0.5f * a[i]);
}

TEST(Kernels, Avx512SetCoversAllButQ2KAndQ3K) {
  const internal::KernelSet* set = internal::Avx512Kernels();
  if (set == nullptr) GTEST_SKIP() << "this CPU has no AVX-512 F/BW/DQ/VL/VNNI";
  for (TensorType type : kNativeTypes) {
    if (type == TensorType::kQ2_K || type == TensorType::kQ3_K) {
      // Only their generation tiles: row dots and prompt tiles are AVX2's.
      EXPECT_EQ(internal::KernelFor(*set, type), nullptr);
      const internal::TypeKernel* best = internal::KernelFor(internal::BestKernels(), type);
      EXPECT_EQ(best->isa, "avx2");
      EXPECT_NE(best->few, nullptr);
      EXPECT_NE(best->few, best->tile);
      continue;
    }
    const internal::TypeKernel* k = internal::KernelFor(*set, type);
    ASSERT_NE(k, nullptr) << TensorTypeName(type);
    EXPECT_EQ(k->isa, "avx512");
    EXPECT_EQ(internal::KernelFor(internal::BestKernels(), type)->dot, k->dot);
  }
}

// The feed-forward gates of every set against their definitions in double: values over
// the range activations take and past it (e^x overflowing and underflowing), 2^-20
// relative error at most (a few ulp; GELU's computed exponent adds its own rounding),
// and 16-lane sets' tails.
void CheckGates(const internal::KernelSet& set, bool gelu) {
  auto g = Gaussian(1000, 7, 8.f);
  for (float x : {0.f, -0.f, 1e-30f, -1e-30f, 30.f, -30.f, 87.f, -87.f, 100.f, -100.f, 1e6f, -1e6f}) g.push_back(x);
  const auto u = Gaussian(g.size(), 8);
  for (size_t n : {g.size(), size_t{5}}) {
    std::vector<float> out(g.begin(), g.begin() + n);
    (gelu ? set.gelu_mul : set.silu_mul)(out.data(), u.data(), static_cast<int64_t>(n));
    for (size_t i = 0; i < n; ++i) {
      const double x = g[i];
      // e^a: the float rounding of a computed argument alone moves it by |a| ulp.
      const double arg = gelu ? -2 * 0.7978845608028654 * x * (1 + 0.044715 * x * x) : -x;
      const double want = x / (1 + std::exp(arg)) * u[i];
      const double ulps = gelu ? std::max(1.0, std::abs(arg)) : 1.0;
      EXPECT_NEAR(out[i], want, std::abs(want) * ulps * 0x1p-20 + 1e-37)
          << set.name << (gelu ? " gelu" : " silu") << " x " << x << " u " << u[i];
    }
  }
}

TEST(Kernels, GatesMatchTheirDefinitions) {
  CheckGates(internal::ScalarKernels(), false);
  if (const internal::KernelSet* set = internal::Avx512Kernels()) {
    CheckGates(*set, false);
    CheckGates(*set, true);
  }
  EXPECT_NE(internal::BestKernels().silu_mul, nullptr);
  EXPECT_NE(internal::BestKernels().gelu_mul, nullptr);
}

// The grouped attention kernel against softmax(scale * q k^T) v in double, for the head
// sizes it takes, one to eight query heads per key/value head, key counts in and between
// the kernel's blocks of 16, with and without a soft cap, and with scores spread so wide
// that most weights underflow to zero (sharp).
TEST(Kernels, Avx512AttentionMatchesTheDefinition) {
  const internal::KernelSet* set = internal::Avx512Kernels();
  if (set == nullptr) GTEST_SKIP() << "this CPU has no AVX-512 F/BW/DQ/VL/VNNI";
  ASSERT_NE(set->attend, nullptr);
  float unused = 0;
  EXPECT_FALSE(set->attend(&unused, 1, &unused, &unused, 1, 1, 48, 1.f, 0.f, &unused, &unused));
  for (int hd : {64, 96, 128, 256}) {
    for (int n_q : {1, 4, 8}) {
      for (int n_keys : {1, 17, 70, 300}) {
        for (float softcap : {0.f, 5.f}) {
          for (float sharp : {1.f, 40.f}) {
            SCOPED_TRACE("hd " + std::to_string(hd) + " heads " + std::to_string(n_q) + " keys " +
                         std::to_string(n_keys) + " softcap " + std::to_string(softcap) +
                         " sharp " + std::to_string(sharp));
            const size_t stride = 3 * hd;  // other key/value heads between positions
            auto q = Gaussian(n_q * hd, 1);
            for (float& x : q) x *= sharp;
            const auto k = Gaussian(n_keys * stride, 2), v = Gaussian(n_keys * stride, 3);
            const float scale = 1.f / std::sqrt(static_cast<float>(hd));
            std::vector<float> scores(n_q * n_keys), out(n_q * hd, std::nanf(""));
            ASSERT_TRUE(set->attend(q.data(), n_q, k.data() + hd, v.data() + hd, stride, n_keys, hd,
                                    scale, softcap, scores.data(), out.data()));
            for (int h = 0; h < n_q; ++h) {
              std::vector<double> w(n_keys);
              double max = -1e300, sum = 0;
              for (int j = 0; j < n_keys; ++j) {
                double dot = 0;
                for (int i = 0; i < hd; ++i)
                  dot += static_cast<double>(q[h * hd + i]) * k[j * stride + hd + i];
                w[j] = dot * scale;
                if (softcap > 0) w[j] = softcap * std::tanh(w[j] / softcap);
                max = std::max(max, w[j]);
              }
              for (double& x : w) sum += (x = std::exp(x - max));
              for (int i = 0; i < hd; ++i) {
                double want = 0;
                for (int j = 0; j < n_keys; ++j) want += w[j] / sum * v[j * stride + hd + i];
                // Sharp scores are ~40x larger: their float rounding alone moves e^s by ~1e-5.
                EXPECT_NEAR(out[h * hd + i], want, sharp > 1 ? 1e-4 : 1e-5)
                    << "head " << h << " dim " << i;
              }
            }
          }
        }
      }
    }
  }
}

TEST(Kernels, Avx512RowDotsAndTilesMatchTheDefinition) {
  const internal::KernelSet* set = internal::Avx512Kernels();
  if (set == nullptr) GTEST_SKIP() << "this CPU has no AVX-512 F/BW/DQ/VL/VNNI";
  CheckSet(*set);
  CheckTiles(*set);
  CheckQuantizers(internal::BestKernels());
}

// The set MatMul uses: entries merged from several sets (Q2_K/Q3_K's AVX2 prompt tiles
// with AVX-512 generation tiles).
TEST(Kernels, BestSetTilesMatchTheDefinition) {
  CheckTiles(internal::BestKernels());
}

// MatMul over every dequantizable weight type equals row-by-row decoding and dotting.
TEST(MatMul, EveryTypeAgreesWithDecodedRows) {
  const int64_t cols = 512, rows = 37, tokens = 11;  // tiles: full token groups and a rest
  ThreadTeam team(2);
  MatMulScratch scratch;
  const auto x = Gaussian(cols * tokens, 42);
  for (TensorType type :
       {TensorType::kF32, TensorType::kF16, TensorType::kBF16, TensorType::kQ4_0, TensorType::kQ4_1,
        TensorType::kQ5_0, TensorType::kQ5_1, TensorType::kQ8_0, TensorType::kQ2_K,
        TensorType::kQ3_K, TensorType::kQ4_K, TensorType::kQ5_K, TensorType::kQ6_K}) {
    SCOPED_TRACE(std::string(TensorTypeName(type)));
    const auto w = Gaussian(cols * rows, 9, 0.05f);
    auto wq = Quantize(type, w.data(), cols * rows);
    ASSERT_TRUE(wq.ok()) << wq.status().ToString();
    Matrix m{"w", type, wq->data(), cols, rows, wq->size() / rows};
    std::vector<float> y(tokens * rows);
    MatMul(m, x.data(), tokens, y.data(), team, scratch);
    std::vector<float> row(cols);
    for (int64_t r = 0; r < rows; ++r) {
      MatrixRow(m, r, row.data());
      for (int64_t t = 0; t < tokens; ++t) {
        double want = 0, scale = 0;
        for (int64_t i = 0; i < cols; ++i) {
          want += static_cast<double>(row[i]) * x[t * cols + i];
          scale += std::fabs(static_cast<double>(row[i]) * x[t * cols + i]);
        }
        // Activations quantized to 8 bits: about 1% of the magnitude of the terms.
        EXPECT_NEAR(y[t * rows + r], want, 0.02 * scale + 1e-4) << "row " << r << " token " << t;
      }
    }
  }
}

// AMX tiles (whole groups of 16 rows and tokens, the rest through the VNNI tile) give
// what the row dot gives on the same quantized activations, for every type that has
// them: 37 rows = 2 groups + 5, 45 tokens = 2 groups + 13.
TEST(MatMul, AmxTilesAgreeWithRowDots) {
  const internal::KernelSet* amx = internal::AmxKernels();
  if (amx == nullptr) GTEST_SKIP() << "this CPU or OS gives no AMX-INT8";
  const int64_t cols = 768, rows = 37, tokens = 45;
  ThreadTeam team(2);
  MatMulScratch scratch;
  const auto x = Gaussian(cols * tokens, 43);
  int covered = 0;
  for (TensorType type : kNativeTypes) {
    const internal::TypeKernel* k = internal::KernelFor(*amx, type);
    if (k == nullptr || k->amx_tile == nullptr) continue;
    ++covered;
    SCOPED_TRACE(std::string(TensorTypeName(type)));
    ASSERT_EQ(internal::KernelFor(internal::BestKernels(), type)->amx_tile, k->amx_tile);
    auto w = Gaussian(cols * rows, 10, 0.05f);
    for (size_t i = 0; i < w.size(); i += 3) w[i] += 0.1f;  // block minimums carry weight
    auto wq = Quantize(type, w.data(), cols * rows);
    ASSERT_TRUE(wq.ok()) << wq.status().ToString();
    Matrix m{"w", type, wq->data(), cols, rows, wq->size() / rows};
    std::vector<float> y(tokens * rows, std::nanf(""));
    MatMul(m, x.data(), tokens, y.data(), team, scratch);
    const size_t act_row = internal::ActRowBytes(k->act, cols);
    std::vector<std::byte> act(act_row);
    for (int64_t t = 0; t < tokens; ++t) {
      internal::QuantizeActivations(k->act, x.data() + t * cols, act.data(), cols);
      for (int64_t r = 0; r < rows; ++r) {
        const float want = k->dot(m.row(r), act.data(), cols);
        EXPECT_NEAR(y[t * rows + r], want, 2e-5 * std::fabs(want) + 2e-5)
            << "row " << r << " token " << t;
      }
    }
  }
  EXPECT_EQ(covered, 8);  // Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K
}

TEST(MatMul, KernelNamesSayTheSetAndTile) {
  const internal::TypeKernel* k = internal::KernelFor(internal::BestKernels(), TensorType::kQ4_K);
  ASSERT_NE(k, nullptr);
  const std::string amx = k->amx_tile != nullptr ? "; AMX 16x16 tiles for prompts" : "";
  const std::string want = k->tile != nullptr
                               ? "Q4_K x q8_K (" + std::string(k->isa) + ", " +
                                     std::to_string(k->tile_tokens) + "-token tiles" + amx + ")"
                               : "Q4_K x q8_K (" + std::string(k->isa) + ")";
  EXPECT_EQ(MatMulKernelName(TensorType::kQ4_K), want);
  EXPECT_EQ(MatMulKernelName(TensorType::kQ4_1).substr(0, 12), "Q4_1 x q8_1 ");
  EXPECT_EQ(MatMulKernelName(TensorType::kF64).substr(0, 12), "decode + f32");
}

TEST(ThreadTeam, RunsEveryTaskOnceOnDistinctThreadSlots) {
  ThreadTeam team(2);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::atomic<int>> hits(97);
    team.Run(97, [&](int64_t task, int thread) {
      EXPECT_GE(thread, 0);
      EXPECT_LT(thread, team.size());
      hits[task].fetch_add(1);
    });
    for (auto& h : hits) ASSERT_EQ(h.load(), 1);
  }
}

}  // namespace
}  // namespace strata::genai
