#pragma once
// Versioned schema migrations, applied when a catalog is opened.
//
// Each migration runs in its own transaction and is recorded in
//   schema_migrations(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)
// (applied_at in RFC 3339 UTC). The version is re-read inside each transaction, so
// processes that open a catalog at the same moment (a server and its workers) apply
// each migration exactly once.

#include <string_view>
#include <vector>

#include "store/database.h"

namespace strata::store {

struct Migration {
  int version;  // 1, 2, 3, ... in order, without gaps
  std::string_view name;
  std::string_view sql;  // portable SQL; may hold several statements, no parameters
};

// The catalog's schema, oldest first (catalog_schema.cpp). Append to it; never edit
// or reorder a migration that has shipped: catalogs in the field have run it.
const std::vector<Migration>& CatalogMigrations();

// Brings `db` up to the last of `migrations`. Errors:
//   Conflict  the database records a newer version than `migrations` knows (an older
//             program must not write a newer schema): "<what> has schema version 7
//             but this strata knows up to 3: upgrade strata".
//   Internal  a malformed list.
//   and the error of a migration that failed, in context: its transaction rolled
//   back, so the database stays at the version before it.
// `what` names the database in messages, e.g. the catalog's path.
Status ApplyMigrations(Database& db, const std::vector<Migration>& migrations,
                       std::string_view what = "catalog");

// The highest applied version; 0 for a fresh database. Creates schema_migrations if
// missing.
Result<int> SchemaVersion(Database& db);

}  // namespace strata::store
