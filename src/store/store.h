#pragma once
// Facade of store/: the catalog (metadata in SQL) and the object store (bytes).

#include <filesystem>
#include <memory>

#include "store/database.h"
#include "store/migrations.h"
#include "store/object_store.h"
#include "store/sqlite_database.h"

namespace strata::store {

struct Store {
  std::filesystem::path data_dir;  // absolute
  std::unique_ptr<Database> catalog;
  std::unique_ptr<ObjectStore> objects;
};

// Opens `<data_dir>/catalog.db` (migrated to the current schema) and
// `<data_dir>/objects/`, creating the directory on first use.
Result<Store> OpenStore(const std::filesystem::path& data_dir);

}  // namespace strata::store
