// pca (Eigen): a known principal direction, agreement with scikit-learn's PCA on the
// same data (both solvers, whitening, a variance fraction), the sign convention, the
// pca.json file and its corrupt variants, and bad hyperparameters.
#include "ml/pca_algorithm.h"

#include <cmath>
#include <fstream>
#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "sklearn_runner.h"

namespace strata::ml {
namespace {

namespace fs = std::filesystem;

const Algorithm& Pca() {
  return PcaAlgorithm();
}

struct Data {
  std::vector<float> x;
  size_t rows = 0, cols = 0;
  Matrix m() const { return {x.data(), rows, cols}; }
};

Json Hp(const Json& given) {
  auto hp = ValidateHyperparameters(Pca().hyperparameters(), given);
  EXPECT_TRUE(hp.ok()) << hp.status().ToString();
  return hp.ok() ? *hp : Json();
}

Result<std::unique_ptr<Model>> Train(const Data& d, const Json& given) {
  TrainInput in;
  in.problem = Problem::kDimensionalityReduction;
  in.hyperparameters = Hp(given);
  in.train = d.m();
  return Pca().Train(in, nullptr);
}

// Points along `direction` (spread 3) plus isotropic noise (spread 0.05), off-centre.
Data AlongDirection(const std::vector<double>& direction, int rows, uint32_t seed = 3) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> along(0, 3), noise(0, 0.05);
  double norm = 0;
  for (double v : direction) norm += v * v;
  norm = std::sqrt(norm);
  Data d;
  d.rows = static_cast<size_t>(rows);
  d.cols = direction.size();
  for (int i = 0; i < rows; ++i) {
    const double t = along(rng);
    for (size_t j = 0; j < d.cols; ++j)
      d.x.push_back(static_cast<float>(5 + j + t * direction[j] / norm + noise(rng)));
  }
  return d;
}

// Correlated features: a random mixing of independent sources of decreasing spread.
Data Correlated(int rows, size_t cols, uint32_t seed = 11) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> n(0, 1);
  std::vector<double> mix(cols * cols);
  for (double& v : mix) v = n(rng);
  Data d;
  d.rows = static_cast<size_t>(rows);
  d.cols = cols;
  for (int i = 0; i < rows; ++i) {
    std::vector<double> s(cols);
    for (size_t k = 0; k < cols; ++k) s[k] = n(rng) * 4.0 / (1.0 + static_cast<double>(k));
    for (size_t j = 0; j < cols; ++j) {
      double v = 1.0 + j;
      for (size_t k = 0; k < cols; ++k) v += mix[j * cols + k] * s[k];
      d.x.push_back(static_cast<float>(v));
    }
  }
  return d;
}

TEST(PcaTest, FindsTheKnownPrincipalDirection) {
  // The largest-magnitude entry is negative: the sign convention flips the component.
  const std::vector<double> u = {0.2, 0.6, -0.7, 0.1, 0.3};
  Data d = AlongDirection(u, 3000);
  for (const char* solver : {"covariance", "svd"}) {
    auto model = Train(d, {{"components", 2}, {"solver", solver}});
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    Json info = (*model)->Info();
    EXPECT_EQ(info["components"], 2);
    EXPECT_EQ(info["solver"], solver);
    EXPECT_GT(info["explained_variance_ratio"][0].get<double>(), 0.99) << info.dump();
    // The component is read back through projections of unit vectors from the mean.
    std::vector<float> probe;
    for (size_t j = 0; j < d.cols; ++j) {
      for (size_t i = 0; i < d.cols; ++i)
        probe.push_back(static_cast<float>(info["mean"][i].get<double>() + (i == j)));
    }
    auto p = (*model)->Predict({probe.data(), d.cols, d.cols});
    ASSERT_TRUE(p.ok());
    double dot = 0, norm = 0;
    for (size_t j = 0; j < d.cols; ++j) {
      dot += (*p)[j * 2] * u[j];
      norm += u[j] * u[j];
    }
    EXPECT_NEAR(dot / std::sqrt(norm), -1.0, 1e-3) << solver;
    EXPECT_GT((*p)[2 * 2], 0.6) << "the largest loading is made positive";
  }
}

void ExpectNear(const std::vector<double>& ours, const Json& theirs, double tol,
                const std::string& what) {
  ASSERT_EQ(ours.size(), theirs.size()) << what;
  for (size_t i = 0; i < ours.size(); ++i) {
    EXPECT_NEAR(ours[i], theirs[i].get<double>(),
                tol * std::max(1.0, std::fabs(theirs[i].get<double>())))
        << what << "[" << i << "]";
  }
}

TEST(PcaTest, AgreesWithScikitLearn) {
  TempDir dir;
  Data d = Correlated(1500, 6);
  std::string csv;
  for (size_t r = 0; r < d.rows; ++r) {
    for (size_t j = 0; j < d.cols; ++j)
      csv += fmt::format("{}{:.9g}", j ? "," : "", d.x[r * d.cols + j]);
    csv += "\n";
  }
  std::ofstream(dir.path() / "x.csv") << csv;
  auto parsed = core::ParseJson(RunPython("sklearn_unsupervised.py", "pca " + dir.path().string()),
                                "sklearn output");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const Json& sk = *parsed;

  for (const char* solver : {"covariance", "svd"}) {
    for (bool whiten : {false, true}) {
      SCOPED_TRACE(fmt::format("solver {}, whiten {}", solver, whiten));
      const Json& want = sk[whiten ? "whiten" : "plain"];
      auto model = Train(d, {{"components", 3}, {"solver", solver}, {"whiten", whiten}});
      ASSERT_TRUE(model.ok()) << model.status().ToString();
      Json info = (*model)->Info();
      ExpectNear(info["explained_variance_ratio"], want["explained_variance_ratio"], 1e-6,
                 "explained_variance_ratio");
      ExpectNear(info["explained_variance"], want["explained_variance"], 1e-6,
                 "explained_variance");
      ExpectNear(info["mean"], want["mean"], 1e-9, "mean");
      // Components through the saved file, which names them as sklearn does.
      TempDir out;
      auto name = (*model)->Save(out.path());
      ASSERT_TRUE(name.ok());
      auto file = core::ParseJson(*core::ReadFile(out.path() / *name), "pca.json");
      ASSERT_TRUE(file.ok());
      for (int c = 0; c < 3; ++c) {
        ExpectNear((*file)["components"][c], want["components"][c], 1e-6,
                   fmt::format("component {}", c));
      }
      ExpectNear((*file)["singular_values"], want["singular_values"], 1e-6, "singular_values");
      auto p = (*model)->Predict({d.x.data(), 20, d.cols});
      ASSERT_TRUE(p.ok());
      for (size_t r = 0; r < 20; ++r) {
        for (size_t c = 0; c < 3; ++c) {
          const double w = want["transform"][r][c];
          EXPECT_NEAR((*p)[r * 3 + c], w, 1e-5 * std::max(1.0, std::fabs(w)))
              << "row " << r << " component " << c;
        }
      }
    }
  }
  // A variance fraction picks the same number of components as sklearn's.
  auto fraction = Train(d, {{"components", 0.9}});
  ASSERT_TRUE(fraction.ok()) << fraction.status().ToString();
  EXPECT_EQ((*fraction)->outputs_per_row(), sk["fraction_0.9"].get<int>());
  EXPECT_GT((*fraction)->Info()["total_explained_variance_ratio"].get<double>(), 0.9);
}

TEST(PcaTest, SavesAndLoadsTheSameModel) {
  Data d = Correlated(400, 5);
  auto model = Train(d, {{"components", 3}, {"whiten", "true"}});
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  TempDir dir;
  auto name = (*model)->Save(dir.path());
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(*name, "pca.json");
  auto file = core::ParseJson(*core::ReadFile(dir.path() / "pca.json"), "pca.json");
  ASSERT_TRUE(file.ok());
  EXPECT_EQ((*file)["format"], "strata-pca");
  EXPECT_EQ((*file)["format_version"], 1);
  EXPECT_EQ((*file)["whiten"], true);
  auto loaded = Pca().Load(dir.path(), Json::object());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->Info(), (*model)->Info());
  auto a = (*model)->Predict(d.m());
  auto b = (*loaded)->Predict(d.m());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);

  // A missing value counts as the training mean: the row projects like the mean there.
  std::vector<float> row(d.x.begin(), d.x.begin() + 5), filled = row;
  row[1] = NAN;
  filled[1] = static_cast<float>((*model)->Info()["mean"][1].get<double>());
  auto pr = (*model)->Predict({row.data(), 1, 5});
  auto pf = (*model)->Predict({filled.data(), 1, 5});
  ASSERT_TRUE(pr.ok() && pf.ok());
  for (int c = 0; c < 3; ++c) EXPECT_NEAR((*pr)[c], (*pf)[c], 1e-5);
  auto wrong = (*model)->Predict({d.x.data(), 1, 4});
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("takes 5 features, got 4"), std::string::npos);
}

TEST(PcaTest, CorruptFilesAreClearErrors) {
  Data d = Correlated(200, 4);
  auto model = Train(d, {{"components", 2}});
  ASSERT_TRUE(model.ok());
  TempDir dir;
  ASSERT_TRUE((*model)->Save(dir.path()).ok());
  const std::string good = *core::ReadFile(dir.path() / "pca.json");
  Json j = Json::parse(good);
  auto load_with = [&](const std::string& text) {
    std::ofstream(dir.path() / "pca.json", std::ios::trunc) << text;
    return Pca().Load(dir.path(), Json::object());
  };
  auto expect_error = [&](const std::string& text, const std::string& want) {
    auto r = load_with(text);
    ASSERT_FALSE(r.ok()) << want;
    EXPECT_NE(r.status().message().find(want), std::string::npos) << r.status().ToString();
  };
  expect_error(good.substr(0, good.size() / 2), "pca.json");
  Json bad = j;
  bad["components"][1].erase(0);
  expect_error(bad.dump(), "components row 2 is not an array of 4 numbers");
  bad = j;
  bad["n_components"] = 7;
  expect_error(bad.dump(), "'n_components' is 7, outside [1, 4]");
  bad = j;
  bad["mean"][0] = "x";
  expect_error(bad.dump(), "'mean' holds \"x\"");
  bad = j;
  bad["format_version"] = 2;
  expect_error(bad.dump(), "format_version 2; this program reads versions up to 1");
  bad = j;
  bad["format"] = "something-else";
  expect_error(bad.dump(), "not a strata-pca document");
  expect_error("[]", "not a strata-pca document");
  EXPECT_TRUE(load_with(good).ok());
}

TEST(PcaTest, BadHyperparametersNameThemselves) {
  auto whiten = ValidateHyperparameters(Pca().hyperparameters(), {{"whiten", "maybe"}});
  ASSERT_FALSE(whiten.ok());
  EXPECT_EQ(whiten.status().message(), "whiten must be true or false, got \"maybe\"");
  auto zero = ValidateHyperparameters(Pca().hyperparameters(), {{"components", 0}});
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.status().message(), "components must be in (0, inf), got 0");
  Status fractional = Pca().CheckHyperparameters(Hp({{"components", 2.5}}), std::nullopt);
  EXPECT_EQ(fractional.message(),
            "components must be an integer >= 1 or a fraction in (0, 1), got 2.5");
  Data d = Correlated(50, 3);
  auto too_many = Train(d, {{"components", 4}});
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.status().message(),
            "components is 4, but 50 training rows of 3 features have at most 3 components");
  d.x[7] = NAN;
  auto missing = Train(d, {{"components", 1}});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("training row 3, feature 2 is missing"),
            std::string::npos)
      << missing.status().ToString();
}

}  // namespace
}  // namespace strata::ml
