// The Database interface over SQLite: values, errors, transactions, and concurrency
// from threads, connections and processes.

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/store.h"
#include "temp_dir.h"

namespace strata::store {
namespace {

using ::testing::HasSubstr;

class DatabaseTest : public ::testing::Test {
 protected:
  std::unique_ptr<Database> Open(SqliteOptions options = {}) {
    auto db = OpenSqliteDatabase(dir_ / "t.db", options);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? std::move(*db) : nullptr;
  }
  int64_t Count(Database& db, const std::string& table) {
    auto rows = db.Query("SELECT COUNT(*) AS n FROM " + table);
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() ? (*rows)[0].Int("n") : -1;
  }
  // Adds 1 to the counter in table c, read-modify-write inside a transaction: any
  // lost update shows in the final count.
  static Status Increment(Database& db) {
    return db.Transaction([&]() -> Status {
      STRATA_ASSIGN_OR_RETURN(auto rows, db.Query("SELECT n FROM c"));
      return db.Execute("UPDATE c SET n = ?", {rows.at(0).Int("n") + 1});
    });
  }

  testing::TempDir dir_;
};

TEST_F(DatabaseTest, OpensWithWalForeignKeysFullSyncAndBusyTimeout) {
  auto db = Open();
  EXPECT_EQ((*db->Query("PRAGMA journal_mode"))[0].Text("journal_mode"), "wal");
  EXPECT_EQ((*db->Query("PRAGMA foreign_keys"))[0].Int("foreign_keys"), 1);
  EXPECT_EQ((*db->Query("PRAGMA synchronous"))[0].Int("synchronous"), 2);  // FULL
  EXPECT_EQ((*db->Query("PRAGMA busy_timeout"))[0].Int("timeout"), 5000);
}

TEST_F(DatabaseTest, CrudAndValueTypes) {
  auto db = Open();
  ASSERT_TRUE(db->Execute("CREATE TABLE t (k TEXT PRIMARY KEY, i INTEGER, r REAL, s TEXT)").ok());
  ASSERT_TRUE(
      db->Execute("INSERT INTO t VALUES (?, ?, ?, ?)", {"a", int64_t{1} << 40, 2.5, "x'); --"})
          .ok());
  ASSERT_TRUE(
      db->Execute("INSERT INTO t VALUES (?, ?, ?, ?)", {"b", nullptr, nullptr, nullptr}).ok());

  auto rows = db->Query("SELECT k, i, r, s FROM t ORDER BY k");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 2u);
  const Row& a = (*rows)[0];
  EXPECT_EQ(a.columns(), (std::vector<std::string>{"k", "i", "r", "s"}));
  EXPECT_EQ(a.Text("k"), "a");
  EXPECT_EQ(a.Int("i"), int64_t{1} << 40);
  EXPECT_DOUBLE_EQ(a.Real("r"), 2.5);
  EXPECT_EQ(a.Text("s"), "x'); --");  // bound, never spliced into the SQL
  EXPECT_FALSE(a.IsNull("i"));
  EXPECT_EQ(a.OptInt("i"), int64_t{1} << 40);

  const Row& b = (*rows)[1];
  EXPECT_TRUE(b.IsNull("i"));
  EXPECT_EQ(b.OptInt("i"), std::nullopt);
  EXPECT_EQ(b.OptReal("r"), std::nullopt);
  EXPECT_EQ(b.OptText("s"), std::nullopt);
  EXPECT_EQ(b.OptText("s").value_or("none"), "none");

  EXPECT_EQ(*db->ExecuteChanges("UPDATE t SET i = ? WHERE k = ?", {int64_t{7}, "b"}), 1);
  EXPECT_EQ((*db->Query("SELECT i FROM t WHERE k = 'b'"))[0].Int("i"), 7);
  EXPECT_EQ(*db->ExecuteChanges("DELETE FROM t WHERE k = ?", {"a"}), 1);
  EXPECT_EQ(*db->ExecuteChanges("DELETE FROM t WHERE k = ?", {"a"}), 0);
  EXPECT_EQ(Count(*db, "t"), 1);
  EXPECT_TRUE(db->Query("SELECT * FROM t WHERE k = ?", {"zz"})->empty());
}

TEST_F(DatabaseTest, NumericCellsConvert) {
  auto db = Open();
  auto rows = db->Query("SELECT 3 AS i, 2.75 AS r, '12' AS s, COUNT(*) AS n FROM (SELECT 1)");
  ASSERT_TRUE(rows.ok());
  const Row& row = (*rows)[0];
  EXPECT_DOUBLE_EQ(row.Real("i"), 3.0);
  EXPECT_EQ(row.Int("r"), 2);
  EXPECT_EQ(row.Int("s"), 12);
  EXPECT_EQ(row.Text("i"), "3");
  EXPECT_EQ(row.Text("r"), "2.75");
  EXPECT_EQ(row.Int("n"), 1);
}

TEST_F(DatabaseTest, CompareAndSetClaimsEachRowOnce) {
  auto db = Open();
  ASSERT_TRUE(
      db->Execute("CREATE TABLE jobs (id INTEGER PRIMARY KEY, status TEXT, owner INTEGER)").ok());
  for (int64_t i = 0; i < 50; ++i) {
    ASSERT_TRUE(db->Execute("INSERT INTO jobs VALUES (?, 'queued', NULL)", {i}).ok());
  }
  std::atomic<int> claimed{0};
  std::vector<std::thread> threads;
  for (int64_t t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int64_t i = 0; i < 50; ++i) {
        auto n = db->ExecuteChanges(
            "UPDATE jobs SET status = 'running', owner = ? WHERE id = ? AND status = 'queued'",
            {t, i});
        ASSERT_TRUE(n.ok()) << n.status().ToString();
        claimed += static_cast<int>(*n);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(claimed.load(), 50);
  EXPECT_EQ(Count(*db, "jobs WHERE status = 'running'"), 50);
}

TEST_F(DatabaseTest, UniqueAndPrimaryKeyViolationsAreConflicts) {
  auto db = Open();
  ASSERT_TRUE(db->Execute("CREATE TABLE t (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE)").ok());
  ASSERT_TRUE(db->Execute("INSERT INTO t VALUES ('1', 'a')").ok());
  Status name = db->Execute("INSERT INTO t VALUES (?, ?)", {"2", "a"});
  EXPECT_EQ(name.code(), ErrorCode::kConflict) << name.ToString();
  EXPECT_THAT(name.message(), HasSubstr("UNIQUE constraint failed: t.name"));
  EXPECT_THAT(name.message(), HasSubstr("INSERT INTO t VALUES"));
  Status id = db->Execute("INSERT INTO t VALUES (?, ?)", {"1", "b"});
  EXPECT_EQ(id.code(), ErrorCode::kConflict) << id.ToString();
  EXPECT_THAT(id.message(), HasSubstr("t.id"));
  auto changes = db->ExecuteChanges("UPDATE t SET id = '1' WHERE id = '1'");
  EXPECT_TRUE(changes.ok());
}

TEST_F(DatabaseTest, OtherFailuresAreInternalWithTheStatementsFirstWords) {
  auto db = Open();
  ASSERT_TRUE(db->Execute("CREATE TABLE p (id INTEGER PRIMARY KEY)").ok());
  ASSERT_TRUE(db->Execute("CREATE TABLE c (p INTEGER NOT NULL REFERENCES p(id))").ok());

  Status syntax = db->Execute("SELEKT 1 FROM nowhere");
  EXPECT_EQ(syntax.code(), ErrorCode::kInternal);
  EXPECT_THAT(syntax.message(), HasSubstr("syntax error"));
  EXPECT_THAT(syntax.message(), HasSubstr("SELEKT 1 FROM nowhere"));

  Status arity = db->Execute("INSERT INTO p VALUES (?)", {});
  EXPECT_EQ(arity.code(), ErrorCode::kInternal);
  EXPECT_THAT(arity.message(), HasSubstr("takes 1 parameters, got 0"));

  Status not_null = db->Execute("INSERT INTO c VALUES (NULL)");
  EXPECT_EQ(not_null.code(), ErrorCode::kInternal) << not_null.ToString();
  Status foreign = db->Execute("INSERT INTO c VALUES (42)");  // foreign_keys=ON
  EXPECT_EQ(foreign.code(), ErrorCode::kInternal) << foreign.ToString();
  EXPECT_THAT(foreign.message(), HasSubstr("FOREIGN KEY"));

  EXPECT_EQ(db->Query("SELECT * FROM missing").status().code(), ErrorCode::kInternal);
}

TEST_F(DatabaseTest, ScriptsRunInExecuteOnlyWithoutParameters) {
  auto db = Open();
  ASSERT_TRUE(db->Execute("CREATE TABLE a (x INTEGER); -- a comment\n"
                          "CREATE TABLE b (y INTEGER);\n INSERT INTO a VALUES (1);  ")
                  .ok());
  EXPECT_EQ(Count(*db, "a"), 1);
  EXPECT_EQ(Count(*db, "b"), 0);
  Status with_params =
      db->Execute("INSERT INTO a VALUES (?); INSERT INTO b VALUES (?)", {int64_t{1}, int64_t{2}});
  EXPECT_EQ(with_params.code(), ErrorCode::kInternal);
  EXPECT_THAT(with_params.message(), HasSubstr("several statements"));
  EXPECT_EQ(db->Query("SELECT 1; SELECT 2").status().code(), ErrorCode::kInternal);
  // Trailing comments do not make a script.
  auto commented =
      db->Query("SELECT x FROM a WHERE x = ?; -- one row\n /* or none */ ", {int64_t{1}});
  ASSERT_TRUE(commented.ok()) << commented.status().ToString();
  EXPECT_EQ(commented->size(), 1u);
  EXPECT_EQ(Count(*db, "a"), 1);
}

TEST_F(DatabaseTest, CachedStatementsSeeSchemaChanges) {
  auto db = Open();
  ASSERT_TRUE(db->Execute("CREATE TABLE t (x INTEGER)").ok());
  ASSERT_TRUE(db->Execute("INSERT INTO t VALUES (1)").ok());
  EXPECT_EQ((*db->Query("SELECT * FROM t"))[0].columns().size(), 1u);
  ASSERT_TRUE(db->Execute("ALTER TABLE t ADD COLUMN y TEXT DEFAULT 'd'").ok());
  auto rows = db->Query("SELECT * FROM t");  // the same text, prepared before the ALTER
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ((*rows)[0].Text("y"), "d");
  // More distinct statements than the cache holds.
  for (int64_t i = 0; i < 600; ++i) {
    auto r = db->Query("SELECT x + " + std::to_string(i) + " AS v FROM t");
    ASSERT_TRUE(r.ok());
    ASSERT_EQ((*r)[0].Int("v"), 1 + i);
  }
}

TEST_F(DatabaseTest, MissingColumnIsAProgrammerError) {
  auto db = Open();
  auto rows = db->Query("SELECT 1 AS one");
  ASSERT_TRUE(rows.ok());
  Row row = (*rows)[0];
  EXPECT_DEATH((void)row.Int("two"), "column 'two' is not in the result \\(columns: one\\)");
}

TEST_F(DatabaseTest, TransactionRollsBackOnErrorStatus) {
  auto db = Open();
  ASSERT_TRUE(db->Execute("CREATE TABLE t (v INTEGER)").ok());
  Status failed = db->Transaction([&]() -> Status {
    STRATA_RETURN_IF_ERROR(db->Execute("INSERT INTO t VALUES (1)"));
    STRATA_RETURN_IF_ERROR(db->Execute("INSERT INTO t VALUES (2)"));
    return ConflictError("changed my mind");
  });
  EXPECT_EQ(failed.code(), ErrorCode::kConflict);
  EXPECT_EQ(failed.message(), "changed my mind");
  EXPECT_EQ(Count(*db, "t"), 0);

  // A failing statement's own error rolls the whole transaction back too.
  Status bad_sql = db->Transaction([&]() -> Status {
    STRATA_RETURN_IF_ERROR(db->Execute("INSERT INTO t VALUES (1)"));
    return db->Execute("INSERT INTO nowhere VALUES (1)");
  });
  EXPECT_EQ(bad_sql.code(), ErrorCode::kInternal);
  EXPECT_EQ(Count(*db, "t"), 0);

  EXPECT_TRUE(db->Transaction([&] { return db->Execute("INSERT INTO t VALUES (3)"); }).ok());
  EXPECT_EQ(Count(*db, "t"), 1);
}

TEST_F(DatabaseTest, TransactionRollsBackAndRethrowsOnException) {
  auto db = Open();
  ASSERT_TRUE(db->Execute("CREATE TABLE t (v INTEGER)").ok());
  EXPECT_THROW((void)db->Transaction([&]() -> Status {
    (void)db->Execute("INSERT INTO t VALUES (1)");
    throw std::runtime_error("boom");
  }),
               std::runtime_error);
  EXPECT_EQ(Count(*db, "t"), 0);
  EXPECT_TRUE(db->Transaction([&] { return db->Execute("INSERT INTO t VALUES (2)"); }).ok());
  EXPECT_EQ(Count(*db, "t"), 1);
}

TEST_F(DatabaseTest, CallsInsideATransactionSeeItsWritesAndOthersWait) {
  auto db = Open();
  auto other = Open();
  ASSERT_TRUE(
      db->Execute("CREATE TABLE t (seq INTEGER PRIMARY KEY AUTOINCREMENT, v INTEGER)").ok());
  std::promise<void> inside;
  std::thread late;
  Status s = db->Transaction([&]() -> Status {
    STRATA_RETURN_IF_ERROR(db->Execute("INSERT INTO t (v) VALUES (1)"));
    EXPECT_EQ(Count(*db, "t"), 1);     // this thread's calls are in the transaction
    EXPECT_EQ(Count(*other, "t"), 0);  // another connection reads the last commit (WAL)
    late = std::thread([&] {
      inside.set_value();
      EXPECT_TRUE(db->Execute("INSERT INTO t (v) VALUES (3)").ok());  // waits for the commit
    });
    inside.get_future().wait();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return db->Execute("INSERT INTO t (v) VALUES (2)");
  });
  late.join();
  ASSERT_TRUE(s.ok()) << s.ToString();
  auto rows = db->Query("SELECT v FROM t ORDER BY seq");
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].Int("v"), 1);
  EXPECT_EQ((*rows)[1].Int("v"), 2);
  EXPECT_EQ((*rows)[2].Int("v"), 3);  // the other thread's write came after the commit
}

TEST_F(DatabaseTest, NestedTransactionIsASavepoint) {
  auto db = Open();
  ASSERT_TRUE(db->Execute("CREATE TABLE t (v INTEGER)").ok());
  Status s = db->Transaction([&]() -> Status {
    STRATA_RETURN_IF_ERROR(db->Execute("INSERT INTO t VALUES (1)"));
    Status inner = db->Transaction([&]() -> Status {
      STRATA_RETURN_IF_ERROR(db->Execute("INSERT INTO t VALUES (2)"));
      return InvalidArgumentError("inner fails");
    });
    EXPECT_EQ(inner.code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(Count(*db, "t"), 1);  // only the inner write was undone
    return db->Transaction([&] { return db->Execute("INSERT INTO t VALUES (3)"); });
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  auto rows = db->Query("SELECT v FROM t ORDER BY v");
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].Int("v"), 1);
  EXPECT_EQ((*rows)[1].Int("v"), 3);

  // An outer failure undoes the committed-looking inner work as well.
  Status outer = db->Transaction([&]() -> Status {
    STRATA_RETURN_IF_ERROR(
        db->Transaction([&] { return db->Execute("INSERT INTO t VALUES (4)"); }));
    return InternalError("outer fails");
  });
  EXPECT_FALSE(outer.ok());
  EXPECT_EQ(Count(*db, "t"), 2);
}

TEST_F(DatabaseTest, ConcurrentWritersFromThreads) {
  auto db = Open();
  ASSERT_TRUE(db->Execute("CREATE TABLE c (n INTEGER)").ok());
  ASSERT_TRUE(db->Execute("INSERT INTO c VALUES (0)").ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) ASSERT_TRUE(Increment(*db).ok());
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ((*db->Query("SELECT n FROM c"))[0].Int("n"), 400);
}

TEST_F(DatabaseTest, TwoConnectionsOnOneFileBothWrite) {
  auto a = Open();
  auto b = Open();  // as a worker process would hold its own
  ASSERT_TRUE(a->Execute("CREATE TABLE c (n INTEGER)").ok());
  ASSERT_TRUE(a->Execute("INSERT INTO c VALUES (0)").ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    Database* db = t % 2 ? b.get() : a.get();
    threads.emplace_back([db] {
      for (int i = 0; i < 50; ++i) {
        Status s = Increment(*db);
        ASSERT_TRUE(s.ok()) << s.ToString();
        // Plain statements too, outside any transaction, waiting out the other's lock.
        ASSERT_TRUE(db->Execute("UPDATE c SET n = n + 1").ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ((*a->Query("SELECT n FROM c"))[0].Int("n"), 400);
  EXPECT_EQ((*b->Query("SELECT n FROM c"))[0].Int("n"), 400);
}

TEST_F(DatabaseTest, SeparateProcessesBothWrite) {
  {
    auto db = Open();
    ASSERT_TRUE(db->Execute("CREATE TABLE c (n INTEGER)").ok());
    ASSERT_TRUE(db->Execute("INSERT INTO c VALUES (0)").ok());
  }  // no connection crosses the fork
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  auto work = [&]() -> bool {
    auto db = OpenSqliteDatabase(dir_ / "t.db");
    if (!db.ok()) return false;
    for (int i = 0; i < 100; ++i) {
      if (!Increment(**db).ok()) return false;
    }
    return true;
  };
  if (child == 0) ::_exit(work() ? 0 : 1);
  EXPECT_TRUE(work());
  int wstatus = 0;
  ASSERT_EQ(::waitpid(child, &wstatus, 0), child);
  ASSERT_TRUE(WIFEXITED(wstatus));
  EXPECT_EQ(WEXITSTATUS(wstatus), 0);
  auto db = Open();
  EXPECT_EQ((*db->Query("SELECT n FROM c"))[0].Int("n"), 200);
}

TEST_F(DatabaseTest, BusyPastTheTimeoutIsUnavailable) {
  auto holder = Open();
  auto waiter = Open({.busy_timeout_ms = 100});
  ASSERT_TRUE(holder->Execute("CREATE TABLE t (v INTEGER)").ok());
  std::promise<void> locked, release;
  std::thread t([&] {
    Status s = holder->Transaction([&]() -> Status {
      STRATA_RETURN_IF_ERROR(holder->Execute("INSERT INTO t VALUES (1)"));
      locked.set_value();
      release.get_future().wait();
      return Status::Ok();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
  });
  locked.get_future().wait();
  auto start = std::chrono::steady_clock::now();
  Status write = waiter->Execute("INSERT INTO t VALUES (2)");
  Status txn = waiter->Transaction([] { return Status::Ok(); });
  auto waited = std::chrono::steady_clock::now() - start;
  auto reads = waiter->Query("SELECT COUNT(*) AS n FROM t");  // WAL: readers are not blocked
  release.set_value();
  t.join();
  EXPECT_EQ(write.code(), ErrorCode::kUnavailable) << write.ToString();
  EXPECT_THAT(write.message(), HasSubstr("try again"));
  EXPECT_EQ(txn.code(), ErrorCode::kUnavailable) << txn.ToString();
  EXPECT_GE(waited, std::chrono::milliseconds(150));  // it did wait, twice
  ASSERT_TRUE(reads.ok()) << reads.status().ToString();
  EXPECT_EQ((*reads)[0].Int("n"), 0);
  EXPECT_TRUE(waiter->Execute("INSERT INTO t VALUES (2)").ok());  // free again
  EXPECT_EQ(Count(*waiter, "t"), 2);
}

TEST_F(DatabaseTest, OpenFailureNamesTheFile) {
  auto db = OpenSqliteDatabase(dir_ / "no" / "such" / "dir" / "t.db");
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), ErrorCode::kInternal);
  EXPECT_THAT(db.status().message(), HasSubstr("no/such/dir/t.db"));
}

}  // namespace
}  // namespace strata::store
