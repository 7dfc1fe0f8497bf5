#include "core/files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/ids.h"

namespace strata::core {
namespace {

Status Errno(std::string_view what, const std::filesystem::path& path) {
  return InternalError(fmt::format("{} '{}': {}", what, path.string(), std::strerror(errno)));
}

}  // namespace

Status SyncDirectory(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open directory", dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Errno("cannot sync directory", dir);
  return Status::Ok();
}

namespace {

// The directory holding `file`: "." for a bare file name.
std::filesystem::path DirectoryOf(const std::filesystem::path& file) {
  return file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
}

}  // namespace

AtomicFileWriter::AtomicFileWriter(std::filesystem::path target) : target_(std::move(target)) {
  // The temporary lives in the same directory so rename() stays on one filesystem.
  temp_ = DirectoryOf(target_) / (".tmp-" + target_.filename().string() + "-" + NewId());
}

AtomicFileWriter::~AtomicFileWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) {
    std::error_code ec;
    std::filesystem::remove(temp_, ec);
  }
}

Status AtomicFileWriter::Open() {
  std::error_code ec;
  std::filesystem::create_directories(DirectoryOf(target_), ec);
  if (ec) {
    return InternalError(fmt::format("cannot create directory '{}': {}", DirectoryOf(target_).string(),
                                     ec.message()));
  }
  fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd_ < 0) return Errno("cannot create", temp_);
  return Status::Ok();
}

Status AtomicFileWriter::Write(std::string_view data) {
  if (fd_ < 0) return InternalError("AtomicFileWriter::Write before Open");
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("cannot write", temp_);
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  bytes_ += data.size();
  return Status::Ok();
}

Status AtomicFileWriter::Commit() {
  if (fd_ < 0) return InternalError("AtomicFileWriter::Commit before Open");
  if (::fsync(fd_) != 0) return Errno("cannot sync", temp_);
  if (::close(fd_) != 0) {
    fd_ = -1;
    return Errno("cannot close", temp_);
  }
  fd_ = -1;
  if (::rename(temp_.c_str(), target_.c_str()) != 0) return Errno("cannot rename into", target_);
  committed_ = true;
  return SyncDirectory(DirectoryOf(target_));
}

Status WriteFileAtomic(const std::filesystem::path& path, std::string_view data) {
  AtomicFileWriter w(path);
  STRATA_RETURN_IF_ERROR(w.Open());
  STRATA_RETURN_IF_ERROR(w.Write(data));
  return w.Commit();
}

Result<std::string> ReadFile(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFoundError(fmt::format("file '{}' does not exist", path.string()));
    return Errno("cannot open", path);
  }
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      Status s = Errno("cannot read", path);
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace strata::core
