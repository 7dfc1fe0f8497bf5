// The table of tensor types: block layouts from the GGUF/ggml type definitions and the
// kernels that decode and encode them. Hand-written; no Debian 12 package provides it.
#include "genai/tensor_type.h"

#include <array>
#include <cctype>

#include "genai/quant_blocks.h"

namespace strata::genai {
namespace {

using namespace internal;  // NOLINT: the kernels

// Types whose layout is known but which Strata does not decode yet (the IQ and TQ
// families, integer tensors) are listed so files using them open, and name the type in
// the error when their data is used.
constexpr std::array kTypes = {
    TensorTypeTraits{TensorType::kF32, "F32", 1, 4, DequantizeF32, QuantizeF32},
    TensorTypeTraits{TensorType::kF16, "F16", 1, 2, DequantizeF16, QuantizeF16},
    TensorTypeTraits{TensorType::kQ4_0, "Q4_0", 32, 18, DequantizeQ4_0, QuantizeQ4_0},
    TensorTypeTraits{TensorType::kQ4_1, "Q4_1", 32, 20, DequantizeQ4_1, QuantizeQ4_1},
    TensorTypeTraits{TensorType::kQ5_0, "Q5_0", 32, 22, DequantizeQ5_0, QuantizeQ5_0},
    TensorTypeTraits{TensorType::kQ5_1, "Q5_1", 32, 24, DequantizeQ5_1, QuantizeQ5_1},
    TensorTypeTraits{TensorType::kQ8_0, "Q8_0", 32, 34, DequantizeQ8_0, QuantizeQ8_0},
    TensorTypeTraits{TensorType::kQ8_1, "Q8_1", 32, 36, DequantizeQ8_1, nullptr},
    TensorTypeTraits{TensorType::kQ2_K, "Q2_K", 256, 84, DequantizeQ2_K, QuantizeQ2_K},
    TensorTypeTraits{TensorType::kQ3_K, "Q3_K", 256, 110, DequantizeQ3_K, QuantizeQ3_K},
    TensorTypeTraits{TensorType::kQ4_K, "Q4_K", 256, 144, DequantizeQ4_K, QuantizeQ4_K},
    TensorTypeTraits{TensorType::kQ5_K, "Q5_K", 256, 176, DequantizeQ5_K, QuantizeQ5_K},
    TensorTypeTraits{TensorType::kQ6_K, "Q6_K", 256, 210, DequantizeQ6_K, QuantizeQ6_K},
    TensorTypeTraits{TensorType::kQ8_K, "Q8_K", 256, 292, DequantizeQ8_K, QuantizeQ8_K},
    TensorTypeTraits{TensorType::kIQ2_XXS, "IQ2_XXS", 256, 66, nullptr, nullptr},
    TensorTypeTraits{TensorType::kIQ2_XS, "IQ2_XS", 256, 74, nullptr, nullptr},
    TensorTypeTraits{TensorType::kIQ3_XXS, "IQ3_XXS", 256, 98, nullptr, nullptr},
    TensorTypeTraits{TensorType::kIQ1_S, "IQ1_S", 256, 50, nullptr, nullptr},
    TensorTypeTraits{TensorType::kIQ4_NL, "IQ4_NL", 32, 18, nullptr, nullptr},
    TensorTypeTraits{TensorType::kIQ3_S, "IQ3_S", 256, 110, nullptr, nullptr},
    TensorTypeTraits{TensorType::kIQ2_S, "IQ2_S", 256, 82, nullptr, nullptr},
    TensorTypeTraits{TensorType::kIQ4_XS, "IQ4_XS", 256, 136, nullptr, nullptr},
    TensorTypeTraits{TensorType::kI8, "I8", 1, 1, nullptr, nullptr},
    TensorTypeTraits{TensorType::kI16, "I16", 1, 2, nullptr, nullptr},
    TensorTypeTraits{TensorType::kI32, "I32", 1, 4, nullptr, nullptr},
    TensorTypeTraits{TensorType::kI64, "I64", 1, 8, nullptr, nullptr},
    TensorTypeTraits{TensorType::kF64, "F64", 1, 8, DequantizeF64, nullptr},
    TensorTypeTraits{TensorType::kIQ1_M, "IQ1_M", 256, 56, nullptr, nullptr},
    TensorTypeTraits{TensorType::kBF16, "BF16", 1, 2, DequantizeBF16, QuantizeBF16},
    TensorTypeTraits{TensorType::kTQ1_0, "TQ1_0", 256, 54, nullptr, nullptr},
    TensorTypeTraits{TensorType::kTQ2_0, "TQ2_0", 256, 66, nullptr, nullptr},
};

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(a[i])) !=
        std::toupper(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

const TensorTypeTraits* FindTensorType(uint32_t id) {
  for (const auto& t : kTypes) {
    if (static_cast<uint32_t>(t.type) == id) return &t;
  }
  return nullptr;
}

const TensorTypeTraits& Traits(TensorType type) {
  const TensorTypeTraits* t = FindTensorType(static_cast<uint32_t>(type));
  // A TensorType outside the enumerators is a programmer error (the reader only
  // produces known ones); fall back to F32's row so we never dereference null.
  return t ? *t : kTypes[0];
}

std::string_view TensorTypeName(TensorType type) {
  const TensorTypeTraits* t = FindTensorType(static_cast<uint32_t>(type));
  return t ? t->name : std::string_view("unknown");
}

std::optional<TensorType> TensorTypeFromName(std::string_view name) {
  for (const auto& t : kTypes) {
    if (EqualsIgnoreCase(t.name, name)) return t.type;
  }
  return std::nullopt;
}

Result<size_t> RowSizeBytes(TensorType type, int64_t n) {
  const TensorTypeTraits& t = Traits(type);
  if (n < 0 || n % t.block_size != 0) {
    return InvalidArgumentError(fmt::format(
        "a row of {} {} elements is not a whole number of blocks of {}", n, t.name, t.block_size));
  }
  return static_cast<size_t>(n / t.block_size) * t.type_size;
}

}  // namespace strata::genai
