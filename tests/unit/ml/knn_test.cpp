// The knn algorithm: a linearly separable set is classified without error, predictions
// of the exact index agree with scikit-learn's KNeighborsClassifier/Regressor on the
// same data (uniform and distance weights, exact matches included), the HNSW index
// finds nearly the same neighbours, and the saved index and labels load back here and
// in faiss/numpy, and damaged index files are refused before FAISS reads them.
#include <cmath>
#include <cstring>
#include <random>

#include <gtest/gtest.h>

#include "faiss_test_util.h"
#include "ml/algorithm.h"
#include "ml/faiss_file_check.h"
#include "ml/knn.h"

namespace strata::ml {
namespace {

using testing::RunPythonCheck;
using testing::TempDir;
using testing::WriteCsv;

struct Data {
  std::vector<float> x, y;
  size_t cols = 0;
  Matrix m() const { return {x.data(), y.size(), cols}; }
};

Json Hp(const Json& given) {
  auto hp = ValidateHyperparameters(KnnAlgorithm().hyperparameters(), given);
  EXPECT_TRUE(hp.ok()) << hp.status().ToString();
  return hp.ok() ? *hp : Json::object();
}

Result<std::unique_ptr<Model>> Train(Problem problem, int classes, const Data& d, const Json& hp) {
  TrainInput in;
  in.problem = problem;
  in.num_classes = classes;
  in.hyperparameters = Hp(hp);
  in.train = d.m();
  in.labels = d.y;
  return KnnAlgorithm().Train(in, nullptr);
}

// Standard normal features; the label from `label(row)`.
Data Random(size_t rows, size_t cols, uint64_t seed,
            const std::function<float(const float*)>& label) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> n(0, 1);
  Data d;
  d.cols = cols;
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < cols; ++c) d.x.push_back(n(rng));
    d.y.push_back(label(d.x.data() + r * cols));
  }
  return d;
}

TEST(KnnTest, ClassifiesALinearlySeparableSet) {
  // Class 1 when x0 + x1 > 0, with a margin: rows closer than 0.5 to the boundary are moved off it.
  auto separable = [](size_t rows, uint64_t seed) {
    Data d = Random(rows, 2, seed, [](const float*) { return 0.0f; });
    for (size_t r = 0; r < rows; ++r) {
      float* p = d.x.data() + 2 * r;
      const float s = p[0] + p[1];
      const float push = s >= 0 ? 0.5f : -0.5f;
      p[0] += push;
      p[1] += push;
      d.y[r] = s >= 0 ? 1.0f : 0.0f;
    }
    return d;
  };
  const Data train = separable(500, 1), test = separable(300, 2);
  auto model = Train(Problem::kBinaryClassification, 2, train, {{"k", 5}});
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ((*model)->outputs_per_row(), 1);
  auto p = (*model)->Predict(test.m());
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  int correct = 0;
  for (size_t r = 0; r < test.y.size(); ++r) correct += ((*p)[r] > 0.5f) == (test.y[r] == 1.0f);
  EXPECT_EQ(correct, 300);
  EXPECT_EQ((*model)->Info()["index"], "flat");
}

// Three overlapping classes and a regression target in 5 dimensions; a fifth of the
// test rows are copies of training rows (exact matches).
struct Case {
  Data train, test;
};
Case Overlapping() {
  auto label = [](const float* x) {
    return static_cast<float>((x[0] + 0.5f * x[1] > 0.6f) + (x[2] - x[3] > 0.4f));
  };
  Case c{Random(600, 5, 3, label), Random(200, 5, 4, label)};
  for (size_t r = 0; r < 200; r += 5) {
    std::copy_n(c.train.x.data() + (r * 3) * 5, 5, c.test.x.data() + r * 5);
    c.test.y[r] = c.train.y[r * 3];
  }
  return c;
}

TEST(KnnTest, ExactIndexAgreesWithScikitLearn) {
  const Case c = Overlapping();
  for (const char* weights : {"uniform", "distance"}) {
    SCOPED_TRACE(weights);
    auto model =
        Train(Problem::kMulticlassClassification, 3, c.train, {{"k", 7}, {"weights", weights}});
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    ASSERT_EQ((*model)->outputs_per_row(), 3);
    auto p = (*model)->Predict(c.test.m());
    ASSERT_TRUE(p.ok());

    TempDir dir;
    WriteCsv(dir.path() / "train.csv", c.train.x, 5, c.train.y);
    WriteCsv(dir.path() / "test.csv", c.test.x, 5, c.test.y);
    std::ofstream(dir.path() / "params.json")
        << Json({{"k", 7}, {"weights", weights}, {"regression", false}}).dump();
    const Json sk = RunPythonCheck("knn", dir.path());
    ASSERT_EQ(sk["probabilities"].size(), 200u) << sk.dump();
    for (size_t r = 0; r < 200; ++r) {
      for (size_t k = 0; k < 3; ++k) {
        EXPECT_NEAR((*p)[r * 3 + k], sk["probabilities"][r][k].get<double>(), 1e-5)
            << "row " << r << " class " << k;
      }
    }
    if (std::string(weights) == "distance") {
      // An exact match alone decides: its own class with probability 1.
      for (size_t r = 0; r < 200; r += 5)
        EXPECT_EQ((*p)[r * 3 + static_cast<size_t>(c.test.y[r])], 1.0f) << r;
    }
  }

  // Regression: the (weighted) mean of the neighbours' values.
  Data reg = c.train, reg_test = c.test;
  for (size_t r = 0; r < reg.y.size(); ++r)
    reg.y[r] = 3 * reg.x[r * 5] - reg.x[r * 5 + 4] + 0.1f * reg.y[r];
  for (const char* weights : {"uniform", "distance"}) {
    SCOPED_TRACE(weights);
    auto model = Train(Problem::kRegression, 0, reg, {{"k", 4}, {"weights", weights}});
    ASSERT_TRUE(model.ok());
    auto p = (*model)->Predict(reg_test.m());
    ASSERT_TRUE(p.ok());
    TempDir dir;
    WriteCsv(dir.path() / "train.csv", reg.x, 5, reg.y);
    WriteCsv(dir.path() / "test.csv", reg_test.x, 5, reg_test.y);
    std::ofstream(dir.path() / "params.json")
        << Json({{"k", 4}, {"weights", weights}, {"regression", true}}).dump();
    const Json sk = RunPythonCheck("knn", dir.path());
    ASSERT_EQ(sk["predictions"].size(), 200u) << sk.dump();
    for (size_t r = 0; r < 200; ++r) {
      const double want = sk["predictions"][r].get<double>();
      EXPECT_NEAR((*p)[r], want, 1e-5 * std::max(1.0, std::fabs(want))) << "row " << r;
    }
  }
}

TEST(KnnTest, HnswAboveTheThresholdFindsNearlyTheSameNeighbours) {
  const Case c = Overlapping();
  auto exact = Train(Problem::kMulticlassClassification, 3, c.train, {{"k", 7}});
  auto hnsw = Train(Problem::kMulticlassClassification, 3, c.train,
                    {{"k", 7}, {"hnsw_above", 100}, {"M", 16}});
  ASSERT_TRUE(exact.ok()) << exact.status().ToString();
  ASSERT_TRUE(hnsw.ok()) << hnsw.status().ToString();
  EXPECT_EQ((*hnsw)->Info()["index"], "hnsw");
  EXPECT_EQ((*hnsw)->Info()["M"], 16);
  auto a = *(*exact)->Predict(c.test.m());
  auto b = *(*hnsw)->Predict(c.test.m());
  int same = 0;
  for (size_t i = 0; i < a.size(); ++i) same += std::fabs(a[i] - b[i]) < 1e-6;
  EXPECT_GE(same, static_cast<int>(a.size() * 97 / 100)) << "of " << a.size();
}

TEST(KnnTest, SavesIndexAndLabelsThatLoadHereAndInPython) {
  const Case c = Overlapping();
  for (const bool hnsw : {false, true}) {
    SCOPED_TRACE(hnsw ? "hnsw" : "flat");
    const Json hp = {{"k", 3}, {"weights", "distance"}, {"hnsw_above", hnsw ? 10 : 100000}};
    auto model = Train(Problem::kMulticlassClassification, 3, c.train, hp);
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    TempDir dir;
    auto file = (*model)->Save(dir.path());
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    EXPECT_EQ(*file, "knn.faiss");
    const Json model_json = {{"problem", "multiclass_classification"},
                             {"classes", {"a", "b", "c"}},
                             {"hyperparameters", Hp(hp)},
                             {"training", (*model)->Info()}};
    auto loaded = KnnAlgorithm().Load(dir.path(), model_json);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    EXPECT_EQ(*(*loaded)->Predict(c.test.m()), *(*model)->Predict(c.test.m()));

    const Json py = RunPythonCheck("files", dir.path());
    EXPECT_EQ(py["knn.faiss"]["type"], hnsw ? "IndexHNSWFlat" : "IndexFlat") << py.dump();
    EXPECT_EQ(py["knn.faiss"]["metric_type"], 1);  // METRIC_L2
    EXPECT_EQ(py["knn.faiss"]["ntotal"], 600);
    EXPECT_EQ(py["knn.faiss"]["d"], 5);
    ASSERT_EQ(py["labels"].size(), 600u);
    for (size_t r = 0; r < 600; ++r) EXPECT_EQ(py["labels"][r].get<float>(), c.train.y[r]);

    // Labels that do not fit the model are refused.
    Json two = model_json;
    two["classes"] = {"a", "b"};
    two["problem"] = "binary_classification";
    EXPECT_FALSE(KnnAlgorithm().Load(dir.path(), two).ok());
  }
}

// Where the fields of FAISS's format lie (faiss_file_check.h): after the fourcc, the
// header is d, ntotal, two unused int64, is_trained (1 byte) and the L2 metric (int32).
constexpr size_t kHeaderEnd = 4 + 4 + 8 + 8 + 8 + 1 + 4;

uint64_t U64At(const std::string& b, size_t at) {
  uint64_t v;
  std::memcpy(&v, b.data() + at, 8);
  return v;
}
template <typename T>
void Put(std::string* b, size_t at, T v) {
  std::memcpy(b->data() + at, &v, sizeof v);
}

TEST(KnnTest, DamagedIndexFilesAreRefusedBeforeFaissReadsThem) {
  const Case c = Overlapping();
  for (const bool hnsw : {false, true}) {
    SCOPED_TRACE(hnsw ? "hnsw" : "flat");
    const Json hp = {{"k", 3}, {"hnsw_above", hnsw ? 10 : 100000}};
    auto model = Train(Problem::kMulticlassClassification, 3, c.train, hp);
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    TempDir dir;
    ASSERT_TRUE((*model)->Save(dir.path()).ok());
    const std::string good = *core::ReadFile(dir.path() / "knn.faiss");
    auto check = [](const std::string& b) {
      return CheckFaissIndexBytes({reinterpret_cast<const unsigned char*>(b.data()), b.size()}, "knn.faiss");
    };
    ASSERT_TRUE(check(good).ok()) << check(good).ToString();

    std::vector<std::pair<std::string, std::string>> bad;  // (what, bytes)
    bad.emplace_back("truncated", good.substr(0, good.size() - 1));
    bad.emplace_back("trailing bytes", good + "x");
    std::string other = good;
    other.replace(0, 4, "IwPQ");
    bad.emplace_back("other index type", other);
    if (!hnsw) {
      // A count of 2^39 floats: FAISS would allocate and zero 2 TiB before failing.
      std::string huge = good;
      Put<uint64_t>(&huge, kHeaderEnd, uint64_t{1} << 39);
      bad.emplace_back("huge vector count", huge);
    } else {
      // The graph's vectors: level probabilities (double), neighbours per level, levels
      // (int32), offsets (uint64), neighbours (int32); then the entry point.
      size_t at = kHeaderEnd;
      size_t starts[5];
      for (int v = 0; v < 5; ++v) {
        starts[v] = at + 8;
        at = starts[v] + U64At(good, at) * (v == 0 || v == 3 ? 8 : 4);
      }
      const size_t entry = at;
      std::string far = good;
      Put<int32_t>(&far, starts[4], 600);  // the first neighbour of node 0: no such node
      bad.emplace_back("neighbour out of range", far);
      std::string level = good;
      Put<int32_t>(&level, starts[2], 1000);  // node 0's levels
      bad.emplace_back("too many levels", level);
      std::string lost = good;
      Put<int32_t>(&lost, entry, -7);
      bad.emplace_back("entry point", lost);
      std::string offsets = good;
      Put<uint64_t>(&offsets, starts[3] + 8, U64At(good, starts[3] + 8) + 3);
      bad.emplace_back("offsets", offsets);
    }
    const Json model_json = {{"problem", "multiclass_classification"},
                             {"classes", {"a", "b", "c"}},
                             {"hyperparameters", Hp(hp)}};
    for (const auto& [what, bytes] : bad) {
      Status s = check(bytes);
      EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument) << what << ": " << s.ToString();
      EXPECT_NE(s.message().find("knn.faiss is not a FAISS index this program reads"), std::string::npos) << what;
      // Through the model's loader too: an error, never FAISS reading it.
      ASSERT_TRUE(core::WriteFileAtomic(dir.path() / "knn.faiss", bytes).ok());
      auto loaded = KnnAlgorithm().Load(dir.path(), model_json);
      EXPECT_FALSE(loaded.ok()) << what;
    }
  }
}

TEST(KnnTest, RejectsBadInput) {
  const Case c = Overlapping();
  auto too_many = Train(Problem::kRegression, 0, c.train, {{"k", 601}});
  ASSERT_FALSE(too_many.ok());
  EXPECT_NE(too_many.status().message().find("k is 601 but there are only 600 training rows"),
            std::string::npos);
  auto k0 = ValidateHyperparameters(KnnAlgorithm().hyperparameters(), {{"k", 0}});
  ASSERT_FALSE(k0.ok());
  EXPECT_NE(k0.status().message().find("k must be in [1, 1000], got 0"), std::string::npos)
      << k0.status().ToString();
  EXPECT_FALSE(
      ValidateHyperparameters(KnnAlgorithm().hyperparameters(), {{"weights", "gaussian"}}).ok());
  auto model = Train(Problem::kRegression, 0, c.train, {});
  ASSERT_TRUE(model.ok());
  std::vector<float> narrow(4, 0.0f);
  EXPECT_FALSE((*model)->Predict({narrow.data(), 1, 4}).ok());
}

}  // namespace
}  // namespace strata::ml
