#pragma once
// Tensor element types of the GGUF format (ggml's type ids) and their block layouts.
//
// Hand-written from the public GGUF/ggml type definitions: no package on Debian 12
// provides a GGUF/ggml type library.
//
// Every type stores its elements in blocks: `block_size` elements take `type_size`
// bytes. A row of n elements (n a multiple of block_size) takes
// n / block_size * type_size bytes. The ids are the on-disk values and never change.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/core.h"

namespace strata::genai {

enum class TensorType : uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ4_1 = 3,
  // 4 and 5 were Q4_2 and Q4_3, removed from the format.
  kQ5_0 = 6,
  kQ5_1 = 7,
  kQ8_0 = 8,
  kQ8_1 = 9,
  kQ2_K = 10,
  kQ3_K = 11,
  kQ4_K = 12,
  kQ5_K = 13,
  kQ6_K = 14,
  kQ8_K = 15,
  kIQ2_XXS = 16,
  kIQ2_XS = 17,
  kIQ3_XXS = 18,
  kIQ1_S = 19,
  kIQ4_NL = 20,
  kIQ3_S = 21,
  kIQ2_S = 22,
  kIQ4_XS = 23,
  kI8 = 24,
  kI16 = 25,
  kI32 = 26,
  kI64 = 27,
  kF64 = 28,
  kIQ1_M = 29,
  kBF16 = 30,
  // 31..33 were Q4_0_4_4 etc., removed from the format.
  kTQ1_0 = 34,
  kTQ2_0 = 35,
};

// Elements per super-block of the K-quants.
inline constexpr int64_t kQK_K = 256;

// Signature of the block kernels. Both process n elements, n a multiple of the type's
// block size (checked by the callers in dequantize.h, not here).
using DequantizeFn = void (*)(const void* blocks, float* out, int64_t n);
using QuantizeFn = void (*)(const float* in, void* blocks, int64_t n);

struct TensorTypeTraits {
  TensorType type;
  std::string_view name;    // ggml's name: "F32", "Q4_K", ...
  int64_t block_size;       // elements per block
  size_t type_size;         // bytes per block
  DequantizeFn dequantize;  // null: the layout is known but decoding is not implemented
  QuantizeFn quantize;      // null: Strata cannot produce this type
};

// Traits of a known type, or null for an id that is not (or no longer) part of the
// format. Thread-safe; the pointee lives forever.
const TensorTypeTraits* FindTensorType(uint32_t id);
const TensorTypeTraits& Traits(TensorType type);  // REQUIRES: a valid enumerator
std::string_view TensorTypeName(TensorType type);
// Case-insensitive ("q4_k" and "Q4_K" both work); nullopt when unknown.
std::optional<TensorType> TensorTypeFromName(std::string_view name);

// Bytes of a row of n elements. InvalidArgument when n is negative or not a multiple
// of the block size.
Result<size_t> RowSizeBytes(TensorType type, int64_t n);

}  // namespace strata::genai
