#pragma once
// The GGUF data model: metadata values, the metadata table, tensor infos and views.
// gguf_reader.h parses files into these; gguf_writer.h writes them.
//
// Hand-written from the GGUF specification (versions 2 and 3); no Debian 12 package
// reads or writes GGUF.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/core.h"
#include "genai/gguf_value.h"
#include "genai/tensor_type.h"

namespace strata::genai {

inline constexpr uint32_t kGgufMagic = 0x46554747;  // "GGUF" read as little-endian uint32
inline constexpr uint32_t kGgufDefaultAlignment = 32;
inline constexpr int kGgufMaxDims = 4;
inline constexpr std::string_view kGgufAlignmentKey = "general.alignment";
// Longest tensor name or metadata key accepted (far above real files; bounds hostile ones).
inline constexpr uint64_t kGgufMaxNameLength = 65535;

// The key/value table of a file, in file order. Keys are unique. Getters return
// InvalidArgument naming the key when it is missing or of the wrong type:
// "metadata key 'llama.block_count': expected uint32, got string".
class GgufMetadata {
 public:
  // Adds or replaces (replacing keeps the key's position).
  void Set(std::string key, GgufValue value);
  bool Remove(std::string_view key);
  const GgufValue* Find(std::string_view key) const;  // null when absent
  bool Contains(std::string_view key) const { return Find(key) != nullptr; }
  size_t size() const { return entries_.size(); }
  const std::vector<std::pair<std::string, GgufValue>>& entries() const { return entries_; }

  Result<std::string_view> GetString(std::string_view key) const;
  Result<uint32_t> GetU32(std::string_view key) const;
  Result<int32_t> GetI32(std::string_view key) const;
  Result<uint64_t> GetU64(std::string_view key) const;
  Result<int64_t> GetI64(std::string_view key) const;
  Result<float> GetF32(std::string_view key) const;
  Result<double> GetF64(std::string_view key) const;
  Result<bool> GetBool(std::string_view key) const;
  // Missing key -> fallback; present with a wrong type -> error.
  Result<uint32_t> GetU32Or(std::string_view key, uint32_t fallback) const;
  Result<float> GetF32Or(std::string_view key, float fallback) const;
  Result<bool> GetBoolOr(std::string_view key, bool fallback) const;
  Result<std::string_view> GetStringOr(std::string_view key, std::string_view fallback) const;

  // Any array value (inspect element_type() yourself).
  Result<const GgufValue*> GetArray(std::string_view key) const;
  Result<std::span<const std::string>> GetStringArray(std::string_view key) const;
  Result<std::span<const float>> GetF32Array(std::string_view key) const;
  Result<std::span<const int32_t>> GetI32Array(std::string_view key) const;
  Result<std::span<const uint32_t>> GetU32Array(std::string_view key) const;

  bool operator==(const GgufMetadata& other) const { return entries_ == other.entries_; }

 private:
  Result<const GgufValue*> Require(std::string_view key) const;
  std::vector<std::pair<std::string, GgufValue>> entries_;
  std::unordered_map<std::string, size_t> index_;
};

// One tensor's header entry. dims[0] is the row length (the fastest-varying axis, as
// in ggml's ne[0]); a 2-D weight of dims {n_in, n_out} has n_out rows of n_in values.
struct GgufTensorInfo {
  std::string name;
  std::vector<int64_t> dims;  // 0..4 entries (0: a single element)
  TensorType type = TensorType::kF32;
  uint64_t offset = 0;  // from the start of the data section; a multiple of the alignment
  uint64_t size_bytes = 0;
  int64_t n_elements = 0;

  int64_t row_length() const { return dims.empty() ? 1 : dims[0]; }
  int64_t n_rows() const { return row_length() == 0 ? 0 : n_elements / row_length(); }
  size_t row_bytes() const { return n_rows() == 0 ? 0 : size_bytes / n_rows(); }
};

// A tensor's bytes inside a mapped file: never copied. Valid while its GgufFile lives.
// `data` is aligned to the file's alignment when the mapping is (always for Open();
// for FromMemory() when the caller's buffer is).
struct GgufTensorView {
  const GgufTensorInfo* info = nullptr;
  std::span<const std::byte> data;

  TensorType type() const { return info->type; }
  const std::byte* row(int64_t r) const { return data.data() + r * info->row_bytes(); }
  template <typename T>
  std::span<const T> As() const {  // REQUIRES: the element type is T (e.g. float for F32)
    return {reinterpret_cast<const T*>(data.data()), data.size() / sizeof(T)};
  }
};

}  // namespace strata::genai
