// The HTTP server in-process on a free port, driven by HttpClient and raw sockets.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "api/http_client.h"
#include "api/http_server.h"

namespace strata::api {
namespace {

int Connect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string ReadUntilClosed(int fd, int timeout_ms) {
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    char buf[4096];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

std::string Exchange(int port, const std::string& bytes, int timeout_ms = 3000) {
  int fd = Connect(port);
  if (fd < 0) return "";
  (void)::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  std::string out = ReadUntilClosed(fd, timeout_ms);
  ::close(fd);
  return out;
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("GET", "/hello", [](Request& r) {
      return Response::MakeJson(200, {{"hello", r.Query("name", "world")}, {"id", r.request_id}});
    });
    router_.Add("POST", "/echo", [](Request& r) { return Response::MakeText(200, r.body); });
    router_.Add("GET", "/big", [](Request& r) {
      const size_t bytes = std::stoul(r.Query("bytes", "0"));
      std::string body(bytes, 'b');
      for (size_t i = 0; i < bytes; i += 4096) body[i] = static_cast<char>('a' + i / 4096 % 26);
      return Response::MakeText(200, std::move(body));
    });
    router_.Add("GET", "/split", [](Request&) {
      Response r = Response::MakeText(200, "ok");
      r.SetHeader("X-Note", "one\r\nInjected: yes");
      return r;
    });
    router_.Add("POST", "/upload", [](Request& r) {
      std::error_code ec;
      auto size = std::filesystem::file_size(r.body_file, ec);
      return Response::MakeJson(200, {{"bytes", ec ? -1 : static_cast<int64_t>(size)}, {"in_memory", r.body.size()}});
    }, {8 << 20, true});
    router_.Add("GET", "/slow", [this](Request&) {
      slow_started_ = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(600));
      return Response::MakeText(200, "done");
    });
    router_.Add("GET", "/stream", [this](Request&) {
      Response r;
      r.content_type = "text/event-stream";
      r.stream = [this](StreamWriter& out) {
        for (int i = 0; i < 1000; ++i) {
          // Either way of noticing the client left counts: Cancelled() or a failed Write().
          if (out.Cancelled() || !out.Write("data: " + std::to_string(i) + "\n\n")) {
            stream_saw_disconnect_ = true;
            return;
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(i < 3 ? 1 : 20));
        }
      };
      return r;
    });
    router_.Add("GET", "/quiet", [this](Request&) {
      Response r;
      r.content_type = "text/plain";
      r.stream = [this](StreamWriter& out) {
        out.Write("started\n");
        for (int i = 0; i < 500 && !out.Cancelled(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        quiet_saw_cancel_ = out.Cancelled();
      };
      return r;
    });
    router_.Add("GET", "/short-stream", [](Request&) {
      Response r;
      r.content_type = "text/plain";
      r.stream = [](StreamWriter& out) {
        out.Write("one,");
        out.Write("two");
      };
      return r;
    });
    // Records the thread each request ran on: small bodies on the I/O thread (the one
    // running Run()), larger ones on the handler pool.
    RouteOptions inline_small;
    inline_small.inline_below_bytes = 16;
    router_.Add("POST", "/where", [this](Request&) {
      return Response::MakeText(200, std::this_thread::get_id() == thread_.get_id() ? "io" : "pool");
    }, inline_small);
    router_.Add("GET", "/where-pooled", [this](Request&) {
      return Response::MakeText(200, std::this_thread::get_id() == thread_.get_id() ? "io" : "pool");
    });
    ServerOptions options;
    options.port = 0;
    options.io_threads = 1;  // the thread running Run() is the I/O thread (/where)
    options.max_body_bytes = 1024;
    options.read_timeout = std::chrono::seconds(1);
    options.shutdown_grace = std::chrono::seconds(5);
    server_ = std::make_unique<HttpServer>(options, router_, metrics_);
    ASSERT_TRUE(server_->Start().ok());
    thread_ = std::thread([this] { server_->Run(); });
    url_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }
  void TearDown() override {
    server_->Stop();
    if (thread_.joinable()) thread_.join();
  }
  Response Get(const std::string& target) {
    auto client = HttpClient::Create(url_);
    Request r;
    r.method = "GET";
    r.target = target;
    auto resp = client->Send(r);
    EXPECT_TRUE(resp.ok()) << resp.status().ToString();
    return resp.ok() ? *resp : Response{};
  }

  Router router_;
  Metrics metrics_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  std::string url_;
  std::atomic<bool> slow_started_{false}, stream_saw_disconnect_{false}, quiet_saw_cancel_{false};
};

std::optional<std::string> HeaderOf(const Response& r, const std::string& name) {
  Request tmp;
  tmp.headers = r.headers;
  return tmp.Header(name);
}

TEST_F(ServerTest, ServesJsonWithRequestId) {
  Response r = Get("/hello?name=strata");
  EXPECT_EQ(r.status, 200);
  auto j = Json::parse(r.body);
  EXPECT_EQ(j["hello"], "strata");
  EXPECT_EQ(HeaderOf(r, "X-Request-Id").value_or(""), j["id"].get<std::string>());
  EXPECT_EQ(HeaderOf(r, "Server").value_or("").rfind("strata/", 0), 0u);
}

TEST_F(ServerTest, KeepAliveReusesOneConnection) {
  auto client = HttpClient::Create(url_);
  for (int i = 0; i < 5; ++i) {
    Request r;
    r.method = "POST";
    r.target = "/echo";
    r.body = "ping " + std::to_string(i);
    auto resp = client->Send(r);
    ASSERT_TRUE(resp.ok());
    EXPECT_EQ(resp->body, "ping " + std::to_string(i));
  }
  std::string two = Exchange(server_->port(),
                             "GET /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(std::count(two.begin(), two.end(), '{'), 2) << two;
}

TEST_F(ServerTest, RequestsArrivingInPiecesAndLargeResponsesReadSlowly) {
  // A request sent a few bytes at a time (header and body cut anywhere), then a
  // pipelined pair: each answered whole, on one connection.
  int fd = Connect(server_->port());
  ASSERT_GE(fd, 0);
  const std::string echo = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello there";
  for (size_t i = 0; i < echo.size(); i += 5) {
    ASSERT_GT(::send(fd, echo.data() + i, std::min<size_t>(5, echo.size() - i), MSG_NOSIGNAL), 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  const std::string pair = echo + "GET /big?bytes=10 HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(::send(fd, pair.data(), pair.size(), MSG_NOSIGNAL), static_cast<ssize_t>(pair.size()));
  // A response far larger than the socket's send buffer, read slowly: the server
  // writes what the socket takes and the rest as the client reads.
  const size_t big = 24u << 20;
  const std::string get_big = fmt::format("GET /big?bytes={} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", big);
  ASSERT_EQ(::send(fd, get_big.data(), get_big.size(), MSG_NOSIGNAL), static_cast<ssize_t>(get_big.size()));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::string got = ReadUntilClosed(fd, 20000);
  ::close(fd);
  size_t at = 0;
  std::vector<std::string> bodies;
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(got.compare(at, 17, "HTTP/1.1 200 OK\r\n"), 0) << "response " << i << " at " << at;
    const size_t length_at = got.find("Content-Length: ", at);
    const size_t end = got.find("\r\n\r\n", at);
    ASSERT_LT(length_at, end);
    const size_t length = std::stoul(got.substr(length_at + 16));
    bodies.push_back(got.substr(end + 4, length));
    at = end + 4 + length;
  }
  EXPECT_EQ(at, got.size());
  EXPECT_EQ(bodies[0], "hello there");
  EXPECT_EQ(bodies[1], "hello there");
  EXPECT_EQ(bodies[2], "abbbbbbbbb");
  ASSERT_EQ(bodies[3].size(), big);
  for (size_t i = 0; i < big; i += 4096) {
    ASSERT_EQ(bodies[3][i], static_cast<char>('a' + i / 4096 % 26)) << "at byte " << i;
  }
}

TEST_F(ServerTest, OversizeBodyIs413) {
  std::string body(5000, 'x');
  std::string reply = Exchange(server_->port(), "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + body);
  EXPECT_NE(reply.find("HTTP/1.1 413"), std::string::npos) << reply;
  EXPECT_NE(reply.find("PayloadTooLarge"), std::string::npos) << reply;
}

TEST_F(ServerTest, LargeUploadStreamsToFile) {
  auto client = HttpClient::Create(url_);
  Request r;
  r.method = "POST";
  r.target = "/upload";
  r.body = std::string(3 << 20, 'a');
  auto resp = client->Send(r);
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->status, 200) << resp->body;
  auto j = Json::parse(resp->body);
  EXPECT_EQ(j["bytes"], 3 << 20);
  EXPECT_EQ(j["in_memory"], 0);
}

TEST_F(ServerTest, MalformedRequestsGet400AndServerSurvives) {
  for (const std::string& bad : {std::string("GARBAGE\r\n\r\n"), std::string("GET /x HTTP/1.1\r\nNo colon here\r\n\r\n"),
                                 std::string("GET nopath HTTP/1.1\r\nHost: x\r\n\r\n"),
                                 std::string("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")}) {
    std::string reply = Exchange(server_->port(), bad);
    EXPECT_NE(reply.find("HTTP/1.1 400"), std::string::npos) << "for: " << bad << "\ngot: " << reply;
  }
  EXPECT_EQ(Get("/hello").status, 200);
}

TEST_F(ServerTest, ResponseHeadersFollowTheVersionAndCannotBeSplit) {
  // HTTP/1.0 without keep-alive: answered in 1.0, then closed (Exchange reads to EOF).
  std::string reply = Exchange(server_->port(), "GET /hello HTTP/1.0\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << reply;
  EXPECT_NE(reply.find("\r\nContent-Type: application/json\r\n"), std::string::npos) << reply;
  EXPECT_NE(reply.find("\r\nServer: strata/"), std::string::npos) << reply;
  EXPECT_NE(reply.find("\r\nX-Request-Id: "), std::string::npos) << reply;
  EXPECT_EQ(reply.find("Connection:"), std::string::npos) << reply;
  const size_t body = reply.find("\r\n\r\n");
  ASSERT_NE(body, std::string::npos);
  EXPECT_NE(reply.find(fmt::format("Content-Length: {}\r\n", reply.size() - body - 4)), std::string::npos) << reply;
  // HTTP/1.1 asking to close: told so.
  reply = Exchange(server_->port(), "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(reply.find("\r\nConnection: close\r\n"), std::string::npos) << reply;
  // HTTP/1.0 keep-alive: said explicitly, and the connection serves a second request.
  int fd = Connect(server_->port());
  ASSERT_GE(fd, 0);
  const std::string ka = "GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(::send(fd, ka.data(), ka.size(), MSG_NOSIGNAL), static_cast<ssize_t>(ka.size()));
    std::string got;
    while (got.find("}") == std::string::npos) {
      char buf[4096];
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      ASSERT_GT(n, 0) << "request " << i << ": " << got;
      got.append(buf, static_cast<size_t>(n));
    }
    EXPECT_NE(got.find("\r\nConnection: keep-alive\r\n"), std::string::npos) << got;
  }
  ::close(fd);
  // A handler's field with a line break stays one field.
  auto r = Get("/split");
  EXPECT_EQ(HeaderOf(r, "X-Note").value_or(""), "one  Injected: yes");
  EXPECT_FALSE(HeaderOf(r, "Injected").has_value());
}

TEST_F(ServerTest, SlowClientHitsReadTimeout) {
  int fd = Connect(server_->port());
  ASSERT_GE(fd, 0);
  std::string partial = "GET /hello HTTP/1.1\r\nHost: x\r\n";  // never finished
  ::send(fd, partial.data(), partial.size(), MSG_NOSIGNAL);
  std::string reply = ReadUntilClosed(fd, 5000);
  ::close(fd);
  EXPECT_NE(reply.find("HTTP/1.1 408"), std::string::npos) << reply;
  EXPECT_EQ(Get("/hello").status, 200);
}

TEST_F(ServerTest, ChunkedStreamArrivesInPieces) {
  auto client = HttpClient::Create(url_);
  Request r;
  r.method = "GET";
  r.target = "/short-stream";
  std::vector<std::string> chunks;
  auto resp = client->Send(r, [&](std::string_view c) {
    chunks.emplace_back(c);
    return true;
  });
  ASSERT_TRUE(resp.ok());
  std::string all;
  for (auto& c : chunks) all += c;
  EXPECT_EQ(all, "one,two");
  // The connection is still usable after a stream.
  r.target = "/hello";
  auto again = client->Send(r);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->status, 200);
}

TEST_F(ServerTest, ClientLeavingStopsTheProducer) {
  auto client = HttpClient::Create(url_);
  Request r;
  r.method = "GET";
  r.target = "/stream";
  int seen = 0;
  auto resp = client->Send(r, [&](std::string_view c) {
    EXPECT_EQ(c.substr(0, 6), "data: ");
    return ++seen < 3;  // stop after three events
  });
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(HeaderOf(*resp, "Content-Type").value_or(""), "text/event-stream");
  for (int i = 0; i < 100 && !stream_saw_disconnect_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(stream_saw_disconnect_);
}

TEST_F(ServerTest, QuietProducerSeesTheClientLeave) {
  int fd = Connect(server_->port());
  ASSERT_GE(fd, 0);
  std::string req = "GET /quiet HTTP/1.1\r\nHost: x\r\n\r\n";
  ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  pollfd p{fd, POLLIN, 0};
  ASSERT_GT(::poll(&p, 1, 3000), 0);
  char buf[512];
  ASSERT_GT(::recv(fd, buf, sizeof buf, 0), 0);  // headers and the first chunk
  ::close(fd);  // leave without a word while the producer has nothing to write
  for (int i = 0; i < 200 && !quiet_saw_cancel_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(quiet_saw_cancel_);
}

TEST_F(ServerTest, StopLetsInFlightRequestFinish) {
  std::thread slow([&] {
    Response r = Get("/slow");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "done");
  });
  for (int i = 0; i < 200 && !slow_started_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(slow_started_);
  server_->Stop();
  slow.join();
  thread_.join();  // Run() returned
  EXPECT_LT(Connect(server_->port()), 0);  // no longer accepting
}

TEST_F(ServerTest, MetricsSeeEveryRequest) {
  Get("/hello");
  Get("/nowhere");
  std::string text = metrics_.RenderPrometheus();
  EXPECT_NE(text.find("route=\"/hello\",status=\"200\""), std::string::npos) << text;
  EXPECT_NE(text.find("route=\"unmatched\",status=\"404\""), std::string::npos) << text;
}

TEST(HttpClientTest, BadUrlsAndRefusedConnections) {
  EXPECT_EQ(HttpClient::Create("ftp://x").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(HttpClient::Create("http://").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(HttpClient::Create("http://h:99999x").status().code(), ErrorCode::kInvalidArgument);
  auto client = HttpClient::Create("http://127.0.0.1:1");
  ASSERT_TRUE(client.ok());
  Request r;
  r.method = "GET";
  r.target = "/";
  auto resp = client->Send(r);
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(resp.status().message().find("cannot connect to http://127.0.0.1:1"), std::string::npos);
}

}  // namespace
}  // namespace strata::api

namespace strata::api {
namespace {

TEST_F(ServerTest, ExpectContinueGetsA100BeforeTheBody) {
  int fd = Connect(server_->port());
  ASSERT_GE(fd, 0);
  std::string head = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n";
  ::send(fd, head.data(), head.size(), MSG_NOSIGNAL);
  std::string interim;
  pollfd p{fd, POLLIN, 0};
  ASSERT_GT(::poll(&p, 1, 3000), 0) << "no 100 Continue";
  char buf[256];
  ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  interim.assign(buf, n > 0 ? static_cast<size_t>(n) : 0);
  EXPECT_EQ(interim.rfind("HTTP/1.1 100 Continue", 0), 0u) << interim;
  ::send(fd, "hello", 5, MSG_NOSIGNAL);
  ::shutdown(fd, SHUT_WR);
  std::string reply = ReadUntilClosed(fd, 3000);
  ::close(fd);
  EXPECT_NE(reply.find("HTTP/1.1 200"), std::string::npos) << reply;
  EXPECT_NE(reply.find("hello"), std::string::npos) << reply;
}

TEST_F(ServerTest, SmallBodiesOfInlineRoutesRunOnTheIoThread) {
  auto client = HttpClient::Create(url_);
  auto post = [&](const std::string& body) {
    Request r;
    r.method = "POST";
    r.target = "/where";
    r.body = body;
    auto resp = client->Send(r);
    EXPECT_TRUE(resp.ok());
    return resp.ok() ? resp->body : "";
  };
  EXPECT_EQ(post("small"), "io");
  EXPECT_EQ(post(std::string(16, 'x')), "pool");
  EXPECT_EQ(post(""), "io");
  EXPECT_EQ(Get("/where-pooled").body, "pool");
}

// A server of its own on a free port, run on a thread; stopped (and the thread joined)
// by Stop() or, after a failed assertion, by the destructor.
class RunningServer {
 public:
  RunningServer(const Router& router, ServerOptions options)
      : server_(WithFreePort(std::move(options)), router, metrics_) {
    started_ = server_.Start().ok();
    if (started_) thread_ = std::thread([this] { server_.Run(); });
  }
  ~RunningServer() { Stop(); }
  bool started() const { return started_; }
  int port() const { return server_.port(); }
  Metrics& metrics() { return metrics_; }
  void Stop() {
    if (!thread_.joinable()) return;
    server_.Stop();
    thread_.join();
  }

 private:
  static ServerOptions WithFreePort(ServerOptions options) {
    options.port = 0;
    return options;
  }
  Metrics metrics_;
  HttpServer server_;
  bool started_ = false;
  std::thread thread_;
};

// A batch route's small requests that an I/O thread finds ready together go to its
// handler in one call. Made deterministic by holding the only I/O thread in an inline
// handler while the requests arrive: once it is free, all of them are ready at once.
TEST(ServerBatchTest, RequestsReadyTogetherReachTheHandlerTogether) {
  Router router;
  RouteOptions inline_small;
  inline_small.inline_below_bytes = 1024;
  std::atomic<bool> holding{false}, release{false};
  router.Add("POST", "/hold", [&](Request&) {
    holding = true;
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return Response::MakeText(200, "held");
  }, inline_small);
  std::vector<size_t> calls;  // touched only by the I/O thread until the server stops
  router.AddBatch("POST", "/echo", [&](const std::vector<Request*>& requests) {
    calls.push_back(requests.size());
    std::vector<Response> out;
    for (Request* r : requests) out.push_back(Response::MakeText(200, r->body));
    return out;
  }, inline_small);
  ServerOptions options;
  options.io_threads = 1;
  RunningServer server(router, options);
  ASSERT_TRUE(server.started());
  const int port = server.port();
  auto request = [](const std::string& target, const std::string& body) {
    return "POST " + target + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + body;
  };
  // Keep-alive connections, each accepted and served once before the test proper.
  constexpr int kClients = 4;
  std::vector<int> fds;
  for (int c = 0; c < kClients; ++c) {
    int fd = Connect(port);
    ASSERT_GE(fd, 0);
    std::string warm = request("/echo", "warm");
    ASSERT_EQ(::send(fd, warm.data(), warm.size(), MSG_NOSIGNAL), static_cast<ssize_t>(warm.size()));
    char buf[4096];
    ASSERT_GT(::recv(fd, buf, sizeof buf, 0), 0);
    fds.push_back(fd);
  }
  int holder = Connect(port);
  ASSERT_GE(holder, 0);
  std::string hold = request("/hold", "");
  ASSERT_GT(::send(holder, hold.data(), hold.size(), MSG_NOSIGNAL), 0);
  while (!holding) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  for (int c = 0; c < kClients; ++c) {
    std::string body = "client " + std::to_string(c);
    std::string bytes = request("/echo", body);
    ASSERT_EQ(::send(fds[c], bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
  }
  release = true;
  for (int c = 0; c < kClients; ++c) {
    std::string reply;
    while (reply.find("client " + std::to_string(c)) == std::string::npos) {
      char buf[4096];
      ssize_t n = ::recv(fds[c], buf, sizeof buf, 0);
      ASSERT_GT(n, 0) << reply;
      reply.append(buf, static_cast<size_t>(n));
    }
    EXPECT_NE(reply.find("HTTP/1.1 200"), std::string::npos) << reply;
    ::close(fds[c]);
  }
  ::close(holder);
  server.Stop();
  // Four warm-ups one at a time, then the four that were waiting, in one call.
  EXPECT_EQ(calls, (std::vector<size_t>{1, 1, 1, 1, 4}));
}

TEST(ServerTimeoutTest, AnIdleKeepAliveConnectionIsClosed) {
  Router router;
  router.Add("GET", "/hi", [](Request&) { return Response::MakeText(200, "hi"); });
  ServerOptions options;
  options.idle_timeout = std::chrono::seconds(1);
  RunningServer server(router, options);
  ASSERT_TRUE(server.started());
  int fd = Connect(server.port());
  ASSERT_GE(fd, 0);
  const std::string get = "GET /hi HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(::send(fd, get.data(), get.size(), MSG_NOSIGNAL), static_cast<ssize_t>(get.size()));
  // The answer, then the server's close once the connection has idled past its timeout
  // (ReadUntilClosed stops at the close; 10 s is only a bound for a broken server).
  std::string reply = ReadUntilClosed(fd, 10000);
  EXPECT_NE(reply.find("HTTP/1.1 200"), std::string::npos) << reply;
  char byte;
  EXPECT_EQ(::recv(fd, &byte, 1, MSG_DONTWAIT), 0) << "the server did not close the connection";
  ::close(fd);
}

TEST(ServerLoopsTest, SeveralIoThreadsServeAndShutDown) {
  Router router;
  router.Add("POST", "/echo", [](Request& r) { return Response::MakeText(200, r.body); },
             [] { RouteOptions o; o.inline_below_bytes = 1024; return o; }());
  ServerOptions options;
  options.io_threads = 3;
  RunningServer server(router, options);
  ASSERT_TRUE(server.started());
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port());
  // Connections are dealt to the loops in turn: six keep-alive clients cover all three.
  std::vector<HttpClient> clients;
  for (int c = 0; c < 6; ++c) {
    auto client = HttpClient::Create(url);
    ASSERT_TRUE(client.ok());
    clients.push_back(std::move(*client));
  }
  for (int round = 0; round < 3; ++round) {
    for (size_t c = 0; c < clients.size(); ++c) {
      Request r;
      r.method = "POST";
      r.target = "/echo";
      r.body = "client " + std::to_string(c) + " round " + std::to_string(round);
      auto resp = clients[c].Send(r);
      ASSERT_TRUE(resp.ok()) << resp.status().ToString();
      EXPECT_EQ(resp->body, r.body);
    }
  }
  // Idle keep-alive connections on every loop must not hold the shutdown up.
  server.Stop();
  EXPECT_NE(server.metrics().RenderPrometheus().find("strata_http_requests_total{method=\"POST\",route=\"/echo\",status=\"200\"} 18"),
            std::string::npos);
}

}  // namespace
}  // namespace strata::api
