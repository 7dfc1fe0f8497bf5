// Adapter over libxgboost's C API: errors become Status, the handle is owned here.
#include "ml/xgboost_model.h"

#include <xgboost/c_api.h>

#include <cmath>
#include <sstream>

#include <fmt/format.h>

namespace strata::ml {
namespace {

Status Check(int rc, std::string_view what) {
  if (rc == 0) return Status::Ok();
  return InternalError(fmt::format("xgboost: {}: {}", what, XGBGetLastError()));
}

struct DMatrix {
  DMatrixHandle h = nullptr;
  ~DMatrix() {
    if (h) XGDMatrixFree(h);
  }
};

Status MakeDMatrix(Matrix m, const std::vector<float>* labels, DMatrix* out) {
  // The multi-threaded constructor for big matrices (the plain one is serial and took
  // longer than a quarter of the boosting on a million rows); one thread for the small
  // batches of serving, where thread start-up would dominate.
  const int threads = m.rows * m.cols >= (1u << 16) ? 0 : 1;
  STRATA_RETURN_IF_ERROR(Check(XGDMatrixCreateFromMat_omp(m.data, m.rows, m.cols, NAN, &out->h, threads),
                               "creating a matrix"));
  if (labels) {
    STRATA_RETURN_IF_ERROR(Check(XGDMatrixSetFloatInfo(out->h, "label", labels->data(), labels->size()), "setting labels"));
  }
  return Status::Ok();
}

// "[3]\ttrain-logloss:0.41\tvalid-logloss:0.52" -> {"train-logloss": 0.41, ...}
std::map<std::string, double> ParseEval(const char* line) {
  std::map<std::string, double> out;
  std::istringstream in(line);
  std::string item;
  while (in >> item) {
    auto colon = item.rfind(':');
    if (colon == std::string::npos || item[0] == '[') continue;
    out[item.substr(0, colon)] = std::strtod(item.c_str() + colon + 1, nullptr);
  }
  return out;
}

bool HigherIsBetter(const std::string& metric) { return metric == "auc" || metric == "aucpr" || metric == "map"; }

}  // namespace

const std::vector<HyperparameterSpec>& XGBoostHyperparameters() {
  static const std::vector<HyperparameterSpec> kSpecs = {
      {"num_round", "int", 1, 100000, false, {}, 100, "boosting rounds (trees per class)"},
      {"eta", "float", 0, 1, true, {}, 0.3, "learning rate"},
      {"max_depth", "int", 0, 64, false, {}, 6, "maximum tree depth (0: unlimited, hist only)"},
      {"min_child_weight", "float", 0, INFINITY, false, {}, 1.0, "minimum hessian sum in a leaf"},
      {"subsample", "float", 0, 1, true, {}, 1.0, "row fraction sampled per tree"},
      {"colsample_bytree", "float", 0, 1, true, {}, 1.0, "column fraction sampled per tree"},
      {"lambda", "float", 0, INFINITY, false, {}, 1.0, "L2 regularisation of leaf weights"},
      {"alpha", "float", 0, INFINITY, false, {}, 0.0, "L1 regularisation of leaf weights"},
      {"gamma", "float", 0, INFINITY, false, {}, 0.0, "minimum loss reduction to split"},
      {"early_stopping_rounds", "int", 0, 100000, false, {}, 10,
       "stop when the validation metric has not improved for this many rounds (0: never)"},
      {"tree_method", "string", 0, 0, false, {"auto", "exact", "approx", "hist"}, "hist", "tree construction"},
      {"objective", "string", 0, 0, false,
       {"auto", "binary:logistic", "multi:softprob", "reg:squarederror", "reg:tweedie", "count:poisson"}, "auto",
       "loss (auto: from the target)"},
      {"tweedie_variance_power", "float", 1, 2, true, {}, 1.5, "for reg:tweedie, in (1, 2)"},
      {"nthread", "int", 0, 256, false, {}, 0, "threads (0: all cores)"},
      {"seed", "int", 0, 2147483647, false, {}, 0, "random seed"},
  };
  return kSpecs;
}

XGBoostModel::XGBoostModel(XGBoostModel&& o) noexcept
    : booster_(o.booster_), best_iteration_(o.best_iteration_), rounds_(o.rounds_) {
  o.booster_ = nullptr;
}

XGBoostModel& XGBoostModel::operator=(XGBoostModel&& o) noexcept {
  std::swap(booster_, o.booster_);
  best_iteration_ = o.best_iteration_;
  rounds_ = o.rounds_;
  return *this;
}

XGBoostModel::~XGBoostModel() {
  if (booster_) XGBoosterFree(booster_);
}

Result<XGBoostModel> XGBoostModel::Train(Matrix train, const std::vector<float>& labels, Matrix valid,
                                         const std::vector<float>& valid_labels, const std::vector<float>& weights,
                                         const XGBoostTrainOptions& o, const RoundCallback& on_round) {
  DMatrix dtrain, dvalid;
  STRATA_RETURN_IF_ERROR(MakeDMatrix(train, &labels, &dtrain));
  if (!weights.empty()) {
    STRATA_RETURN_IF_ERROR(
        Check(XGDMatrixSetFloatInfo(dtrain.h, "weight", weights.data(), weights.size()), "setting weights"));
  }
  bool has_valid = valid.rows > 0;
  if (has_valid) STRATA_RETURN_IF_ERROR(MakeDMatrix(valid, &valid_labels, &dvalid));
  XGBoostModel model;
  DMatrixHandle cache[2] = {dtrain.h, dvalid.h};
  STRATA_RETURN_IF_ERROR(Check(XGBoosterCreate(cache, has_valid ? 2 : 1, &model.booster_), "creating a booster"));
  const Json& hp = o.hyperparameters;
  auto set = [&](const char* k, const std::string& v) { return Check(XGBoosterSetParam(model.booster_, k, v.c_str()), k); };
  STRATA_RETURN_IF_ERROR(set("objective", o.objective));
  if (o.num_class > 0) STRATA_RETURN_IF_ERROR(set("num_class", std::to_string(o.num_class)));
  STRATA_RETURN_IF_ERROR(set("eval_metric", o.eval_metric));
  for (const char* k : {"eta", "max_depth", "min_child_weight", "subsample", "colsample_bytree", "lambda", "alpha",
                        "gamma", "nthread", "seed"}) {
    STRATA_RETURN_IF_ERROR(set(k, hp[k].is_string() ? hp[k].get<std::string>() : hp[k].dump()));
  }
  STRATA_RETURN_IF_ERROR(set("tree_method", hp["tree_method"].get<std::string>()));
  if (o.objective == "reg:tweedie") STRATA_RETURN_IF_ERROR(set("tweedie_variance_power", hp["tweedie_variance_power"].dump()));

  const int rounds = hp["num_round"].get<int>();
  const int patience = has_valid ? hp["early_stopping_rounds"].get<int>() : 0;
  const std::string watched = (has_valid ? "valid-" : "train-") + o.eval_metric;
  const char* names[2] = {"train", "valid"};
  double best = NAN;
  for (int r = 0; r < rounds; ++r) {
    STRATA_RETURN_IF_ERROR(Check(XGBoosterUpdateOneIter(model.booster_, r, dtrain.h), "training"));
    const char* line = nullptr;
    STRATA_RETURN_IF_ERROR(Check(XGBoosterEvalOneIter(model.booster_, r, cache, names, has_valid ? 2 : 1, &line), "evaluating"));
    auto metrics = ParseEval(line);
    model.rounds_ = r + 1;
    double v = metrics.count(watched) ? metrics[watched] : NAN;
    bool better = std::isnan(best) || (HigherIsBetter(o.eval_metric) ? v > best : v < best);
    if (better) {
      best = v;
      model.best_iteration_ = r;
    }
    if (on_round && !on_round(r, metrics)) break;
    if (patience > 0 && r - model.best_iteration_ >= patience) break;
  }
  return model;
}

Result<XGBoostModel> XGBoostModel::FromJson(const std::string& model_json) {
  XGBoostModel model;
  STRATA_RETURN_IF_ERROR(Check(XGBoosterCreate(nullptr, 0, &model.booster_), "creating a booster"));
  STRATA_RETURN_IF_ERROR(Check(XGBoosterLoadModelFromBuffer(model.booster_, model_json.data(), model_json.size()),
                               "loading the model"));
  // A loaded model serves small batches from many request threads (or chunks of a
  // batch transform, parallel above it): OpenMP fan-out per call costs far more than it
  // saves there, and collapses when the machine is busy.
  STRATA_RETURN_IF_ERROR(Check(XGBoosterSetParam(model.booster_, "nthread", "1"), "setting nthread"));
  char const* value = nullptr;
  int found = 0;
  if (XGBoosterGetAttr(model.booster_, "best_iteration", &value, &found) == 0 && found) {
    model.best_iteration_ = std::atoi(value);
  }
  return model;
}

Result<std::vector<float>> XGBoostModel::Predict(Matrix x) const {
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* result = nullptr;
  // In-place prediction reads our rows directly, with no DMatrix to build: most of the
  // cost of a one-row request otherwise. The DMatrix path below is the fallback.
  const std::string array = fmt::format(R"({{"data": [{}, true], "shape": [{}, {}], "typestr": "<f4", "version": 3}})",
                                        reinterpret_cast<uintptr_t>(x.data), x.rows, x.cols);
  const std::string inplace = fmt::format(
      R"({{"type": 0, "training": false, "iteration_begin": 0, "iteration_end": {}, "strict_shape": false, )"
      R"("cache_id": 0, "missing": NaN}})",
      best_iteration_ + 1);
  if (x.rows > 0 &&
      XGBoosterPredictFromDense(booster_, array.c_str(), inplace.c_str(), nullptr, &shape, &dim, &result) == 0) {
    size_t n = 1;
    for (bst_ulong i = 0; i < dim; ++i) n *= shape[i];
    return std::vector<float>(result, result + n);
  }
  DMatrix d;
  STRATA_RETURN_IF_ERROR(MakeDMatrix(x, nullptr, &d));
  std::string config = fmt::format(
      R"({{"type": 0, "training": false, "iteration_begin": 0, "iteration_end": {}, "strict_shape": false}})",
      best_iteration_ + 1);
  STRATA_RETURN_IF_ERROR(Check(XGBoosterPredictFromDMatrix(booster_, d.h, config.c_str(), &shape, &dim, &result), "predicting"));
  size_t n = 1;
  for (bst_ulong i = 0; i < dim; ++i) n *= shape[i];
  return std::vector<float>(result, result + n);
}

Result<std::string> XGBoostModel::ToJson() const {
  STRATA_RETURN_IF_ERROR(Check(XGBoosterSetAttr(booster_, "best_iteration", std::to_string(best_iteration_).c_str()),
                               "recording the best iteration"));
  bst_ulong len = 0;
  const char* buf = nullptr;
  STRATA_RETURN_IF_ERROR(Check(XGBoosterSaveModelToBuffer(booster_, R"({"format": "json"})", &len, &buf), "saving"));
  return std::string(buf, len);
}

}  // namespace strata::ml
