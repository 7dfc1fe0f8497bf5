#pragma once
// Writing GGUF files (version 3 by default, or 2): metadata, tensor infos, padding to
// the alignment, tensor data. Files are written atomically (temporary + rename), so a
// crash never leaves a torn model behind.
//
// Hand-written from the GGUF specification; no Debian 12 package writes GGUF.
//
// Used by tests to make tiny models and by quantization. Not thread-safe.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/core.h"
#include "genai/gguf.h"

namespace strata::genai {

class GgufWriter {
 public:
  explicit GgufWriter(uint32_t version = 3);  // REQUIRES: version 2 or 3
  // Move-only: pending tensors point into buffers the writer owns.
  GgufWriter(const GgufWriter&) = delete;
  GgufWriter& operator=(const GgufWriter&) = delete;
  GgufWriter(GgufWriter&&) = default;
  GgufWriter& operator=(GgufWriter&&) = default;

  // Metadata in the order it will be written. `general.alignment`, when set here (or by
  // SetAlignment), decides the alignment; it must be a power-of-two uint32.
  GgufMetadata& metadata() { return metadata_; }
  const GgufMetadata& metadata() const { return metadata_; }
  Status SetAlignment(uint32_t alignment);

  // Adds a tensor whose encoded bytes are `data` (copied). dims[0] is the row length.
  // InvalidArgument for a duplicate name, bad dims, or a size that does not match.
  Status AddTensor(std::string name, TensorType type, std::vector<int64_t> dims,
                   std::span<const std::byte> data);
  // As AddTensor without the copy. REQUIRES: `data` outlives the Write call.
  Status AddTensorView(std::string name, TensorType type, std::vector<int64_t> dims,
                       std::span<const std::byte> data);
  // Encodes float values as `type` (see Quantize in dequantize.h) and adds the result.
  Status AddTensorFromF32(std::string name, TensorType type, std::vector<int64_t> dims,
                          std::span<const float> values);

  size_t tensor_count() const { return tensors_.size(); }

  // Writes the whole file atomically via core::AtomicFileWriter.
  Status WriteFile(const std::filesystem::path& path) const;
  // The same bytes in memory (tests, fuzzer seeds).
  Result<std::string> WriteToString() const;

 private:
  struct PendingTensor {
    std::string name;
    TensorType type;
    std::vector<int64_t> dims;
    std::vector<std::byte> owned;     // empty for views
    std::span<const std::byte> data;  // points at owned or at the caller's bytes
  };
  Status Validate(const std::string& name, TensorType type, const std::vector<int64_t>& dims,
                  size_t n_bytes) const;
  Result<uint32_t> Alignment() const;
  Status Write(const std::function<Status(std::string_view)>& sink) const;

  uint32_t version_;
  GgufMetadata metadata_;
  std::vector<PendingTensor> tensors_;
};

}  // namespace strata::genai
