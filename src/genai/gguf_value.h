#pragma once
// GGUF metadata values: the value types of the format and GgufValue, which holds one
// scalar, string or (nested) array. Part of the data model in gguf.h.
//
// Hand-written from the GGUF specification (versions 2 and 3); no Debian 12 package
// reads or writes GGUF.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/core.h"

namespace strata::genai {

// Value types of metadata, with their on-disk ids.
enum class GgufType : uint32_t {
  kUint8 = 0,
  kInt8 = 1,
  kUint16 = 2,
  kInt16 = 3,
  kUint32 = 4,
  kInt32 = 5,
  kFloat32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kUint64 = 10,
  kInt64 = 11,
  kFloat64 = 12,
};
std::string_view GgufTypeName(GgufType type);  // "uint32", "array", ...
bool IsValidGgufType(uint32_t id);
// Bytes of one value on disk for fixed-size types; 0 for string and array.
size_t GgufScalarSize(GgufType type);

// One metadata value: a scalar, a string, or an array of one element type (arrays of
// arrays nest). Numeric array elements are stored packed in their on-disk type, so a
// tokenizer's score table is one contiguous span (ArrayOf<float>). Copyable.
class GgufValue {
 public:
  GgufValue() = default;  // uint8 0
  static GgufValue U8(uint8_t v) { return Scalar(GgufType::kUint8, v); }
  static GgufValue I8(int8_t v) { return Scalar(GgufType::kInt8, v); }
  static GgufValue U16(uint16_t v) { return Scalar(GgufType::kUint16, v); }
  static GgufValue I16(int16_t v) { return Scalar(GgufType::kInt16, v); }
  static GgufValue U32(uint32_t v) { return Scalar(GgufType::kUint32, v); }
  static GgufValue I32(int32_t v) { return Scalar(GgufType::kInt32, v); }
  static GgufValue U64(uint64_t v) { return Scalar(GgufType::kUint64, v); }
  static GgufValue I64(int64_t v) { return Scalar(GgufType::kInt64, v); }
  static GgufValue F32(float v) { return Scalar(GgufType::kFloat32, v); }
  static GgufValue F64(double v) { return Scalar(GgufType::kFloat64, v); }
  static GgufValue Bool(bool v) { return Scalar(GgufType::kBool, static_cast<uint8_t>(v)); }
  static GgufValue String(std::string v);
  // Array of a fixed-size type from packed little-endian bytes (count * size bytes).
  static GgufValue PackedArray(GgufType element_type, std::vector<std::byte> bytes);
  template <typename T>
  static GgufValue Array(GgufType element_type, std::span<const T> items) {
    std::vector<std::byte> bytes(items.size_bytes());
    if (!bytes.empty()) std::memcpy(bytes.data(), items.data(), bytes.size());
    return PackedArray(element_type, std::move(bytes));
  }
  static GgufValue StringArray(std::vector<std::string> items);
  // Array of arrays (each item must itself be an array).
  static GgufValue NestedArray(std::vector<GgufValue> items);

  GgufType type() const { return type_; }
  bool is_array() const { return type_ == GgufType::kArray; }
  // Array element type and length. REQUIRES: is_array().
  GgufType element_type() const { return element_type_; }
  size_t size() const;

  // Scalars. Integer getters accept any integer type whose value fits the requested
  // one (files disagree on widths, e.g. context_length as u32 or u64); float getters
  // accept float32 and float64. Errors say the expected and actual type; callers add
  // the key (GgufMetadata does).
  Result<uint64_t> AsU64() const;
  Result<int64_t> AsI64() const;
  Result<uint32_t> AsU32() const;
  Result<int32_t> AsI32() const;
  Result<float> AsF32() const;
  Result<double> AsF64() const;
  Result<bool> AsBool() const;
  Result<std::string_view> AsString() const;  // views into this value

  // Arrays. ArrayOf<T> requires the element type to be exactly T's GGUF type
  // (uint8_t also reads bool arrays). Views stay valid as long as this value.
  template <typename T>
  Result<std::span<const T>> ArrayOf() const;
  Result<std::span<const std::string>> AsStringArray() const;
  Result<std::span<const GgufValue>> AsNestedArray() const;
  // Raw parts, unchecked (empty when the value is not of that kind): the packed bytes
  // of a fixed-size-element array, the items of a string array, of an array of arrays.
  std::span<const std::byte> packed() const { return packed_; }
  std::span<const std::string> string_items() const { return strings_; }
  std::span<const GgufValue> array_items() const { return items_; }

  std::string DebugString(size_t max_items = 8) const;  // "uint32 42", "array<string>[3]"
  bool operator==(const GgufValue& other) const;

 private:
  template <typename T>
  static GgufValue Scalar(GgufType type, T v) {
    GgufValue value;
    value.type_ = type;
    std::memcpy(&value.bits_, &v, sizeof(T));
    return value;
  }
  Status TypeError(std::string_view expected) const;

  GgufType type_ = GgufType::kUint8;
  GgufType element_type_ = GgufType::kUint8;  // arrays only
  uint64_t bits_ = 0;                         // scalars: the value's bytes, little-endian
  std::string string_;                        // kString
  std::vector<std::byte> packed_;             // arrays of fixed-size elements
  std::vector<std::string> strings_;          // arrays of strings
  std::vector<GgufValue> items_;              // arrays of arrays
};

template <typename T>
constexpr GgufType GgufTypeOf() {
  if constexpr (std::is_same_v<T, uint8_t>)
    return GgufType::kUint8;
  else if constexpr (std::is_same_v<T, int8_t>)
    return GgufType::kInt8;
  else if constexpr (std::is_same_v<T, uint16_t>)
    return GgufType::kUint16;
  else if constexpr (std::is_same_v<T, int16_t>)
    return GgufType::kInt16;
  else if constexpr (std::is_same_v<T, uint32_t>)
    return GgufType::kUint32;
  else if constexpr (std::is_same_v<T, int32_t>)
    return GgufType::kInt32;
  else if constexpr (std::is_same_v<T, uint64_t>)
    return GgufType::kUint64;
  else if constexpr (std::is_same_v<T, int64_t>)
    return GgufType::kInt64;
  else if constexpr (std::is_same_v<T, float>)
    return GgufType::kFloat32;
  else if constexpr (std::is_same_v<T, double>)
    return GgufType::kFloat64;
  else
    static_assert(sizeof(T) == 0, "not a GGUF numeric type");
}

template <typename T>
Result<std::span<const T>> GgufValue::ArrayOf() const {
  constexpr GgufType kWanted = GgufTypeOf<T>();
  const bool match = type_ == GgufType::kArray &&
                     (element_type_ == kWanted ||
                      (kWanted == GgufType::kUint8 && element_type_ == GgufType::kBool));
  if (!match) return TypeError("array<" + std::string(GgufTypeName(kWanted)) + ">");
  // packed_ comes from operator new, aligned for every numeric type.
  return std::span<const T>(reinterpret_cast<const T*>(packed_.data()), packed_.size() / sizeof(T));
}

}  // namespace strata::genai
