#pragma once
// Versioned schema migrations of the catalog, applied at open. Each runs in its own
// transaction and is recorded in `schema_migrations`; re-checking the version inside
// the transaction makes concurrent openers (a server and its workers) safe.

#include <string_view>
#include <vector>

#include "store/database.h"

namespace strata::store {

struct Migration {
  int version;  // 1, 2, 3, ... without gaps
  std::string_view name;
  std::string_view sql;  // may hold several statements
};

// The catalog's schema, oldest first (catalog_schema.cpp). Append; never edit a
// migration that has shipped.
const std::vector<Migration>& CatalogMigrations();

// Brings `db` up to the last of `migrations`. A catalog recorded at a newer version
// than the list knows is refused (an older program must not write a newer schema).
Status ApplyMigrations(Database& db, const std::vector<Migration>& migrations);
// 0 for a fresh database.
Result<int> SchemaVersion(Database& db);

}  // namespace strata::store
