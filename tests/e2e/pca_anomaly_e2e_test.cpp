// pca and anomaly through the real binary. pca: the CLI trains, evaluates (with the
// HTML report) and transforms into a dataset that keeps an id and a label, and xgboost
// trains on the components; the server serves the projection. anomaly: the server
// trains on a fraud-like table with 1% planted, labelled anomalies and reports ROC AUC,
// evaluates, serves scores and flags, transforms; the CLI does the same against it.
// Both: export/import, and bad hyperparameters named in a 400 or a usage error.
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "harness.h"

namespace strata::e2e {
namespace {

// id, six features driven by two latent factors (a, b), a region unrelated to them,
// and a label that follows the first factor.
std::string Latent(int rows) {
  std::mt19937 rng(17);
  std::normal_distribution<double> n(0, 1);
  const double load_a[] = {1.0, 0.8, -0.6, 0.5, 0.9, -0.3},
               load_b[] = {0.2, -0.5, 0.4, 1.0, 0.1, 0.8};
  std::string csv = "id,f1,f2,f3,f4,f5,f6,region,label\n";
  for (int i = 0; i < rows; ++i) {
    const double a = n(rng), b = n(rng);
    csv += fmt::format("{}", 1000 + i);
    for (int j = 0; j < 6; ++j)
      csv += fmt::format(",{:.5f}", 3 * (load_a[j] * a + load_b[j] * b) + 0.2 * n(rng) + j);
    csv +=
        fmt::format(",{},{}\n", rng() % 2 ? "north" : "south", a + 0.2 * n(rng) > 0 ? "yes" : "no");
  }
  return csv;
}

// Card transactions: amounts, distance from home, hour, recent transactions and a
// merchant type; 1% are frauds with far larger amounts and distances and bursts of
// transactions, labelled is_fraud = 1.
std::string Fraud(int rows) {
  std::mt19937 rng(23);
  std::normal_distribution<double> n(0, 1);
  const char* merchants[] = {"grocery", "fuel", "online", "travel"};
  std::string csv = "id,amount,distance_km,hour,tx_last_day,merchant,is_fraud\n";
  for (int i = 0; i < rows; ++i) {
    const bool fraud = i % 100 == 37;
    const double amount = std::exp(fraud ? 7 + 0.4 * n(rng) : 3 + 0.5 * n(rng));
    const double distance = std::exp(fraud ? 6 + 0.5 * n(rng) : 1.5 + 0.7 * n(rng));
    const int tx = fraud ? 15 + static_cast<int>(rng() % 15) : static_cast<int>(rng() % 6);
    csv += fmt::format("{},{:.2f},{:.1f},{},{},{},{}\n", i + 1, amount, distance, rng() % 24, tx,
                       merchants[rng() % 4], fraud ? 1 : 0);
  }
  return csv;
}

// Exports a version through the CLI and imports it as `copy`; the copy evaluates the
// same on `dataset`, so the algorithm's own file travelled in the archive.
void ExpectExportImportRoundTrip(const std::string& url, const TempDir& dir,
                                 const std::string& model, const std::string& dataset,
                                 const std::string& payload) {
  const std::string archive = dir.str() + "/" + model + ".tar.gz";
  CliResult ex =
      RunCli({"--server", url, "models", "export", model, "1", "--output-file", archive});
  ASSERT_EQ(ex.exit_code, 0) << ex.err;
  const std::string copy = model + "-copy";
  CliResult im = RunCli({"--server", url, "models", "import", archive, "--name", copy});
  ASSERT_EQ(im.exit_code, 0) << im.err;
  EXPECT_TRUE(
      std::filesystem::is_regular_file(dir.path() / "data/objects/models" / copy / "v1" / payload))
      << payload;
  int status = 0;
  Json a = HttpJson(url, "POST", "/api/v1/models/" + model + "/versions/1/evaluate",
                    {{"dataset", dataset}}, &status);
  ASSERT_EQ(status, 200) << a.dump();
  Json b = HttpJson(url, "POST", "/api/v1/models/" + copy + "/versions/1/evaluate",
                    {{"dataset", dataset}}, &status);
  ASSERT_EQ(status, 200) << b.dump();
  EXPECT_EQ(a["metrics"], b["metrics"]);
}

TEST(PcaE2E, ProjectsAndItsComponentsTrainAnotherModel) {
  TempDir dir;
  const std::string data = dir.str() + "/data", file = dir.str() + "/latent.csv";
  std::ofstream(file) << Latent(1500);
  ASSERT_EQ(RunCli({"--data-dir", data, "datasets", "import", file, "--name", "d"}).exit_code, 0);

  CliResult train = RunCli({"--data-dir", data, "train", "--dataset", "d", "--algorithm", "pca",
                            "--hp", "components=2", "--preprocessing",
                            R"({"drop": ["id", "label"]})", "--wait", "-o", "json"});
  ASSERT_EQ(train.exit_code, 0) << train.err << train.out;
  Json job = ParseOut(train);
  ASSERT_EQ(job["status"], "Completed") << job.dump();
  EXPECT_EQ(job["model"]["name"], "d-pca");
  EXPECT_EQ(job["metrics"]["components"], 2) << job.dump();
  EXPECT_GT(job["metrics"]["total_explained_variance_ratio"].get<double>(), 0.85) << job.dump();
  const Json training = job["result"]["training"];
  EXPECT_EQ(training["solver"], "covariance");
  EXPECT_EQ(training["explained_variance_ratio"].size(), 2u);
  // The validation rows' projected variance is the training fit's explained variance.
  EXPECT_NEAR(job["metrics"]["total_explained_variance_ratio"].get<double>(),
              training["total_explained_variance_ratio"].get<double>(), 0.03);
  auto model_dir = dir.path() / "data/objects/models/d-pca/v1";
  auto model_json = core::ParseJson(*core::ReadFile(model_dir / "model.json"), "model.json");
  ASSERT_TRUE(model_json.ok());
  EXPECT_EQ((*model_json)["payload"], "pca.json");
  EXPECT_EQ((*model_json)["problem"], "dimensionality_reduction");
  EXPECT_EQ((*model_json)["recipe"]["steps"].size(), 7u);  // f1..f6 and region
  auto payload = core::ParseJson(*core::ReadFile(model_dir / "pca.json"), "pca.json");
  ASSERT_TRUE(payload.ok());
  EXPECT_EQ((*payload)["n_components"], 2);

  // Evaluation, with the report.
  const std::string html = dir.str() + "/pca.html";
  CliResult eval = RunCli({"--data-dir", data, "models", "evaluate", "d-pca", "1", "--dataset", "d",
                           "--html", html, "-o", "json"});
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  Json e = ParseOut(eval);
  EXPECT_GT(e["metrics"]["total_explained_variance_ratio"].get<double>(), 0.85) << e.dump();
  auto page = core::ReadFile(html);
  ASSERT_TRUE(page.ok());
  EXPECT_NE(page->find("Explained variance"), std::string::npos);
  EXPECT_NE(page->find("<svg"), std::string::npos);

  // Transform into a dataset that keeps the id and the label beside the components.
  CliResult tf =
      RunCli({"--data-dir", data, "transform", "--model", "d-pca", "--dataset", "d", "--id-column",
              "id,label", "--output-dataset", "d-pcs", "--wait", "-o", "json"});
  ASSERT_EQ(tf.exit_code, 0) << tf.err << tf.out;
  EXPECT_EQ(ParseOut(tf)["output_dataset"]["name"], "d-pcs");
  CliResult show = RunCli({"--data-dir", data, "datasets", "show", "d-pcs", "-o", "json"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  std::vector<std::string> columns;
  const Json shown = ParseOut(show);
  for (const auto& c : shown["columns"]) columns.push_back(c["name"]);
  EXPECT_EQ(columns, (std::vector<std::string>{"id", "label", "component_1", "component_2"}))
      << show.out;

  // ... on which xgboost learns the label from the two components.
  CliResult xgb = RunCli({"--data-dir", data, "train", "--dataset", "d-pcs", "--target", "label",
                          "--algorithm", "xgboost", "--hp", "num_round=30", "--preprocessing",
                          R"({"drop": ["id"]})", "--wait", "-o", "json"});
  ASSERT_EQ(xgb.exit_code, 0) << xgb.err << xgb.out;
  Json xjob = ParseOut(xgb);
  ASSERT_EQ(xjob["status"], "Completed") << xjob.dump();
  EXPECT_GT(xjob["metrics"]["roc_auc"].get<double>(), 0.95) << xjob["metrics"].dump();

  // Bad hyperparameters: usage errors naming them.
  CliResult bad = RunCli({"--data-dir", data, "train", "--dataset", "d", "--algorithm", "pca",
                          "--hp", "whiten=maybe"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("whiten must be true or false, got \"maybe\""), std::string::npos)
      << bad.err;
  CliResult target = RunCli(
      {"--data-dir", data, "train", "--dataset", "d", "--algorithm", "pca", "--target", "label"});
  EXPECT_EQ(target.exit_code, 2);
  EXPECT_NE(target.err.find("'target' must not be given"), std::string::npos) << target.err;

  // The server on the same data: the endpoint projects raw rows as the transform did.
  ServerProcess server;
  server.Start(data);
  const std::string url = server.url();
  int status = 0;
  HttpJson(url, "POST", "/api/v1/endpoints", {{"name", "pcs"}, {"model", "d-pca"}, {"version", 1}},
           &status);
  ASSERT_EQ(status, 201);
  const auto rows = Lines(Latent(1500));
  Json instances = Json::array();
  for (int i = 1; i <= 3; ++i) {
    std::vector<std::string> cells;
    std::stringstream ss(rows[i]);
    for (std::string c; std::getline(ss, c, ',');) cells.push_back(c);
    Json row = {{"id", std::stoi(cells[0])}, {"region", cells[7]}};
    for (int j = 1; j <= 6; ++j) row[fmt::format("f{}", j)] = std::stod(cells[j]);
    instances.push_back(row);
  }
  Json inv = HttpJson(url, "POST", "/api/v1/endpoints/pcs/invocations", {{"instances", instances}},
                      &status);
  ASSERT_EQ(status, 200) << inv.dump();
  ASSERT_EQ(inv["predictions"].size(), 3u) << inv.dump();
  Json first = HttpJson(url, "GET", "/api/v1/datasets/d-pcs/rows?offset=0&limit=3");
  for (size_t i = 0; i < 3; ++i) {
    const Json& p = inv["predictions"][i]["components"];
    ASSERT_EQ(p.size(), 2u) << inv.dump();
    EXPECT_NEAR(p[0].get<double>(), first["rows"][i]["component_1"].get<double>(), 1e-4)
        << first.dump();
    EXPECT_NEAR(p[1].get<double>(), first["rows"][i]["component_2"].get<double>(), 1e-4);
  }
  // Through the CLI against the server.
  CliResult cinv = RunCli(
      {"--server", url, "endpoints", "invoke", "pcs", "--data", instances.dump(), "-o", "json"});
  ASSERT_EQ(cinv.exit_code, 0) << cinv.err;
  EXPECT_EQ(ParseOut(cinv)["predictions"], inv["predictions"]);
  // An HTTP transform to a file.
  const std::string out = dir.str() + "/pcs.csv";
  HttpJson(url, "POST", "/api/v1/transform-jobs",
           {{"name", "pcs-file"},
            {"model", "d-pca"},
            {"dataset", "d"},
            {"output_path", out},
            {"id_column", "id"}},
           &status);
  ASSERT_EQ(status, 202);
  Json done = WaitJob(url, "pcs-file", IsTerminalStatus, 60);
  ASSERT_EQ(done["status"], "Completed") << done.dump();
  auto lines = Lines(*core::ReadFile(out));
  ASSERT_EQ(lines.size(), 1501u);
  EXPECT_EQ(lines[0], "id,component_1,component_2");
  // A bad hyperparameter is a 400 naming it; too many components fail the job saying why.
  api::Response r =
      Http(url, "POST", "/api/v1/training-jobs",
           Json({{"dataset", "d"}, {"algorithm", "pca"}, {"hyperparameters", {{"components", 0}}}})
               .dump());
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("components must be in (0, inf), got 0"), std::string::npos) << r.body;
  HttpJson(url, "POST", "/api/v1/training-jobs",
           {{"name", "too-many"},
            {"dataset", "d"},
            {"algorithm", "pca"},
            {"hyperparameters", {{"components", 40}}},
            {"preprocessing", {{"drop", {"id", "label"}}}}},
           &status);
  ASSERT_EQ(status, 202);
  Json failed = WaitJob(url, "too-many", IsTerminalStatus, 60);
  EXPECT_EQ(failed["status"], "Failed");
  EXPECT_NE(failed.dump().find(
                "components is 40, but 1200 training rows of 9 features have at most 9 components"),
            std::string::npos)
      << failed.dump();
  ExpectExportImportRoundTrip(url, dir, "d-pca", "d", "pca.json");
}

TEST(AnomalyE2E, FindsLabelledFraudThroughServerAndCli) {
  TempDir dir;
  ServerProcess server;
  server.Start(dir.str() + "/data");
  const std::string url = server.url();
  ASSERT_EQ(Http(url, "POST", "/api/v1/datasets?name=fraud", Fraud(5000)).status, 201);

  Json algorithms = HttpJson(url, "GET", "/api/v1/algorithms");
  std::map<std::string, Json> by_name;
  for (const auto& a : algorithms["items"]) by_name[a["name"]] = a;
  ASSERT_TRUE(by_name.count("anomaly") && by_name.count("pca")) << algorithms.dump();
  EXPECT_EQ(by_name["anomaly"]["problem_types"], Json::array({"anomaly_detection"}));
  EXPECT_EQ(by_name["anomaly"]["supervised"], false);
  EXPECT_EQ(by_name["pca"]["problem_types"], Json::array({"dimensionality_reduction"}));
  std::set<std::string> hp;
  for (const auto& h : by_name["anomaly"]["hyperparameters"]) hp.insert(h["name"]);
  EXPECT_EQ(
      hp, (std::set<std::string>{"trees", "sample_size", "contamination", "max_features", "seed"}));

  // Trained with the label column: ROC AUC on the validation rows.
  int status = 0;
  Json sub = HttpJson(url, "POST", "/api/v1/training-jobs",
                      {{"name", "if1"},
                       {"dataset", "fraud"},
                       {"algorithm", "anomaly"},
                       {"target", "is_fraud"},
                       {"model", "fraud-if"},
                       {"preprocessing", {{"drop", {"id"}}}}},
                      &status);
  ASSERT_EQ(status, 202) << sub.dump();
  Json done = WaitJob(url, "if1", IsTerminalStatus, 90);
  ASSERT_EQ(done["status"], "Completed") << done.dump();
  Json job = HttpJson(url, "GET", "/api/v1/training-jobs/if1");
  const Json& m = job["metrics"];
  EXPECT_GT(m["roc_auc"].get<double>(), 0.98) << m.dump();
  EXPECT_GT(m["labelled_anomalies"].get<int>(), 0) << m.dump();
  EXPECT_GT(m["recall"].get<double>(), 0.5) << m.dump();
  EXPECT_EQ(job["result"]["training"]["trees"], 100);
  EXPECT_NEAR(job["result"]["training"]["train_flagged_rate"].get<double>(), 0.01, 0.002);
  std::string logs = Http(url, "GET", "/api/v1/jobs/if1/logs").body;
  EXPECT_NE(logs.find("tree 100/100"), std::string::npos) << logs;

  // Evaluation on the whole table, JSON and the HTML report.
  Json e = HttpJson(url, "POST", "/api/v1/models/fraud-if/versions/1/evaluate",
                    {{"dataset", "fraud"}}, &status);
  ASSERT_EQ(status, 200) << e.dump();
  EXPECT_GT(e["metrics"]["roc_auc"].get<double>(), 0.98) << e.dump();
  EXPECT_EQ(e["metrics"]["labelled_anomalies"], 50);
  api::Response report =
      Http(url, "GET", "/api/v1/models/fraud-if/versions/1/evaluate?dataset=fraud&format=html");
  ASSERT_EQ(report.status, 200);
  EXPECT_NE(report.body.find("Anomaly scores"), std::string::npos);
  EXPECT_NE(report.body.find("ROC AUC (score vs labels)"), std::string::npos);

  // An endpoint: a fraud-like row scores above a normal one and is flagged.
  HttpJson(url, "POST", "/api/v1/endpoints",
           {{"name", "fraud"}, {"model", "fraud-if"}, {"version", 1}}, &status);
  ASSERT_EQ(status, 201);
  const Json rows = Json::array({{{"amount", 2500.0},
                                  {"distance_km", 600.0},
                                  {"hour", 3},
                                  {"tx_last_day", 22},
                                  {"merchant", "online"}},
                                 {{"amount", 21.5},
                                  {"distance_km", 4.0},
                                  {"hour", 12},
                                  {"tx_last_day", 2},
                                  {"merchant", "grocery"}}});
  Json inv =
      HttpJson(url, "POST", "/api/v1/endpoints/fraud/invocations", {{"instances", rows}}, &status);
  ASSERT_EQ(status, 200) << inv.dump();
  const Json& p = inv["predictions"];
  ASSERT_EQ(p.size(), 2u);
  EXPECT_GT(p[0]["score"].get<double>(), p[1]["score"].get<double>()) << inv.dump();
  EXPECT_EQ(p[0]["anomaly"], true) << inv.dump();
  EXPECT_EQ(p[1]["anomaly"], false) << inv.dump();
  CliResult cinv = RunCli(
      {"--server", url, "endpoints", "invoke", "fraud", "--data", rows.dump(), "-o", "json"});
  ASSERT_EQ(cinv.exit_code, 0) << cinv.err;
  EXPECT_EQ(ParseOut(cinv)["predictions"], p);

  // Batch transform over HTTP to a file keeping id and label; the flags find the frauds.
  const std::string out = dir.str() + "/scored.csv";
  HttpJson(url, "POST", "/api/v1/transform-jobs",
           {{"name", "tf1"},
            {"model", "fraud-if"},
            {"dataset", "fraud"},
            {"output_path", out},
            {"id_column", {"id", "is_fraud"}}},
           &status);
  ASSERT_EQ(status, 202);
  ASSERT_EQ(WaitJob(url, "tf1", IsTerminalStatus, 60)["status"], "Completed");
  auto lines = Lines(*core::ReadFile(out));
  ASSERT_EQ(lines.size(), 5001u);
  EXPECT_EQ(lines[0], "id,is_fraud,anomaly_score,anomaly");
  int flagged_frauds = 0, flagged = 0;
  for (size_t i = 1; i < lines.size(); ++i) {
    const bool flag = lines[i].substr(lines[i].rfind(',') + 1) == "true";
    flagged += flag;
    flagged_frauds += flag && lines[i].find(",1,") != std::string::npos;
  }
  EXPECT_GE(flagged_frauds, 30) << flagged;
  EXPECT_LE(flagged, 100);
  // The same through the CLI, into a dataset.
  CliResult tf = RunCli({"--server", url, "transform", "--model", "fraud-if", "--dataset", "fraud",
                         "--output-dataset", "fraud-scored", "--wait", "-o", "json"});
  ASSERT_EQ(tf.exit_code, 0) << tf.err << tf.out;
  EXPECT_EQ(ParseOut(tf)["rows"], 5000);

  // The CLI trains too; a bad hyperparameter is a 400 over HTTP and a usage error there.
  CliResult ctrain = RunCli({"--server",
                             url,
                             "train",
                             "--dataset",
                             "fraud",
                             "--algorithm",
                             "anomaly",
                             "--target",
                             "is_fraud",
                             "--hp",
                             "trees=50",
                             "--hp",
                             "contamination=0.02",
                             "--model",
                             "fraud-if",
                             "--preprocessing",
                             R"({"drop": ["id"]})",
                             "--wait",
                             "-o",
                             "json"});
  ASSERT_EQ(ctrain.exit_code, 0) << ctrain.err << ctrain.out;
  Json cjob = ParseOut(ctrain);
  EXPECT_EQ(cjob["model"]["version"], 2) << cjob.dump();
  EXPECT_NEAR(cjob["result"]["training"]["train_flagged_rate"].get<double>(), 0.02, 0.002);
  api::Response bad = Http(url, "POST", "/api/v1/training-jobs",
                           Json({{"dataset", "fraud"},
                                 {"algorithm", "anomaly"},
                                 {"hyperparameters", {{"contamination", 0.9}}}})
                               .dump());
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("contamination must be in [0, 0.5], got 0.9"), std::string::npos)
      << bad.body;
  CliResult cbad = RunCli({"--server", url, "train", "--dataset", "fraud", "--algorithm", "anomaly",
                           "--hp", "trees=0"});
  EXPECT_EQ(cbad.exit_code, 2);
  EXPECT_NE(cbad.err.find("trees must be in [1, 10000], got 0"), std::string::npos) << cbad.err;
  // A label column that is not 0/1 fails the job, naming the column and the row.
  HttpJson(url, "POST", "/api/v1/training-jobs",
           {{"name", "bad-label"},
            {"dataset", "fraud"},
            {"algorithm", "anomaly"},
            {"target", "merchant"}},
           &status);
  ASSERT_EQ(status, 202);
  Json failed = WaitJob(url, "bad-label", IsTerminalStatus, 60);
  EXPECT_EQ(failed["status"], "Failed");
  EXPECT_NE(failed.dump().find("label column 'merchant'"), std::string::npos) << failed.dump();

  ExpectExportImportRoundTrip(url, dir, "fraud-if", "fraud", "iforest.bin");
}

}  // namespace
}  // namespace strata::e2e
