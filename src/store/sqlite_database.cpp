// Adapter over SQLite: the only file that includes <sqlite3.h>.
#include "store/sqlite_database.h"

#include <sqlite3.h>

#include <mutex>

#include <fmt/format.h>

namespace strata::store {
namespace {

std::string FirstWords(std::string_view sql) {
  std::string s(sql.substr(0, 60));
  for (char& c : s) {
    if (c == '\n' || c == '\t') c = ' ';
  }
  return sql.size() > 60 ? s + "..." : s;
}

class SqliteDatabase : public Database {
 public:
  explicit SqliteDatabase(sqlite3* db) : db_(db) {}
  ~SqliteDatabase() override { sqlite3_close_v2(db_); }

  Status Execute(std::string_view sql, const std::vector<Value>& params) override {
    return Run(sql, params, nullptr, nullptr);
  }

  Result<int64_t> ExecuteChanges(std::string_view sql, const std::vector<Value>& params) override {
    std::lock_guard lock(mu_);
    STRATA_RETURN_IF_ERROR(Run(sql, params, nullptr, nullptr));
    return static_cast<int64_t>(sqlite3_changes(db_));
  }

  Result<std::vector<Row>> Query(std::string_view sql, const std::vector<Value>& params) override {
    std::vector<Row> rows;
    std::shared_ptr<std::vector<std::string>> columns;
    STRATA_RETURN_IF_ERROR(Run(sql, params, &rows, &columns));
    return rows;
  }

  Status Transaction(const std::function<Status()>& fn) override {
    std::lock_guard lock(mu_);
    if (depth_ > 0) {  // join the outer transaction
      ++depth_;
      Status s = fn();
      --depth_;
      return s;
    }
    STRATA_RETURN_IF_ERROR(Run("BEGIN IMMEDIATE", {}, nullptr, nullptr));
    ++depth_;
    Status s;
    try {
      s = fn();
    } catch (...) {
      --depth_;
      (void)Run("ROLLBACK", {}, nullptr, nullptr);
      throw;
    }
    --depth_;
    if (!s.ok()) {
      (void)Run("ROLLBACK", {}, nullptr, nullptr);
      return s;
    }
    Status c = Run("COMMIT", {}, nullptr, nullptr);
    if (!c.ok()) (void)Run("ROLLBACK", {}, nullptr, nullptr);
    return c;
  }

 private:
  Status Error(int rc, std::string_view sql) {
    int ext = sqlite3_extended_errcode(db_);
    std::string msg = fmt::format("catalog: {} (in \"{}\")", sqlite3_errmsg(db_), FirstWords(sql));
    if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) return ConflictError(msg);
    if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) return UnavailableError(msg);
    if ((rc & 0xff) == SQLITE_CONSTRAINT) return InvalidArgumentError(msg);
    return InternalError(msg);
  }

  Status Bind(sqlite3_stmt* stmt, const std::vector<Value>& params, std::string_view sql) {
    int expected = sqlite3_bind_parameter_count(stmt);
    if (expected != static_cast<int>(params.size())) {
      return InternalError(fmt::format("catalog: \"{}\" takes {} parameters, got {}", FirstWords(sql),
                                       expected, params.size()));
    }
    for (size_t i = 0; i < params.size(); ++i) {
      int idx = static_cast<int>(i) + 1;
      int rc = std::visit(
          [&](const auto& v) -> int {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::nullptr_t>) return sqlite3_bind_null(stmt, idx);
            else if constexpr (std::is_same_v<T, int64_t>) return sqlite3_bind_int64(stmt, idx, v);
            else if constexpr (std::is_same_v<T, double>) return sqlite3_bind_double(stmt, idx, v);
            else return sqlite3_bind_text(stmt, idx, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
          },
          params[i]);
      if (rc != SQLITE_OK) return Error(rc, sql);
    }
    return Status::Ok();
  }

  // Runs every statement of `sql` (migrations hold several); collects rows of the
  // last one when `rows` is given.
  Status Run(std::string_view sql, const std::vector<Value>& params, std::vector<Row>* rows,
             std::shared_ptr<std::vector<std::string>>* columns) {
    std::lock_guard lock(mu_);
    const char* tail = sql.data();
    const char* end = sql.data() + sql.size();
    bool first = true;
    while (tail < end) {
      sqlite3_stmt* stmt = nullptr;
      int rc = sqlite3_prepare_v2(db_, tail, static_cast<int>(end - tail), &stmt, &tail);
      if (rc != SQLITE_OK) return Error(rc, sql);
      if (stmt == nullptr) break;  // only whitespace or comments left
      std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> guard(stmt, sqlite3_finalize);
      if (first) {
        STRATA_RETURN_IF_ERROR(Bind(stmt, params, sql));
        first = false;
      }
      int ncol = sqlite3_column_count(stmt);
      if (rows != nullptr && ncol > 0) {
        auto names = std::make_shared<std::vector<std::string>>();
        for (int c = 0; c < ncol; ++c) names->emplace_back(sqlite3_column_name(stmt, c));
        *columns = names;
      }
      for (;;) {
        rc = sqlite3_step(stmt);
        if (rc == SQLITE_DONE) break;
        if (rc != SQLITE_ROW) return Error(rc, sql);
        if (rows == nullptr) continue;
        std::vector<Value> values;
        values.reserve(ncol);
        for (int c = 0; c < ncol; ++c) {
          switch (sqlite3_column_type(stmt, c)) {
            case SQLITE_INTEGER: values.emplace_back(static_cast<int64_t>(sqlite3_column_int64(stmt, c))); break;
            case SQLITE_FLOAT: values.emplace_back(sqlite3_column_double(stmt, c)); break;
            case SQLITE_NULL: values.emplace_back(nullptr); break;
            default: {
              const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
              values.emplace_back(std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt, c))));
            }
          }
        }
        rows->emplace_back(*columns, std::move(values));
      }
    }
    return Status::Ok();
  }

  sqlite3* db_;
  std::recursive_mutex mu_;
  int depth_ = 0;
};

}  // namespace

Result<std::unique_ptr<Database>> OpenSqliteDatabase(const std::filesystem::path& file) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(file.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return InternalError(fmt::format("cannot open catalog '{}': {}", file.string(), msg));
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, 10000);
  auto database = std::make_unique<SqliteDatabase>(db);
  for (const char* pragma : {"PRAGMA journal_mode = WAL", "PRAGMA foreign_keys = ON",
                             "PRAGMA synchronous = FULL"}) {
    // journal_mode returns a row; Query consumes it.
    auto r = database->Query(pragma, {});
    if (!r.ok()) return r.status().WithContext(fmt::format("opening catalog '{}'", file.string()));
  }
  return std::unique_ptr<Database>(std::move(database));
}

}  // namespace strata::store
