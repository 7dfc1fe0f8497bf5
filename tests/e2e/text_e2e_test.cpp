// text-classifier and word-vectors through the real binary: the CLI trains, evaluates,
// transforms, exports and imports; the server lists the algorithms, trains them, serves
// them from endpoints, and names bad input (no text column, bad hyperparameters).
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <gtest/gtest.h>

#include "harness.h"

namespace strata::e2e {
namespace {

// id, review (sentences of filler words with two or three words of a topic), topic, and
// a numeric column; `with_note` adds a second text column.
std::string Reviews(int rows, uint32_t seed, bool with_note = false) {
  const std::vector<std::string> topics = {"sports", "politics", "cooking"};
  const std::vector<std::vector<std::string>> words = {
      {"goal", "match", "team", "score", "player", "coach", "league", "referee"},
      {"vote", "election", "senate", "law", "minister", "party", "policy", "campaign"},
      {"recipe", "oven", "flour", "sauce", "garlic", "bake", "kitchen", "spice"}};
  const std::vector<std::string> filler = {"the",   "a",    "today", "we",   "saw",
                                           "about", "news", "very",  "this", "new"};
  std::mt19937 rng(seed);
  std::string csv = with_note ? "id,review,topic,stars,note\n" : "id,review,topic,stars\n";
  for (int i = 0; i < rows; ++i) {
    const size_t c = rng() % 3;
    std::vector<std::string> w;
    for (int k = 0; k < 2 + static_cast<int>(rng() % 2); ++k) w.push_back(words[c][rng() % 8]);
    for (int k = 0; k < 5; ++k) w.push_back(filler[rng() % filler.size()]);
    std::shuffle(w.begin(), w.end(), rng);
    std::string text;
    for (const auto& x : w) text += (text.empty() ? "" : " ") + x;
    csv += fmt::format("{},\"{}\",{},{}", i, text, topics[c], 1 + rng() % 5);
    if (with_note) csv += fmt::format(",\"note {} {}\"", filler[rng() % filler.size()], i);
    csv += "\n";
  }
  return csv;
}

TEST(TextE2E, CliTrainsEvaluatesTransformsAndExportsBoth) {
  TempDir dir;
  const std::string data = dir.str() + "/data", file = dir.str() + "/reviews.csv";
  std::ofstream(file) << Reviews(1500, 1);
  ASSERT_EQ(RunCli({"--data-dir", data, "datasets", "import", file, "--name", "reviews"}).exit_code,
            0);

  // The classifier: the only text column is found without --text-column.
  CliResult cls = RunCli({"--data-dir",      data,       "train",     "--dataset",
                          "reviews",         "--target", "topic",     "--algorithm",
                          "text-classifier", "--hp",     "threads=1", "--hp",
                          "epochs=10",       "--hp",     "lr=0.5",    "--hp",
                          "word_ngrams=2",   "--wait",   "--output",  "json"});
  ASSERT_EQ(cls.exit_code, 0) << cls.err << cls.out;
  Json job = ParseOut(cls);
  EXPECT_EQ(job["status"], "Completed") << job.dump();
  EXPECT_EQ(job["model"]["name"], "reviews-topic");
  EXPECT_EQ(job["params"]["text_column"], "review");
  EXPECT_EQ(job["result"]["problem"], "multiclass_classification");
  EXPECT_GT(job["metrics"]["accuracy"].get<double>(), 0.9) << job["metrics"].dump();
  EXPECT_EQ(job["result"]["training"]["labels"], 3);
  EXPECT_EQ(job["result"]["training"]["bucket"], 200000);
  const auto model_dir = dir.path() / "data/objects/models/reviews-topic/v1";
  auto model_json = core::ParseJson(*core::ReadFile(model_dir / "model.json"), "model.json");
  ASSERT_TRUE(model_json.ok());
  EXPECT_EQ((*model_json)["payload"], "model.bin");
  EXPECT_EQ((*model_json)["text_column"], "review");
  EXPECT_FALSE(model_json->contains("recipe"));
  EXPECT_EQ((*model_json)["input_schema"], Json::parse(R"([{"name": "review", "type": "text"}])"));
  EXPECT_TRUE(std::filesystem::is_regular_file(model_dir / "model.bin"));

  // Evaluation on a fresh sample, through the same path endpoints use.
  std::ofstream(dir.str() + "/fresh.csv") << Reviews(300, 2);
  ASSERT_EQ(RunCli({"--data-dir", data, "datasets", "import", dir.str() + "/fresh.csv", "--name",
                    "fresh"})
                .exit_code,
            0);
  CliResult ev = RunCli({"--data-dir", data, "models", "evaluate", "reviews-topic", "1",
                         "--dataset", "fresh", "-o", "json"});
  ASSERT_EQ(ev.exit_code, 0) << ev.err;
  Json eval = ParseOut(ev);
  EXPECT_EQ(eval["rows"]["evaluated"], 300);
  EXPECT_GT(eval["metrics"]["accuracy"].get<double>(), 0.9) << eval.dump();

  // Batch transform: the predicted topic and a probability per class.
  const std::string out = dir.str() + "/pred.csv";
  CliResult tr = RunCli({"--data-dir", data, "transform", "--model", "reviews-topic", "--dataset",
                         "fresh", "--output", out, "--id-column", "topic", "--wait"});
  ASSERT_EQ(tr.exit_code, 0) << tr.err << tr.out;
  auto lines = Lines(*core::ReadFile(out));
  ASSERT_EQ(lines.size(), 301u);
  EXPECT_EQ(lines[0], "topic,prediction,p_cooking,p_politics,p_sports");
  int right = 0;
  for (size_t i = 1; i < lines.size(); ++i) {
    const auto c1 = lines[i].find(','), c2 = lines[i].find(',', c1 + 1);
    right += lines[i].substr(0, c1) == lines[i].substr(c1 + 1, c2 - c1 - 1);
  }
  EXPECT_GT(right, 270);

  // Word vectors from the same column: no target, one vector per text.
  CliResult wv = RunCli({"--data-dir", data, "train", "--dataset", "reviews", "--algorithm",
                         "word-vectors", "--hp", "threads=1", "--hp", "dim=16", "--hp",
                         "min_count=2", "--wait", "--output", "json"});
  ASSERT_EQ(wv.exit_code, 0) << wv.err << wv.out;
  Json wjob = ParseOut(wv);
  EXPECT_EQ(wjob["status"], "Completed") << wjob.dump();
  EXPECT_EQ(wjob["model"]["name"], "reviews-word-vectors");
  EXPECT_EQ(wjob["result"]["problem"], "text_embedding");
  EXPECT_EQ(wjob["metrics"]["dimensions"], 16);
  EXPECT_EQ(wjob["metrics"]["zero_vectors"], 0);
  CliResult wev = RunCli({"--data-dir", data, "models", "evaluate", "reviews-word-vectors", "1",
                          "--dataset", "fresh"});
  ASSERT_EQ(wev.exit_code, 0) << wev.err;
  EXPECT_NE(wev.out.find("dimensions"), std::string::npos) << wev.out;
  const std::string emb = dir.str() + "/emb.csv";
  ASSERT_EQ(RunCli({"--data-dir", data, "transform", "--model", "reviews-word-vectors", "--dataset",
                    "fresh", "--output", emb, "--id-column", "id", "--wait"})
                .exit_code,
            0);
  auto emb_lines = Lines(*core::ReadFile(emb));
  ASSERT_EQ(emb_lines.size(), 301u);
  EXPECT_EQ(emb_lines[0].rfind("id,embedding_1,embedding_2,", 0), 0u) << emb_lines[0];
  EXPECT_EQ(std::count(emb_lines[1].begin(), emb_lines[1].end(), ','), 16);

  // Export and import carry model.bin; the copy predicts like the original.
  const std::string archive = dir.str() + "/cls.tar.gz";
  ASSERT_EQ(RunCli({"--data-dir", data, "models", "export", "reviews-topic", "1", "--output-file",
                    archive})
                .exit_code,
            0);
  CliResult im = RunCli({"--data-dir", data, "models", "import", archive, "--name", "copy"});
  ASSERT_EQ(im.exit_code, 0) << im.err;
  const std::string out2 = dir.str() + "/pred2.csv";
  ASSERT_EQ(RunCli({"--data-dir", data, "transform", "--model", "copy", "--dataset", "fresh",
                    "--output", out2, "--id-column", "topic", "--wait"})
                .exit_code,
            0);
  EXPECT_EQ(*core::ReadFile(out2), *core::ReadFile(out));

  // Bad input names what is wrong, with the usage exit code.
  CliResult bad_hp = RunCli({"--data-dir", data, "train", "--dataset", "reviews", "--target",
                             "topic", "--algorithm", "text-classifier", "--hp", "word_ngrams=9"});
  EXPECT_EQ(bad_hp.exit_code, 2);
  EXPECT_NE(bad_hp.err.find("word_ngrams must be in [1, 5], got 9"), std::string::npos)
      << bad_hp.err;
  CliResult bad_column =
      RunCli({"--data-dir", data, "train", "--dataset", "reviews", "--target", "topic",
              "--algorithm", "text-classifier", "--text-column", "stars"});
  EXPECT_EQ(bad_column.exit_code, 2);
  EXPECT_NE(bad_column.err.find("text_column 'stars' of dataset 'reviews' is int, not text"),
            std::string::npos)
      << bad_column.err;
}

bool Terminal(const Json& j) {
  return IsTerminalStatus(j);
}

TEST(TextE2E, ServerTrainsServesAndRefusesBadRequests) {
  TempDir dir;
  ServerProcess server;
  server.Start(dir.str() + "/data");
  const std::string url = server.url();

  Json algorithms = HttpJson(url, "GET", "/api/v1/algorithms");
  std::map<std::string, Json> by_name;
  for (const auto& a : algorithms["items"]) by_name[a["name"]] = a;
  ASSERT_TRUE(by_name.count("text-classifier") && by_name.count("word-vectors"))
      << algorithms.dump();
  EXPECT_EQ(by_name["text-classifier"]["input"], "text");
  EXPECT_EQ(by_name["xgboost"]["input"], "features");
  EXPECT_EQ(by_name["word-vectors"]["problem_types"], Json::parse(R"(["text_embedding"])"));
  EXPECT_EQ(by_name["word-vectors"]["supervised"], false);
  std::map<std::string, Json> hp;
  for (const auto& h : by_name["text-classifier"]["hyperparameters"]) hp[h["name"]] = h;
  for (const char* name :
       {"epochs", "lr", "word_ngrams", "dim", "min_count", "loss", "bucket", "threads", "seed"}) {
    EXPECT_TRUE(hp.count(name)) << name;
  }
  EXPECT_EQ(hp["loss"]["values"], Json::parse(R"(["softmax", "ova", "hs"])"));

  // Two text columns: the request must say which one.
  ASSERT_EQ(Http(url, "POST", "/api/v1/datasets?name=reviews", Reviews(1200, 3, true)).status, 201);
  int status = 0;
  Json ambiguous = HttpJson(
      url, "POST", "/api/v1/training-jobs",
      {{"dataset", "reviews"}, {"target", "topic"}, {"algorithm", "text-classifier"}}, &status);
  EXPECT_EQ(status, 400);
  EXPECT_NE(ambiguous.dump().find("has 2 text columns (review, note): give text_column"),
            std::string::npos)
      << ambiguous.dump();

  Json job =
      HttpJson(url, "POST", "/api/v1/training-jobs",
               {{"name", "cls"},
                {"dataset", "reviews"},
                {"target", "topic"},
                {"algorithm", "text-classifier"},
                {"text_column", "review"},
                {"model", "topics"},
                {"hyperparameters", {{"threads", 1}, {"epochs", 10}, {"lr", 0.5}, {"loss", "hs"}}}},
               &status);
  ASSERT_EQ(status, 202) << job.dump();
  Json done = WaitJob(url, "cls", Terminal, 60);
  ASSERT_EQ(done["status"], "Completed") << done.dump();
  Json trained = HttpJson(url, "GET", "/api/v1/training-jobs/cls");
  EXPECT_GT(trained["metrics"]["accuracy"].get<double>(), 0.9) << trained.dump();
  EXPECT_EQ(trained["result"]["training"]["loss"], "hs");
  // One progress line per epoch in the job's log.
  std::string logs = Http(url, "GET", "/api/v1/jobs/cls/logs").body;
  EXPECT_NE(logs.find("epoch 1/10: train-loss="), std::string::npos) << logs;
  EXPECT_NE(logs.find("epoch 10/10: train-loss="), std::string::npos) << logs;
  EXPECT_NE(logs.find("valid-accuracy="), std::string::npos) << logs;

  // An endpoint: JSON objects, lists in column order and CSV lines all carry the text.
  HttpJson(url, "POST", "/api/v1/endpoints", {{"name", "topics"}, {"model", "topics"}}, &status);
  ASSERT_EQ(status, 201);
  api::Response inv = Http(
      url, "POST", "/api/v1/endpoints/topics/invocations",
      R"({"instances": [{"review": "the coach of the team scored a goal"}, ["garlic in the oven"],
                               {"review": "the senate vote on the new law"}]})",
      {{"Content-Type", "application/json"}});
  ASSERT_EQ(inv.status, 200) << inv.body;
  Json preds = Json::parse(inv.body)["predictions"];
  ASSERT_EQ(preds.size(), 3u);
  EXPECT_EQ(preds[0]["prediction"], "sports") << preds.dump();
  EXPECT_EQ(preds[1]["prediction"], "cooking");
  EXPECT_EQ(preds[2]["prediction"], "politics");
  ASSERT_EQ(preds[0]["top_classes"].size(), 3u);
  EXPECT_EQ(preds[0]["top_classes"][0]["class"], "sports");
  double sum = 0;
  for (const auto& [c, p] : preds[0]["probabilities"].items()) sum += p.get<double>();
  EXPECT_NEAR(sum, 1.0, 1e-5);
  api::Response csv = Http(url, "POST", "/api/v1/endpoints/topics/invocations",
                           "bake the flour\nthe referee\n", {{"Content-Type", "text/csv"}});
  ASSERT_EQ(csv.status, 200) << csv.body;
  Json csv_preds = Json::parse(csv.body)["predictions"];
  EXPECT_EQ(csv_preds[0]["prediction"], "cooking");
  EXPECT_EQ(csv_preds[1]["prediction"], "sports");

  // Evaluation over HTTP.
  Json e = HttpJson(url, "POST", "/api/v1/models/topics/versions/1/evaluate",
                    {{"dataset", "reviews"}}, &status);
  ASSERT_EQ(status, 200) << e.dump();
  EXPECT_EQ(e["rows"]["evaluated"], 1200);
  EXPECT_GT(e["metrics"]["accuracy"].get<double>(), 0.9);

  // Word vectors: trained, served, transformed into a dataset.
  job = HttpJson(url, "POST", "/api/v1/training-jobs",
                 {{"name", "wv"},
                  {"dataset", "reviews"},
                  {"algorithm", "word-vectors"},
                  {"text_column", "review"},
                  {"model", "vectors"},
                  {"hyperparameters", {{"threads", 1}, {"dim", 12}, {"model", "cbow"}}}},
                 &status);
  ASSERT_EQ(status, 202) << job.dump();
  ASSERT_EQ(WaitJob(url, "wv", Terminal, 60)["status"], "Completed");
  HttpJson(url, "POST", "/api/v1/endpoints", {{"name", "vectors"}, {"model", "vectors"}}, &status);
  ASSERT_EQ(status, 201);
  Json emb = HttpJson(
      url, "POST", "/api/v1/endpoints/vectors/invocations",
      Json::parse(R"({"instances": [{"review": "goal"}, {"review": "goal"}, {"review": "oven"}]})"),
      &status);
  ASSERT_EQ(status, 200) << emb.dump();
  ASSERT_EQ(emb["predictions"][0]["embedding"].size(), 12u) << emb.dump();
  EXPECT_EQ(emb["predictions"][0], emb["predictions"][1]);
  EXPECT_NE(emb["predictions"][0], emb["predictions"][2]);
  Json t = HttpJson(
      url, "POST", "/api/v1/transform-jobs",
      {{"name", "embed"}, {"model", "vectors"}, {"dataset", "reviews"}, {"id_column", "id"}},
      &status);
  ASSERT_EQ(status, 202) << t.dump();
  Json tdone = WaitJob(url, "embed", Terminal, 60);
  ASSERT_EQ(tdone["status"], "Completed") << tdone.dump();
  Json out = HttpJson(url, "GET", "/api/v1/datasets/reviews-predictions");
  EXPECT_EQ(out["rows"], 1200) << out.dump();
  EXPECT_EQ(out["columns"].size(), 13u) << out.dump();  // id + 12

  // Bad requests are 400s naming what is wrong.
  auto refused = [&](const Json& body, const std::string& expected) {
    Json r = HttpJson(url, "POST", "/api/v1/training-jobs", body, &status);
    EXPECT_EQ(status, 400) << r.dump();
    EXPECT_NE(r.dump().find(expected), std::string::npos) << r.dump();
  };
  const Json base = {{"dataset", "reviews"},
                     {"target", "topic"},
                     {"algorithm", "text-classifier"},
                     {"text_column", "review"}};
  Json b = base;
  b["text_column"] = "nope";
  refused(b, "text_column 'nope' is not a column of dataset 'reviews'");
  b = base;
  b["hyperparameters"] = {{"lr", 0}};
  refused(b, "lr must be in (0, 10], got 0");
  b = base;
  b["hyperparameters"] = {{"word_ngrams", 2}, {"bucket", 0}};
  refused(b, "bucket must be >= 1");
  b = base;
  b["preprocessing"] = {{"drop", {"stars"}}};
  refused(b, "preprocessing does not apply to algorithm 'text-classifier'");
  b = base;
  b["class_weight"] = "balanced";
  refused(b, "algorithm 'text-classifier' takes no class weights");
  refused({{"dataset", "reviews"},
           {"target", "topic"},
           {"algorithm", "xgboost"},
           {"text_column", "review"}},
          "text_column applies to text algorithms");
  std::string numbers = "a,b,y\n";
  for (int i = 0; i < 50; ++i) numbers += fmt::format("{},{},{}\n", i, i * 2, i % 2);
  ASSERT_EQ(Http(url, "POST", "/api/v1/datasets?name=numbers", numbers).status, 201);
  refused({{"dataset", "numbers"}, {"target", "y"}, {"algorithm", "text-classifier"}},
          "reads a text column and dataset 'numbers' has none: give text_column");
}

}  // namespace
}  // namespace strata::e2e
