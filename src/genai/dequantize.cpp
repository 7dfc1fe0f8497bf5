// Checked entry points over the type table's kernels. Hand-written; no Debian 12
// package decodes GGUF tensor types.
#include "genai/dequantize.h"

#include <string>

namespace strata::genai {
namespace {

Status CheckWholeBlocks(const TensorTypeTraits& t, int64_t n) {
  if (n < 0 || n % t.block_size != 0) {
    return InvalidArgumentError(fmt::format("{} elements are not a whole number of {} blocks of {}",
                                            n, t.name, t.block_size));
  }
  return Status::Ok();
}

}  // namespace

bool CanDequantize(TensorType type) {
  return Traits(type).dequantize != nullptr;
}
bool CanQuantize(TensorType type) {
  return Traits(type).quantize != nullptr;
}

Status Dequantize(TensorType type, const void* data, size_t n_elements, float* out) {
  return DequantizeRows(type, data, 1, static_cast<int64_t>(n_elements), 0, out);
}

Status DequantizeRows(TensorType type, const void* data, int64_t n_rows, int64_t row_length,
                      size_t row_stride_bytes, float* out) {
  const TensorTypeTraits& t = Traits(type);
  if (t.dequantize == nullptr) {
    return InvalidArgumentError("tensor type " + std::string(t.name) +
                                " cannot be decoded (not supported yet)");
  }
  STRATA_RETURN_IF_ERROR(CheckWholeBlocks(t, row_length));
  if (n_rows < 0) return InvalidArgumentError("negative row count");
  const size_t row_bytes = static_cast<size_t>(row_length / t.block_size) * t.type_size;
  if (row_stride_bytes == 0 || row_stride_bytes == row_bytes) {
    // Packed rows decode as one run: fewer calls, same result.
    t.dequantize(data, out, n_rows * row_length);
    return Status::Ok();
  }
  const auto* p = static_cast<const uint8_t*>(data);
  for (int64_t r = 0; r < n_rows; ++r) {
    t.dequantize(p + r * row_stride_bytes, out + r * row_length, row_length);
  }
  return Status::Ok();
}

Status Quantize(TensorType type, const float* in, size_t n_elements, void* out) {
  const TensorTypeTraits& t = Traits(type);
  if (t.quantize == nullptr) {
    return InvalidArgumentError("quantizing to " + std::string(t.name) + " is not supported");
  }
  STRATA_RETURN_IF_ERROR(CheckWholeBlocks(t, static_cast<int64_t>(n_elements)));
  t.quantize(in, out, static_cast<int64_t>(n_elements));
  return Status::Ok();
}

Result<std::vector<std::byte>> Quantize(TensorType type, const float* in, size_t n_elements) {
  STRATA_ASSIGN_OR_RETURN(size_t bytes, RowSizeBytes(type, static_cast<int64_t>(n_elements)));
  std::vector<std::byte> out(bytes);
  STRATA_RETURN_IF_ERROR(Quantize(type, in, n_elements, out.data()));
  return out;
}

}  // namespace strata::genai
