// The real server over HTTP: service endpoints, the error contract, bad input of every
// kind, metrics.
#include <signal.h>

#include <gtest/gtest.h>

#include "harness.h"

namespace strata::e2e {
namespace {

class ServerE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    server_ = new ServerProcess();
    server_->Start(dir_->str() + "/data", {}, {"STRATA_MAX_BODY_BYTES=4096"});
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }
  static std::string url() { return server_->url(); }
  static TempDir* dir_;
  static ServerProcess* server_;
};
TempDir* ServerE2E::dir_ = nullptr;
ServerProcess* ServerE2E::server_ = nullptr;

void ExpectError(const api::Response& r, int status, const std::string& code, const std::string& fragment) {
  EXPECT_EQ(r.status, status) << r.body;
  auto j = core::ParseJson(r.body, "error body");
  ASSERT_TRUE(j.ok()) << r.body;
  ASSERT_TRUE((*j)["error"].is_object()) << r.body;
  EXPECT_EQ((*j)["error"]["code"], code) << r.body;
  EXPECT_NE((*j)["error"]["message"].get<std::string>().find(fragment), std::string::npos) << r.body;
  EXPECT_TRUE((*j)["error"]["request_id"].is_string()) << r.body;
  EXPECT_TRUE(HeaderOf(r, "X-Request-Id").has_value()) << "missing X-Request-Id";
}

TEST_F(ServerE2E, HealthReportsVersion) {
  api::Response r = Http(url(), "GET", "/health");
  EXPECT_EQ(r.status, 200);
  auto j = core::ParseJson(r.body, "health");
  ASSERT_TRUE(j.ok());
  EXPECT_EQ((*j)["status"], "ok");
  EXPECT_EQ((*j)["version"], std::string(core::Version()));
  ASSERT_TRUE(HeaderOf(r, "X-Request-Id").has_value());
  EXPECT_FALSE(HeaderOf(r, "X-Request-Id")->empty());
}

TEST_F(ServerE2E, IncomingRequestIdIsEchoed) {
  api::Response r = Http(url(), "GET", "/health", "", {{"X-Request-Id", "trace-abc.123"}});
  EXPECT_EQ(HeaderOf(r, "X-Request-Id").value_or(""), "trace-abc.123");
}

TEST_F(ServerE2E, UnknownRouteAndWrongMethod) {
  ExpectError(Http(url(), "GET", "/api/v1/nothing-here"), 404, "NotFound", "/api/v1/nothing-here");
  api::Response r = Http(url(), "DELETE", "/health");
  EXPECT_EQ(r.status, 405);
  EXPECT_TRUE(HeaderOf(r, "Allow").has_value());
}

TEST_F(ServerE2E, InvalidJsonNamesLineAndColumn) {
  ExpectError(Http(url(), "POST", "/api/v1/jobs", "{\"type\": \"echo\",\n \"params\": {]}"), 400,
              "InvalidArgument", "line 2, column");
}

TEST_F(ServerE2E, WrongTypesAndUnknownValuesAreNamed) {
  ExpectError(Http(url(), "POST", "/api/v1/jobs", R"({"type": 5})"), 400, "InvalidArgument",
              "field 'type' must be a string, got integer");
  ExpectError(Http(url(), "POST", "/api/v1/jobs", R"([1, 2])"), 400, "InvalidArgument",
              "must be a JSON object");
  ExpectError(Http(url(), "POST", "/api/v1/jobs", R"({"type": "nope"})"), 400, "InvalidArgument",
              "unknown job type 'nope'");
  ExpectError(Http(url(), "POST", "/api/v1/jobs", R"({"type": "sleep", "params": {"seconds": -1}})"),
              400, "InvalidArgument", "seconds must be in [0, 86400], got -1");
  ExpectError(Http(url(), "POST", "/api/v1/jobs", R"({"type": "sleep", "name": "../x"})"), 400,
              "InvalidArgument", "job name '../x' is not valid");
  ExpectError(Http(url(), "GET", "/api/v1/jobs?limit=abc"), 400, "InvalidArgument", "'limit'");
  ExpectError(Http(url(), "GET", "/api/v1/jobs?limit=0"), 400, "InvalidArgument", "[1, 1000]");
  ExpectError(Http(url(), "GET", "/api/v1/jobs?status=Sleeping"), 400, "InvalidArgument", "'status'");
  ExpectError(Http(url(), "GET", "/api/v1/jobs/does-not-exist"), 404, "NotFound", "does-not-exist");
}

TEST_F(ServerE2E, OversizeBodyIs413) {
  std::string big = "{\"type\": \"echo\", \"params\": {\"message\": \"" + std::string(10000, 'x') + "\"}}";
  ExpectError(Http(url(), "POST", "/api/v1/jobs", big), 413, "PayloadTooLarge", "");
  EXPECT_EQ(Http(url(), "GET", "/health").status, 200);  // still serving
}

TEST_F(ServerE2E, MalformedHttpGets400AndServerSurvives) {
  for (const std::string& garbage :
       {std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11), std::string("HELLO\r\n\r\n"),
        std::string("GET / HTTP/1.1\r\nBad Header Line\r\n\r\n"),
        std::string("POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")}) {
    std::string reply = RawExchange(server_->port(), garbage);
    if (!reply.empty()) {
      EXPECT_NE(reply.find("400"), std::string::npos) << reply;
    }
  }
  EXPECT_EQ(Http(url(), "GET", "/health").status, 200);
}

TEST_F(ServerE2E, KeepAliveServesSeveralRequestsOnOneConnection) {
  std::string two = "GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  std::string reply = RawExchange(server_->port(), two);
  size_t first = reply.find("HTTP/1.1 200");
  ASSERT_NE(first, std::string::npos) << reply;
  EXPECT_NE(reply.find("HTTP/1.1 200", first + 1), std::string::npos) << reply;
}

TEST_F(ServerE2E, MetricsCountRequestsByRouteAndStatus) {
  Http(url(), "GET", "/health");
  Http(url(), "GET", "/api/v1/jobs/nope");
  api::Response r = Http(url(), "GET", "/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.content_type.find("text/plain"), std::string::npos);
  for (const char* series :
       {"strata_http_requests_total{", "route=\"/health\"", "status=\"200\"", "route=\"/api/v1/jobs/{id}\"",
        "status=\"404\"", "strata_http_request_duration_seconds_bucket", "strata_http_requests_in_flight",
        "strata_process_resident_memory_bytes", "strata_jobs_running"}) {
    EXPECT_NE(r.body.find(series), std::string::npos) << "missing " << series << " in\n" << r.body;
  }
}

}  // namespace
}  // namespace strata::e2e

namespace strata::e2e {
namespace {

TEST(LoggingE2E, JsonLinesCarryTheRequestId) {
  TempDir dir;
  ServerProcess server;
  server.Start(dir.str() + "/data", {"--log-format", "json"});
  api::Response r = Http(server.url(), "GET", "/api/v1/jobs/missing", "", {{"X-Request-Id", "find-me-42"}});
  EXPECT_EQ(r.status, 404);
  server.Signal(SIGTERM);
  std::string log = server.Log();
  bool found = false;
  size_t start = 0;
  while (start < log.size()) {
    size_t end = log.find('\n', start);
    if (end == std::string::npos) end = log.size();
    std::string line = log.substr(start, end - start);
    start = end + 1;
    if (line.empty()) continue;
    auto j = core::ParseJson(line, "log line");
    ASSERT_TRUE(j.ok()) << "not a JSON line: " << line;
    EXPECT_TRUE((*j)["ts"].is_string());
    EXPECT_TRUE((*j)["level"].is_string());
    if (j->value("request_id", "") == "find-me-42" &&
        j->value("msg", "").find("GET /api/v1/jobs/missing 404") != std::string::npos) {
      found = true;
    }
  }
  EXPECT_TRUE(found) << "no access-log line with the request id in:\n" << log;
}

}  // namespace
}  // namespace strata::e2e
