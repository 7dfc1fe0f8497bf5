#pragma once
// Decoding tensor data to float32 and encoding float32 to tensor types, exact to the
// type definitions (see tensor_type.h for the block layouts).
//
// Hand-written: no Debian 12 package decodes GGUF tensor types.
//
// All functions are thread-safe and allocate nothing (except the Result overload of
// Quantize); they read and write at any alignment. n_elements / row_length must be a
// multiple of the type's block size.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/core.h"
#include "genai/tensor_type.h"

namespace strata::genai {

bool CanDequantize(TensorType type);
bool CanQuantize(TensorType type);

// Decodes n_elements values stored as `type` at `data` into out[0..n_elements).
// REQUIRES: data holds RowSizeBytes(type, n_elements) bytes.
// InvalidArgument: n not a whole number of blocks, or the type has no decoder.
Status Dequantize(TensorType type, const void* data, size_t n_elements, float* out);

// n_rows rows of row_length values; row r starts at data + r * row_stride_bytes and is
// written to out + r * row_length. Pass row_stride_bytes = 0 for packed rows.
Status DequantizeRows(TensorType type, const void* data, int64_t n_rows, int64_t row_length,
                      size_t row_stride_bytes, float* out);

// Encodes n_elements floats into out, which must hold RowSizeBytes(type, n_elements)
// bytes. The quantizers are the reference round-to-nearest ones of each type's
// definition (no importance matrix); inputs must be finite. InvalidArgument for types
// without a quantizer.
Status Quantize(TensorType type, const float* in, size_t n_elements, void* out);
Result<std::vector<std::byte>> Quantize(TensorType type, const float* in, size_t n_elements);

}  // namespace strata::genai
