#include "store/migrations.h"

#include <fmt/format.h>

namespace strata::store {
namespace {

constexpr std::string_view kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";

Status CheckList(const std::vector<Migration>& migrations) {
  for (size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version != static_cast<int>(i) + 1) {
      return InternalError(fmt::format("migration list has version {} at position {}",
                                       migrations[i].version, i + 1));
    }
  }
  return Status::Ok();
}

// A recorded name that differs from the program's means the catalog was migrated by
// a diverging build (a branch that numbered its migrations differently). Worth a
// warning, not a refusal: the tables may well be compatible.
Status WarnOnRenamed(Database& db, const std::vector<Migration>& migrations,
                     std::string_view what) {
  STRATA_ASSIGN_OR_RETURN(auto rows, db.Query("SELECT version, name FROM schema_migrations"));
  for (const Row& row : rows) {
    const int64_t version = row.Int("version");
    if (version < 1 || version > static_cast<int64_t>(migrations.size())) continue;
    const std::string name = row.Text("name");
    if (name != migrations[static_cast<size_t>(version) - 1].name) {
      core::log::Warn("{}: migration {} was recorded as '{}' but this strata calls it '{}'", what,
                      version, name, migrations[static_cast<size_t>(version) - 1].name);
    }
  }
  return Status::Ok();
}

}  // namespace

Result<int> SchemaVersion(Database& db) {
  STRATA_RETURN_IF_ERROR(db.Execute(kCreateTable));
  STRATA_ASSIGN_OR_RETURN(auto rows,
                          db.Query("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations"));
  return static_cast<int>(rows.at(0).Int("v"));
}

Status ApplyMigrations(Database& db, const std::vector<Migration>& migrations,
                       std::string_view what) {
  STRATA_RETURN_IF_ERROR(CheckList(migrations));
  const int known = static_cast<int>(migrations.size());
  STRATA_ASSIGN_OR_RETURN(int current, SchemaVersion(db));
  if (current > known) {
    return ConflictError(
        fmt::format("{} has schema version {} but this strata knows up to {}: upgrade strata", what,
                    current, known));
  }
  STRATA_RETURN_IF_ERROR(WarnOnRenamed(db, migrations, what));
  for (const Migration& m : migrations) {
    if (m.version <= current) continue;
    bool applied = false;
    Status s = db.Transaction([&]() -> Status {
      STRATA_ASSIGN_OR_RETURN(int now, SchemaVersion(db));
      if (now >= m.version) return Status::Ok();  // another process got here first
      STRATA_RETURN_IF_ERROR(db.Execute(m.sql));
      applied = true;
      return db.Execute(
          "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
          {static_cast<int64_t>(m.version), std::string(m.name),
           core::FormatRfc3339(core::SystemClock().Now())});
    });
    if (!s.ok()) {
      return s.WithContext(
          fmt::format("{}: applying schema migration {} ({})", what, m.version, m.name));
    }
    if (applied)
      core::log::Debug("{}: migrated to schema version {} ({})", what, m.version, m.name);
  }
  return Status::Ok();
}

}  // namespace strata::store
