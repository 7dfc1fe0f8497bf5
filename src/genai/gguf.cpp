// GGUF metadata values and table. Hand-written from the GGUF specification; no
// Debian 12 package reads or writes GGUF.
#include "genai/gguf.h"

#include <limits>

namespace strata::genai {

std::string_view GgufTypeName(GgufType type) {
  switch (type) {
    case GgufType::kUint8:
      return "uint8";
    case GgufType::kInt8:
      return "int8";
    case GgufType::kUint16:
      return "uint16";
    case GgufType::kInt16:
      return "int16";
    case GgufType::kUint32:
      return "uint32";
    case GgufType::kInt32:
      return "int32";
    case GgufType::kFloat32:
      return "float32";
    case GgufType::kBool:
      return "bool";
    case GgufType::kString:
      return "string";
    case GgufType::kArray:
      return "array";
    case GgufType::kUint64:
      return "uint64";
    case GgufType::kInt64:
      return "int64";
    case GgufType::kFloat64:
      return "float64";
  }
  return "unknown";
}

bool IsValidGgufType(uint32_t id) {
  return id <= static_cast<uint32_t>(GgufType::kFloat64);
}

size_t GgufScalarSize(GgufType type) {
  switch (type) {
    case GgufType::kUint8:
    case GgufType::kInt8:
    case GgufType::kBool:
      return 1;
    case GgufType::kUint16:
    case GgufType::kInt16:
      return 2;
    case GgufType::kUint32:
    case GgufType::kInt32:
    case GgufType::kFloat32:
      return 4;
    case GgufType::kUint64:
    case GgufType::kInt64:
    case GgufType::kFloat64:
      return 8;
    case GgufType::kString:
    case GgufType::kArray:
      return 0;
  }
  return 0;
}

// ---- GgufValue ----

GgufValue GgufValue::String(std::string v) {
  GgufValue value;
  value.type_ = GgufType::kString;
  value.string_ = std::move(v);
  return value;
}

GgufValue GgufValue::PackedArray(GgufType element_type, std::vector<std::byte> bytes) {
  GgufValue value;
  value.type_ = GgufType::kArray;
  value.element_type_ = element_type;
  value.packed_ = std::move(bytes);
  return value;
}

GgufValue GgufValue::StringArray(std::vector<std::string> items) {
  GgufValue value;
  value.type_ = GgufType::kArray;
  value.element_type_ = GgufType::kString;
  value.strings_ = std::move(items);
  return value;
}

GgufValue GgufValue::NestedArray(std::vector<GgufValue> items) {
  GgufValue value;
  value.type_ = GgufType::kArray;
  value.element_type_ = GgufType::kArray;
  value.items_ = std::move(items);
  return value;
}

size_t GgufValue::size() const {
  if (type_ != GgufType::kArray) return 0;
  if (element_type_ == GgufType::kString) return strings_.size();
  if (element_type_ == GgufType::kArray) return items_.size();
  return packed_.size() / GgufScalarSize(element_type_);
}

Status GgufValue::TypeError(std::string_view expected) const {
  const std::string actual = type_ == GgufType::kArray
                                 ? fmt::format("array<{}>", GgufTypeName(element_type_))
                                 : std::string(GgufTypeName(type_));
  return InvalidArgumentError(fmt::format("expected {}, got {}", expected, actual));
}

namespace {

template <typename T>
T Bits(uint64_t bits) {
  T v;
  std::memcpy(&v, &bits, sizeof(T));
  return v;
}

bool IsInteger(GgufType t) {
  switch (t) {
    case GgufType::kUint8:
    case GgufType::kInt8:
    case GgufType::kUint16:
    case GgufType::kInt16:
    case GgufType::kUint32:
    case GgufType::kInt32:
    case GgufType::kUint64:
    case GgufType::kInt64:
      return true;
    default:
      return false;
  }
}

bool IsSigned(GgufType t) {
  return t == GgufType::kInt8 || t == GgufType::kInt16 || t == GgufType::kInt32 ||
         t == GgufType::kInt64;
}

int64_t SignedValue(GgufType t, uint64_t bits) {
  switch (t) {
    case GgufType::kInt8:
      return Bits<int8_t>(bits);
    case GgufType::kInt16:
      return Bits<int16_t>(bits);
    case GgufType::kInt32:
      return Bits<int32_t>(bits);
    default:
      return Bits<int64_t>(bits);
  }
}

uint64_t UnsignedValue(GgufType t, uint64_t bits) {
  switch (t) {
    case GgufType::kUint8:
      return Bits<uint8_t>(bits);
    case GgufType::kUint16:
      return Bits<uint16_t>(bits);
    case GgufType::kUint32:
      return Bits<uint32_t>(bits);
    default:
      return bits;
  }
}

}  // namespace

Result<uint64_t> GgufValue::AsU64() const {
  if (!IsInteger(type_)) return TypeError("an unsigned integer");
  if (IsSigned(type_)) {
    const int64_t v = SignedValue(type_, bits_);
    if (v < 0) return InvalidArgumentError(fmt::format("expected an unsigned integer, got {}", v));
    return static_cast<uint64_t>(v);
  }
  return UnsignedValue(type_, bits_);
}

Result<int64_t> GgufValue::AsI64() const {
  if (!IsInteger(type_)) return TypeError("an integer");
  if (IsSigned(type_)) return SignedValue(type_, bits_);
  const uint64_t v = UnsignedValue(type_, bits_);
  if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return InvalidArgumentError(fmt::format("value {} does not fit int64", v));
  }
  return static_cast<int64_t>(v);
}

Result<uint32_t> GgufValue::AsU32() const {
  if (!IsInteger(type_)) return TypeError("uint32");
  STRATA_ASSIGN_OR_RETURN(uint64_t v, AsU64());
  if (v > std::numeric_limits<uint32_t>::max()) {
    return InvalidArgumentError(fmt::format("value {} does not fit uint32", v));
  }
  return static_cast<uint32_t>(v);
}

Result<int32_t> GgufValue::AsI32() const {
  if (!IsInteger(type_)) return TypeError("int32");
  STRATA_ASSIGN_OR_RETURN(int64_t v, AsI64());
  if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
    return InvalidArgumentError(fmt::format("value {} does not fit int32", v));
  }
  return static_cast<int32_t>(v);
}

Result<float> GgufValue::AsF32() const {
  if (type_ == GgufType::kFloat32) return Bits<float>(bits_);
  if (type_ == GgufType::kFloat64) return static_cast<float>(Bits<double>(bits_));
  return TypeError("float32");
}

Result<double> GgufValue::AsF64() const {
  if (type_ == GgufType::kFloat32) return static_cast<double>(Bits<float>(bits_));
  if (type_ == GgufType::kFloat64) return Bits<double>(bits_);
  return TypeError("float64");
}

Result<bool> GgufValue::AsBool() const {
  if (type_ != GgufType::kBool) return TypeError("bool");
  return bits_ != 0;
}

Result<std::string_view> GgufValue::AsString() const {
  if (type_ != GgufType::kString) return TypeError("string");
  return std::string_view(string_);
}

Result<std::span<const std::string>> GgufValue::AsStringArray() const {
  if (type_ != GgufType::kArray || element_type_ != GgufType::kString) {
    return TypeError("array<string>");
  }
  return std::span<const std::string>(strings_);
}

Result<std::span<const GgufValue>> GgufValue::AsNestedArray() const {
  if (type_ != GgufType::kArray || element_type_ != GgufType::kArray) {
    return TypeError("array<array>");
  }
  return std::span<const GgufValue>(items_);
}

std::string GgufValue::DebugString(size_t max_items) const {
  switch (type_) {
    case GgufType::kString:
      return "string \"" + string_ + "\"";
    case GgufType::kBool:
      return bits_ ? "bool true" : "bool false";
    case GgufType::kFloat32:
      return fmt::format("float32 {}", Bits<float>(bits_));
    case GgufType::kFloat64:
      return fmt::format("float64 {}", Bits<double>(bits_));
    case GgufType::kArray: {
      std::string s = fmt::format("array<{}>[{}]", GgufTypeName(element_type_), size());
      if (element_type_ == GgufType::kString) {
        s += " {";
        for (size_t i = 0; i < strings_.size() && i < max_items; ++i) {
          s += (i ? ", \"" : "\"") + strings_[i] + "\"";
        }
        s += strings_.size() > max_items ? ", ...}" : "}";
      }
      return s;
    }
    default:
      break;
  }
  if (IsSigned(type_)) return fmt::format("{} {}", GgufTypeName(type_), SignedValue(type_, bits_));
  return fmt::format("{} {}", GgufTypeName(type_), UnsignedValue(type_, bits_));
}

bool GgufValue::operator==(const GgufValue& o) const {
  return type_ == o.type_ && element_type_ == o.element_type_ && bits_ == o.bits_ &&
         string_ == o.string_ && packed_ == o.packed_ && strings_ == o.strings_ &&
         items_ == o.items_;
}

// ---- GgufMetadata ----

void GgufMetadata::Set(std::string key, GgufValue value) {
  auto it = index_.find(key);
  if (it != index_.end()) {
    entries_[it->second].second = std::move(value);
    return;
  }
  index_.emplace(key, entries_.size());
  entries_.emplace_back(std::move(key), std::move(value));
}

bool GgufMetadata::Remove(std::string_view key) {
  auto it = index_.find(std::string(key));
  if (it == index_.end()) return false;
  entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(it->second));
  index_.clear();
  for (size_t i = 0; i < entries_.size(); ++i) index_.emplace(entries_[i].first, i);
  return true;
}

const GgufValue* GgufMetadata::Find(std::string_view key) const {
  auto it = index_.find(std::string(key));
  return it == index_.end() ? nullptr : &entries_[it->second].second;
}

Result<const GgufValue*> GgufMetadata::Require(std::string_view key) const {
  const GgufValue* v = Find(key);
  if (v == nullptr) return InvalidArgumentError(fmt::format("metadata key '{}' is missing", key));
  return v;
}

namespace {

// Runs a typed getter and prefixes its error with the key.
template <typename T, typename Getter>
Result<T> Typed(const GgufValue* v, std::string_view key, Getter getter) {
  Result<T> r = getter(*v);
  if (!r.ok()) return r.status().WithContext(fmt::format("metadata key '{}'", key));
  return r;
}

}  // namespace

#define STRATA_GGUF_GETTER(Name, T, Method)                                 \
  Result<T> GgufMetadata::Name(std::string_view key) const {                \
    STRATA_ASSIGN_OR_RETURN(const GgufValue* v, Require(key));              \
    return Typed<T>(v, key, [](const GgufValue& x) { return x.Method(); }); \
  }
STRATA_GGUF_GETTER(GetString, std::string_view, AsString)
STRATA_GGUF_GETTER(GetU32, uint32_t, AsU32)
STRATA_GGUF_GETTER(GetI32, int32_t, AsI32)
STRATA_GGUF_GETTER(GetU64, uint64_t, AsU64)
STRATA_GGUF_GETTER(GetI64, int64_t, AsI64)
STRATA_GGUF_GETTER(GetF32, float, AsF32)
STRATA_GGUF_GETTER(GetF64, double, AsF64)
STRATA_GGUF_GETTER(GetBool, bool, AsBool)
STRATA_GGUF_GETTER(GetStringArray, std::span<const std::string>, AsStringArray)
STRATA_GGUF_GETTER(GetF32Array, std::span<const float>, ArrayOf<float>)
STRATA_GGUF_GETTER(GetI32Array, std::span<const int32_t>, ArrayOf<int32_t>)
STRATA_GGUF_GETTER(GetU32Array, std::span<const uint32_t>, ArrayOf<uint32_t>)
#undef STRATA_GGUF_GETTER

Result<uint32_t> GgufMetadata::GetU32Or(std::string_view key, uint32_t fallback) const {
  return Contains(key) ? GetU32(key) : Result<uint32_t>(fallback);
}
Result<float> GgufMetadata::GetF32Or(std::string_view key, float fallback) const {
  return Contains(key) ? GetF32(key) : Result<float>(fallback);
}
Result<bool> GgufMetadata::GetBoolOr(std::string_view key, bool fallback) const {
  return Contains(key) ? GetBool(key) : Result<bool>(fallback);
}
Result<std::string_view> GgufMetadata::GetStringOr(std::string_view key,
                                                   std::string_view fallback) const {
  return Contains(key) ? GetString(key) : Result<std::string_view>(fallback);
}

Result<const GgufValue*> GgufMetadata::GetArray(std::string_view key) const {
  STRATA_ASSIGN_OR_RETURN(const GgufValue* v, Require(key));
  if (!v->is_array()) {
    return InvalidArgumentError(
        fmt::format("metadata key '{}': expected array, got {}", key, GgufTypeName(v->type())));
  }
  return v;
}

}  // namespace strata::genai
