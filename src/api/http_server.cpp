// Adapter over Boost.Asio/Beast (with <utility> first: g++ 12 needs it for
// asio/awaitable.hpp on Boost 1.74).
#include <utility>

#include "api/http_server.h"

#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <filesystem>
#include <limits>
#include <list>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <fmt/format.h>

namespace strata::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;

bool ValidRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// Writes a chunked body straight to the socket from a handler thread, while the
// connection's coroutine waits. poll() bounds each write by the write timeout.
class ChunkWriter : public StreamWriter {
 public:
  ChunkWriter(int fd, std::chrono::milliseconds timeout, const std::atomic<bool>& stopping)
      : fd_(fd), timeout_(timeout), stopping_(stopping) {}

  bool Write(std::string_view data) override {
    if (failed_ || stopping_) return false;
    if (data.empty()) return true;
    std::string frame = fmt::format("{:x}\r\n", data.size());
    frame.append(data);
    frame += "\r\n";
    return Send(frame);
  }
  // Also true once the client has closed its side, so a producer that waits for data
  // (a log follower of a quiet job) does not hold a handler thread for nothing.
  bool Cancelled() const override {
    if (failed_ || stopping_) return true;
    pollfd p{fd_, POLLRDHUP, 0};
    return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
  }
  bool Finish() { return !failed_ && Send("0\r\n\r\n"); }
  bool failed() const { return failed_; }
  uint64_t bytes() const { return bytes_; }

 private:
  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        data.remove_prefix(static_cast<size_t>(n));
        bytes_ += static_cast<uint64_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        pollfd p{fd_, POLLOUT, 0};
        if (::poll(&p, 1, static_cast<int>(timeout_.count())) > 0 && !(p.revents & (POLLERR | POLLHUP))) continue;
      }
      failed_ = true;
      return false;
    }
    return true;
  }

  int fd_;
  std::chrono::milliseconds timeout_;
  const std::atomic<bool>& stopping_;
  bool failed_ = false;
  uint64_t bytes_ = 0;
};

// A header field; CR and LF in a name or value (which would end the field) become
// spaces.
void AppendField(std::string& out, std::string_view name, std::string_view value) {
  const size_t from = out.size();
  out.append(name);
  out.append(": ");
  out.append(value);
  for (size_t i = from; i < out.size(); ++i) {
    if (out[i] == '\r' || out[i] == '\n') out[i] = ' ';
  }
  out.append("\r\n");
}

// The status line and header of a response: Server, Content-Type, for a streamed one
// Cache-Control: no-cache, X-Request-Id (each unless the handler set its own), the
// handler's fields, Content-Length (a streamed body: Transfer-Encoding: chunked), and
// Connection where the version's default does not hold.
std::string ResponseHead(const Response& resp, std::string_view request_id, unsigned version, bool keep_alive) {
  static const std::string server = "strata/" + std::string(core::Version());
  auto own = [&resp](std::string_view name) {
    return std::none_of(resp.headers.begin(), resp.headers.end(), [name](const auto& h) {
      return h.first.size() == name.size() && strncasecmp(h.first.data(), name.data(), name.size()) == 0;
    });
  };
  std::string head;
  head.reserve(192 + 64 * resp.headers.size());
  const beast::string_view reason = http::obsolete_reason(static_cast<http::status>(resp.status));
  char number[24];
  head.append("HTTP/");
  head.push_back(static_cast<char>('0' + version / 10 % 10));
  head.push_back('.');
  head.push_back(static_cast<char>('0' + version % 10));
  head.push_back(' ');
  head.append(number, std::to_chars(number, number + sizeof number, resp.status).ptr);
  head.push_back(' ');
  head.append(reason.data(), reason.size());
  head.append("\r\n");
  if (own("Server")) AppendField(head, "Server", server);
  if (own("Content-Type")) AppendField(head, "Content-Type", resp.content_type);
  if (resp.stream && own("Cache-Control")) AppendField(head, "Cache-Control", "no-cache");
  if (own("X-Request-Id")) AppendField(head, "X-Request-Id", request_id);
  for (const auto& [name, value] : resp.headers) AppendField(head, name, value);
  if (resp.stream) {
    head.append("Transfer-Encoding: chunked\r\n");
  } else {
    head.append("Content-Length: ");
    head.append(number, std::to_chars(number, number + sizeof number, resp.body.size()).ptr);
    head.append("\r\n");
  }
  if (version >= 11 && !keep_alive) head.append("Connection: close\r\n");
  if (version < 11 && keep_alive) head.append("Connection: keep-alive\r\n");
  head.append("\r\n");
  return head;
}

// Feeds the parser what `buffer` already holds, until `done(parser)`. True when that
// settled the matter (done, or a parse error in `ec`); false when more must be read,
// which the caller does with Beast's async read, continuing from the parser's state.
// Why: a keep-alive request usually arrives whole in one read, and Beast's async read of
// buffered bytes still completes through the event loop (a post, a resumption), which
// cost several percent of a one-row invocation.
template <class Parser, class Done>
bool ParseBuffered(Parser& parser, beast::flat_buffer& buffer, Done done, beast::error_code& ec) {
  while (!done(parser)) {
    if (buffer.size() == 0) return false;
    const size_t used = parser.put(buffer.data(), ec);
    buffer.consume(used);
    if (ec == http::error::need_more) {
      ec = {};
      return false;
    }
    if (ec) return true;
  }
  return true;
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(ServerOptions options, const Router& router, Metrics& metrics)
      : options_(std::move(options)),
        router_(router),
        metrics_(metrics),
        loops_(MakeLoops(options_.io_threads > 0 ? options_.io_threads : std::min(2u, core::CoreCount()))),
        acceptor_(loops_[0]->ioc),
        signals_(loops_[0]->ioc),
        handlers_(static_cast<size_t>(options_.handler_threads > 0 ? options_.handler_threads
                                                                   : std::max(2u, core::CoreCount()))) {
    if (options_.temp_dir.empty()) options_.temp_dir = std::filesystem::temp_directory_path().string();
  }

  ~Impl() {
    Stop();
    handlers_.join();
  }

  Status Start() {
    beast::error_code ec;
    auto address = asio::ip::make_address(options_.host, ec);
    if (ec) return InvalidArgumentError(fmt::format("host '{}' is not an IP address", options_.host));
    tcp::endpoint endpoint(address, static_cast<uint16_t>(options_.port));
    std::string where = fmt::format("{}:{}", options_.host, options_.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (ec) return UnavailableError(fmt::format("cannot listen on {}: {}", where, ec.message()));
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return UnavailableError(fmt::format("cannot listen on {}: {}", where, ec.message()));
    port_ = acceptor_.local_endpoint().port();
    std::error_code fec;
    std::filesystem::create_directories(options_.temp_dir, fec);
    return Status::Ok();
  }

  int port() const { return port_; }

  void Run() {
    if (options_.handle_signals) {
      signals_.add(SIGINT);
      signals_.add(SIGTERM);
      signals_.async_wait([this](const beast::error_code& ec, int sig) {
        if (!ec) {
          core::log::Info("received signal {}; shutting down gracefully", sig);
          BeginShutdown();
        }
      });
    }
    asio::co_spawn(loops_[0]->ioc, Accept(), asio::detached);
    for (auto& loop : loops_) Sweep(*loop);
    std::vector<std::thread> others;
    for (size_t i = 1; i < loops_.size(); ++i) others.emplace_back([loop = loops_[i].get()] { loop->ioc.run(); });
    loops_[0]->ioc.run();
    for (auto& t : others) t.join();
  }

  void Stop() {
    asio::post(loops_[0]->ioc, [this] { BeginShutdown(); });
  }

 private:
  using Clock = std::chrono::steady_clock;
  // The steady clock to a tick of the kernel (a few ms), without reading the CPU's
  // counter: deadlines are set several times per request and only checked by the sweep,
  // whose period is at least 10 ms.
  static Clock::time_point CoarseNow() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return Clock::time_point(std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec));
  }
  // Timeouts are deadlines on the connection, checked by its loop's sweep (see Sweep)
  // rather than a timer per read and write: arming and cancelling three timers per
  // request cost about 6 % of a one-row invocation's CPU.
  struct Connection {
    tcp::socket* socket = nullptr;
    bool busy = false;
    Clock::time_point deadline = Clock::time_point::max();  // none
    bool timed_out = false;  // the sweep cancelled the socket's operations at the deadline
    void Expire(Clock::duration after) {
      deadline = CoarseNow() + after;
      timed_out = false;
    }
    void NoDeadline() { deadline = Clock::time_point::max(); }
  };
  // A request of a batch route waiting for its loop to dispatch the batch.
  struct Gathered {
    Request* request = nullptr;
    Response response;
    bool done = false;
  };
  // One event loop per I/O thread. A connection stays on the loop that accepted it for
  // its whole life, so a loop's state is only touched by its own thread.
  struct Loop {
    asio::io_context ioc{1};
    asio::steady_timer grace{ioc};
    asio::steady_timer sweep{ioc};
    std::list<Connection> connections;
    std::vector<Gathered*> gathered;  // the batch forming in this turn of the loop
    // Keeps run() going while the loop has no connection yet.
    asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(ioc);
  };
  static std::vector<std::unique_ptr<Loop>> MakeLoops(unsigned n) {
    std::vector<std::unique_ptr<Loop>> loops;
    for (unsigned i = 0; i < std::max(1u, n); ++i) loops.push_back(std::make_unique<Loop>());
    return loops;
  }

  // Every eighth of the shortest timeout (10 ms to 1 s): cancels the pending operations of the
  // loop's connections that are past their deadline (they see operation_aborted with
  // timed_out set), so a timeout fires at most a sweep period late.
  void Sweep(Loop& loop) {
    using std::chrono::milliseconds;
    const auto shortest = std::min({options_.read_timeout, options_.write_timeout, options_.idle_timeout});
    const auto period = std::clamp(std::chrono::duration_cast<milliseconds>(shortest) / 8, milliseconds(10),
                                   milliseconds(1000));
    loop.sweep.expires_after(period);
    loop.sweep.async_wait([this, &loop](const beast::error_code& e) {
      if (e) return;
      const auto now = CoarseNow();
      beast::error_code ignored;
      for (Connection& c : loop.connections) {
        if (now < c.deadline) continue;
        c.timed_out = true;
        c.NoDeadline();
        c.socket->cancel(ignored);
      }
      Sweep(loop);
    });
  }

  // Runs on loop 0; hands connections to the loops in turn.
  awaitable<void> Accept() {
    for (size_t next = 0;; next = (next + 1) % loops_.size()) {
      Loop& loop = *loops_[next];
      beast::error_code ec;
      tcp::socket socket = co_await acceptor_.async_accept(loop.ioc, asio::redirect_error(use_awaitable, ec));
      if (ec) {
        if (stopping_) co_return;
        if (ec == asio::error::operation_aborted) co_return;
        core::log::Warn("accept failed: {}", ec.message());
        continue;
      }
      if (stopping_) co_return;
      asio::co_spawn(loop.ioc, Serve(loop, std::move(socket)), asio::detached);
    }
  }

  // Runs on loop 0.
  void BeginShutdown() {
    if (stopping_.exchange(true)) return;
    beast::error_code ec;
    acceptor_.close(ec);
    signals_.cancel(ec);
    for (auto& loop : loops_) asio::post(loop->ioc, [this, l = loop.get()] { ShutdownLoop(*l); });
  }

  // Runs on `loop`'s thread: ends its idle connections now and stops it once the busy
  // ones have finished, or after the grace.
  void ShutdownLoop(Loop& loop) {
    loop.work.reset();
    beast::error_code ec;
    for (auto& c : loop.connections) {
      if (!c.busy) c.socket->cancel(ec);  // idle keep-alive: wake its read, which ends it
    }
    if (loop.connections.empty()) {
      loop.ioc.stop();
      return;
    }
    loop.grace.expires_after(options_.shutdown_grace);
    loop.grace.async_wait([&loop](const beast::error_code& e) {
      if (!e) {
        core::log::Warn("{} connections still busy after the shutdown grace; closing them",
                        loop.connections.size());
        loop.ioc.stop();
      }
    });
  }

  awaitable<void> Serve(Loop& loop, tcp::socket socket) {
    loop.connections.push_back(Connection{});
    auto self = std::prev(loop.connections.end());
    tcp::socket& stream = socket;
    self->socket = &stream;
    beast::error_code ignored;
    stream.set_option(tcp::no_delay(true), ignored);
    stream.non_blocking(true, ignored);  // for Send's direct write; async operations ignore it
    std::string remote;
    if (auto ep = stream.remote_endpoint(ignored); !ignored) remote = ep.address().to_string();

    co_await ServeRequests(loop, *self, remote);
    // Lingering close: after our last response, read and drop what the client still
    // sends (say, the rest of a refused upload) for a moment. Closing with unread
    // input would send a reset, which can destroy the response before it is read.
    beast::error_code ec;
    stream.shutdown(tcp::socket::shutdown_send, ec);
    if (!stopping_) {
      self->Expire(std::chrono::seconds(2));
      char sink[16384];
      for (size_t drained = 0; !ec && drained < (16u << 20);) {
        drained += co_await stream.async_read_some(asio::buffer(sink), asio::redirect_error(use_awaitable, ec));
      }
    }
    stream.close(ec);
    loop.connections.erase(self);
    if (stopping_ && loop.connections.empty()) {
      loop.grace.cancel();
      loop.ioc.stop();
    }
  }

  // A batch route's inline request waits one turn of the loop (ServeRequests posts itself
  // after Gather), in which the loop's other ready connections read their requests and
  // gather too; the first of them to resume dispatches them all in one call
  // (DispatchGathered). Nobody waits for requests that have not arrived, and no other
  // thread is involved. Plain functions rather than a coroutine: a coroutine's frame is
  // an allocation per request.
  static void Gather(Loop& loop, Gathered& me) { loop.gathered.push_back(&me); }
  void DispatchGathered(Loop& loop, Gathered& me) {
    if (me.done) return;
    std::vector<Gathered*> batch;
    batch.swap(loop.gathered);
    std::vector<Request*> requests;
    requests.reserve(batch.size());
    for (Gathered* g : batch) requests.push_back(g->request);
    std::vector<Response> responses = router_.DispatchBatch(requests);
    for (size_t i = 0; i < batch.size(); ++i) {
      batch[i]->response = std::move(responses[i]);
      batch[i]->done = true;
    }
  }

  // A response on its way out: Send writes what the socket takes now, SendRest the rest.
  struct Outgoing {
    std::string head;
    size_t sent = 0;  // bytes of head and body written
    bool failed = false;
    bool keep_alive = false;
  };
  // Formats the header and writes the response directly (the socket is non-blocking),
  // as far as the socket's send buffer takes it, which for a small response is usually
  // all of it. The header is formatted here rather than by Beast's serializer, which
  // cost about a tenth of the server's CPU on one-row invocations (walking its buffer
  // sequences); the bytes are the same. A plain function: a coroutine's frame is an
  // allocation per call, and only what is left needs the event loop.
  Outgoing Send(const Connection& conn, const Request& req, const Response& resp, unsigned version,
                bool keep_alive) const {
    Outgoing out;
    out.keep_alive = keep_alive && !stopping_;
    out.head = ResponseHead(resp, req.request_id, version, out.keep_alive);
    const std::array<asio::const_buffer, 2> buffers = {asio::buffer(out.head), asio::buffer(resp.body)};
    beast::error_code ec;
    out.sent = conn.socket->write_some(buffers, ec);
    out.failed = ec && ec != asio::error::would_block && ec != asio::error::try_again;
    return out;
  }
  // Writes the rest of a response Send began; false if it could not be written.
  awaitable<bool> SendRest(Connection& conn, const Outgoing& out, const Response& resp) {
    if (out.failed) co_return false;
    const std::array<asio::const_buffer, 2> buffers = {asio::buffer(out.head), asio::buffer(resp.body)};
    beast::buffers_suffix<std::array<asio::const_buffer, 2>> rest(buffers);
    rest.consume(out.sent);
    beast::error_code ec;
    conn.Expire(options_.write_timeout);
    co_await asio::async_write(*conn.socket, rest, asio::redirect_error(use_awaitable, ec));
    conn.NoDeadline();
    co_return !ec;
  }
  static bool Sent(const Outgoing& out, const Response& resp) {
    return !out.failed && out.sent == out.head.size() + resp.body.size();
  }

  // Reads, handles and answers the connection's requests until it is to close. One
  // coroutine for all of them, not one per request: a coroutine's frame (several KB
  // here, too large for Asio's recycling of frames) is an allocation per call.
  awaitable<void> ServeRequests(Loop& loop, Connection& conn, const std::string& remote) {
    tcp::socket& stream = *conn.socket;
    beast::flat_buffer buffer;
    for (;;) {
      conn.busy = false;
      if (stopping_) co_return;
      // Wait for the first byte of a request under the idle timeout...
      if (buffer.size() == 0) {
        beast::error_code ec;
        conn.Expire(options_.idle_timeout);
        size_t n = co_await stream.async_read_some(buffer.prepare(8192), asio::redirect_error(use_awaitable, ec));
        if (ec) co_return;  // closed, idle timeout, or shutdown
        buffer.commit(n);
      }
      // ...then for the whole request under the read timeout.
      conn.busy = true;
      conn.Expire(options_.read_timeout);
      auto timed_out = [&](const beast::error_code& e) { return conn.timed_out && e == asio::error::operation_aborted; };
      auto started = std::chrono::steady_clock::now();
      Request req;
      req.remote = remote;
      req.request_id = core::NewId();
      int status_code = 0;
      uint64_t bytes = 0;
      bool keep_alive = false;
      // Counted in flight from the moment a request is known to exist (its header read,
      // or a partial one answered with an error) until its response is sent.
      const RouteOptions* route = nullptr;  // known once the header is in
      auto finish = [&] {
        double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        if (req.route.empty()) req.route = "unmatched";
        metrics_.RequestFinished(req.method.empty() ? "-" : req.method, req.route, status_code, secs);
        const bool quiet = route && route->debug_access_log && status_code < 400;
        if (!core::log::Enabled(quiet ? core::log::Level::kDebug : core::log::Level::kInfo)) return;
        core::log::LogContext ctx("request_id", req.request_id);
        core::log::Write(quiet ? core::log::Level::kDebug : core::log::Level::kInfo,
                         fmt::format("{} {} {} {}B {:.1f}ms", req.method.empty() ? "-" : req.method,
                                     req.target.empty() ? "-" : req.target, status_code, bytes, secs * 1000));
      };

      http::request_parser<http::empty_body> header;
      header.header_limit(64 * 1024);
      // The route's body limit is applied once the route is known; Beast would otherwise
      // check Content-Length against its 1 MB default while reading the header.
      header.body_limit(std::numeric_limits<std::uint64_t>::max());
      beast::error_code ec;
      if (!ParseBuffered(header, buffer, [](const auto& p) { return p.is_header_done(); }, ec)) {
        co_await http::async_read_header(stream, buffer, header, asio::redirect_error(use_awaitable, ec));
      }
      unsigned version = 11;
      // Answers with an error and ends the connection; counted before the write, like
      // every response. `http_status` overrides the code's own (408 has no code).
      auto fail = [&](const Status& status, int http_status) -> awaitable<void> {
        Response r = Response::MakeError(status, req.request_id);
        if (http_status != 0) r.status = http_status;
        status_code = r.status;
        bytes = r.body.size();
        finish();
        if (Outgoing out = Send(conn, req, r, version, false); !Sent(out, r)) co_await SendRest(conn, out, r);
        co_return;
      };
      if (ec) {
        if (!timed_out(ec) && (ec == http::error::end_of_stream || ec == asio::error::eof ||
                               ec == asio::error::connection_reset || ec == asio::error::operation_aborted)) {
          co_return;  // the client left between requests: not a request
        }
        metrics_.RequestStarted();
        if (timed_out(ec)) co_return co_await fail(InvalidArgumentError("request not received in time"), 408);
        co_return co_await fail(InvalidArgumentError(fmt::format("malformed HTTP request: {}", ec.message())), 0);
      }
      metrics_.RequestStarted();

      auto& h = header.get();
      version = h.version();
      req.method = std::string(h.method_string());
      req.target = std::string(h.target());
      req.headers.reserve(static_cast<size_t>(std::distance(h.begin(), h.end())));
      for (const auto& field : h) req.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
      if (auto id = req.Header("X-Request-Id"); id && ValidRequestId(*id)) req.request_id = *id;
      keep_alive = h.keep_alive();
      if (!req.ParseTarget(req.target)) {
        co_return co_await fail(
            InvalidArgumentError(fmt::format("malformed request target '{}'", req.target.substr(0, 200))), 0);
      }

      // The route decides how its body is read.
      route = router_.Resolve(req);
      uint64_t limit = route && route->max_body_bytes ? route->max_body_bytes : options_.max_body_bytes;
      std::filesystem::path body_file;
      // A declared length is checked here; chunked bodies by the parser as they arrive.
      if (auto length = header.content_length(); length && *length > limit) {
        co_return co_await fail(PayloadTooLargeError(fmt::format(
                                    "request body of {} bytes is larger than the limit of {} bytes", *length, limit)),
                                0);
      }
      // A client that asked (curl does for bodies over 1 MB) waits for this before it
      // sends the body; the checks above are what it waited for.
      if (auto expect = req.Header("Expect"); expect && strcasecmp(expect->c_str(), "100-continue") == 0) {
        static constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
        co_await asio::async_write(stream, asio::buffer(kContinue, sizeof kContinue - 1),
                                   asio::redirect_error(use_awaitable, ec));
        if (ec) co_return;
      }
      if (route && route->body_to_file) {
        body_file = std::filesystem::path(options_.temp_dir) / (".upload-" + core::NewId());
        http::request_parser<http::file_body> parser(std::move(header));
        parser.body_limit(limit);
        parser.get().body().open(body_file.c_str(), beast::file_mode::write, ec);
        if (!ec) co_await http::async_read(stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
        req.body_file = body_file.string();
      } else {
        http::request_parser<http::string_body> parser(std::move(header));
        parser.body_limit(limit);
        if (!ParseBuffered(parser, buffer, [](const auto& p) { return p.is_done(); }, ec)) {
          co_await http::async_read(stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
        }
        if (!ec) req.body = std::move(parser.get().body());
      }
      if (ec) {
        std::error_code fec;
        if (!body_file.empty()) std::filesystem::remove(body_file, fec);
        if (ec == http::error::body_limit) {
          co_return co_await fail(PayloadTooLargeError(fmt::format("request body is larger than {} bytes", limit)), 0);
        }
        if (timed_out(ec)) co_return co_await fail(InvalidArgumentError("request body not received in time"), 408);
        co_return co_await fail(InvalidArgumentError(fmt::format("malformed HTTP request body: {}", ec.message())), 0);
      }

      conn.NoDeadline();  // the request is in: the handler has no deadline

      // The handler runs on the pool, where this coroutine waits without blocking the I/O
      // thread, unless the route asks for small requests to be handled right here.
      Response resp;
      if (route && route->batch && req.body.size() < route->inline_below_bytes) {
        Gathered me;
        me.request = &req;
        Gather(loop, me);
        co_await asio::post(loop.ioc, use_awaitable);
        DispatchGathered(loop, me);
        resp = std::move(me.response);
      } else if (route && !route->body_to_file && req.body.size() < route->inline_below_bytes) {
        core::log::LogContext ctx("request_id", req.request_id);
        resp = router_.Dispatch(req);
      } else {
        resp = co_await asio::co_spawn(
            handlers_.get_executor(),
            [this, &req]() -> awaitable<Response> {
              core::log::LogContext ctx("request_id", req.request_id);
              co_return router_.Dispatch(req);
            },
            use_awaitable);
      }
      if (!body_file.empty()) {
        std::error_code fec;
        std::filesystem::remove(body_file, fec);
      }
      status_code = resp.status;

      if (!resp.stream) {
        // Recorded before the write, so a client that has its response sees it counted.
        bytes = resp.body.size();
        finish();
        Outgoing out = Send(conn, req, resp, version, keep_alive);
        if (!Sent(out, resp) && !co_await SendRest(conn, out, resp)) co_return;
        if (!out.keep_alive) co_return;
        continue;
      }

      // Streamed body: headers now, chunks from the producer on a handler thread. A
      // streamed response's `body` is ignored (Response::stream).
      resp.body.clear();
      Outgoing out = Send(conn, req, resp, version, keep_alive);
      if (!Sent(out, resp) && !co_await SendRest(conn, out, resp)) {
        finish();
        co_return;
      }
      int fd = stream.native_handle();
      ChunkWriter writer(fd, std::chrono::duration_cast<std::chrono::milliseconds>(options_.write_timeout), stopping_);
      co_await asio::co_spawn(
          handlers_.get_executor(),
          [&]() -> awaitable<void> {
            core::log::LogContext ctx("request_id", req.request_id);
            try {
              resp.stream(writer);
            } catch (const std::exception& e) {
              core::log::Error("stream producer threw: {}", e.what());
            }
            writer.Finish();
            co_return;
          },
          use_awaitable);
      bytes = writer.bytes();
      finish();
      if (writer.failed() || !out.keep_alive || stopping_) co_return;
    }
  }

  ServerOptions options_;
  const Router& router_;
  Metrics& metrics_;
  std::vector<std::unique_ptr<Loop>> loops_;  // loop 0 also accepts and handles signals
  tcp::acceptor acceptor_;
  asio::signal_set signals_;
  asio::thread_pool handlers_;
  std::atomic<bool> stopping_{false};
  int port_ = 0;
};

HttpServer::HttpServer(ServerOptions options, const Router& router, Metrics& metrics)
    : impl_(std::make_unique<Impl>(std::move(options), router, metrics)) {}
HttpServer::~HttpServer() = default;
Status HttpServer::Start() { return impl_->Start(); }
int HttpServer::port() const { return impl_->port(); }
void HttpServer::Run() { impl_->Run(); }
void HttpServer::Stop() { impl_->Stop(); }

}  // namespace strata::api
