#include "platform/explanation.h"

#include <algorithm>

#include <fmt/format.h>

#include "platform/importance.h"
#include "platform/training.h"

namespace strata::platform {
namespace {

constexpr size_t kMaxNotes = 20;

Json ModelJson(const ModelVersion& mv, const serve::Predictor& p) {
  Json out = {{"name", mv.name},
              {"version", mv.version},
              {"algorithm", mv.algorithm},
              {"problem", std::string(ml::ProblemName(p.problem()))},
              {"target", p.model_json().value("target", mv.target)}};
  if (ml::IsClassification(p.problem())) out["classes"] = p.classes();
  return out;
}

// Columns ranked for partial dependence: by the SHAP summary when there is one, else by
// the model's stored importance (permutation first).
std::vector<std::string> RankColumns(const Json& explanations) {
  const Json* values = nullptr;
  if (explanations.contains("shap_summary")) {
    values = &explanations["shap_summary"]["values"];
  } else if (explanations.contains("importance")) {
    const Json& imp = explanations["importance"];
    for (const char* kind : {"permutation", "gain", "coefficients"}) {
      if (imp.contains(kind) && imp[kind].contains("values")) {
        values = &imp[kind]["values"];
        break;
      }
    }
  }
  std::vector<std::pair<double, std::string>> ranked;
  if (values && values->is_object()) {
    for (const auto& [column, v] : values->items()) {
      if (v.is_number()) ranked.emplace_back(v.get<double>(), column);
    }
  }
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<std::string> out;
  for (auto& [v, c] : ranked) out.push_back(std::move(c));
  return out;
}

}  // namespace

Result<ExplainOptions> ParseExplainOptions(const Json& r) {
  if (!r.is_object()) {
    return InvalidArgumentError(
        "request body must be a JSON object: {\"rows\": [...]} or {\"dataset\": name}");
  }
  ExplainOptions o;
  const bool has_rows = r.contains("rows"), has_dataset = r.contains("dataset");
  if (has_rows == has_dataset) {
    return InvalidArgumentError(
        "give either 'rows' (a list of rows) or 'dataset' (a dataset name), not both");
  }
  if (has_rows) {
    if (!r["rows"].is_array()) {
      return InvalidArgumentError(fmt::format("field 'rows' must be a list of rows, got {}",
                                              core::JsonTypeName(r["rows"])));
    }
    if (r["rows"].size() > static_cast<size_t>(kMaxExplainRows)) {
      return InvalidArgumentError(
          fmt::format("at most {} rows per request, got {}", kMaxExplainRows, r["rows"].size()));
    }
    o.rows = r["rows"];
    return o;
  }
  STRATA_ASSIGN_OR_RETURN(o.dataset, core::RequiredString(r, "dataset"));
  STRATA_ASSIGN_OR_RETURN(o.dataset_version, core::OptionalInt(r, "dataset_version", 0));
  STRATA_ASSIGN_OR_RETURN(o.offset, core::OptionalInt(r, "offset", 0));
  STRATA_ASSIGN_OR_RETURN(o.limit, core::OptionalInt(r, "limit", 100));
  if (o.dataset_version < 0) {
    return InvalidArgumentError(
        fmt::format("dataset_version must be a positive integer, got {}", o.dataset_version));
  }
  if (o.offset < 0)
    return InvalidArgumentError(fmt::format("offset must be >= 0, got {}", o.offset));
  if (o.limit < 1 || o.limit > kMaxExplainRows) {
    return InvalidArgumentError(
        fmt::format("limit must be in [1, {}], got {}", kMaxExplainRows, o.limit));
  }
  return o;
}

Result<Json> ExplainModelVersion(ModelService& models, DatasetService& datasets,
                                 const std::string& model, const std::string& version,
                                 const ExplainOptions& o) {
  STRATA_ASSIGN_OR_RETURN(ModelVersion mv, models.Resolve(model, version));
  STRATA_ASSIGN_OR_RETURN(std::filesystem::path dir, models.VersionDir(mv));
  STRATA_ASSIGN_OR_RETURN(std::shared_ptr<const serve::Predictor> predictor,
                          serve::Predictor::Load(dir));
  serve::Features features;
  Json dataset_json, actual = Json::array();
  if (o.dataset.empty()) {
    STRATA_ASSIGN_OR_RETURN(features, predictor->FeaturesJson(o.rows));
  } else {
    STRATA_ASSIGN_OR_RETURN(
        Dataset dataset,
        datasets.Get(o.dataset, o.dataset_version > 0 ? std::optional<int64_t>(o.dataset_version)
                                                      : std::nullopt));
    STRATA_ASSIGN_OR_RETURN(std::shared_ptr<data::Table> table, datasets.OpenTable(dataset));
    std::vector<int64_t> rows;
    for (int64_t r = o.offset; r < table->rows() && r < o.offset + o.limit; ++r) rows.push_back(r);
    if (rows.empty()) {
      return InvalidArgumentError(fmt::format("dataset '{}' v{} has {} rows: none from offset {}",
                                              dataset.name, dataset.version, table->rows(),
                                              o.offset));
    }
    STRATA_ASSIGN_OR_RETURN(features, predictor->FeaturesTable(*table, rows));
    dataset_json = {{"name", dataset.name},
                    {"version", dataset.version},
                    {"offset", o.offset},
                    {"rows", rows.size()}};
    // The actual target next to each explained prediction, when the dataset has it.
    const int ti = table->schema().Find(predictor->model_json().value("target", mv.target));
    for (int64_t r : rows) {
      if (ti < 0) break;
      const data::ColumnView& tc = table->column(static_cast<size_t>(ti));
      if (!tc.IsValid(r)) {
        actual.push_back(nullptr);
      } else if (ml::IsClassification(predictor->problem())) {
        actual.push_back(TargetClass(tc, r));
      } else {
        auto v = TargetValue(tc, r);
        actual.push_back(v.ok() ? Json(*v) : Json(nullptr));
      }
    }
  }
  STRATA_ASSIGN_OR_RETURN(serve::Explanation e, serve::Explain(*predictor, features));
  Json out = {{"model", ModelJson(mv, *predictor)}};
  if (!dataset_json.is_null()) out["dataset"] = dataset_json;
  out.update(serve::ExplanationJson(*predictor, e));
  if (actual.size() == out["rows"].size()) {
    for (size_t i = 0; i < actual.size(); ++i) out["rows"][i]["actual"] = actual[i];
  }
  std::vector<std::string> notes(
      features.notes.begin(), features.notes.begin() + std::min(features.notes.size(), kMaxNotes));
  out["notes"] = notes;
  return out;
}

Json EvaluationExplanations(const serve::Predictor& predictor, const data::Table& table,
                            const std::vector<int64_t>& rows, int top_columns) {
  Json out = Json::object();
  Json notes = Json::array();
  const Json& mj = predictor.model_json();
  if (mj.contains("importance") && mj["importance"].is_object()) {
    out["importance"] = mj["importance"];
  } else {
    notes.push_back(
        "importance: the model version has none (trained before Strata recorded it, or imported)");
  }
  if (rows.empty()) {
    out["notes"] = notes;
    return out;
  }
  auto features = predictor.FeaturesTable(table, rows);
  if (!features.ok()) {
    notes.push_back(fmt::format("explanations: {}", features.status().message()));
    out["notes"] = notes;
    return out;
  }
  auto e = serve::Explain(predictor, *features);
  if (e.ok()) {
    const std::vector<double> mean_abs = serve::MeanAbsContributions(*e);
    Json values = Json::object();
    for (size_t i = 0; i < e->columns.size(); ++i) values[e->columns[i]] = mean_abs[i];
    out["shap_summary"] = {
        {"method", e->method},
        {"link", e->link},
        {"rows", e->rows},
        {"description", "mean |contribution| to the margin per column" +
                            std::string(e->groups.size() > 1 ? ", summed over classes" : "")},
        {"values", values}};
  } else {
    notes.push_back(fmt::format("SHAP summary: {}", e.status().message()));
  }
  Json pd = Json::array();
  for (const std::string& column : RankColumns(out)) {
    if (static_cast<int>(pd.size()) >= top_columns) break;
    auto p = serve::ComputePartialDependence(predictor, table, rows, column);
    if (p.ok()) pd.push_back(p->ToJson());
  }
  out["partial_dependence"] = pd;
  out["partial_dependence_rows"] = rows.size();
  if (!notes.empty()) out["notes"] = notes;
  return out;
}

}  // namespace strata::platform
