// linear-learner (liblinear) on small generated data: separable classes, blobs and a
// known linear function; label-order mapping, save/load, corrupt files, weights, threads.
#include "ml/linear_learner.h"

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>
#include <thread>

#include <gtest/gtest.h>

namespace strata::ml {
namespace {

namespace fs = std::filesystem;

const Algorithm& Linear() {
  return LinearLearnerAlgorithm();
}

struct Data {
  std::vector<float> x, y;
  size_t cols = 0;
  Matrix m() const { return {x.data(), y.size(), cols}; }
};

// y = 1 when x1 + 2·x2 > 0, with a margin: linearly separable. The first row is class
// `first` so that liblinear's label order (first seen first) can be either way round.
Data Separable(int rows, int first, uint32_t seed = 1) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> n(0, 1);
  Data d;
  d.cols = 2;
  while (static_cast<int>(d.y.size()) < rows) {
    float a = n(rng), b = n(rng), s = a + 2 * b;
    if (std::fabs(s) < 0.3f) continue;
    int label = s > 0;
    if (d.y.empty() && label != first) continue;
    d.x.insert(d.x.end(), {a, b});
    d.y.push_back(static_cast<float>(label));
  }
  return d;
}

// Three well separated blobs; the first row is class 2.
Data Blobs(int rows, uint32_t seed = 2) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> n(0, 0.7f);
  const float centers[3][2] = {{0, 4}, {4, -2}, {-4, -2}};
  Data d;
  d.cols = 2;
  for (int i = 0; i < rows; ++i) {
    int c = (i + 2) % 3;
    d.x.insert(d.x.end(), {centers[c][0] + n(rng), centers[c][1] + n(rng)});
    d.y.push_back(static_cast<float>(c));
  }
  return d;
}

// y = 2·x1 - 3·x2 + 1 + noise.
Data Line(int rows, uint32_t seed = 3) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> n(0, 1), noise(0, 0.1f);
  Data d;
  d.cols = 2;
  for (int i = 0; i < rows; ++i) {
    float a = n(rng), b = n(rng);
    d.x.insert(d.x.end(), {a, b});
    d.y.push_back(2 * a - 3 * b + 1 + noise(rng));
  }
  return d;
}

Json Hp(const Json& given = Json::object()) {
  auto hp = ValidateHyperparameters(Linear().hyperparameters(), given);
  EXPECT_TRUE(hp.ok()) << hp.status().ToString();
  return hp.ok() ? *hp : Json();
}

TrainInput Input(const Data& d, Problem problem, int classes, const Json& hp = Hp()) {
  TrainInput in;
  in.problem = problem;
  in.num_classes = classes;
  in.hyperparameters = hp;
  in.train = d.m();
  in.labels = d.y;
  return in;
}

std::unique_ptr<Model> TrainOk(const TrainInput& in) {
  auto m = Linear().Train(in, nullptr);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return m.ok() ? std::move(*m) : nullptr;
}

double Accuracy(const std::vector<float>& pred, const std::vector<float>& y, int k) {
  double correct = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    int guess =
        k == 1
            ? pred[i] >= 0.5f
            : static_cast<int>(std::max_element(pred.begin() + i * k, pred.begin() + (i + 1) * k) -
                               (pred.begin() + i * k));
    correct += guess == static_cast<int>(y[i]);
  }
  return correct / y.size();
}

class TempDir {
 public:
  TempDir()
      : path_(fs::temp_directory_path() /
              ("linear_test_" + std::to_string(getpid()) + "_" + std::to_string(n_++))) {
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  static inline int n_ = 0;
  fs::path path_;
};

TEST(LinearLearnerTest, IsRegisteredWithItsSchema) {
  ASSERT_EQ(FindAlgorithm("linear-learner"), &Linear());
  EXPECT_TRUE(Linear().wants_scaled_features());
  Json j = Linear().ToJson();
  EXPECT_EQ(j["problem_types"].size(), 3u);
  std::vector<std::string> names;
  for (const auto& hp : j["hyperparameters"]) {
    names.push_back(hp["name"]);
    EXPECT_FALSE(hp["description"].get<std::string>().empty());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"loss", "penalty", "C", "tol", "bias", "solver"}));
  EXPECT_EQ(Linear().ProblemFromHyperparameters(Hp({{"loss", "squared"}})), Problem::kRegression);
  EXPECT_EQ(Linear().ProblemFromHyperparameters(Hp({{"loss", "hinge"}})), std::nullopt);
}

TEST(LinearLearnerTest, HyperparameterErrorsNameTheParameter) {
  auto bad = [](const Json& given) {
    auto r = ValidateHyperparameters(Linear().hyperparameters(), given);
    EXPECT_FALSE(r.ok());
    return r.status().message();
  };
  EXPECT_EQ(bad({{"C", 0}}), "C must be in (0, inf), got 0");
  EXPECT_EQ(bad({{"C", -1}}), "C must be in (0, inf), got -1");
  EXPECT_NE(bad({{"loss", "huber"}})
                .find("loss must be one of auto, logistic, hinge, squared_hinge, squared"),
            std::string::npos);
  EXPECT_NE(bad({{"penalty", "l3"}}).find("penalty must be one of"), std::string::npos);
  EXPECT_NE(bad({{"tol", -0.1}}).find("tol must be in [0, inf)"), std::string::npos);
  EXPECT_NE(bad({{"max_iter", 5}}).find("unknown hyperparameter 'max_iter'"), std::string::npos);

  // Combinations liblinear lacks, refused by Train with the parameters named.
  Data d = Separable(100, 0);
  auto train_error = [&](Problem p, int k, const Json& given) {
    Data data = p == Problem::kRegression ? Line(100) : d;
    auto r = Linear().Train(Input(data, p, k, Hp(given)), nullptr);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
    return r.status().message();
  };
  EXPECT_NE(train_error(Problem::kBinaryClassification, 2, {{"loss", "hinge"}, {"penalty", "l1"}})
                .find("penalty l1 is not available with loss hinge"),
            std::string::npos);
  EXPECT_NE(train_error(Problem::kRegression, 0, {{"penalty", "l1"}})
                .find("penalty l1 is not available with loss squared"),
            std::string::npos);
  EXPECT_NE(train_error(Problem::kBinaryClassification, 2, {{"loss", "squared"}})
                .find("loss squared is for regression"),
            std::string::npos);
  EXPECT_NE(train_error(Problem::kRegression, 0, {{"loss", "logistic"}})
                .find("loss logistic is for classification"),
            std::string::npos);
  EXPECT_NE(
      train_error(Problem::kBinaryClassification, 2, {{"loss", "hinge"}, {"solver", "primal"}})
          .find("solver primal is not available with loss hinge"),
      std::string::npos);
}

TEST(LinearLearnerTest, SeparableBinaryIsLearnedWhicheverClassComesFirst) {
  for (int first : {0, 1}) {
    Data d = Separable(400, first);
    auto model = TrainOk(Input(d, Problem::kBinaryClassification, 2));
    ASSERT_TRUE(model);
    EXPECT_EQ(model->outputs_per_row(), 1);
    auto pred = model->Predict(d.m());
    ASSERT_TRUE(pred.ok());
    EXPECT_GE(Accuracy(*pred, d.y, 1), 0.97) << "first class " << first;
    for (float p : *pred) ASSERT_TRUE(p >= 0 && p <= 1);
    // Far on the positive side is class 1 with high probability, far on the negative side not.
    std::vector<float> probe = {2, 2, -2, -2};
    auto pp = model->Predict({probe.data(), 2, 2});
    ASSERT_TRUE(pp.ok());
    EXPECT_GT((*pp)[0], 0.95f);
    EXPECT_LT((*pp)[1], 0.05f);
    EXPECT_EQ(model->Info()["solver"], "L2R_LR");
    EXPECT_GE(model->Info()["train-accuracy"].get<double>(), 0.97);
  }
}

TEST(LinearLearnerTest, SvmLossesGiveScoresOnTheRightSide) {
  Data d = Separable(400, 1);
  for (const char* loss : {"hinge", "squared_hinge"}) {
    auto model = TrainOk(Input(d, Problem::kBinaryClassification, 2, Hp({{"loss", loss}})));
    ASSERT_TRUE(model);
    auto pred = model->Predict(d.m());
    ASSERT_TRUE(pred.ok());
    EXPECT_GE(Accuracy(*pred, d.y, 1), 0.97) << loss;
    EXPECT_FALSE(model->Info().contains("train-logloss")) << "SVM scores are not probabilities";
  }
}

TEST(LinearLearnerTest, MulticlassProbabilitiesAreInClassIndexOrder) {
  Data d = Blobs(300);  // first row is class 2: liblinear's label order starts 2, 0, 1
  for (const char* loss : {"logistic", "hinge", "squared_hinge"}) {
    auto model = TrainOk(Input(d, Problem::kMulticlassClassification, 3, Hp({{"loss", loss}})));
    ASSERT_TRUE(model);
    EXPECT_EQ(model->outputs_per_row(), 3);
    auto pred = model->Predict(d.m());
    ASSERT_TRUE(pred.ok());
    ASSERT_EQ(pred->size(), 900u);
    EXPECT_GE(Accuracy(*pred, d.y, 3), 0.97) << loss;
    for (size_t i = 0; i < 300; ++i) {
      EXPECT_NEAR((*pred)[3 * i] + (*pred)[3 * i + 1] + (*pred)[3 * i + 2], 1.0, 1e-5);
    }
    // The blob centres themselves: the right class, with the highest probability.
    std::vector<float> centres = {0, 4, 4, -2, -4, -2};
    auto pc = model->Predict({centres.data(), 3, 2});
    ASSERT_TRUE(pc.ok());
    for (int c = 0; c < 3; ++c) {
      const float* row = pc->data() + 3 * c;
      EXPECT_EQ(std::max_element(row, row + 3) - row, c) << loss;
    }
  }
}

TEST(LinearLearnerTest, ClassMissingFromTrainingGetsProbabilityZero) {
  Data d = Blobs(300);
  Data two;  // classes 0 and 2 only, of 3
  two.cols = 2;
  for (size_t i = 0; i < d.y.size(); ++i) {
    if (d.y[i] == 1) continue;
    two.x.insert(two.x.end(), {d.x[2 * i], d.x[2 * i + 1]});
    two.y.push_back(d.y[i]);
  }
  auto model = TrainOk(Input(two, Problem::kMulticlassClassification, 3));
  ASSERT_TRUE(model);
  auto pred = model->Predict(two.m());
  ASSERT_TRUE(pred.ok());
  ASSERT_EQ(pred->size(), 3 * two.y.size());
  for (size_t i = 0; i < two.y.size(); ++i) {
    EXPECT_EQ((*pred)[3 * i + 1], 0.0f);
    EXPECT_NEAR((*pred)[3 * i] + (*pred)[3 * i + 2], 1.0, 1e-5);
  }
  EXPECT_GE(Accuracy(*pred, two.y, 3), 0.97);
}

TEST(LinearLearnerTest, RegressionRecoversTheCoefficients) {
  Data d = Line(1000);
  auto model = TrainOk(Input(d, Problem::kRegression, 0));
  ASSERT_TRUE(model);
  EXPECT_EQ(model->Info()["solver"], "L2R_L2LOSS_SVR");
  // Predictions at the origin and the unit vectors give intercept and coefficients.
  std::vector<float> probe = {0, 0, 1, 0, 0, 1};
  auto p = model->Predict({probe.data(), 3, 2});
  ASSERT_TRUE(p.ok());
  const double b = (*p)[0], w1 = (*p)[1] - b, w2 = (*p)[2] - b;
  EXPECT_NEAR(b, 1.0, 0.03);
  EXPECT_NEAR(w1, 2.0, 0.03);
  EXPECT_NEAR(w2, -3.0, 0.03);
  EXPECT_LT(model->Info()["train-rmse"].get<double>(), 0.12);

  // The dual solver reaches the same fit; without bias there is no intercept.
  auto dual = TrainOk(Input(d, Problem::kRegression, 0, Hp({{"solver", "dual"}, {"tol", 1e-4}})));
  ASSERT_TRUE(dual);
  EXPECT_EQ(dual->Info()["solver"], "L2R_L2LOSS_SVR_DUAL");
  auto pd = dual->Predict({probe.data(), 3, 2});
  EXPECT_NEAR((*pd)[1] - (*pd)[0], 2.0, 0.05);
  auto no_bias = TrainOk(Input(d, Problem::kRegression, 0, Hp({{"bias", 0}})));
  ASSERT_TRUE(no_bias);
  EXPECT_EQ((*no_bias->Predict({probe.data(), 1, 2}))[0], 0.0f);
}

TEST(LinearLearnerTest, L1PenaltyZeroesUselessFeatures) {
  std::mt19937 rng(5);
  std::normal_distribution<float> n(0, 1);
  Data d;
  d.cols = 12;  // two informative features and ten of noise
  for (int i = 0; i < 500; ++i) {
    std::vector<float> row(12);
    for (float& v : row) v = n(rng);
    d.x.insert(d.x.end(), row.begin(), row.end());
    d.y.push_back(row[0] - row[1] > 0 ? 1.0f : 0.0f);
  }
  for (const char* loss : {"logistic", "squared_hinge"}) {
    auto l1 = TrainOk(Input(d, Problem::kBinaryClassification, 2,
                            Hp({{"penalty", "l1"}, {"C", 0.05}, {"loss", loss}})));
    auto l2 =
        TrainOk(Input(d, Problem::kBinaryClassification, 2, Hp({{"C", 0.05}, {"loss", loss}})));
    ASSERT_TRUE(l1 && l2);
    EXPECT_LE(l1->Info()["nonzero_weights"].get<int>(), 6) << loss;
    EXPECT_EQ(l2->Info()["nonzero_weights"].get<int>(), 12) << loss;
    EXPECT_GE(Accuracy(*l1->Predict(d.m()), d.y, 1), 0.9) << loss;
  }
}

TEST(LinearLearnerTest, SaveLoadRoundTripGivesIdenticalPredictions) {
  struct Case {
    Data d;
    Problem problem;
    int classes;
    Json hp;
  };
  std::vector<Case> cases = {
      {Separable(300, 1), Problem::kBinaryClassification, 2, Hp()},
      {Separable(300, 0), Problem::kBinaryClassification, 2, Hp({{"loss", "hinge"}})},
      {Blobs(300), Problem::kMulticlassClassification, 3, Hp()},
      {Blobs(300), Problem::kMulticlassClassification, 3, Hp({{"loss", "squared_hinge"}})},
      {Line(300), Problem::kRegression, 0, Hp({{"bias", 0}})},
      {Line(300), Problem::kRegression, 0, Hp()}};
  for (const Case& c : cases) {
    auto model = TrainOk(Input(c.d, c.problem, c.classes, c.hp));
    ASSERT_TRUE(model);
    TempDir dir;
    auto file = model->Save(dir.path());
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    EXPECT_EQ(*file, "liblinear.model");
    // Only the model file: the temporary save_model wrote is gone.
    EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
    Json classes = Json::array();
    for (int k = 0; k < c.classes; ++k) classes.push_back(std::to_string(k));
    Json model_json = {
        {"problem", ProblemName(c.problem)}, {"classes", classes}, {"training", model->Info()}};
    auto loaded = Linear().Load(dir.path(), model_json);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    EXPECT_EQ((*loaded)->outputs_per_row(), model->outputs_per_row());
    EXPECT_EQ((*loaded)->Info(), model->Info());
    EXPECT_EQ(*(*loaded)->Predict(c.d.m()), *model->Predict(c.d.m())) << ProblemName(c.problem);
  }
}

// A model file as liblinear 2.3 writes it, kept as the fixture of the stored format: a
// binary logistic model whose label order is 1, 0 (class 1 was seen first).
constexpr const char* kFixtureV1 =
    "solver_type L2R_LR\nnr_class 2\nlabel 1 0\nnr_feature 2\nbias 1\nw\n1 \n-1 \n0.5 \n";

TEST(LinearLearnerTest, LoadsTheStoredFormatFixture) {
  TempDir dir;
  std::ofstream(dir.path() / "liblinear.model") << kFixtureV1;
  auto model =
      Linear().Load(dir.path(), {{"problem", "binary_classification"}, {"classes", {"no", "yes"}}});
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  std::vector<float> x = {1, 0, 0, 1};
  auto p = (*model)->Predict({x.data(), 2, 2});
  ASSERT_TRUE(p.ok());
  // Decision value w·x + 0.5 is for liblinear's first label, 1.
  EXPECT_NEAR((*p)[0], 1 / (1 + std::exp(-1.5)), 1e-6);
  EXPECT_NEAR((*p)[1], 1 / (1 + std::exp(0.5)), 1e-6);
  // Read as a 3-class model (a class the training split lacked), the third class gets 0.
  auto multi = Linear().Load(
      dir.path(), {{"problem", "multiclass_classification"}, {"classes", {"a", "b", "c"}}});
  ASSERT_TRUE(multi.ok()) << multi.status().ToString();
  auto pm = (*multi)->Predict({x.data(), 1, 2});
  EXPECT_NEAR((*pm)[1], 1 / (1 + std::exp(-1.5)), 1e-6);
  EXPECT_EQ((*pm)[2], 0.0f);
}

TEST(LinearLearnerTest, CorruptOrMismatchedModelFilesAreErrorsNotCrashes) {
  const Json binary = {{"problem", "binary_classification"}, {"classes", {"no", "yes"}}};
  auto load = [&](const std::string& text, const Json& model_json) {
    TempDir dir;
    std::ofstream(dir.path() / "liblinear.model") << text;
    auto m = Linear().Load(dir.path(), model_json);
    EXPECT_FALSE(m.ok()) << text;
    return m.ok() ? std::string() : m.status().message();
  };
  const std::string good = kFixtureV1;
  EXPECT_NE(load("", binary).find("corrupt"), std::string::npos);
  EXPECT_NE(load("not a model at all\n", binary).find("unexpected 'not'"), std::string::npos);
  EXPECT_NE(load(good.substr(0, good.size() - 6), binary).find("2 weights where 3 are expected"),
            std::string::npos);
  EXPECT_NE(
      load("solver_type L2R_LR\nlabel 1 0\nnr_class 2\nnr_feature 2\nbias 1\nw\n1\n2\n3\n", binary)
          .find("label comes before nr_class"),
      std::string::npos);
  EXPECT_NE(
      load("solver_type L2R_LR\nnr_class 2000000000\nlabel 1 0\nnr_feature 2\nbias 1\nw\n", binary)
          .find("nr_class is not a count"),
      std::string::npos);
  EXPECT_NE(load("solver_type L2R_LR\nnr_class 2\nlabel 1 0\nnr_feature -4\nbias 1\nw\n", binary)
                .find("nr_feature is not a count"),
            std::string::npos);
  EXPECT_NE(load("solver_type FANCY\nnr_class 2\n", binary).find("unknown solver_type 'FANCY'"),
            std::string::npos);
  EXPECT_NE(
      load("solver_type L2R_LR\nnr_class 2\nlabel 1 0\nnr_feature 2\nbias 1\nw\n1\nx\n3\n", binary)
          .find("weight 2 is not a number"),
      std::string::npos);
  // Well formed but not this model: labels outside the classes, a classifier as regression.
  EXPECT_NE(
      load("solver_type L2R_LR\nnr_class 2\nlabel 1 7\nnr_feature 2\nbias 1\nw\n1\n2\n3\n", binary)
          .find("label 7"),
      std::string::npos);
  EXPECT_NE(load(good, {{"problem", "regression"}}).find("holds a classifier"), std::string::npos);
  // No file at all.
  TempDir empty;
  EXPECT_FALSE(Linear().Load(empty.path(), binary).ok());
}

TEST(LinearLearnerTest, BalancedRowWeightsBecomeClassWeightsAndRaiseMinorityRecall) {
  // 10% positives, overlapping: unweighted, the model favours the majority class.
  std::mt19937 rng(9);
  std::normal_distribution<float> n(0, 1);
  Data d;
  d.cols = 2;
  for (int i = 0; i < 1000; ++i) {
    int label = i % 10 == 0;
    d.x.insert(d.x.end(), {n(rng) + (label ? 1.2f : 0.0f), n(rng)});
    d.y.push_back(static_cast<float>(label));
  }
  std::vector<float> weights;
  for (float y : d.y) weights.push_back(y == 1 ? 1000.0f / (2 * 100) : 1000.0f / (2 * 900));
  auto recall = [&](const Model& m) {
    auto p = *m.Predict(d.m());
    double tp = 0, pos = 0;
    for (size_t i = 0; i < d.y.size(); ++i) {
      if (d.y[i] != 1) continue;
      pos += 1;
      tp += p[i] >= 0.5f;
    }
    return tp / pos;
  };
  auto plain = TrainOk(Input(d, Problem::kBinaryClassification, 2));
  TrainInput weighted_in = Input(d, Problem::kBinaryClassification, 2);
  weighted_in.weights = weights;
  auto weighted = TrainOk(weighted_in);
  ASSERT_TRUE(plain && weighted);
  EXPECT_TRUE(weighted->Info()["class_weighted"].get<bool>());
  EXPECT_LT(recall(*plain), 0.2);
  EXPECT_GT(recall(*weighted), 0.6);

  // Weights that vary within a class cannot be expressed in liblinear 2.3.
  weights[0] *= 2;  // row 0 is a positive
  weighted_in.weights = weights;
  auto r = Linear().Train(weighted_in, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("constant within each class"), std::string::npos)
      << r.status().message();
  // Nor can weighted regression; all-one weights are the same as none.
  Data line = Line(50);
  TrainInput reg = Input(line, Problem::kRegression, 0);
  std::vector<float> w(50, 2.0f);
  reg.weights = w;
  EXPECT_FALSE(Linear().Train(reg, nullptr).ok());
  std::fill(w.begin(), w.end(), 1.0f);
  EXPECT_TRUE(Linear().Train(reg, nullptr).ok());
}

TEST(LinearLearnerTest, MissingValuesCountAsZero) {
  Data d = Line(200);
  d.x[0] = NAN;
  d.x[5] = INFINITY;
  auto model = TrainOk(Input(d, Problem::kRegression, 0));
  ASSERT_TRUE(model);
  std::vector<float> with_nan = {NAN, 1}, with_zero = {0, 1};
  EXPECT_EQ(*model->Predict({with_nan.data(), 1, 2}), *model->Predict({with_zero.data(), 1, 2}));
  std::vector<float> wide = {1, 2, 3};
  auto wrong = model->Predict({wide.data(), 1, 3});
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().message(), "the model takes 2 features, got 3");
}

TEST(LinearLearnerTest, CallbackGetsOneReportWithTrainAndValidationMetrics) {
  Data d = Blobs(300), v = Blobs(90, 7);
  TrainInput in = Input(d, Problem::kMulticlassClassification, 3);
  in.valid = v.m();
  in.valid_labels = v.y;
  int calls = 0;
  std::map<std::string, double> seen;
  auto model = Linear().Train(in, [&](int i, int total, const std::map<std::string, double>& m) {
    EXPECT_EQ(i, 0);
    EXPECT_EQ(total, 1);
    ++calls;
    seen = m;
    return false;  // a stop request: training is already done, the model still comes back
  });
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ(calls, 1);
  for (const char* k : {"train-accuracy", "train-mlogloss", "valid-accuracy", "valid-mlogloss"}) {
    EXPECT_TRUE(seen.count(k)) << k;
  }
  EXPECT_GE(seen["valid-accuracy"], 0.95);
  EXPECT_LT(seen["valid-mlogloss"], 0.5);
  EXPECT_EQ((*model)->Info()["valid-accuracy"].get<double>(), seen["valid-accuracy"]);
}

TEST(LinearLearnerTest, PredictIsSafeFromManyThreads) {
  Data d = Blobs(3000);
  auto model = TrainOk(Input(d, Problem::kMulticlassClassification, 3));
  ASSERT_TRUE(model);
  const std::vector<float> want = *model->Predict(d.m());
  std::vector<std::thread> threads;
  std::vector<int> same(8, 0);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) same[t] += *model->Predict(d.m()) == want;
    });
  }
  for (auto& t : threads) t.join();
  for (int s : same) EXPECT_EQ(s, 20);
}

TEST(LinearLearnerTest, DualSolversAreReproducible) {
  Data d = Blobs(300);
  Json hp = Hp({{"loss", "hinge"}});
  auto a = TrainOk(Input(d, Problem::kMulticlassClassification, 3, hp));
  auto b = TrainOk(Input(d, Problem::kMulticlassClassification, 3, hp));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a->Predict(d.m()), *b->Predict(d.m()));
}

}  // namespace
}  // namespace strata::ml
