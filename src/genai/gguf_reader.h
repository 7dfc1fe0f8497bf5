#pragma once
// Reading GGUF files (versions 2 and 3, little-endian).
//
// Hand-written from the GGUF specification; no Debian 12 package reads GGUF.
//
// Open() maps the file read-only (mapped_file.h); tensor data is never copied, views point into the
// mapping. Metadata is parsed into owned values (it is small next to the tensors).
// Every structural problem is InvalidArgument naming the file and the place:
//   "model.gguf: tensor 'blk.0.attn_q.weight' data [1024, 5120) extends past end of
//    file (size 4096)"
// Counts and lengths are checked against the bytes left in the file before anything
// is allocated, so a hostile file cannot make the reader allocate more than a small
// multiple of its own size (each parsed value costs at most ~12x its encoded bytes). A GgufFile is
// immutable after loading and safe to share between threads.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/core.h"
#include "genai/gguf.h"

namespace strata::genai {

class MappedFile;

// Arrays of arrays nest at most this deep (real files use none).
inline constexpr int kGgufMaxArrayDepth = 8;

class GgufFile {
 public:
  // Maps and parses `path`. NotFound when it does not exist.
  static Result<GgufFile> Open(const std::filesystem::path& path);
  // Parses a GGUF image in memory without copying it. `name` is used in errors.
  // REQUIRES: `bytes` outlives the GgufFile and its views.
  static Result<GgufFile> FromMemory(std::span<const std::byte> bytes, std::string name);

  // Move-only. Moving keeps views valid (the mapping and tensor infos do not move).
  GgufFile(GgufFile&&) noexcept;
  GgufFile& operator=(GgufFile&&) noexcept;
  ~GgufFile();

  const std::string& name() const { return name_; }
  uint32_t version() const { return version_; }
  uint32_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }  // start of the data section
  uint64_t file_size() const { return bytes_.size(); }
  const GgufMetadata& metadata() const { return metadata_; }
  // In file order.
  const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }

  const GgufTensorInfo* FindTensor(std::string_view name) const;  // null when absent
  // NotFound naming the tensor and the file when absent.
  Result<GgufTensorView> Tensor(std::string_view name) const;
  GgufTensorView View(const GgufTensorInfo& info) const;  // REQUIRES: info from tensors()

  // Bytes of the file the kernel maps in 2 MiB pages now (mapped_file.h); 0 for FromMemory.
  size_t HugeMappedBytes() const;

  // Whole-tensor decode to float32 (for tests and tools; the forward pass decodes rows).
  Result<std::vector<float>> DequantizeTensor(std::string_view name) const;

 private:
  GgufFile() = default;
  friend class GgufParser;

  std::string name_;
  std::unique_ptr<MappedFile> mapping_;  // null for FromMemory
  std::span<const std::byte> bytes_;
  uint32_t version_ = 0;
  uint32_t alignment_ = kGgufDefaultAlignment;
  uint64_t data_offset_ = 0;
  GgufMetadata metadata_;
  std::vector<GgufTensorInfo> tensors_;
  std::unordered_map<std::string, size_t> tensor_index_;
};

}  // namespace strata::genai
