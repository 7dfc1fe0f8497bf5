#include "api/http.h"

#include <strings.h>

#include <algorithm>

#include <fmt/format.h>

namespace strata::api {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes; `plus_is_space` for query strings. False on a bad escape or NUL.
bool Decode(std::string_view in, bool plus_is_space, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = HexValue(in[i + 1]), lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      c = ' ';
    }
    if (c == '\0') return false;
    out->push_back(c);
  }
  return true;
}

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t start = 1;  // paths start with '/'
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

}  // namespace

std::optional<std::string> Request::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), name.size()) == 0) return v;
  }
  return std::nullopt;
}

std::string Request::Query(std::string_view name, std::string fallback) const {
  auto it = query.find(std::string(name));
  return it == query.end() ? fallback : it->second;
}

bool Request::ParseTarget(std::string_view t) {
  if (t.empty() || t.front() != '/') return false;
  size_t q = t.find('?');
  std::string_view raw_path = t.substr(0, q);
  if (!Decode(raw_path, false, &path)) return false;
  query.clear();
  if (q == std::string_view::npos) return true;
  std::string_view rest = t.substr(q + 1);
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string key, value;
    if (!Decode(pair.substr(0, eq), true, &key)) return false;
    if (eq != std::string_view::npos && !Decode(pair.substr(eq + 1), true, &value)) return false;
    query[key] = value;
  }
  return true;
}

Response Response::MakeJson(int status, const Json& body) {
  Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  return r;
}

Response Response::MakeText(int status, std::string body, std::string content_type) {
  Response r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

Response Response::MakeError(const Status& status, std::string_view request_id) {
  ErrorCode code = status.ok() ? ErrorCode::kInternal : status.code();
  return MakeJson(HttpStatusFor(code), {{"error",
                                         {{"code", ErrorCodeName(code)},
                                          {"message", status.message()},
                                          {"request_id", request_id}}}});
}

void Response::SetHeader(std::string name, std::string value) {
  for (auto& [k, v] : headers) {
    if (strcasecmp(k.c_str(), name.c_str()) == 0) {
      v = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
}

void Router::Add(std::string method, std::string pattern, Handler handler, RouteOptions options) {
  AddRoute({std::move(method), std::move(pattern), {}, std::move(handler), nullptr, options});
}

void Router::AddBatch(std::string method, std::string pattern, BatchHandler handler, RouteOptions options) {
  options.batch = true;
  AddRoute({std::move(method), std::move(pattern), {}, nullptr, std::move(handler), options});
}

void Router::AddRoute(Route route) {
  for (auto s : SplitPath(route.pattern)) route.segments.emplace_back(s);
  routes_.push_back(std::move(route));
}

bool Router::Match(const Route& route, std::string_view path, std::map<std::string, std::string>* params) {
  // Walks the path's segments (as SplitPath cuts them) against the pattern's without
  // making a list of them: this runs for every request.
  size_t at = 1;  // paths start with '/'
  bool match = true;
  for (const std::string& want : route.segments) {
    if (at > path.size()) {
      match = false;  // fewer segments than the pattern
      break;
    }
    size_t end = path.find('/', at);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view segment = path.substr(at, end - at);
    at = end + 1;
    if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
      match = !segment.empty();
      if (match && params) (*params)[want.substr(1, want.size() - 2)] = std::string(segment);
    } else {
      match = want == segment;
    }
    if (!match) break;
  }
  match = match && at == path.size() + 1;  // and no more segments than the pattern
  if (!match && params) params->clear();
  return match;
}

int Router::IndexOf(std::string_view method, std::string_view path) const {
  const size_t segments = static_cast<size_t>(std::count(path.begin(), path.end(), '/'));
  for (size_t i = 0; i < routes_.size(); ++i) {
    const Route& r = routes_[i];
    if (r.segments.size() == segments && r.method == method && Match(r, path, nullptr)) return static_cast<int>(i);
  }
  return -1;
}

void Router::Bind(Request& request, int index) const {
  const Route& r = routes_[static_cast<size_t>(index)];
  request.path_params.clear();
  Match(r, request.path, &request.path_params);
  request.route = r.pattern;
  request.route_index = index;
}

const RouteOptions* Router::Resolve(Request& request) const {
  const int index = IndexOf(request.method, request.path);
  if (index < 0) return nullptr;
  Bind(request, index);
  return &routes_[static_cast<size_t>(index)].options;
}

const Router::Route* Router::Find(Request& request, Response* error) const {
  if (request.route_index >= 0 && static_cast<size_t>(request.route_index) < routes_.size()) {
    return &routes_[static_cast<size_t>(request.route_index)];
  }
  if (const int index = IndexOf(request.method, request.path); index >= 0) {
    Bind(request, index);
    return &routes_[static_cast<size_t>(index)];
  }
  std::string allow;
  for (const Route& r : routes_) {
    if (!Match(r, request.path, nullptr)) continue;
    if (allow.find(r.method) == std::string::npos) allow += (allow.empty() ? "" : ", ") + r.method;
  }
  request.route = "unmatched";
  if (!allow.empty()) {
    *error = Response::MakeJson(
        405, {{"error",
               {{"code", "InvalidArgument"},
                {"message", fmt::format("method {} is not allowed on {} (allowed: {})", request.method,
                                        request.path, allow)},
                {"request_id", request.request_id}}}});
    error->SetHeader("Allow", allow);
  } else {
    *error = Response::MakeError(NotFoundError(fmt::format("no route for {} {}", request.method, request.path)),
                                 request.request_id);
  }
  return nullptr;
}

std::vector<Response> Router::Guarded(const Route& route, const std::vector<Request*>& requests) {
  const char* what = nullptr;
  std::string message;
  try {
    if (route.batch_handler) {
      std::vector<Response> out = route.batch_handler(requests);
      if (out.size() == requests.size()) return out;
      message = fmt::format("batch handler gave {} responses for {} requests", out.size(), requests.size());
      what = message.c_str();
    } else {
      std::vector<Response> out;
      out.push_back(route.handler(*requests.front()));
      return out;
    }
  } catch (const std::exception& e) {
    message = e.what();
    what = message.c_str();
  } catch (...) {
    what = "a non-exception";
  }
  core::log::Error("handler for {} {} threw: {}", route.method, route.pattern, what);
  std::vector<Response> out;
  for (const Request* r : requests) {
    out.push_back(Response::MakeError(InternalError("internal error while handling the request"), r->request_id));
  }
  return out;
}

Response Router::Dispatch(Request& request) const {
  Response error;
  const Route* route = Find(request, &error);
  if (route == nullptr) return error;
  return std::move(Guarded(*route, {&request}).front());
}

std::vector<Response> Router::DispatchBatch(const std::vector<Request*>& requests) const {
  std::vector<Response> out(requests.size());
  std::vector<const Route*> routes(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) routes[i] = Find(*requests[i], &out[i]);
  std::vector<bool> done(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    if (done[i] || routes[i] == nullptr) continue;
    std::vector<size_t> same;
    for (size_t j = i; j < requests.size(); ++j) {
      if (!done[j] && routes[j] == routes[i] && (routes[i]->batch_handler || j == i)) same.push_back(j);
    }
    std::vector<Request*> group;
    for (size_t j : same) group.push_back(requests[j]);
    std::vector<Response> answers = Guarded(*routes[i], group);
    for (size_t k = 0; k < same.size(); ++k) {
      out[same[k]] = std::move(answers[k]);
      done[same[k]] = true;
    }
  }
  return out;
}

}  // namespace strata::api
