#pragma once
// The one HTTP client of Strata (the CLI's --server mode, end-to-end tests, later the
// S3 and remote-worker back ends). Synchronous; one keep-alive connection reused
// across calls, reopened once when the server closed it in between. http:// only.
// Not thread-safe: one client per thread.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "api/http.h"
#include "core/core.h"

namespace strata::api {

class HttpClient {
 public:
  // "http://host:port" (a path prefix is not supported). InvalidArgument otherwise.
  static Result<HttpClient> Create(std::string_view base_url);
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;
  ~HttpClient();

  // Sends request.method, target, headers and body. Connection failures are
  // Unavailable ("cannot connect to http://127.0.0.1:1: Connection refused"); an HTTP
  // error status is a normal Response. With on_chunk, the body is delivered as it
  // arrives (streams, server-sent events) and the returned body is empty; returning
  // false from on_chunk stops reading and closes the connection.
  Result<Response> Send(const Request& request,
                        const std::function<bool(std::string_view)>& on_chunk = nullptr);

  // Each read waits at most this long (default 10 minutes; streams wait forever).
  void set_read_timeout(std::chrono::seconds timeout);

 private:
  class Impl;
  explicit HttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::api
