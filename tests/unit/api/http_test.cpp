#include "api/http.h"

#include <memory>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "api/metrics.h"

namespace strata::api {
namespace {

TEST(RequestTest, ParseTargetDecodesPathAndQuery) {
  Request r;
  ASSERT_TRUE(r.ParseTarget("/api/v1/jobs/a%20b?limit=5&q=x+y%26z&flag"));
  EXPECT_EQ(r.path, "/api/v1/jobs/a b");
  EXPECT_EQ(r.query["limit"], "5");
  EXPECT_EQ(r.query["q"], "x y&z");
  EXPECT_EQ(r.query["flag"], "");
  EXPECT_EQ(r.Query("missing", "d"), "d");
  EXPECT_FALSE(r.ParseTarget("no-slash"));
  EXPECT_FALSE(r.ParseTarget("/bad%zz"));
  EXPECT_FALSE(r.ParseTarget("/trunc%4"));
  EXPECT_FALSE(r.ParseTarget("/nul%00x"));
  EXPECT_FALSE(r.ParseTarget("/x?k=%"));
}

TEST(RequestTest, HeadersAreCaseInsensitive) {
  Request r;
  r.headers = {{"Content-Type", "application/json"}};
  EXPECT_EQ(r.Header("content-type").value_or(""), "application/json");
  EXPECT_FALSE(r.Header("accept").has_value());
}

TEST(ResponseTest, ErrorBodyFollowsTheContract) {
  Response r = Response::MakeError(NotFoundError("job 'x' does not exist"), "req-1");
  EXPECT_EQ(r.status, 404);
  auto j = core::ParseJson(r.body, "body");
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(*j, Json::parse(R"({"error": {"code": "NotFound", "message": "job 'x' does not exist",
                                           "request_id": "req-1"}})"));
  EXPECT_EQ(Response::MakeError(ThrottledError("slow down"), "r").status, 429);
}

// The options Router::Resolve finds for (method, target), or null.
const RouteOptions* OptionsFor(const Router& router, std::string method, std::string_view target) {
  Request r;
  r.method = std::move(method);
  EXPECT_TRUE(r.ParseTarget(target));
  return router.Resolve(r);
}

Router TestRouter() {
  Router router;
  router.Add("GET", "/items/{id}", [](Request& r) { return Response::MakeJson(200, {{"id", r.path_params["id"]}}); });
  router.Add("POST", "/items", [](Request&) { return Response::MakeJson(201, {}); }, {10, true});
  router.Add("GET", "/boom", [](Request&) -> Response { throw std::runtime_error("kaboom"); });
  return router;
}

TEST(RouterTest, MatchesParamsAndRecordsRoute) {
  Router router = TestRouter();
  Request r;
  r.method = "GET";
  ASSERT_TRUE(r.ParseTarget("/items/42"));
  Response resp = router.Dispatch(r);
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.body, R"({"id":"42"})");
  EXPECT_EQ(r.route, "/items/{id}");
  ASSERT_NE(OptionsFor(router, "POST", "/items"), nullptr);
  EXPECT_TRUE(OptionsFor(router, "POST", "/items")->body_to_file);
  EXPECT_EQ(OptionsFor(router, "GET", "/nope"), nullptr);

  // Resolve keeps the match for Dispatch, which does not look again.
  Request resolved;
  resolved.method = "GET";
  ASSERT_TRUE(resolved.ParseTarget("/items/7"));
  const RouteOptions* options = router.Resolve(resolved);
  ASSERT_NE(options, nullptr);
  EXPECT_FALSE(options->body_to_file);
  EXPECT_EQ(resolved.route, "/items/{id}");
  EXPECT_EQ(resolved.path_params["id"], "7");
  resolved.path_params["id"] = "changed";
  EXPECT_EQ(router.Dispatch(resolved).body, R"({"id":"changed"})");
  Request unknown;
  unknown.method = "DELETE";
  ASSERT_TRUE(unknown.ParseTarget("/items/7"));
  EXPECT_EQ(router.Resolve(unknown), nullptr);
  EXPECT_EQ(router.Dispatch(unknown).status, 405);
}

TEST(RouterTest, NotFoundMethodNotAllowedAndExceptionGuard) {
  Router router = TestRouter();
  Request missing;
  missing.method = "GET";
  ASSERT_TRUE(missing.ParseTarget("/items"));
  Response m = router.Dispatch(missing);
  EXPECT_EQ(m.status, 405);
  ASSERT_FALSE(m.headers.empty());
  EXPECT_EQ(m.headers[0].first, "Allow");
  EXPECT_EQ(m.headers[0].second, "POST");

  Request none;
  none.method = "GET";
  ASSERT_TRUE(none.ParseTarget("/items/1/extra"));
  Response n = router.Dispatch(none);
  EXPECT_EQ(n.status, 404);
  EXPECT_EQ(none.route, "unmatched");

  for (const char* target : {"/items/", "/items//", "/", "/boom/", "/items/1/"}) {
    Request r;
    r.method = "GET";
    ASSERT_TRUE(r.ParseTarget(target));
    EXPECT_EQ(router.Dispatch(r).status, 404) << target;
    EXPECT_TRUE(r.path_params.empty()) << target;
  }

  Request boom;
  boom.method = "GET";
  boom.request_id = "rid";
  ASSERT_TRUE(boom.ParseTarget("/boom"));
  Response b = router.Dispatch(boom);
  EXPECT_EQ(b.status, 500);
  EXPECT_NE(b.body.find("\"Internal\""), std::string::npos);
  EXPECT_EQ(b.body.find("kaboom"), std::string::npos) << "internal details must not leak";
}

TEST(RouterTest, BatchRoutesTakeTheirRequestsInOneCall) {
  Router router = TestRouter();
  std::vector<size_t> calls;  // the size of each call of the batch handler
  router.AddBatch("POST", "/sum/{n}", [&calls](const std::vector<Request*>& requests) {
    calls.push_back(requests.size());
    std::vector<Response> out;
    for (Request* r : requests) out.push_back(Response::MakeText(200, r->path_params["n"] + r->body));
    return out;
  });
  router.AddBatch("POST", "/bad-batch", [](const std::vector<Request*>&) -> std::vector<Response> {
    throw std::runtime_error("kaboom");
  });
  auto make = [](std::string method, std::string target, std::string body = "") {
    auto r = std::make_unique<Request>();
    r->method = std::move(method);
    EXPECT_TRUE(r->ParseTarget(target));
    r->body = std::move(body);
    return r;
  };
  std::vector<std::unique_ptr<Request>> owned;
  owned.push_back(make("POST", "/sum/1", "a"));
  owned.push_back(make("GET", "/items/7"));
  owned.push_back(make("POST", "/sum/2", "b"));
  owned.push_back(make("GET", "/nowhere"));
  owned.push_back(make("POST", "/bad-batch"));
  owned.push_back(make("POST", "/sum/3", "c"));
  owned.push_back(make("POST", "/bad-batch"));
  std::vector<Request*> requests;
  for (auto& r : owned) requests.push_back(r.get());
  std::vector<Response> out = router.DispatchBatch(requests);
  ASSERT_EQ(out.size(), requests.size());
  EXPECT_EQ(out[0].body, "1a");
  EXPECT_EQ(out[1].body, R"({"id":"7"})");
  EXPECT_EQ(out[2].body, "2b");
  EXPECT_EQ(out[3].status, 404);
  EXPECT_EQ(out[4].status, 500);
  EXPECT_EQ(out[5].body, "3c");
  EXPECT_EQ(out[6].status, 500);
  EXPECT_EQ(calls, std::vector<size_t>{3});  // the three /sum requests, together
  EXPECT_EQ(owned[2]->route, "/sum/{n}");
  ASSERT_NE(OptionsFor(router, "POST", "/sum/4"), nullptr);
  EXPECT_TRUE(OptionsFor(router, "POST", "/sum/4")->batch);

  // Dispatch alone gives a batch route a call of one.
  auto single = make("POST", "/sum/9", "z");
  EXPECT_EQ(router.Dispatch(*single).body, "9z");
  EXPECT_EQ(calls, (std::vector<size_t>{3, 1}));
}

TEST(MetricsTest, RendersPrometheusText) {
  Metrics m;
  m.RequestStarted();
  m.RequestFinished("GET", "/health", 200, 0.002);
  m.IncrementCounter("strata_things_total", "Things", {{"kind", "a\"b"}}, 2);
  m.SetGauge("strata_level", "Level", {}, 1.5);
  m.AddGaugeCallback("strata_answer", "Answer", [] { return 42.0; });
  std::string text = m.RenderPrometheus();
  for (const char* line :
       {"# TYPE strata_http_requests_total counter",
        "strata_http_requests_total{method=\"GET\",route=\"/health\",status=\"200\"} 1",
        "strata_http_request_duration_seconds_bucket{route=\"/health\",le=\"0.001\"} 0",
        "strata_http_request_duration_seconds_bucket{route=\"/health\",le=\"0.0025\"} 1",
        "strata_http_request_duration_seconds_bucket{route=\"/health\",le=\"+Inf\"} 1",
        "strata_http_request_duration_seconds_count{route=\"/health\"} 1",
        "strata_http_requests_in_flight 0", "strata_things_total{kind=\"a\\\"b\"} 2", "strata_level 1.5",
        "strata_answer 42", "# TYPE strata_process_resident_memory_bytes gauge"}) {
    EXPECT_NE(text.find(line), std::string::npos) << "missing: " << line << "\n" << text;
  }
}

TEST(MetricsTest, SeriesHandlesCountExactlyFromManyThreads) {
  Metrics m;
  auto counter = m.Counter("strata_hits_total", "Hits", {{"endpoint", "e"}});
  auto histogram = m.Histogram("strata_hit_seconds", "Hit time", {{"endpoint", "e"}});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        counter.Add();
        histogram.Observe(i % 2 == 0 ? 0.0002 : 0.003);
        m.RequestStarted();
        m.RequestFinished("POST", "/x", 200, 0.0002);
      }
    });
  }
  for (auto& t : threads) t.join();
  // A handle found again names the same series as the first.
  m.Counter("strata_hits_total", "Hits", {{"endpoint", "e"}}).Add(5);
  m.IncrementCounter("strata_hits_total", "Hits", {{"endpoint", "e"}}, 5);
  std::string text = m.RenderPrometheus();
  for (const char* line : {"strata_hits_total{endpoint=\"e\"} 40010", "strata_hit_seconds_count{endpoint=\"e\"} 40000",
                           "strata_hit_seconds_bucket{endpoint=\"e\",le=\"0.0005\"} 20000",
                           "strata_hit_seconds_bucket{endpoint=\"e\",le=\"0.0025\"} 20000",
                           "strata_hit_seconds_bucket{endpoint=\"e\",le=\"0.005\"} 40000",
                           "strata_http_requests_total{method=\"POST\",route=\"/x\",status=\"200\"} 40000",
                           "strata_http_requests_in_flight 0"}) {
    EXPECT_NE(text.find(line), std::string::npos) << "missing: " << line << "\n" << text;
  }
}

}  // namespace
}  // namespace strata::api
