#include "store/store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace strata::store {
namespace {

// Creating a file is the only reliable test: access(W_OK) says yes to root on a
// read-only mount, and SQLite's own failure ("unable to open database file") would
// not say why.
Status CheckWritable(const std::filesystem::path& dir) {
  const std::filesystem::path probe = dir / (".write-test-" + core::NewId());
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return InvalidArgumentError(
        fmt::format("data directory '{}' is not writable: {}", dir.string(), std::strerror(errno)));
  }
  ::close(fd);
  ::unlink(probe.c_str());
  return Status::Ok();
}

}  // namespace

Result<Store> OpenStore(const std::filesystem::path& data_dir) {
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::absolute(data_dir, ec).lexically_normal();
  if (ec) {
    return InvalidArgumentError(
        fmt::format("data directory '{}' cannot be resolved: {}", data_dir.string(), ec.message()));
  }
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir, ec)) {
    return InvalidArgumentError(fmt::format("data directory '{}' cannot be created: {}",
                                            dir.string(),
                                            ec ? ec.message() : "a file of that name exists"));
  }
  STRATA_RETURN_IF_ERROR(CheckWritable(dir));
  Store store;
  store.data_dir = dir;
  const std::filesystem::path catalog_file = dir / "catalog.db";
  STRATA_ASSIGN_OR_RETURN(store.catalog, OpenSqliteDatabase(catalog_file));
  STRATA_RETURN_IF_ERROR(
      ApplyMigrations(*store.catalog, CatalogMigrations(), catalog_file.string()));
  STRATA_ASSIGN_OR_RETURN(store.objects, LocalObjectStore::Open(dir / "objects"));
  return store;
}

}  // namespace strata::store
