#pragma once
// The catalog's SQL interface. Callers (the repositories of jobs/, and later datasets,
// models, ...) write portable SQL with `?` placeholders, so a PostgreSQL backend can
// be added beside SQLite without touching them.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/core.h"

namespace strata::store {

using Value = std::variant<std::nullptr_t, int64_t, double, std::string>;

// One result row. Column access by name; asking for a column the query did not
// select is a programmer error (asserted). NULL reads as 0 / "" from the plain
// accessors; use the Opt* ones where NULL means something.
class Row {
 public:
  Row(std::shared_ptr<const std::vector<std::string>> columns, std::vector<Value> values);

  int64_t Int(std::string_view column) const;
  double Real(std::string_view column) const;
  std::string Text(std::string_view column) const;
  bool IsNull(std::string_view column) const;
  std::optional<int64_t> OptInt(std::string_view column) const;
  std::optional<std::string> OptText(std::string_view column) const;
  const Value& Get(std::string_view column) const;

 private:
  std::shared_ptr<const std::vector<std::string>> columns_;
  std::vector<Value> values_;
};

// Thread-safety: implementations are safe to call from many threads at once, and
// several processes may open the same catalog (the server and its workers).
class Database {
 public:
  virtual ~Database() = default;

  virtual Status Execute(std::string_view sql, const std::vector<Value>& params = {}) = 0;
  // The number of rows changed: compare-and-set state transitions use it.
  virtual Result<int64_t> ExecuteChanges(std::string_view sql, const std::vector<Value>& params = {}) = 0;
  virtual Result<std::vector<Row>> Query(std::string_view sql, const std::vector<Value>& params = {}) = 0;
  // Runs fn in a write transaction: committed when fn returns OK, rolled back
  // otherwise. Execute/Query calls made by fn on the same thread are part of it;
  // other threads wait. Nested Transaction calls join the outer one.
  virtual Status Transaction(const std::function<Status()>& fn) = 0;
};

// Error mapping shared by backends: a uniqueness violation is Conflict, a busy
// database past its timeout Unavailable, anything else Internal.

}  // namespace strata::store
