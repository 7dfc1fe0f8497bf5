#pragma once
// A read-only mmap of a whole file: model weights are read in place, never copied.
//
// Large files are asked to come in 2 MiB pages. Generation streams every weight once per
// token, and with one TLB entry per 2 MiB instead of per 4 KiB it measured 10-20 %
// faster (1.1B Q4_K, AMD EPYC, one thread: 31.9 -> 34.6 tokens/s). Linux maps file
// pages that way only where the filesystem keeps them in large folios (ext4 and xfs on
// recent kernels) and the transparent huge pages setting allows it; whether it does then
// depends on how the file entered the page cache: read cold through a mapping or by
// readahead it lands in 2 MiB folios, but written or copied by another program it stays
// in the small folios of those writes until evicted. So Open, for files of 32 MiB and
// more:
// - marks the mapping MADV_HUGEPAGE (cold reads then fill 2 MiB folios);
// - drops one 2 MiB window of the file from the page cache and reads it back through the
//   mapping: mapped as one page, the system can give this file huge pages;
// - reads eight more windows spread over the file as they are: if one is resident in
//   small pages, the file's clean pages that no other process maps are dropped from the
//   page cache once (POSIX_FADV_DONTNEED) and read again, in 2 MiB folios, as the model
//   is used.
// Elsewhere (other kernels, filesystems, settings) the probe costs a 2 MiB read and
// changes nothing.

#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>

#include "core/core.h"

namespace strata::genai {

class MappedFile {
 public:
  // NotFound when `path` does not exist; InvalidArgument when it is not a regular file
  // or cannot be opened.
  static Result<std::unique_ptr<MappedFile>> Open(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::span<const std::byte> bytes() const { return {static_cast<const std::byte*>(addr_), size_}; }
  // Bytes of the mapping the kernel maps with 2 MiB pages now (FilePmdMapped of its entry
  // in /proc/self/smaps); 0 where none are or it cannot tell.
  size_t HugeMappedBytes() const;

 private:
  MappedFile() = default;
  void* addr_ = nullptr;
  size_t size_ = 0;
};

}  // namespace strata::genai
