// GGUF writer -> reader round trips, typed metadata access, and the reader's handling
// of truncated, corrupt and hostile files (hand-built byte by byte).

#include <cstring>
#include <filesystem>
#include <random>

#include <gtest/gtest.h>

#include "genai/genai.h"
#include "temp_dir.h"

namespace strata::genai {
namespace {

namespace fs = std::filesystem;

std::span<const std::byte> AsBytes(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

template <typename T>
std::span<const std::byte> AsBytes(const std::vector<T>& v) {
  return std::as_bytes(std::span<const T>(v));
}

using testing::TempDir;

// A writer holding every kind of metadata value and a few tensor types.
GgufWriter MakeSample(uint32_t version = 3) {
  GgufWriter w(version);
  GgufMetadata& m = w.metadata();
  m.Set("general.architecture", GgufValue::String("llama"));
  m.Set("t.u8", GgufValue::U8(200));
  m.Set("t.i8", GgufValue::I8(-100));
  m.Set("t.u16", GgufValue::U16(60000));
  m.Set("t.i16", GgufValue::I16(-30000));
  m.Set("t.u32", GgufValue::U32(4000000000u));
  m.Set("t.i32", GgufValue::I32(-2000000000));
  m.Set("t.u64", GgufValue::U64(1ull << 60));
  m.Set("t.i64", GgufValue::I64(-(1ll << 60)));
  m.Set("t.f32", GgufValue::F32(1e-5f));
  m.Set("t.f64", GgufValue::F64(3.141592653589793));
  m.Set("t.bool", GgufValue::Bool(true));
  m.Set("t.empty_string", GgufValue::String(""));
  m.Set("t.utf8", GgufValue::String("Ünïcödé 日本語 🦙"));
  const std::vector<float> scores = {0.0f, -1.5f, 2.25f};
  m.Set("tokenizer.ggml.scores", GgufValue::Array<float>(GgufType::kFloat32, scores));
  const std::vector<int32_t> types = {1, 3, 6};
  m.Set("tokenizer.ggml.token_type", GgufValue::Array<int32_t>(GgufType::kInt32, types));
  m.Set("tokenizer.ggml.tokens", GgufValue::StringArray({"<unk>", "▁the", ""}));
  const std::vector<uint8_t> flags = {1, 0, 1};
  m.Set("t.bools", GgufValue::Array<uint8_t>(GgufType::kBool, flags));
  const std::vector<uint64_t> big = {1, 2, 1ull << 63};
  m.Set("t.u64s", GgufValue::Array<uint64_t>(GgufType::kUint64, big));
  m.Set("t.empty_array", GgufValue::Array<double>(GgufType::kFloat64, std::vector<double>{}));
  m.Set("t.nested", GgufValue::NestedArray(
                        {GgufValue::StringArray({"a", "b"}),
                         GgufValue::Array<int16_t>(GgufType::kInt16, std::vector<int16_t>{-1, 7}),
                         GgufValue::NestedArray({GgufValue::StringArray({"deep"})})}));

  std::vector<float> weights(64 * 3);
  for (size_t i = 0; i < weights.size(); ++i) weights[i] = std::sin(static_cast<float>(i));
  EXPECT_TRUE(w.AddTensorFromF32("blk.0.attn_q.weight", TensorType::kF32, {64, 3}, weights).ok());
  EXPECT_TRUE(w.AddTensorFromF32("blk.0.attn_k.weight", TensorType::kQ8_0, {64, 3}, weights).ok());
  EXPECT_TRUE(w.AddTensorFromF32("norm", TensorType::kF16, {7}, std::span(weights).first(7)).ok());
  std::vector<std::byte> q4k(144 * 2);
  std::mt19937 rng(1);
  for (auto& b : q4k) b = static_cast<std::byte>(rng());
  EXPECT_TRUE(w.AddTensor("blk.0.ffn_down.weight", TensorType::kQ4_K, {256, 2}, q4k).ok());
  return w;
}

TEST(GgufRoundTripTest, WriteThenReadGivesIdenticalMetadataAndBytes) {
  for (uint32_t version : {2u, 3u}) {
    SCOPED_TRACE(version);
    TempDir dir;
    GgufWriter w = MakeSample(version);
    const fs::path path = dir.path() / "model.gguf";
    ASSERT_TRUE(w.WriteFile(path).ok());
    Result<GgufFile> f = GgufFile::Open(path);
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    EXPECT_EQ(f->version(), version);
    EXPECT_EQ(f->alignment(), 32u);
    EXPECT_EQ(f->metadata(), w.metadata());
    ASSERT_EQ(f->tensors().size(), 4u);
    EXPECT_EQ(f->data_offset() % 32, 0u);

    // Byte-identical to the in-memory image, and each tensor's bytes as written.
    Result<std::string> image = w.WriteToString();
    ASSERT_TRUE(image.ok());
    EXPECT_EQ(*core::ReadFile(path), *image);
    Result<GgufFile> mem = GgufFile::FromMemory(AsBytes(*image), "mem.gguf");
    ASSERT_TRUE(mem.ok()) << mem.status().ToString();
    for (const GgufTensorInfo& t : f->tensors()) {
      GgufTensorView a = f->View(t);
      GgufTensorView b = *mem->Tensor(t.name);
      ASSERT_EQ(a.data.size(), b.data.size());
      EXPECT_EQ(0, std::memcmp(a.data.data(), b.data.data(), a.data.size())) << t.name;
      EXPECT_EQ(reinterpret_cast<uintptr_t>(a.data.data()) % 32, 0u) << "mapped data aligned";
    }
    const GgufTensorInfo* q = f->FindTensor("blk.0.attn_q.weight");
    ASSERT_NE(q, nullptr);
    EXPECT_EQ(q->dims, (std::vector<int64_t>{64, 3}));
    EXPECT_EQ(q->n_rows(), 3);
    EXPECT_EQ(q->row_bytes(), 256u);
    EXPECT_EQ(f->View(*q).As<float>()[65], std::sin(65.0f));
    EXPECT_EQ(f->FindTensor("norm")->type, TensorType::kF16);
    EXPECT_EQ(f->FindTensor("blk.0.ffn_down.weight")->size_bytes, 288u);

    Result<std::vector<float>> k = f->DequantizeTensor("blk.0.attn_k.weight");
    ASSERT_TRUE(k.ok());
    for (size_t i = 0; i < k->size(); ++i) {
      EXPECT_NEAR((*k)[i], std::sin(static_cast<float>(i)), 1.0f / 127.0f);
    }
    EXPECT_EQ(f->Tensor("nope").status().code(), ErrorCode::kNotFound);
  }
}

TEST(GgufRoundTripTest, CustomAlignmentAndNoTensors) {
  GgufWriter w;
  ASSERT_TRUE(w.SetAlignment(64).ok());
  EXPECT_FALSE(w.SetAlignment(48).ok());
  ASSERT_TRUE(w.AddTensorFromF32("a", TensorType::kF32, {3}, std::vector<float>{1, 2, 3}).ok());
  ASSERT_TRUE(w.AddTensorFromF32("b", TensorType::kF32, {1}, std::vector<float>{4}).ok());
  std::string image = *w.WriteToString();
  Result<GgufFile> f = GgufFile::FromMemory(AsBytes(image), "aligned.gguf");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->alignment(), 64u);
  EXPECT_EQ(f->FindTensor("b")->offset, 64u);
  EXPECT_EQ(f->data_offset() % 64, 0u);

  GgufWriter vocab;
  vocab.metadata().Set("tokenizer.ggml.model", GgufValue::String("llama"));
  std::string vimage = *vocab.WriteToString();
  Result<GgufFile> v = GgufFile::FromMemory(AsBytes(vimage), "vocab.gguf");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE(v->tensors().empty());
}

TEST(GgufWriterTest, RejectsBadTensors) {
  GgufWriter w;
  std::vector<std::byte> bytes(34);
  EXPECT_TRUE(w.AddTensor("x", TensorType::kQ8_0, {32}, bytes).ok());
  EXPECT_FALSE(w.AddTensor("x", TensorType::kQ8_0, {32}, bytes).ok());  // duplicate
  EXPECT_FALSE(w.AddTensor("y", TensorType::kQ8_0, {33}, bytes).ok());  // partial block
  EXPECT_FALSE(w.AddTensor("z", TensorType::kQ8_0, {64}, bytes).ok());  // wrong size
  EXPECT_FALSE(w.AddTensor("w", TensorType::kQ8_0, {32, 1, 1, 1, 1}, bytes).ok());
  EXPECT_FALSE(w.AddTensorFromF32("q", TensorType::kIQ2_XS, {256}, std::vector<float>(256)).ok());
}

TEST(GgufMetadataTest, TypedAccessorsNameKeyAndTypes) {
  GgufWriter w = MakeSample();
  const GgufMetadata& m = w.metadata();
  EXPECT_EQ(*m.GetString("general.architecture"), "llama");
  EXPECT_EQ(*m.GetU32("t.u32"), 4000000000u);
  EXPECT_EQ(*m.GetU32("t.u8"), 200u);  // widening is fine
  EXPECT_EQ(*m.GetI32("t.i16"), -30000);
  EXPECT_EQ(*m.GetU64("t.u64"), 1ull << 60);
  EXPECT_EQ(*m.GetI64("t.i64"), -(1ll << 60));
  EXPECT_EQ(*m.GetF32("t.f32"), 1e-5f);
  EXPECT_EQ(*m.GetF64("t.f64"), 3.141592653589793);
  EXPECT_TRUE(*m.GetBool("t.bool"));
  EXPECT_EQ(m.GetStringArray("tokenizer.ggml.tokens")->size(), 3u);
  EXPECT_EQ((*m.GetStringArray("tokenizer.ggml.tokens"))[1], "▁the");
  EXPECT_EQ((*m.GetF32Array("tokenizer.ggml.scores"))[2], 2.25f);
  EXPECT_EQ((*m.GetI32Array("tokenizer.ggml.token_type"))[2], 6);
  EXPECT_EQ(*m.GetU32Or("missing", 7), 7u);
  EXPECT_EQ(*m.GetStringOr("missing", "x"), "x");
  EXPECT_EQ((*m.Find("t.bools")->ArrayOf<uint8_t>())[1], 0);
  auto nested = *m.Find("t.nested")->AsNestedArray();
  ASSERT_EQ(nested.size(), 3u);
  EXPECT_EQ((*nested[2].AsNestedArray())[0].string_items()[0], "deep");

  Status s = m.GetU32("general.architecture").status();
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "metadata key 'general.architecture': expected uint32, got string");
  s = m.GetU32("t.i8").status();  // negative does not fit
  EXPECT_NE(s.message().find("t.i8"), std::string::npos) << s.message();
  s = m.GetU32("t.u64").status();  // too large
  EXPECT_NE(s.message().find("does not fit uint32"), std::string::npos) << s.message();
  s = m.GetI32Array("tokenizer.ggml.scores").status();
  EXPECT_EQ(s.message(),
            "metadata key 'tokenizer.ggml.scores': expected array<int32>, got array<float32>");
  s = m.GetString("llama.block_count").status();
  EXPECT_EQ(s.message(), "metadata key 'llama.block_count' is missing");
  EXPECT_FALSE(m.GetBoolOr("t.u8", false).ok());  // present with the wrong type
  EXPECT_FALSE(m.GetArray("t.u8").ok());
}

// ---- Corrupt and hostile files ----

// Builds GGUF images field by field so tests can write what the writer never would.
class Raw {
 public:
  template <typename T>
  Raw& Put(T v) {
    bytes_.append(reinterpret_cast<const char*>(&v), sizeof(T));
    return *this;
  }
  Raw& Str(std::string_view s) {
    Put<uint64_t>(s.size());
    bytes_.append(s);
    return *this;
  }
  Raw& Header(uint64_t n_tensors, uint64_t n_kv, uint32_t version = 3) {
    return Put<uint32_t>(kGgufMagic).Put<uint32_t>(version).Put(n_tensors).Put(n_kv);
  }
  Raw& TensorInfo(std::string_view name, std::vector<uint64_t> dims, uint32_t type,
                  uint64_t offset) {
    Str(name).Put<uint32_t>(static_cast<uint32_t>(dims.size()));
    for (uint64_t d : dims) Put(d);
    return Put(type).Put(offset);
  }
  Raw& PadTo(size_t alignment) {
    bytes_.resize((bytes_.size() + alignment - 1) / alignment * alignment, '\0');
    return *this;
  }
  Raw& Zeros(size_t n) {
    bytes_.append(n, '\0');
    return *this;
  }
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

Status Parse(const std::string& image) {
  return GgufFile::FromMemory(AsBytes(image), "model.gguf").status();
}

void ExpectError(const std::string& image, std::string_view fragment) {
  Status s = Parse(image);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument) << s.ToString();
  EXPECT_NE(s.message().find(fragment), std::string::npos)
      << "message: " << s.message() << "\nexpected to contain: " << fragment;
  EXPECT_EQ(s.message().rfind("model.gguf: ", 0), 0u) << s.message();
}

TEST(GgufReaderErrorsTest, EveryTruncationIsAnErrorNotACrash) {
  const std::string image = *MakeSample().WriteToString();
  Result<GgufFile> full = GgufFile::FromMemory(AsBytes(image), "full");
  ASSERT_TRUE(full.ok());
  uint64_t data_end = 0;
  for (const auto& t : full->tensors()) {
    data_end = std::max(data_end, full->data_offset() + t.offset + t.size_bytes);
  }
  for (size_t n = 0; n < data_end; ++n) {
    Status s = Parse(image.substr(0, n));
    ASSERT_FALSE(s.ok()) << "prefix of " << n << " bytes parsed";
    ASSERT_EQ(s.code(), ErrorCode::kInvalidArgument);
  }
  EXPECT_TRUE(Parse(image.substr(0, data_end)).ok());  // trailing padding is optional
}

TEST(GgufReaderErrorsTest, HeaderProblems) {
  ExpectError("", "truncated: magic");
  ExpectError("GGML" + std::string(20, '\0'), "not a GGUF file (magic is 'GGML'");
  ExpectError(Raw().Header(0, 0, 1).bytes(), "unsupported GGUF version 1");
  ExpectError(Raw().Header(0, 0, 4).bytes(), "unsupported GGUF version 4");
  ExpectError(Raw().Header(0, 0, 0x03000000).bytes(), "big-endian");
  ExpectError(Raw().Header(0, 1ull << 62).bytes(),
              "metadata count 4611686018427387904 is impossible");
  ExpectError(Raw().Header(~0ull, 0).bytes(), "tensor count");
}

TEST(GgufReaderErrorsTest, MetadataProblems) {
  ExpectError(Raw().Header(0, 1).Put<uint64_t>(1ull << 40).Zeros(16).bytes(),
              "more than the limit");
  ExpectError(Raw().Header(0, 1).Str("k").Put<uint32_t>(13).Zeros(8).bytes(),
              "unknown value type 13");
  ExpectError(
      Raw().Header(0, 1).Str("k").Put<uint32_t>(8).Put<uint64_t>(1ull << 50).Zeros(8).bytes(),
      "metadata key 'k' needs 1125899906842624 bytes");
  // An array claiming 2^40 floats in a tiny file: refused before allocating.
  ExpectError(Raw()
                  .Header(0, 1)
                  .Str("k")
                  .Put<uint32_t>(9)
                  .Put<uint32_t>(6)
                  .Put<uint64_t>(1ull << 40)
                  .Zeros(16)
                  .bytes(),
              "array of 1099511627776 float32");
  ExpectError(
      Raw().Header(0, 1).Str("k").Put<uint32_t>(9).Put<uint32_t>(99).Put<uint64_t>(0).bytes(),
      "unknown array element type 99");
  ExpectError(Raw()
                  .Header(0, 2)
                  .Str("k")
                  .Put<uint32_t>(0)
                  .Put<uint8_t>(1)
                  .Str("k")
                  .Put<uint32_t>(0)
                  .Put<uint8_t>(2)
                  .bytes(),
              "duplicate metadata key 'k'");
  Raw deep;
  deep.Header(0, 1).Str("k").Put<uint32_t>(9);
  for (int i = 0; i < 20; ++i) deep.Put<uint32_t>(9).Put<uint64_t>(1);
  deep.Zeros(64);
  ExpectError(deep.bytes(), "nested deeper than 8");
  ExpectError(
      Raw().Header(0, 1).Str("general.alignment").Put<uint32_t>(4).Put<uint32_t>(48).bytes(),
      "general.alignment is 48, not a power of two");
  ExpectError(Raw().Header(0, 1).Str("general.alignment").Put<uint32_t>(8).Str("x").bytes(),
              "general.alignment: expected uint32, got string");
}

TEST(GgufReaderErrorsTest, TensorProblems) {
  const uint32_t f32 = 0;
  auto one = [&](std::vector<uint64_t> dims, uint32_t type, uint64_t offset, size_t data) {
    return Raw()
        .Header(1, 0)
        .TensorInfo("blk.0.attn_q.weight", dims, type, offset)
        .PadTo(32)
        .Zeros(data)
        .bytes();
  };
  EXPECT_TRUE(Parse(one({8, 2}, f32, 0, 64)).ok());
  ExpectError(one({8, 2}, 4, 0, 64), "tensor 'blk.0.attn_q.weight' has unknown tensor type 4");
  ExpectError(one({8, 2}, 77, 0, 64), "unknown tensor type 77");
  ExpectError(one({8, 2, 1, 1, 1}, f32, 0, 64), "has 5 dimensions");
  ExpectError(one({8, 2}, 8 /*Q8_0*/, 0, 64),
              "row length 8 is not a multiple of the Q8_0 block size 32");
  ExpectError(one({8, 2}, f32, 16, 64), "offset 16 is not a multiple of the alignment 32");
  // Data past the end, with offsets from the start of the file in the message: the
  // header takes 83 bytes, padded to 96.
  ExpectError(one({8, 2}, f32, 32, 64),
              "model.gguf: tensor 'blk.0.attn_q.weight' data [128, 192) extends past end of file "
              "(size 160)");
  ExpectError(one({1ull << 62, 1ull << 62}, f32, 0, 64), "absurd dimension");
  ExpectError(one({1ull << 62}, f32, 0, 64), "absurdly large");  // 2^64 bytes
  ExpectError(one({1ull << 61}, f32, 0, 64), "extends past end of file");
  ExpectError(one({8, 2}, f32, ~0ull - 31, 64), "extends past end of file");

  const std::string dup = Raw()
                              .Header(2, 0)
                              .TensorInfo("a", {8}, f32, 0)
                              .TensorInfo("a", {8}, f32, 32)
                              .PadTo(32)
                              .Zeros(64)
                              .bytes();
  ExpectError(dup, "duplicate tensor 'a'");
  const std::string overlap = Raw()
                                  .Header(2, 0)
                                  .TensorInfo("a", {16}, f32, 0)
                                  .TensorInfo("b", {8}, f32, 32)
                                  .PadTo(32)
                                  .Zeros(96)
                                  .bytes();
  ExpectError(overlap, "tensors 'a' [0, 64) and 'b' [32, 64) overlap");
}

TEST(GgufReaderErrorsTest, OpenReportsMissingFilesAsNotFound) {
  Result<GgufFile> f = GgufFile::Open("/nonexistent/model.gguf");
  EXPECT_EQ(f.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(f.status().message().find("/nonexistent/model.gguf"), std::string::npos);
}

TEST(GgufReaderErrorsTest, RandomByteFlipsNeverCrash) {
  const std::string image = *MakeSample().WriteToString();
  std::mt19937 rng(7);
  int parsed = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string bad = image;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int j = 0; j < flips; ++j) bad[rng() % 600] = static_cast<char>(rng());
    Result<GgufFile> f = GgufFile::FromMemory(AsBytes(bad), "flipped.gguf");
    if (!f.ok()) continue;
    ++parsed;
    for (const auto& t : f->tensors()) {
      std::vector<float> out(static_cast<size_t>(t.n_elements));
      if (CanDequantize(t.type)) {
        EXPECT_TRUE(Dequantize(t.type, f->View(t).data.data(), out.size(), out.data()).ok());
      }
    }
  }
  EXPECT_GT(parsed, 0);
}

}  // namespace
}  // namespace strata::genai
