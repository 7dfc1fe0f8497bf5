#pragma once
// Gradient-boosted trees through libxgboost's C API (the only file pair that sees
// <xgboost/c_api.h>). The model's own format is XGBoost's JSON, so a model trained here
// loads in the xgboost Python package and the other way round.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ml/explain.h"
#include "ml/hyperparameters.h"
#include "ml/matrix.h"

namespace strata::ml {

class TreeEnsemble;

// The `xgboost` algorithm's hyperparameters.
const std::vector<HyperparameterSpec>& XGBoostHyperparameters();

struct XGBoostTrainOptions {
  Json hyperparameters;  // validated, defaults filled in
  std::string objective;  // binary:logistic, multi:softprob, reg:squarederror, ...
  int num_class = 0;      // multi:softprob only
  std::string eval_metric;  // logloss, mlogloss, rmse, ...
  // Rounds are evaluated by libxgboost's own EvalOneIter rather than from the prediction
  // cache (boosting_metrics.h): the reference that path is tested against.
  bool library_evaluation = false;
};

// Called after each boosting round with the evaluation line's metrics
// ({"train-logloss": 0.4, "valid-logloss": 0.5}); return false to stop training.
using RoundCallback = std::function<bool(int round, const std::map<std::string, double>& metrics)>;

class XGBoostModel {
 public:
  XGBoostModel(XGBoostModel&&) noexcept;
  XGBoostModel& operator=(XGBoostModel&&) noexcept;
  ~XGBoostModel();

  // Trains with early stopping on `valid` when it has rows and early_stopping_rounds > 0.
  // `weights`: one per training row, or empty for all 1.
  static Result<XGBoostModel> Train(Matrix train, const std::vector<float>& labels, Matrix valid,
                                    const std::vector<float>& valid_labels, const std::vector<float>& weights,
                                    const XGBoostTrainOptions& options, const RoundCallback& on_round);
  // Loaded models predict on one thread per call (callers parallelize above), through
  // the compiled trees (tree_ensemble.h) when the model allows, else libxgboost.
  static Result<XGBoostModel> FromJson(const std::string& model_json);

  // One value per row (probability of class 1, or the regression value), or num_class
  // probabilities per row for multi-class models. Uses the best iteration.
  Result<std::vector<float>> Predict(Matrix x) const;
  // The same through libxgboost even when compiled trees exist: the reference the
  // compiled evaluator is tested against.
  Result<std::vector<float>> PredictWithLibrary(Matrix x) const;
  // Whether Predict walks compiled trees (false: the model uses something they do not
  // support).
  bool compiled() const { return compiled_ != nullptr; }
  Result<std::string> ToJson() const;
  // XGBoost's feature importance of the trees Predict uses, one value per feature (0 for
  // features no split uses). `type`: weight, gain, cover, total_gain, total_cover.
  Result<std::vector<double>> FeatureScores(const std::string& type) const;
  // Exact TreeSHAP values of the trees Predict uses (prediction type 2), with the link of
  // the model's objective.
  Result<Contributions> Contribute(Matrix x) const;
  int best_iteration() const { return best_iteration_; }
  int rounds() const { return rounds_; }

 private:
  XGBoostModel() = default;
  // Compiles the trees Predict uses from the model's JSON, when TreeEnsemble can.
  void Compile(const std::string& model_json);
  void* booster_ = nullptr;
  int best_iteration_ = 0, rounds_ = 0;
  std::shared_ptr<const TreeEnsemble> compiled_;
};

}  // namespace strata::ml
