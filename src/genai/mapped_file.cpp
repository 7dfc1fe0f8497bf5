#include "genai/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>

namespace strata::genai {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;
constexpr size_t kMinProbeBytes = size_t{32} << 20;
constexpr size_t kProbes = 10;  // windows at k/10 of the file, 0 < k < 10

// FilePmdMapped of the /proc/self/smaps entry that starts at `addr`, in bytes.
size_t PmdMappedBytes(const void* addr) {
  std::ifstream smaps("/proc/self/smaps");
  const auto start = reinterpret_cast<uintptr_t>(addr);
  bool ours = false;
  for (std::string line; std::getline(smaps, line);) {
    if (line.empty()) continue;
    // An entry starts "start-end perms offset dev inode path" in lower-case hex; its
    // fields read "Name:   value kB" with capitalized names.
    const char c = line[0];
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) {
      if (ours) return 0;  // our entry ended without the field
      uintptr_t begin = 0;
      const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), begin, 16);
      ours = ec == std::errc() && *end == '-' && begin == start;
      continue;
    }
    constexpr std::string_view kField = "FilePmdMapped:";
    if (!ours || !line.starts_with(kField)) continue;
    const size_t digits = line.find_first_not_of(' ', kField.size());
    size_t kb = 0;
    if (digits == std::string::npos ||
        std::from_chars(line.data() + digits, line.data() + line.size(), kb).ec != std::errc()) {
      return 0;
    }
    return kb * 1024;
  }
  return 0;
}

// Faults in the page at `p` (a 2 MiB folio, where the system reads one).
void Touch(const void* p) {
  (void)*static_cast<const volatile char*>(p);
}

// See the header: ask for huge pages, and refresh a file resident in small ones.
void PreferHugePages(int fd, void* addr, size_t size) {
  if (size < kMinProbeBytes || madvise(addr, size, MADV_HUGEPAGE) != 0) return;
  // The kernel aligns a mapping to 2 MiB only for files it can map in huge pages; a
  // huge page also needs the file offset aligned, which every window's is.
  if (reinterpret_cast<uintptr_t>(addr) % kHugePage != 0) return;
  const auto* base = static_cast<const char*>(addr);
  const auto window = [&](size_t k) { return size / kProbes * k / kHugePage * kHugePage; };
  const size_t cold = window(kProbes / 2);
  posix_fadvise(fd, static_cast<off_t>(cold), kHugePage, POSIX_FADV_DONTNEED);
  Touch(base + cold);
  const size_t huge = PmdMappedBytes(addr);
  if (huge < kHugePage) return;  // not on this system, or another process maps that window
  // Windows spread over the file (a file can be partly in huge pages, partly not): each
  // maps as one page if resident in a 2 MiB folio or read cold now.
  size_t probed = 0;
  for (size_t k = 1; k < kProbes; ++k) {
    if (window(k) == cold) continue;
    Touch(base + window(k));
    ++probed;
  }
  if (PmdMappedBytes(addr) >= huge + probed * kHugePage) return;
  // Resident in small folios: unmap our pages, drop the file's clean unmapped ones.
  madvise(addr, size, MADV_DONTNEED);
  posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
}

}  // namespace

Result<std::unique_ptr<MappedFile>> MappedFile::Open(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    const std::string msg = path.string() + ": cannot open: " + std::strerror(err);
    return err == ENOENT ? NotFoundError(msg) : InvalidArgumentError(msg);
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return InvalidArgumentError(path.string() + ": not a regular file");
  }
  auto m = std::unique_ptr<MappedFile>(new MappedFile());
  m->size_ = static_cast<size_t>(st.st_size);
  if (m->size_ > 0) {
    void* addr = mmap(nullptr, m->size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (addr == MAP_FAILED) {
      const int err = errno;
      ::close(fd);
      return InternalError(path.string() + ": mmap failed: " + std::strerror(err));
    }
    m->addr_ = addr;
    PreferHugePages(fd, addr, m->size_);
  }
  ::close(fd);  // the mapping keeps the file alive
  return m;
}

MappedFile::~MappedFile() {
  if (addr_ != nullptr) munmap(addr_, size_);
}

size_t MappedFile::HugeMappedBytes() const {
  return addr_ != nullptr ? PmdMappedBytes(addr_) : 0;
}

}  // namespace strata::genai
