#pragma once
// A read-only memory map of an input file, for the parallel CSV import: workers read
// their chunks in place, with no copy into buffers. Pages behind the import are given
// back (Release), so resident memory stays near the chunks in flight even for a file
// larger than memory.

#include <cstddef>
#include <filesystem>
#include <memory>

namespace strata::data {

class MappedInput {
 public:
  // Null when the file cannot be mapped (not a regular file, empty, an mmap error):
  // the caller then reads it as a stream.
  static std::unique_ptr<MappedInput> Open(const std::filesystem::path& path);
  ~MappedInput();
  MappedInput(const MappedInput&) = delete;
  MappedInput& operator=(const MappedInput&) = delete;

  const char* data() const { return data_; }
  size_t size() const { return size_; }
  // Drops the pages of [begin, end) from memory; reading them again faults them back
  // in from the file. Thread-safe.
  void Release(size_t begin, size_t end) const;

 private:
  MappedInput() = default;
  const char* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace strata::data
