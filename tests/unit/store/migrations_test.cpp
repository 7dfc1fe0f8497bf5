// Schema migrations: fresh catalogs, upgrades of old ones, refusal of newer ones.

#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/store.h"
#include "temp_dir.h"

namespace strata::store {
namespace {

using ::testing::HasSubstr;

// A catalog at schema version 1, frozen as strata wrote it when `jobs` was its only
// migration (it must not be generated from CatalogMigrations(), which may change by
// mistake): the upgrade path of every catalog in the field starts here.
constexpr std::string_view kCatalogV1 = R"sql(
CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);
INSERT INTO schema_migrations VALUES (1, 'jobs', '2026-01-15T09:30:00.000Z');
CREATE TABLE jobs (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  status TEXT NOT NULL,
  progress REAL NOT NULL DEFAULT 0,
  message TEXT,
  params TEXT NOT NULL DEFAULT '{}',
  result TEXT,
  failure_reason TEXT,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  ended_at INTEGER,
  worker_pid INTEGER,
  server_id TEXT,
  stop_requested INTEGER NOT NULL DEFAULT 0,
  log_key TEXT
);
CREATE INDEX jobs_status ON jobs(status);
INSERT INTO jobs (id, name, type, status, progress, params, result, created_at, started_at, ended_at, log_key)
  VALUES ('0194b1c2-0000-7000-8000-000000000001', 'train-iris', 'training', 'succeeded', 1.0,
          '{"dataset":"iris"}', '{"model":"iris-xgb"}', 1768469400000, 1768469401000, 1768469460000,
          'jobs/0194b1c2-0000-7000-8000-000000000001/log.txt');
)sql";

const std::vector<Migration> kV1 = {{1, "one", "CREATE TABLE one (x INTEGER)"}};
const std::vector<Migration> kV2 = {
    {1, "one", "CREATE TABLE one (x INTEGER)"},
    {2, "two",
     "ALTER TABLE one ADD COLUMN y TEXT NOT NULL DEFAULT 'new'; CREATE TABLE two (z INTEGER)"}};

class MigrationsTest : public ::testing::Test {
 protected:
  std::unique_ptr<Database> Open(const std::filesystem::path& file) {
    auto db = OpenSqliteDatabase(file);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return std::move(*db);
  }
  std::unique_ptr<Database> Open() { return Open(dir_ / "t.db"); }

  testing::TempDir dir_;
};

TEST_F(MigrationsTest, FreshCatalogGetsEveryMigrationRecorded) {
  auto db = Open();
  EXPECT_EQ(*SchemaVersion(*db), 0);
  ASSERT_TRUE(ApplyMigrations(*db, CatalogMigrations()).ok());
  const auto& all = CatalogMigrations();
  EXPECT_EQ(*SchemaVersion(*db), static_cast<int>(all.size()));
  auto rows = db->Query("SELECT version, name, applied_at FROM schema_migrations ORDER BY version");
  ASSERT_EQ(rows->size(), all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ((*rows)[i].Int("version"), all[i].version);
    EXPECT_EQ((*rows)[i].Text("name"), all[i].name);
    EXPECT_TRUE(core::ParseRfc3339((*rows)[i].Text("applied_at")).ok());
  }
  EXPECT_EQ(all[0].name, "jobs");
  auto columns = db->Query("SELECT name FROM pragma_table_info('jobs') ORDER BY cid");
  std::vector<std::string> names;
  for (const Row& r : *columns) names.push_back(r.Text("name"));
  EXPECT_EQ(names, (std::vector<std::string>{"id", "name", "type", "status", "progress", "message",
                                             "params", "result", "failure_reason", "created_at",
                                             "started_at", "ended_at", "worker_pid", "server_id",
                                             "stop_requested", "log_key"}));
  EXPECT_EQ(db->Query("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'jobs_status'")
                ->size(),
            1u);
  // Applying again changes nothing.
  ASSERT_TRUE(ApplyMigrations(*db, CatalogMigrations()).ok());
  EXPECT_EQ(db->Query("SELECT * FROM schema_migrations")->size(), all.size());
}

TEST_F(MigrationsTest, OldCatalogFixtureUpgradesAndKeepsItsRows) {
  const auto data = dir_ / "data";
  std::filesystem::create_directories(data);
  {
    auto db = Open(data / "catalog.db");
    ASSERT_TRUE(db->Execute(kCatalogV1).ok());
    ASSERT_EQ(*SchemaVersion(*db), 1);
  }
  auto store = OpenStore(data);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Database& db = *store->catalog;
  EXPECT_EQ(*SchemaVersion(db), static_cast<int>(CatalogMigrations().size()));
  auto jobs = db.Query("SELECT * FROM jobs");
  ASSERT_EQ(jobs->size(), 1u);
  const Row& job = (*jobs)[0];
  EXPECT_EQ(job.Text("name"), "train-iris");
  EXPECT_EQ(job.Text("status"), "succeeded");
  EXPECT_EQ(job.Int("ended_at"), 1768469460000);
  EXPECT_EQ(job.OptText("failure_reason"), std::nullopt);
  EXPECT_EQ(job.Int("stop_requested"), 0);
  // The old row still constrains new ones, and the later tables work.
  EXPECT_EQ(db.Execute("INSERT INTO jobs (id, name, type, status, created_at) VALUES "
                       "('x', 'train-iris', 't', 'queued', 0)")
                .code(),
            ErrorCode::kConflict);
  for (const auto& m : CatalogMigrations()) {
    auto rows = db.Query("SELECT name FROM schema_migrations WHERE version = ?",
                         {static_cast<int64_t>(m.version)});
    ASSERT_EQ(rows->size(), 1u) << m.name;
  }
  // The fixture's own record of version 1 is kept as it was.
  EXPECT_EQ((*db.Query("SELECT applied_at FROM schema_migrations WHERE version = 1"))[0].Text(
                "applied_at"),
            "2026-01-15T09:30:00.000Z");
}

TEST_F(MigrationsTest, UpgradeAppliesOnlyTheNewOnesAndKeepsData) {
  {
    auto db = Open();
    ASSERT_TRUE(ApplyMigrations(*db, kV1).ok());
    ASSERT_TRUE(db->Execute("INSERT INTO one (x) VALUES (1)").ok());
    EXPECT_EQ(*SchemaVersion(*db), 1);
  }
  auto db = Open();  // an old database opened by a newer program
  ASSERT_TRUE(ApplyMigrations(*db, kV2).ok());
  EXPECT_EQ(*SchemaVersion(*db), 2);
  auto rows = db->Query("SELECT x, y FROM one");
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].Int("x"), 1);
  EXPECT_EQ((*rows)[0].Text("y"), "new");
  EXPECT_TRUE(db->Execute("INSERT INTO two VALUES (1)").ok());
  ASSERT_TRUE(ApplyMigrations(*db, kV2).ok());  // idempotent
  EXPECT_EQ(*SchemaVersion(*db), 2);
}

TEST_F(MigrationsTest, NewerDatabaseIsRefused) {
  {
    auto db = Open();
    ASSERT_TRUE(ApplyMigrations(*db, kV2).ok());
  }
  auto db = Open();  // a newer database opened by an older program
  Status s = ApplyMigrations(*db, kV1, "t.db");
  EXPECT_EQ(s.code(), ErrorCode::kConflict);
  EXPECT_EQ(s.message(), "t.db has schema version 2 but this strata knows up to 1: upgrade strata");
  EXPECT_EQ(*SchemaVersion(*db), 2);  // untouched
}

TEST_F(MigrationsTest, NewerCatalogIsRefusedByOpenStore) {
  const auto data = dir_ / "data";
  {
    auto store = OpenStore(data);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE(store->catalog
                    ->Execute("INSERT INTO schema_migrations VALUES (?, 'from the future', 'x')",
                              {static_cast<int64_t>(CatalogMigrations().size() + 3)})
                    .ok());
  }
  auto store = OpenStore(data);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), ErrorCode::kConflict);
  EXPECT_THAT(
      store.status().message(),
      HasSubstr(fmt::format("catalog.db has schema version {} but this strata knows up to {}: "
                            "upgrade strata",
                            CatalogMigrations().size() + 3, CatalogMigrations().size())));
}

TEST_F(MigrationsTest, FailedMigrationLeavesThePreviousVersion) {
  auto db = Open();
  std::vector<Migration> broken = {
      {1, "one", "CREATE TABLE one (x INTEGER)"},
      {2, "bad", "CREATE TABLE ok2 (x INTEGER); CREATE TABLE one (x INTEGER)"}};
  Status s = ApplyMigrations(*db, broken);
  EXPECT_EQ(s.code(), ErrorCode::kInternal);
  EXPECT_THAT(s.message(), HasSubstr("applying schema migration 2 (bad)"));
  EXPECT_THAT(s.message(), HasSubstr("table one already exists"));
  EXPECT_EQ(*SchemaVersion(*db), 1);
  EXPECT_FALSE(db->Execute("INSERT INTO ok2 VALUES (1)").ok());  // rolled back with it
}

TEST_F(MigrationsTest, MalformedListIsRefused) {
  auto db = Open();
  std::vector<Migration> gap = {{1, "one", "CREATE TABLE one (x INTEGER)"},
                                {3, "three", "CREATE TABLE three (x INTEGER)"}};
  Status s = ApplyMigrations(*db, gap);
  EXPECT_EQ(s.code(), ErrorCode::kInternal);
  EXPECT_THAT(s.message(), HasSubstr("version 3 at position 2"));
  EXPECT_EQ(*SchemaVersion(*db), 0);
}

TEST_F(MigrationsTest, ConcurrentOpenersApplyEachMigrationOnce) {
  // Migration 2 inserts a row: applied twice, it would show.
  const std::vector<Migration> seeded = {{1, "one", "CREATE TABLE one (x INTEGER)"},
                                         {2, "seed", "INSERT INTO one VALUES (42)"}};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      auto db = OpenSqliteDatabase(dir_ / "t.db");  // each its own connection, as processes
      ASSERT_TRUE(db.ok()) << db.status().ToString();
      Status s = ApplyMigrations(**db, seeded);
      EXPECT_TRUE(s.ok()) << s.ToString();
    });
  }
  for (auto& t : threads) t.join();
  auto db = Open();
  EXPECT_EQ(db->Query("SELECT x FROM one")->size(), 1u);
  EXPECT_EQ(*SchemaVersion(*db), 2);
}

}  // namespace
}  // namespace strata::store
