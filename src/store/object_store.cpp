#include "store/object_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace strata::store {
namespace {

constexpr size_t kMaxKeyBytes = 1024;
// NAME_MAX (255) less what AtomicFileWriter adds for its temporary:
// ".tmp-" + name + "-" + a 36-character id.
constexpr size_t kMaxLocalSegmentBytes = 200;
constexpr uint64_t kMaxRangeBytes = uint64_t{64} << 20;

bool SegmentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
bool SegmentChar(char c) {
  return SegmentStart(c) || c == '.' || c == '=' || c == '@' || c == '+' || c == '-';
}

// Keys in messages: control bytes escaped so a NUL or newline cannot cut or forge a
// log line, and long keys shortened.
std::string Printable(std::string_view key) {
  std::string out;
  for (unsigned char c : key.substr(0, 120)) {
    if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return key.size() > 120 ? out + "..." : out;
}

// `what` is "key" or "prefix".
Status CheckKey(std::string_view what, std::string_view key) {
  auto bad = [&](std::string_view why) {
    return InvalidArgumentError(
        fmt::format("object {} '{}' is not valid: {}", what, Printable(key), why));
  };
  if (key.empty()) return bad("it is empty");
  if (key.size() > kMaxKeyBytes) return bad("it is longer than 1024 bytes");
  if (key.front() == '/') return bad("it must be relative (no leading '/')");
  size_t start = 0;
  for (;;) {
    size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    std::string_view seg = key.substr(start, end - start);
    if (seg.empty()) return bad("it has an empty path segment ('//' or a trailing '/')");
    if (seg == "." || seg == "..") return bad("'.' and '..' segments are not allowed");
    for (char c : seg) {
      if (!SegmentChar(c)) {
        auto u = static_cast<unsigned char>(c);
        std::string shown = u < 0x20 || u >= 0x7f ? fmt::format("\\x{:02x}", u) : std::string(1, c);
        return bad(
            fmt::format("character '{}' is not allowed (letters, digits and ._=@+- only)", shown));
      }
    }
    if (!SegmentStart(seg.front())) {
      return bad(fmt::format("segment '{}' must start with a letter, a digit or '_'", seg));
    }
    if (end == key.size()) return Status::Ok();
    start = end + 1;
  }
}

// "" or a key with at most one trailing '/'.
Status CheckPrefix(std::string_view prefix) {
  if (prefix.empty()) return Status::Ok();
  if (prefix.back() == '/') prefix.remove_suffix(1);
  return CheckKey("prefix", prefix);
}

Status NotFound(std::string_view key) {
  return NotFoundError(fmt::format("object '{}' does not exist", key));
}

Status Errno(std::string_view what, const std::filesystem::path& p, int err) {
  return InternalError(fmt::format("{} '{}': {}", what, p.string(), std::strerror(err)));
}

bool IsMissing(int err) {
  return err == ENOENT || err == ENOTDIR;
}

int64_t MillisOf(const struct timespec& t) {
  return static_cast<int64_t>(t.tv_sec) * 1000 + t.tv_nsec / 1000000;
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// A write under `key` failed. On local files the usual cause is the key space: a file
// cannot also be a directory. Say that plainly rather than pass on an errno.
Status ExplainWriteFailure(const std::filesystem::path& root, std::string_view key,
                           Status original) {
  struct stat st;
  const std::filesystem::path path = root / std::string(key);
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return ConflictError(
        fmt::format("object '{}' cannot be written: other objects exist under '{}/'", key, key));
  }
  for (size_t pos = key.find('/'); pos != std::string_view::npos; pos = key.find('/', pos + 1)) {
    std::string_view parent = key.substr(0, pos);
    if (::stat((root / std::string(parent)).c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) {
      return ConflictError(
          fmt::format("object '{}' cannot be written: '{}' is an object", key, parent));
    }
  }
  return original;
}

// Opens a regular file for reading; a directory (a prefix of other keys) or nothing
// at all is NotFound.
Result<int> OpenObject(std::string_view key, const std::filesystem::path& path, struct stat* st) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return IsMissing(errno) || errno == EISDIR ? NotFound(key) : Errno("cannot open", path, errno);
  }
  if (::fstat(fd, st) != 0) {
    Status s = Errno("cannot stat", path, errno);
    ::close(fd);
    return s;
  }
  if (!S_ISREG(st->st_mode)) {
    ::close(fd);
    return NotFound(key);
  }
  return fd;
}

// Reads up to `max` bytes from `offset`, stopping early at the end of the file.
Status ReadAt(int fd, const std::filesystem::path& path, uint64_t offset, uint64_t max,
              std::string* out) {
  constexpr size_t kChunk = 1 << 20;
  while (out->size() < max) {
    const size_t old = out->size();
    const size_t want = static_cast<size_t>(std::min<uint64_t>(max - old, kChunk));
    out->resize(old + want);
    ssize_t n = ::pread(fd, out->data() + old, want, static_cast<off_t>(offset + old));
    if (n < 0 && errno == EINTR) {
      out->resize(old);
      continue;
    }
    if (n < 0) return Errno("cannot read", path, errno);
    out->resize(old + static_cast<size_t>(n));
    if (n == 0) break;
  }
  return Status::Ok();
}

class LocalWriter : public ObjectWriter {
 public:
  LocalWriter(std::filesystem::path root, std::string key)
      : root_(std::move(root)), key_(std::move(key)), file_(root_ / key_) {}

  Status Open() {
    Status s = file_.Open();
    return s.ok() ? s : ExplainWriteFailure(root_, key_, std::move(s));
  }

  Status Write(std::string_view data) override {
    STRATA_RETURN_IF_ERROR(Usable());
    Status s = file_.Write(data);
    if (!s.ok()) failed_ = true;
    return s;
  }

  Status Commit() override {
    STRATA_RETURN_IF_ERROR(Usable());
    committed_ = true;  // whatever happens, this writer is done
    Status s = file_.Commit();
    return s.ok() ? s : ExplainWriteFailure(root_, key_, std::move(s));
  }

  uint64_t bytes_written() const override { return file_.bytes_written(); }

 private:
  Status Usable() const {
    if (committed_) return InternalError(fmt::format("object writer for '{}' is closed", key_));
    if (failed_) {
      return InternalError(fmt::format(
          "object writer for '{}' had a failed write; the object was not written", key_));
    }
    return Status::Ok();
  }

  const std::filesystem::path root_;
  const std::string key_;
  core::AtomicFileWriter file_;
  bool committed_ = false;
  bool failed_ = false;
};

class Dir {
 public:
  explicit Dir(const std::filesystem::path& path) : d_(::opendir(path.c_str())) {}
  ~Dir() {
    if (d_ != nullptr) ::closedir(d_);
  }
  Dir(const Dir&) = delete;
  Dir& operator=(const Dir&) = delete;
  DIR* get() const { return d_; }

 private:
  DIR* d_;
};

// True when one of a and b starts with the other: a directory whose key is a prefix
// of `prefix` may hold matches, and so may one whose key `prefix` is a prefix of.
bool OnePrefixOfOther(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  return a.substr(0, n) == b.substr(0, n);
}

// Appends the objects under `dir` (whose keys start with `dir_key`, "" or ending in
// '/') that match `prefix`. Entries that vanish while we look (a concurrent Delete or
// DeletePrefix) are skipped, not errors.
Status Walk(const std::filesystem::path& dir, const std::string& dir_key, std::string_view prefix,
            std::vector<ObjectInfo>* out) {
  Dir d(dir);
  if (d.get() == nullptr) {
    return IsMissing(errno) ? Status::Ok() : Errno("cannot list", dir, errno);
  }
  for (;;) {
    errno = 0;
    const struct dirent* e = ::readdir(d.get());
    if (e == nullptr) {
      if (errno != 0) return Errno("cannot list", dir, errno);
      return Status::Ok();
    }
    std::string_view name = e->d_name;
    // Dot files are ".", ".." and the temporaries of writes in progress; names that
    // break the key rules (put there by hand) could not be read back by key.
    if (name.empty() || name[0] == '.' || !CheckKey("key", name).ok()) continue;
    std::string key = dir_key;
    key += name;
    if (!OnePrefixOfOther(key, prefix)) continue;
    struct stat st;
    if (::fstatat(dirfd(d.get()), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (IsMissing(errno)) continue;
      return Errno("cannot stat", dir / name, errno);
    }
    // A link to a file is an object; a directory reached through a link is not walked
    // (links could make a cycle).
    if (S_ISLNK(st.st_mode) && ::fstatat(dirfd(d.get()), e->d_name, &st, 0) == 0 &&
        S_ISDIR(st.st_mode)) {
      continue;
    }
    if (S_ISDIR(st.st_mode)) {
      STRATA_RETURN_IF_ERROR(Walk(dir / name, key + "/", prefix, out));
    } else if (S_ISREG(st.st_mode) && key.compare(0, prefix.size(), prefix) == 0) {
      out->push_back({std::move(key), static_cast<uint64_t>(st.st_size), MillisOf(st.st_mtim)});
    }
  }
}

}  // namespace

Status ValidateObjectKey(std::string_view key) {
  return CheckKey("key", key);
}

Result<std::unique_ptr<LocalObjectStore>> LocalObjectStore::Open(
    const std::filesystem::path& root) {
  std::error_code ec;
  std::filesystem::create_directories(root, ec);
  if (ec) {
    return InternalError(
        fmt::format("cannot create object store '{}': {}", root.string(), ec.message()));
  }
  std::filesystem::path absolute = std::filesystem::absolute(root, ec);
  if (ec) {
    return InternalError(
        fmt::format("cannot resolve object store '{}': {}", root.string(), ec.message()));
  }
  return std::unique_ptr<LocalObjectStore>(new LocalObjectStore(absolute.lexically_normal()));
}

Result<std::filesystem::path> LocalObjectStore::PathFor(std::string_view key) const {
  STRATA_RETURN_IF_ERROR(ValidateObjectKey(key));
  for (size_t start = 0; start < key.size();) {
    size_t end = std::min(key.find('/', start), key.size());
    if (end - start > kMaxLocalSegmentBytes) {
      return InvalidArgumentError(fmt::format(
          "object key '{}' is not valid here: a segment is longer than {} bytes, the most "
          "the local object store allows",
          Printable(key), kMaxLocalSegmentBytes));
    }
    start = end + 1;
  }
  return root_ / std::string(key);
}

Status LocalObjectStore::Put(std::string_view key, std::string_view data) {
  STRATA_ASSIGN_OR_RETURN(auto path, PathFor(key));
  Status s = core::WriteFileAtomic(path, data);
  return s.ok() ? s : ExplainWriteFailure(root_, key, std::move(s));
}

Result<std::unique_ptr<ObjectWriter>> LocalObjectStore::NewWriter(std::string_view key) {
  STRATA_RETURN_IF_ERROR(PathFor(key).status());
  auto writer = std::make_unique<LocalWriter>(root_, std::string(key));
  STRATA_RETURN_IF_ERROR(writer->Open());
  return std::unique_ptr<ObjectWriter>(std::move(writer));
}

Result<std::string> LocalObjectStore::Get(std::string_view key) {
  STRATA_ASSIGN_OR_RETURN(auto path, PathFor(key));
  struct stat st;
  STRATA_ASSIGN_OR_RETURN(int raw_fd, OpenObject(key, path, &st));
  Fd fd(raw_fd);
  std::string out;
  out.reserve(static_cast<size_t>(st.st_size));
  // Read to the end, not to st_size: an object being appended to may have grown.
  STRATA_RETURN_IF_ERROR(ReadAt(fd.get(), path, 0, UINT64_MAX, &out));
  return out;
}

Result<std::string> LocalObjectStore::GetRange(std::string_view key, uint64_t offset,
                                               uint64_t max_bytes) {
  STRATA_ASSIGN_OR_RETURN(auto path, PathFor(key));
  struct stat st;
  STRATA_ASSIGN_OR_RETURN(int raw_fd, OpenObject(key, path, &st));
  Fd fd(raw_fd);
  std::string out;
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (offset >= size) return out;  // also keeps offset + n within off_t
  STRATA_RETURN_IF_ERROR(
      ReadAt(fd.get(), path, offset, std::min({max_bytes, kMaxRangeBytes, size - offset}), &out));
  return out;
}

Result<uint64_t> LocalObjectStore::Size(std::string_view key) {
  STRATA_ASSIGN_OR_RETURN(auto path, PathFor(key));
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return IsMissing(errno) ? NotFound(key) : Errno("cannot stat", path, errno);
  }
  if (!S_ISREG(st.st_mode)) return NotFound(key);
  return static_cast<uint64_t>(st.st_size);
}

bool LocalObjectStore::Exists(std::string_view key) {
  auto path = PathFor(key);
  struct stat st;
  return path.ok() && ::stat(path->c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

Status LocalObjectStore::Append(std::string_view key, std::string_view data) {
  STRATA_ASSIGN_OR_RETURN(auto path, PathFor(key));
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);  // a failure shows in open
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (fd.get() < 0) return ExplainWriteFailure(root_, key, Errno("cannot open", path, errno));
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd.get(), p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("cannot append to", path, errno);
    p += n;
    left -= static_cast<size_t>(n);
  }
  return Status::Ok();
}

Result<std::vector<ObjectInfo>> LocalObjectStore::List(std::string_view prefix) {
  STRATA_RETURN_IF_ERROR(CheckPrefix(prefix));
  // Start at the deepest directory the prefix names, not at the root.
  const std::string dir_key(prefix.substr(0, prefix.rfind('/') + 1));  // npos + 1 == 0
  std::vector<ObjectInfo> out;
  STRATA_RETURN_IF_ERROR(Walk(root_ / dir_key, dir_key, prefix, &out));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  return out;
}

Status LocalObjectStore::Delete(std::string_view key) {
  STRATA_ASSIGN_OR_RETURN(auto path, PathFor(key));
  if (::unlink(path.c_str()) != 0) {
    // EISDIR: the key names a directory of other objects, not an object.
    if (IsMissing(errno) || errno == EISDIR) return NotFound(key);
    return Errno("cannot delete", path, errno);
  }
  return core::SyncDirectory(path.parent_path());
}

Status LocalObjectStore::DeletePrefix(std::string_view prefix) {
  if (prefix.empty()) {
    return InvalidArgumentError("object prefix is empty: refusing to delete the whole store");
  }
  if (prefix.back() == '/') prefix.remove_suffix(1);
  STRATA_RETURN_IF_ERROR(CheckKey("prefix", prefix));
  STRATA_ASSIGN_OR_RETURN(auto path, PathFor(prefix));
  std::error_code ec;
  const auto removed = std::filesystem::remove_all(path, ec);  // never follows links
  if (ec && ec != std::errc::not_a_directory && ec != std::errc::no_such_file_or_directory) {
    return InternalError(fmt::format("cannot delete '{}': {}", path.string(), ec.message()));
  }
  if (ec || removed == 0 || removed == static_cast<std::uintmax_t>(-1)) return Status::Ok();
  return core::SyncDirectory(path.parent_path());
}

Result<std::filesystem::path> LocalObjectStore::LocalPath(std::string_view key) {
  return PathFor(key);
}

}  // namespace strata::store
