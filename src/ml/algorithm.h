#pragma once
// One interface for every built-in algorithm: an Algorithm publishes its name, the
// problems it solves and its hyperparameter schema, trains a Model, and loads a Model
// back from the files it saved. Training code, evaluation, endpoints and batch
// transform work through this interface only, so adding an algorithm is one file pair
// plus a line in algorithm.cpp's registry.
//
// Predictions are per row (Model::outputs_per_row values), by problem:
//   binary_classification      probability of the positive class (class index 1)
//   multiclass_classification  one probability per class, in class-index order
//   regression                 the value
//   clustering                 cluster index (as a float), Euclidean distance to its centre
//   anomaly_detection          anomaly score (higher: more anomalous), 1 or 0 as the row is
//                              above the model's threshold or not
//   dimensionality_reduction   the row's coordinates on each component
// Unsupervised problems (the last three) train without labels.

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "ml/explain.h"
#include "ml/hyperparameters.h"
#include "ml/matrix.h"

namespace strata::ml {

enum class Problem {
  kBinaryClassification,
  kMulticlassClassification,
  kRegression,
  kClustering,
  kAnomalyDetection,
  kDimensionalityReduction,
};
std::string_view ProblemName(Problem problem);  // "binary_classification", ...
Result<Problem> ParseProblem(std::string_view name);
inline bool IsClassification(Problem p) {
  return p == Problem::kBinaryClassification || p == Problem::kMulticlassClassification;
}
inline bool IsSupervised(Problem p) { return IsClassification(p) || p == Problem::kRegression; }

struct TrainInput {
  Problem problem = Problem::kRegression;
  int num_classes = 0;   // classification: labels are class indexes 0..num_classes-1
  Json hyperparameters;  // validated against the algorithm's schema, defaults filled in
  Matrix train;
  std::span<const float> labels;  // empty for unsupervised problems
  Matrix valid;  // may have no rows
  std::span<const float> valid_labels;  // empty for unsupervised problems
  std::span<const float> weights;  // per training row; empty: all 1
};

// After each iteration (boosting round, epoch): metrics such as {"train-logloss": 0.4,
// "valid-logloss": 0.5}. Return false to stop training early.
using IterationCallback =
    std::function<bool(int iteration, int total, const std::map<std::string, double>& metrics)>;

class Model {
 public:
  virtual ~Model() = default;
  // Thread-safe: endpoints call it from several threads at once.
  virtual Result<std::vector<float>> Predict(Matrix x) const = 0;
  // Values per row of Predict's output.
  virtual int outputs_per_row() const = 0;
  // Writes the algorithm's own model file into `dir` (atomically) and returns its name,
  // e.g. "xgboost.json": a format the library's own tools read.
  virtual Result<std::string> Save(const std::filesystem::path& dir) const = 0;
  // Facts recorded in model.json and the job result: {"best_iteration": 12, ...}.
  virtual Json Info() const = 0;
  // The model's own global importance per encoded feature (XGBoost's gain and cover,
  // a linear model's |coefficients|); empty when it has none. Permutation importance,
  // which any model has, is computed outside (permutation_importance.h).
  virtual Result<std::vector<FeatureImportance>> Importance() const {
    return std::vector<FeatureImportance>{};
  }
  // Exact additive explanations of each row's margin (explain.h). Thread-safe like
  // Predict. InvalidArgument for models that have none.
  virtual Result<Contributions> Contribute(Matrix x) const {
    return InvalidArgumentError("per-prediction explanations are not supported for this algorithm");
  }
};

class Algorithm {
 public:
  virtual ~Algorithm() = default;
  virtual std::string_view name() const = 0;
  virtual std::string_view description() const = 0;
  virtual std::vector<Problem> problems() const = 0;
  // Unsupervised algorithms (every problem unsupervised) train without a target column;
  // anomaly detection still takes one, optionally, as labels to evaluate against.
  bool supervised() const;
  virtual const std::vector<HyperparameterSpec>& hyperparameters() const = 0;
  // The problem a hyperparameter forces (xgboost's objective), or nullopt to decide it
  // from the target column.
  virtual std::optional<Problem> ProblemFromHyperparameters(const Json& hp) const { return std::nullopt; }
  // Checks combinations of hyperparameters the schema cannot express (e.g. a penalty
  // the chosen loss lacks), at submission so the caller gets a 400 rather than a failed
  // job. `problem` is nullopt when it will be decided from the target.
  virtual Status CheckHyperparameters(const Json& hp, std::optional<Problem> problem) const { return Status::Ok(); }
  // What one iteration is called in logs and progress: "round", "epoch", "iteration".
  virtual std::string_view iteration_name() const { return "iteration"; }
  // Whether the default preprocessing should standardize numeric features.
  virtual bool wants_scaled_features() const { return false; }
  virtual Result<std::unique_ptr<Model>> Train(const TrainInput& input, const IterationCallback& on_iteration) const = 0;
  // Loads what Save wrote; `model_json` is the version's model.json.
  virtual Result<std::unique_ptr<Model>> Load(const std::filesystem::path& dir, const Json& model_json) const = 0;

  Json ToJson() const;  // the /api/v1/algorithms entry
};

// The registry. FindAlgorithm returns null for an unknown name.
const std::vector<const Algorithm*>& Algorithms();
const Algorithm* FindAlgorithm(std::string_view name);
// "unknown algorithm 'x' (known: xgboost, linear-learner)"
Result<const Algorithm*> RequireAlgorithm(std::string_view name);

}  // namespace strata::ml
