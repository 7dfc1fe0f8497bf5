#pragma once
// Files written atomically: data goes to a temporary file beside the target, is
// fsync'ed, renamed over the target, and the directory is fsync'ed. A crash at any
// moment leaves either the old file or the new one, never a torn one.

#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/status.h"

namespace strata::core {

Status WriteFileAtomic(const std::filesystem::path& path, std::string_view data);
Result<std::string> ReadFile(const std::filesystem::path& path);
// fsync of a directory, so a rename or create inside it is durable.
Status SyncDirectory(const std::filesystem::path& dir);

// Streams a large file into place: Write() as often as needed, then Commit().
// Destroyed without Commit() (an error, an exception), the temporary is removed and
// the target is untouched. Not thread-safe.
class AtomicFileWriter {
 public:
  explicit AtomicFileWriter(std::filesystem::path target);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  Status Open();
  Status Write(std::string_view data);
  Status Commit();
  uint64_t bytes_written() const { return bytes_; }
  const std::filesystem::path& temp_path() const { return temp_; }

 private:
  std::filesystem::path target_, temp_;
  int fd_ = -1;
  uint64_t bytes_ = 0;
  bool committed_ = false;
};

}  // namespace strata::core
