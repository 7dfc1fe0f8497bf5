// Adapter over libarchive: the only file that sees <archive.h>. Reads gzip-compressed
// tar only, and only plain files with plain names; libarchive's errors become Status.
#include "platform/model_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <ctime>
#include <memory>
#include <set>

#include <fmt/format.h>

namespace strata::platform {
namespace {

struct ReadCloser {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct WriteCloser {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryCloser {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

std::string ErrorOf(archive* a) {
  const char* e = archive_error_string(a);
  return e ? e : "unknown error";
}

// A plain file name: no directories, no "..", no hidden files, no odd characters.
bool IsPlainName(const std::string& name) {
  if (name.empty() || name.size() > 128 || name[0] == '.') return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-')
      return false;
  }
  return true;
}

la_ssize_t AppendToString(archive*, void* out, const void* buf, size_t n) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(buf), n);
  return static_cast<la_ssize_t>(n);
}

}  // namespace

Result<std::string> WriteTarGz(const std::vector<std::pair<std::string, std::string>>& files) {
  std::unique_ptr<archive, WriteCloser> a(archive_write_new());
  if (!a) return InternalError("libarchive: out of memory");
  std::string out;
  if (archive_write_add_filter_gzip(a.get()) != ARCHIVE_OK ||
      archive_write_set_format_pax_restricted(a.get()) != ARCHIVE_OK ||
      archive_write_set_bytes_in_last_block(a.get(), 1) != ARCHIVE_OK ||
      archive_write_open2(a.get(), &out, nullptr, AppendToString, nullptr, nullptr) != ARCHIVE_OK) {
    return InternalError(fmt::format("cannot start the archive: {}", ErrorOf(a.get())));
  }
  const time_t now = std::time(nullptr);
  for (const auto& [name, bytes] : files) {
    std::unique_ptr<archive_entry, EntryCloser> e(archive_entry_new());
    archive_entry_set_pathname(e.get(), name.c_str());
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_perm(e.get(), 0644);
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(bytes.size()));
    archive_entry_set_mtime(e.get(), now, 0);
    if (archive_write_header(a.get(), e.get()) != ARCHIVE_OK ||
        (!bytes.empty() && archive_write_data(a.get(), bytes.data(), bytes.size()) !=
                               static_cast<la_ssize_t>(bytes.size()))) {
      return InternalError(
          fmt::format("cannot add '{}' to the archive: {}", name, ErrorOf(a.get())));
    }
  }
  if (archive_write_close(a.get()) != ARCHIVE_OK) {
    return InternalError(fmt::format("cannot finish the archive: {}", ErrorOf(a.get())));
  }
  return out;
}

Result<std::vector<std::string>> ExtractModelArchive(const std::filesystem::path& path,
                                                     const std::filesystem::path& dir,
                                                     const ArchiveLimits& limits) {
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(path, ec);
  if (ec)
    return InvalidArgumentError(
        fmt::format("cannot read the archive '{}': {}", path.string(), ec.message()));
  if (size > limits.max_archive_bytes) {
    return PayloadTooLargeError(
        fmt::format("the archive is {} bytes; the limit is {}", size, limits.max_archive_bytes));
  }
  std::unique_ptr<archive, ReadCloser> a(archive_read_new());
  if (!a) return InternalError("libarchive: out of memory");
  archive_read_support_filter_gzip(a.get());
  archive_read_support_format_tar(a.get());
  const auto bad = [&](std::string what) {
    return InvalidArgumentError(
        fmt::format("'{}' is not a model archive (a .tar.gz of model.json and the model file): {}",
                    path.filename().string(), what));
  };
  if (archive_read_open_filename(a.get(), path.c_str(), 1 << 16) != ARCHIVE_OK)
    return bad(ErrorOf(a.get()));
  std::vector<std::string> names;
  std::set<std::string> seen;
  uint64_t total = 0;
  archive_entry* e = nullptr;
  for (;;) {
    int rc = archive_read_next_header(a.get(), &e);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) return bad(ErrorOf(a.get()));
    const char* raw = archive_entry_pathname(e);
    std::string name = raw ? raw : "";
    while (name.size() >= 2 && name.compare(0, 2, "./") == 0) name.erase(0, 2);
    if (archive_entry_filetype(e) == AE_IFDIR && (name.empty() || name == "."))
      continue;  // tar's "./"
    if (archive_entry_filetype(e) != AE_IFREG) {
      return bad(fmt::format("entry '{}' is not a plain file (directories and links are refused)",
                             raw ? raw : ""));
    }
    if (!IsPlainName(name)) {
      return bad(fmt::format("entry name '{}' is refused: only plain file names, no paths",
                             raw ? raw : ""));
    }
    if (!seen.insert(name).second) return bad(fmt::format("entry '{}' appears twice", name));
    if (static_cast<int>(names.size()) >= kMaxArchiveEntries) {
      return bad(fmt::format("more than {} entries", kMaxArchiveEntries));
    }
    if (archive_entry_size_is_set(e) &&
        static_cast<uint64_t>(archive_entry_size(e)) > limits.max_entry_bytes) {
      return PayloadTooLargeError(fmt::format("archive entry '{}' is {} bytes; the limit is {}",
                                              name, archive_entry_size(e), limits.max_entry_bytes));
    }
    const std::filesystem::path out = dir / name;
    int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) return InternalError(fmt::format("cannot create '{}'", out.string()));
    uint64_t written = 0;
    char buf[1 << 16];
    Status status = Status::Ok();
    for (;;) {
      la_ssize_t n = archive_read_data(a.get(), buf, sizeof buf);
      if (n == 0) break;
      if (n < 0) {
        status = bad(fmt::format("entry '{}': {}", name, ErrorOf(a.get())));
        break;
      }
      written += static_cast<uint64_t>(n);
      total += static_cast<uint64_t>(n);
      // The header's size may lie: count what really comes out.
      if (written > limits.max_entry_bytes || total > limits.max_total_bytes) {
        status = PayloadTooLargeError(
            fmt::format("the archive's files exceed the limit ({} bytes per file, {} in all)",
                        limits.max_entry_bytes, limits.max_total_bytes));
        break;
      }
      if (::write(fd, buf, static_cast<size_t>(n)) != n) {
        status = InternalError(fmt::format("cannot write '{}'", out.string()));
        break;
      }
    }
    ::close(fd);
    if (!status.ok()) return status;
    names.push_back(name);
  }
  return names;
}

}  // namespace strata::platform
