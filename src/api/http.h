#pragma once
// The HTTP vocabulary shared by the server, the in-process transport of the CLI, the
// HTTP client and every handler. No Beast here: handlers are plain functions from a
// Request to a Response and can run without a socket (the CLI's in-process mode).

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/core.h"

namespace strata::api {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as received: "/api/v1/jobs?limit=2"
  std::string path;    // percent-decoded path without the query: "/api/v1/jobs"
  std::map<std::string, std::string> query;        // percent-decoded query parameters
  std::map<std::string, std::string> path_params;  // set by the Router: {"id": "..."}
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string request_id;  // set by the server (or the in-process transport)
  // Set by the Router: the matched pattern (or "unmatched"), for metrics; it points
  // into the Router, which outlives its requests.
  std::string_view route;
  // Set by Router::Resolve: the matched route's index in that Router, -1 before or
  // without a match. Only the Router that set it may read it.
  int route_index = -1;
  std::string remote;      // peer address, "" in-process
  // For routes with RouteOptions::body_to_file: the body was streamed to this file
  // (deleted after the handler returns unless the handler renamed it away) and `body`
  // is empty.
  std::string body_file;
  // Set by in-process callers (the CLI without --server) to watch a long handler;
  // handlers that import or process report (done, total) through it. The HTTP client
  // reports upload progress of a body_file through it.
  std::function<void(uint64_t done, uint64_t total)> progress;

  // Case-insensitive header lookup.
  std::optional<std::string> Header(std::string_view name) const;
  std::string Query(std::string_view name, std::string fallback = "") const;
  // Splits a target into path and query (percent-decoding both); false if malformed.
  bool ParseTarget(std::string_view target);
};

// Produces a streamed body, chunk by chunk (chunked transfer encoding; server-sent
// events when the content type is text/event-stream).
class StreamWriter {
 public:
  virtual ~StreamWriter() = default;
  // Sends one chunk now. False when the client has gone or the server is shutting
  // down: the producer should stop and return.
  virtual bool Write(std::string_view data) = 0;
  virtual bool Cancelled() const = 0;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // When set, `body` is ignored: after the headers are sent, the server calls this on
  // a handler thread (it may block, e.g. following a log) to produce the body.
  std::function<void(StreamWriter&)> stream;

  static Response MakeJson(int status, const Json& body);
  static Response MakeText(int status, std::string body,
                           std::string content_type = "text/plain; charset=utf-8");
  // {"error": {"code": "NotFound", "message": "...", "request_id": "..."}} with the
  // code's HTTP status (API.md).
  static Response MakeError(const Status& status, std::string_view request_id);
  void SetHeader(std::string name, std::string value);
};

using Handler = std::function<Response(Request&)>;
// Handles several requests to one route at once (see Router::AddBatch): one response
// per request, in order.
using BatchHandler = std::function<std::vector<Response>(const std::vector<Request*>&)>;

// Per-route treatment of the request body by the server.
struct RouteOptions {
  uint64_t max_body_bytes = 0;  // 0: the server's limit
  bool body_to_file = false;    // stream the body to a temporary file (large uploads)
  // Requests whose body is smaller than this run their handler on the I/O thread
  // instead of the handler pool. Only for handlers that are short and never wait long
  // (a real-time invocation of a few rows): the hop to the pool and back (two thread
  // wake-ups) costs more than such a handler, but while it runs no other connection is
  // served. 0: always on the pool.
  uint64_t inline_below_bytes = 0;
  // Successful requests get their access-log line at debug level instead of info: for
  // high-volume routes (invocations), where a line per request cost about a fifth of
  // the server's CPU. Failed ones (status >= 400) stay at info.
  bool debug_access_log = false;
  // Set by Router::AddBatch: the server hands the route's inline requests that became
  // ready together on one I/O thread (in one turn of its event loop) to the handler as
  // one call, without waiting for more.
  bool batch = false;
};

// Maps (method, path pattern) to handlers. Patterns are literal segments and `{name}`
// segments that bind one path segment into Request::path_params.
// Thread-safety: Add() during setup only; Dispatch() from any number of threads.
class Router {
 public:
  void Add(std::string method, std::string pattern, Handler handler, RouteOptions options = {});
  // A route whose handler takes several requests at once (real-time invocations
  // predicted as one batch). Dispatch calls it with one request.
  void AddBatch(std::string method, std::string pattern, BatchHandler handler, RouteOptions options = {});
  // The options of the route the request reaches, or null: lets the server decide how
  // to read a body after the header, before dispatching. Keeps the match (path_params,
  // route and route_index) so that Dispatch of this request does not look for it again.
  const RouteOptions* Resolve(Request& request) const;

  // Finds the route, fills path_params and route, and runs the handler inside a
  // last-resort guard: an exception becomes a 500 Internal error response. Unknown
  // paths get 404 NotFound, a known path with another method 405 with an Allow header.
  Response Dispatch(Request& request) const;
  // Dispatches several requests: those that reach the same batch route go to its
  // handler in one call, the others one by one. One response per request, in order.
  std::vector<Response> DispatchBatch(const std::vector<Request*>& requests) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;  // exactly one of handler and batch_handler is set
    BatchHandler batch_handler;
    RouteOptions options;
  };
  // Splits the pattern into segments and appends the route.
  void AddRoute(Route route);
  // The route Resolve found, or the route for the request's method and path (filling
  // path_params and route), or null with `*error` set to the 404 or 405 answer.
  const Route* Find(Request& request, Response* error) const;
  // The index of the route for (method, path), or -1.
  int IndexOf(std::string_view method, std::string_view path) const;
  // Sets path_params, route and route_index for the route at `index`.
  void Bind(Request& request, int index) const;
  // Runs a handler inside the last-resort guard: an exception is a 500 for each request.
  static std::vector<Response> Guarded(const Route& route, const std::vector<Request*>& requests);
  // Whether the path's segments match the route's pattern, `{name}` segments taking
  // any non-empty segment; fills `params` when given and matching.
  static bool Match(const Route& route, std::string_view path, std::map<std::string, std::string>* params);
  std::vector<Route> routes_;
};

}  // namespace strata::api
