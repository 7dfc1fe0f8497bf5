#include "platform/bias.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "ml/ml.h"
#include "platform/training.h"
#include "serve/serve.h"

namespace strata::platform {
namespace {

constexpr size_t kMaxLabels = 1000;
constexpr size_t kMaxNotes = 20;

// A field given as a string, number or boolean, as the text training names values by.
Result<std::optional<std::string>> OptionalText(const Json& r, const char* field) {
  if (!r.contains(field) || r[field].is_null()) return std::optional<std::string>();
  const Json& v = r[field];
  if (v.is_string()) return std::optional<std::string>(v.get<std::string>());
  if (v.is_boolean()) return std::optional<std::string>(v.get<bool>() ? "true" : "false");
  if (v.is_number_integer()) return std::optional<std::string>(v.dump());
  if (v.is_number_float()) return std::optional<std::string>(fmt::format("{}", v.get<double>()));
  return InvalidArgumentError(fmt::format("field '{}' must be a string, number or boolean, got {}",
                                          field, core::JsonTypeName(v)));
}

// "a, b, c" of at most `n` values, with "..." after.
std::string List(const std::vector<std::string>& values, size_t n = 20) {
  std::string out;
  for (size_t i = 0; i < values.size() && i < n; ++i)
    out += fmt::format("{}'{}'", i ? ", " : "", values[i]);
  if (values.size() > n) out += fmt::format(", ... ({} in all)", values.size());
  return out;
}

// Values sorted as people expect: numbers by value, everything else as text.
void SortValues(std::vector<std::string>& values, data::ColumnType type) {
  if (type == data::ColumnType::kInt) {
    std::sort(values.begin(), values.end(), [](const std::string& a, const std::string& b) {
      return std::stoll(a) < std::stoll(b);
    });
  } else {
    std::sort(values.begin(), values.end());
  }
}

// The facet groups and the label classes of a request, resolved against a table. The
// group and label of a row are found by the column's name, so that the validation
// table of a training job (another dataset) is read with the spec of the training one.
struct BiasSpec {
  enum class Mode { kEachValue, kOneValue, kThreshold };
  std::string facet, target;
  Mode mode = Mode::kEachValue;
  std::vector<std::string>
      groups;  // group names; kOneValue: {value, rest}; kThreshold: {"> t", "<= t"}
  std::unordered_map<std::string, int> group_index;
  double threshold = 0;
  std::vector<std::string> labels;
  std::unordered_map<std::string, int> label_index;
  size_t positive = 0;

  // -1 when the facet is null (or a value this spec does not know).
  int GroupOf(const data::ColumnView& c, int64_t row) const {
    if (!c.IsValid(row)) return -1;
    if (mode == Mode::kThreshold) {
      const double v =
          c.type == data::ColumnType::kInt ? static_cast<double>(c.ints[row]) : c.floats[row];
      return v > threshold ? 0 : 1;
    }
    const std::string key = TargetClass(c, row);
    if (mode == Mode::kOneValue) return key == groups[0] ? 0 : 1;
    auto it = group_index.find(key);
    return it == group_index.end() ? -1 : it->second;
  }
  int LabelOf(const data::ColumnView& c, int64_t row) const {
    if (!c.IsValid(row)) return -1;
    auto it = label_index.find(TargetClass(c, row));
    return it == label_index.end() ? -1 : it->second;
  }
  // The groups reported as d: every value, or the one of interest.
  std::vector<size_t> Reported() const {
    if (mode != Mode::kEachValue) return {0};
    std::vector<size_t> all(groups.size());
    for (size_t g = 0; g < all.size(); ++g) all[g] = g;
    return all;
  }
  // What a report says about its groups and labels.
  Json ToJson() const {
    Json j = {
        {"facet", facet}, {"target", target}, {"positive", labels[positive]}, {"labels", labels}};
    if (mode == Mode::kOneValue) j["facet_value"] = groups[0];
    if (mode == Mode::kThreshold) j["facet_threshold"] = threshold;
    return j;
  }
};

Status ResolveLabels(const data::ColumnView& tc, int64_t rows, const BiasOptions& o,
                     const std::string& where, BiasSpec* s) {
  if (tc.type == data::ColumnType::kFloat || tc.type == data::ColumnType::kTimestamp) {
    return InvalidArgumentError(fmt::format(
        "target '{}' of {} is {}: bias metrics need class labels (bool, int, category or text)",
        tc.name, where, data::ColumnTypeName(tc.type)));
  }
  std::set<std::string> distinct;
  if (tc.type == data::ColumnType::kBool) distinct = {"false", "true"};
  for (int64_t r = 0; r < rows && distinct.size() <= kMaxLabels; ++r) {
    if (tc.IsValid(r)) distinct.insert(TargetClass(tc, r));
  }
  if (distinct.empty())
    return InvalidArgumentError(fmt::format("target '{}' of {} has no values", tc.name, where));
  if (distinct.size() > kMaxLabels) {
    return InvalidArgumentError(
        fmt::format("target '{}' of {} has more than {} distinct values: bias metrics need "
                    "class labels",
                    tc.name, where, kMaxLabels));
  }
  const bool zero_one = std::all_of(distinct.begin(), distinct.end(),
                                    [](const auto& v) { return v == "0" || v == "1"; });
  if (zero_one && tc.type == data::ColumnType::kInt) distinct = {"0", "1"};
  s->labels.assign(distinct.begin(), distinct.end());
  SortValues(s->labels, tc.type);
  for (size_t i = 0; i < s->labels.size(); ++i) s->label_index[s->labels[i]] = static_cast<int>(i);

  std::string positive;
  if (o.positive) {
    positive = *o.positive;
    bool b = false;
    if (tc.type == data::ColumnType::kBool) {
      if (!data::ParseBool(positive, &b)) {
        return InvalidArgumentError(
            fmt::format("positive '{}' is not a boolean, and target '{}' of {} is bool", positive,
                        tc.name, where));
      }
      positive = b ? "true" : "false";
    }
    if (!s->label_index.count(positive)) {
      return InvalidArgumentError(
          fmt::format("positive class '{}' is not a value of target '{}' of {} (values: {})",
                      positive, tc.name, where, List(s->labels)));
    }
  } else if (tc.type == data::ColumnType::kBool) {
    positive = "true";
  } else if (zero_one && tc.type == data::ColumnType::kInt) {
    positive = "1";
  } else {
    return InvalidArgumentError(fmt::format(
        "which class of target '{}' is positive? Name it with \"positive\" (values of {}: {})",
        tc.name, where, List(s->labels)));
  }
  s->positive = static_cast<size_t>(s->label_index[positive]);
  return Status::Ok();
}

Status ResolveGroups(const data::ColumnView& fc, int64_t rows, const BiasOptions& o,
                     const std::string& where, BiasSpec* s) {
  const bool numeric = fc.type == data::ColumnType::kInt || fc.type == data::ColumnType::kFloat;
  if (fc.type == data::ColumnType::kTimestamp) {
    return InvalidArgumentError(fmt::format(
        "facet '{}' of {} is a timestamp: bias groups need bool, category, text or numeric values",
        fc.name, where));
  }
  if (o.facet_threshold) {
    if (!numeric) {
      return InvalidArgumentError(
          fmt::format("facet_threshold needs a numeric facet; '{}' of {} is {}", fc.name, where,
                      data::ColumnTypeName(fc.type)));
    }
    if (o.facet_value) return InvalidArgumentError("give facet_value or facet_threshold, not both");
    s->mode = BiasSpec::Mode::kThreshold;
    s->threshold = *o.facet_threshold;
    s->groups = {fmt::format("> {}", s->threshold), fmt::format("<= {}", s->threshold)};
    int64_t above = 0, below = 0;
    for (int64_t r = 0; r < rows; ++r) {
      const int g = s->GroupOf(fc, r);
      above += g == 0;
      below += g == 1;
    }
    if (above == 0 || below == 0) {
      return InvalidArgumentError(
          fmt::format("facet_threshold {} puts every value of facet '{}' of {} on one side "
                      "({} above, {} at or below)",
                      s->threshold, fc.name, where, above, below));
    }
    return Status::Ok();
  }
  if (fc.type == data::ColumnType::kFloat) {
    return InvalidArgumentError(
        fmt::format("facet '{}' of {} is float: give facet_threshold to split it into two groups "
                    "(> t and <= t)",
                    fc.name, where));
  }
  std::set<std::string> distinct;
  std::string wanted;
  bool found = false;
  if (o.facet_value) {
    wanted = *o.facet_value;
    bool b = false;
    if (fc.type == data::ColumnType::kBool && data::ParseBool(wanted, &b))
      wanted = b ? "true" : "false";
  }
  for (int64_t r = 0; r < rows && !found; ++r) {
    if (!fc.IsValid(r)) continue;
    std::string v = TargetClass(fc, r);
    found = o.facet_value && v == wanted;
    if (distinct.size() <= std::max<size_t>(kMaxFacetGroups, 20)) distinct.insert(std::move(v));
  }
  std::vector<std::string> values(distinct.begin(), distinct.end());
  SortValues(values, fc.type);
  if (o.facet_value) {
    if (!found) {
      return InvalidArgumentError(fmt::format("facet '{}' of {} has no value '{}' (values: {})",
                                              fc.name, where, wanted, List(values)));
    }
    s->mode = BiasSpec::Mode::kOneValue;
    s->groups = {wanted, fmt::format("not {}", wanted)};
    return Status::Ok();
  }
  if (values.size() > kMaxFacetGroups) {
    return InvalidArgumentError(fmt::format(
        "facet '{}' of {} has more than {} distinct values: name one with facet_value{}", fc.name,
        where, kMaxFacetGroups, numeric ? ", or split it with facet_threshold" : ""));
  }
  if (values.size() < 2) {
    return InvalidArgumentError(
        fmt::format("facet '{}' of {} has {}: there are no groups to compare", fc.name, where,
                    values.empty() ? "no values" : "one value only, '" + values[0] + "'"));
  }
  s->mode = BiasSpec::Mode::kEachValue;
  s->groups = values;
  for (size_t g = 0; g < values.size(); ++g) s->group_index[values[g]] = static_cast<int>(g);
  return Status::Ok();
}

// Resolves `o` against `table`; `where` names the table in messages ("dataset 'x' v2").
Result<BiasSpec> ResolveBiasSpec(const data::Table& table, const std::string& target,
                                 const BiasOptions& o, const std::string& where) {
  BiasSpec s;
  s.facet = o.facet;
  s.target = target;
  const int fi = table.schema().Find(o.facet);
  if (fi < 0)
    return InvalidArgumentError(fmt::format("facet '{}' is not a column of {}", o.facet, where));
  if (o.facet == target) {
    return InvalidArgumentError(
        fmt::format("facet '{}' is the target: choose another column of {}", o.facet, where));
  }
  const int ti = table.schema().Find(target);
  if (ti < 0)
    return InvalidArgumentError(fmt::format("target '{}' is not a column of {}", target, where));
  STRATA_RETURN_IF_ERROR(
      ResolveLabels(table.column(static_cast<size_t>(ti)), table.rows(), o, where, &s));
  STRATA_RETURN_IF_ERROR(
      ResolveGroups(table.column(static_cast<size_t>(fi)), table.rows(), o, where, &s));
  return s;
}

// The rows that count (facet and label both known), with their group and label.
struct CountedRows {
  std::vector<size_t> pos;  // index into the row list given (or the row number)
  std::vector<int> group, label;
  int64_t total = 0, missing_facet = 0, missing_target = 0, unknown = 0;

  Json ToJson() const {
    Json j = {{"total", total},
              {"counted", static_cast<int64_t>(pos.size())},
              {"missing_facet", missing_facet},
              {"missing_target", missing_target}};
    if (unknown > 0) j["unknown_value"] = unknown;  // a value the spec's table did not have
    return j;
  }
};

// `rows`: the rows to read, or null for all of them.
Result<CountedRows> CountRows(const BiasSpec& s, const data::Table& table,
                              const std::vector<int64_t>* rows, const std::string& where) {
  const int fi = table.schema().Find(s.facet), ti = table.schema().Find(s.target);
  if (fi < 0)
    return InvalidArgumentError(fmt::format("facet '{}' is not a column of {}", s.facet, where));
  if (ti < 0)
    return InvalidArgumentError(fmt::format("target '{}' is not a column of {}", s.target, where));
  const data::ColumnView& fc = table.column(static_cast<size_t>(fi));
  const data::ColumnView& tc = table.column(static_cast<size_t>(ti));
  CountedRows c;
  const size_t n = rows ? rows->size() : static_cast<size_t>(table.rows());
  c.total = static_cast<int64_t>(n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t r = rows ? (*rows)[i] : static_cast<int64_t>(i);
    if (!fc.IsValid(r)) {
      ++c.missing_facet;
      continue;
    }
    if (!tc.IsValid(r)) {
      ++c.missing_target;
      continue;
    }
    const int g = s.GroupOf(fc, r), l = s.LabelOf(tc, r);
    if (g < 0 || l < 0) {
      ++c.unknown;
      continue;
    }
    c.pos.push_back(i);
    c.group.push_back(g);
    c.label.push_back(l);
  }
  return c;
}

Json Entry(const BiasSpec& s, size_t d, const Json& metrics) {
  Json e = {{"facet_value", s.groups[d]}};
  for (const auto& [k, v] : metrics.items()) e[k] = v;
  return e;
}

Json PreTrainingJson(const BiasSpec& s, const CountedRows& c) {
  std::vector<ml::GroupTally> groups(s.groups.size(), ml::GroupTally(s.labels.size()));
  for (size_t i = 0; i < c.pos.size(); ++i) {
    groups[static_cast<size_t>(c.group[i])].AddLabel(static_cast<size_t>(c.label[i]));
  }
  Json out = Json::array();
  for (size_t d : s.Reported()) {
    ml::PreTrainingBias b =
        ml::ComputePreTrainingBias(groups[d], ml::RestOf(groups, d), s.positive, s.labels);
    out.push_back(Entry(s, d, b.ToJson(s.labels)));
  }
  return out;
}

// predicted[i]: whether counted row i is predicted positive.
Json PostTrainingJson(const BiasSpec& s, const CountedRows& c,
                      const std::vector<uint8_t>& predicted) {
  std::vector<ml::GroupTally> groups(s.groups.size(), ml::GroupTally(s.labels.size()));
  for (size_t i = 0; i < c.pos.size(); ++i) {
    groups[static_cast<size_t>(c.group[i])].AddPrediction(
        static_cast<size_t>(c.label[i]) == s.positive, predicted[i] != 0);
  }
  Json out = Json::array();
  for (size_t d : s.Reported()) {
    out.push_back(
        Entry(s, d, ml::ComputePostTrainingBias(groups[d], ml::RestOf(groups, d)).ToJson()));
  }
  return out;
}

// The index of the positive class among a model's classes. A model trained where the
// column read as bool names its classes "false"/"true" even if this dataset spells them
// "no"/"yes" (as evaluation allows).
Result<int> ModelPositiveClass(const std::vector<std::string>& classes, const std::string& positive,
                               const std::string& model) {
  auto it = std::find(classes.begin(), classes.end(), positive);
  bool b = false;
  if (it == classes.end() && data::ParseBool(positive, &b)) {
    it = std::find(classes.begin(), classes.end(), b ? "true" : "false");
  }
  if (it == classes.end()) {
    return InvalidArgumentError(
        fmt::format("model '{}' does not predict the positive class '{}' (its classes: {})", model,
                    positive, List(classes)));
  }
  return static_cast<int>(it - classes.begin());
}

}  // namespace

Json BiasOptions::ToJson() const {
  Json j = {{"facet", facet}};
  if (positive) j["positive"] = *positive;
  if (facet_value) j["facet_value"] = *facet_value;
  if (facet_threshold) j["facet_threshold"] = *facet_threshold;
  return j;
}

Result<std::optional<BiasOptions>> ParseBiasOptions(const Json& r) {
  if (!r.is_object()) return InvalidArgumentError("request body must be a JSON object");
  BiasOptions o;
  STRATA_ASSIGN_OR_RETURN(o.positive, OptionalText(r, "positive"));
  STRATA_ASSIGN_OR_RETURN(o.facet_value, OptionalText(r, "facet_value"));
  if (r.contains("facet_threshold") && !r["facet_threshold"].is_null()) {
    if (!r["facet_threshold"].is_number() || !std::isfinite(r["facet_threshold"].get<double>())) {
      return InvalidArgumentError(fmt::format("field 'facet_threshold' must be a number, got {}",
                                              core::JsonTypeName(r["facet_threshold"])));
    }
    o.facet_threshold = r["facet_threshold"].get<double>();
  }
  if (!r.contains("facet") || r["facet"].is_null()) {
    for (const char* f : {"positive", "facet_value", "facet_threshold"}) {
      if (r.contains(f) && !r[f].is_null()) {
        return InvalidArgumentError(
            fmt::format("field '{}' needs 'facet', the column whose groups to compare", f));
      }
    }
    return std::optional<BiasOptions>();
  }
  STRATA_ASSIGN_OR_RETURN(o.facet, core::RequiredString(r, "facet"));
  if (o.facet.empty()) return InvalidArgumentError("field 'facet' must name a column");
  if (o.facet_value && o.facet_threshold)
    return InvalidArgumentError("give facet_value or facet_threshold, not both");
  return std::optional<BiasOptions>(std::move(o));
}

Result<BiasRequest> ParseBiasRequest(const Json& r) {
  if (!r.is_object()) return InvalidArgumentError("request body must be a JSON object");
  BiasRequest q;
  STRATA_ASSIGN_OR_RETURN(q.dataset, core::RequiredString(r, "dataset"));
  STRATA_ASSIGN_OR_RETURN(q.dataset_version, core::OptionalInt(r, "dataset_version", 0));
  if (q.dataset_version < 0) {
    return InvalidArgumentError(
        fmt::format("dataset_version must be a positive integer, got {}", q.dataset_version));
  }
  STRATA_ASSIGN_OR_RETURN(q.target, core::OptionalString(r, "target", ""));
  STRATA_ASSIGN_OR_RETURN(q.model, core::OptionalString(r, "model", ""));
  if (r.contains("version") && !r["version"].is_null()) {
    if (q.model.empty()) return InvalidArgumentError("field 'version' needs 'model'");
    STRATA_ASSIGN_OR_RETURN(std::optional<std::string> v, OptionalText(r, "version"));
    q.version = *v;
  }
  if (q.target.empty() && q.model.empty()) {
    return InvalidArgumentError("field 'target' is required (or 'model', whose target is used)");
  }
  STRATA_ASSIGN_OR_RETURN(std::optional<BiasOptions> o, ParseBiasOptions(r));
  if (!o)
    return InvalidArgumentError("field 'facet' is required: the column whose groups to compare");
  q.options = std::move(*o);
  return q;
}

Result<Json> ComputeBiasReport(ModelService& models, DatasetService& datasets,
                               const BiasRequest& q) {
  const auto started = std::chrono::steady_clock::now();
  std::shared_ptr<const serve::Predictor> predictor;
  ModelVersion mv;
  std::string target = q.target;
  if (!q.model.empty()) {
    STRATA_ASSIGN_OR_RETURN(mv, models.Resolve(q.model, q.version));
    STRATA_ASSIGN_OR_RETURN(std::filesystem::path dir, models.VersionDir(mv));
    STRATA_ASSIGN_OR_RETURN(predictor, serve::Predictor::Load(dir));
    if (!ml::IsClassification(predictor->problem())) {
      return InvalidArgumentError(
          fmt::format("model '{}' v{} is {}: post-training bias metrics need a classifier", mv.name,
                      mv.version, ml::ProblemName(predictor->problem())));
    }
    const std::string model_target = predictor->model_json().value("target", mv.target);
    if (target.empty()) target = model_target;
    if (target != model_target) {
      return InvalidArgumentError(fmt::format("model '{}' v{} predicts '{}', not the target '{}'",
                                              mv.name, mv.version, model_target, target));
    }
  }
  STRATA_ASSIGN_OR_RETURN(
      Dataset dataset,
      datasets.Get(q.dataset, q.dataset_version > 0 ? std::optional<int64_t>(q.dataset_version)
                                                    : std::nullopt));
  STRATA_ASSIGN_OR_RETURN(std::shared_ptr<data::Table> table, datasets.OpenTable(dataset));
  const std::string where = fmt::format("dataset '{}' v{}", dataset.name, dataset.version);
  STRATA_ASSIGN_OR_RETURN(BiasSpec spec, ResolveBiasSpec(*table, target, q.options, where));
  STRATA_ASSIGN_OR_RETURN(CountedRows counted, CountRows(spec, *table, nullptr, where));
  if (counted.pos.empty()) {
    return InvalidArgumentError(fmt::format("no row of {} has both facet '{}' and target '{}'",
                                            where, spec.facet, spec.target));
  }

  Json out = {
      {"dataset", {{"name", dataset.name}, {"version", dataset.version}, {"rows", table->rows()}}}};
  const Json about = spec.ToJson();
  for (const auto& [k, v] : about.items()) out[k] = v;
  std::vector<std::string> notes;
  std::vector<uint8_t> predicted;  // per counted row: predicted positive
  if (predictor) {
    STRATA_ASSIGN_OR_RETURN(int positive, ModelPositiveClass(predictor->classes(),
                                                             spec.labels[spec.positive], mv.name));
    out["model"] = {{"name", mv.name},
                    {"version", mv.version},
                    {"algorithm", mv.algorithm},
                    {"classes", predictor->classes()}};
    // Predicted a chunk at a time: the feature matrix never holds more than one chunk.
    predicted.assign(counted.pos.size(), 0);
    const size_t chunk = std::max<size_t>(1, q.chunk_rows);
    std::vector<int64_t> rows;
    for (size_t start = 0; start < counted.pos.size(); start += chunk) {
      const size_t end = std::min(counted.pos.size(), start + chunk);
      rows.assign(counted.pos.begin() + static_cast<std::ptrdiff_t>(start),
                  counted.pos.begin() + static_cast<std::ptrdiff_t>(end));
      STRATA_ASSIGN_OR_RETURN(serve::Predictions p, predictor->PredictTable(*table, rows));
      for (size_t i = start; i < end; ++i)
        predicted[i] = predictor->PredictedClass(p, i - start) == positive;
      for (auto& note : p.notes) {
        if (notes.size() < kMaxNotes &&
            std::find(notes.begin(), notes.end(), note) == notes.end()) {
          notes.push_back(std::move(note));
        }
      }
    }
  }
  out["rows"] = counted.ToJson();
  out["pre_training"] = PreTrainingJson(spec, counted);
  if (predictor) out["post_training"] = PostTrainingJson(spec, counted, predicted);
  out["notes"] = notes;
  out["seconds"] =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return out;
}

Result<Json> PrepareTrainingBias(DatasetService& datasets, const Dataset& dataset,
                                 const std::string& target, const Json& request) {
  STRATA_ASSIGN_OR_RETURN(std::optional<BiasOptions> o, ParseBiasOptions(request));
  if (!o) return Json(nullptr);
  if (target.empty()) {
    return InvalidArgumentError(
        "field 'facet' needs a 'target': bias metrics compare the labels of the facet's groups");
  }
  STRATA_ASSIGN_OR_RETURN(std::shared_ptr<data::Table> table, datasets.OpenTable(dataset));
  STRATA_RETURN_IF_ERROR(
      ResolveBiasSpec(*table, target, *o,
                      fmt::format("dataset '{}' v{}", dataset.name, dataset.version))
          .status());
  return o->ToJson();
}

Result<Json> TrainingBias(const Json& params, const data::Table& train,
                          const std::vector<int64_t>& train_rows, const data::Table& valid,
                          const std::vector<int64_t>& valid_rows,
                          const std::vector<std::string>& classes,
                          std::span<const float> predictions) {
  if (!params.contains("bias") || params["bias"].is_null()) return Json(nullptr);
  STRATA_ASSIGN_OR_RETURN(std::optional<BiasOptions> o, ParseBiasOptions(params["bias"]));
  if (!o) return Json(nullptr);
  const std::string target = params["target"].get<std::string>();
  STRATA_ASSIGN_OR_RETURN(BiasSpec spec, ResolveBiasSpec(train, target, *o, "the training data"));
  STRATA_ASSIGN_OR_RETURN(CountedRows counted,
                          CountRows(spec, train, &train_rows, "the training data"));
  Json out = spec.ToJson();
  out["rows"] = {{"training", counted.ToJson()}};
  out["pre_training"] = PreTrainingJson(spec, counted);
  std::vector<std::string> notes;
  auto finish = [&]() {
    out["notes"] = notes;
    return out;
  };
  if (classes.empty()) {
    notes.push_back("no post-training metrics: the model is not a classifier");
    return finish();
  }
  auto valid_counted = CountRows(spec, valid, &valid_rows, "the validation data");
  if (!valid_counted.ok()) {
    notes.push_back(fmt::format("no post-training metrics: {}", valid_counted.status().message()));
    return finish();
  }
  const size_t per_row = valid_rows.empty() ? 1 : predictions.size() / valid_rows.size();
  auto it = std::find(classes.begin(), classes.end(), spec.labels[spec.positive]);
  if (it == classes.end() || per_row == 0) {
    notes.push_back(
        fmt::format("no post-training metrics: the model does not predict the positive class '{}'",
                    spec.labels[spec.positive]));
    return finish();
  }
  const auto positive = static_cast<size_t>(it - classes.begin());
  // The predicted class as Predictor::PredictedClass finds it for a new model: a binary
  // model's probability of class 1 at the default threshold 0.5, else the argmax.
  std::vector<uint8_t> predicted(valid_counted->pos.size(), 0);
  for (size_t i = 0; i < predicted.size(); ++i) {
    const float* v = predictions.data() + valid_counted->pos[i] * per_row;
    const size_t cls = per_row == 1 ? (v[0] >= 0.5f ? 1 : 0)
                                    : static_cast<size_t>(std::max_element(v, v + per_row) - v);
    predicted[i] = cls == positive;
  }
  core::log::Info("bias of facet '{}': pre-training on {} training rows, post-training on {} validation rows",
                  spec.facet, counted.pos.size(), valid_counted->pos.size());
  out["rows"]["validation"] = valid_counted->ToJson();
  out["post_training"] = PostTrainingJson(spec, *valid_counted, predicted);
  return finish();
}

}  // namespace strata::platform
