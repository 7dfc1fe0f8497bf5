// Explainability through the real server and CLI: importance recorded at training,
// POST .../explain on inline rows and dataset rows (xgboost and linear-learner, binary
// and multi-class), its errors, `strata models explain`, and the explanations of the
// evaluation.
#include <cmath>
#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "harness.h"

namespace strata::e2e {
namespace {

// y depends on x1 and the color (a one-hot column); x2 is noise.
std::string Binary(int rows) {
  std::mt19937 rng(11);
  std::normal_distribution<double> n(0, 1);
  const char* colors[] = {"red", "green", "blue"};
  std::string csv = "x1,x2,color,y\n";
  for (int i = 0; i < rows; ++i) {
    const double x1 = n(rng), x2 = n(rng);
    const int c = static_cast<int>(rng() % 3);
    const double score = 2 * x1 + (c == 0 ? 1.5 : -0.7) + 0.4 * n(rng);
    csv += fmt::format("{:.4f},{:.4f},{},{}\n", x1, x2, colors[c], score > 0 ? "yes" : "no");
  }
  return csv;
}

// Three classes by the sign pattern of a and b.
std::string Multiclass(int rows) {
  std::mt19937 rng(12);
  std::normal_distribution<double> n(0, 1);
  std::string csv = "a,b,kind\n";
  for (int i = 0; i < rows; ++i) {
    const double a = n(rng), b = n(rng);
    const char* kind = a > 0.3 ? "alpha" : b > 0 ? "beta" : "gamma";
    csv += fmt::format("{:.4f},{:.4f},{}\n", a, b, kind);
  }
  return csv;
}

Json TrainJob(const std::string& url, const std::string& job, const std::string& dataset,
              const std::string& target, const std::string& algorithm, const std::string& model) {
  int status = 0;
  Json hp = algorithm == "xgboost" ? Json{{"num_round", 30}, {"max_depth", 3}} : Json::object();
  Json r = HttpJson(url, "POST", "/api/v1/training-jobs",
                    {{"name", job},
                     {"dataset", dataset},
                     {"target", target},
                     {"algorithm", algorithm},
                     {"model", model},
                     {"hyperparameters", hp}},
                    &status);
  EXPECT_EQ(status, 202) << r.dump();
  Json done = WaitJob(url, job, IsTerminalStatus, 90);
  EXPECT_EQ(done["status"], "Completed") << done.dump();
  return done;
}

double Sigmoid(double m) {
  return 1 / (1 + std::exp(-m));
}

// base_value + contributions = margin, and the link gives the probabilities.
void ExpectConsistent(const Json& e) {
  const std::string link = e["link"];
  for (const auto& row : e["rows"]) {
    const Json& probs = row["probabilities"];
    if (e.contains("explained_class")) {
      double m = row["base_value"].get<double>();
      for (const auto& [c, v] : row["contributions"].items()) m += v.get<double>();
      EXPECT_NEAR(m, row["margin"].get<double>(), 1e-9);
      ASSERT_EQ(link, "logit");
      EXPECT_NEAR(Sigmoid(m), probs[e["explained_class"].get<std::string>()].get<double>(), 1e-5)
          << row.dump();
    } else {
      double sum = 0;
      std::map<std::string, double> s;
      for (const auto& [cls, contributions] : row["contributions"].items()) {
        double m = row["base_value"][cls].get<double>();
        for (const auto& [c, v] : contributions.items()) m += v.get<double>();
        EXPECT_NEAR(m, row["margin"][cls].get<double>(), 1e-9);
        s[cls] = link == "softmax" ? std::exp(m) : Sigmoid(m);
        sum += s[cls];
      }
      for (const auto& [cls, v] : s)
        EXPECT_NEAR(v / sum, probs[cls].get<double>(), 1e-5) << row.dump();
    }
  }
}

TEST(ExplainE2E, TrainRecordsImportanceAndExplainGivesContributionsPerRawColumn) {
  TempDir dir;
  ServerProcess server;
  server.Start(dir.str() + "/data");
  const std::string url = server.url();
  ASSERT_EQ(Http(url, "POST", "/api/v1/datasets?name=bin", Binary(1500)).status, 201);
  ASSERT_EQ(Http(url, "POST", "/api/v1/datasets?name=multi", Multiclass(900)).status, 201);

  // Importance at training, against the raw columns: color once, not per category.
  Json job = TrainJob(url, "tx", "bin", "y", "xgboost", "bx");
  const Json& imp = job["result"]["importance"];
  ASSERT_TRUE(imp.contains("permutation")) << imp.dump();
  EXPECT_EQ(imp["permutation"]["metric"], "roc_auc");
  for (const char* kind : {"permutation", "gain", "cover"}) {
    ASSERT_TRUE(imp.contains(kind)) << kind;
    const Json& v = imp[kind]["values"];
    EXPECT_EQ(v.size(), 3u) << v.dump();
    EXPECT_GT(v["x1"].get<double>(), v["x2"].get<double>()) << kind;
    EXPECT_GT(v["color"].get<double>(), v["x2"].get<double>()) << kind;
  }
  Json lj = TrainJob(url, "tl", "multi", "kind", "linear-learner", "ml");
  EXPECT_TRUE(lj["result"]["importance"].contains("coefficients"))
      << lj["result"]["importance"].dump();
  TrainJob(url, "tm", "multi", "kind", "xgboost", "mx");
  TrainJob(url, "tb", "bin", "y", "linear-learner", "bl");

  // Inline rows, as objects and as lists in schema order.
  int status = 0;
  Json e = HttpJson(url, "POST", "/api/v1/models/bx/versions/1/explain",
                    Json::parse(R"({"rows": [{"x1": 1.2, "x2": 0.1, "color": "red"},
                                             [-0.8, 0.3, "blue"], {"x1": 0.1, "color": "purple"}]})"),
                    &status);
  ASSERT_EQ(status, 200) << e.dump();
  EXPECT_EQ(e["method"], "tree_shap");
  EXPECT_EQ(e["link"], "logit");
  EXPECT_EQ(e["explained_class"], "true");
  EXPECT_EQ(e["columns"], Json::parse(R"(["x1", "x2", "color"])"));
  ASSERT_EQ(e["rows"].size(), 3u);
  EXPECT_EQ(e["rows"][0]["contributions"].size(), 3u);
  EXPECT_GT(e["rows"][0]["contributions"]["color"].get<double>(),
            e["rows"][1]["contributions"]["color"].get<double>());
  EXPECT_FALSE(e["notes"].empty());  // the unknown color, the missing x2
  ExpectConsistent(e);

  // Dataset rows, with the actual target beside each; every model kind.
  for (const auto& [model, dataset] : std::vector<std::pair<std::string, std::string>>{
           {"bx", "bin"}, {"bl", "bin"}, {"mx", "multi"}, {"ml", "multi"}}) {
    SCOPED_TRACE(model);
    Json d = HttpJson(url, "POST", "/api/v1/models/" + model + "/versions/1/explain",
                      {{"dataset", dataset}, {"offset", 10}, {"limit", 25}}, &status);
    ASSERT_EQ(status, 200) << d.dump();
    EXPECT_EQ(d["dataset"]["rows"], 25);
    ASSERT_EQ(d["rows"].size(), 25u);
    EXPECT_TRUE(d["rows"][0].contains("actual"));
    ExpectConsistent(d);
  }
  Json m = HttpJson(url, "POST", "/api/v1/models/mx/versions/1/explain",
                    {{"dataset", "multi"}, {"limit", 3}}, &status);
  EXPECT_EQ(m["link"], "softmax");
  EXPECT_EQ(m["rows"][0]["contributions"].size(), 3u);           // per class
  EXPECT_EQ(m["rows"][0]["contributions"]["alpha"].size(), 2u);  // per column
  Json l = HttpJson(url, "POST", "/api/v1/models/ml/versions/latest/explain",
                    {{"dataset", "multi"}, {"limit", 3}}, &status);
  EXPECT_EQ(l["link"], "one_vs_rest_logit");
  EXPECT_EQ(l["method"], "linear");

  // Errors: 404 for what does not exist, 400 naming the row and column.
  HttpJson(url, "POST", "/api/v1/models/nope/versions/1/explain", {{"rows", Json::array()}},
           &status);
  EXPECT_EQ(status, 404);
  HttpJson(url, "POST", "/api/v1/models/bx/versions/9/explain", {{"rows", Json::array()}}, &status);
  EXPECT_EQ(status, 404);
  HttpJson(url, "POST", "/api/v1/models/bx/versions/1/explain", {{"dataset", "nope"}}, &status);
  EXPECT_EQ(status, 404);
  Json bad = HttpJson(url, "POST", "/api/v1/models/bx/versions/1/explain",
                      Json::parse(R"({"rows": [{"x1": 1}, {"x1": "high"}]})"), &status);
  EXPECT_EQ(status, 400);
  EXPECT_NE(bad.dump().find("row 1"), std::string::npos) << bad.dump();
  EXPECT_NE(bad.dump().find("x1"), std::string::npos) << bad.dump();
  Json short_row = HttpJson(url, "POST", "/api/v1/models/bx/versions/1/explain",
                            Json::parse(R"({"rows": [[1, 2]]})"), &status);
  EXPECT_EQ(status, 400);
  EXPECT_NE(short_row.dump().find("row 0"), std::string::npos) << short_row.dump();
  HttpJson(url, "POST", "/api/v1/models/bx/versions/1/explain",
           {{"dataset", "bin"}, {"rows", Json::array()}}, &status);
  EXPECT_EQ(status, 400);
  HttpJson(url, "POST", "/api/v1/models/bx/versions/1/explain",
           {{"dataset", "bin"}, {"limit", 10001}}, &status);
  EXPECT_EQ(status, 400);

  // The CLI: a table of the top columns, JSON with -o json, usage errors exit 2.
  CliResult table = RunCli({"--server", url, "models", "explain", "bx", "1", "--dataset", "bin",
                            "--limit", "4", "-o", "table"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("MARGIN"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("color"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("tree_shap"), std::string::npos) << table.out;
  CliResult json = RunCli({"--server", url, "models", "explain", "mx", "1", "--data",
                           R"([{"a": 1.0, "b": -1.0}])", "-o", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const Json cli = Json::parse(json.out);
  EXPECT_EQ(cli["rows"].size(), 1u);
  EXPECT_EQ(cli["rows"][0]["prediction"], "alpha");
  ExpectConsistent(cli);
  EXPECT_EQ(RunCli({"--server", url, "models", "explain", "bx", "1"}).exit_code, 2);
  EXPECT_EQ(
      RunCli({"--server", url, "models", "explain", "bx", "1", "--data", R"([{"x1": "high"}])"})
          .exit_code,
      2);
  EXPECT_EQ(RunCli({"--server", url, "models", "explain", "bx", "9", "--dataset", "bin"}).exit_code,
            1);

  // The evaluation carries the explanations its report draws.
  Json ev =
      HttpJson(url, "POST", "/api/v1/models/bx/versions/1/evaluate", {{"dataset", "bin"}}, &status);
  ASSERT_EQ(status, 200) << ev.dump();
  const Json& x = ev["explanations"];
  EXPECT_EQ(x["importance"], imp);
  EXPECT_EQ(x["shap_summary"]["rows"], 1000);
  EXPECT_EQ(x["shap_summary"]["values"].size(), 3u);
  ASSERT_EQ(x["partial_dependence"].size(), 3u) << x.dump();
  EXPECT_EQ(x["partial_dependence"][0]["column"], "x1");  // the largest mean |SHAP|
  CliResult evaluate =
      RunCli({"--server", url, "models", "evaluate", "bx", "1", "--dataset", "bin", "-o", "table"});
  ASSERT_EQ(evaluate.exit_code, 0) << evaluate.err;
  EXPECT_NE(evaluate.out.find("top columns (mean |SHAP| on 1000 rows): x1"), std::string::npos)
      << evaluate.out;
  api::Response html =
      Http(url, "GET", "/api/v1/models/bx/versions/1/evaluate?dataset=bin&format=html");
  EXPECT_EQ(html.status, 200);
  for (const char* part : {"Permutation importance", "SHAP summary", "Partial dependence: x1"}) {
    EXPECT_NE(html.body.find(part), std::string::npos) << part;
  }
}

}  // namespace
}  // namespace strata::e2e
