// anomaly (isolation forest): planted outliers in a Gaussian blob get the top scores,
// the threshold flags the contamination share, determinism by seed (whatever the
// threads), exact scores on degenerate data, c(n) and rankings against scikit-learn's
// IsolationForest, the file and its corrupt variants, progress and bad hyperparameters.
#include "ml/anomaly_algorithm.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <numeric>
#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "ml/isolation_forest.h"
#include "ml/metrics.h"
#include "sklearn_runner.h"

namespace strata::ml {
namespace {

const Algorithm& Anomaly() {
  return AnomalyAlgorithm();
}

struct Data {
  std::vector<float> x;
  std::vector<int> labels;  // 1: planted outlier
  size_t cols = 0;
  Matrix m() const { return {x.data(), labels.size(), cols}; }
};

// A standard Gaussian blob in 4 dimensions, and `outliers` points 8 to 12 units from its
// centre in random directions, mixed in at random positions.
Data Planted(int inliers, int outliers, uint32_t seed = 5) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> n(0, 1);
  std::uniform_real_distribution<double> u(8, 12);
  Data d;
  d.cols = 4;
  std::vector<int> kinds(static_cast<size_t>(inliers), 0);
  kinds.insert(kinds.end(), static_cast<size_t>(outliers), 1);
  std::shuffle(kinds.begin(), kinds.end(), rng);
  for (int k : kinds) {
    double v[4], norm = 0;
    for (double& c : v) {
      c = n(rng);
      norm += c * c;
    }
    const double scale = k ? u(rng) / std::sqrt(norm) : 1.0;
    for (double c : v) d.x.push_back(static_cast<float>(c * scale));
    d.labels.push_back(k);
  }
  return d;
}

Json Hp(const Json& given) {
  auto hp = ValidateHyperparameters(Anomaly().hyperparameters(), given);
  EXPECT_TRUE(hp.ok()) << hp.status().ToString();
  return hp.ok() ? *hp : Json();
}

Result<std::unique_ptr<Model>> Train(const Data& d, const Json& given,
                                     const IterationCallback& cb = nullptr) {
  TrainInput in;
  in.problem = Problem::kAnomalyDetection;
  in.hyperparameters = Hp(given);
  in.train = d.m();
  return Anomaly().Train(in, cb);
}

std::vector<double> Scores(const std::vector<float>& pred) {
  std::vector<double> s;
  for (size_t i = 0; i < pred.size(); i += 2) s.push_back(pred[i]);
  return s;
}

double Auc(const std::vector<int>& labels, const std::vector<double>& scores) {
  auto b = EvaluateBinary(labels, scores, 0.5);
  EXPECT_TRUE(b.ok());
  return b.ok() ? b->roc_auc : 0;
}

TEST(AnomalyTest, PlantedOutliersScoreHighestAndTheThresholdFlagsTheContamination) {
  Data d = Planted(2000, 20);
  auto model = Train(d, {{"seed", 3}});
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ((*model)->outputs_per_row(), 2);
  auto pred = (*model)->Predict(d.m());
  ASSERT_TRUE(pred.ok());
  std::vector<double> s = Scores(*pred);
  EXPECT_GT(Auc(d.labels, s), 0.999);
  // The 20 highest scores are the planted points.
  std::vector<size_t> order(s.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return s[a] > s[b]; });
  for (int i = 0; i < 20; ++i) EXPECT_EQ(d.labels[order[i]], 1) << "rank " << i;
  for (double v : s) {
    EXPECT_GT(v, 0);
    EXPECT_LE(v, 1);
  }
  // contamination 0.01 of 2020 rows: about 20 flagged, and the flags follow the threshold.
  Json info = (*model)->Info();
  const double threshold = info["threshold"];
  int flagged = 0;
  for (size_t r = 0; r < s.size(); ++r) {
    const bool flag = (*pred)[2 * r + 1] == 1.0f;
    flagged += flag;
    EXPECT_EQ(flag, s[r] > threshold) << "row " << r;
  }
  EXPECT_NEAR(flagged, 20, 1);
  EXPECT_NEAR(info["train_flagged_rate"].get<double>(), 0.01, 0.001);
  EXPECT_EQ(info["trees"], 100);
  EXPECT_EQ(info["sample_size"], 256);
  EXPECT_EQ(info["contamination"], 0.01);

  // contamination 0.05 flags about 5%; 0 uses the fixed threshold 0.5.
  auto wider = Train(d, {{"seed", 3}, {"contamination", 0.05}});
  ASSERT_TRUE(wider.ok());
  EXPECT_NEAR((*wider)->Info()["train_flagged_rate"].get<double>(), 0.05, 0.001);
  auto fixed = Train(d, {{"seed", 3}, {"contamination", 0}});
  ASSERT_TRUE(fixed.ok());
  EXPECT_EQ((*fixed)->Info()["threshold"], 0.5);
}

TEST(AnomalyTest, TheSeedDecidesTheForestWhateverTheThreads) {
  Data d = Planted(3000, 30);
  IsolationForestOptions o;
  o.trees = 40;
  o.seed = 7;
  core::ThreadPool one(1), three(3);
  auto a = IsolationForest::Fit(d.m(), o, one, nullptr);
  auto b = IsolationForest::Fit(d.m(), o, three, nullptr);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->Serialize(), b->Serialize());
  o.seed = 8;
  auto c = IsolationForest::Fit(d.m(), o, one, nullptr);
  ASSERT_TRUE(c.ok());
  EXPECT_NE(a->Serialize(), c->Serialize());

  auto m1 = Train(d, {{"seed", 1}, {"max_features", 0.5}});
  auto m2 = Train(d, {{"seed", 1}, {"max_features", 0.5}});
  ASSERT_TRUE(m1.ok() && m2.ok());
  EXPECT_EQ(*(*m1)->Predict(d.m()), *(*m2)->Predict(d.m()));
  EXPECT_EQ((*m1)->Info()["features_per_tree"], 2);
}

TEST(AnomalyTest, DegenerateDataHasTheExactScore) {
  // ψ = 2: every tree is one split into two single-row leaves, so every path is 1 and
  // c(2) = 1: s = 2^-1 for any row, seen or not.
  Data d = Planted(50, 0);
  auto two = Train(d, {{"sample_size", 2}, {"trees", 10}});
  ASSERT_TRUE(two.ok());
  std::vector<float> far = {100, -100, 100, -100};
  for (const auto& x : {Matrix{d.x.data(), 50, 4}, Matrix{far.data(), 1, 4}}) {
    auto p = (*two)->Predict(x);
    ASSERT_TRUE(p.ok());
    for (double s : Scores(*p)) EXPECT_DOUBLE_EQ(s, 0.5);
  }
  // All rows equal: the root is a leaf of ψ rows, h = c(ψ), s = 2^-1 again.
  Data same;
  same.cols = 3;
  same.x.assign(300, 1.5f);
  same.labels.assign(100, 0);
  auto flat = Train(same, {});
  ASSERT_TRUE(flat.ok());
  auto p = (*flat)->Predict(same.m());
  ASSERT_TRUE(p.ok());
  for (double s : Scores(*p)) EXPECT_DOUBLE_EQ(s, 0.5);
  EXPECT_EQ((*flat)->Info()["sample_size"], 100);  // capped at the rows
}

TEST(AnomalyTest, AgreesWithScikitLearn) {
  TempDir dir;
  Data d = Planted(3000, 30, 9);
  auto model = Train(d, {{"trees", 300}, {"seed", 1}});
  ASSERT_TRUE(model.ok());
  auto pred = (*model)->Predict(d.m());
  ASSERT_TRUE(pred.ok());
  std::string x, labels, scores;
  for (size_t r = 0; r < d.labels.size(); ++r) {
    for (size_t j = 0; j < d.cols; ++j)
      x += fmt::format("{}{:.9g}", j ? "," : "", d.x[r * d.cols + j]);
    x += "\n";
    labels += fmt::format("{}\n", d.labels[r]);
    scores += fmt::format("{:.9g}\n", (*pred)[2 * r]);
  }
  std::ofstream(dir.path() / "x.csv") << x;
  std::ofstream(dir.path() / "labels.csv") << labels;
  std::ofstream(dir.path() / "strata_scores.csv") << scores;
  auto parsed = core::ParseJson(
      RunPython("sklearn_unsupervised.py", "iforest " + dir.path().string()), "sklearn");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const Json& sk = *parsed;
  // Different random trees, the same definition: rankings agree closely.
  RecordProperty("sklearn", sk.dump());
  EXPECT_GT(sk["spearman"].get<double>(), 0.95) << sk.dump();
  EXPECT_NEAR(sk["strata_auc"].get<double>(), sk["sklearn_auc"].get<double>(), 0.005) << sk.dump();
  EXPECT_GT(sk["strata_auc"].get<double>(), 0.99);
  EXPECT_NEAR((*model)->Info()["threshold"].get<double>(), sk["sklearn_threshold"].get<double>(),
              0.03)
      << sk.dump();
  EXPECT_NEAR((*model)->Info()["train_flagged_rate"].get<double>(),
              sk["sklearn_flagged_rate"].get<double>(), 0.002);
  const Json& c = sk["average_path_length"];
  for (size_t n = 0; n < c.size(); ++n)
    EXPECT_NEAR(AveragePathLength(static_cast<double>(n)), c[n].get<double>(), 1e-12) << n;
}

TEST(AnomalyTest, SavesLoadsAndRefusesCorruptFiles) {
  Data d = Planted(500, 5);
  auto model = Train(d, {{"trees", 20}, {"seed", 4}});
  ASSERT_TRUE(model.ok());
  TempDir dir;
  auto name = (*model)->Save(dir.path());
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(*name, "iforest.bin");
  Json model_json = {{"training", (*model)->Info()}};
  auto loaded = Anomaly().Load(dir.path(), model_json);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(*(*loaded)->Predict(d.m()), *(*model)->Predict(d.m()));
  EXPECT_EQ((*loaded)->Info(), (*model)->Info());

  const std::string good = *core::ReadFile(dir.path() / "iforest.bin");
  EXPECT_EQ(good.substr(0, 8), "STRATAIF");
  auto load = [&](const std::string& bytes) {
    std::ofstream(dir.path() / "iforest.bin", std::ios::trunc | std::ios::binary) << bytes;
    return Anomaly().Load(dir.path(), model_json);
  };
  auto expect_error = [&](const std::string& bytes, const std::string& want) {
    auto r = load(bytes);
    ASSERT_FALSE(r.ok()) << want;
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(want), std::string::npos) << r.status().ToString();
  };
  // Every truncation is refused.
  for (size_t len : {size_t{0}, size_t{7}, size_t{47}, good.size() / 2, good.size() - 1}) {
    expect_error(good.substr(0, len), "corrupt");
  }
  std::string flipped = good;
  flipped[good.size() / 2] ^= 0x40;
  expect_error(flipped, "checksum does not match");
  std::string newer = good;
  newer[8] = 2;
  expect_error(newer, "format version 2; this program reads version 1");
  // A structural error behind a valid checksum: the root's left child points at itself.
  std::string cyclic = good.substr(0, good.size() - 8);
  const uint32_t self = 0;
  std::memcpy(cyclic.data() + 40 + 4 + 8, &self, 4);
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char ch : cyclic) h = (h ^ ch) * 0x100000001b3ull;
  cyclic.append(reinterpret_cast<const char*>(&h), 8);
  expect_error(cyclic, "node 0 of tree 1 is not a valid split or leaf");
  EXPECT_TRUE(load(good).ok());
}

// Random damage behind a valid checksum (what a hand edit or a bug could write): Parse
// refuses or accepts, and an accepted forest scores without reading out of bounds.
TEST(AnomalyTest, ParseSurvivesMutatedFiles) {
  Data d = Planted(300, 3);
  IsolationForestOptions o;
  o.trees = 3;
  o.sample_size = 16;
  core::ThreadPool pool(1);
  auto forest = IsolationForest::Fit(d.m(), o, pool, nullptr);
  ASSERT_TRUE(forest.ok());
  const std::string good = forest->Serialize();
  std::mt19937 rng(1);
  int accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string bytes = good.substr(0, good.size() - 8);
    for (int k = 0, n = 1 + static_cast<int>(rng() % 4); k < n; ++k) {
      bytes[rng() % bytes.size()] = static_cast<char>(rng());
    }
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char ch : bytes) h = (h ^ ch) * 0x100000001b3ull;
    bytes.append(reinterpret_cast<const char*>(&h), 8);
    auto parsed = IsolationForest::Parse(bytes);
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.status().code(), ErrorCode::kInvalidArgument);
      continue;
    }
    ++accepted;
    std::vector<float> x(parsed->features() * 4, 0.5f);
    std::vector<double> out(4);
    parsed->Score({x.data(), 4, parsed->features()}, out);
    for (double s : out) EXPECT_TRUE(s >= 0 && s <= 1) << s;
  }
  EXPECT_GT(accepted, 0);  // thresholds and leaf sizes may change and still be valid
}

TEST(AnomalyTest, ReportsProgressPerChunkOfTreesAndStops) {
  Data d = Planted(300, 3);
  std::vector<int> seen;
  auto model =
      Train(d, {{"trees", 100}}, [&](int it, int total, const std::map<std::string, double>&) {
        EXPECT_EQ(total, 100);
        seen.push_back(it);
        return true;
      });
  ASSERT_TRUE(model.ok());
  EXPECT_EQ(seen, (std::vector<int>{9, 19, 29, 39, 49, 59, 69, 79, 89, 99}));
  auto stopped = Train(d, {{"trees", 100}},
                       [](int it, int, const std::map<std::string, double>&) { return it < 29; });
  ASSERT_TRUE(stopped.ok());
  EXPECT_EQ((*stopped)->Info()["trees"], 30);
}

TEST(AnomalyTest, BadInputNamesWhatIsWrong) {
  auto c = ValidateHyperparameters(Anomaly().hyperparameters(), {{"contamination", 0.7}});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "contamination must be in [0, 0.5], got 0.7");
  auto s = ValidateHyperparameters(Anomaly().hyperparameters(), {{"sample_size", 1}});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(), "sample_size must be in [2, 1073741824], got 1");
  Data d = Planted(100, 1);
  d.x[9] = NAN;
  auto missing = Train(d, {});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("training row 3, feature 2 is missing"),
            std::string::npos)
      << missing.status().ToString();
  d.x[9] = 0;
  auto model = Train(d, {{"trees", 5}});
  ASSERT_TRUE(model.ok());
  auto wrong = (*model)->Predict({d.x.data(), 2, 3});
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("takes 4 features, got 3"), std::string::npos);
}

}  // namespace
}  // namespace strata::ml
