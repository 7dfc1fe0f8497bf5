#include "store/store.h"

#include <unistd.h>

#include <fmt/format.h>

namespace strata::store {

Result<Store> OpenStore(const std::filesystem::path& data_dir) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) {
    return InvalidArgumentError(
        fmt::format("data directory '{}' cannot be created: {}", data_dir.string(), ec.message()));
  }
  if (::access(data_dir.c_str(), W_OK) != 0) {
    return InvalidArgumentError(fmt::format("data directory '{}' is not writable", data_dir.string()));
  }
  Store store;
  store.data_dir = std::filesystem::absolute(data_dir).lexically_normal();
  STRATA_ASSIGN_OR_RETURN(store.catalog, OpenSqliteDatabase(store.data_dir / "catalog.db"));
  STRATA_RETURN_IF_ERROR(ApplyMigrations(*store.catalog, CatalogMigrations()));
  STRATA_ASSIGN_OR_RETURN(auto objects, LocalObjectStore::Open(store.data_dir / "objects"));
  store.objects = std::move(objects);
  return store;
}

}  // namespace strata::store
