#include "core/status.h"

#include <array>

namespace strata {
namespace {

struct CodeInfo {
  ErrorCode code;
  std::string_view name;
  int http;
  int exit;
};

constexpr std::array<CodeInfo, 10> kCodes = {{
    {ErrorCode::kOk, "OK", 200, 0},
    {ErrorCode::kInvalidArgument, "InvalidArgument", 400, 2},
    {ErrorCode::kUnauthorized, "Unauthorized", 401, 1},
    {ErrorCode::kForbidden, "Forbidden", 403, 1},
    {ErrorCode::kNotFound, "NotFound", 404, 1},
    {ErrorCode::kConflict, "Conflict", 409, 1},
    {ErrorCode::kPayloadTooLarge, "PayloadTooLarge", 413, 1},
    {ErrorCode::kThrottled, "Throttled", 429, 1},
    {ErrorCode::kInternal, "Internal", 500, 1},
    {ErrorCode::kUnavailable, "Unavailable", 503, 1},
}};

const CodeInfo& Info(ErrorCode code) {
  for (const auto& c : kCodes) {
    if (c.code == code) return c;
  }
  return kCodes[8];  // kInternal: unreachable for a valid enum value
}

}  // namespace

std::string_view ErrorCodeName(ErrorCode code) { return Info(code).name; }

std::optional<ErrorCode> ErrorCodeFromName(std::string_view name) {
  for (const auto& c : kCodes) {
    if (c.name == name) return c.code;
  }
  return std::nullopt;
}

int HttpStatusFor(ErrorCode code) { return Info(code).http; }

ErrorCode ErrorCodeForHttpStatus(int http_status) {
  if (http_status < 400) return ErrorCode::kOk;
  for (const auto& c : kCodes) {
    if (c.http == http_status) return c.code;
  }
  return http_status < 500 ? ErrorCode::kInvalidArgument : ErrorCode::kInternal;
}

int ExitCodeFor(ErrorCode code) { return Info(code).exit; }

Status::Status(ErrorCode code, std::string message) {
  if (code != ErrorCode::kOk) state_ = std::make_unique<State>(State{code, std::move(message)});
}

Status::Status(const Status& other)
    : state_(other.state_ ? std::make_unique<State>(*other.state_) : nullptr) {}

Status& Status::operator=(const Status& other) {
  if (this != &other) state_ = other.state_ ? std::make_unique<State>(*other.state_) : nullptr;
  return *this;
}

const std::string& Status::message() const {
  static const std::string kEmpty;
  return state_ ? state_->message : kEmpty;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(ErrorCodeName(state_->code)) + ": " + state_->message;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return Status();
  return Status(state_->code, std::string(context) + ": " + state_->message);
}

Status InvalidArgumentError(std::string m) { return {ErrorCode::kInvalidArgument, std::move(m)}; }
Status UnauthorizedError(std::string m) { return {ErrorCode::kUnauthorized, std::move(m)}; }
Status ForbiddenError(std::string m) { return {ErrorCode::kForbidden, std::move(m)}; }
Status NotFoundError(std::string m) { return {ErrorCode::kNotFound, std::move(m)}; }
Status ConflictError(std::string m) { return {ErrorCode::kConflict, std::move(m)}; }
Status PayloadTooLargeError(std::string m) { return {ErrorCode::kPayloadTooLarge, std::move(m)}; }
Status ThrottledError(std::string m) { return {ErrorCode::kThrottled, std::move(m)}; }
Status InternalError(std::string m) { return {ErrorCode::kInternal, std::move(m)}; }
Status UnavailableError(std::string m) { return {ErrorCode::kUnavailable, std::move(m)}; }

}  // namespace strata
