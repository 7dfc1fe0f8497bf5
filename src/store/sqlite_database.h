#pragma once
// The embedded catalog backend: SQLite in WAL mode.

#include <filesystem>
#include <memory>

#include "store/database.h"

namespace strata::store {

struct SqliteOptions {
  // How long a statement waits for another connection's write lock (another process,
  // or another Database object on the same file) before failing with Unavailable.
  int busy_timeout_ms = 5000;
};

// Opens (creating if needed) an SQLite database with WAL journaling (readers never
// block the writer), foreign keys on, synchronous=FULL (a committed row survives
// power loss) and a busy timeout that other processes' writers are waited out with.
//
// Thread safety: the returned object owns one connection, guarded by a recursive
// mutex held for each statement and for the whole of a Transaction. Any number of
// threads may share it; a transaction's own calls (on its thread) nest, other threads
// wait for it to end. Statements run one at a time per object: a server that needs
// parallel readers opens more than one.
//
// Processes: each process opens its own object (job workers open the catalog the
// server uses); SQLite's file locks serialize their writers, and BEGIN IMMEDIATE
// makes a transaction take the write lock up front, so two transactions never
// deadlock on a read-to-write upgrade. An object must not be used in the child of a
// fork(): open a new one there.
//
// Errors: InternalError naming the file when it cannot be opened or set up.
Result<std::unique_ptr<Database>> OpenSqliteDatabase(const std::filesystem::path& file,
                                                     const SqliteOptions& options = {});

}  // namespace strata::store
