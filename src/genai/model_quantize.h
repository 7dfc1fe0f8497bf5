#pragma once
// Re-encoding a GGUF model's weights to another tensor type (`strata llm quantize`).
// Every 2-D tensor is decoded to float and encoded as the target type with the
// reference quantizers; a tensor whose rows do not divide into the type's blocks falls
// back to Q8_0 (or F16) and is reported. 1-D tensors (norms, biases) keep their type.
// Metadata is copied, with general.file_type updated. The output is written atomically.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/core.h"
#include "genai/gguf_reader.h"
#include "genai/tensor_type.h"

namespace strata::genai {

struct QuantizeModelResult {
  uint64_t output_bytes = 0;
  int tensors = 0;
  int quantized = 0;
  std::vector<std::string> fallbacks;  // "name: Q8_0 (row length 100 is not a multiple of 256)"
};

// progress(done, total) after each tensor.
Result<QuantizeModelResult> QuantizeModel(const GgufFile& input, const std::filesystem::path& output,
                                          TensorType type,
                                          const std::function<void(size_t, size_t)>& progress = nullptr);

}  // namespace strata::genai
