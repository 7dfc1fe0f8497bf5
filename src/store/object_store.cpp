#include "store/object_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace strata::store {
namespace {

bool SegmentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
bool SegmentChar(char c) {
  return SegmentStart(c) || c == '.' || c == '=' || c == '@' || c == '+' || c == '-';
}

std::string Printable(std::string_view key) {
  std::string out;
  for (unsigned char c : key.substr(0, 120)) {
    if (c < 0x20 || c == 0x7f) out += fmt::format("\\x{:02x}", c);
    else out += static_cast<char>(c);
  }
  return key.size() > 120 ? out + "..." : out;
}

Status BadKey(std::string_view key, std::string_view why) {
  return InvalidArgumentError(fmt::format("object key '{}' is not valid: {}", Printable(key), why));
}

Status NotFound(std::string_view key) {
  return NotFoundError(fmt::format("object '{}' does not exist", key));
}

Status Errno(std::string_view what, const std::filesystem::path& p) {
  return InternalError(fmt::format("{} '{}': {}", what, p.string(), std::strerror(errno)));
}

class LocalWriter : public ObjectWriter {
 public:
  explicit LocalWriter(std::filesystem::path path) : file_(std::move(path)) {}
  Status Open() { return file_.Open(); }
  Status Write(std::string_view data) override { return file_.Write(data); }
  Status Commit() override { return file_.Commit(); }
  uint64_t bytes_written() const override { return file_.bytes_written(); }

 private:
  core::AtomicFileWriter file_;
};

}  // namespace

Status ValidateObjectKey(std::string_view key) {
  if (key.empty()) return BadKey(key, "it is empty");
  if (key.size() > 1024) return BadKey(key, "longer than 1024 bytes");
  if (key.front() == '/') return BadKey(key, "it must be relative (no leading '/')");
  size_t start = 0;
  while (start <= key.size()) {
    size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    std::string_view seg = key.substr(start, end - start);
    if (seg.empty()) return BadKey(key, "empty path segment");
    if (seg == "." || seg == "..") return BadKey(key, "'.' and '..' segments are not allowed");
    if (!SegmentStart(seg.front())) {
      return BadKey(key, fmt::format("segment '{}' must start with a letter, digit or '_'", Printable(seg)));
    }
    for (char c : seg) {
      if (!SegmentChar(c)) {
        unsigned char u = static_cast<unsigned char>(c);
        std::string shown = u < 0x20 || u >= 0x7f ? fmt::format("\\x{:02x}", u) : std::string(1, c);
        return BadKey(key, fmt::format("character '{}' is not allowed", shown));
      }
    }
    start = end + 1;
  }
  return Status::Ok();
}

Result<std::unique_ptr<LocalObjectStore>> LocalObjectStore::Open(const std::filesystem::path& root) {
  std::error_code ec;
  std::filesystem::create_directories(root, ec);
  if (ec) return InternalError(fmt::format("cannot create object store '{}': {}", root.string(), ec.message()));
  return std::unique_ptr<LocalObjectStore>(new LocalObjectStore(std::filesystem::absolute(root)));
}

Result<std::filesystem::path> LocalObjectStore::PathFor(std::string_view key) const {
  STRATA_RETURN_IF_ERROR(ValidateObjectKey(key));
  return root_ / std::string(key);
}

Status LocalObjectStore::Put(std::string_view key, std::string_view data) {
  STRATA_ASSIGN_OR_RETURN(auto path, PathFor(key));
  return core::WriteFileAtomic(path, data);
}

Result<std::unique_ptr<ObjectWriter>> LocalObjectStore::NewWriter(std::string_view key) {
  STRATA_ASSIGN_OR_RETURN(auto path, PathFor(key));
  auto writer = std::make_unique<LocalWriter>(path);
  STRATA_RETURN_IF_ERROR(writer->Open());
  return std::unique_ptr<ObjectWriter>(std::move(writer));
}

Result<std::string> LocalObjectStore::Get(std::string_view key) {
  STRATA_ASSIGN_OR_RETURN(auto path, PathFor(key));
  if (!std::filesystem::is_regular_file(path)) return NotFound(key);
  return core::ReadFile(path);
}

Result<std::string> LocalObjectStore::GetRange(std::string_view key, uint64_t offset, uint64_t max_bytes) {
  STRATA_ASSIGN_OR_RETURN(auto path, PathFor(key));
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? NotFound(key) : Errno("cannot open", path);
  std::string out;
  out.resize(static_cast<size_t>(std::min<uint64_t>(max_bytes, 64ull << 20)));
  size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::pread(fd, out.data() + got, out.size() - got, static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = Errno("cannot read", path);
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  out.resize(got);
  return out;
}

Result<uint64_t> LocalObjectStore::Size(std::string_view key) {
  STRATA_ASSIGN_OR_RETURN(auto path, PathFor(key));
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) return NotFound(key);
  return static_cast<uint64_t>(size);
}

bool LocalObjectStore::Exists(std::string_view key) {
  auto path = PathFor(key);
  return path.ok() && std::filesystem::is_regular_file(*path);
}

Status LocalObjectStore::Append(std::string_view key, std::string_view data) {
  STRATA_ASSIGN_OR_RETURN(auto path, PathFor(key));
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("cannot open", path);
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = Errno("cannot append to", path);
      ::close(fd);
      return s;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  ::close(fd);
  return Status::Ok();
}

Result<std::vector<ObjectInfo>> LocalObjectStore::List(std::string_view prefix) {
  std::vector<ObjectInfo> out;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(root_, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (!name.empty() && name[0] == '.') {  // a temporary: never an object
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file()) continue;
    std::string key = std::filesystem::relative(it->path(), root_).string();
    if (key.compare(0, prefix.size(), prefix) != 0) continue;
    ObjectInfo info;
    info.key = key;
    info.size = it->file_size();
    auto mtime = std::filesystem::last_write_time(it->path());
    info.modified_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::file_clock::to_sys(mtime).time_since_epoch())
                           .count();
    out.push_back(std::move(info));
  }
  if (ec) return InternalError(fmt::format("cannot list '{}': {}", root_.string(), ec.message()));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  return out;
}

Status LocalObjectStore::Delete(std::string_view key) {
  STRATA_ASSIGN_OR_RETURN(auto path, PathFor(key));
  if (!std::filesystem::is_regular_file(path)) return NotFound(key);
  if (::unlink(path.c_str()) != 0) return Errno("cannot delete", path);
  return core::SyncDirectory(path.parent_path());
}

Status LocalObjectStore::DeletePrefix(std::string_view prefix) {
  STRATA_ASSIGN_OR_RETURN(auto path, PathFor(prefix));
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (ec) return InternalError(fmt::format("cannot delete '{}': {}", path.string(), ec.message()));
  return Status::Ok();
}

Result<std::filesystem::path> LocalObjectStore::LocalPath(std::string_view key) { return PathFor(key); }

}  // namespace strata::store
