#include "genai/model_quantize.h"

#include <filesystem>

#include <fmt/format.h>

#include "genai/dequantize.h"
#include "genai/gguf_writer.h"

namespace strata::genai {
namespace {

// llama.cpp's general.file_type values for files of one weight type.
int FileTypeOf(TensorType t) {
  switch (t) {
    case TensorType::kF32: return 0;
    case TensorType::kF16: return 1;
    case TensorType::kQ4_0: return 2;
    case TensorType::kQ4_1: return 3;
    case TensorType::kQ8_0: return 7;
    case TensorType::kQ5_0: return 8;
    case TensorType::kQ5_1: return 9;
    case TensorType::kQ2_K: return 10;
    case TensorType::kQ3_K: return 11;  // Q3_K_S
    case TensorType::kQ4_K: return 14;  // Q4_K_S
    case TensorType::kQ5_K: return 16;  // Q5_K_S
    case TensorType::kQ6_K: return 18;
    case TensorType::kBF16: return 32;
    default: return -1;
  }
}

}  // namespace

Result<QuantizeModelResult> QuantizeModel(const GgufFile& input, const std::filesystem::path& output,
                                          TensorType type, const std::function<void(size_t, size_t)>& progress) {
  if (!CanQuantize(type)) {
    return InvalidArgumentError(fmt::format("cannot quantize to {} (supported: F32, F16, BF16, Q4_0, Q4_1, "
                                            "Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K)",
                                            TensorTypeName(type)));
  }
  if (std::filesystem::exists(output) && std::filesystem::equivalent(output, input.name())) {
    return InvalidArgumentError("the output file must not be the input file");
  }
  GgufWriter writer;
  for (const auto& [key, value] : input.metadata().entries()) writer.metadata().Set(key, value);
  if (const int ft = FileTypeOf(type); ft >= 0) writer.metadata().Set("general.file_type", GgufValue::U32(ft));
  writer.metadata().Set("general.quantization_version", GgufValue::U32(2));

  QuantizeModelResult result;
  const auto& tensors = input.tensors();
  std::vector<float> values;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const GgufTensorInfo& info = tensors[i];
    const GgufTensorView view = input.View(info);
    ++result.tensors;
    if (info.dims.size() < 2) {
      STRATA_RETURN_IF_ERROR(writer.AddTensorView(info.name, info.type, info.dims, view.data));
    } else {
      TensorType target = type;
      const int64_t row = info.row_length();
      if (row % Traits(target).block_size != 0) {
        target = row % 32 == 0 ? TensorType::kQ8_0 : TensorType::kF16;
        result.fallbacks.push_back(fmt::format("{}: {} (row length {} is not a multiple of {})", info.name,
                                               TensorTypeName(target), row, Traits(type).block_size));
      }
      if (target == info.type) {
        STRATA_RETURN_IF_ERROR(writer.AddTensorView(info.name, info.type, info.dims, view.data));
      } else {
        if (!CanDequantize(info.type)) {
          return InvalidArgumentError(fmt::format("{}: tensor '{}' has type {}, which cannot be decoded",
                                                  input.name(), info.name, TensorTypeName(info.type)));
        }
        values.resize(static_cast<size_t>(info.n_elements));
        STRATA_RETURN_IF_ERROR(Dequantize(info.type, view.data.data(), values.size(), values.data()));
        STRATA_RETURN_IF_ERROR(writer.AddTensorFromF32(info.name, target, info.dims, values));
        ++result.quantized;
      }
    }
    if (progress) progress(i + 1, tensors.size());
  }
  STRATA_RETURN_IF_ERROR(writer.WriteFile(output));
  result.output_bytes = std::filesystem::file_size(output);
  return result;
}

}  // namespace strata::genai
