#pragma once
// Small helpers every handler uses to translate between the wire and platform calls.

#include <string>

#include "api/http.h"
#include "core/core.h"

namespace strata::api {

// The request body as a JSON object; errors name the line and column.
Result<Json> ParseJsonBody(const Request& request);
// `limit` and `page_token` query parameters of list endpoints (API.md).
struct PageParams {
  int limit = 100;
  std::string page_token;
};
Result<PageParams> ParsePageParams(const Request& request);
// An unsigned integer query parameter, with `fallback` when absent.
Result<uint64_t> QueryUint(const Request& request, std::string_view name, uint64_t fallback);
// A boolean query parameter: true/false/1/0.
Result<bool> QueryBool(const Request& request, std::string_view name, bool fallback);

// The error response for a failed Status, or the JSON for a value.
Response ErrorResponse(const Request& request, const Status& status);
Response JsonResponse(int http_status, const Json& body);

}  // namespace strata::api
