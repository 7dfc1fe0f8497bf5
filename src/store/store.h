#pragma once
// Facade of store/: the catalog (metadata in SQL) and the object store (bytes).
// Other subsystems include this header only.

#include <filesystem>
#include <memory>

#include "store/database.h"
#include "store/migrations.h"
#include "store/object_store.h"
#include "store/sqlite_database.h"

namespace strata::store {

// What a process holds of a data directory. Movable, not copyable; both members are
// thread-safe (see their headers), so one Store serves every thread of a process.
struct Store {
  std::unique_ptr<Database> catalog;     // <data_dir>/catalog.db, at the current schema
  std::unique_ptr<ObjectStore> objects;  // <data_dir>/objects/
  std::filesystem::path data_dir;        // absolute
};

// Opens a data directory, creating it on first use: `catalog.db` (migrated to
// CatalogMigrations()) and `objects/`. Several processes may open the same one.
// Errors: InvalidArgument when the directory cannot be created or is not writable
// (a user's --data-dir to fix); Conflict when the catalog was written by a newer
// strata; Internal or Unavailable from opening or migrating the catalog.
Result<Store> OpenStore(const std::filesystem::path& data_dir);

}  // namespace strata::store
