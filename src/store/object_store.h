#pragma once
// The object store: the bytes of datasets, models, job logs and reports, by key.
// Local files under `<data_dir>/objects/` today (LocalObjectStore); an S3-compatible
// backend will implement the same interface.
//
// Keys are `/`-separated relative paths, at most 1024 bytes. Each segment starts with
// [A-Za-z0-9_] and goes on with [A-Za-z0-9._=@+-]: so no empty, `.` or `..` segment,
// no leading `/`, no control character, NUL or backslash. No key can name a file
// outside the store, nor one of its temporaries (those start with '.'). Every method
// validates its key first; a bad key is InvalidArgument naming the key and the rule.
// A missing object is NotFound: "object 'k' does not exist".
//
// Writes are atomic (Put, NewWriter): readers see the old object or the new one,
// never a part, and a crash leaves one of the two. Append is the exception, by design.
//
// Thread safety: all methods may be called from many threads and processes at once.
// Of two concurrent writes to one key, the last to finish wins whole.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"

namespace strata::store {

// OK or InvalidArgument naming the key and the rule it breaks.
Status ValidateObjectKey(std::string_view key);

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
  int64_t modified_ms = 0;  // Unix milliseconds
};

// A streaming atomic write: Write() as often as needed, then Commit(). Nothing is
// visible under the key until Commit() succeeds; a writer destroyed without it (an
// error, an exception) leaves the old object, if any, untouched and no trace behind.
// After a failed Write, Commit refuses. Not thread-safe: one writer, one thread.
class ObjectWriter {
 public:
  virtual ~ObjectWriter() = default;
  virtual Status Write(std::string_view data) = 0;
  virtual Status Commit() = 0;
  virtual uint64_t bytes_written() const = 0;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  virtual Status Put(std::string_view key, std::string_view data) = 0;
  virtual Result<std::unique_ptr<ObjectWriter>> NewWriter(std::string_view key) = 0;
  // The whole object, in memory: for small objects (JSON, reports). Stream or mmap
  // big ones (LocalPath).
  virtual Result<std::string> Get(std::string_view key) = 0;
  // Up to max_bytes (at most 64 MiB a call) from offset; empty at or past the end.
  // For tailing a log that is still growing.
  virtual Result<std::string> GetRange(std::string_view key, uint64_t offset,
                                       uint64_t max_bytes) = 0;
  virtual Result<uint64_t> Size(std::string_view key) = 0;
  // False for a bad key as for a missing object.
  virtual bool Exists(std::string_view key) = 0;
  // Appends to the object, creating it if needed. NOT atomic, by design: it exists
  // for live job logs, which readers tail while they grow. Not synced to disk either:
  // a crash may lose the last lines. The data goes out in one O_APPEND write(2) (short
  // writes aside), so lines that several processes append do not interleave.
  virtual Status Append(std::string_view key, std::string_view data) = 0;
  // Objects whose key starts with `prefix` (a plain string prefix: "datasets/ir"
  // matches "datasets/iris/..."; "" lists everything), sorted by key. Temporaries of
  // writes in progress are never listed. `prefix` follows the key rules, except that
  // it may be empty or end in '/'.
  virtual Result<std::vector<ObjectInfo>> List(std::string_view prefix) = 0;
  virtual Status Delete(std::string_view key) = 0;
  // Deletes the object `prefix` and every object under `prefix/` (a whole dataset
  // version, say). Whole segments only: "datasets/iris" never touches
  // "datasets/iris2". OK when there is nothing to delete; an empty prefix (the whole
  // store) is refused. A trailing '/' is allowed.
  virtual Status DeletePrefix(std::string_view prefix) = 0;
  // The file behind a key, which need not exist yet: for mmap readers, for writers
  // of whole directories (renamed into place), and for child processes that append
  // to a log. Backends without local files return Unavailable.
  virtual Result<std::filesystem::path> LocalPath(std::string_view key) = 0;
};

// Objects as files under a root directory, keys as relative paths. Because a file
// cannot also be a directory, key "a" and key "a/b" cannot both exist here: writing
// one while the other exists is Conflict. A segment may be at most 200 bytes (file
// names are limited to 255, and temporaries add a suffix).
class LocalObjectStore : public ObjectStore {
 public:
  // Creates `root` if needed.
  static Result<std::unique_ptr<LocalObjectStore>> Open(const std::filesystem::path& root);

  Status Put(std::string_view key, std::string_view data) override;
  Result<std::unique_ptr<ObjectWriter>> NewWriter(std::string_view key) override;
  Result<std::string> Get(std::string_view key) override;
  Result<std::string> GetRange(std::string_view key, uint64_t offset, uint64_t max_bytes) override;
  Result<uint64_t> Size(std::string_view key) override;
  bool Exists(std::string_view key) override;
  Status Append(std::string_view key, std::string_view data) override;
  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override;
  Status Delete(std::string_view key) override;
  Status DeletePrefix(std::string_view prefix) override;
  Result<std::filesystem::path> LocalPath(std::string_view key) override;

  // Absolute.
  const std::filesystem::path& root() const { return root_; }

 private:
  explicit LocalObjectStore(std::filesystem::path root) : root_(std::move(root)) {}
  Result<std::filesystem::path> PathFor(std::string_view key) const;

  const std::filesystem::path root_;
};

}  // namespace strata::store
