// Adapter over libxgboost's C API: errors become Status, the handle is owned here.
#include "ml/xgboost_model.h"

#include <xgboost/c_api.h>

#include <cmath>
#include <cstdlib>
#include <mutex>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "core/core.h"
#include "ml/boosting_metrics.h"
#include "ml/tree_ensemble.h"

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

// The margins of every tree so far, as XGBoost's evaluation predicts. The training
// matrix answers from its prediction cache, which each round updates: a copy.
constexpr const char* kCachedMargins =
    R"({"type": 1, "training": false, "iteration_begin": 0, "iteration_end": 0, "strict_shape": false})";

bool HigherIsBetter(const std::string& metric) { return metric == "auc" || metric == "aucpr" || metric == "map"; }

// libxgboost's DMatrix prediction path (contributions) and its feature scores keep
// per-booster state (the prediction cache, return buffers), unlike in-place prediction;
// explanations are rare next to predictions, so they simply take turns.
std::mutex& ExplainMutex() {
  static std::mutex m;
  return m;
}

// How the objective turns the margin into Predict's output (explain.h).
std::string LinkOf(const std::string& objective) {
  if (objective == "binary:logistic" || objective == "reg:logistic") return "logit";
  if (objective == "multi:softprob" || objective == "multi:softmax") return "softmax";
  if (objective == "count:poisson" || objective == "reg:tweedie" || objective == "reg:gamma" ||
      objective == "survival:cox") {
    return "log";
  }
  return "identity";  // reg:squarederror, reg:absoluteerror, reg:pseudohubererror, ...
}

// Adds the trees of boosting round `round` to `margins` (rows of `x` by groups)
// through a compiled copy of just that round.
Status AddRoundTrees(BoosterHandle booster, int round, Matrix x, std::vector<float>* margins) {
  BoosterHandle slice = nullptr;
  STRATA_RETURN_IF_ERROR(Check(XGBoosterSlice(booster, round, round + 1, 1, &slice), "slicing a round"));
  bst_ulong len = 0;
  const char* buf = nullptr;
  const int rc = XGBoosterSaveModelToBuffer(slice, R"({"format": "json"})", &len, &buf);
  std::string json = rc == 0 ? std::string(buf, len) : std::string();
  XGBoosterFree(slice);
  STRATA_RETURN_IF_ERROR(Check(rc, "saving a round"));
  STRATA_ASSIGN_OR_RETURN(Json parsed, core::ParseJson(json, "xgboost round"));
  STRATA_ASSIGN_OR_RETURN(TreeEnsemble trees, TreeEnsemble::Compile(parsed, 1));
  if (margins->size() != x.rows * static_cast<size_t>(trees.outputs_per_row()) || x.cols < trees.num_features()) {
    return InternalError("the round's trees do not fit the validation rows");
  }
  trees.AddTrees(x, margins->data());
  return Status::Ok();
}

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
    : booster_(o.booster_), best_iteration_(o.best_iteration_), rounds_(o.rounds_), compiled_(std::move(o.compiled_)) {
  o.booster_ = nullptr;
}

XGBoostModel& XGBoostModel::operator=(XGBoostModel&& o) noexcept {
  std::swap(booster_, o.booster_);
  best_iteration_ = o.best_iteration_;
  rounds_ = o.rounds_;
  compiled_ = std::move(o.compiled_);
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
  // The losses from the prediction cache (boosting_metrics.h); XGBoost's own
  // evaluation only for a metric that file does not know.
  const bool native_eval = !o.library_evaluation && IsRoundLossMetric(o.eval_metric);
  const std::string link_name = LinkOf(o.objective);
  const MarginLink link = link_name == "logit"     ? MarginLink::kLogit
                          : link_name == "softmax" ? MarginLink::kSoftmax
                          : link_name == "log"     ? MarginLink::kLog
                                                   : MarginLink::kIdentity;
  const int threads = hp["nthread"].get<int>() > 0 ? hp["nthread"].get<int>()
                                                   : static_cast<int>(std::thread::hardware_concurrency());
  auto margins_of = [&](DMatrixHandle d) -> Result<const float*> {
    const bst_ulong* shape = nullptr;
    bst_ulong dim = 0;
    const float* p = nullptr;
    STRATA_RETURN_IF_ERROR(Check(XGBoosterPredictFromDMatrix(model.booster_, d, kCachedMargins, &shape, &dim, &p),
                                 "evaluating"));
    return p;
  };
  auto loss = [&](const float* margins, const std::vector<float>& y, const std::vector<float>* w) {
    return RoundLoss(o.eval_metric, link, margins, y.data(), w && !w->empty() ? w->data() : nullptr, y.size(),
                     o.num_class, threads)
        .value_or(NAN);
  };
  // The validation margins advance by each round's new trees through the compiled
  // evaluator: libxgboost predicts even one new tree by filling a dense row per row
  // from its sparse pages (6 ms a round for 200,000 rows, against about 1 ms here),
  // and only the training matrix's cache is kept current by the updater. The sums are
  // those of its cache, tree by tree in float. A round it cannot compile goes back to
  // libxgboost for good.
  std::vector<float> valid_margins;
  bool compiled_valid = native_eval && has_valid;
  auto valid_loss = [&](int r) -> Result<double> {
    if (compiled_valid && r > 0) {
      auto advanced = AddRoundTrees(model.booster_, r, valid, &valid_margins);
      if (advanced.ok()) return loss(valid_margins.data(), valid_labels, nullptr);
      core::log::Debug("validation loss through libxgboost from round {}: {}", r + 1, advanced.message());
      compiled_valid = false;
    }
    STRATA_ASSIGN_OR_RETURN(const float* p, margins_of(dvalid.h));
    if (compiled_valid) valid_margins.assign(p, p + valid.rows * static_cast<size_t>(std::max(1, o.num_class)));
    return loss(p, valid_labels, nullptr);
  };
  double best = NAN;
  for (int r = 0; r < rounds; ++r) {
    STRATA_RETURN_IF_ERROR(Check(XGBoosterUpdateOneIter(model.booster_, r, dtrain.h), "training"));
    std::map<std::string, double> metrics;
    if (native_eval) {
      STRATA_ASSIGN_OR_RETURN(const float* train_margins, margins_of(dtrain.h));
      metrics["train-" + o.eval_metric] = loss(train_margins, labels, &weights);
      if (has_valid) {
        STRATA_ASSIGN_OR_RETURN(metrics["valid-" + o.eval_metric], valid_loss(r));
      }
    } else {
      const char* line = nullptr;
      STRATA_RETURN_IF_ERROR(
          Check(XGBoosterEvalOneIter(model.booster_, r, cache, names, has_valid ? 2 : 1, &line), "evaluating"));
      metrics = ParseEval(line);
    }
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
  // What training goes on to predict (validation metrics, permutation importance:
  // about a million rows) runs through the compiled trees, as a loaded model's would.
  STRATA_ASSIGN_OR_RETURN(std::string json, model.ToJson());
  model.Compile(json);
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
  // Without a recorded best iteration (a model trained elsewhere without early
  // stopping) every boosted round counts, not only the first.
  STRATA_RETURN_IF_ERROR(Check(XGBoosterBoostedRounds(model.booster_, &model.rounds_), "counting rounds"));
  model.best_iteration_ = std::max(0, model.rounds_ - 1);
  char const* value = nullptr;
  int found = 0;
  if (XGBoosterGetAttr(model.booster_, "best_iteration", &value, &found) == 0 && found) {
    model.best_iteration_ = std::atoi(value);
  }
  model.Compile(model_json);
  return model;
}

void XGBoostModel::Compile(const std::string& model_json) {
  auto json = core::ParseJson(model_json, "xgboost model");
  if (!json.ok()) return;  // XGBoost's JSON may hold bare NaN, which ParseJson refuses
  auto compiled = TreeEnsemble::Compile(*json, best_iteration_ + 1);
  if (compiled.ok()) {
    compiled_ = std::make_shared<const TreeEnsemble>(std::move(*compiled));
  } else {
    core::log::Debug("predicting with libxgboost: {}", compiled.status().message());
  }
}

Result<std::vector<float>> XGBoostModel::Predict(Matrix x) const {
  if (compiled_ && x.cols >= compiled_->num_features()) return compiled_->Predict(x);
  return PredictWithLibrary(x);
}

Result<std::vector<float>> XGBoostModel::PredictWithLibrary(Matrix x) const {
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

Result<std::vector<double>> XGBoostModel::FeatureScores(const std::string& type) const {
  std::lock_guard<std::mutex> lock(ExplainMutex());
  bst_ulong num_features = 0;
  STRATA_RETURN_IF_ERROR(
      Check(XGBoosterGetNumFeature(booster_, &num_features), "counting features"));
  // Only the trees up to the best iteration, which are the ones Predict uses: early
  // stopping leaves later trees in the booster that the scores would otherwise count.
  int rounds = 0;
  STRATA_RETURN_IF_ERROR(Check(XGBoosterBoostedRounds(booster_, &rounds), "counting rounds"));
  BoosterHandle scored = booster_, slice = nullptr;
  if (rounds > best_iteration_ + 1) {
    STRATA_RETURN_IF_ERROR(
        Check(XGBoosterSlice(booster_, 0, best_iteration_ + 1, 1, &slice), "slicing the model"));
    scored = slice;
  }
  // Names f0, f1, ... given explicitly, so that a booster that carries its own feature
  // names (one imported from Python) still answers with indexes.
  Json config = {{"importance_type", type}, {"feature_names", Json::array()}};
  for (bst_ulong i = 0; i < num_features; ++i)
    config["feature_names"].push_back(fmt::format("f{}", i));
  bst_ulong n = 0, dim = 0;
  const char** names = nullptr;
  const bst_ulong* shape = nullptr;
  const float* scores = nullptr;
  const int rc =
      XGBoosterFeatureScore(scored, config.dump().c_str(), &n, &names, &dim, &shape, &scores);
  std::vector<double> out(num_features, 0.0);
  if (rc == 0) {
    for (bst_ulong i = 0; i < n; ++i) {
      const size_t f = std::strtoull(names[i] + 1, nullptr, 10);
      if (f < out.size()) out[f] = scores[i];
    }
  }
  if (slice) XGBoosterFree(slice);
  STRATA_RETURN_IF_ERROR(Check(rc, "computing feature importance"));
  return out;
}

Result<Contributions> XGBoostModel::Contribute(Matrix x) const {
  std::lock_guard<std::mutex> lock(ExplainMutex());
  bst_ulong len = 0;
  const char* text = nullptr;
  STRATA_RETURN_IF_ERROR(
      Check(XGBoosterSaveJsonConfig(booster_, &len, &text), "reading the configuration"));
  STRATA_ASSIGN_OR_RETURN(Json config,
                          core::ParseJson(std::string_view(text, len), "xgboost configuration"));
  Contributions out;
  out.link = LinkOf(config["learner"]["objective"].value("name", ""));
  out.method = "tree_shap";
  out.rows = x.rows;
  out.features = x.cols;
  if (x.rows == 0) return out;
  DMatrix d;
  STRATA_RETURN_IF_ERROR(MakeDMatrix(x, nullptr, &d));
  // type 2: exact TreeSHAP; strict_shape gives (rows, groups, features + 1) always.
  const std::string predict = fmt::format(
      R"({{"type": 2, "training": false, "iteration_begin": 0, "iteration_end": {}, "strict_shape": true}})",
      best_iteration_ + 1);
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* result = nullptr;
  STRATA_RETURN_IF_ERROR(
      Check(XGBoosterPredictFromDMatrix(booster_, d.h, predict.c_str(), &shape, &dim, &result),
            "explaining"));
  if (dim != 3 || shape[0] != x.rows || shape[2] != x.cols + 1) {
    return InternalError(
        fmt::format("xgboost: contributions of {} rows x {} features came in an unexpected shape",
                    x.rows, x.cols));
  }
  out.groups = static_cast<int>(shape[1]);
  out.values.assign(result, result + shape[0] * shape[1] * shape[2]);
  return out;
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
