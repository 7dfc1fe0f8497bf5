#include "platform/training.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "data/data.h"
#include "ml/ml.h"
#include "platform/importance.h"
#include "platform/model_service.h"

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
  STRATA_ASSIGN_OR_RETURN(std::string target, core::RequiredString(r, "target"));
  STRATA_ASSIGN_OR_RETURN(std::string algorithm, core::OptionalString(r, "algorithm", "xgboost"));
  STRATA_ASSIGN_OR_RETURN(const ml::Algorithm* algo, ml::RequireAlgorithm(algorithm));
  STRATA_ASSIGN_OR_RETURN(int64_t version, core::OptionalInt(r, "dataset_version", 0));
  STRATA_ASSIGN_OR_RETURN(Dataset dataset, datasets.Get(dataset_name, version > 0 ? std::optional<int64_t>(version)
                                                                                  : std::nullopt));
  if (dataset.schema.Find(target) < 0) {
    return InvalidArgumentError(fmt::format("target '{}' is not a column of dataset '{}'", target, dataset_name));
  }
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
  Json validation = {{"fraction", 0.2}, {"seed", 1}};
  if (r.contains("validation")) {
    const Json& v = r["validation"];
    if (!v.is_object()) return InvalidArgumentError("validation must be {\"fraction\": 0.2} or {\"dataset\": name}");
    if (v.contains("dataset")) {
      STRATA_ASSIGN_OR_RETURN(std::string vname, core::RequiredString(v, "dataset"));
      STRATA_ASSIGN_OR_RETURN(Dataset vd, datasets.Get(vname));
      if (vd.schema.Find(target) < 0) {
        return InvalidArgumentError(fmt::format("validation dataset '{}' has no column '{}'", vname, target));
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
  // The default name says what the model predicts from what: customers-churned.
  std::string default_model = dataset_name + "-" + target;
  for (char& c : default_model) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    if (!ok) c = '-';
  }
  STRATA_ASSIGN_OR_RETURN(std::string model, core::OptionalString(r, "model", default_model.substr(0, 128)));
  if (!core::IsValidName(model)) return InvalidArgumentError(fmt::format("model name '{}' is not valid", model));
  return Json{{"dataset", dataset_name}, {"dataset_version", dataset.version}, {"target", target},
              {"algorithm", algorithm},  {"hyperparameters", hp},                {"validation", validation},
              {"preprocessing", preprocessing}, {"model", model}, {"problem", problem},
              {"class_weight", class_weight}};
}

namespace {

Result<Json> RunTraining(jobs::JobContext& ctx) {
  auto started = std::chrono::steady_clock::now();
  const Json& p = ctx.job().params;
  DatasetService datasets(ctx.store());
  ModelService models(ctx.store());
  STRATA_ASSIGN_OR_RETURN(Dataset dataset, datasets.Get(p["dataset"], p["dataset_version"].get<int64_t>()));
  STRATA_ASSIGN_OR_RETURN(auto table, datasets.OpenTable(dataset));
  const std::string target = p["target"];
  int ti = table->schema().Find(target);
  if (ti < 0) return InvalidArgumentError(fmt::format("target '{}' is not a column", target));
  const data::ColumnView& tc = table->column(static_cast<size_t>(ti));
  Json hp = p["hyperparameters"];
  ctx.Progress(0, "reading data");

  STRATA_ASSIGN_OR_RETURN(const ml::Algorithm* algo, ml::RequireAlgorithm(p["algorithm"].get<std::string>()));

  // The problem and its classes: asked for, forced by a hyperparameter, or read from the target.
  std::set<std::string> distinct;
  for (int64_t r = 0; r < table->rows() && distinct.size() <= 1000; ++r) {
    if (tc.IsValid(r)) distinct.insert(TargetClass(tc, r));
  }
  std::optional<ml::Problem> asked = algo->ProblemFromHyperparameters(hp);
  if (const std::string name = p.value("problem", "auto"); name != "auto") {
    STRATA_ASSIGN_OR_RETURN(ml::Problem pr, ml::ParseProblem(name));
    asked = pr;
  }
  const bool classification = asked ? ml::IsClassification(*asked)
                                     : IsClassification(tc, static_cast<int64_t>(distinct.size()));
  std::vector<std::string> classes;
  ml::Problem problem = ml::Problem::kRegression;
  if (classification) {
    classes.assign(distinct.begin(), distinct.end());
    if (tc.type == data::ColumnType::kInt) {
      std::sort(classes.begin(), classes.end(), [](const auto& a, const auto& b) { return std::stoll(a) < std::stoll(b); });
    }
    if (classes.size() < 2) return InvalidArgumentError(fmt::format("target '{}' has fewer than two classes", target));
    if (classes.size() > 1000) return InvalidArgumentError(fmt::format("target '{}' has more than 1000 classes", target));
    problem = classes.size() == 2 ? ml::Problem::kBinaryClassification : ml::Problem::kMulticlassClassification;
    if (asked && *asked != problem) {
      return InvalidArgumentError(fmt::format("target '{}' has {} classes, so it is not {}", target, classes.size(),
                                              ml::ProblemName(*asked)));
    }
  } else if (tc.type == data::ColumnType::kCategory || tc.type == data::ColumnType::kText) {
    return InvalidArgumentError(fmt::format("regression needs a numeric target; '{}' is {}", target,
                                            data::ColumnTypeName(tc.type)));
  }
  const auto supported = algo->problems();
  if (std::find(supported.begin(), supported.end(), problem) == supported.end()) {
    return InvalidArgumentError(fmt::format("algorithm '{}' does not do {}", algo->name(), ml::ProblemName(problem)));
  }
  auto label_of = [&](const data::ColumnView& c, int64_t r) -> Result<float> {
    if (classification) {
      auto it = std::find(classes.begin(), classes.end(), TargetClass(c, r));
      if (it == classes.end()) return InvalidArgumentError(fmt::format("class '{}' was not seen in training", TargetClass(c, r)));
      return static_cast<float>(it - classes.begin());
    }
    STRATA_ASSIGN_OR_RETURN(double v, TargetValue(c, r));
    return static_cast<float>(v);
  };

  // Training and validation rows; rows without a target are left out.
  std::vector<int64_t> train_rows, valid_rows;
  std::shared_ptr<data::Table> valid_table = table;
  int64_t dropped = tc.nulls;
  if (p["validation"].contains("dataset")) {
    STRATA_ASSIGN_OR_RETURN(Dataset vd, datasets.Get(p["validation"]["dataset"], p["validation"]["version"].get<int64_t>()));
    STRATA_ASSIGN_OR_RETURN(valid_table, datasets.OpenTable(vd));
    for (int64_t r = 0; r < table->rows(); ++r) {
      if (tc.IsValid(r)) train_rows.push_back(r);
    }
    int vi = valid_table->schema().Find(target);
    if (vi < 0) return InvalidArgumentError("the validation dataset has no target column");
    for (int64_t r = 0; r < valid_table->rows(); ++r) {
      if (valid_table->column(static_cast<size_t>(vi)).IsValid(r)) valid_rows.push_back(r);
    }
  } else {
    double f = p["validation"]["fraction"];
    data::SplitSpec spec{{{"train", 1 - f}, {"valid", f}}, classification ? target : "", "",
                         p["validation"]["seed"].get<uint64_t>()};
    STRATA_ASSIGN_OR_RETURN(auto parts, data::SplitRows(*table, spec));
    for (int64_t r : parts[0]) {
      if (tc.IsValid(r)) train_rows.push_back(r);
    }
    for (int64_t r : parts[1]) {
      if (tc.IsValid(r)) valid_rows.push_back(r);
    }
  }
  if (train_rows.empty() || valid_rows.empty()) {
    return InvalidArgumentError(fmt::format("not enough labelled rows: {} for training, {} for validation",
                                            train_rows.size(), valid_rows.size()));
  }
  const data::ColumnView& vtc = valid_table->column(static_cast<size_t>(valid_table->schema().Find(target)));
  std::vector<float> y_train, y_valid;
  for (int64_t r : train_rows) {
    STRATA_ASSIGN_OR_RETURN(float y, label_of(tc, r));
    y_train.push_back(y);
  }
  for (int64_t r : valid_rows) {
    auto y = label_of(vtc, r);
    if (!y.ok()) return y.status().WithContext("validation data");
    y_valid.push_back(*y);
  }
  core::log::Info("{} rows for training, {} for validation, {} without a target; {}", train_rows.size(),
                  valid_rows.size(), dropped, ml::ProblemName(problem));

  // Preprocessing, fitted on the training rows only.
  STRATA_ASSIGN_OR_RETURN(data::RecipeOptions ropts, data::ParseRecipeOptions(p["preprocessing"]));
  STRATA_ASSIGN_OR_RETURN(data::Recipe recipe, data::Recipe::Fit(*table, train_rows, target, ropts));
  data::TransformNotes notes;
  STRATA_ASSIGN_OR_RETURN(auto x_train, recipe.TransformTable(*table, train_rows, &notes));
  STRATA_ASSIGN_OR_RETURN(auto x_valid, recipe.TransformTable(*valid_table, valid_rows, &notes));
  core::log::Info("preprocessing: {} columns -> {} features", recipe.steps().size(), recipe.num_features());

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
  size_t nf = recipe.num_features();
  ml::TrainInput in;
  in.problem = problem;
  in.num_classes = static_cast<int>(classes.size());
  in.hyperparameters = hp;
  in.train = {x_train.data(), train_rows.size(), nf};
  in.labels = y_train;
  in.valid = {x_valid.data(), valid_rows.size(), nf};
  in.valid_labels = y_valid;
  in.weights = weights;
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
  STRATA_ASSIGN_OR_RETURN(auto pred, model->Predict(in.valid));
  Json metrics;
  if (problem == ml::Problem::kBinaryClassification) {
    std::vector<int> labels(y_valid.begin(), y_valid.end());
    std::vector<double> scores(pred.begin(), pred.end());
    STRATA_ASSIGN_OR_RETURN(auto m, ml::EvaluateBinary(labels, scores));
    metrics = m.ToJson();
  } else if (problem == ml::Problem::kMulticlassClassification) {
    std::vector<int> labels(y_valid.begin(), y_valid.end());
    std::vector<double> probs(pred.begin(), pred.end());
    STRATA_ASSIGN_OR_RETURN(auto m, ml::EvaluateMulticlass(labels, probs, classes));
    metrics = m.ToJson();
  } else {
    std::vector<double> actual(y_valid.begin(), y_valid.end()), predicted(pred.begin(), pred.end());
    STRATA_ASSIGN_OR_RETURN(auto m, ml::EvaluateRegression(actual, predicted));
    metrics = m.ToJson();
  }
  const Json importance = ModelImportance(*model, recipe, in.valid, y_valid, problem, in.num_classes);
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
    if (c.name != target) input_schema.push_back({{"name", c.name}, {"type", data::ColumnTypeName(c.type)}});
  }
  Json model_json = {{"format", "strata-model"},
                     {"format_version", 1},
                     {"algorithm", mv.algorithm},
                     {"problem", mv.problem},
                     {"target", target},
                     {"classes", classes},
                     {"input_schema", input_schema},
                     {"recipe", recipe.ToJson()},
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
  Json result = {{"model", {{"name", mv.name}, {"version", mv.version}}}, {"metrics", mv.metrics},
                 {"training", model_info},
                 {"importance", importance},
                 {"rows", {{"training", train_rows.size()}, {"validation", valid_rows.size()}, {"without_target", dropped}}},
                 {"features", nf}};
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
