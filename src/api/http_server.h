#pragma once
// The HTTP/1.1 server (Boost.Beast behind this interface).
//
// - `io_threads` I/O threads each run their share of the connections as coroutines
//   (connections are dealt to them in turn); handlers run on a separate pool
//   (`handler_threads`), so a slow handler (a streamed log, a model) never stalls other
//   connections. Routes may ask for small requests to run on the I/O thread
//   (RouteOptions::inline_below_bytes).
// - Keep-alive; HTTP/1.0 and `Connection: close` honoured.
// - Bodies past `max_body_bytes` (or the route's own limit) get 413; routes with
//   RouteOptions::body_to_file get their body streamed to a file under `temp_dir`.
// - A request must arrive whole within `read_timeout` (408 otherwise), a keep-alive
//   connection may idle `idle_timeout`, each write gets `write_timeout`.
// - Malformed HTTP gets 400 and the connection is closed; nothing a client sends can
//   crash the server.
// - Every response carries X-Request-Id (a well-formed incoming one is kept); each
//   handler runs inside a log context with that id; one access-log line per request
//   (at debug level for successful requests of RouteOptions::debug_access_log routes).
// - Stop() (or SIGINT/SIGTERM with handle_signals) stops accepting, lets in-flight
//   requests finish (up to `shutdown_grace`), cancels streams, closes idle
//   connections, and Run() returns.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "api/http.h"
#include "api/metrics.h"
#include "core/core.h"

namespace strata::api {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (see HttpServer::port())
  int handler_threads = 0;  // 0: one per core, at least 2
  // 0: two where there are two cores or more. Several let inline handlers (and the
  // reading and writing of sockets) use more than one core.
  int io_threads = 0;
  uint64_t max_body_bytes = 64ull << 20;
  std::chrono::seconds read_timeout{30}, write_timeout{30}, idle_timeout{60}, shutdown_grace{30};
  bool handle_signals = false;
  std::string temp_dir;  // for body_to_file routes; default: the system's temp dir
};

class HttpServer {
 public:
  // `router` and `metrics` must outlive the server.
  HttpServer(ServerOptions options, const Router& router, Metrics& metrics);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens. Unavailable, naming host:port, when the address is taken.
  Status Start();
  // The bound port (after Start).
  int port() const;
  // Serves until Stop() or a signal; returns after the graceful shutdown.
  void Run();
  // Thread-safe, idempotent.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::api
