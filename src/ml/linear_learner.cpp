// The `linear-learner` algorithm: the training and loading half of the adapter over
// liblinear 2.3's C API (the fitted model is in linear_model.cpp); liblinear's errors
// become Status here.
#include "ml/linear_learner.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <mutex>
#include <new>
#include <sstream>

#include <fmt/format.h>

#include "core/core.h"
#include "ml/linear_model.h"

namespace strata::ml {
namespace {

namespace fs = std::filesystem;
using linear::AppendRow;
using linear::kModelFile;
using linear::LinearModel;
using linear::ModelPtr;

constexpr double kWeightTolerance = 1e-6;  // relative: "constant within a class"

// liblinear's names, indexed by solver_type, as save_model/load_model write them.
constexpr const char* kSolverNames[] = {"L2R_LR",
                                        "L2R_L2LOSS_SVC_DUAL",
                                        "L2R_L2LOSS_SVC",
                                        "L2R_L1LOSS_SVC_DUAL",
                                        "MCSVM_CS",
                                        "L1R_L2LOSS_SVC",
                                        "L1R_LR",
                                        "L2R_LR_DUAL",
                                        "",
                                        "",
                                        "",
                                        "L2R_L2LOSS_SVR",
                                        "L2R_L2LOSS_SVR_DUAL",
                                        "L2R_L1LOSS_SVR_DUAL"};
constexpr int kNumSolverNames = static_cast<int>(std::size(kSolverNames));

std::string_view SolverName(int type) {
  return type >= 0 && type < kNumSolverNames ? kSolverNames[type] : "unknown";
}

// liblinear prints progress ("iter 1 act ...") through one global hook that defaults to
// stdout, which would corrupt `strata ... --output json`. It goes to the debug log
// instead. Set once, before the first training, because the hook is not synchronized.
void LiblinearPrint(const char* s) {
  std::string_view line(s);
  while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.remove_suffix(1);
  if (!line.empty()) core::log::Debug("liblinear: {}", line);
}
void RouteLiblinearOutput() {
  static std::once_flag once;
  std::call_once(once, [] { set_print_string_function(&LiblinearPrint); });
}

// The dual coordinate-descent solvers (and the L1 ones) shuffle with the C library's
// rand(). So that training is reproducible, those solvers run one at a time under this
// lock after srand(1). The primal Newton solvers (L2R_LR, L2R_L2LOSS_SVC, L2R_L2LOSS_SVR,
// the defaults for logistic and squared) draw no random numbers and run unlocked.
std::mutex& RandMutex() {
  static std::mutex m;
  return m;
}
bool UsesRand(int solver) {
  return solver != L2R_LR && solver != L2R_L2LOSS_SVC && solver != L2R_L2LOSS_SVR;
}

struct SparseRows {
  std::vector<feature_node> nodes;
  std::vector<feature_node*> rows;
};

SparseRows ToSparse(Matrix m, double bias) {
  SparseRows s;
  s.nodes.reserve(m.rows * (m.cols + 2));
  std::vector<size_t> starts(m.rows);
  for (size_t r = 0; r < m.rows; ++r) {
    starts[r] = s.nodes.size();
    AppendRow(m.row(r), m.cols, bias, &s.nodes);
  }
  s.rows.resize(m.rows);
  for (size_t r = 0; r < m.rows; ++r) s.rows[r] = s.nodes.data() + starts[r];
  return s;
}

// ---------------------------------------------------------------------------------------
// Training.

struct Solver {
  int type = L2R_LR;
  std::string loss;
  double tol = 0.01;
};

// The liblinear solver for a loss, penalty and primal/dual choice. "auto" picks what
// liblinear's own `train` tool defaults to for the loss.
//
// `squared` is ridge regression: liblinear has no plain least squares, but its L2-loss
// support vector regression minimizes 0.5·|w|² + C·Σ max(0, |y - w·x| - p)², which with
// p = 0 is exactly C·Σ(y - w·x)² + 0.5·|w|², i.e. ridge with alpha = 1/(2C).
Result<Solver> ChooseSolver(Problem problem, const Json& hp) {
  Solver s;
  s.loss = hp.value("loss", "auto");
  const std::string penalty = hp.value("penalty", "l2");
  const std::string solver = hp.value("solver", "auto");
  if (s.loss == "auto") s.loss = IsClassification(problem) ? "logistic" : "squared";
  if (IsClassification(problem) && s.loss == "squared") {
    return InvalidArgumentError(
        "loss squared is for regression; classification takes logistic, hinge or squared_hinge");
  }
  if (!IsClassification(problem) && s.loss != "squared") {
    return InvalidArgumentError(
        fmt::format("loss {} is for classification; regression takes loss squared", s.loss));
  }
  if (penalty == "l1") {
    if (s.loss != "logistic" && s.loss != "squared_hinge") {
      return InvalidArgumentError(
          fmt::format("penalty l1 is not available with loss {} (liblinear has L1 for logistic and "
                      "squared_hinge only)",
                      s.loss));
    }
    if (solver == "dual")
      return InvalidArgumentError("solver dual is not available with penalty l1");
    s.type = s.loss == "logistic" ? L1R_LR : L1R_L2LOSS_SVC;
  } else if (s.loss == "logistic") {
    s.type = solver == "dual" ? L2R_LR_DUAL : L2R_LR;
  } else if (s.loss == "squared_hinge") {
    s.type = solver == "primal" ? L2R_L2LOSS_SVC : L2R_L2LOSS_SVC_DUAL;
  } else if (s.loss == "hinge") {
    if (solver == "primal")
      return InvalidArgumentError("solver primal is not available with loss hinge (dual only)");
    s.type = L2R_L1LOSS_SVC_DUAL;
  } else {  // squared
    s.type = solver == "dual" ? L2R_L2LOSS_SVR_DUAL : L2R_L2LOSS_SVR;
  }
  // liblinear's default tolerances (train.c), which mean different things per solver:
  // relative gradient norm for the primal ones, maximal dual violation for the dual ones.
  const double tol = hp.value("tol", 0.0);
  switch (s.type) {
    case L2R_LR:
    case L2R_L2LOSS_SVC:
    case L1R_LR:
    case L1R_L2LOSS_SVC:
      s.tol = 0.01;
      break;
    case L2R_L2LOSS_SVR:
      s.tol = 0.001;
      break;
    default:
      s.tol = 0.1;
      break;  // the dual solvers
  }
  if (tol > 0) s.tol = tol;
  return s;
}

// liblinear 2.3 weighs classes (param.weight_label/weight multiply C per class), not rows:
// per-instance weights exist only in the separate "liblinear-weights" fork. Row weights
// that are constant within each class, as class_weight=balanced makes them, are exactly
// per-class weights. Returns one weight per class index (NaN: class not in the data), or
// nothing when there are no weights or all are 1.
Result<std::vector<double>> ClassWeights(const TrainInput& in) {
  if (in.weights.empty()) return std::vector<double>{};
  if (in.weights.size() != in.train.rows) {
    return InvalidArgumentError(
        fmt::format("{} row weights for {} rows", in.weights.size(), in.train.rows));
  }
  if (std::all_of(in.weights.begin(), in.weights.end(), [](float w) { return w == 1; }))
    return std::vector<double>{};
  if (!IsClassification(in.problem)) {
    return InvalidArgumentError(
        "linear-learner cannot weight rows for regression: liblinear 2.3 has per-class weights "
        "only");
  }
  std::vector<double> per_class(static_cast<size_t>(in.num_classes), NAN);
  for (size_t i = 0; i < in.weights.size(); ++i) {
    const double w = in.weights[i];
    if (!(w > 0) || !std::isfinite(w)) {
      return InvalidArgumentError(
          fmt::format("row weights must be positive and finite, got {} in row {}", w, i));
    }
    double& c = per_class[static_cast<size_t>(in.labels[i])];
    if (std::isnan(c)) {
      c = w;
    } else if (std::fabs(w - c) > kWeightTolerance * c) {
      return InvalidArgumentError(
          fmt::format("linear-learner needs row weights that are constant within each class "
                      "(liblinear 2.3 weighs classes, "
                      "not rows); class {} has weights {} and {}",
                      in.labels[i], c, w));
    }
  }
  return per_class;
}

Status CheckLabels(const TrainInput& in) {
  if (in.labels.size() != in.train.rows) {
    return InvalidArgumentError(
        fmt::format("{} labels for {} rows", in.labels.size(), in.train.rows));
  }
  for (size_t i = 0; i < in.labels.size(); ++i) {
    const float y = in.labels[i];
    if (!std::isfinite(y))
      return InvalidArgumentError(fmt::format("label of row {} is not a number", i));
    if (IsClassification(in.problem) &&
        (y != std::floor(y) || y < 0 || y >= static_cast<float>(in.num_classes))) {
      return InvalidArgumentError(
          fmt::format("label {} of row {} is not a class index below {}", y, i, in.num_classes));
    }
  }
  return Status::Ok();
}

// Metrics of `pred` (Predict's output) against `labels`, keys prefixed "train-"/"valid-":
// accuracy for classifiers (plus logloss/mlogloss for logistic, whose scores are
// probabilities), rmse for regression.
void AddMetrics(const std::string& prefix, Problem problem, int num_classes, bool probabilistic,
                const std::vector<float>& pred, std::span<const float> labels,
                std::map<std::string, double>* out) {
  const size_t n = labels.size();
  if (n == 0) return;
  if (problem == Problem::kRegression) {
    double se = 0;
    for (size_t i = 0; i < n; ++i)
      se += (pred[i] - labels[i]) * static_cast<double>(pred[i] - labels[i]);
    (*out)[prefix + "rmse"] = std::sqrt(se / n);
    return;
  }
  const size_t k = problem == Problem::kBinaryClassification ? 1 : static_cast<size_t>(num_classes);
  double correct = 0, loss = 0;
  for (size_t i = 0; i < n; ++i) {
    const auto y = static_cast<size_t>(labels[i]);
    double p_true;
    if (k == 1) {
      correct += (pred[i] >= 0.5) == (y == 1);
      p_true = y == 1 ? pred[i] : 1 - pred[i];
    } else {
      const float* row = pred.data() + i * k;
      correct += static_cast<size_t>(std::max_element(row, row + k) - row) == y;
      p_true = row[y];
    }
    loss -= std::log(std::clamp(p_true, 1e-15, 1.0));
  }
  (*out)[prefix + "accuracy"] = correct / n;
  if (probabilistic) (*out)[prefix + (k == 1 ? "logloss" : "mlogloss")] = loss / n;
}

// Parses all of a model file before load_model sees it. liblinear 2.3's load_model stops
// at a malformed number but trusts the header: a "label" line before "nr_class", or a
// negative or huge count, makes it allocate garbage sizes. A file that passes here has
// exactly the shape load_model expects.
Status CheckModelText(const std::string& text) {
  auto corrupt = [](const std::string& why) {
    return InvalidArgumentError("liblinear.model is corrupt: " + why);
  };
  auto read_int = [](std::istringstream& in, int lo, int hi, int* v) {
    std::string t;
    if (!(in >> t)) return false;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), *v);
    return ec == std::errc() && end == t.data() + t.size() && *v >= lo && *v <= hi;
  };
  auto read_double = [](std::istringstream& in, double* v) {
    std::string t;
    if (!(in >> t)) return false;
    char* end = nullptr;
    *v = std::strtod(t.c_str(), &end);
    return !t.empty() && *end == '\0' && std::isfinite(*v);
  };
  std::istringstream in(text);
  int solver = -1, nr_class = -1, nr_feature = -1;
  double bias = NAN;
  bool labels = false;
  std::string key;
  while (true) {
    if (!(in >> key)) return corrupt("it ends before the weights");
    if (key == "w") break;
    if (key == "solver_type" && solver < 0) {
      std::string name;
      in >> name;
      for (int t = 0; t < kNumSolverNames; ++t) {
        if (*kSolverNames[t] != '\0' && name == kSolverNames[t]) solver = t;
      }
      if (solver < 0) return corrupt(fmt::format("unknown solver_type '{}'", name.substr(0, 40)));
    } else if (key == "nr_class" && nr_class < 0) {
      if (!read_int(in, 1, 1000000, &nr_class)) return corrupt("nr_class is not a count");
    } else if (key == "label" && !labels) {
      if (nr_class < 0) return corrupt("label comes before nr_class");
      int label = 0;
      for (int j = 0; j < nr_class; ++j) {
        if (!read_int(in, INT_MIN, INT_MAX, &label))
          return corrupt("label is not a list of nr_class integers");
      }
      labels = true;
    } else if (key == "nr_feature" && nr_feature < 0) {
      if (!read_int(in, 0, INT_MAX - 1, &nr_feature)) return corrupt("nr_feature is not a count");
    } else if (key == "bias" && std::isnan(bias)) {
      if (!read_double(in, &bias)) return corrupt("bias is not a number");
    } else {
      return corrupt(fmt::format("unexpected '{}'", key.substr(0, 40)));
    }
  }
  if (solver < 0 || nr_class < 0 || nr_feature < 0 || std::isnan(bias)) {
    return corrupt("solver_type, nr_class, nr_feature or bias is missing");
  }
  const bool regression =
      solver == L2R_L2LOSS_SVR || solver == L2R_L2LOSS_SVR_DUAL || solver == L2R_L1LOSS_SVR_DUAL;
  if (regression == labels)
    return corrupt(regression ? "a regression model has labels" : "the labels are missing");
  const uint64_t n = static_cast<uint64_t>(nr_feature) + (bias >= 0 ? 1 : 0);
  const uint64_t nr_w = (nr_class == 2 && solver != MCSVM_CS) ? 1 : static_cast<uint64_t>(nr_class);
  if (n * nr_w > (1ull << 31)) return corrupt("it has too many weights");
  uint64_t count = 0;
  double w = 0;
  while (in >> std::ws, !in.eof()) {
    if (!read_double(in, &w)) return corrupt(fmt::format("weight {} is not a number", count + 1));
    ++count;
  }
  if (count != n * nr_w)
    return corrupt(fmt::format("it has {} weights where {} are expected", count, n * nr_w));
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------
// The algorithm.

class LinearLearner final : public Algorithm {
 public:
  std::string_view name() const override { return "linear-learner"; }
  std::string_view description() const override {
    return "linear models (liblinear): logistic regression, linear SVM, ridge regression; L2 or L1 "
           "penalty; "
           "numeric features standardized";
  }
  std::vector<Problem> problems() const override {
    return {Problem::kBinaryClassification, Problem::kMulticlassClassification,
            Problem::kRegression};
  }
  // liblinear 2.3 exposes no iteration limit (its solvers stop at `tol` or after their own
  // fixed caps), so there is no max_iterations here.
  const std::vector<HyperparameterSpec>& hyperparameters() const override {
    static const std::vector<HyperparameterSpec> kSpecs = {
        {"loss",
         "string",
         0,
         0,
         false,
         {"auto", "logistic", "hinge", "squared_hinge", "squared"},
         "auto",
         "auto: logistic for classification, squared for regression; logistic: logistic "
         "regression; hinge, "
         "squared_hinge: linear SVM with L1 or L2 loss (scores, not calibrated probabilities); "
         "squared: ridge "
         "regression"},
        {"penalty",
         "string",
         0,
         0,
         false,
         {"l2", "l1"},
         "l2",
         "regularisation; l1 gives sparse weights (with logistic and squared_hinge only)"},
        {"C",
         "float",
         0,
         INFINITY,
         true,
         {},
         1.0,
         "inverse regularisation strength: larger fits the training data more closely (ridge alpha "
         "= 1/(2C))"},
        {"tol",
         "float",
         0,
         INFINITY,
         false,
         {},
         0.0,
         "stopping tolerance (0: liblinear's default for the solver: 0.01 primal, 0.1 dual, 0.001 "
         "squared primal)"},
        {"bias",
         "float",
         0,
         INFINITY,
         false,
         {},
         1.0,
         "value of the constant feature that carries the intercept (0: no intercept); the "
         "intercept is "
         "regularised like the weights, the less so the larger this is"},
        {"solver",
         "string",
         0,
         0,
         false,
         {"auto", "primal", "dual"},
         "auto",
         "auto: liblinear's default for the loss (primal for logistic and squared, dual for the "
         "SVM losses); "
         "dual is faster with more features than rows"},
    };
    return kSpecs;
  }
  std::optional<Problem> ProblemFromHyperparameters(const Json& hp) const override {
    if (hp.value("loss", "auto") == "squared") return Problem::kRegression;
    return std::nullopt;  // the classification losses do binary and multi-class alike
  }
  // liblinear trains in one call: one "fit", reported once at its end.
  std::string_view iteration_name() const override { return "fit"; }
  Status CheckHyperparameters(const Json& hp, std::optional<Problem> problem) const override {
    if (problem) return ChooseSolver(*problem, hp).status();
    // Undecided problem: valid when it works for one of them.
    auto classification = ChooseSolver(Problem::kBinaryClassification, hp);
    if (classification.ok() || ChooseSolver(Problem::kRegression, hp).ok()) return Status::Ok();
    return classification.status();
  }
  bool wants_scaled_features() const override { return true; }

  // The callback is called once, after liblinear's single training call, with the
  // training (and validation) metrics. Training has already finished by then, so a false
  // return cannot shorten it; the model is returned and the caller, who asked to stop,
  // discards it (the platform then records the job as stopped, without a model).
  Result<std::unique_ptr<Model>> Train(const TrainInput& in,
                                       const IterationCallback& on_iteration) const override {
    RouteLiblinearOutput();
    if (in.train.rows == 0) return InvalidArgumentError("no training rows");
    if (in.train.rows > INT_MAX || in.train.cols >= INT_MAX - 1) {
      return InvalidArgumentError(
          fmt::format("liblinear takes at most {} rows and features", INT_MAX - 2));
    }
    if (IsClassification(in.problem) && in.num_classes < 2) {
      return InvalidArgumentError("classification needs at least two classes");
    }
    STRATA_RETURN_IF_ERROR(CheckLabels(in));
    const Json& hp = in.hyperparameters;
    STRATA_ASSIGN_OR_RETURN(Solver solver, ChooseSolver(in.problem, hp));
    STRATA_ASSIGN_OR_RETURN(std::vector<double> class_weights, ClassWeights(in));
    const double C = hp.value("C", 1.0);
    if (!(C > 0)) return InvalidArgumentError(fmt::format("C must be > 0, got {}", C));
    const double bias =
        hp.value("bias", 1.0) > 0 ? hp.value("bias", 1.0) : -1;  // < 0: liblinear's "no bias"

    SparseRows rows = ToSparse(in.train, bias);
    std::vector<double> y(in.labels.begin(), in.labels.end());
    ::problem prob{};
    prob.l = static_cast<int>(in.train.rows);
    prob.n = static_cast<int>(in.train.cols) + (bias >= 0 ? 1 : 0);
    prob.y = y.data();
    prob.x = rows.rows.data();
    prob.bias = bias;

    std::vector<int> weight_label;
    std::vector<double> weight;
    for (size_t c = 0; c < class_weights.size(); ++c) {
      if (std::isnan(class_weights[c])) continue;
      weight_label.push_back(static_cast<int>(c));
      weight.push_back(class_weights[c]);
    }
    ::parameter param{};
    param.solver_type = solver.type;
    param.eps = solver.tol;
    param.C = C;
    param.nr_weight = static_cast<int>(weight.size());
    param.weight_label = weight_label.empty() ? nullptr : weight_label.data();
    param.weight = weight.empty() ? nullptr : weight.data();
    param.p = 0;  // squared: the epsilon-insensitive zone of L2-loss SVR is empty (ridge)
    param.init_sol = nullptr;
    if (const char* error = check_parameter(&prob, &param)) {
      return InvalidArgumentError(fmt::format("liblinear: {}", error));
    }

    ModelPtr trained;
    try {
      std::unique_lock<std::mutex> lock(RandMutex(), std::defer_lock);
      if (UsesRand(solver.type)) {
        lock.lock();
        std::srand(1);
      }
      trained.reset(::train(&prob, &param));
    } catch (const std::bad_alloc&) {
      return InternalError("liblinear: out of memory while training");
    }
    if (!trained) return InternalError("liblinear: training produced no model");
    // train() copies `param` into the model, pointers included: ours die with this frame.
    trained->param.nr_weight = 0;
    trained->param.weight_label = nullptr;
    trained->param.weight = nullptr;
    trained->param.init_sol = nullptr;

    int nonzero = 0;
    const int nr_w =
        (trained->nr_class == 2 || !IsClassification(in.problem)) ? 1 : trained->nr_class;
    for (size_t i = 0; i < in.train.cols * static_cast<size_t>(nr_w); ++i)
      nonzero += trained->w[i] != 0;
    Json info = {{"solver", SolverName(solver.type)},
                 {"loss", solver.loss},
                 {"penalty", hp.value("penalty", "l2")},
                 {"tol", solver.tol},
                 {"classes_in_training", IsClassification(in.problem) ? trained->nr_class : 0},
                 {"features", in.train.cols},
                 {"nonzero_weights", nonzero},
                 {"class_weighted", !weight.empty()},
                 {"liblinear_version", liblinear_version}};
    STRATA_ASSIGN_OR_RETURN(
        std::unique_ptr<LinearModel> model,
        LinearModel::Make(std::move(trained), in.problem, in.num_classes, Json()));

    std::map<std::string, double> metrics;
    const bool probabilistic = solver.loss == "logistic";
    STRATA_ASSIGN_OR_RETURN(auto train_pred, model->Predict(in.train));
    AddMetrics("train-", in.problem, in.num_classes, probabilistic, train_pred, in.labels,
               &metrics);
    if (in.valid.rows > 0 && in.valid_labels.size() == in.valid.rows) {
      STRATA_ASSIGN_OR_RETURN(auto valid_pred, model->Predict(in.valid));
      AddMetrics("valid-", in.problem, in.num_classes, probabilistic, valid_pred, in.valid_labels,
                 &metrics);
    }
    for (const auto& [k, v] : metrics) info[k] = v;
    model->set_info(std::move(info));
    if (on_iteration)
      on_iteration(0, 1, metrics);  // see above: a false return is the caller's to act on
    return std::unique_ptr<Model>(std::move(model));
  }

  Result<std::unique_ptr<Model>> Load(const fs::path& dir, const Json& model_json) const override {
    RouteLiblinearOutput();
    STRATA_ASSIGN_OR_RETURN(Problem problem, ParseProblem(model_json.value("problem", "")));
    const int classes = model_json.contains("classes") && model_json["classes"].is_array()
                            ? static_cast<int>(model_json["classes"].size())
                            : 0;
    const fs::path path = dir / kModelFile;
    STRATA_ASSIGN_OR_RETURN(std::string text, core::ReadFile(path));
    STRATA_RETURN_IF_ERROR(CheckModelText(text));
    ModelPtr loaded(load_model(path.c_str()));
    if (!loaded)
      return InvalidArgumentError(fmt::format("liblinear could not load {}", path.string()));
    Json info = model_json.contains("training") ? model_json["training"] : Json::object();
    STRATA_ASSIGN_OR_RETURN(std::unique_ptr<LinearModel> model,
                            LinearModel::Make(std::move(loaded), problem,
                                              IsClassification(problem) ? classes : 0, info));
    return std::unique_ptr<Model>(std::move(model));
  }
};

}  // namespace

const Algorithm& LinearLearnerAlgorithm() {
  static const LinearLearner kAlgorithm;
  return kAlgorithm;
}

}  // namespace strata::ml
