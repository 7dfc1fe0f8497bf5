#include "platform/evaluation.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <unordered_map>

#include <fmt/format.h>

#include "data/data.h"
#include "ml/ml.h"
#include "platform/evaluation_unsupervised.h"
#include "platform/explanation.h"
#include "platform/training.h"
#include "serve/serve.h"

namespace strata::platform {
namespace {

constexpr size_t kMaxNotes = 20;

}  // namespace

Json Histogram(const std::vector<double>& values, int bins) {
  double lo = INFINITY, hi = -INFINITY;
  for (double v : values) {
    if (std::isfinite(v)) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  if (!std::isfinite(lo)) return {{"edges", Json::array()}, {"counts", Json::array()}};
  if (hi <= lo) hi = lo + 1;
  std::vector<int64_t> counts(static_cast<size_t>(bins), 0);
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    int b = static_cast<int>((v - lo) / (hi - lo) * bins);
    ++counts[static_cast<size_t>(std::clamp(b, 0, bins - 1))];
  }
  Json edges = Json::array();
  for (int i = 0; i <= bins; ++i) edges.push_back(lo + (hi - lo) * i / bins);
  return {{"edges", edges}, {"counts", counts}};
}


Result<EvaluationOptions> ParseEvaluationOptions(const Json& r) {
  if (!r.is_object())
    return InvalidArgumentError("request body must be a JSON object: {\"dataset\": name}");
  EvaluationOptions o;
  STRATA_ASSIGN_OR_RETURN(o.dataset, core::RequiredString(r, "dataset"));
  STRATA_ASSIGN_OR_RETURN(o.dataset_version, core::OptionalInt(r, "dataset_version", 0));
  if (o.dataset_version < 0) {
    return InvalidArgumentError(
        fmt::format("dataset_version must be a positive integer, got {}", o.dataset_version));
  }
  STRATA_ASSIGN_OR_RETURN(int64_t explain_rows, core::OptionalInt(r, "explain_rows", 1000));
  if (explain_rows < 0 || explain_rows > 10000) {
    return InvalidArgumentError(
        fmt::format("explain_rows must be in [0, 10000], got {}", explain_rows));
  }
  o.explain_rows = static_cast<size_t>(explain_rows);
  if (r.contains("threshold") && !r["threshold"].is_null()) {
    STRATA_ASSIGN_OR_RETURN(double t, core::OptionalNumber(r, "threshold", 0.5));
    if (!(t >= 0 && t <= 1))
      return InvalidArgumentError(fmt::format("threshold must be in [0, 1], got {}", t));
    o.threshold = t;
  }
  return o;
}

Result<Json> EvaluateModelVersion(ModelService& models, DatasetService& datasets,
                                  const std::string& model, const std::string& version,
                                  const EvaluationOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  STRATA_ASSIGN_OR_RETURN(ModelVersion mv, models.Resolve(model, version));
  STRATA_ASSIGN_OR_RETURN(std::filesystem::path dir, models.VersionDir(mv));
  STRATA_ASSIGN_OR_RETURN(std::shared_ptr<const serve::Predictor> predictor, serve::Predictor::Load(dir));
  STRATA_ASSIGN_OR_RETURN(
      Dataset dataset,
      datasets.Get(options.dataset, options.dataset_version > 0
                                        ? std::optional<int64_t>(options.dataset_version)
                                        : std::nullopt));
  STRATA_ASSIGN_OR_RETURN(std::shared_ptr<data::Table> table, datasets.OpenTable(dataset));

  const ml::Problem problem = predictor->problem();
  if (!ml::IsSupervised(problem)) {
    if (options.threshold) {
      return InvalidArgumentError(fmt::format("threshold applies to binary classifiers only; model '{}' is {}",
                                              mv.name, ml::ProblemName(problem)));
    }
    Json out = {{"model",
                 {{"name", mv.name},
                  {"version", mv.version},
                  {"algorithm", mv.algorithm},
                  {"problem", std::string(ml::ProblemName(problem))},
                  {"target", predictor->model_json().value("target", "")}}},
                {"dataset", {{"name", dataset.name}, {"version", dataset.version}, {"rows", table->rows()}}}};
    STRATA_RETURN_IF_ERROR(EvaluateUnsupervised(*predictor, *table, options, &out));
    out["notes"] = Json::array();
    out["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return out;
  }
  const std::string target = predictor->model_json().value("target", mv.target);
  const int ti = table->schema().Find(target);
  if (ti < 0) {
    return InvalidArgumentError(
        fmt::format("dataset '{}' v{} has no column '{}', the target of model '{}'", dataset.name,
                    dataset.version, target, mv.name));
  }
  const data::ColumnView& tc = table->column(static_cast<size_t>(ti));
  const bool classification = ml::IsClassification(problem);
  if (!classification && tc.type != data::ColumnType::kInt && tc.type != data::ColumnType::kFloat &&
      tc.type != data::ColumnType::kBool) {
    return InvalidArgumentError(
        fmt::format("model '{}' is a regression model; the target '{}' of dataset '{}' is {}",
                    mv.name, target, dataset.name, data::ColumnTypeName(tc.type)));
  }
  if (options.threshold && problem != ml::Problem::kBinaryClassification) {
    return InvalidArgumentError(
        fmt::format("threshold applies to binary classifiers only; model '{}' is {}", mv.name,
                    ml::ProblemName(problem)));
  }
  const std::vector<std::string>& classes = predictor->classes();
  std::unordered_map<std::string, int> class_index;
  for (size_t c = 0; c < classes.size(); ++c) class_index[classes[c]] = static_cast<int>(c);
  const bool bool_classes = class_index.count("true") && class_index.count("false") &&
                            classes.size() == 2 && tc.type != data::ColumnType::kBool;

  // Labels and scores of every evaluated row; features only one chunk at a time.
  std::vector<int> labels;
  std::vector<double> scores, actual;
  std::map<std::string, int64_t> unseen;
  int64_t missing = 0, unseen_rows = 0;
  std::vector<std::string> notes;
  std::vector<int64_t> rows, evaluated_rows;
  const int64_t n = table->rows();
  const int64_t chunk = static_cast<int64_t>(std::max<size_t>(1, options.chunk_rows));
  for (int64_t start = 0; start < n; start += chunk) {
    rows.clear();
    for (int64_t r = start; r < std::min(n, start + chunk); ++r) {
      if (!tc.IsValid(r)) {
        ++missing;
        continue;
      }
      if (classification) {
        std::string label = TargetClass(tc, r);
        auto it = class_index.find(label);
        bool b = false;
        if (it == class_index.end() && bool_classes && data::ParseBool(label, &b)) {
          // "yes" in a column that reads as text here (it also holds "maybe") is the
          // class "true" of a model trained where the column read as bool.
          it = class_index.find(b ? "true" : "false");
        }
        if (it == class_index.end()) {
          ++unseen[label];
          ++unseen_rows;
          continue;
        }
        labels.push_back(it->second);
      } else {
        STRATA_ASSIGN_OR_RETURN(double y, TargetValue(tc, r));
        actual.push_back(y);
      }
      rows.push_back(r);
    }
    if (rows.empty()) continue;  // PredictTable reads every row for an empty list
    evaluated_rows.insert(evaluated_rows.end(), rows.begin(), rows.end());
    STRATA_ASSIGN_OR_RETURN(serve::Predictions p, predictor->PredictTable(*table, rows));
    scores.insert(scores.end(), p.values.begin(), p.values.end());
    for (auto& note : p.notes) {
      if (notes.size() < kMaxNotes && std::find(notes.begin(), notes.end(), note) == notes.end()) {
        notes.push_back(std::move(note));
      }
    }
  }

  const int64_t evaluated =
      classification ? static_cast<int64_t>(labels.size()) : static_cast<int64_t>(actual.size());
  if (evaluated == 0) {
    std::string why = fmt::format("{} of {} rows lack the target '{}'", missing, n, target);
    if (unseen_rows > 0) {
      std::string names;
      for (const auto& [c, count] : unseen)
        names += fmt::format("{}'{}'", names.empty() ? "" : ", ", c);
      why += fmt::format(", {} have classes the model was not trained on ({})", unseen_rows, names);
    }
    return InvalidArgumentError(fmt::format("no rows of dataset '{}' v{} to evaluate: {}",
                                            dataset.name, dataset.version, why));
  }

  Json out = {{"model",
               {{"name", mv.name},
                {"version", mv.version},
                {"algorithm", mv.algorithm},
                {"problem", std::string(ml::ProblemName(problem))},
                {"target", target}}},
              {"dataset", {{"name", dataset.name}, {"version", dataset.version}, {"rows", n}}},
              {"rows",
               {{"total", n},
                {"evaluated", evaluated},
                {"missing_target", missing},
                {"unseen_class", unseen_rows}}}};
  if (classification) {
    out["model"]["classes"] = classes;
    Json list = Json::array();
    for (const auto& [c, count] : unseen) list.push_back({{"class", c}, {"rows", count}});
    out["unseen_classes"] = list;
  }
  if (problem == ml::Problem::kBinaryClassification) {
    const double threshold = options.threshold.value_or(predictor->threshold());
    STRATA_ASSIGN_OR_RETURN(ml::BinaryMetrics m, ml::EvaluateBinary(labels, scores, threshold));
    m.classes = classes;
    out["threshold"] = threshold;
    out["metrics"] = m.ToJson();
  } else if (problem == ml::Problem::kMulticlassClassification) {
    STRATA_ASSIGN_OR_RETURN(ml::MulticlassMetrics m,
                            ml::EvaluateMulticlass(labels, scores, classes));
    out["metrics"] = m.ToJson();
  } else {
    STRATA_ASSIGN_OR_RETURN(ml::RegressionMetrics m, ml::EvaluateRegression(actual, scores));
    out["metrics"] = m.ToJson();
    // Every k-th row for the scatter plot: an even sample over the dataset's order.
    const size_t step =
        std::max<size_t>(1, (actual.size() + options.scatter_points - 1) / options.scatter_points);
    Json scatter = Json::array();
    std::vector<double> residuals(actual.size());
    for (size_t i = 0; i < actual.size(); ++i) {
      residuals[i] = actual[i] - scores[i];
      if (i % step == 0) scatter.push_back({actual[i], scores[i]});
    }
    out["charts"] = {{"scatter", scatter},
                     {"residual_histogram", Histogram(residuals, options.histogram_bins)}};
  }
  // Explanations on an even sample of the evaluated rows: SHAP and partial dependence
  // predict many times per row, so they get a bounded number of rows.
  std::vector<int64_t> sample;
  if (options.explain_rows > 0) {
    const size_t n = evaluated_rows.size(), k = std::min(n, options.explain_rows);
    for (size_t i = 0; i < k; ++i) sample.push_back(evaluated_rows[i * n / k]);
    out["explanations"] = EvaluationExplanations(*predictor, *table, sample);
  }
  out["notes"] = notes;
  out["seconds"] =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return out;
}

}  // namespace strata::platform
