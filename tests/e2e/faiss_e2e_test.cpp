// kmeans and knn (FAISS) through the real binary: the CLI trains, evaluates, transforms,
// sweeps k and exports/imports a kmeans model; the server trains knn classifiers and a
// regression, serves them from endpoints, evaluates, exports and imports them (the
// labels file travels with the index), and refuses bad hyperparameters with a 400.
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

// Three blobs (sd 0.4) around (0,0), (6,0), (0,6) in x, y; `group` names the blob and
// `z` is a number in [0, 1) that carries no cluster information. A `cost` column
// depends on the position (for knn regression).
std::string Blobs(int rows) {
  std::mt19937 rng(9);
  std::normal_distribution<double> n(0, 0.4);
  std::uniform_real_distribution<double> u(0, 1);
  const double cx[] = {0, 6, 0}, cy[] = {0, 0, 6};
  const char* names[] = {"north", "east", "origin"};
  std::string csv = "x,y,group,cost\n";
  for (int i = 0; i < rows; ++i) {
    const int g = i % 3;
    const double x = cx[g] + n(rng), y = cy[g] + n(rng);
    csv += fmt::format("{:.4f},{:.4f},{},{:.4f}\n", x, y, names[g], 2 * x - y + 0.1 * u(rng));
  }
  return csv;
}

std::vector<std::string> Split(const std::string& line, char sep = ',') {
  std::vector<std::string> out;
  std::stringstream ss(line);
  for (std::string cell; std::getline(ss, cell, sep);) out.push_back(cell);
  return out;
}

TEST(FaissE2E, KMeansThroughTheCli) {
  TempDir dir;
  const std::string data = dir.str() + "/data", file = dir.str() + "/blobs.csv";
  std::ofstream(file) << Blobs(900);
  ASSERT_EQ(RunCli({"--data-dir", data, "datasets", "import", file, "--name", "b"}).exit_code, 0);
  const std::string drop = R"({"drop": ["group", "cost"]})";

  // Train: no target; clustering metrics on the validation rows.
  CliResult train = RunCli({"--data-dir", data, "train", "--dataset", "b", "--algorithm", "kmeans",
                            "--hp", "k=3", "--preprocessing", drop, "--wait", "-o", "json"});
  ASSERT_EQ(train.exit_code, 0) << train.err << train.out;
  Json job = ParseOut(train);
  EXPECT_EQ(job["status"], "Completed") << job.dump();
  EXPECT_EQ(job["model"]["name"], "b-kmeans");
  EXPECT_EQ(job["metrics"]["clusters"], 3);
  EXPECT_GT(job["metrics"]["silhouette"].get<double>(), 0.8) << job["metrics"].dump();
  EXPECT_EQ(job["result"]["training"]["init"], "k-means++");
  const auto model_dir = dir.path() / "data/objects/models/b-kmeans/v1";
  auto model_json = core::ParseJson(*core::ReadFile(model_dir / "model.json"), "model.json");
  ASSERT_TRUE(model_json.ok());
  EXPECT_EQ((*model_json)["payload"], "kmeans.faiss");
  EXPECT_TRUE(std::filesystem::exists(model_dir / "kmeans.faiss"));

  // Evaluate on the whole dataset.
  CliResult eval = RunCli(
      {"--data-dir", data, "models", "evaluate", "b-kmeans", "1", "--dataset", "b", "-o", "json"});
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  Json e = ParseOut(eval);
  EXPECT_GT(e["metrics"]["silhouette"].get<double>(), 0.8) << e.dump();
  EXPECT_EQ(e["metrics"]["cluster_sizes"], Json::parse("[300, 300, 300]"))
      << e.dump();  // the three blobs

  // Transform: each blob is one cluster, and the three blobs three clusters.
  const std::string out = dir.str() + "/clusters.csv";
  CliResult tr = RunCli({"--data-dir", data, "transform", "--model", "b-kmeans", "--dataset", "b",
                         "--output", out, "--wait", "-o", "json"});
  ASSERT_EQ(tr.exit_code, 0) << tr.err << tr.out;
  std::ifstream in(out);
  std::string line;
  std::getline(in, line);
  const auto header = Split(line);
  const auto col = [&](const std::string& name) {
    return std::find(header.begin(), header.end(), name) - header.begin();
  };
  ASSERT_LT(static_cast<size_t>(col("cluster")), header.size()) << line;
  std::map<std::string, std::set<std::string>> clusters_of;
  int rows = 0;
  while (std::getline(in, line)) {
    const auto cells = Split(line);
    clusters_of[cells[col("group")]].insert(cells[col("cluster")]);
    ++rows;
  }
  EXPECT_EQ(rows, 900);
  std::set<std::string> all;
  for (const auto& [g, c] : clusters_of) {
    EXPECT_EQ(c.size(), 1u) << g;
    all.insert(c.begin(), c.end());
  }
  EXPECT_EQ(all.size(), 3u);

  // The sweep suggests k = 3 and writes its report.
  const std::string report = dir.str() + "/sweep.html";
  CliResult sweep = RunCli({"--data-dir", data, "cluster-sweep", "--dataset", "b", "--k", "2:6",
                            "--preprocessing", drop, "--html", report, "-o", "json"});
  ASSERT_EQ(sweep.exit_code, 0) << sweep.err;
  Json s = ParseOut(sweep);
  EXPECT_EQ(s["suggested_k"], 3) << s.dump();
  ASSERT_EQ(s["results"].size(), 5u);
  EXPECT_GT(s["results"][0]["inertia"].get<double>(), s["results"][1]["inertia"].get<double>());
  auto html = core::ReadFile(report);
  ASSERT_TRUE(html.ok());
  EXPECT_NE(html->find("Silhouette by k"), std::string::npos);
  EXPECT_NE(html->find("<svg"), std::string::npos);
  CliResult table = RunCli({"--data-dir", data, "cluster-sweep", "--dataset", "b", "--k", "3:4",
                            "--preprocessing", drop, "-o", "table"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("suggested k: 3"), std::string::npos) << table.out;
  CliResult bad_range =
      RunCli({"--data-dir", data, "cluster-sweep", "--dataset", "b", "--k", "5:2"});
  EXPECT_EQ(bad_range.exit_code, 2);
  EXPECT_NE(bad_range.err.find("k_max must be"), std::string::npos) << bad_range.err;

  // Export and import keep the centres: the copy predicts the same.
  const std::string archive = dir.str() + "/km.tar.gz";
  ASSERT_EQ(
      RunCli({"--data-dir", data, "models", "export", "b-kmeans", "1", "--output-file", archive})
          .exit_code,
      0);
  CliResult im = RunCli({"--data-dir", data, "models", "import", archive, "--name", "km-copy"});
  ASSERT_EQ(im.exit_code, 0) << im.err;
  CliResult eval2 = RunCli(
      {"--data-dir", data, "models", "evaluate", "km-copy", "1", "--dataset", "b", "-o", "json"});
  ASSERT_EQ(eval2.exit_code, 0) << eval2.err;
  EXPECT_EQ(ParseOut(eval2)["metrics"]["inertia"], e["metrics"]["inertia"]);

  // k = 0 is a usage error naming the parameter.
  CliResult bad = RunCli(
      {"--data-dir", data, "train", "--dataset", "b", "--algorithm", "kmeans", "--hp", "k=0"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("k must be in [1, 10000], got 0"), std::string::npos) << bad.err;
  // A target makes no sense for clustering.
  CliResult target = RunCli({"--data-dir", data, "train", "--dataset", "b", "--algorithm", "kmeans",
                             "--target", "group"});
  EXPECT_EQ(target.exit_code, 2) << target.err;
}

bool Terminal(const Json& j) {
  return IsTerminalStatus(j);
}

Json TrainOnServer(const std::string& url, const Json& request) {
  int status = 0;
  Json job = HttpJson(url, "POST", "/api/v1/training-jobs", request, &status);
  EXPECT_EQ(status, 202) << job.dump();
  Json done = WaitJob(url, request["name"], Terminal, 60);
  EXPECT_EQ(done["status"], "Completed") << done.dump();
  return HttpJson(url, "GET", "/api/v1/training-jobs/" + request["name"].get<std::string>());
}

TEST(FaissE2E, KnnThroughTheServer) {
  TempDir dir;
  ServerProcess server;
  server.Start(dir.str() + "/data");
  const std::string url = server.url();
  ASSERT_EQ(Http(url, "POST", "/api/v1/datasets?name=b", Blobs(900)).status, 201);

  // The algorithm and its schema.
  Json knn;
  const Json algorithms = HttpJson(url, "GET", "/api/v1/algorithms");
  for (const auto& a : algorithms["items"]) {
    if (a["name"] == "knn") knn = a;
  }
  ASSERT_TRUE(knn.is_object());
  EXPECT_EQ(knn["problem_types"].size(), 3u);
  EXPECT_EQ(knn["supervised"], true);

  // A bad hyperparameter is a 400 naming it, before any job.
  int status = 0;
  Json bad = HttpJson(url, "POST", "/api/v1/training-jobs",
                      {{"dataset", "b"},
                       {"target", "group"},
                       {"algorithm", "knn"},
                       {"hyperparameters", {{"k", 0}}}},
                      &status);
  EXPECT_EQ(status, 400);
  EXPECT_NE(bad.dump().find("k must be in [1, 1000], got 0"), std::string::npos) << bad.dump();
  HttpJson(url, "POST", "/api/v1/training-jobs",
           {{"dataset", "b"}, {"algorithm", "kmeans"}, {"hyperparameters", {{"k", 0}}}}, &status);
  EXPECT_EQ(status, 400);

  // A classifier with distance weights.
  Json job = TrainOnServer(url, {{"name", "knn-group"},
                                 {"dataset", "b"},
                                 {"target", "group"},
                                 {"algorithm", "knn"},
                                 {"model", "knn-group"},
                                 {"preprocessing", {{"drop", {"cost"}}}},
                                 {"hyperparameters", {{"k", 7}, {"weights", "distance"}}}});
  EXPECT_GE(job["metrics"]["accuracy"].get<double>(), 0.99) << job.dump();
  EXPECT_EQ(job["result"]["training"]["index"], "flat");

  // Deploy and invoke: raw values in, class and probabilities out.
  HttpJson(url, "POST", "/api/v1/endpoints",
           {{"name", "e"}, {"model", "knn-group"}, {"version", 1}}, &status);
  ASSERT_EQ(status, 201);
  api::Response r =
      Http(url, "POST", "/api/v1/endpoints/e/invocations",
           R"({"instances": [{"x": 6.1, "y": 0.2}, {"x": 0.1, "y": 5.8}, {"x": 0, "y": 0}]})",
           {{"Content-Type", "application/json"}});
  ASSERT_EQ(r.status, 200) << r.body;
  Json preds = Json::parse(r.body)["predictions"];
  EXPECT_EQ(preds[0]["prediction"], "east") << r.body;
  EXPECT_EQ(preds[1]["prediction"], "origin") << r.body;
  EXPECT_EQ(preds[2]["prediction"], "north") << r.body;
  EXPECT_NEAR(preds[0]["probabilities"]["east"].get<double>(), 1.0, 1e-6);

  // Evaluate on the whole dataset.
  Json e = HttpJson(url, "POST", "/api/v1/models/knn-group/versions/1/evaluate", {{"dataset", "b"}},
                    &status);
  ASSERT_EQ(status, 200) << e.dump();
  EXPECT_GE(e["metrics"]["accuracy"].get<double>(), 0.99);

  // Export and import: the archive carries the labels beside the index.
  api::Response archive = Http(url, "GET", "/api/v1/models/knn-group/versions/1/export");
  ASSERT_EQ(archive.status, 200);
  api::Response imported = Http(url, "POST", "/api/v1/models/import?name=knn-copy", archive.body);
  ASSERT_EQ(imported.status, 201) << imported.body;
  EXPECT_TRUE(
      std::filesystem::exists(dir.path() / "data/objects/models/knn-copy/v1/knn_labels.npy"));
  Json e2 = HttpJson(url, "POST", "/api/v1/models/knn-copy/versions/1/evaluate", {{"dataset", "b"}},
                     &status);
  ASSERT_EQ(status, 200) << e2.dump();
  EXPECT_EQ(e2["metrics"]["accuracy"], e["metrics"]["accuracy"]);

  // Regression through HNSW (hnsw_above below the row count), and its schema facts.
  Json reg = TrainOnServer(url, {{"name", "knn-cost"},
                                 {"dataset", "b"},
                                 {"target", "cost"},
                                 {"algorithm", "knn"},
                                 {"model", "knn-cost"},
                                 {"preprocessing", {{"drop", {"group"}}}},
                                 {"hyperparameters", {{"k", 5}, {"hnsw_above", 100}}}});
  EXPECT_EQ(reg["problem"], "regression");
  EXPECT_GT(reg["metrics"]["r2"].get<double>(), 0.95) << reg.dump();
  EXPECT_EQ(reg["result"]["training"]["index"], "hnsw");

  // The sweep over HTTP, as JSON and as HTML; bad requests are 400 and 404.
  Json sweep = HttpJson(url, "POST", "/api/v1/clustering/sweeps",
                        {{"dataset", "b"},
                         {"k_min", 2},
                         {"k_max", 4},
                         {"preprocessing", {{"drop", {"group", "cost"}}}}},
                        &status);
  ASSERT_EQ(status, 200) << sweep.dump();
  EXPECT_EQ(sweep["suggested_k"], 3);
  api::Response page = Http(url, "POST", "/api/v1/clustering/sweeps?format=html",
                            R"({"dataset": "b", "k_min": 2, "k_max": 3})");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("Elbow"), std::string::npos);
  EXPECT_EQ(
      Http(url, "POST", "/api/v1/clustering/sweeps", R"({"dataset": "b", "k_min": 0})").status,
      400);
  api::Response k_in_hp = Http(url, "POST", "/api/v1/clustering/sweeps",
                               R"({"dataset": "b", "hyperparameters": {"k": 3}})");
  EXPECT_EQ(k_in_hp.status, 400);
  EXPECT_NE(k_in_hp.body.find("must not set k"), std::string::npos) << k_in_hp.body;
  EXPECT_EQ(Http(url, "POST", "/api/v1/clustering/sweeps", R"({"dataset": "nope"})").status, 404);
}

}  // namespace
}  // namespace strata::e2e
