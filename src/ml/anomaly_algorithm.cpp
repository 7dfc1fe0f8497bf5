// The `anomaly` algorithm: IsolationForest behind ml::Algorithm (see anomaly_algorithm.h).
#include "ml/anomaly_algorithm.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "data/data.h"
#include "ml/isolation_forest.h"

namespace strata::ml {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kModelFile = "iforest.bin";
constexpr size_t kScoreBlockRows = 4096;

// Scores of every row of x, blocks of rows over the pool.
std::vector<double> ScoreAll(const IsolationForest& forest, Matrix x, core::ThreadPool& pool) {
  std::vector<double> scores(x.rows);
  const size_t blocks = (x.rows + kScoreBlockRows - 1) / kScoreBlockRows;
  pool.ParallelFor(blocks, [&](size_t b) {
    const size_t r0 = b * kScoreBlockRows, m = std::min(kScoreBlockRows, x.rows - r0);
    forest.Score({x.row(r0), m, x.cols}, std::span<double>(scores).subspan(r0, m));
  });
  return scores;
}

class AnomalyModel final : public Model {
 public:
  AnomalyModel(IsolationForest forest, Json info)
      : forest_(std::move(forest)), info_(std::move(info)) {}

  // Thread-safe: the forest is only read.
  Result<std::vector<float>> Predict(Matrix x) const override {
    if (x.cols != forest_.features()) {
      return InvalidArgumentError(
          fmt::format("the model takes {} features, got {}", forest_.features(), x.cols));
    }
    std::vector<double> scores(x.rows);
    forest_.Score(x, scores);
    std::vector<float> out;
    out.reserve(x.rows * 2);
    for (double s : scores) {
      out.push_back(static_cast<float>(s));
      out.push_back(s > forest_.threshold() ? 1.0f : 0.0f);
    }
    return out;
  }
  int outputs_per_row() const override { return 2; }

  Result<std::string> Save(const fs::path& dir) const override {
    STRATA_RETURN_IF_ERROR(core::WriteFileAtomic(dir / kModelFile, forest_.Serialize()));
    return std::string(kModelFile);
  }

  // The forest's own facts always come from the forest, so a loaded model reports what
  // its file holds; training adds the facts of the fit.
  Json Info() const override {
    Json j = info_.is_object() ? info_ : Json::object();
    j["trees"] = forest_.trees();
    j["sample_size"] = forest_.sample_size();
    j["features"] = forest_.features();
    j["contamination"] = forest_.contamination();
    j["threshold"] = forest_.threshold();
    return j;
  }

 private:
  IsolationForest forest_;
  Json info_;
};

class Anomaly final : public Algorithm {
 public:
  std::string_view name() const override { return "anomaly"; }
  std::string_view description() const override {
    return "isolation forest (scores as scikit-learn's IsolationForest): anomaly score per row "
           "and a flag at the threshold the expected contamination sets; a 0/1 label column, "
           "when given, evaluates it";
  }
  std::vector<Problem> problems() const override { return {Problem::kAnomalyDetection}; }
  const std::vector<HyperparameterSpec>& hyperparameters() const override {
    static const std::vector<HyperparameterSpec> kSpecs = {
        {"trees",
         "int",
         1,
         10000,
         false,
         {},
         100,
         "trees in the forest (scikit-learn's n_estimators)"},
        {"sample_size",
         "int",
         2,
         1 << 30,
         false,
         {},
         256,
         "rows drawn (without replacement) to grow each tree, at most the training rows "
         "(max_samples)"},
        {"contamination",
         "float",
         0,
         0.5,
         false,
         {},
         0.01,
         "expected share of anomalies: the threshold flags that share of the training rows "
         "(0: the paper's fixed threshold 0.5)"},
        {"max_features",
         "float",
         0,
         1,
         true,
         {},
         1.0,
         "share of the features each tree may split on"},
        {"seed",
         "int",
         0,
         2147483647,
         false,
         {},
         0,
         "random seed (same data and seed, same forest)"},
    };
    return kSpecs;
  }
  std::string_view iteration_name() const override { return "tree"; }

  Result<std::unique_ptr<Model>> Train(const TrainInput& in,
                                       const IterationCallback& on_iteration) const override {
    const Json& hp = in.hyperparameters;
    IsolationForestOptions o;
    o.trees = hp.value("trees", 100);
    o.sample_size = hp.value("sample_size", int64_t{256});
    o.max_features = hp.value("max_features", 1.0);
    o.seed = hp.value("seed", uint64_t{0});
    const double contamination = hp.value("contamination", 0.01);
    if (!(contamination >= 0 && contamination <= 0.5)) {
      return InvalidArgumentError(
          fmt::format("contamination must be in [0, 0.5], got {}", contamination));
    }
    core::ThreadPool pool(0);
    STRATA_ASSIGN_OR_RETURN(IsolationForest forest,
                            IsolationForest::Fit(in.train, o, pool, [&](int done, int total) {
                              return !on_iteration || on_iteration(done - 1, total, {});
                            }));
    // The threshold from the training rows' own scores, as sklearn's offset_.
    std::vector<double> scores = ScoreAll(forest, in.train, pool);
    std::sort(scores.begin(), scores.end());
    const double threshold = contamination > 0 ? data::Quantile(scores, 1 - contamination) : 0.5;
    forest.set_threshold(contamination, threshold);
    const auto flagged = scores.end() - std::upper_bound(scores.begin(), scores.end(), threshold);
    Json info = {
        {"features_per_tree",
         std::clamp<size_t>(static_cast<size_t>(o.max_features * in.train.cols), 1, in.train.cols)},
        {"train_flagged_rate", static_cast<double>(flagged) / static_cast<double>(scores.size())}};
    return std::unique_ptr<Model>(new AnomalyModel(std::move(forest), std::move(info)));
  }

  Result<std::unique_ptr<Model>> Load(const fs::path& dir, const Json& model_json) const override {
    STRATA_ASSIGN_OR_RETURN(std::string bytes, core::ReadFile(dir / kModelFile));
    auto forest = IsolationForest::Parse(bytes);
    if (!forest.ok()) return forest.status().WithContext((dir / kModelFile).string());
    const Json training = model_json.contains("training") ? model_json["training"] : Json::object();
    return std::unique_ptr<Model>(new AnomalyModel(std::move(*forest), training));
  }
};

}  // namespace

const Algorithm& AnomalyAlgorithm() {
  static const Anomaly kAlgorithm;
  return kAlgorithm;
}

}  // namespace strata::ml
