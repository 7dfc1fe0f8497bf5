#pragma once
// The object store: datasets, models, job logs and reports by key. Local disk under
// `<data_dir>/objects/` today; an S3-compatible backend implements the same interface.
//
// Keys are `/`-separated relative paths. Each segment starts with [A-Za-z0-9_] and
// continues with [A-Za-z0-9._=@+-]; no empty, `.` or `..` segments, no leading `/`,
// no control characters or backslashes, at most 1024 bytes. So no key can name a
// file outside the store, nor one of its temporaries (which start with '.').
// Every method validates its key first and returns InvalidArgument for a bad one.
//
// Writes are atomic (temporary file, fsync, rename), except Append, which exists for
// live logs. Thread-safe: concurrent calls on different keys are independent; the
// last of two concurrent Puts to one key wins whole.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"

namespace strata::store {

Status ValidateObjectKey(std::string_view key);

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
  int64_t modified_ms = 0;  // Unix ms
};

// A streaming atomic write: nothing is visible under the key until Commit().
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
  // NotFound when the key does not exist.
  virtual Result<std::string> Get(std::string_view key) = 0;
  // Up to max_bytes from offset; empty at or past the end.
  virtual Result<std::string> GetRange(std::string_view key, uint64_t offset, uint64_t max_bytes) = 0;
  virtual Result<uint64_t> Size(std::string_view key) = 0;
  virtual bool Exists(std::string_view key) = 0;
  // Appends (creating the object if needed). Not atomic, by design: for live logs.
  virtual Status Append(std::string_view key, std::string_view data) = 0;
  // Objects whose key starts with `prefix` ("" for all), sorted by key.
  virtual Result<std::vector<ObjectInfo>> List(std::string_view prefix) = 0;
  virtual Status Delete(std::string_view key) = 0;
  // Deletes every object under `prefix/` (a whole dataset version, say).
  virtual Status DeletePrefix(std::string_view prefix) = 0;
  // The file behind a key (which need not exist yet), for mmap readers and for child
  // processes that write a log. Local backends only: others return Unavailable.
  virtual Result<std::filesystem::path> LocalPath(std::string_view key) = 0;
};

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

  const std::filesystem::path& root() const { return root_; }

 private:
  explicit LocalObjectStore(std::filesystem::path root) : root_(std::move(root)) {}
  Result<std::filesystem::path> PathFor(std::string_view key) const;

  std::filesystem::path root_;
};

}  // namespace strata::store
