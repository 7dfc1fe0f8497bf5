#include "core/status.h"

#include <gtest/gtest.h>

namespace strata {
namespace {

TEST(StatusTest, OkCarriesNothing) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kOk);
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, ErrorKeepsCodeAndMessageThroughCopies) {
  Status s = NotFoundError("dataset 'x' does not exist");
  Status copy = s;
  EXPECT_FALSE(copy.ok());
  EXPECT_EQ(copy.code(), ErrorCode::kNotFound);
  EXPECT_EQ(copy.ToString(), "NotFound: dataset 'x' does not exist");
  EXPECT_EQ(s.WithContext("loading").message(), "loading: dataset 'x' does not exist");
}

TEST(StatusTest, CodeTableMatchesApiContract) {
  struct Row {
    ErrorCode code;
    const char* name;
    int http;
    int exit;
  };
  const Row rows[] = {
      {ErrorCode::kInvalidArgument, "InvalidArgument", 400, 2},
      {ErrorCode::kUnauthorized, "Unauthorized", 401, 1},
      {ErrorCode::kForbidden, "Forbidden", 403, 1},
      {ErrorCode::kNotFound, "NotFound", 404, 1},
      {ErrorCode::kConflict, "Conflict", 409, 1},
      {ErrorCode::kPayloadTooLarge, "PayloadTooLarge", 413, 1},
      {ErrorCode::kThrottled, "Throttled", 429, 1},
      {ErrorCode::kInternal, "Internal", 500, 1},
      {ErrorCode::kUnavailable, "Unavailable", 503, 1},
  };
  for (const Row& r : rows) {
    EXPECT_EQ(ErrorCodeName(r.code), r.name);
    EXPECT_EQ(HttpStatusFor(r.code), r.http);
    EXPECT_EQ(ExitCodeFor(r.code), r.exit);
    EXPECT_EQ(ErrorCodeFromName(r.name), r.code);
    EXPECT_EQ(ErrorCodeForHttpStatus(r.http), r.code);
  }
  EXPECT_FALSE(ErrorCodeFromName("Nope").has_value());
  EXPECT_EQ(ErrorCodeForHttpStatus(418), ErrorCode::kInvalidArgument);
  EXPECT_EQ(ErrorCodeForHttpStatus(502), ErrorCode::kInternal);
}

Result<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgumentError("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  STRATA_ASSIGN_OR_RETURN(int h, Half(x));
  STRATA_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(ResultTest, PropagatesErrorsAndValues) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.value_or(-1), -1);
}

TEST(ResultTest, OkStatusIsNotAValue) {
  Result<int> r{Status::Ok()};
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInternal);
}

}  // namespace
}  // namespace strata
