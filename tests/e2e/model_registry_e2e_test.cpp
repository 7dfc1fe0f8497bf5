// Evaluation, export and import of model versions through the real server and CLI,
// and interop with the xgboost Python package (Debian's python3-xgboost): a model
// trained here predicts the same there, and one trained there imports and predicts the
// same here.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "harness.h"
#include "platform/platform.h"

namespace strata::e2e {
namespace {

bool Terminal(const Json& j) {
  return IsTerminalStatus(j);
}

// A learnable binary problem with a category, some missing x2 and (optionally) rows
// without a target and with a class the model never saw.
std::string Classification(int rows, bool dirty) {
  std::mt19937 rng(5);
  std::normal_distribution<double> n(0, 1);
  std::string csv = "x1,x2,color,y\n";
  const char* colors[] = {"red", "green", "blue"};
  for (int i = 0; i < rows; ++i) {
    double x1 = n(rng), x2 = n(rng);
    int c = static_cast<int>(rng() % 3);
    double score = 1.5 * x1 - x2 + (c == 0 ? 1.0 : -0.5) + 0.5 * n(rng);
    std::string y = score > 0 ? "yes" : "no";
    if (dirty && i % 50 == 3) y = "";
    if (dirty && i % 50 == 7) y = "maybe";
    csv += fmt::format("{:.4f},{},{},{}\n", x1, i % 17 == 0 ? "" : fmt::format("{:.4f}", x2),
                       colors[c], y);
  }
  return csv;
}

// All-numeric, no missing values: the recipe passes values through unchanged, so the
// exported booster sees the same matrix in Python.
std::string Numeric(int rows, bool with_missing) {
  std::mt19937 rng(9);
  std::normal_distribution<double> n(0, 1);
  std::string csv = "a,b,c,y\n";
  for (int i = 0; i < rows; ++i) {
    double a = n(rng), b = n(rng), c = n(rng);
    int y = a + 0.5 * b * b - c + 0.3 * n(rng) > 0.4 ? 1 : 0;
    csv += fmt::format("{:.5f},{},{:.5f},{}\n", a,
                       with_missing && i % 13 == 0 ? "" : fmt::format("{:.5f}", b), c, y);
  }
  return csv;
}

std::string Houses(int rows) {
  std::mt19937 rng(3);
  std::normal_distribution<double> n(0, 1);
  std::string csv = "sqft,rooms,price\n";
  for (int i = 0; i < rows; ++i) {
    double sqft = 800 + 1500 * std::fabs(n(rng));
    int rooms = 1 + static_cast<int>(sqft / 500);
    csv += fmt::format("{:.0f},{},{:.1f}\n", sqft, rooms,
                       50000 + 180 * sqft + 9000 * rooms + 20000 * n(rng));
  }
  return csv;
}

void Train(const std::string& url, const std::string& job, const std::string& dataset,
           const std::string& target, const std::string& model) {
  int status = 0;
  Json r = HttpJson(url, "POST", "/api/v1/training-jobs",
                    {{"name", job},
                     {"dataset", dataset},
                     {"target", target},
                     {"model", model},
                     {"hyperparameters", {{"num_round", 30}, {"max_depth", 3}}}},
                    &status);
  ASSERT_EQ(status, 202) << r.dump();
  Json done = WaitJob(url, job, Terminal, 90);
  ASSERT_EQ(done["status"], "Completed") << done.dump();
}

std::string RunPython(const std::vector<std::string>& args) {
  std::string cmd = "/usr/bin/python3";
  for (const auto& a : args) cmd += " '" + a + "'";
  cmd += " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while (p && (n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = p ? pclose(p) : -1;
  EXPECT_EQ(status, 0) << cmd << "\n" << out << "\n(needs python3-xgboost: scripts/install-deps)";
  return out;
}

std::vector<double> ReadPredictions(const std::filesystem::path& file) {
  std::vector<double> out;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) out.push_back(std::stod(line));
  return out;
}

// The CSV's rows as JSON lists in `columns` order (empty cells as null).
Json RowsOf(const std::string& csv, const std::vector<std::string>& columns) {
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header;
  for (std::stringstream h(line); std::getline(h, line, ',');) header.push_back(line);
  Json rows = Json::array();
  for (std::string row; std::getline(in, row);) {
    std::vector<std::string> cells;
    std::stringstream s(row);
    for (std::string cell; std::getline(s, cell, ',');) cells.push_back(cell);
    if (!row.empty() && row.back() == ',') cells.push_back("");
    Json r = Json::array();
    for (const auto& c : columns) {
      size_t i = static_cast<size_t>(std::find(header.begin(), header.end(), c) - header.begin());
      r.push_back(cells[i].empty() ? Json(nullptr) : Json(std::stod(cells[i])));
    }
    rows.push_back(r);
  }
  return rows;
}

const std::string kInterop = std::string(STRATA_SOURCE_DIR) + "/tests/e2e/xgboost_interop.py";

TEST(ModelRegistryE2E, EvaluatesOnAnyDatasetWithThresholdAndSkippedRows) {
  TempDir dir;
  ServerProcess server;
  server.Start(dir.str() + "/data");
  const std::string url = server.url();
  ASSERT_EQ(Http(url, "POST", "/api/v1/datasets?name=cls", Classification(1200, false)).status,
            201);
  ASSERT_EQ(Http(url, "POST", "/api/v1/datasets?name=dirty", Classification(600, true)).status,
            201);
  Train(url, "t1", "cls", "y", "churn");

  int status = 0;
  Json e = HttpJson(url, "POST", "/api/v1/models/churn/versions/1/evaluate", {{"dataset", "cls"}},
                    &status);
  ASSERT_EQ(status, 200) << e.dump();
  EXPECT_EQ(e["rows"]["evaluated"], 1200);
  EXPECT_EQ(e["threshold"], 0.5);
  const Json& m = e["metrics"];
  EXPECT_GT(m["roc_auc"].get<double>(), 0.85);
  for (const char* k : {"accuracy", "precision", "recall", "f1", "pr_auc", "log_loss"})
    EXPECT_TRUE(m[k].is_number()) << k;
  EXPECT_EQ(m["per_class"].size(), 2u);
  EXPECT_EQ(m["per_class"][1]["class"], "true");  // yes/no reads as bool
  EXPECT_TRUE(m["macro"]["f1"].is_number());
  EXPECT_TRUE(m["weighted"]["f1"].is_number());
  EXPECT_FALSE(m["roc_curve"].empty());
  EXPECT_FALSE(m["pr_curve"].empty());

  // A higher threshold predicts fewer positives.
  Json strict = HttpJson(url, "POST", "/api/v1/models/churn/versions/1/evaluate",
                         {{"dataset", "cls"}, {"threshold", 0.9}}, &status);
  ASSERT_EQ(status, 200) << strict.dump();
  EXPECT_EQ(strict["threshold"], 0.9);
  EXPECT_LT(
      strict["metrics"]["confusion_matrix"]["tp"].get<int64_t>() +
          strict["metrics"]["confusion_matrix"]["fp"].get<int64_t>(),
      m["confusion_matrix"]["tp"].get<int64_t>() + m["confusion_matrix"]["fp"].get<int64_t>());
  EXPECT_EQ(strict["metrics"]["roc_auc"], m["roc_auc"]);

  // Missing targets and an unseen class are skipped and counted; an alias works.
  Json alias =
      HttpJson(url, "PUT", "/api/v1/models/churn/aliases/production", {{"version", 1}}, &status);
  ASSERT_EQ(status, 200) << alias.dump();
  Json d = HttpJson(url, "POST", "/api/v1/models/churn/versions/production/evaluate",
                    {{"dataset", "dirty"}}, &status);
  ASSERT_EQ(status, 200) << d.dump();
  EXPECT_EQ(d["rows"]["missing_target"], 12);
  EXPECT_EQ(d["rows"]["unseen_class"], 12);
  EXPECT_EQ(d["rows"]["evaluated"], 600 - 24);
  ASSERT_EQ(d["unseen_classes"].size(), 1u);
  EXPECT_EQ(d["unseen_classes"][0]["class"], "maybe");

  // Bad requests.
  HttpJson(url, "POST", "/api/v1/models/churn/versions/1/evaluate",
           {{"dataset", "cls"}, {"threshold", 2}}, &status);
  EXPECT_EQ(status, 400);
  HttpJson(url, "POST", "/api/v1/models/churn/versions/1/evaluate", {{"dataset", "nope"}}, &status);
  EXPECT_EQ(status, 404);
  HttpJson(url, "POST", "/api/v1/models/churn/versions/7/evaluate", {{"dataset", "cls"}}, &status);
  EXPECT_EQ(status, 404);
  ASSERT_EQ(Http(url, "POST", "/api/v1/datasets?name=notarget", "x1,x2\n1,2\n").status, 201);
  Json no_target = HttpJson(url, "POST", "/api/v1/models/churn/versions/1/evaluate",
                            {{"dataset", "notarget"}}, &status);
  EXPECT_EQ(status, 400);
  EXPECT_NE(no_target.dump().find("has no column 'y'"), std::string::npos) << no_target.dump();

  // GET ...?format=html: the report.
  api::Response html =
      Http(url, "GET", "/api/v1/models/churn/versions/1/evaluate?dataset=cls&format=html");
  EXPECT_EQ(html.status, 200);
  EXPECT_NE(html.body.find("<svg"), std::string::npos);
  EXPECT_EQ(html.body.find("http://"), std::string::npos);  // self-contained

  // The CLI: a table on request, JSON otherwise, and the HTML report.
  CliResult table = RunCli({"--server", url, "models", "evaluate", "churn", "1", "--dataset",
                            "dirty", "-o", "table", "--html", dir.str() + "/report.html"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("roc_auc"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("class 'maybe'"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("(macro avg)"), std::string::npos) << table.out;
  auto report = core::ReadFile(dir.path() / "report.html");
  ASSERT_TRUE(report.ok());
  EXPECT_NE(report->find("ROC curve"), std::string::npos);
  CliResult json = RunCli({"--server", url, "models", "evaluate", "churn", "1", "--dataset", "cls",
                           "--threshold", "0.3"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(Json::parse(json.out)["threshold"], 0.3);
  EXPECT_EQ(
      RunCli({"--server", url, "models", "evaluate", "churn", "1", "--dataset", "nope"}).exit_code,
      1);
}

TEST(ModelRegistryE2E, EvaluatesRegression) {
  TempDir dir;
  ServerProcess server;
  server.Start(dir.str() + "/data");
  ASSERT_EQ(Http(server.url(), "POST", "/api/v1/datasets?name=houses", Houses(800)).status, 201);
  Train(server.url(), "t1", "houses", "price", "price");
  int status = 0;
  Json e = HttpJson(server.url(), "POST", "/api/v1/models/price/versions/1/evaluate",
                    {{"dataset", "houses"}}, &status);
  ASSERT_EQ(status, 200) << e.dump();
  EXPECT_GT(e["metrics"]["r2"].get<double>(), 0.5);
  for (const char* k : {"rmse", "mae", "mape"}) EXPECT_TRUE(e["metrics"][k].is_number()) << k;
  EXPECT_TRUE(e["metrics"]["residuals"]["p50"].is_number());
  EXPECT_EQ(e["charts"]["scatter"].size(), 800u);
  EXPECT_EQ(e["charts"]["residual_histogram"]["counts"].size(), 30u);
  HttpJson(server.url(), "POST", "/api/v1/models/price/versions/1/evaluate",
           {{"dataset", "houses"}, {"threshold", 0.5}}, &status);
  EXPECT_EQ(status, 400);  // threshold is for binary classifiers
}

TEST(ModelRegistryE2E, ExportsAndImportsArchives) {
  TempDir dir;
  ServerProcess server;
  server.Start(dir.str() + "/data");
  const std::string url = server.url();
  ASSERT_EQ(Http(url, "POST", "/api/v1/datasets?name=cls", Classification(800, false)).status, 201);
  Train(url, "t1", "cls", "y", "churn");

  api::Response r = Http(url, "GET", "/api/v1/models/churn/versions/1/export");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(HeaderOf(r, "Content-Type").value_or(""), "application/gzip");
  EXPECT_EQ(static_cast<unsigned char>(r.body[0]), 0x1f);  // gzip magic

  const std::string archive = dir.str() + "/churn.tar.gz";
  CliResult ex =
      RunCli({"--server", url, "models", "export", "churn", "1", "--output-file", archive});
  ASSERT_EQ(ex.exit_code, 0) << ex.err;
  CliResult im = RunCli({"--server", url, "models", "import", archive, "--name", "copy"});
  ASSERT_EQ(im.exit_code, 0) << im.err;
  Json copy = Json::parse(im.out);
  EXPECT_EQ(copy["name"], "copy");
  EXPECT_EQ(copy["version"], 1);
  EXPECT_EQ(copy["algorithm"], "xgboost");
  // Without --name it goes back to the model it came from, as a new version.
  CliResult again = RunCli({"--server", url, "models", "import", archive});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(Json::parse(again.out)["version"], 2);

  int status = 0;
  Json a = HttpJson(url, "POST", "/api/v1/models/churn/versions/1/evaluate", {{"dataset", "cls"}},
                    &status);
  Json b = HttpJson(url, "POST", "/api/v1/models/copy/versions/1/evaluate", {{"dataset", "cls"}},
                    &status);
  ASSERT_EQ(status, 200) << b.dump();
  EXPECT_EQ(a["metrics"], b["metrics"]);

  // Refused archives register nothing.
  auto refused = [&](const std::vector<std::pair<std::string, std::string>>& files,
                     const std::string& expect) {
    auto bytes = platform::WriteTarGz(files);
    ASSERT_TRUE(bytes.ok());
    api::Response resp = Http(url, "POST", "/api/v1/models/import?name=evil", *bytes);
    EXPECT_EQ(resp.status, 400) << resp.body;
    EXPECT_NE(resp.body.find(expect), std::string::npos) << resp.body;
  };
  auto model_json = core::ReadFile(dir.path() / "data/objects/models/churn/v1/model.json");
  auto payload = core::ReadFile(dir.path() / "data/objects/models/churn/v1/xgboost.json");
  ASSERT_TRUE(model_json.ok() && payload.ok());
  refused({{"../evil.json", "{}"}}, "no paths");
  refused({{"sub/model.json", *model_json}}, "no paths");
  refused({{"model.json", *model_json}}, "payload file 'xgboost.json'");
  refused({{"model.json", "{\"format\": \"other\"}"}, {"xgboost.json", *payload}},
          "not a Strata model");
  Json unknown = Json::parse(*model_json);
  unknown["algorithm"] = "quantum";
  refused({{"model.json", unknown.dump()}, {"xgboost.json", *payload}}, "unknown algorithm");
  refused({{"model.json", *model_json}, {"xgboost.json", "not a model"}},
          "the model does not load");
  api::Response garbage = Http(url, "POST", "/api/v1/models/import?name=evil", "hello");
  EXPECT_EQ(garbage.status, 400) << garbage.body;
  HttpJson(url, "GET", "/api/v1/models/evil", nullptr, &status);
  EXPECT_EQ(status, 404);
}

TEST(ModelRegistryE2E, ExportedModelPredictsTheSameInPythonXGBoost) {
  TempDir dir;
  ServerProcess server;
  server.Start(dir.str() + "/data");
  const std::string csv = Numeric(600, false);
  ASSERT_EQ(Http(server.url(), "POST", "/api/v1/datasets?name=num", csv).status, 201);
  Train(server.url(), "t1", "num", "y", "num-y");
  const std::string archive = dir.str() + "/num.tar.gz";
  ASSERT_EQ(
      RunCli({"--server", server.url(), "models", "export", "num-y", "1", "--output-file", archive})
          .exit_code,
      0);
  std::ofstream(dir.path() / "num.csv") << csv;

  // Strata's Predictor on the archive's files.
  auto unpacked = dir.path() / "unpacked";
  std::filesystem::create_directories(unpacked);
  ASSERT_TRUE(platform::ExtractModelArchive(archive, unpacked, {}).ok());
  auto predictor = serve::Predictor::Load(unpacked);
  ASSERT_TRUE(predictor.ok()) << predictor.status().ToString();
  auto ours = (*predictor)->PredictJson(RowsOf(csv, (*predictor)->input_columns()));
  ASSERT_TRUE(ours.ok()) << ours.status().ToString();

  RunPython({kInterop, "predict", archive, (dir.path() / "num.csv").string(),
             (dir.path() / "py.txt").string()});
  std::vector<double> theirs = ReadPredictions(dir.path() / "py.txt");
  ASSERT_EQ(theirs.size(), ours->values.size());
  for (size_t i = 0; i < theirs.size(); ++i)
    EXPECT_NEAR(ours->values[i], theirs[i], 1e-6) << "row " << i;
}

TEST(ModelRegistryE2E, PythonXGBoostModelImportsAndPredictsTheSame) {
  TempDir dir;
  const std::string csv = Numeric(500, true);
  std::ofstream(dir.path() / "num.csv") << csv;
  const std::string model = (dir.path() / "py-model.json").string(),
                    pred = (dir.path() / "py.txt").string();
  RunPython({kInterop, "train", (dir.path() / "num.csv").string(), "y", model, pred});

  const std::string data = dir.str() + "/data";
  CliResult im = RunCli({"--data-dir", data, "models", "import-xgboost", model, "--name", "py",
                         "--classes", "0,1", "--target", "y"});
  ASSERT_EQ(im.exit_code, 0) << im.err;
  EXPECT_EQ(Json::parse(im.out)["problem"], "binary_classification");

  auto predictor = serve::Predictor::Load(dir.path() / "data/objects/models/py/v1");
  ASSERT_TRUE(predictor.ok()) << predictor.status().ToString();
  EXPECT_EQ((*predictor)->input_columns(),
            (std::vector<std::string>{"a", "b", "c"}));  // the booster's names
  auto ours = (*predictor)->PredictJson(RowsOf(csv, {"a", "b", "c"}));
  ASSERT_TRUE(ours.ok()) << ours.status().ToString();
  std::vector<double> theirs = ReadPredictions(pred);
  ASSERT_EQ(theirs.size(), ours->values.size());
  for (size_t i = 0; i < theirs.size(); ++i)
    EXPECT_NEAR(ours->values[i], theirs[i], 1e-6) << "row " << i;

  // Served like any other version: evaluation on a dataset with the target column.
  std::ofstream(dir.path() / "eval.csv") << csv;
  ASSERT_EQ(RunCli({"--data-dir", data, "datasets", "import", (dir.path() / "eval.csv").string(),
                    "--name", "num"})
                .exit_code,
            0);
  CliResult e = RunCli({"--data-dir", data, "models", "evaluate", "py", "1", "--dataset", "num"});
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_GT(Json::parse(e.out)["metrics"]["roc_auc"].get<double>(), 0.8);

  // Wrong feature count or objective: refused with the reason.
  CliResult wrong = RunCli({"--data-dir", data, "models", "import-xgboost", model, "--name", "py2",
                            "--features", "a,b"});
  EXPECT_EQ(wrong.exit_code, 2);  // InvalidArgument
  EXPECT_NE(wrong.err.find("3 features but 2 names"), std::string::npos) << wrong.err;
}

}  // namespace
}  // namespace strata::e2e
