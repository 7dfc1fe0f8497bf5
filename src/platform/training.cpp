#include "platform/training.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <functional>
#include <set>

#include <fmt/format.h>

#include "data/data.h"
#include "ml/ml.h"
#include "platform/bias.h"
#include "platform/importance.h"
#include "platform/model_service.h"
#include "platform/training_inputs.h"

namespace strata::platform {
namespace {

bool IsClassification(const data::ColumnView& target, int64_t distinct) {
  return target.type == data::ColumnType::kBool || target.type == data::ColumnType::kCategory ||
         target.type == data::ColumnType::kText || (target.type == data::ColumnType::kInt && distinct <= 20);
}

}  // namespace

std::string TargetClass(const data::ColumnView& c, int64_t row) {
  switch (c.type) {
    case data::ColumnType::kBool: return c.bools[row] ? "true" : "false";
    case data::ColumnType::kInt: return std::to_string(c.ints[row]);
    case data::ColumnType::kFloat: {
      // 1.0 names the same class as the int 1 of another dataset version.
      double v = c.floats[row];
      if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<int64_t>(v));
      return fmt::format("{}", v);
    }
    case data::ColumnType::kCategory:
    case data::ColumnType::kText: return std::string(c.Text(row));
    default: return "";
  }
}

Result<int> AnomalyLabel(const data::ColumnView& c, int64_t row) {
  double v = -1;
  if (c.type == data::ColumnType::kBool) v = c.bools[row];
  if (c.type == data::ColumnType::kInt) v = static_cast<double>(c.ints[row]);
  if (c.type == data::ColumnType::kFloat) v = c.floats[row];
  if (v != 0 && v != 1) {
    return InvalidArgumentError(fmt::format(
        "label column '{}' of anomaly detection must be bool or 0/1 (1 = anomaly); row {} has '{}'", c.name, row + 1,
        TargetClass(c, row)));
  }
  return static_cast<int>(v);
}

Result<double> TargetValue(const data::ColumnView& c, int64_t row) {
  switch (c.type) {
    case data::ColumnType::kInt: return static_cast<double>(c.ints[row]);
    case data::ColumnType::kFloat: return c.floats[row];
    case data::ColumnType::kBool: return static_cast<double>(c.bools[row]);
    default: return InvalidArgumentError(fmt::format("target '{}' is not numeric", c.name));
  }
}

Json AlgorithmsJson() {
  Json out = Json::array();
  for (const ml::Algorithm* a : ml::Algorithms()) out.push_back(a->ToJson());
  return out;
}

Result<Json> PrepareTrainingParams(DatasetService& datasets, const Json& r) {
  if (!r.is_object()) return InvalidArgumentError("request body must be a JSON object");
  STRATA_ASSIGN_OR_RETURN(std::string dataset_name, core::RequiredString(r, "dataset"));
  STRATA_ASSIGN_OR_RETURN(std::string algorithm, core::OptionalString(r, "algorithm", "xgboost"));
  STRATA_ASSIGN_OR_RETURN(const ml::Algorithm* algo, ml::RequireAlgorithm(algorithm));
  // Supervised algorithms need a target; of the unsupervised ones only anomaly
  // detection takes one, as labels to evaluate against.
  std::string target;
  if (algo->supervised()) {
    STRATA_ASSIGN_OR_RETURN(target, core::RequiredString(r, "target"));
  } else {
    STRATA_ASSIGN_OR_RETURN(target, core::OptionalString(r, "target", ""));
    const ml::Problem only = algo->problems().front();
    if (!target.empty() && only != ml::Problem::kAnomalyDetection) {
      return InvalidArgumentError(fmt::format(
          "algorithm '{}' does {}: it learns without a target, so 'target' must not be given{}", algorithm,
          ml::ProblemName(only),
          algo->input_kind() == ml::InputKind::kText ? "" : " (to leave a column out, list it in preprocessing.drop)"));
    }
  }
  STRATA_ASSIGN_OR_RETURN(int64_t version, core::OptionalInt(r, "dataset_version", 0));
  STRATA_ASSIGN_OR_RETURN(Dataset dataset, datasets.Get(dataset_name, version > 0 ? std::optional<int64_t>(version)
                                                                                  : std::nullopt));
  if (!target.empty() && dataset.schema.Find(target) < 0) {
    return InvalidArgumentError(fmt::format("target '{}' is not a column of dataset '{}'", target, dataset_name));
  }
  STRATA_ASSIGN_OR_RETURN(std::string text_column, TextColumnOf(*algo, r, dataset.schema, target, dataset_name));
  STRATA_ASSIGN_OR_RETURN(Json bias, PrepareTrainingBias(datasets, dataset, target, r));
  STRATA_ASSIGN_OR_RETURN(Json hp, ml::ValidateHyperparameters(algo->hyperparameters(),
                                                              r.contains("hyperparameters") ? r["hyperparameters"] : Json()));
  // The problem type: forced by the request or a hyperparameter, else from the target.
  STRATA_ASSIGN_OR_RETURN(std::string problem, core::OptionalString(r, "problem", "auto"));
  if (problem != "auto") {
    STRATA_ASSIGN_OR_RETURN(ml::Problem p, ml::ParseProblem(problem));
    const auto supported = algo->problems();
    if (std::find(supported.begin(), supported.end(), p) == supported.end()) {
      return InvalidArgumentError(fmt::format("algorithm '{}' does not do {}", algorithm, problem));
    }
    if (auto forced = algo->ProblemFromHyperparameters(hp); forced && *forced != p) {
      return InvalidArgumentError(fmt::format("problem '{}' contradicts the hyperparameters (they ask for {})",
                                              problem, ml::ProblemName(*forced)));
    }
  }
  {
    std::optional<ml::Problem> known = algo->ProblemFromHyperparameters(hp);
    if (problem != "auto") {
      STRATA_ASSIGN_OR_RETURN(ml::Problem p, ml::ParseProblem(problem));
      known = p;
    }
    STRATA_RETURN_IF_ERROR(algo->CheckHyperparameters(hp, known));
  }
  STRATA_ASSIGN_OR_RETURN(std::string class_weight, core::OptionalString(r, "class_weight", "none"));
  if (class_weight != "none" && class_weight != "balanced") {
    return InvalidArgumentError(fmt::format("class_weight must be none or balanced, got '{}'", class_weight));
  }
  if (class_weight == "balanced" && !algo->takes_weights()) {
    return InvalidArgumentError(fmt::format("algorithm '{}' takes no class weights: give class_weight none", algorithm));
  }
  Json validation = {{"fraction", 0.2}, {"seed", 1}};
  if (r.contains("validation")) {
    const Json& v = r["validation"];
    if (!v.is_object()) return InvalidArgumentError("validation must be {\"fraction\": 0.2} or {\"dataset\": name}");
    if (v.contains("dataset")) {
      STRATA_ASSIGN_OR_RETURN(std::string vname, core::RequiredString(v, "dataset"));
      STRATA_ASSIGN_OR_RETURN(Dataset vd, datasets.Get(vname));
      for (const std::string& column : {target, text_column}) {
        if (!column.empty() && vd.schema.Find(column) < 0) {
          return InvalidArgumentError(fmt::format("validation dataset '{}' has no column '{}'", vname, column));
        }
      }
      validation = {{"dataset", vname}, {"version", vd.version}};
    } else {
      STRATA_ASSIGN_OR_RETURN(double fraction, core::OptionalNumber(v, "fraction", 0.2));
      STRATA_ASSIGN_OR_RETURN(int64_t seed, core::OptionalInt(v, "seed", 1));
      if (!(fraction > 0 && fraction <= 0.9)) {
        return InvalidArgumentError(fmt::format("validation.fraction must be in (0, 0.9], got {}", fraction));
      }
      validation = {{"fraction", fraction}, {"seed", seed}};
    }
  }
  Json preprocessing = r.contains("preprocessing") ? r["preprocessing"] : Json::object();
  if (!preprocessing.is_object()) return InvalidArgumentError("preprocessing must be a JSON object");
  // Linear models need features on one scale; trees do not care.
  if (algo->wants_scaled_features() && !preprocessing.contains("scale")) preprocessing["scale"] = "standard";
  STRATA_RETURN_IF_ERROR(data::ParseRecipeOptions(preprocessing).status());
  // The default name says what the model predicts from what: customers-churned (or
  // customers-kmeans for a model without a target).
  std::string default_model = fmt::format("{}-{}", dataset_name, target.empty() ? algorithm : target);
  for (char& c : default_model) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    if (!ok) c = '-';
  }
  STRATA_ASSIGN_OR_RETURN(std::string model, core::OptionalString(r, "model", default_model.substr(0, 128)));
  if (!core::IsValidName(model)) return InvalidArgumentError(fmt::format("model name '{}' is not valid", model));
  Json params = {{"dataset", dataset_name}, {"dataset_version", dataset.version}, {"target", target},
                 {"algorithm", algorithm},  {"hyperparameters", hp},                {"validation", validation},
                 {"preprocessing", preprocessing}, {"model", model}, {"problem", problem},
                 {"class_weight", class_weight}, {"bias", bias}};
  if (!text_column.empty()) params["text_column"] = text_column;
  return params;
}

namespace {

// What the target column means to training: the problem, the classes and each row's
// label (class index, value, or anomaly 0/1).
struct Labels {
  ml::Problem problem = ml::Problem::kRegression;
  std::vector<std::string> classes;
  std::function<Result<float>(const data::ColumnView&, int64_t)> of;
};

Result<Labels> ResolveLabels(const ml::Algorithm& algo, const Json& p, const Json& hp, const data::Table& table,
                             const data::ColumnView* tc) {
  Labels out;
  if (!algo.supervised()) {
    out.problem = algo.problems().front();
    out.of = [](const data::ColumnView& c, int64_t r) -> Result<float> {
      STRATA_ASSIGN_OR_RETURN(int y, AnomalyLabel(c, r));
      return static_cast<float>(y);
    };
    return out;
  }
  const data::ColumnView& c = *tc;
  // The problem and its classes: asked for, forced by a hyperparameter, or read from the target.
  std::set<std::string> distinct;
  for (int64_t r = 0; r < table.rows() && distinct.size() <= 1000; ++r) {
    if (c.IsValid(r)) distinct.insert(TargetClass(c, r));
  }
  std::optional<ml::Problem> asked = algo.ProblemFromHyperparameters(hp);
  if (const std::string name = p.value("problem", "auto"); name != "auto") {
    STRATA_ASSIGN_OR_RETURN(ml::Problem pr, ml::ParseProblem(name));
    asked = pr;
  }
  const bool classification = asked ? ml::IsClassification(*asked)
                                     : IsClassification(c, static_cast<int64_t>(distinct.size()));
  if (classification) {
    out.classes.assign(distinct.begin(), distinct.end());
    if (c.type == data::ColumnType::kInt) {
      std::sort(out.classes.begin(), out.classes.end(),
                [](const auto& a, const auto& b) { return std::stoll(a) < std::stoll(b); });
    }
    if (out.classes.size() < 2) return InvalidArgumentError(fmt::format("target '{}' has fewer than two classes", c.name));
    if (out.classes.size() > 1000) {
      return InvalidArgumentError(fmt::format("target '{}' has more than 1000 classes", c.name));
    }
    out.problem = out.classes.size() == 2 ? ml::Problem::kBinaryClassification : ml::Problem::kMulticlassClassification;
    if (asked && *asked != out.problem) {
      return InvalidArgumentError(fmt::format("target '{}' has {} classes, so it is not {}", c.name,
                                              out.classes.size(), ml::ProblemName(*asked)));
    }
    out.of = [classes = out.classes](const data::ColumnView& col, int64_t r) -> Result<float> {
      auto it = std::find(classes.begin(), classes.end(), TargetClass(col, r));
      if (it == classes.end()) {
        return InvalidArgumentError(fmt::format("class '{}' was not seen in training", TargetClass(col, r)));
      }
      return static_cast<float>(it - classes.begin());
    };
  } else {
    if (c.type == data::ColumnType::kCategory || c.type == data::ColumnType::kText) {
      return InvalidArgumentError(fmt::format("regression needs a numeric target; '{}' is {}", c.name,
                                              data::ColumnTypeName(c.type)));
    }
    out.problem = ml::Problem::kRegression;
    out.of = [](const data::ColumnView& col, int64_t r) -> Result<float> {
      STRATA_ASSIGN_OR_RETURN(double v, TargetValue(col, r));
      return static_cast<float>(v);
    };
  }
  const auto supported = algo.problems();
  if (std::find(supported.begin(), supported.end(), out.problem) == supported.end()) {
    return InvalidArgumentError(fmt::format("algorithm '{}' does not do {}", algo.name(), ml::ProblemName(out.problem)));
  }
  return out;
}

// The validation metrics of a trained model, by problem.
Result<Json> ValidationMetrics(const Labels& labels, const ml::Model& model, const Json& model_info, ml::Matrix valid,
                               const std::vector<float>& y_valid, const std::vector<float>& pred) {
  switch (labels.problem) {
    case ml::Problem::kBinaryClassification: {
      std::vector<int> y(y_valid.begin(), y_valid.end());
      STRATA_ASSIGN_OR_RETURN(auto m, ml::EvaluateBinary(y, std::vector<double>(pred.begin(), pred.end())));
      return m.ToJson();
    }
    case ml::Problem::kMulticlassClassification: {
      std::vector<int> y(y_valid.begin(), y_valid.end());
      STRATA_ASSIGN_OR_RETURN(
          auto m, ml::EvaluateMulticlass(y, std::vector<double>(pred.begin(), pred.end()), labels.classes));
      return m.ToJson();
    }
    case ml::Problem::kRegression: {
      std::vector<double> actual(y_valid.begin(), y_valid.end()), predicted(pred.begin(), pred.end());
      STRATA_ASSIGN_OR_RETURN(auto m, ml::EvaluateRegression(actual, predicted));
      return m.ToJson();
    }
    case ml::Problem::kClustering: {
      const int k = model_info.value("clusters", 0);
      STRATA_ASSIGN_OR_RETURN(auto m, ml::EvaluateClustering(valid, pred, k));
      return m.ToJson();
    }
    case ml::Problem::kAnomalyDetection: {
      std::vector<int> y(y_valid.begin(), y_valid.end());
      STRATA_ASSIGN_OR_RETURN(auto m, ml::EvaluateAnomaly(pred, y));
      return m.ToJson();
    }
    case ml::Problem::kDimensionalityReduction: {
      const auto k = static_cast<size_t>(model.outputs_per_row());
      STRATA_ASSIGN_OR_RETURN(auto m, ml::EvaluateProjection(valid, {pred.data(), valid.rows, k}));
      return m.ToJson();
    }
    case ml::Problem::kEmbedding: {
      const auto d = static_cast<size_t>(model.outputs_per_row());
      STRATA_ASSIGN_OR_RETURN(auto m, ml::EvaluateEmbedding({pred.data(), d > 0 ? pred.size() / d : 0, d}));
      return m.ToJson();
    }
  }
  return InternalError("unknown problem type");
}

Result<Json> RunTraining(jobs::JobContext& ctx) {
  auto started = std::chrono::steady_clock::now();
  const Json& p = ctx.job().params;
  DatasetService datasets(ctx.store());
  ModelService models(ctx.store());
  STRATA_ASSIGN_OR_RETURN(Dataset dataset, datasets.Get(p["dataset"], p["dataset_version"].get<int64_t>()));
  STRATA_ASSIGN_OR_RETURN(auto table, datasets.OpenTable(dataset));
  // Empty for unsupervised algorithms; for anomaly detection, optional labels.
  const std::string target = p.value("target", "");
  const data::ColumnView* tc = nullptr;
  if (!target.empty()) {
    const int ti = table->schema().Find(target);
    if (ti < 0) return InvalidArgumentError(fmt::format("target '{}' is not a column", target));
    tc = &table->column(static_cast<size_t>(ti));
  }
  Json hp = p["hyperparameters"];
  ctx.Progress(0, "reading data");

  STRATA_ASSIGN_OR_RETURN(const ml::Algorithm* algo, ml::RequireAlgorithm(p["algorithm"].get<std::string>()));
  STRATA_ASSIGN_OR_RETURN(Labels labels, ResolveLabels(*algo, p, hp, *table, tc));
  const ml::Problem problem = labels.problem;
  const std::vector<std::string>& classes = labels.classes;
  const bool classification = ml::IsClassification(problem);
  const bool supervised = ml::IsSupervised(problem);

  // Training and validation rows. Supervised training leaves out rows without a
  // target; unsupervised training uses every row and evaluates on the labelled ones.
  std::vector<int64_t> train_rows, valid_rows;
  std::shared_ptr<data::Table> valid_table = table;
  const int64_t dropped = supervised ? tc->nulls : 0;
  auto labelled = [](const data::ColumnView* c, int64_t r) { return c == nullptr || c->IsValid(r); };
  const data::ColumnView* vtc = tc;
  if (p["validation"].contains("dataset")) {
    STRATA_ASSIGN_OR_RETURN(Dataset vd, datasets.Get(p["validation"]["dataset"], p["validation"]["version"].get<int64_t>()));
    STRATA_ASSIGN_OR_RETURN(valid_table, datasets.OpenTable(vd));
    for (int64_t r = 0; r < table->rows(); ++r) {
      if (!supervised || labelled(tc, r)) train_rows.push_back(r);
    }
    if (!target.empty()) {
      const int vi = valid_table->schema().Find(target);
      if (vi < 0) return InvalidArgumentError("the validation dataset has no target column");
      vtc = &valid_table->column(static_cast<size_t>(vi));
    }
    for (int64_t r = 0; r < valid_table->rows(); ++r) {
      if (labelled(vtc, r)) valid_rows.push_back(r);
    }
  } else {
    double f = p["validation"]["fraction"];
    data::SplitSpec spec{{{"train", 1 - f}, {"valid", f}}, classification ? target : "", "",
                         p["validation"]["seed"].get<uint64_t>()};
    STRATA_ASSIGN_OR_RETURN(auto parts, data::SplitRows(*table, spec));
    for (int64_t r : parts[0]) {
      if (!supervised || labelled(tc, r)) train_rows.push_back(r);
    }
    for (int64_t r : parts[1]) {
      if (labelled(tc, r)) valid_rows.push_back(r);
    }
  }
  if (train_rows.empty() || valid_rows.empty()) {
    return InvalidArgumentError(fmt::format("not enough {}rows: {} for training, {} for validation",
                                            supervised ? "labelled " : "", train_rows.size(), valid_rows.size()));
  }
  std::vector<float> y_train, y_valid;
  if (supervised) {
    for (int64_t r : train_rows) {
      STRATA_ASSIGN_OR_RETURN(float y, labels.of(*tc, r));
      y_train.push_back(y);
    }
  }
  if (vtc != nullptr) {
    for (int64_t r : valid_rows) {
      auto y = labels.of(*vtc, r);
      if (!y.ok()) return y.status().WithContext("validation data");
      y_valid.push_back(*y);
    }
  }
  core::log::Info("{} rows for training, {} for validation, {} without a target; {}", train_rows.size(),
                  valid_rows.size(), dropped, ml::ProblemName(problem));

  // The features of the preprocessing recipe, or a text algorithm's text column.
  STRATA_ASSIGN_OR_RETURN(ModelInputs inputs,
                          PrepareModelInputs(*algo, p, *table, train_rows, *valid_table, valid_rows));
  const data::TransformNotes& notes = inputs.notes;

  // Balanced class weights: each class weighs as much as the others in total.
  std::vector<float> weights;
  if (classification && p.value("class_weight", "none") == "balanced") {
    std::vector<double> count(classes.size(), 0);
    for (float y : y_train) count[static_cast<size_t>(y)] += 1;
    for (float y : y_train) {
      weights.push_back(static_cast<float>(y_train.size() / (classes.size() * count[static_cast<size_t>(y)])));
    }
  }

  // Training, reporting each iteration (boosting round, epoch).
  const size_t nf = inputs.num_features();
  ml::TrainInput in;
  in.problem = problem;
  in.num_classes = static_cast<int>(classes.size());
  in.hyperparameters = hp;
  inputs.Fill(&in);
  in.labels = y_train;
  if (supervised) in.valid_labels = y_valid;
  in.weights = weights;
  STRATA_ASSIGN_OR_RETURN(in.work_dir, ctx.store().objects->LocalPath("jobs/" + ctx.job().id + "/training"));
  struct RemoveWorkDir {
    std::filesystem::path dir;
    ~RemoveWorkDir() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } remove_work_dir{in.work_dir};
  bool stopped = false;
  int iterations = 0;
  STRATA_ASSIGN_OR_RETURN(
      std::unique_ptr<ml::Model> model,
      algo->Train(in, [&](int r, int total, const std::map<std::string, double>& m) {
        std::string line = fmt::format("{} {}/{}:", algo->iteration_name(), r + 1, total);
        for (const auto& [k, v] : m) line += fmt::format(" {}={:.6f}", k, v);
        core::log::Info("{}", line);
        ctx.Progress(0.05 + 0.9 * (r + 1) / std::max(1, total), line);
        iterations = r + 1;
        if (ctx.StopRequested()) stopped = true;
        return !stopped;
      }));
  if (stopped) return Json{{"stopped_at_iteration", iterations}};
  const Json model_info = model->Info();
  core::log::Info("trained: {}", model_info.dump());

  // Evaluation on the validation rows.
  STRATA_ASSIGN_OR_RETURN(auto pred, inputs.PredictValid(*model));
  STRATA_ASSIGN_OR_RETURN(Json metrics, ValidationMetrics(labels, *model, model_info, in.valid, y_valid, pred));
  STRATA_ASSIGN_OR_RETURN(Json bias, TrainingBias(p, *table, train_rows, *valid_table, valid_rows, classes, pred));
  // Text models read raw text, not columns: there is no per-column importance.
  const Json importance = inputs.recipe ? ModelImportance(*model, *inputs.recipe, in.valid, y_valid, problem,
                                                          in.num_classes)
                                        : Json::object();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  // The model version: model.json with everything needed to predict again, and
  // XGBoost's own model file.
  ModelVersion mv;
  mv.name = p["model"];
  mv.algorithm = p["algorithm"];
  mv.problem = std::string(ml::ProblemName(problem));
  mv.target = target;
  mv.dataset = fmt::format("{}@{}", dataset.name, dataset.version);
  mv.job = ctx.job().name;
  mv.hyperparameters = hp;
  mv.metrics = metrics;
  mv.metrics.erase("roc_curve");  // curves stay in model.json; the catalog keeps the numbers
  mv.metrics.erase("pr_curve");
  mv.training_seconds = seconds;
  mv.program_version = fmt::format("{} ({})", core::Version(), core::GitCommit());
  STRATA_ASSIGN_OR_RETURN(std::filesystem::path staging, models.StagingDir(mv.name));
  Json input_schema = Json::array();
  for (const auto& c : table->schema().columns) {
    // A text model's only input is its text column.
    const bool input = c.name != target && (inputs.text_column.empty() || c.name == inputs.text_column);
    if (input) input_schema.push_back({{"name", c.name}, {"type", data::ColumnTypeName(c.type)}});
  }
  Json model_json = {{"format", "strata-model"},
                     {"format_version", 1},
                     {"algorithm", mv.algorithm},
                     {"problem", mv.problem},
                     {"target", target},
                     {"classes", classes},
                     {"input_schema", input_schema},
                     {"hyperparameters", hp},
                     {"training", model_info},
                     {"class_weight", p.value("class_weight", "none")},
                     {"metrics", metrics},
                     {"importance", importance},
                     {"lineage", {{"dataset", dataset.name}, {"dataset_version", dataset.version}, {"job", mv.job},
                                  {"program", mv.program_version}}},
                     {"training_rows", train_rows.size()},
                     {"validation_rows", valid_rows.size()},
                     {"training_seconds", seconds}};
  inputs.Describe(&model_json);
  if (!bias.is_null()) model_json["bias"] = bias;
  std::error_code ec;
  std::filesystem::create_directories(staging, ec);
  auto payload = model->Save(staging);
  Status written = payload.status();
  if (written.ok()) {
    model_json["payload"] = *payload;
    written = core::WriteFileAtomic(staging / "model.json", model_json.dump(2));
  }
  if (!written.ok()) {
    std::filesystem::remove_all(staging, ec);
    return written;
  }
  STRATA_RETURN_IF_ERROR(models.Register(staging, &mv));
  core::log::Info("registered model {} v{}", mv.name, mv.version);
  ctx.Progress(1, fmt::format("registered model {} v{}", mv.name, mv.version));
  Json result = {{"model", {{"name", mv.name}, {"version", mv.version}}}, {"problem", mv.problem}, {"metrics", mv.metrics},
                 {"training", model_info},
                 {"importance", importance},
                 {"rows", {{"training", train_rows.size()}, {"validation", valid_rows.size()}, {"without_target", dropped}}},
                 {"features", nf}};
  if (!inputs.text_column.empty()) result["text_column"] = inputs.text_column;
  if (!bias.is_null()) result["bias"] = bias;
  if (!notes.empty()) result["preprocessing_notes"] = Json(std::vector<std::string>(notes.begin(), notes.begin() + std::min<size_t>(notes.size(), 20)));
  return result;
}

}  // namespace

jobs::JobType TrainingJobType() {
  return {"training", "trains a model on a dataset (POST /api/v1/training-jobs)",
          [](const Json& params) -> Status {
            for (const char* k : {"dataset", "target", "algorithm", "hyperparameters", "validation", "model"}) {
              if (!params.contains(k)) {
                return InvalidArgumentError(fmt::format("training params lack '{}': submit through /api/v1/training-jobs", k));
              }
            }
            return Status::Ok();
          },
          RunTraining};
}

}  // namespace strata::platform
