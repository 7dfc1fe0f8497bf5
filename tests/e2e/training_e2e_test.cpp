// Training through the real server and CLI: a model from a dataset, registered with
// its recipe and metrics; bad requests; a stopped job leaves no model.
#include <filesystem>
#include <fstream>
#include <random>

#include <gtest/gtest.h>

#include "harness.h"

namespace strata::e2e {
namespace {

// A learnable binary problem: y depends on x1, x2 and a category, with noise.
std::string Classification(int rows) {
  std::mt19937 rng(11);
  std::normal_distribution<double> n(0, 1);
  std::string csv = "x1,x2,color,note,y\n";
  const char* colors[] = {"red", "green", "blue"};
  for (int i = 0; i < rows; ++i) {
    double x1 = n(rng), x2 = n(rng);
    int c = static_cast<int>(rng() % 3);
    double score = 1.5 * x1 - x2 + (c == 0 ? 1.0 : -0.5) + 0.5 * n(rng);
    csv += fmt::format("{:.4f},{},{},{},{}\n", x1, i % 17 == 0 ? "" : fmt::format("{:.4f}", x2), colors[c],
                       i % 2 ? "hello world" : "other words", score > 0 ? "yes" : "no");
  }
  return csv;
}

bool Terminal(const Json& j) { return IsTerminalStatus(j); }

TEST(TrainingE2E, TrainsRegistersAndReportsMetrics) {
  TempDir dir;
  ServerProcess server;
  server.Start(dir.str() + "/data");
  ASSERT_EQ(Http(server.url(), "POST", "/api/v1/datasets?name=cls", Classification(1500)).status, 201);

  Json algorithms = HttpJson(server.url(), "GET", "/api/v1/algorithms");
  EXPECT_EQ(algorithms["items"][0]["name"], "xgboost");
  bool has_eta = false;
  for (const auto& hp : algorithms["items"][0]["hyperparameters"]) has_eta = has_eta || hp["name"] == "eta";
  EXPECT_TRUE(has_eta);

  int status = 0;
  Json job = HttpJson(server.url(), "POST", "/api/v1/training-jobs",
                      {{"name", "t1"}, {"dataset", "cls"}, {"target", "y"}, {"algorithm", "xgboost"},
                       {"hyperparameters", {{"num_round", 60}, {"eta", 0.2}, {"max_depth", 4}}}},
                      &status);
  ASSERT_EQ(status, 202) << job.dump();
  EXPECT_EQ(job["type"], "training");
  Json done = WaitJob(server.url(), "t1", Terminal, 60);
  ASSERT_EQ(done["status"], "Completed") << done.dump();
  Json t = HttpJson(server.url(), "GET", "/api/v1/training-jobs/t1");
  EXPECT_EQ(t["model"]["name"], "cls-y");
  EXPECT_EQ(t["model"]["version"], 1);
  EXPECT_GT(t["metrics"]["roc_auc"].get<double>(), 0.85) << t["metrics"].dump();
  EXPECT_TRUE(t["metrics"]["log_loss"].is_number());
  EXPECT_EQ(t["metrics"]["confusion_matrix"].size(), 4u);

  Json logs = Json(Http(server.url(), "GET", "/api/v1/jobs/t1/logs").body);
  EXPECT_NE(logs.get<std::string>().find("round 1/60: train-logloss="), std::string::npos) << logs.get<std::string>();

  Json models = HttpJson(server.url(), "GET", "/api/v1/models");
  ASSERT_EQ(models["items"].size(), 1u);
  EXPECT_EQ(models["items"][0]["problem"], "binary_classification");
  EXPECT_EQ(models["items"][0]["dataset"], "cls@1");
  EXPECT_EQ(models["items"][0]["job"], "t1");
  Json v1 = HttpJson(server.url(), "GET", "/api/v1/models/cls-y/versions/1");
  EXPECT_EQ(v1["hyperparameters"]["num_round"], 60);
  HttpJson(server.url(), "GET", "/api/v1/models/cls-y/versions/9", nullptr, &status);
  EXPECT_EQ(status, 404);

  // The version's files: model.json with recipe and classes, and XGBoost's own model.
  auto model_dir = dir.path() / "data/objects/models/cls-y/v1";
  auto model_json = core::ParseJson(*core::ReadFile(model_dir / "model.json"), "model.json");
  ASSERT_TRUE(model_json.ok());
  EXPECT_EQ((*model_json)["classes"], Json::parse(R"(["false", "true"])"));  // yes/no infers as bool
  EXPECT_EQ((*model_json)["recipe"]["steps"].size(), 4u);  // x1, x2, color, note
  EXPECT_EQ((*model_json)["lineage"]["dataset"], "cls");
  auto booster = core::ParseJson(*core::ReadFile(model_dir / "xgboost.json"), "xgboost.json");
  ASSERT_TRUE(booster.ok());
  EXPECT_TRUE((*booster).contains("learner"));

  // Training again makes version 2.
  Http(server.url(), "POST", "/api/v1/training-jobs", Json({{"name", "t2"}, {"dataset", "cls"}, {"target", "y"},
                                                            {"hyperparameters", {{"num_round", 5}}}}).dump());
  EXPECT_EQ(WaitJob(server.url(), "t2", Terminal, 60)["status"], "Completed");
  EXPECT_EQ(HttpJson(server.url(), "GET", "/api/v1/models/cls-y")["latest"], 2);

  // Aliases point at versions; moves are recorded with time and who.
  api::Response alias = Http(server.url(), "PUT", "/api/v1/models/cls-y/aliases/production", R"({"version": 1})",
                             {{"X-Strata-User", "ana"}});
  ASSERT_EQ(alias.status, 200) << alias.body;
  Http(server.url(), "PUT", "/api/v1/models/cls-y/aliases/production", R"({"version": 2})", {{"X-Strata-User", "bo"}});
  Json model = HttpJson(server.url(), "GET", "/api/v1/models/cls-y");
  EXPECT_EQ(model["aliases"]["production"]["version"], 2);
  EXPECT_EQ(model["aliases"]["production"]["updated_by"], "bo");
  ASSERT_EQ(model["alias_history"].size(), 2u);
  EXPECT_EQ(model["alias_history"][0]["previous_version"], 1);
  EXPECT_EQ(HttpJson(server.url(), "GET", "/api/v1/models/cls-y/versions/production")["version"], 2);
  EXPECT_EQ(Http(server.url(), "PUT", "/api/v1/models/cls-y/aliases/production", R"({"version": 7})").status, 404);
  EXPECT_EQ(Http(server.url(), "PUT", "/api/v1/models/cls-y/aliases/2nd", R"({"version": 1})").status, 400);
  EXPECT_EQ(Http(server.url(), "GET", "/api/v1/models/cls-y/versions/staging").status, 404);

  // Compare: versions sorted by a metric, best first (v1 had 60 rounds, v2 five).
  Json cmp = HttpJson(server.url(), "GET", "/api/v1/models/cls-y/compare?sort=log_loss");
  ASSERT_EQ(cmp["versions"].size(), 2u);
  EXPECT_LE(cmp["versions"][0]["metrics"]["log_loss"].get<double>(), cmp["versions"][1]["metrics"]["log_loss"].get<double>());
  EXPECT_EQ(Http(server.url(), "GET", "/api/v1/models/cls-y/compare?sort=nope").status, 400);
  CliResult table = RunCli({"--server", server.url(), "models", "compare", "cls-y", "--sort", "roc_auc", "-o", "table"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("num_round"), std::string::npos) << table.out;  // the differing hyperparameter
  EXPECT_NE(table.out.find("roc_auc"), std::string::npos) << table.out;
}

TEST(TrainingE2E, BadRequestsAreNamedAndStoppedJobsRegisterNothing) {
  TempDir dir;
  ServerProcess server;
  server.Start(dir.str() + "/data");
  ASSERT_EQ(Http(server.url(), "POST", "/api/v1/datasets?name=cls", Classification(3000)).status, 201);
  auto expect = [&](const Json& body, int want, const std::string& fragment) {
    api::Response r = Http(server.url(), "POST", "/api/v1/training-jobs", body.dump());
    EXPECT_EQ(r.status, want) << r.body;
    EXPECT_NE(r.body.find(fragment), std::string::npos) << r.body;
  };
  expect({{"dataset", "nope"}, {"target", "y"}}, 404, "dataset 'nope' does not exist");
  expect({{"dataset", "cls"}, {"target", "zz"}}, 400, "target 'zz' is not a column");
  expect({{"dataset", "cls"}, {"target", "y"}, {"algorithm", "svm"}}, 400, "unknown algorithm 'svm'");
  expect({{"dataset", "cls"}, {"target", "y"}, {"hyperparameters", {{"eta", 3}}}}, 400, "eta must be in (0, 1], got 3");
  expect({{"dataset", "cls"}, {"target", "y"}, {"hyperparameters", {{"max_depth", 2.5}}}}, 400, "max_depth must be an integer");
  expect({{"dataset", "cls"}, {"target", "y"}, {"validation", {{"fraction", 0.95}}}}, 400, "validation.fraction");
  expect({{"dataset", "cls"}, {"target", "y"}, {"preprocessing", {{"scale", "log"}}}}, 400, "scale must be one of");
  expect({{"target", "y"}}, 400, "field 'dataset' is required");

  // A long training stopped half-way: Stopped, and no model version.
  Http(server.url(), "POST", "/api/v1/training-jobs",
       Json({{"name", "long"}, {"dataset", "cls"}, {"target", "y"},
             {"hyperparameters", {{"num_round", 100000}, {"early_stopping_rounds", 0}, {"eta", 0.01}}}})
           .dump());
  WaitJob(server.url(), "long", [](const Json& j) { return j.value("progress", 0.0) > 0.05; }, 60);  // boosting under way
  int status = 0;
  HttpJson(server.url(), "POST", "/api/v1/training-jobs/long/stop", nullptr, &status);
  EXPECT_EQ(status, 202);
  EXPECT_EQ(WaitJob(server.url(), "long", Terminal, 60)["status"], "Stopped");
  EXPECT_EQ(HttpJson(server.url(), "GET", "/api/v1/models")["items"].size(), 0u);
}

TEST(TrainingE2E, CliTrainsLocallyAndListsModels) {
  TempDir dir;
  std::string data = dir.str() + "/data";
  std::string file = dir.str() + "/cls.csv";
  std::ofstream(file) << Classification(800);
  ASSERT_EQ(RunCli({"--data-dir", data, "datasets", "import", file}).exit_code, 0);
  CliResult train = RunCli({"--data-dir", data, "train", "--dataset", "cls", "--target", "y", "--hp", "num_round=20",
                            "--model", "churn", "--wait", "-o", "table"});
  ASSERT_EQ(train.exit_code, 0) << train.err;
  EXPECT_NE(train.out.find("trained model churn v1"), std::string::npos) << train.out;
  EXPECT_NE(train.out.find("auc"), std::string::npos) << train.out;
  CliResult list = RunCli({"--data-dir", data, "models", "list", "-o", "table"});
  EXPECT_NE(list.out.find("churn"), std::string::npos) << list.out;
  CliResult bad = RunCli({"--data-dir", data, "train", "--dataset", "cls", "--target", "y", "--hp", "eta=2"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("eta must be in (0, 1], got 2"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace strata::e2e

namespace strata::e2e {
namespace {

// Reproducible: the same data, hyperparameters and seed give the same model bytes, for
// every algorithm; a different seed (with sampling) gives another model.
TEST(TrainingE2E, SameSeedSameModelBytes) {
  TempDir dir;
  const std::string data = dir.str() + "/data";
  const std::string csv = dir.str() + "/cls.csv";
  std::ofstream(csv) << Classification(600);
  ASSERT_EQ(RunCli({"--data-dir", data, "datasets", "import", csv, "--name", "cls"}).exit_code, 0);
  auto train = [&](const std::string& algorithm, const std::vector<std::string>& hps) {
    std::vector<std::string> args = {"--data-dir", data, "train", "--dataset", "cls", "--target", "y",
                                     "--algorithm", algorithm, "--model", algorithm, "--wait", "-o", "json"};
    for (const auto& hp : hps) args.insert(args.end(), {"--hp", hp});
    CliResult r = RunCli(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
  };
  auto bytes = [&](const std::string& model, int version, const std::string& file) {
    auto text = core::ReadFile(dir.path() / "data/objects/models" / model / ("v" + std::to_string(version)) / file);
    EXPECT_TRUE(text.ok()) << text.status().ToString();
    return text.ok() ? *text : std::string();
  };
  const std::vector<std::string> xgb = {"num_round=20", "subsample=0.7", "colsample_bytree=0.8", "seed=7", "nthread=2"};
  train("xgboost", xgb);
  train("xgboost", xgb);
  auto other = xgb;
  other[3] = "seed=8";
  train("xgboost", other);
  EXPECT_EQ(bytes("xgboost", 1, "xgboost.json"), bytes("xgboost", 2, "xgboost.json"));
  EXPECT_NE(bytes("xgboost", 1, "xgboost.json"), bytes("xgboost", 3, "xgboost.json"));
  train("linear-learner", {});
  train("linear-learner", {});
  EXPECT_EQ(bytes("linear-learner", 1, "liblinear.model"), bytes("linear-learner", 2, "liblinear.model"));
}

}  // namespace
}  // namespace strata::e2e
