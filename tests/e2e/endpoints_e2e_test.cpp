// Real-time endpoints through the real server and CLI: deploy, invoke (JSON and CSV),
// errors with the right status, hot swap under load with no failed request, a restart
// that brings the endpoint back, metrics.
#include <csignal>
#include <atomic>
#include <fstream>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "harness.h"

namespace strata::e2e {
namespace {

std::string Data(int rows, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> n(0, 1);
  std::string csv = "x1,x2,color,y\n";
  const char* colors[] = {"red", "green", "blue"};
  for (int i = 0; i < rows; ++i) {
    const double x1 = n(rng), x2 = n(rng);
    const int c = static_cast<int>(rng() % 3);
    csv += fmt::format("{:.4f},{:.4f},{},{}\n", x1, x2, colors[c], 2 * x1 - x2 + (c == 0) > 0 ? "buy" : "skip");
  }
  return csv;
}

void Train(const std::string& url, const std::string& job, int rounds) {
  int status = 0;
  Json j = HttpJson(url, "POST", "/api/v1/training-jobs",
                    {{"name", job}, {"dataset", "d"}, {"target", "y"}, {"model", "m"},
                     {"hyperparameters", {{"num_round", rounds}, {"nthread", 1}}}},
                    &status);
  ASSERT_EQ(status, 202) << j.dump();
  Json done = WaitJob(url, job, [](const Json& x) { return IsTerminalStatus(x); }, 120);
  ASSERT_EQ(done["status"], "Completed") << done.dump();
}

TEST(EndpointsE2E, DeployInvokeSwapRestart) {
  TempDir dir;
  const std::string data = dir.str() + "/data";
  ServerProcess server;
  server.Start(data);
  ASSERT_EQ(Http(server.url(), "POST", "/api/v1/datasets?name=d", Data(800, 3)).status, 201);
  Train(server.url(), "t1", 10);
  Train(server.url(), "t2", 30);

  // Create through the CLI against the server.
  CliResult created = RunCli({"endpoints", "create", "e1", "--model", "m", "--version", "1", "--server", server.url(),
                              "--output", "json"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  auto ej = core::ParseJson(created.out, "cli");
  ASSERT_TRUE(ej.ok()) << created.out;
  EXPECT_EQ((*ej)["variants"][0]["version"], 1);

  // JSON objects, lists in schema order, CSV.
  api::Response r = Http(server.url(), "POST", "/api/v1/endpoints/e1/invocations",
                         R"({"instances": [{"x1": 2, "x2": -1, "color": "red"}, [-2, 1, "blue"]]})",
                         {{"Content-Type", "application/json"}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = core::ParseJson(r.body, "invocation");
  ASSERT_TRUE(body.ok());
  EXPECT_EQ((*body)["predictions"][0]["prediction"], "buy") << r.body;
  EXPECT_EQ((*body)["predictions"][1]["prediction"], "skip") << r.body;
  bool variant_header = false;
  for (const auto& [k, v] : r.headers) variant_header |= (k == "X-Strata-Variant" && v == "primary");
  EXPECT_TRUE(variant_header);
  api::Response csv = Http(server.url(), "POST", "/endpoints/e1/invocations", "2,-1,red\n-2,1,blue\n",
                           {{"Content-Type", "text/csv"}});
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_NE(csv.body.find("\"buy\""), std::string::npos);

  // Errors: malformed rows name the row, unknown endpoint 404, wrong content type 400.
  api::Response bad = Http(server.url(), "POST", "/api/v1/endpoints/e1/invocations", R"([[1, 2]])",
                           {{"Content-Type", "application/json"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("row 0"), std::string::npos) << bad.body;
  // At the default (info) level, successful invocations leave no access-log line (they
  // log at debug); failed ones do.
  const std::string log = server.Log();
  EXPECT_EQ(log.find("POST /api/v1/endpoints/e1/invocations 200"), std::string::npos) << log;
  EXPECT_NE(log.find("POST /api/v1/endpoints/e1/invocations 400"), std::string::npos) << log;
  EXPECT_NE(log.find("POST /api/v1/endpoints 201"), std::string::npos) << log;
  EXPECT_EQ(Http(server.url(), "POST", "/api/v1/endpoints/nope/invocations", "[]").status, 404);
  EXPECT_EQ(Http(server.url(), "POST", "/api/v1/endpoints/e1/invocations", "<x/>", {{"Content-Type", "text/xml"}}).status,
            400);
  int status = 0;
  HttpJson(server.url(), "POST", "/api/v1/endpoints", {{"name", "e1"}, {"model", "m"}}, &status);
  EXPECT_EQ(status, 409);
  HttpJson(server.url(), "POST", "/api/v1/endpoints", {{"name", "e2"}, {"model", "m"}, {"version", 9}}, &status);
  EXPECT_EQ(status, 404);

  // Hot swap under load: invoke continuously from several connections while the
  // endpoint moves between versions and weights; nothing may fail.
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0}, calls{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&] {
      auto client = api::HttpClient::Create(server.url());
      if (!client.ok()) {
        ++failures;
        return;
      }
      while (!stop) {
        api::Request req = api::Request{};
        req.method = "POST";
        req.target = "/api/v1/endpoints/e1/invocations";
        req.headers = {{"Content-Type", "text/csv"}};
        req.body = "0.5,0.1,green\n";
        auto resp = client->Send(req);
        if (!resp.ok() || resp->status != 200) ++failures;
        ++calls;
      }
    });
  }
  for (int i = 0; i < 10; ++i) {
    Json upd = i % 2 ? Json{{"variants", {{{"name", "a"}, {"model", "m"}, {"version", 1}}}}}
                     : Json{{"variants", {{{"name", "a"}, {"model", "m"}, {"version", 1}, {"weight", 1}},
                                          {{"name", "b"}, {"model", "m"}, {"version", 2}, {"weight", 1}}}}};
    HttpJson(server.url(), "PUT", "/api/v1/endpoints/e1", upd, &status);
    ASSERT_EQ(status, 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  stop = true;
  for (auto& t : clients) t.join();
  EXPECT_EQ(failures.load(), 0) << "of " << calls.load();
  EXPECT_GT(calls.load(), 10);

  // Metrics per endpoint and variant.
  const std::string metrics = Http(server.url(), "GET", "/metrics").body;
  EXPECT_NE(metrics.find("strata_endpoint_invocations_total{endpoint=\"e1\""), std::string::npos);
  EXPECT_NE(metrics.find("strata_endpoint_latency_seconds_bucket"), std::string::npos);
  EXPECT_NE(metrics.find("strata_endpoint_errors_total{endpoint=\"e1\",code=\"InvalidArgument\"}"), std::string::npos);

  // A restart brings the endpoint back with the versions it had.
  ASSERT_EQ(server.Signal(SIGTERM), 0);
  ServerProcess again;
  again.Start(data);
  Json shown = HttpJson(again.url(), "GET", "/api/v1/endpoints/e1");
  ASSERT_EQ(shown["variants"].size(), 1u) << shown.dump();  // the last update (i = 9) had one variant
  EXPECT_EQ(shown["variants"][0]["name"], "a");
  api::Response after = Http(again.url(), "POST", "/api/v1/endpoints/e1/invocations", "2,-1,red\n",
                             {{"Content-Type", "text/csv"}});
  EXPECT_EQ(after.status, 200) << after.body;

  // CLI invoke and delete, in-process on the data directory (server stopped).
  ASSERT_EQ(again.Signal(SIGTERM), 0);
  CliResult inv = RunCli({"--data-dir", data, "endpoints", "invoke", "e1", "--data", R"([{"x1": 2, "x2": -1, "color": "red"}])",
                          "--output", "json"});
  ASSERT_EQ(inv.exit_code, 0) << inv.err;
  EXPECT_NE(inv.out.find("\"buy\""), std::string::npos) << inv.out;
  EXPECT_EQ(RunCli({"--data-dir", data, "endpoints", "delete", "e1"}).exit_code, 0);
  CliResult gone = RunCli({"--data-dir", data, "endpoints", "show", "e1"});
  EXPECT_NE(gone.exit_code, 0);
  EXPECT_NE(gone.err.find("does not exist"), std::string::npos) << gone.err;
}

TEST(TransformE2E, BatchPredictionsEqualEndpointPredictions) {
  TempDir dir;
  const std::string data = dir.str() + "/data";
  ServerProcess server;
  server.Start(data);
  const std::string csv = Data(500, 9);
  ASSERT_EQ(Http(server.url(), "POST", "/api/v1/datasets?name=d", csv).status, 201);
  Train(server.url(), "t1", 15);

  // Through the CLI: a file and the default output dataset.
  const std::string out = dir.str() + "/pred.csv";
  CliResult r = RunCli({"transform", "--model", "m", "--dataset", "d", "--output", out, "--output-dataset", "d-scored",
                        "--wait", "--server", server.url(), "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  auto job = core::ParseJson(r.out, "cli");
  ASSERT_TRUE(job.ok()) << r.out;
  EXPECT_EQ((*job)["rows"], 500);
  EXPECT_EQ((*job)["output_dataset"]["name"], "d-scored");
  auto text = core::ReadFile(out);
  ASSERT_TRUE(text.ok());
  auto lines = Lines(*text);
  ASSERT_EQ(lines.size(), 501u);
  EXPECT_EQ(lines[0], "x1,x2,color,y,prediction,p_buy,p_skip");

  // Every row equals what the endpoint says for the same raw values.
  int status = 0;
  HttpJson(server.url(), "POST", "/api/v1/endpoints", {{"name", "e"}, {"model", "m"}}, &status);
  ASSERT_EQ(status, 201);
  auto input = Lines(csv);
  std::string body;
  for (size_t i = 1; i < input.size(); ++i) body += input[i].substr(0, input[i].rfind(',')) + "\n";  // drop y
  api::Response inv = Http(server.url(), "POST", "/api/v1/endpoints/e/invocations", body, {{"Content-Type", "text/csv"}});
  ASSERT_EQ(inv.status, 200) << inv.body;
  auto preds = core::ParseJson(inv.body, "invocation");
  ASSERT_TRUE(preds.ok());
  ASSERT_EQ((*preds)["predictions"].size(), 500u);
  for (size_t i = 0; i < 500; ++i) {
    const std::string& line = lines[i + 1];
    const Json& p = (*preds)["predictions"][i];
    // ...,prediction,p_buy,p_skip
    const size_t c3 = line.rfind(','), c2 = line.rfind(',', c3 - 1), c1 = line.rfind(',', c2 - 1);
    EXPECT_EQ(line.substr(c1 + 1, c2 - c1 - 1), p["prediction"].get<std::string>()) << "row " << i;
    EXPECT_NEAR(std::stod(line.substr(c3 + 1)), p["probabilities"]["skip"].get<double>(), 1e-6) << "row " << i;
  }

  // An input file through the API, twice into the same file: replaced, not appended.
  const std::string in_file = dir.str() + "/in.csv";
  std::ofstream(in_file) << csv;
  for (int run = 0; run < 2; ++run) {
    Json j = HttpJson(server.url(), "POST", "/api/v1/transform-jobs",
                      {{"name", fmt::format("f{}", run)}, {"model", "m"}, {"version", 1}, {"input_path", in_file},
                       {"output_path", out}, {"id_column", "x1"}},
                      &status);
    ASSERT_EQ(status, 202) << j.dump();
    Json done = WaitJob(server.url(), fmt::format("f{}", run), [](const Json& x) { return IsTerminalStatus(x); }, 60);
    ASSERT_EQ(done["status"], "Completed") << done.dump();
  }
  text = core::ReadFile(out);
  ASSERT_TRUE(text.ok());
  lines = Lines(*text);
  EXPECT_EQ(lines.size(), 501u);
  EXPECT_EQ(lines[0], "x1,prediction,p_buy,p_skip");

  // Bad requests are 400/404 at submission, not failed jobs later.
  HttpJson(server.url(), "POST", "/api/v1/transform-jobs", {{"model", "m"}}, &status);
  EXPECT_EQ(status, 400);
  HttpJson(server.url(), "POST", "/api/v1/transform-jobs", {{"model", "nope"}, {"dataset", "d"}}, &status);
  EXPECT_EQ(status, 404);
  Json bad_id = HttpJson(server.url(), "POST", "/api/v1/transform-jobs",
                         {{"name", "bad"}, {"model", "m"}, {"dataset", "d"}, {"id_column", "zzz"}}, &status);
  ASSERT_EQ(status, 202);
  Json failed = WaitJob(server.url(), "bad", [](const Json& x) { return IsTerminalStatus(x); }, 60);
  EXPECT_EQ(failed["status"], "Failed");
  EXPECT_NE(failed.dump().find("zzz"), std::string::npos) << failed.dump();
}

}  // namespace
}  // namespace strata::e2e
