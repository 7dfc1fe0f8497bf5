#pragma once
// Status and Result<T>: the one error type of Strata.
//
// A Status is either OK or carries an ErrorCode from the closed set of API.md and a
// message that says what went wrong and where (file, line, column, field). An OK
// Status holds no allocation, so returning one costs a null pointer.
//
// These live in namespace `strata` (not strata::core) because every subsystem speaks
// them; everything else in core/ is in strata::core.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace strata {

enum class ErrorCode {
  kOk,
  kInvalidArgument,  // 400: the caller's input is wrong
  kUnauthorized,     // 401
  kForbidden,        // 403
  kNotFound,         // 404
  kConflict,         // 409: e.g. a name already taken, a state that forbids it
  kPayloadTooLarge,  // 413
  kThrottled,        // 429
  kInternal,         // 500: a bug or an environment failure (disk, OOM)
  kUnavailable,      // 503: try again later (shutting down, overloaded)
};

// The one table from codes to the wire and the shell. Names are API.md's
// ("InvalidArgument"); HTTP statuses as listed there; exit codes follow the CLI
// contract: 2 for input the caller must fix, 1 for any other failed operation.
std::string_view ErrorCodeName(ErrorCode code);
std::optional<ErrorCode> ErrorCodeFromName(std::string_view name);
int HttpStatusFor(ErrorCode code);
ErrorCode ErrorCodeForHttpStatus(int http_status);
int ExitCodeFor(ErrorCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(ErrorCode code, std::string message);
  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  static Status Ok() { return Status(); }

  bool ok() const { return state_ == nullptr; }
  ErrorCode code() const { return state_ ? state_->code : ErrorCode::kOk; }
  // Empty for OK.
  const std::string& message() const;
  // "NotFound: dataset 'x' does not exist", or "OK".
  std::string ToString() const;
  // Same code, message prefixed with "context: ". OK stays OK.
  Status WithContext(std::string_view context) const;

 private:
  struct State {
    ErrorCode code;
    std::string message;
  };
  std::unique_ptr<State> state_;
};

Status InvalidArgumentError(std::string message);
Status UnauthorizedError(std::string message);
Status ForbiddenError(std::string message);
Status NotFoundError(std::string message);
Status ConflictError(std::string message);
Status PayloadTooLargeError(std::string message);
Status ThrottledError(std::string message);
Status InternalError(std::string message);
Status UnavailableError(std::string message);

// Holds a T or a non-OK Status. Accessing value() of an error is a programmer
// error (asserted), never a way to report user input problems.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {
    // An OK status carries no value; treat it as a bug, loudly, in debug builds.
    if (std::get<Status>(v_).ok()) v_ = Status(ErrorCode::kInternal, "Result built from OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T value_or(T fallback) const& { return ok() ? value() : std::move(fallback); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace strata

#define STRATA_CONCAT_INNER_(a, b) a##b
#define STRATA_CONCAT_(a, b) STRATA_CONCAT_INNER_(a, b)

// Returns the Status from the enclosing function when `expr` is not OK.
#define STRATA_RETURN_IF_ERROR(expr)                    \
  do {                                                  \
    ::strata::Status strata_status_ = (expr);           \
    if (!strata_status_.ok()) return strata_status_;    \
  } while (0)

// `STRATA_ASSIGN_OR_RETURN(auto x, MakeX());` declares x from a Result or returns its error.
#define STRATA_ASSIGN_OR_RETURN(lhs, expr) \
  STRATA_ASSIGN_OR_RETURN_IMPL_(STRATA_CONCAT_(strata_result_, __LINE__), lhs, expr)
#define STRATA_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()
