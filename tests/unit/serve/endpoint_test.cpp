#include "serve/endpoint.h"

#include <map>
#include <thread>

#include <gtest/gtest.h>

#include "serve_test_util.h"

namespace strata::serve {
namespace {

using testing::MakeModel;
using testing::TempDir;

// An answer's body as a document.
Json Body(const Result<InvokeResult>& r) { return Json::parse(r->body); }

EndpointSpec Spec(const Json& j) {
  auto s = EndpointSpec::FromJson(j);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return *s;
}

TEST(EndpointSpec, ValidatesVariantsWeightsAndLimits) {
  EXPECT_TRUE(EndpointSpec::FromJson({{"name", "e"}, {"model", "m"}, {"version", 1}}).ok());
  auto bad = [](const Json& j) {
    auto s = EndpointSpec::FromJson(j);
    return s.ok() ? std::string() : s.status().message();
  };
  EXPECT_NE(bad({{"name", "bad name"}, {"model", "m"}}).find("not valid"), std::string::npos);
  EXPECT_NE(bad({{"name", "e"}, {"variants", Json::array()}}).find("non-empty"), std::string::npos);
  EXPECT_NE(bad({{"name", "e"}, {"variants", {{{"name", "a"}, {"model", "m"}}, {{"name", "a"}, {"model", "m"}}}}})
                .find("two variants"),
            std::string::npos);
  EXPECT_NE(bad({{"name", "e"}, {"variants", {{{"model", "m"}, {"weight", -1}}}}}).find("weight"), std::string::npos);
  EXPECT_NE(bad({{"name", "e"}, {"variants", {{{"model", "m"}, {"weight", 0}}}}}).find("add up"), std::string::npos);
  EXPECT_NE(bad({{"name", "e"}, {"model", "m"}, {"version", 1}, {"alias", "prod"}}).find("not both"), std::string::npos);
  EXPECT_NE(bad({{"name", "e"}, {"model", "m"}, {"capture", {{"sample_rate", 2}}}}).find("sample_rate"),
            std::string::npos);
  EXPECT_NE(bad({{"name", "e"}, {"model", "m"}, {"limits", {{"max_rows", 0}}}}).find("max_rows"), std::string::npos);
}

TEST(Endpoint, PredictsAndRoutesByWeight) {
  TempDir dir;
  auto predictor = Predictor::Load(MakeModel(dir.path));
  ASSERT_TRUE(predictor.ok()) << predictor.status().ToString();
  Endpoint e("e", dir.path / "capture");
  e.Swap(Spec({{"name", "e"},
               {"variants", {{{"name", "a"}, {"model", "m"}, {"weight", 3}}, {{"name", "b"}, {"model", "m"}, {"weight", 1}}}}}),
         {*predictor, *predictor});
  auto one = e.Invoke("application/json", R"({"instances": [{"x1": 1.9, "x2": 0, "plan": "gold"}, [0.1, 0.1, "basic"]]})");
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(Body(one)["predictions"][0]["prediction"], "buy") << one->body;
  EXPECT_EQ(Body(one)["predictions"][1]["prediction"], "skip") << one->body;
  EXPECT_GT(Body(one)["predictions"][0]["probabilities"]["buy"].get<double>(), 0.5);

  std::map<std::string, int> counts;
  const int n = 4000;
  for (int i = 0; i < n; ++i) {
    auto r = e.Invoke("text/csv", "1,1,gold\n");
    ASSERT_TRUE(r.ok());
    ++counts[r->variant];
  }
  // Weights 3:1. Binomial sd for p=0.75, n=4000 is ~27 requests; allow 5 sd.
  EXPECT_NEAR(counts["a"], 3000, 140);
  EXPECT_NEAR(counts["b"], 1000, 140);
}

TEST(Endpoint, UnknownCategoriesAndMissingColumnsAreNotedNotFatal) {
  TempDir dir;
  auto predictor = Predictor::Load(MakeModel(dir.path));
  ASSERT_TRUE(predictor.ok());
  Endpoint e("e", dir.path / "capture");
  e.Swap(Spec({{"name", "e"}, {"model", "m"}}), {*predictor});
  auto r = e.Invoke("application/json", R"([{"x1": 1, "plan": "platinum", "extra": 5}])");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const std::string notes = Body(r)["notes"].dump();
  EXPECT_NE(notes.find("platinum"), std::string::npos) << notes;
  EXPECT_NE(notes.find("x2"), std::string::npos) << notes;
  EXPECT_NE(notes.find("extra"), std::string::npos) << notes;
  auto bad = e.Invoke("application/json", R"([{"x1": "many"}])");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
}

TEST(Endpoint, RequestsThatArriveTogetherArePredictedAsOneBatch) {
  TempDir dir;
  auto predictor = Predictor::Load(MakeModel(dir.path));
  ASSERT_TRUE(predictor.ok());
  Endpoint e("e", dir.path / "capture");
  e.Swap(Spec({{"name", "e"}, {"model", "m"}, {"limits", {{"max_concurrency", 3}}}}), {*predictor});
  std::vector<InvokeCall> calls = {
      {"application/json", R"({"instances": [{"x1": 1.9, "x2": 0, "plan": "gold"}]})", "r1"},
      {"application/json", R"({"rows": [{"x1": 1}]})", "r2"},
      {"application/json", R"([[0.1, 0.1, "basic"], [1.9, 0, "gold"]])", "r3"},
      {"application/json", R"([[1.9, 0, "gold"]])", "r4"}};  // past max_concurrency
  auto out = e.InvokeMany(calls);
  // r1 and r3 are read straight into features and predicted together; CSV requests
  // batch as rows, also together.
  ASSERT_EQ(out.size(), 4u);
  ASSERT_TRUE(out[0].ok()) << out[0].status().ToString();
  EXPECT_EQ(Body(out[0])["predictions"].size(), 1u);
  EXPECT_EQ(Body(out[0])["predictions"][0]["prediction"], "buy");
  ASSERT_FALSE(out[1].ok());
  EXPECT_EQ(out[1].status().code(), ErrorCode::kInvalidArgument);
  ASSERT_TRUE(out[2].ok()) << out[2].status().ToString();
  ASSERT_EQ(Body(out[2])["predictions"].size(), 2u);
  EXPECT_EQ(Body(out[2])["predictions"][0]["prediction"], "skip");
  EXPECT_EQ(Body(out[2])["predictions"][1]["prediction"], "buy");
  // The two good requests ran as one batch of their three rows.
  EXPECT_EQ(out[0]->batch_rows, 3u);
  EXPECT_EQ(out[2]->batch_rows, 3u);
  ASSERT_FALSE(out[3].ok());
  EXPECT_EQ(out[3].status().code(), ErrorCode::kThrottled);
  EXPECT_EQ(e.in_flight(), 0);
  // Each answer is the one it gets alone.
  auto alone = e.Invoke("text/csv", "0.1,0.1,basic\n1.9,0,gold\n");
  ASSERT_TRUE(alone.ok());
  EXPECT_EQ(Body(alone)["predictions"], Body(out[2])["predictions"]);

  auto csv = e.InvokeMany({{"text/csv", "0.1,0.1,basic\n", "c1"}, {"text/csv", "1.9,0,gold\n", "c2"}});
  ASSERT_TRUE(csv[0].ok() && csv[1].ok());
  EXPECT_EQ(Body(csv[0])["predictions"][0], Body(out[2])["predictions"][0]);
  EXPECT_EQ(Body(csv[1])["predictions"][0], Body(out[2])["predictions"][1]);
  EXPECT_EQ(csv[1]->batch_rows, 2u);

  // A value the model cannot read fails its own request only.
  auto mixed = e.InvokeMany({{"application/json", R"([{"x1": "many"}])", "r5"}, {"text/csv", "1.9,0,gold\n", "r6"}});
  ASSERT_EQ(mixed.size(), 2u);
  ASSERT_FALSE(mixed[0].ok());
  EXPECT_NE(mixed[0].status().message().find("many"), std::string::npos) << mixed[0].status().message();
  ASSERT_TRUE(mixed[1].ok()) << mixed[1].status().ToString();
  EXPECT_EQ(Body(mixed[1])["predictions"][0]["prediction"], "buy");
}

TEST(Endpoint, LimitsRowsAndConcurrency) {
  TempDir dir;
  auto predictor = Predictor::Load(MakeModel(dir.path));
  ASSERT_TRUE(predictor.ok());
  Endpoint e("e", dir.path / "capture");
  e.Swap(Spec({{"name", "e"}, {"model", "m"}, {"limits", {{"max_rows", 2}, {"max_concurrency", 1}}}}), {*predictor});
  auto big = e.Invoke("text/csv", "1,1,a\n1,1,a\n1,1,a\n");
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), ErrorCode::kPayloadTooLarge);
  // Concurrency: with a cap of 1 and many threads, some requests are throttled and
  // every other succeeds.
  std::atomic<int> ok{0}, throttled{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        auto r = e.Invoke("text/csv", "1,1,gold\n");
        if (r.ok()) ++ok;
        else if (r.status().code() == ErrorCode::kThrottled) ++throttled;
        else ++other;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(other.load(), 0);
  EXPECT_GT(ok.load(), 0);
  EXPECT_EQ(ok.load() + throttled.load(), 800);
}

TEST(Endpoint, CaptureWritesSampledJsonLinesAndRotates) {
  TempDir dir;
  auto predictor = Predictor::Load(MakeModel(dir.path));
  ASSERT_TRUE(predictor.ok());
  Endpoint e("e", dir.path / "capture");
  e.Swap(Spec({{"name", "e"}, {"model", "m"}, {"capture", {{"sample_rate", 1.0}, {"max_file_mb", 0.002}}}}),
         {*predictor});
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(e.Invoke("text/csv", "1,1,gold\n").ok());
  e.FlushCapture();
  int files = 0, lines = 0;
  for (const auto& f : std::filesystem::recursive_directory_iterator(dir.path / "capture")) {
    if (!f.is_regular_file()) continue;
    EXPECT_EQ(f.path().extension(), ".jsonl") << f.path();  // no .partial left after a flush
    ++files;
    std::ifstream in(f.path());
    std::string line;
    while (std::getline(in, line)) {
      auto j = core::ParseJson(line, "capture");
      ASSERT_TRUE(j.ok()) << line;
      EXPECT_TRUE(j->contains("input") && j->contains("output") && j->contains("time"));
      ++lines;
    }
  }
  EXPECT_EQ(lines, 50);
  EXPECT_GT(files, 1) << "2 KB files should have rotated";
}

TEST(Endpoint, HotSwapUnderLoadFailsNothing) {
  TempDir dir;
  auto p1 = Predictor::Load(MakeModel(dir.path));
  ASSERT_TRUE(p1.ok());
  Endpoint e("e", dir.path / "capture");
  e.Swap(Spec({{"name", "e"}, {"variants", {{{"name", "v1"}, {"model", "m"}}}}}), {*p1});
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0}, calls{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      while (!stop) {
        if (!e.Invoke("text/csv", "1,1,gold\n").ok()) ++failures;
        ++calls;
      }
    });
  }
  for (int i = 0; i < 50; ++i) {
    const std::string name = i % 2 ? "v1" : "v2";
    e.Swap(Spec({{"name", "e"}, {"variants", {{{"name", name}, {"model", "m"}}}}}), {*p1});
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  stop = true;
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(calls.load(), 0);
}

}  // namespace
}  // namespace strata::serve
