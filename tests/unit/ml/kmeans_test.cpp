// The kmeans algorithm on data with a known answer: well separated blobs are found (each
// true cluster maps to one found cluster), scikit-learn's KMeans reaches the same
// inertia, progress comes per iteration, the saved centres load back and in faiss's
// Python package, and bad inputs are errors.
#include <cmath>
#include <map>
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "faiss_test_util.h"
#include "ml/algorithm.h"
#include "ml/kmeans.h"

namespace strata::ml {
namespace {

using testing::RunPythonCheck;
using testing::TempDir;
using testing::WriteCsv;

struct Blobs {
  std::vector<float> x;
  std::vector<int> truth;
  size_t cols = 0;
  Matrix m() const { return {x.data(), truth.size(), cols}; }
};

// `k` Gaussian blobs (sd 0.5) around centres 10 apart on the axes, `per` rows each, shuffled.
Blobs MakeBlobs(int k, int per, size_t cols, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> noise(0, 0.5f);
  std::vector<std::pair<int, std::vector<float>>> rows;
  for (int c = 0; c < k; ++c) {
    for (int i = 0; i < per; ++i) {
      std::vector<float> row(cols);
      for (size_t j = 0; j < cols; ++j)
        row[j] =
            noise(rng) +
            (j == static_cast<size_t>(c) % cols ? 10.0f * (1 + c / static_cast<int>(cols)) : 0.0f);
      rows.push_back({c, row});
    }
  }
  std::shuffle(rows.begin(), rows.end(), rng);
  Blobs b;
  b.cols = cols;
  for (auto& [c, row] : rows) {
    b.truth.push_back(c);
    b.x.insert(b.x.end(), row.begin(), row.end());
  }
  return b;
}

Json Hp(const Json& given) {
  auto hp = ValidateHyperparameters(KMeansAlgorithm().hyperparameters(), given);
  EXPECT_TRUE(hp.ok()) << hp.status().ToString();
  return hp.ok() ? *hp : Json::object();
}

Result<std::unique_ptr<Model>> Train(const Blobs& b, const Json& hp,
                                     const IterationCallback& cb = nullptr) {
  TrainInput in;
  in.problem = Problem::kClustering;
  in.hyperparameters = Hp(hp);
  in.train = b.m();
  return KMeansAlgorithm().Train(in, cb);
}

// Every true cluster maps to exactly one found cluster, and different true clusters to
// different found ones.
void ExpectRecovered(const Blobs& b, const std::vector<float>& pred, int k) {
  std::map<int, std::set<int>> found_of_true;
  std::set<int> found;
  for (size_t r = 0; r < b.truth.size(); ++r) {
    const int c = static_cast<int>(pred[2 * r]);
    ASSERT_GE(c, 0);
    ASSERT_LT(c, k);
    found_of_true[b.truth[r]].insert(c);
    found.insert(c);
  }
  for (const auto& [t, f] : found_of_true)
    EXPECT_EQ(f.size(), 1u) << "true cluster " << t << " was split";
  EXPECT_EQ(found.size(), static_cast<size_t>(k)) << "two true clusters were merged";
}

TEST(KMeansTest, FindsSeparatedClustersAndAgreesWithScikitLearn) {
  const Blobs b = MakeBlobs(5, 200, 4, 7);
  std::vector<std::pair<int, double>> progress;
  auto model = Train(b, {{"k", 5}, {"seeds", 1}},
                     [&](int it, int total, const std::map<std::string, double>& m) {
                       EXPECT_EQ(total, 50);
                       progress.push_back({it, m.at("train-inertia")});
                       return true;
                     });
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  auto pred = (*model)->Predict(b.m());
  ASSERT_TRUE(pred.ok()) << pred.status().ToString();
  ExpectRecovered(b, *pred, 5);

  // Per-iteration progress, each iteration's inertia no higher than the one before, and
  // converged (tol) well before 50 iterations on blobs this clear.
  ASSERT_GE(progress.size(), 2u);
  for (size_t i = 1; i < progress.size(); ++i) {
    EXPECT_EQ(progress[i].first, progress[i - 1].first + 1);
    EXPECT_LE(progress[i].second, progress[i - 1].second * (1 + 1e-6));
  }
  const Json info = (*model)->Info();
  EXPECT_EQ(info["clusters"], 5);
  EXPECT_EQ(info["converged"], true);
  EXPECT_EQ(info["iterations"], static_cast<int>(progress.size()));
  EXPECT_LT(info["iterations"].get<int>(), 50);

  // The distance output is the Euclidean distance, and the inertia its sum of squares.
  double sum_sq = 0;
  for (size_t r = 0; r < b.truth.size(); ++r)
    sum_sq += double{(*pred)[2 * r + 1]} * (*pred)[2 * r + 1];
  EXPECT_NEAR(info["inertia"].get<double>(), sum_sq, 1e-4 * sum_sq);
  // ~ rows x features x variance (0.25) for the true partition.
  EXPECT_NEAR(sum_sq, 1000 * 4 * 0.25, 0.15 * 1000);

  // scikit-learn's KMeans (10 k-means++ runs) finds the same partition: the same inertia.
  TempDir dir;
  WriteCsv(dir.path() / "x.csv", b.x, b.cols);
  std::ofstream(dir.path() / "params.json") << R"({"k": 5})";
  const Json sk = RunPythonCheck("kmeans", dir.path());
  ASSERT_TRUE(sk.contains("inertia")) << sk.dump();
  EXPECT_NEAR(info["inertia"].get<double>(), sk["inertia"].get<double>(),
              1e-3 * sk["inertia"].get<double>());
}

TEST(KMeansTest, SubsamplesAndKeepsTheBestOfSeveralSeeds) {
  const Blobs b = MakeBlobs(4, 300, 3, 11);
  // Training on a sample of 4 x 50 rows still finds the blobs for every row.
  auto sampled = Train(b, {{"k", 4}, {"max_points_per_centroid", 50}});
  ASSERT_TRUE(sampled.ok()) << sampled.status().ToString();
  ExpectRecovered(b, *(*sampled)->Predict(b.m()), 4);
  EXPECT_EQ((*sampled)->Info()["sampled_rows"], 200);
  EXPECT_EQ((*sampled)->Info()["training_rows"], 1200);

  // init=random is FAISS's own seeding (k random rows), which often puts two centres in
  // one blob; of 30 runs the best finds the blobs, and is no worse than the first run.
  auto one = Train(b, {{"k", 4}, {"init", "random"}, {"seeds", 1}});
  auto many = Train(b, {{"k", 4}, {"init", "random"}, {"seeds", 30}});
  ASSERT_TRUE(one.ok() && many.ok());
  auto pred = *(*many)->Predict(b.m());
  ExpectRecovered(b, pred, 4);
  EXPECT_EQ((*many)->Info()["init"], "random");
  EXPECT_LE((*many)->Info()["inertia"].get<double>(),
            (*one)->Info()["inertia"].get<double>() * (1 + 1e-6));

  // The same seed gives the same centres.
  auto again = Train(b, {{"k", 4}, {"init", "random"}, {"seeds", 30}});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*(*again)->Predict(b.m()), pred);
}

TEST(KMeansTest, SavesCentresThatLoadHereAndInFaissPython) {
  const Blobs b = MakeBlobs(3, 100, 2, 3);
  auto model = Train(b, {{"k", 3}});
  ASSERT_TRUE(model.ok());
  TempDir dir;
  auto file = (*model)->Save(dir.path());
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(*file, "kmeans.faiss");
  const Json model_json = {{"problem", "clustering"}, {"training", (*model)->Info()}};
  auto loaded = KMeansAlgorithm().Load(dir.path(), model_json);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(*(*loaded)->Predict(b.m()), *(*model)->Predict(b.m()));
  EXPECT_EQ((*loaded)->Info()["clusters"], 3);

  // faiss.read_index sees an IndexFlatL2 of 3 centres in 2 dimensions, and each row's
  // distance to its cluster's centre is the predicted distance.
  const Json py = RunPythonCheck("files", dir.path());
  ASSERT_TRUE(py.contains("kmeans.faiss")) << py.dump();
  EXPECT_EQ(py["kmeans.faiss"]["type"], "IndexFlat");  // Python's name of an IndexFlatL2
  EXPECT_EQ(py["kmeans.faiss"]["metric_type"], 1);     // METRIC_L2
  EXPECT_EQ(py["kmeans.faiss"]["ntotal"], 3);
  EXPECT_EQ(py["kmeans.faiss"]["d"], 2);
  auto pred = *(*model)->Predict(b.m());
  for (size_t r = 0; r < 10; ++r) {
    const Json& c = py["kmeans.faiss"]["centres"][static_cast<int>(pred[2 * r])];
    const double dx = b.x[2 * r] - c[0].get<double>(), dy = b.x[2 * r + 1] - c[1].get<double>();
    EXPECT_NEAR(pred[2 * r + 1], std::sqrt(dx * dx + dy * dy), 1e-4);
  }

  // A model.json that disagrees with the file, and a damaged file, are errors.
  EXPECT_FALSE(KMeansAlgorithm().Load(dir.path(), {{"training", {{"clusters", 4}}}}).ok());
  std::ofstream(dir.path() / "kmeans.faiss") << "not an index";
  auto damaged = KMeansAlgorithm().Load(dir.path(), model_json);
  ASSERT_FALSE(damaged.ok());
  EXPECT_NE(damaged.status().message().find("kmeans.faiss"), std::string::npos)
      << damaged.status().ToString();
}

TEST(KMeansTest, StopsWhenAskedAndRejectsBadInput) {
  const Blobs b = MakeBlobs(3, 50, 2, 5);
  int calls = 0;
  auto stopped = Train(b, {{"k", 3}, {"tol", 0}, {"seeds", 2}},
                       [&](int, int, const std::map<std::string, double>&) { return ++calls < 2; });
  ASSERT_TRUE(stopped.ok());
  EXPECT_EQ(calls, 2);

  // k above the row count; k equal to it (every row its own centre, distance 0).
  auto too_many = Train(b, {{"k", 151}});
  ASSERT_FALSE(too_many.ok());
  EXPECT_NE(too_many.status().message().find("k is 151 but there are only 150 training rows"),
            std::string::npos);
  auto all = Train(b, {{"k", 150}});
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  auto pred = (*all)->Predict(b.m());
  for (size_t r = 0; r < 150; ++r) EXPECT_EQ((*pred)[2 * r + 1], 0.0f);

  // The schema refuses k = 0; a prediction with the wrong width is an error; a missing
  // value counts as 0 rather than breaking the search.
  EXPECT_FALSE(ValidateHyperparameters(KMeansAlgorithm().hyperparameters(), {{"k", 0}}).ok());
  auto model = Train(b, {{"k", 3}});
  std::vector<float> wide(3, 0.0f);
  EXPECT_FALSE((*model)->Predict({wide.data(), 1, 3}).ok());
  std::vector<float> gap = {NAN, 0.0f};
  auto one = (*model)->Predict({gap.data(), 1, 2});
  ASSERT_TRUE(one.ok());
  EXPECT_GE((*one)[0], 0);
  EXPECT_TRUE(std::isfinite((*one)[1]));
}

}  // namespace
}  // namespace strata::ml
