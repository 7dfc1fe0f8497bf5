#include <unistd.h>

#include <filesystem>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "store/store.h"

namespace strata::store {
namespace {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("strata-store-test-" + std::to_string(getpid()) + "-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::unique_ptr<Database> OpenDb() {
    auto db = OpenSqliteDatabase(dir_ / "t.db");
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return std::move(*db);
  }
  std::filesystem::path dir_;
};

TEST_F(StoreTest, ExecuteQueryAndTypes) {
  auto db = OpenDb();
  ASSERT_TRUE(db->Execute("CREATE TABLE t (k TEXT PRIMARY KEY, i INTEGER, r REAL, n TEXT)").ok());
  ASSERT_TRUE(db->Execute("INSERT INTO t VALUES (?, ?, ?, ?)", {"a", int64_t{7}, 2.5, nullptr}).ok());
  auto rows = db->Query("SELECT k, i, r, n FROM t WHERE k = ?", {"a"});
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  const Row& row = (*rows)[0];
  EXPECT_EQ(row.Text("k"), "a");
  EXPECT_EQ(row.Int("i"), 7);
  EXPECT_DOUBLE_EQ(row.Real("r"), 2.5);
  EXPECT_TRUE(row.IsNull("n"));
  EXPECT_FALSE(row.OptText("n").has_value());
  EXPECT_EQ(*db->ExecuteChanges("UPDATE t SET i = 8 WHERE i = 7"), 1);
  EXPECT_EQ(*db->ExecuteChanges("UPDATE t SET i = 9 WHERE i = 7"), 0);
}

TEST_F(StoreTest, ErrorsMapToCodes) {
  auto db = OpenDb();
  ASSERT_TRUE(db->Execute("CREATE TABLE t (k TEXT PRIMARY KEY)").ok());
  ASSERT_TRUE(db->Execute("INSERT INTO t VALUES ('a')").ok());
  Status dup = db->Execute("INSERT INTO t VALUES ('a')");
  EXPECT_EQ(dup.code(), ErrorCode::kConflict) << dup.ToString();
  Status bad = db->Execute("SELEKT 1");
  EXPECT_EQ(bad.code(), ErrorCode::kInternal);
  EXPECT_NE(bad.message().find("SELEKT"), std::string::npos);
  EXPECT_EQ(db->Execute("INSERT INTO t VALUES (?)", {}).code(), ErrorCode::kInternal);  // arity
}

TEST_F(StoreTest, TransactionCommitsOrRollsBackAndNests) {
  auto db = OpenDb();
  ASSERT_TRUE(db->Execute("CREATE TABLE t (v INTEGER)").ok());
  Status failed = db->Transaction([&]() -> Status {
    STRATA_RETURN_IF_ERROR(db->Execute("INSERT INTO t VALUES (1)"));
    return ConflictError("changed my mind");
  });
  EXPECT_EQ(failed.code(), ErrorCode::kConflict);
  EXPECT_EQ((*db->Query("SELECT COUNT(*) AS n FROM t"))[0].Int("n"), 0);
  Status ok = db->Transaction([&]() -> Status {
    STRATA_RETURN_IF_ERROR(db->Execute("INSERT INTO t VALUES (1)"));
    return db->Transaction([&] { return db->Execute("INSERT INTO t VALUES (2)"); });
  });
  EXPECT_TRUE(ok.ok()) << ok.ToString();
  EXPECT_EQ((*db->Query("SELECT COUNT(*) AS n FROM t"))[0].Int("n"), 2);
}

TEST_F(StoreTest, ConcurrentWritersFromThreadsAndConnections) {
  auto a = OpenDb();
  auto b = OpenDb();  // a second connection, as a worker process would hold
  ASSERT_TRUE(a->Execute("CREATE TABLE c (n INTEGER)").ok());
  ASSERT_TRUE(a->Execute("INSERT INTO c VALUES (0)").ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    Database* db = t % 2 ? b.get() : a.get();
    threads.emplace_back([db] {
      for (int i = 0; i < 50; ++i) {
        Status s = db->Transaction([&]() -> Status {
          STRATA_ASSIGN_OR_RETURN(auto rows, db->Query("SELECT n FROM c"));
          return db->Execute("UPDATE c SET n = ?", {rows[0].Int("n") + 1});
        });
        ASSERT_TRUE(s.ok()) << s.ToString();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ((*a->Query("SELECT n FROM c"))[0].Int("n"), 200);
}

const std::vector<Migration> kV1 = {{1, "one", "CREATE TABLE one (x INTEGER)"}};
const std::vector<Migration> kV2 = {{1, "one", "CREATE TABLE one (x INTEGER)"},
                                    {2, "two", "ALTER TABLE one ADD COLUMN y TEXT; CREATE TABLE two (z INTEGER)"}};

TEST_F(StoreTest, MigrationsApplyUpgradeAndRefuseNewer) {
  {
    auto db = OpenDb();
    ASSERT_TRUE(ApplyMigrations(*db, kV1).ok());
    ASSERT_TRUE(db->Execute("INSERT INTO one (x) VALUES (1)").ok());
    EXPECT_EQ(*SchemaVersion(*db), 1);
  }
  {
    auto db = OpenDb();  // an old catalog opened by a newer program
    ASSERT_TRUE(ApplyMigrations(*db, kV2).ok());
    EXPECT_EQ(*SchemaVersion(*db), 2);
    EXPECT_TRUE(db->Execute("INSERT INTO two VALUES (1)").ok());
    EXPECT_EQ((*db->Query("SELECT x, y FROM one"))[0].Int("x"), 1);  // data kept
    ASSERT_TRUE(ApplyMigrations(*db, kV2).ok());                      // idempotent
  }
  auto db = OpenDb();  // a newer catalog opened by an older program
  Status s = ApplyMigrations(*db, kV1);
  EXPECT_EQ(s.code(), ErrorCode::kConflict);
  EXPECT_NE(s.message().find("schema version 2 but this strata knows up to 1"), std::string::npos);
}

TEST_F(StoreTest, FailedMigrationLeavesTheOldVersion) {
  auto db = OpenDb();
  std::vector<Migration> broken = {{1, "one", "CREATE TABLE one (x INTEGER)"},
                                   {2, "bad", "CREATE TABLE ok2 (x INTEGER); CREATE TABLE one (x INTEGER)"}};
  Status s = ApplyMigrations(*db, broken);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("migration 2 (bad)"), std::string::npos);
  EXPECT_EQ(*SchemaVersion(*db), 1);
  EXPECT_FALSE(db->Execute("INSERT INTO ok2 VALUES (1)").ok());  // rolled back with it
}

TEST_F(StoreTest, OpenStoreCreatesCatalogAndObjects) {
  auto store = OpenStore(dir_ / "data");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_TRUE(std::filesystem::exists(dir_ / "data" / "catalog.db"));
  EXPECT_TRUE(std::filesystem::is_directory(dir_ / "data" / "objects"));
  EXPECT_EQ(*SchemaVersion(*store->catalog), static_cast<int>(CatalogMigrations().size()));
  auto again = OpenStore(dir_ / "data");
  EXPECT_TRUE(again.ok());
}

TEST_F(StoreTest, OpenStoreOnAFileIsAClearError) {
  std::filesystem::path file = dir_ / "plain";
  ASSERT_TRUE(core::WriteFileAtomic(file, "x").ok());
  auto store = OpenStore(file / "data");
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("cannot be created"), std::string::npos);
}

class ObjectStoreTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    auto s = LocalObjectStore::Open(dir_ / "objects");
    ASSERT_TRUE(s.ok());
    objects_ = std::move(*s);
  }
  std::unique_ptr<LocalObjectStore> objects_;
};

TEST_F(ObjectStoreTest, PutGetRangeSizeListDelete) {
  ASSERT_TRUE(objects_->Put("datasets/iris/v1/schema.json", "{}").ok());
  ASSERT_TRUE(objects_->Put("datasets/iris/v1/col_0.bin", "0123456789").ok());
  ASSERT_TRUE(objects_->Put("models/m/1/model.json", "m").ok());
  EXPECT_EQ(*objects_->Get("datasets/iris/v1/schema.json"), "{}");
  EXPECT_EQ(*objects_->GetRange("datasets/iris/v1/col_0.bin", 3, 4), "3456");
  EXPECT_EQ(*objects_->GetRange("datasets/iris/v1/col_0.bin", 8, 100), "89");
  EXPECT_EQ(*objects_->GetRange("datasets/iris/v1/col_0.bin", 20, 5), "");
  EXPECT_EQ(*objects_->Size("datasets/iris/v1/col_0.bin"), 10u);
  auto list = objects_->List("datasets/");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].key, "datasets/iris/v1/col_0.bin");
  EXPECT_EQ((*list)[0].size, 10u);
  EXPECT_EQ(objects_->List("")->size(), 3u);
  ASSERT_TRUE(objects_->Delete("models/m/1/model.json").ok());
  EXPECT_FALSE(objects_->Exists("models/m/1/model.json"));
  EXPECT_EQ(objects_->Delete("models/m/1/model.json").code(), ErrorCode::kNotFound);
  ASSERT_TRUE(objects_->DeletePrefix("datasets/iris").ok());
  EXPECT_TRUE(objects_->List("")->empty());
  EXPECT_EQ(objects_->Get("nope").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(objects_->Get("nope").status().message(), "object 'nope' does not exist");
}

TEST_F(ObjectStoreTest, StreamingWriterIsAtomic) {
  ASSERT_TRUE(objects_->Put("big", "old").ok());
  {
    auto w = objects_->NewWriter("big");
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Write("new part 1, ").ok());
    EXPECT_EQ(*objects_->Get("big"), "old");  // not visible before Commit
    EXPECT_EQ(objects_->List("")->size(), 1u);  // the temporary is never listed
  }  // dropped without Commit
  EXPECT_EQ(*objects_->Get("big"), "old");
  auto w = objects_->NewWriter("big");
  ASSERT_TRUE((*w)->Write("new ").ok());
  ASSERT_TRUE((*w)->Write("whole").ok());
  ASSERT_TRUE((*w)->Commit().ok());
  EXPECT_EQ((*w)->bytes_written(), 9u);
  EXPECT_EQ(*objects_->Get("big"), "new whole");
}

TEST_F(ObjectStoreTest, AppendGrowsAnObject) {
  ASSERT_TRUE(objects_->Append("jobs/j/log.txt", "line 1\n").ok());
  ASSERT_TRUE(objects_->Append("jobs/j/log.txt", "line 2\n").ok());
  EXPECT_EQ(*objects_->Get("jobs/j/log.txt"), "line 1\nline 2\n");
  auto path = objects_->LocalPath("jobs/j/log.txt");
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(*path, objects_->root() / "jobs/j/log.txt");
}

TEST_F(ObjectStoreTest, KeysCannotEscapeTheStore) {
  const std::string nul_key("a\0b", 3);
  for (const std::string& key :
       {std::string("../x"), std::string("a/../../x"), std::string("/etc/passwd"), nul_key, std::string("a//b"),
        std::string(".hidden"), std::string("a/./b"), std::string("a/.."), std::string(""), std::string("a\\b"),
        std::string("a/b/"), std::string("tab\there"), std::string("-dash"), std::string(1025, 'a')}) {
    Status s = ValidateObjectKey(key);
    EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument) << "accepted: " << key;
    EXPECT_EQ(objects_->Put(key, "x").code(), ErrorCode::kInvalidArgument) << key;
    EXPECT_EQ(objects_->Get(key).status().code(), ErrorCode::kInvalidArgument) << key;
    EXPECT_EQ(objects_->LocalPath(key).status().code(), ErrorCode::kInvalidArgument) << key;
    EXPECT_EQ(objects_->Append(key, "x").code(), ErrorCode::kInvalidArgument) << key;
    EXPECT_EQ(objects_->DeletePrefix(key).code(), ErrorCode::kInvalidArgument) << key;
  }
  EXPECT_NE(ValidateObjectKey(nul_key).message().find("\\x00"), std::string::npos);
  for (const char* key : {"a", "datasets/iris/v1/col_0.bin", "x=1/y@2/z+3", "_tmp/a-b.c"}) {
    EXPECT_TRUE(ValidateObjectKey(key).ok()) << key;
  }
  EXPECT_TRUE(ValidateObjectKey(std::string(1024, 'a')).ok());
  // Nothing was written outside the root.
  EXPECT_FALSE(std::filesystem::exists(dir_ / "x"));
}

}  // namespace
}  // namespace strata::store
