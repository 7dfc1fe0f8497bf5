#include "data/mapped_input.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace strata::data {

std::unique_ptr<MappedInput> MappedInput::Open(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
    ::close(fd);
    return nullptr;
  }
  void* addr = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);  // the mapping keeps the file
  if (addr == MAP_FAILED) return nullptr;
  ::madvise(addr, static_cast<size_t>(st.st_size), MADV_SEQUENTIAL);
  std::unique_ptr<MappedInput> m(new MappedInput());
  m->data_ = static_cast<const char*>(addr);
  m->size_ = static_cast<size_t>(st.st_size);
  return m;
}

MappedInput::~MappedInput() {
  if (data_ != nullptr) ::munmap(const_cast<char*>(data_), size_);
}

void MappedInput::Release(size_t begin, size_t end) const {
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  size_t from = (begin + page - 1) / page * page;  // whole pages only
  size_t to = end / page * page;
  if (to > from) ::madvise(const_cast<char*>(data_) + from, to - from, MADV_DONTNEED);
}

}  // namespace strata::data
