// linear-learner through the real binary: the CLI trains classifiers and a regression on
// a CSV with numeric, categorical and missing values; the server lists the algorithm,
// applies class_weight=balanced, and names bad hyperparameters.
#include <filesystem>
#include <fstream>
#include <random>

#include <gtest/gtest.h>

#include "harness.h"

namespace strata::e2e {
namespace {

// x1, x2 (every 13th missing), a colour; three targets from one linear score:
// `y` (yes/no), `grade` (low/mid/high) and `z` (a number).
std::string Mixed(int rows) {
  std::mt19937 rng(21);
  std::normal_distribution<double> n(0, 1);
  const char* colors[] = {"red", "green", "blue"};
  const double effect[] = {1.0, -0.5, 0.0};
  std::string csv = "x1,x2,color,y,grade,z\n";
  for (int i = 0; i < rows; ++i) {
    double x1 = n(rng), x2 = n(rng);
    int c = static_cast<int>(rng() % 3);
    double score = 1.5 * x1 - x2 + effect[c];
    double noisy = score + 0.3 * n(rng);
    csv +=
        fmt::format("{:.4f},{},{},{},{},{:.4f}\n", x1, i % 13 == 0 ? "" : fmt::format("{:.4f}", x2),
                    colors[c], noisy > 0 ? "yes" : "no",
                    noisy < -1  ? "low"
                    : noisy < 1 ? "mid"
                                : "high",
                    2 * x1 - 3 * (i % 13 == 0 ? 0 : x2) + effect[c] + 5 + 0.1 * n(rng));
  }
  return csv;
}

// 8% positives that overlap the negatives: an unweighted model rarely predicts them.
std::string Imbalanced(int rows) {
  std::mt19937 rng(5);
  std::normal_distribution<double> n(0, 1);
  std::string csv = "a,b,fraud\n";
  for (int i = 0; i < rows; ++i) {
    int fraud = i % 12 == 0;
    csv += fmt::format("{:.4f},{:.4f},{}\n", n(rng) + (fraud ? 1.3 : 0), n(rng), fraud);
  }
  return csv;
}

TEST(LinearE2E, CliTrainsClassifiersAndRegressionOnMixedColumns) {
  TempDir dir;
  const std::string data = dir.str() + "/data", file = dir.str() + "/mixed.csv";
  std::ofstream(file) << Mixed(1200);
  ASSERT_EQ(RunCli({"--data-dir", data, "datasets", "import", file, "--name", "d"}).exit_code, 0);

  // Binary: stdout must be nothing but the job's JSON (liblinear's own chatter goes to the log).
  CliResult bin = RunCli({"--data-dir", data, "train", "--dataset", "d", "--target", "y",
                          "--algorithm", "linear-learner", "--name", "lin-bin", "--preprocessing",
                          R"({"drop": ["grade", "z"]})", "--wait", "--output", "json"});
  ASSERT_EQ(bin.exit_code, 0) << bin.err << bin.out;
  Json job = ParseOut(bin);
  EXPECT_EQ(job["status"], "Completed") << job.dump();
  EXPECT_EQ(job["model"]["name"], "d-y");
  EXPECT_GT(job["metrics"]["roc_auc"].get<double>(), 0.95) << job["metrics"].dump();
  EXPECT_GT(job["metrics"]["accuracy"].get<double>(), 0.85);
  EXPECT_EQ(job["result"]["training"]["solver"], "L2R_LR");
  EXPECT_GT(job["result"]["training"]["valid-accuracy"].get<double>(), 0.85);

  // The registry: algorithm, problem, and liblinear's own model file in the version.
  CliResult show =
      RunCli({"--data-dir", data, "models", "show", "d-y", "--version", "1", "-o", "json"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  Json version = ParseOut(show);
  EXPECT_EQ(version["algorithm"], "linear-learner") << version.dump();
  EXPECT_EQ(version["problem"], "binary_classification");
  auto model_dir = dir.path() / "data/objects/models/d-y/v1";
  auto model_json = core::ParseJson(*core::ReadFile(model_dir / "model.json"), "model.json");
  ASSERT_TRUE(model_json.ok());
  EXPECT_EQ((*model_json)["algorithm"], "linear-learner");
  EXPECT_EQ((*model_json)["payload"], "liblinear.model");
  EXPECT_EQ((*model_json)["recipe"]["steps"].size(), 3u);  // x1, x2, color
  auto payload = core::ReadFile(model_dir / "liblinear.model");
  ASSERT_TRUE(payload.ok());
  EXPECT_EQ(payload->rfind("solver_type L2R_LR\nnr_class 2\n", 0), 0u) << *payload;

  // Multi-class, with an SVM loss.
  CliResult multi =
      RunCli({"--data-dir", data, "train", "--dataset", "d", "--target", "grade", "--algorithm",
              "linear-learner", "--hp", "loss=squared_hinge", "--preprocessing",
              R"({"drop": ["y", "z"]})", "--wait", "--output", "json"});
  ASSERT_EQ(multi.exit_code, 0) << multi.err << multi.out;
  Json mjob = ParseOut(multi);
  EXPECT_EQ(mjob["status"], "Completed") << mjob.dump();
  EXPECT_GT(mjob["metrics"]["accuracy"].get<double>(), 0.7) << mjob["metrics"].dump();
  EXPECT_EQ(mjob["result"]["training"]["solver"], "L2R_L2LOSS_SVC_DUAL");

  // Regression (ridge): z is linear in the features, so R² is near 1.
  CliResult reg = RunCli({"--data-dir", data, "train", "--dataset", "d", "--target", "z",
                          "--algorithm", "linear-learner", "--hp", "C=10", "--preprocessing",
                          R"({"drop": ["y", "grade"]})", "--wait", "--output", "json"});
  ASSERT_EQ(reg.exit_code, 0) << reg.err << reg.out;
  Json rjob = ParseOut(reg);
  EXPECT_EQ(rjob["status"], "Completed") << rjob.dump();
  EXPECT_GT(rjob["metrics"]["r2"].get<double>(), 0.95) << rjob["metrics"].dump();
  EXPECT_LT(rjob["metrics"]["rmse"].get<double>(), 1.0);
  EXPECT_EQ(rjob["result"]["training"]["solver"], "L2R_L2LOSS_SVR");

  // A bad value names the parameter, with the usage exit code.
  CliResult bad = RunCli({"--data-dir", data, "train", "--dataset", "d", "--target", "y",
                          "--algorithm", "linear-learner", "--hp", "C=0"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("C must be in (0, inf), got 0"), std::string::npos) << bad.err;
}

bool Terminal(const Json& j) {
  return IsTerminalStatus(j);
}

TEST(LinearE2E, ServerListsTheAlgorithmAndBalancesClasses) {
  TempDir dir;
  ServerProcess server;
  server.Start(dir.str() + "/data");

  Json algorithms = HttpJson(server.url(), "GET", "/api/v1/algorithms");
  Json linear;
  for (const auto& a : algorithms["items"]) {
    if (a["name"] == "linear-learner") linear = a;
  }
  ASSERT_TRUE(linear.is_object()) << algorithms.dump();
  EXPECT_EQ(linear["problem_types"].size(), 3u);
  std::map<std::string, Json> hp;
  for (const auto& h : linear["hyperparameters"]) hp[h["name"]] = h;
  for (const char* name : {"loss", "penalty", "C", "tol", "bias", "solver"})
    EXPECT_TRUE(hp.count(name)) << name;
  EXPECT_EQ(hp["C"]["range"], "(0, inf)");
  EXPECT_EQ(hp["C"]["default"], 1.0);
  EXPECT_EQ(hp["loss"]["values"],
            Json::parse(R"(["auto", "logistic", "hinge", "squared_hinge", "squared"])"));

  ASSERT_EQ(Http(server.url(), "POST", "/api/v1/datasets?name=fraud", Imbalanced(3000)).status,
            201);
  auto train = [&](const std::string& name, const std::string& class_weight) {
    int status = 0;
    Json job = HttpJson(server.url(), "POST", "/api/v1/training-jobs",
                        {{"name", name},
                         {"dataset", "fraud"},
                         {"target", "fraud"},
                         {"algorithm", "linear-learner"},
                         {"model", name},
                         {"class_weight", class_weight}},
                        &status);
    EXPECT_EQ(status, 202) << job.dump();
    Json done = WaitJob(server.url(), name, Terminal, 60);
    EXPECT_EQ(done["status"], "Completed") << done.dump();
    return HttpJson(server.url(), "GET", "/api/v1/training-jobs/" + name);
  };
  Json plain = train("plain", "none");
  Json balanced = train("balanced", "balanced");
  const double plain_recall = plain["metrics"]["recall"],
               balanced_recall = balanced["metrics"]["recall"];
  EXPECT_LT(plain_recall, 0.3) << plain["metrics"].dump();
  EXPECT_GT(balanced_recall, plain_recall + 0.3) << balanced["metrics"].dump();
  EXPECT_EQ(balanced["result"]["training"]["class_weighted"], true);
  EXPECT_EQ(plain["result"]["training"]["class_weighted"], false);
  EXPECT_EQ(HttpJson(server.url(), "GET", "/api/v1/models/balanced/versions/1")["algorithm"],
            "linear-learner");

  // The single report of the fit is in the job's log.
  std::string logs = Http(server.url(), "GET", "/api/v1/jobs/balanced/logs").body;
  EXPECT_NE(logs.find("fit 1/1: train-accuracy="), std::string::npos) << logs;

  // Schema errors are refused at submission; combinations liblinear lacks fail the job
  // with the reason.
  api::Response r = Http(server.url(), "POST", "/api/v1/training-jobs",
                         Json({{"dataset", "fraud"},
                               {"target", "fraud"},
                               {"algorithm", "linear-learner"},
                               {"hyperparameters", {{"C", -2}}}})
                             .dump());
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("C must be in (0, inf), got -2"), std::string::npos) << r.body;
  // A combination liblinear lacks is a 400 at submission, naming both parameters.
  api::Response combo = Http(server.url(), "POST", "/api/v1/training-jobs",
                             Json({{"name", "l1hinge"},
                                   {"dataset", "fraud"},
                                   {"target", "fraud"},
                                   {"algorithm", "linear-learner"},
                                   {"hyperparameters", {{"loss", "hinge"}, {"penalty", "l1"}}}})
                                 .dump());
  EXPECT_EQ(combo.status, 400) << combo.body;
  EXPECT_NE(combo.body.find("penalty l1 is not available with loss hinge"), std::string::npos) << combo.body;
}

}  // namespace
}  // namespace strata::e2e
