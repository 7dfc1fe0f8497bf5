// Adapter over SQLite: the only file that includes <sqlite3.h>.
#include "store/sqlite_database.h"

#include <sqlite3.h>

#include <cctype>
#include <chrono>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>

namespace strata::store {
namespace {

// Single statements are prepared once and kept; a program has a few dozen distinct
// ones, so the cap only guards against a caller that formats values into SQL.
constexpr size_t kMaxCachedStatements = 256;

// The statement's first words for error messages: enough to find it in the code,
// never its bound values (those may be user data).
std::string FirstWords(std::string_view sql) {
  constexpr size_t kMax = 60;
  std::string out;
  bool space = false;
  for (char c : sql) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
    if (out.size() >= kMax) return out + "...";
  }
  return out;
}

// True when nothing but whitespace, ';' and comments follows a statement, so the SQL
// is a single statement. (The rest cannot be prepared to find out: in a script it may
// name tables the first statement creates.)
bool OnlySpace(const char* p, const char* end) {
  while (p < end) {
    if (std::isspace(static_cast<unsigned char>(*p)) || *p == ';') {
      ++p;
    } else if (end - p >= 2 && p[0] == '-' && p[1] == '-') {
      while (p < end && *p != '\n') ++p;
    } else if (end - p >= 2 && p[0] == '/' && p[1] == '*') {
      p += 2;
      while (end - p >= 2 && !(p[0] == '*' && p[1] == '/')) ++p;
      p = end - p >= 2 ? p + 2 : end;
    } else {
      return false;
    }
  }
  return true;
}

struct StmtDeleter {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtDeleter>;

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

// Resets a statement however its run ends, so a cached statement holds no read
// snapshot (which would stop WAL checkpoints) and no stale bindings.
class ResetGuard {
 public:
  explicit ResetGuard(sqlite3_stmt* s) : s_(s) {}
  ~ResetGuard() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  ResetGuard(const ResetGuard&) = delete;
  ResetGuard& operator=(const ResetGuard&) = delete;

 private:
  sqlite3_stmt* s_;
};

class SqliteDatabase final : public Database {
 public:
  explicit SqliteDatabase(sqlite3* db) : db_(db) {}
  ~SqliteDatabase() override {
    cache_.clear();  // statements first: close_v2 would otherwise leave a zombie
    sqlite3_close_v2(db_);
  }

  Status Execute(std::string_view sql, const std::vector<Value>& params) override {
    std::lock_guard lock(mu_);
    return Run(sql, params, nullptr);
  }

  Result<int64_t> ExecuteChanges(std::string_view sql, const std::vector<Value>& params) override {
    std::lock_guard lock(mu_);
    STRATA_RETURN_IF_ERROR(Run(sql, params, nullptr));
    return static_cast<int64_t>(sqlite3_changes64(db_));
  }

  Result<std::vector<Row>> Query(std::string_view sql, const std::vector<Value>& params) override {
    std::lock_guard lock(mu_);
    std::vector<Row> rows;
    STRATA_RETURN_IF_ERROR(Run(sql, params, &rows));
    return rows;
  }

  Status Transaction(const std::function<Status()>& fn) override {
    std::lock_guard lock(mu_);
    if (depth_ > 0) return Savepoint(fn);
    STRATA_RETURN_IF_ERROR(Run("BEGIN IMMEDIATE", {}, nullptr));
    auto rollback = [&] {
      if (sqlite3_get_autocommit(db_) != 0) return;  // SQLite already rolled back
      Status r = Run("ROLLBACK", {}, nullptr);
      if (!r.ok()) core::log::Error("catalog: rollback failed: {}", r.ToString());
    };
    Status s = CallInside(fn, rollback);
    if (!s.ok()) {
      rollback();
      return s;
    }
    Status c = Run("COMMIT", {}, nullptr);
    if (!c.ok()) rollback();
    return c;
  }

 private:
  // A Transaction inside a Transaction: a savepoint, so its failure undoes its own
  // writes only.
  Status Savepoint(const std::function<Status()>& fn) {
    const std::string name = fmt::format("strata_sp{}", depth_);
    STRATA_RETURN_IF_ERROR(Run("SAVEPOINT " + name, {}, nullptr));
    auto undo = [&] {
      if (sqlite3_get_autocommit(db_) != 0) return;
      Status r = Run("ROLLBACK TO " + name, {}, nullptr);
      if (r.ok()) r = Run("RELEASE " + name, {}, nullptr);
      if (!r.ok()) core::log::Error("catalog: rollback to savepoint failed: {}", r.ToString());
    };
    Status s = CallInside(fn, undo);
    if (!s.ok()) {
      undo();
      return s;
    }
    return Run("RELEASE " + name, {}, nullptr);
  }

  // REQUIRES: mu_ held. An exception from fn (the caller's code) undoes the
  // transaction and goes on up: it is not ours to turn into a Status.
  template <typename Undo>
  Status CallInside(const std::function<Status()>& fn, Undo&& undo) {
    ++depth_;
    try {
      Status s = fn();
      --depth_;
      return s;
    } catch (...) {
      --depth_;
      undo();
      throw;
    }
  }

  Status Error(int rc, std::string_view sql) const {
    const int primary = rc & 0xff;
    std::string msg = fmt::format("catalog: {} (in \"{}\")", sqlite3_errmsg(db_), FirstWords(sql));
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
      return ConflictError(std::move(msg));
    }
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
      return UnavailableError(msg + "; another process holds the catalog's write lock, try again");
    }
    return InternalError(std::move(msg));
  }

  Status Bind(sqlite3_stmt* stmt, const std::vector<Value>& params, std::string_view sql) const {
    const int expected = sqlite3_bind_parameter_count(stmt);
    if (expected != static_cast<int>(params.size())) {
      return InternalError(fmt::format("catalog: \"{}\" takes {} parameters, got {}",
                                       FirstWords(sql), expected, params.size()));
    }
    for (size_t i = 0; i < params.size(); ++i) {
      const int idx = static_cast<int>(i) + 1;
      const int rc = std::visit(
          [&](const auto& v) -> int {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::nullptr_t>) {
              return sqlite3_bind_null(stmt, idx);
            } else if constexpr (std::is_same_v<T, int64_t>) {
              return sqlite3_bind_int64(stmt, idx, v);
            } else if constexpr (std::is_same_v<T, double>) {
              return sqlite3_bind_double(stmt, idx, v);
            } else {
              return sqlite3_bind_text64(stmt, idx, v.data(), v.size(), SQLITE_TRANSIENT,
                                         SQLITE_UTF8);
            }
          },
          params[i]);
      if (rc != SQLITE_OK) return Error(rc, sql);
    }
    return Status::Ok();
  }

  // Binds, steps to the end and, when `rows` is given, collects the result.
  Status RunStatement(sqlite3_stmt* stmt, std::string_view sql, const std::vector<Value>& params,
                      std::vector<Row>* rows) {
    ResetGuard reset(stmt);
    STRATA_RETURN_IF_ERROR(Bind(stmt, params, sql));
    std::shared_ptr<std::vector<std::string>> names;
    int ncol = 0;
    for (;;) {
      const int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) return Status::Ok();
      if (rc != SQLITE_ROW) return Error(rc, sql);
      if (rows == nullptr) continue;
      if (names == nullptr) {
        // Read after the first step: a cached statement whose tables changed is
        // prepared again inside sqlite3_step, and may have gained columns.
        ncol = sqlite3_column_count(stmt);
        names = std::make_shared<std::vector<std::string>>();
        for (int c = 0; c < ncol; ++c) {
          const char* name = sqlite3_column_name(stmt, c);
          names->emplace_back(name != nullptr ? name : "");
        }
      }
      std::vector<Value> values;
      values.reserve(static_cast<size_t>(ncol));
      for (int c = 0; c < ncol; ++c) {
        switch (sqlite3_column_type(stmt, c)) {
          case SQLITE_INTEGER:
            values.emplace_back(static_cast<int64_t>(sqlite3_column_int64(stmt, c)));
            break;
          case SQLITE_FLOAT:
            values.emplace_back(sqlite3_column_double(stmt, c));
            break;
          case SQLITE_NULL:
            values.emplace_back(nullptr);
            break;
          default: {  // TEXT, or a BLOB read as bytes
            const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt, c));
            const auto n = static_cast<size_t>(sqlite3_column_bytes(stmt, c));
            values.emplace_back(p != nullptr ? std::string(p, n) : std::string());
          }
        }
      }
      rows->emplace_back(names, std::move(values));
    }
  }

  // REQUIRES: mu_ held. A single statement comes from (or goes into) the cache; a
  // script of several runs statement by statement, without parameters.
  Status Run(std::string_view sql, const std::vector<Value>& params, std::vector<Row>* rows) {
    try {
      if (auto it = cache_.find(sql); it != cache_.end()) {
        return RunStatement(it->second.get(), sql, params, rows);
      }
      const char* end = sql.data() + sql.size();
      const char* tail = nullptr;
      sqlite3_stmt* raw = nullptr;
      int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                  SQLITE_PREPARE_PERSISTENT, &raw, &tail);
      if (rc != SQLITE_OK) return Error(rc, sql);
      StmtPtr stmt(raw);
      if (stmt == nullptr) {
        return InternalError(fmt::format("catalog: no statement in \"{}\"", FirstWords(sql)));
      }
      if (OnlySpace(tail, end)) {
        if (cache_.size() >= kMaxCachedStatements) cache_.clear();
        sqlite3_stmt* s = stmt.get();
        cache_.emplace(std::string(sql), std::move(stmt));
        return RunStatement(s, sql, params, rows);
      }
      if (!params.empty() || rows != nullptr) {
        return InternalError(
            fmt::format("catalog: \"{}\" holds several statements; only Execute without parameters "
                        "runs a script",
                        FirstWords(sql)));
      }
      STRATA_RETURN_IF_ERROR(RunStatement(stmt.get(), sql, {}, nullptr));
      while (tail < end) {
        const std::string_view next_sql(tail, static_cast<size_t>(end - tail));
        rc = sqlite3_prepare_v2(db_, next_sql.data(), static_cast<int>(next_sql.size()), &raw,
                                &tail);
        if (rc != SQLITE_OK) return Error(rc, next_sql);
        if (raw == nullptr) break;  // only comments or whitespace left
        StmtPtr next(raw);
        STRATA_RETURN_IF_ERROR(RunStatement(next.get(), next_sql, {}, nullptr));
      }
      return Status::Ok();
    } catch (const std::exception& e) {  // std::bad_alloc collecting a huge result
      return InternalError(fmt::format("catalog: {} (in \"{}\")", e.what(), FirstWords(sql)));
    }
  }

  sqlite3* const db_;
  std::recursive_mutex mu_;
  int depth_ = 0;  // of Transaction calls on the thread holding mu_
  std::unordered_map<std::string, StmtPtr, StringHash, std::equal_to<>> cache_;
};

}  // namespace

Result<std::unique_ptr<Database>> OpenSqliteDatabase(const std::filesystem::path& file,
                                                     const SqliteOptions& options) {
  sqlite3* raw = nullptr;
  // NOMUTEX: SqliteDatabase serializes all use of its connection itself.
  const int rc =
      sqlite3_open_v2(file.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    sqlite3_close_v2(raw);
    return InternalError(fmt::format("cannot open catalog '{}': {}", file.string(), msg));
  }
  std::unique_ptr<Database> db = std::make_unique<SqliteDatabase>(raw);  // owns raw now
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, options.busy_timeout_ms);
  auto context = [&](const Status& s) {
    return s.WithContext(fmt::format("opening catalog '{}'", file.string()));
  };
  // Switching a new file to WAL can report SQLITE_BUSY at once, without the busy
  // handler, while another connection is creating or recovering it; such a race ends
  // within milliseconds, so retry it for as long as the busy timeout allows.
  auto mode = db->Query("PRAGMA journal_mode = WAL");
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(options.busy_timeout_ms);
  while (!mode.ok() && mode.status().code() == ErrorCode::kUnavailable &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    mode = db->Query("PRAGMA journal_mode = WAL");
  }
  if (!mode.ok()) return context(mode.status());
  if (mode->empty() || mode->front().Text("journal_mode") != "wal") {
    // Some file systems (network mounts) cannot share WAL memory; SQLite falls back
    // to a rollback journal, which is correct but lets readers block the writer.
    core::log::Warn("catalog '{}' is not in WAL mode; readers may block writers", file.string());
  }
  for (const char* pragma : {"PRAGMA foreign_keys = ON", "PRAGMA synchronous = FULL"}) {
    Status s = db->Execute(pragma);
    if (!s.ok()) return context(s);
  }
  return db;
}

}  // namespace strata::store
