// MappedFile: the whole file read-only, clear errors, and 2 MiB pages for a large file
// that sits in the page cache in small ones (where the system maps file pages that way).
#include "genai/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <vector>

#include <gtest/gtest.h>

#include "temp_dir.h"

namespace strata::genai {
namespace {

using testing::TempDir;
namespace fs = std::filesystem;

constexpr size_t kLarge = size_t{48} << 20;

uint8_t PatternByte(size_t i) {
  return static_cast<uint8_t>((i * 2654435761u) >> 13);
}

// Writes `size` pattern bytes in 64 KiB writes (the page cache keeps them in folios of
// about that size) and flushes them, so the pages are clean and can be dropped.
void WriteFile(const fs::path& path, size_t size) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  std::vector<uint8_t> chunk(64 << 10);
  for (size_t at = 0; at < size; at += chunk.size()) {
    const size_t n = std::min(chunk.size(), size - at);
    for (size_t i = 0; i < n; ++i) chunk[i] = PatternByte(at + i);
    ASSERT_EQ(::write(fd, chunk.data(), n), static_cast<ssize_t>(n));
  }
  ASSERT_EQ(::fsync(fd), 0);
  ::close(fd);
}

// Reads every page, as a forward pass does, and checks a byte in each.
void ReadAll(const MappedFile& f) {
  const auto bytes = f.bytes();
  for (size_t i = 0; i < bytes.size(); i += 4096) {
    ASSERT_EQ(static_cast<uint8_t>(bytes[i]), PatternByte(i)) << "at " << i;
  }
}

TEST(MappedFile, MapsTheWholeFile) {
  TempDir dir;
  WriteFile(dir.path() / "small", 100000);
  auto f = MappedFile::Open(dir.path() / "small");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  ASSERT_EQ((*f)->bytes().size(), 100000u);
  for (size_t i = 0; i < 100000; ++i) ASSERT_EQ(static_cast<uint8_t>((*f)->bytes()[i]), PatternByte(i));

  std::ofstream(dir.path() / "empty").close();
  auto empty = MappedFile::Open(dir.path() / "empty");
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_TRUE((*empty)->bytes().empty());
  EXPECT_EQ((*empty)->HugeMappedBytes(), 0u);
}

TEST(MappedFile, NamesWhatCannotBeMapped) {
  TempDir dir;
  auto missing = MappedFile::Open(dir.path() / "nope.gguf");
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(missing.status().message().find("nope.gguf"), std::string::npos);
  auto directory = MappedFile::Open(dir.path());
  EXPECT_EQ(directory.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(directory.status().message().find("not a regular file"), std::string::npos);
}

void DropFromPageCache(const fs::path& path, size_t length) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(posix_fadvise(fd, 0, static_cast<off_t>(length), POSIX_FADV_DONTNEED), 0);
  ::close(fd);
}

// Whether this system maps file pages in 2 MiB at all: a file read cold through a mapping.
bool MapsFilesInHugePages(const fs::path& dir) {
  WriteFile(dir / "cold", kLarge);
  DropFromPageCache(dir / "cold", 0);
  auto cold = MappedFile::Open(dir / "cold");
  if (!cold.ok()) return false;
  ReadAll(**cold);
  return (*cold)->HugeMappedBytes() > 0;
}

TEST(MappedFile, LargeFileComesInHugePagesHoweverItWasCached) {
  TempDir dir;
  if (!MapsFilesInHugePages(dir.path())) {
    GTEST_SKIP() << "this kernel, filesystem or transparent huge page setting maps no file in 2 MiB pages";
  }
  // Just written: in the page cache in small folios. Open refreshes it.
  WriteFile(dir.path() / "warm", kLarge);
  auto warm = MappedFile::Open(dir.path() / "warm");
  ASSERT_TRUE(warm.ok()) << warm.status().ToString();
  ReadAll(**warm);
  EXPECT_GE((*warm)->HugeMappedBytes(), kLarge / 8 * 7);
  // A second mapping finds the 2 MiB folios as they are.
  auto again = MappedFile::Open(dir.path() / "warm");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  ReadAll(**again);
  EXPECT_GE((*again)->HugeMappedBytes(), kLarge / 8 * 7);
}

TEST(MappedFile, PartlyHugeFileIsRefreshed) {
  TempDir dir;
  if (!MapsFilesInHugePages(dir.path())) GTEST_SKIP() << "no file is mapped in 2 MiB pages here";
  // The first three quarters read cold through a mapping that asks for huge pages (2 MiB
  // folios), the last quarter as written (small folios).
  const fs::path path = dir.path() / "part";
  WriteFile(path, kLarge);
  DropFromPageCache(path, kLarge / 4 * 3);
  {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    void* addr = mmap(nullptr, kLarge, PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    ASSERT_NE(addr, MAP_FAILED);
    ASSERT_EQ(madvise(addr, kLarge, MADV_HUGEPAGE), 0);
    for (size_t i = 0; i < kLarge / 4 * 3; i += 4096) (void)static_cast<volatile const char*>(addr)[i];
    munmap(addr, kLarge);
  }
  auto f = MappedFile::Open(path);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  ReadAll(**f);
  EXPECT_GE((*f)->HugeMappedBytes(), kLarge / 8 * 7);
}

}  // namespace
}  // namespace strata::genai
