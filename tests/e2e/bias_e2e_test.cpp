// Bias reports through the real server and CLI: a dataset with a planted bias (group B
// gets positive labels at half the rate of group A), metrics checked against counts
// made here from the generated rows; bias measured at training; errors named.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include <gtest/gtest.h>

#include "harness.h"

namespace strata::e2e {
namespace {

// The rows and what the test knows about them, counted as they are written.
struct Planted {
  std::string csv;
  int64_t rows[2] = {0, 0}, positive[2] = {0, 0};  // [A, B], rows with facet and label
  int64_t missing_facet = 0, missing_target = 0;
  int64_t old_rows = 0, old_positive = 0, young_rows = 0, young_positive = 0;  // age > 40 / <= 40
};

Planted MakeLoans(int n) {
  Planted p;
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(0, 1);
  std::normal_distribution<double> noise(0, 1);
  p.csv = "group,age,income,tier,x,approved\n";
  const char* tiers[] = {"gold", "silver", "bronze"};
  for (int i = 0; i < n; ++i) {
    const int g = u(rng) < 0.6 ? 0 : 1;
    const bool approved = u(rng) < (g == 0 ? 0.6 : 0.3);
    const int age = 20 + static_cast<int>(rng() % 50);
    const double x = (approved ? 1.0 : -1.0) + noise(rng);
    const bool no_facet = i % 50 == 7, no_label = i % 37 == 5;
    p.csv += fmt::format("{},{},{:.2f},{},{:.4f},{}\n", no_facet ? "" : (g == 0 ? "A" : "B"), age,
                         20000 + 1000 * u(rng), tiers[i % 3], x,
                         no_label ? "" : (approved ? "yes" : "no"));
    if (!no_label) {  // the age facet has no gaps
      (age > 40 ? p.old_rows : p.young_rows) += 1;
      (age > 40 ? p.old_positive : p.young_positive) += approved;
    }
    if (no_facet) {
      ++p.missing_facet;
      continue;
    }
    if (no_label) {
      ++p.missing_target;
      continue;
    }
    ++p.rows[g];
    p.positive[g] += approved;
  }
  return p;
}

double Kl(double qa, double qd) {
  return (1 - qa) * std::log((1 - qa) / (1 - qd)) + qa * std::log(qa / qd);
}

const Json* Group(const Json& entries, const std::string& value) {
  for (const auto& e : entries) {
    if (e["facet_value"] == value) return &e;
  }
  return nullptr;
}

bool Terminal(const Json& j) {
  return IsTerminalStatus(j);
}

class BiasE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    loans_ = MakeLoans(2000);
    server_.Start(dir_.str() + "/data");
    ASSERT_EQ(Http(server_.url(), "POST", "/api/v1/datasets?name=loans", loans_.csv).status, 201);
  }
  Json Bias(const Json& body, int* status) {
    return HttpJson(server_.url(), "POST", "/api/v1/bias", body, status);
  }
  TempDir dir_;
  ServerProcess server_;
  Planted loans_;
};

TEST_F(BiasE2E, PreTrainingMetricsMatchTheCountsOfTheRows) {
  int status = 0;
  Json r = Bias({{"dataset", "loans"}, {"target", "approved"}, {"facet", "group"}}, &status);
  ASSERT_EQ(status, 200) << r.dump();
  EXPECT_EQ(r["positive"], "true");  // yes/no reads as bool; true is the default positive
  EXPECT_EQ(r["labels"], Json::parse(R"(["false", "true"])"));
  EXPECT_EQ(r["rows"]["total"], 2000);
  EXPECT_EQ(r["rows"]["missing_facet"], loans_.missing_facet);
  EXPECT_EQ(r["rows"]["missing_target"], loans_.missing_target);
  EXPECT_EQ(r["rows"]["counted"], loans_.rows[0] + loans_.rows[1]);
  EXPECT_FALSE(r.contains("post_training"));
  ASSERT_EQ(r["pre_training"].size(), 2u);

  // d = B (the planted disadvantage), a = A.
  const Json* b = Group(r["pre_training"], "B");
  ASSERT_NE(b, nullptr) << r.dump();
  const double na = static_cast<double>(loans_.rows[0]), nd = static_cast<double>(loans_.rows[1]);
  const double qa = loans_.positive[0] / na, qd = loans_.positive[1] / nd;
  EXPECT_EQ((*b)["d"]["rows"], loans_.rows[1]);
  EXPECT_EQ((*b)["a"]["positive"], loans_.positive[0]);
  EXPECT_NEAR((*b)["class_imbalance"].get<double>(), (na - nd) / (na + nd), 1e-12);
  EXPECT_NEAR((*b)["dpl"].get<double>(), qa - qd, 1e-12);
  EXPECT_NEAR((*b)["kl"].get<double>(), Kl(qa, qd), 1e-12);
  EXPECT_GT((*b)["dpl"].get<double>(), 0.2);  // the planted gap: about 0.6 vs 0.3
  EXPECT_GT((*b)["js"].get<double>(), 0);
  EXPECT_LT((*b)["js"].get<double>(), std::log(2.0));
  // With two groups, A's row mirrors B's.
  const Json* a = Group(r["pre_training"], "A");
  ASSERT_NE(a, nullptr);
  EXPECT_NEAR((*a)["dpl"].get<double>(), qd - qa, 1e-12);
  EXPECT_NEAR((*a)["class_imbalance"].get<double>(), (nd - na) / (na + nd), 1e-12);

  // One value of interest; the positive class spelled as the file spells it.
  Json one = Bias({{"dataset", "loans"},
                   {"target", "approved"},
                   {"facet", "group"},
                   {"facet_value", "B"},
                   {"positive", "yes"}},
                  &status);
  ASSERT_EQ(status, 200) << one.dump();
  ASSERT_EQ(one["pre_training"].size(), 1u);
  EXPECT_EQ(one["facet_value"], "B");
  EXPECT_NEAR(one["pre_training"][0]["dpl"].get<double>(), qa - qd, 1e-12);

  // A numeric facet split at a threshold: d = age > 40.
  Json old = Bias(
      {{"dataset", "loans"}, {"target", "approved"}, {"facet", "age"}, {"facet_threshold", 40}},
      &status);
  ASSERT_EQ(status, 200) << old.dump();
  ASSERT_EQ(old["pre_training"].size(), 1u);
  const Json& o = old["pre_training"][0];
  EXPECT_EQ(o["facet_value"], "> 40");
  EXPECT_EQ(o["d"]["rows"], loans_.old_rows);
  EXPECT_EQ(o["a"]["rows"], loans_.young_rows);
  EXPECT_NEAR(o["dpl"].get<double>(),
              static_cast<double>(loans_.young_positive) / loans_.young_rows -
                  static_cast<double>(loans_.old_positive) / loans_.old_rows,
              1e-12);

  // The HTML report: self-contained, a chart per metric.
  api::Response page =
      Http(server_.url(), "POST", "/api/v1/bias?format=html",
           Json({{"dataset", "loans"}, {"target", "approved"}, {"facet", "group"}}).dump());
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_NE(HeaderOf(page, "Content-Type").value_or("").find("text/html"), std::string::npos);
  EXPECT_NE(page.body.find("<svg"), std::string::npos);
  EXPECT_NE(page.body.find("Class imbalance"), std::string::npos);
  EXPECT_EQ(page.body.find("<script"), std::string::npos);
  EXPECT_EQ(page.body.find("http://"), std::string::npos);
}

TEST_F(BiasE2E, TrainingMeasuresBiasAndModelsGetPostTrainingMetrics) {
  int status = 0;
  Json job = HttpJson(server_.url(), "POST", "/api/v1/training-jobs",
                      {{"name", "fair"},
                       {"dataset", "loans"},
                       {"target", "approved"},
                       {"facet", "group"},
                       {"hyperparameters", {{"num_round", 20}, {"max_depth", 3}}}},
                      &status);
  ASSERT_EQ(status, 202) << job.dump();
  Json done = WaitJob(server_.url(), "fair", Terminal, 60);
  ASSERT_EQ(done["status"], "Completed") << done.dump();
  Json t = HttpJson(server_.url(), "GET", "/api/v1/training-jobs/fair");
  ASSERT_TRUE(t.contains("bias")) << t.dump();
  const Json& bias = t["bias"];
  EXPECT_EQ(bias["facet"], "group");
  ASSERT_EQ(bias["pre_training"].size(), 2u);
  ASSERT_EQ(bias["post_training"].size(), 2u);
  // Pre-training on the training rows, post-training on the validation rows.
  const Json* pre = Group(bias["pre_training"], "B");
  ASSERT_NE(pre, nullptr);
  const int64_t nd = (*pre)["d"]["rows"], na = (*pre)["a"]["rows"];
  EXPECT_EQ(nd + na, bias["rows"]["training"]["counted"].get<int64_t>());
  EXPECT_NEAR((*pre)["class_imbalance"].get<double>(), static_cast<double>(na - nd) / (na + nd),
              1e-12);
  const Json* post = Group(bias["post_training"], "B");
  ASSERT_NE(post, nullptr);
  EXPECT_EQ((*post)["d"]["rows"].get<int64_t>() + (*post)["a"]["rows"].get<int64_t>(),
            bias["rows"]["validation"]["counted"].get<int64_t>());
  EXPECT_LT((*post)["disparate_impact"].get<double>(), 1.0);  // the model learned the planted gap

  // model.json keeps it beside the metrics.
  auto model_json = core::ParseJson(
      *core::ReadFile(dir_.path() / "data/objects/models/loans-approved/v1/model.json"),
      "model.json");
  ASSERT_TRUE(model_json.ok());
  EXPECT_EQ((*model_json)["bias"]["post_training"], bias["post_training"]);

  // On demand with the model: its target is the default, every row is predicted.
  Json r =
      Bias({{"dataset", "loans"}, {"facet", "group"}, {"model", "loans-approved"}, {"version", 1}},
           &status);
  ASSERT_EQ(status, 200) << r.dump();
  EXPECT_EQ(r["target"], "approved");
  EXPECT_EQ(r["model"]["version"], 1);
  const Json* b = Group(r["post_training"], "B");
  ASSERT_NE(b, nullptr) << r.dump();
  const Json& d = (*b)["d"];
  const Json& a = (*b)["a"];
  EXPECT_EQ(d["rows"], loans_.rows[1]);
  EXPECT_EQ(d["tp"].get<int64_t>() + d["fn"].get<int64_t>(), loans_.positive[1]);
  EXPECT_EQ(a["tp"].get<int64_t>() + a["fn"].get<int64_t>(), loans_.positive[0]);
  const double pd =
      static_cast<double>(d["tp"].get<int64_t>() + d["fp"].get<int64_t>()) / loans_.rows[1];
  const double pa =
      static_cast<double>(a["tp"].get<int64_t>() + a["fp"].get<int64_t>()) / loans_.rows[0];
  EXPECT_NEAR((*b)["dppl"].get<double>(), pa - pd, 1e-12);
  EXPECT_NEAR((*b)["disparate_impact"].get<double>(), pd / pa, 1e-12);
  const double acc_d =
      static_cast<double>(d["tp"].get<int64_t>() + d["tn"].get<int64_t>()) / loans_.rows[1];
  const double acc_a =
      static_cast<double>(a["tp"].get<int64_t>() + a["tn"].get<int64_t>()) / loans_.rows[0];
  EXPECT_NEAR((*b)["accuracy_difference"].get<double>(), acc_a - acc_d, 1e-12);
  EXPECT_NEAR(
      (*b)["recall_difference"].get<double>(),
      a["tp"].get<double>() / loans_.positive[0] - d["tp"].get<double>() / loans_.positive[1],
      1e-12);
  EXPECT_TRUE((*b)["fpr_difference"].is_number());

  // The CLI: JSON equal to the API's, a table, the HTML file; a training with --facet.
  CliResult json = RunCli({"--server", server_.url(), "bias", "--dataset", "loans", "--facet",
                           "group", "--model", "loans-approved", "--version", "1", "-o", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  Json cli = Json::parse(json.out);
  EXPECT_EQ(cli["post_training"], r["post_training"]);
  EXPECT_EQ(cli["pre_training"], r["pre_training"]);
  const std::string html = (dir_.path() / "bias.html").string();
  CliResult table =
      RunCli({"--server", server_.url(), "bias", "--dataset", "loans", "--target", "approved",
              "--facet", "group", "--model", "loans-approved", "--html", html, "-o", "table"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("pre-training"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("DPPL"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find(fmt::format("{:.4f}", (*b)["disparate_impact"].get<double>())),
            std::string::npos)
      << table.out;
  std::ifstream in(html);
  std::string page((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(page.find("Disparate impact"), std::string::npos);
  EXPECT_NE(page.find("<svg"), std::string::npos);

  CliResult train = RunCli({"--server", server_.url(), "train", "--dataset", "loans", "--target",
                            "tier", "--facet", "group", "--positive", "gold", "--hp", "num_round=5",
                            "--wait", "-o", "table"});
  ASSERT_EQ(train.exit_code, 0) << train.err << train.out;
  EXPECT_NE(train.out.find("positive class 'gold'"), std::string::npos) << train.out;
  EXPECT_NE(train.out.find("post-training"), std::string::npos) << train.out;
}

TEST_F(BiasE2E, BadRequestsAreNamed) {
  auto expect_400 = [&](const Json& body, const std::string& needle) {
    int status = 0;
    Json r = Bias(body, &status);
    EXPECT_EQ(status, 400) << body.dump() << " -> " << r.dump();
    const std::string message = r["error"]["message"].get<std::string>();
    EXPECT_NE(message.find(needle), std::string::npos) << body.dump() << " -> " << message;
  };
  expect_400({{"dataset", "loans"}, {"target", "approved"}, {"facet", "nope"}},
             "facet 'nope' is not a column");
  expect_400({{"dataset", "loans"}, {"target", "approved"}, {"facet", "approved"}},
             "is the target");
  expect_400({{"dataset", "loans"}, {"target", "missing"}, {"facet", "group"}}, "target 'missing'");
  expect_400({{"dataset", "loans"}, {"target", "approved"}}, "'facet' is required");
  expect_400({{"dataset", "loans"}, {"facet", "group"}}, "'target' is required");
  // Three classes and no positive named: ambiguous.
  expect_400({{"dataset", "loans"}, {"target", "tier"}, {"facet", "group"}}, "\"positive\"");
  expect_400(
      {{"dataset", "loans"}, {"target", "tier"}, {"facet", "group"}, {"positive", "platinum"}},
      "positive class 'platinum'");
  expect_400({{"dataset", "loans"}, {"target", "income"}, {"facet", "group"}}, "class labels");
  expect_400({{"dataset", "loans"}, {"target", "approved"}, {"facet", "income"}},
             "facet_threshold");
  expect_400(
      {{"dataset", "loans"}, {"target", "approved"}, {"facet", "group"}, {"facet_value", "C"}},
      "no value 'C'");
  expect_400(
      {{"dataset", "loans"}, {"target", "approved"}, {"facet", "group"}, {"facet_threshold", 3}},
      "numeric facet");
  expect_400(
      {{"dataset", "loans"}, {"target", "approved"}, {"facet", "age"}, {"facet_threshold", 99}},
      "on one side");
  expect_400(
      {{"dataset", "loans"}, {"target", "approved"}, {"facet", "x"}, {"facet_threshold", "high"}},
      "must be a number");
  int status = 0;
  Bias({{"dataset", "nope"}, {"target", "approved"}, {"facet", "group"}}, &status);
  EXPECT_EQ(status, 404);
  Bias({{"dataset", "loans"}, {"facet", "group"}, {"model", "nope"}}, &status);
  EXPECT_EQ(status, 404);
  api::Response bad_format =
      Http(server_.url(), "POST", "/api/v1/bias?format=pdf",
           Json({{"dataset", "loans"}, {"target", "approved"}, {"facet", "group"}}).dump());
  EXPECT_EQ(bad_format.status, 400);

  // Training checks the facet at submission.
  Json job = HttpJson(server_.url(), "POST", "/api/v1/training-jobs",
                      {{"dataset", "loans"}, {"target", "approved"}, {"facet", "nope"}}, &status);
  EXPECT_EQ(status, 400);
  EXPECT_NE(job["error"]["message"].get<std::string>().find("facet 'nope'"), std::string::npos)
      << job.dump();
  HttpJson(server_.url(), "POST", "/api/v1/training-jobs",
           {{"dataset", "loans"}, {"target", "approved"}, {"facet", "approved"}}, &status);
  EXPECT_EQ(status, 400);
  HttpJson(server_.url(), "POST", "/api/v1/training-jobs",
           {{"dataset", "loans"}, {"target", "approved"}, {"positive", "yes"}}, &status);
  EXPECT_EQ(status, 400);  // positive without a facet

  // The CLI says why: invalid input and usage errors exit 2, a missing dataset 1.
  CliResult missing = RunCli({"--server", server_.url(), "bias", "--dataset", "loans", "--target",
                              "approved", "--facet", "nope"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("facet 'nope' is not a column of dataset 'loans' v1"),
            std::string::npos)
      << missing.err;
  EXPECT_EQ(
      RunCli({"--server", server_.url(), "bias", "--dataset", "loans", "--target", "approved"})
          .exit_code,
      2);
  CliResult no_dataset = RunCli({"--server", server_.url(), "bias", "--dataset", "nope", "--target",
                                 "approved", "--facet", "group"});
  EXPECT_EQ(no_dataset.exit_code, 1);
  EXPECT_NE(no_dataset.err.find("nope"), std::string::npos) << no_dataset.err;
}

// Without a server: the CLI serves the same route on its own data directory.
TEST(BiasLocalE2E, CliWorksOnTheLocalDataDirectory) {
  TempDir dir;
  Planted loans = MakeLoans(500);
  const std::string file = (dir.path() / "loans.csv").string();
  std::ofstream(file) << loans.csv;
  const std::string data = dir.str() + "/data";
  ASSERT_EQ(RunCli({"--data-dir", data, "datasets", "import", file}).exit_code, 0);
  CliResult r = RunCli({"--data-dir", data, "bias", "--dataset", "loans", "--target", "approved",
                        "--facet", "group", "--facet-value", "B", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json j = Json::parse(r.out);
  const double na = static_cast<double>(loans.rows[0]), nd = static_cast<double>(loans.rows[1]);
  ASSERT_EQ(j["pre_training"].size(), 1u);
  EXPECT_NEAR(j["pre_training"][0]["class_imbalance"].get<double>(), (na - nd) / (na + nd), 1e-12);
  EXPECT_NEAR(j["pre_training"][0]["dpl"].get<double>(),
              loans.positive[0] / na - loans.positive[1] / nd, 1e-12);
}

}  // namespace
}  // namespace strata::e2e
