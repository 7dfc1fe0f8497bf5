#include "api/handler_util.h"

#include <charconv>

#include <fmt/format.h>

namespace strata::api {

Result<Json> ParseJsonBody(const Request& request) {
  STRATA_ASSIGN_OR_RETURN(Json body, core::ParseJson(request.body, "request body"));
  if (!body.is_object()) {
    return InvalidArgumentError(
        fmt::format("request body must be a JSON object, got {}", core::JsonTypeName(body)));
  }
  return body;
}

Result<uint64_t> QueryUint(const Request& request, std::string_view name, uint64_t fallback) {
  auto it = request.query.find(std::string(name));
  if (it == request.query.end()) return fallback;
  const std::string& v = it->second;
  uint64_t out = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (v.empty() || ec != std::errc() || ptr != v.data() + v.size()) {
    return InvalidArgumentError(
        fmt::format("query parameter '{}' must be a non-negative integer, got '{}'", name, v));
  }
  return out;
}

Result<bool> QueryBool(const Request& request, std::string_view name, bool fallback) {
  auto it = request.query.find(std::string(name));
  if (it == request.query.end()) return fallback;
  if (it->second == "true" || it->second == "1" || it->second.empty()) return true;
  if (it->second == "false" || it->second == "0") return false;
  return InvalidArgumentError(
      fmt::format("query parameter '{}' must be true or false, got '{}'", name, it->second));
}

Result<PageParams> ParsePageParams(const Request& request) {
  PageParams p;
  STRATA_ASSIGN_OR_RETURN(uint64_t limit, QueryUint(request, "limit", 100));
  if (limit < 1 || limit > 1000) {
    return InvalidArgumentError(fmt::format("query parameter 'limit' must be in [1, 1000], got {}", limit));
  }
  p.limit = static_cast<int>(limit);
  p.page_token = request.Query("page_token");
  return p;
}

Response ErrorResponse(const Request& request, const Status& status) {
  return Response::MakeError(status, request.request_id);
}

Response JsonResponse(int http_status, const Json& body) { return Response::MakeJson(http_status, body); }

}  // namespace strata::api
