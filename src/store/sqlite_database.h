#pragma once
// The embedded catalog: SQLite in WAL mode.

#include <filesystem>
#include <memory>

#include "store/database.h"

namespace strata::store {

// Opens (creating if needed) an SQLite database with WAL journaling, foreign keys on,
// synchronous=FULL (a committed catalog row survives power loss) and a 10 s busy
// timeout, which other processes' writers (job workers) wait out.
//
// One connection per Database object, guarded by a recursive mutex held for each
// statement and for the whole of a Transaction: many threads may call it, and a
// transaction's own calls nest on its thread.
Result<std::unique_ptr<Database>> OpenSqliteDatabase(const std::filesystem::path& file);

}  // namespace strata::store
