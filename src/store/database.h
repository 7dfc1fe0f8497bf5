#pragma once
// The catalog's SQL interface. Callers (the repositories of jobs/, platform/'s
// datasets and models) write portable SQL with `?` placeholders, so a PostgreSQL
// backend can be added beside SQLite (sqlite_database.h) without touching them.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/core.h"

namespace strata::store {

// A bound parameter or a result cell. Integers are 64-bit; times are stored as
// Unix milliseconds (int64_t), JSON documents as text.
using Value = std::variant<std::nullptr_t, int64_t, double, std::string>;

// One result row; cheap to copy (column names are shared by every row of a result).
//
// Columns are found by the name the query gives them (`SELECT MAX(v) AS v`). Asking
// for a column the query did not select is a programmer error: the process aborts
// with a message naming the column, in every build type, because silently reading
// 0 would corrupt state.
//
// NULL is explicit: IsNull() tells it apart, and the Opt* accessors return nullopt
// for it. The plain Int/Real/Text accessors are for NOT NULL columns; using one on a
// NULL cell is a programmer error (asserted in debug builds; 0, 0.0 or "" otherwise).
// Numeric cells convert between integer and real; Text() of a number formats it.
class Row {
 public:
  Row(std::shared_ptr<const std::vector<std::string>> columns, std::vector<Value> values);

  int64_t Int(std::string_view column) const;
  double Real(std::string_view column) const;
  std::string Text(std::string_view column) const;
  bool IsNull(std::string_view column) const;
  std::optional<int64_t> OptInt(std::string_view column) const;
  std::optional<double> OptReal(std::string_view column) const;
  std::optional<std::string> OptText(std::string_view column) const;
  const Value& Get(std::string_view column) const;

  const std::vector<std::string>& columns() const { return *columns_; }

 private:
  std::shared_ptr<const std::vector<std::string>> columns_;
  std::vector<Value> values_;
};

// A SQL database.
//
// SQL: `?` placeholders, bound in order from `params`; values are always bound, never
// spliced into the text. Query runs exactly one statement. Execute may run a script
// of several statements (migrations do) only when it binds no parameters; outside a
// Transaction each of them commits on its own.
//
// Errors:
//   Conflict     a UNIQUE or PRIMARY KEY violation; the message names the
//                constraint as the engine reports it ("jobs.name").
//   Unavailable  the database stayed busy or locked past the backend's timeout (another
//                process held the write lock): try again later.
//   Internal     anything else (syntax, wrong parameter count, other constraints,
//                I/O); the message has the engine's text and the statement's first words.
//
// Thread safety: implementations are safe to call from many threads at once, and
// several processes may open the same database (the server and its job workers).
class Database {
 public:
  virtual ~Database() = default;

  virtual Status Execute(std::string_view sql, const std::vector<Value>& params = {}) = 0;
  // The number of rows the statement changed, so callers can make compare-and-set
  // state transitions: `UPDATE jobs SET status = ? WHERE id = ? AND status = ?`
  // returning 0 means another thread or process moved the job first.
  virtual Result<int64_t> ExecuteChanges(std::string_view sql,
                                         const std::vector<Value>& params = {}) = 0;
  virtual Result<std::vector<Row>> Query(std::string_view sql,
                                         const std::vector<Value>& params = {}) = 0;
  // Runs fn in a write transaction: committed when fn returns OK, rolled back when it
  // returns an error (which Transaction returns) or throws (rethrown). Execute/Query
  // calls fn makes on this thread are part of the transaction; other threads using
  // this object wait until it ends. A Transaction inside fn is a nested one (a
  // savepoint): its failure undoes only its own writes, and the outer fn decides
  // whether to go on. fn must not use a second Database object on the same file to
  // write: that waits for this transaction's lock and fails with Unavailable.
  virtual Status Transaction(const std::function<Status()>& fn) = 0;
};

}  // namespace strata::store
