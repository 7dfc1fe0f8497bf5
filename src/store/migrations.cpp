#include "store/migrations.h"

#include <fmt/format.h>

namespace strata::store {
namespace {

constexpr const char* kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";

}  // namespace

Result<int> SchemaVersion(Database& db) {
  STRATA_RETURN_IF_ERROR(db.Execute(kCreateTable));
  STRATA_ASSIGN_OR_RETURN(auto rows, db.Query("SELECT MAX(version) AS v FROM schema_migrations"));
  return static_cast<int>(rows.empty() ? 0 : rows[0].Int("v"));
}

Status ApplyMigrations(Database& db, const std::vector<Migration>& migrations) {
  for (size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version != static_cast<int>(i) + 1) {
      return InternalError(fmt::format("migration list has version {} at position {}",
                                       migrations[i].version, i + 1));
    }
  }
  const int known = static_cast<int>(migrations.size());
  STRATA_ASSIGN_OR_RETURN(int current, SchemaVersion(db));
  if (current > known) {
    return ConflictError(fmt::format(
        "catalog has schema version {} but this strata knows up to {}: upgrade strata", current, known));
  }
  for (const Migration& m : migrations) {
    if (m.version <= current) continue;
    Status s = db.Transaction([&]() -> Status {
      STRATA_ASSIGN_OR_RETURN(int now, SchemaVersion(db));
      if (now >= m.version) return Status::Ok();  // another process got here first
      STRATA_RETURN_IF_ERROR(db.Execute(m.sql));
      return db.Execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                        {static_cast<int64_t>(m.version), std::string(m.name),
                         core::FormatRfc3339(core::SystemClock().Now())});
    });
    if (!s.ok()) return s.WithContext(fmt::format("applying catalog migration {} ({})", m.version, m.name));
    core::log::Debug("catalog migrated to version {} ({})", m.version, m.name);
  }
  return Status::Ok();
}

}  // namespace strata::store
