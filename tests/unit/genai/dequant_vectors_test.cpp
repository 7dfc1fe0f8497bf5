// Conformance: shared/llm/quant/dequant-vectors.json. For 12 types, ten 256-value rows
// quantized by ggml's reference quantizer; our dequantizer must reproduce the given
// float32 values bit for bit. Our reference quantizers are checked against the same
// blocks (the README allows other quantizers to differ; ours implement the reference
// definition, so any difference would be a bug we want to see).
#include <bit>
#include <cmath>
#include <cstring>
#include <set>

#include <gtest/gtest.h>

#include "genai/genai.h"
#include "shared_data.h"

namespace strata::genai {
namespace {

std::vector<std::byte> FromHex(const std::string& hex) {
  std::vector<std::byte> out(hex.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<std::byte>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  }
  return out;
}

std::vector<float> Floats(const Json& array) {
  std::vector<float> out;
  for (const Json& v : array) out.push_back(static_cast<float>(v.get<double>()));
  return out;
}

const Json& Vectors() {
  static const Json kVectors = testing::LoadSharedJson("quant/dequant-vectors.json");
  return kVectors;
}

TEST(DequantVectorsTest, FileHasAllTwelveTypes) {
  const Json& v = Vectors();
  ASSERT_TRUE(v.is_object()) << "dequant-vectors.json could not be loaded";
  std::set<std::string> names;
  for (const Json& t : v.at("types")) names.insert(t.at("type").get<std::string>());
  EXPECT_EQ(names, (std::set<std::string>{"F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0",
                                          "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"}));
}

TEST(DequantVectorsTest, EveryBlockDequantizesBitExactly) {
  const Json& v = Vectors();
  ASSERT_TRUE(v.is_object()) << "dequant-vectors.json could not be loaded";
  int rows_checked = 0;
  for (const Json& t : v.at("types")) {
    const std::string name = t.at("type").get<std::string>();
    SCOPED_TRACE(name);
    const auto type = TensorTypeFromName(name);
    ASSERT_TRUE(type.has_value());
    const TensorTypeTraits& traits = Traits(*type);
    EXPECT_EQ(static_cast<uint32_t>(*type), t.at("ggml_type_id").get<uint32_t>());
    EXPECT_EQ(traits.block_size, t.at("block_size").get<int64_t>());
    EXPECT_EQ(traits.type_size, t.at("type_size_bytes").get<size_t>());
    for (const Json& row : t.at("rows")) {
      SCOPED_TRACE(row.at("name").get<std::string>());
      const auto blocks = FromHex(row.at("quantized_hex").get<std::string>());
      const auto want = Floats(row.at("dequantized_f32"));
      ASSERT_EQ(blocks.size(), *RowSizeBytes(*type, static_cast<int64_t>(want.size())));
      std::vector<float> got(want.size());
      ASSERT_TRUE(Dequantize(*type, blocks.data(), got.size(), got.data()).ok());
      for (size_t i = 0; i < want.size(); ++i) {
        ASSERT_EQ(std::bit_cast<uint32_t>(got[i]), std::bit_cast<uint32_t>(want[i]))
            << "element " << i << ": got " << got[i] << ", want " << want[i];
      }
      // Unaligned input must decode the same (tensor data can sit anywhere in memory).
      std::vector<std::byte> shifted(blocks.size() + 1);
      std::memcpy(shifted.data() + 1, blocks.data(), blocks.size());
      std::vector<float> got2(want.size());
      ASSERT_TRUE(Dequantize(*type, shifted.data() + 1, got2.size(), got2.data()).ok());
      EXPECT_EQ(0, std::memcmp(got.data(), got2.data(), got.size() * sizeof(float)));
      ++rows_checked;
    }
  }
  EXPECT_EQ(rows_checked, 120);
}

TEST(DequantVectorsTest, ReferenceQuantizersReproduceTheBlocks) {
  const Json& v = Vectors();
  ASSERT_TRUE(v.is_object()) << "dequant-vectors.json could not be loaded";
  int rows_checked = 0;
  for (const Json& t : v.at("types")) {
    const auto type = TensorTypeFromName(t.at("type").get<std::string>());
    ASSERT_TRUE(type.has_value());
    if (!CanQuantize(*type)) continue;
    SCOPED_TRACE(t.at("type").get<std::string>());
    for (const Json& row : t.at("rows")) {
      SCOPED_TRACE(row.at("name").get<std::string>());
      const auto input = Floats(row.at("input_f32"));
      const auto want = FromHex(row.at("quantized_hex").get<std::string>());
      Result<std::vector<std::byte>> got = Quantize(*type, input.data(), input.size());
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      ASSERT_EQ(got->size(), want.size());
      for (size_t i = 0; i < want.size(); ++i) {
        ASSERT_EQ(static_cast<int>((*got)[i]), static_cast<int>(want[i])) << "byte " << i;
      }
      ++rows_checked;
    }
  }
  EXPECT_EQ(rows_checked, 120);  // all 12 types have a reference quantizer
}

TEST(DequantizeTest, RejectsPartialBlocksAndUndecodableTypes) {
  std::vector<std::byte> data(1024);
  std::vector<float> out(512);
  Status s = Dequantize(TensorType::kQ4_0, data.data(), 33, out.data());
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(s.message().find("Q4_0"), std::string::npos) << s.message();
  s = Dequantize(TensorType::kIQ2_XXS, data.data(), 256, out.data());
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(s.message().find("IQ2_XXS"), std::string::npos) << s.message();
  EXPECT_FALSE(Quantize(TensorType::kIQ4_NL, out.data(), 32).ok());
}

TEST(DequantizeTest, RowsWithStride) {
  // Two Q8_0 rows of 32 stored 40 bytes apart.
  std::vector<float> in(64);
  for (int i = 0; i < 64; ++i) in[i] = static_cast<float>(i - 32) / 8.0f;
  auto q = Quantize(TensorType::kQ8_0, in.data(), 64);
  ASSERT_TRUE(q.ok());
  std::vector<std::byte> strided(80);
  std::memcpy(strided.data(), q->data(), 34);
  std::memcpy(strided.data() + 40, q->data() + 34, 34);
  std::vector<float> packed(64), spaced(64);
  ASSERT_TRUE(Dequantize(TensorType::kQ8_0, q->data(), 64, packed.data()).ok());
  ASSERT_TRUE(DequantizeRows(TensorType::kQ8_0, strided.data(), 2, 32, 40, spaced.data()).ok());
  EXPECT_EQ(packed, spaced);
  for (int i = 0; i < 64; ++i) EXPECT_NEAR(packed[i], in[i], 4.0f / 127.0f);
}

TEST(DequantizeTest, Q8KRoundTripsWithinHalfAStep) {
  std::vector<float> in(512);
  for (size_t i = 0; i < in.size(); ++i) in[i] = std::sin(static_cast<float>(i) * 0.37f) * 3.0f;
  auto q = Quantize(TensorType::kQ8_K, in.data(), in.size());
  ASSERT_TRUE(q.ok());
  std::vector<float> out(in.size());
  ASSERT_TRUE(Dequantize(TensorType::kQ8_K, q->data(), out.size(), out.data()).ok());
  for (size_t i = 0; i < in.size(); ++i) EXPECT_NEAR(out[i], in[i], 3.0f / 127.0f * 0.51f);
}

TEST(TensorTypeTest, TableMatchesTheFormat) {
  struct Row {
    TensorType t;
    int64_t block;
    size_t size;
  };
  for (Row r : {Row{TensorType::kF32, 1, 4}, Row{TensorType::kF16, 1, 2},
                Row{TensorType::kBF16, 1, 2}, Row{TensorType::kQ4_0, 32, 18},
                Row{TensorType::kQ4_1, 32, 20}, Row{TensorType::kQ5_0, 32, 22},
                Row{TensorType::kQ5_1, 32, 24}, Row{TensorType::kQ8_0, 32, 34},
                Row{TensorType::kQ2_K, 256, 84}, Row{TensorType::kQ3_K, 256, 110},
                Row{TensorType::kQ4_K, 256, 144}, Row{TensorType::kQ5_K, 256, 176},
                Row{TensorType::kQ6_K, 256, 210}, Row{TensorType::kQ8_K, 256, 292}}) {
    EXPECT_EQ(Traits(r.t).block_size, r.block) << TensorTypeName(r.t);
    EXPECT_EQ(Traits(r.t).type_size, r.size) << TensorTypeName(r.t);
    EXPECT_TRUE(CanDequantize(r.t)) << TensorTypeName(r.t);
  }
  EXPECT_EQ(TensorTypeFromName("q4_k"), TensorType::kQ4_K);
  EXPECT_FALSE(TensorTypeFromName("Q4_2").has_value());
  EXPECT_EQ(FindTensorType(4), nullptr);  // removed Q4_2
  EXPECT_EQ(*RowSizeBytes(TensorType::kQ6_K, 512), 420u);
  EXPECT_FALSE(RowSizeBytes(TensorType::kQ6_K, 100).ok());
}

}  // namespace
}  // namespace strata::genai
