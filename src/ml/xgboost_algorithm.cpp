// The `xgboost` algorithm: XGBoostModel (the libxgboost adapter) behind ml::Algorithm.
#include <fmt/format.h>

#include "core/core.h"
#include "ml/algorithm.h"
#include "ml/xgboost_model.h"

namespace strata::ml {
namespace {

constexpr std::string_view kModelFile = "xgboost.json";

class XGBoostPredictor final : public Model {
 public:
  XGBoostPredictor(XGBoostModel model, int outputs) : model_(std::move(model)), outputs_(outputs) {}
  Result<std::vector<float>> Predict(Matrix x) const override { return model_.Predict(x); }
  int outputs_per_row() const override { return outputs_; }
  Result<std::string> Save(const std::filesystem::path& dir) const override {
    STRATA_ASSIGN_OR_RETURN(std::string json, model_.ToJson());
    STRATA_RETURN_IF_ERROR(core::WriteFileAtomic(dir / kModelFile, json));
    return std::string(kModelFile);
  }
  Json Info() const override { return {{"best_iteration", model_.best_iteration()}, {"rounds", model_.rounds()}}; }
  // Totals rather than XGBoost's per-split averages ("gain", "cover"): totals add up
  // over the features a raw column was expanded into, averages do not.
  Result<std::vector<FeatureImportance>> Importance() const override {
    STRATA_ASSIGN_OR_RETURN(auto gain, model_.FeatureScores("total_gain"));
    STRATA_ASSIGN_OR_RETURN(auto cover, model_.FeatureScores("total_cover"));
    return std::vector<FeatureImportance>{
        {"gain", "total loss reduction of the splits on the column (XGBoost's total_gain)",
         std::move(gain)},
        {"cover",
         "total number of training rows (hessian weight) the column's splits decide (XGBoost's "
         "total_cover)",
         std::move(cover)}};
  }
  Result<Contributions> Contribute(Matrix x) const override { return model_.Contribute(x); }
  const XGBoostModel& model() const { return model_; }

 private:
  XGBoostModel model_;
  int outputs_;
};

class XGBoost final : public Algorithm {
 public:
  std::string_view name() const override { return "xgboost"; }
  std::string_view description() const override {
    return "gradient-boosted trees (libxgboost); missing values handled natively";
  }
  std::vector<Problem> problems() const override {
    return {Problem::kBinaryClassification, Problem::kMulticlassClassification, Problem::kRegression};
  }
  const std::vector<HyperparameterSpec>& hyperparameters() const override { return XGBoostHyperparameters(); }
  std::string_view iteration_name() const override { return "round"; }

  std::optional<Problem> ProblemFromHyperparameters(const Json& hp) const override {
    const std::string objective = hp.value("objective", "auto");
    if (objective == "binary:logistic") return Problem::kBinaryClassification;
    if (objective == "multi:softprob") return Problem::kMulticlassClassification;
    if (objective == "auto") return std::nullopt;
    return Problem::kRegression;  // reg:squarederror, reg:tweedie, count:poisson
  }

  Result<std::unique_ptr<Model>> Train(const TrainInput& in, const IterationCallback& cb) const override {
    XGBoostTrainOptions o;
    o.hyperparameters = in.hyperparameters;
    std::string objective = in.hyperparameters.value("objective", "auto");
    if (objective == "auto") {
      objective = in.problem == Problem::kBinaryClassification     ? "binary:logistic"
                  : in.problem == Problem::kMulticlassClassification ? "multi:softprob"
                                                                     : "reg:squarederror";
    }
    o.objective = objective;
    o.num_class = in.problem == Problem::kMulticlassClassification ? in.num_classes : 0;
    o.eval_metric = in.problem == Problem::kBinaryClassification     ? "logloss"
                    : in.problem == Problem::kMulticlassClassification ? "mlogloss"
                    : objective == "count:poisson"                     ? "poisson-nloglik"
                    : objective == "reg:tweedie" ? fmt::format("tweedie-nloglik@{}", in.hyperparameters["tweedie_variance_power"].get<double>())
                                                 : "rmse";
    const int total = in.hyperparameters["num_round"].get<int>();
    std::vector<float> labels(in.labels.begin(), in.labels.end());
    std::vector<float> valid_labels(in.valid_labels.begin(), in.valid_labels.end());
    std::vector<float> weights(in.weights.begin(), in.weights.end());
    STRATA_ASSIGN_OR_RETURN(
        XGBoostModel model,
        XGBoostModel::Train(in.train, labels, in.valid, valid_labels, weights, o,
                            [&](int r, const std::map<std::string, double>& m) { return !cb || cb(r, total, m); }));
    return std::unique_ptr<Model>(new XGBoostPredictor(std::move(model), o.num_class > 0 ? o.num_class : 1));
  }

  Result<std::unique_ptr<Model>> Load(const std::filesystem::path& dir, const Json& model_json) const override {
    STRATA_ASSIGN_OR_RETURN(std::string json, core::ReadFile(dir / kModelFile));
    STRATA_ASSIGN_OR_RETURN(XGBoostModel model, XGBoostModel::FromJson(json));
    const int classes = static_cast<int>(model_json.value("classes", Json::array()).size());
    const bool multi = model_json.value("problem", "") == "multiclass_classification";
    return std::unique_ptr<Model>(new XGBoostPredictor(std::move(model), multi ? classes : 1));
  }
};

}  // namespace

const Algorithm& XGBoostAlgorithm() {
  static const XGBoost kAlgorithm;
  return kAlgorithm;
}

}  // namespace strata::ml
