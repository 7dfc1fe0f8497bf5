#include "serve/predictor.h"

#include <algorithm>
#include <iterator>
#include <set>
#include <string_view>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace strata::serve {

Result<std::shared_ptr<const Predictor>> Predictor::Load(const std::filesystem::path& dir) {
  STRATA_ASSIGN_OR_RETURN(std::string text, core::ReadFile(dir / "model.json"));
  STRATA_ASSIGN_OR_RETURN(Json mj, core::ParseJson(text, (dir / "model.json").string()));
  std::shared_ptr<Predictor> p(new Predictor());
  const auto bad = [&](std::string_view what) {
    return InvalidArgumentError(fmt::format("{}: {}", (dir / "model.json").string(), what));
  };
  if (!mj.is_object() || mj.value("format", "") != "strata-model") return bad("not a Strata model (format)");
  STRATA_ASSIGN_OR_RETURN(const ml::Algorithm* algo, ml::RequireAlgorithm(mj.value("algorithm", "")));
  STRATA_ASSIGN_OR_RETURN(p->problem_, ml::ParseProblem(mj.value("problem", "")));
  if (mj.contains("classes") && mj["classes"].is_array()) {
    for (const auto& c : mj["classes"]) {
      if (!c.is_string()) return bad("classes must be strings");
      p->classes_.push_back(c.get<std::string>());
    }
  }
  if (ml::IsClassification(p->problem_) && p->classes_.size() < 2) return bad("a classifier needs two classes");
  if (mj.contains("input_schema") && mj["input_schema"].is_array()) {
    for (const auto& c : mj["input_schema"]) p->input_columns_.push_back(c.value("name", ""));
  }
  p->known_columns_.insert(p->input_columns_.begin(), p->input_columns_.end());
  if (mj.contains("threshold") && mj["threshold"].is_number()) p->threshold_ = mj["threshold"].get<double>();
  if (const Json info = mj.value("training", Json::object()); info.is_object() && info.contains("top_k")) {
    if (!info["top_k"].is_number_integer() || info["top_k"].get<int>() < 0) return bad("training.top_k must be a count");
    p->top_k_ = info["top_k"].get<int>();
  }
  if (algo->input_kind() == ml::InputKind::kText) {
    if (!mj.contains("text_column") || !mj["text_column"].is_string() || mj["text_column"].get<std::string>().empty()) {
      return bad("a text model must name its text_column");
    }
    p->text_column_ = mj["text_column"].get<std::string>();
  } else {
    if (!mj.contains("recipe")) return bad("the preprocessing recipe is missing");
    STRATA_ASSIGN_OR_RETURN(p->recipe_, data::Recipe::FromJson(mj["recipe"]));
  }
  STRATA_ASSIGN_OR_RETURN(p->model_, algo->Load(dir, mj));
  p->model_json_ = std::move(mj);
  return std::shared_ptr<const Predictor>(std::move(p));
}

Result<Predictions> Predictor::PredictFeatures(const Features& f) const {
  Predictions out;
  out.rows = f.rows;
  out.notes = f.notes;
  out.per_row = model_->outputs_per_row();
  if (f.rows == 0) return out;
  STRATA_ASSIGN_OR_RETURN(out.values, model_->Predict(f.matrix()));
  return Checked(std::move(out));
}

Result<Predictions> Predictor::PredictText(const std::vector<std::string>& texts, data::TransformNotes notes) const {
  Predictions out;
  out.rows = texts.size();
  out.notes = std::move(notes);
  out.per_row = model_->outputs_per_row();
  if (texts.empty()) return out;
  STRATA_ASSIGN_OR_RETURN(out.values, model_->PredictText(texts));
  return Checked(std::move(out));
}

Result<Predictions> Predictor::Checked(Predictions out) const {
  if (out.values.size() != out.rows * static_cast<size_t>(out.per_row)) {
    return InternalError(fmt::format("the model gave {} values for {} rows", out.values.size(), out.rows));
  }
  return out;
}

bool Predictor::InSchemaOrder(const Json& row) const {
  const Json::object_t& object = row.get_ref<const Json::object_t&>();
  if (object.size() != input_columns_.size()) return false;
  for (size_t c = 0; c < object.size(); ++c) {
    if ((object.begin() + static_cast<ptrdiff_t>(c))->first != input_columns_[c]) return false;
  }
  return true;
}

Status Predictor::RowObjects(const Json& instances, Json* converted, data::TransformNotes* notes) const {
  if (!instances.is_array()) {
    return InvalidArgumentError("instances must be a list of rows: objects {column: value} or lists in schema order");
  }
  // Rows that are all objects are used as they are: a copy of the JSON rows cost about
  // as much as the rest of a one-row prediction.
  const bool any_list = std::any_of(instances.begin(), instances.end(), [](const Json& r) { return r.is_array(); });
  if (any_list) *converted = Json::array();
  for (size_t i = 0; i < instances.size(); ++i) {
    const Json& r = instances[i];
    if (r.is_array()) {
      if (r.size() != input_columns_.size()) {
        return InvalidArgumentError(fmt::format("row {}: expected {} values in schema order ({}), got {}", i,
                                                input_columns_.size(), fmt::join(input_columns_, ", "), r.size()));
      }
      Json obj = Json::object();
      for (size_t c = 0; c < r.size(); ++c) obj[input_columns_[c]] = r[c];
      converted->push_back(std::move(obj));
      continue;
    }
    if (r.is_object() && !known_columns_.empty() && !InSchemaOrder(r)) {
      for (const auto& [k, v] : r.items()) {
        if (!known_columns_.count(k)) {
          notes->push_back(fmt::format("row {}: column '{}' is not an input of the model: ignored", i, k));
        }
      }
    }
    if (any_list) converted->push_back(r);
  }
  return Status::Ok();
}

Result<Features> Predictor::FeaturesJson(const Json& instances) const {
  if (!text_column_.empty()) {
    return InvalidArgumentError(fmt::format("the model reads the text of column '{}', not features", text_column_));
  }
  Features out;
  Json converted;
  STRATA_RETURN_IF_ERROR(RowObjects(instances, &converted, &out.notes));
  const Json& rows = converted.is_null() ? instances : converted;
  STRATA_ASSIGN_OR_RETURN(out.values, recipe_.TransformJson(rows, &out.notes));
  out.rows = rows.size();
  out.cols = recipe_.num_features();
  return out;
}

Result<Features> Predictor::FeaturesTable(const data::Table& table, const std::vector<int64_t>& rows) const {
  if (!text_column_.empty()) {
    return InvalidArgumentError(fmt::format("the model reads the text of column '{}', not features", text_column_));
  }
  // The recipe transforms the rows it is given, so "all rows" is spelled out here (this
  // used to hand the model a matrix of table.rows() rows backed by no data).
  std::vector<int64_t> all;
  if (rows.empty()) {
    all.resize(static_cast<size_t>(table.rows()));
    for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int64_t>(i);
  }
  const std::vector<int64_t>& which = rows.empty() ? all : rows;
  Features out;
  STRATA_ASSIGN_OR_RETURN(out.values, recipe_.TransformTable(table, which, &out.notes));
  out.rows = which.size();
  out.cols = recipe_.num_features();
  return out;
}

Result<Predictions> Predictor::PredictJson(const Json& instances) const {
  if (!text_column_.empty()) {
    data::TransformNotes notes;
    Json converted;
    STRATA_RETURN_IF_ERROR(RowObjects(instances, &converted, &notes));
    STRATA_ASSIGN_OR_RETURN(auto texts, data::JsonTexts(converted.is_null() ? instances : converted, text_column_, &notes));
    return PredictText(texts, std::move(notes));
  }
  STRATA_ASSIGN_OR_RETURN(Features f, FeaturesJson(instances));
  return PredictFeatures(f);
}

Result<Predictions> Predictor::PredictTable(const data::Table& table, const std::vector<int64_t>& rows) const {
  if (!text_column_.empty()) {
    STRATA_ASSIGN_OR_RETURN(auto texts, data::ColumnTexts(table, text_column_, rows));
    return PredictText(texts, {});
  }
  STRATA_ASSIGN_OR_RETURN(Features f, FeaturesTable(table, rows));
  return PredictFeatures(f);
}

int Predictor::PredictedClass(const Predictions& p, size_t row, double threshold) const {
  const float* v = p.values.data() + row * p.per_row;
  if (problem_ == ml::Problem::kBinaryClassification) {
    return v[0] >= (threshold < 0 ? threshold_ : threshold) ? 1 : 0;
  }
  return static_cast<int>(std::max_element(v, v + p.per_row) - v);
}

Json Predictor::RowJson(const Predictions& p, size_t row, double threshold) const {
  const float* v = p.values.data() + row * p.per_row;
  switch (problem_) {
    case ml::Problem::kRegression: return {{"prediction", v[0]}};
    case ml::Problem::kClustering: return {{"cluster", static_cast<int>(v[0])}, {"distance", v[1]}};
    case ml::Problem::kAnomalyDetection: return {{"score", v[0]}, {"anomaly", v[1] > 0.5f}};
    case ml::Problem::kDimensionalityReduction: return {{"components", std::vector<float>(v, v + p.per_row)}};
    case ml::Problem::kEmbedding: return {{"embedding", std::vector<float>(v, v + p.per_row)}};
    default: break;
  }
  std::vector<float> by_class;
  if (problem_ == ml::Problem::kBinaryClassification) {
    by_class = {1.0f - v[0], v[0]};
  } else {
    by_class.assign(v, v + std::min<size_t>(static_cast<size_t>(p.per_row), classes_.size()));
  }
  Json probs = Json::object();
  for (size_t c = 0; c < by_class.size(); ++c) probs[classes_[c]] = by_class[c];
  Json out = {{"prediction", classes_[PredictedClass(p, row, threshold)]}, {"probabilities", probs}};
  if (top_k_ > 0) {
    std::vector<size_t> order(by_class.size());
    for (size_t c = 0; c < order.size(); ++c) order[c] = c;
    const size_t k = std::min(order.size(), static_cast<size_t>(top_k_));
    std::partial_sort(order.begin(), order.begin() + static_cast<ptrdiff_t>(k), order.end(),
                      [&](size_t a, size_t b) { return by_class[a] > by_class[b] || (by_class[a] == by_class[b] && a < b); });
    Json top = Json::array();
    for (size_t i = 0; i < k; ++i) top.push_back({{"class", classes_[order[i]]}, {"probability", by_class[order[i]]}});
    out["top_classes"] = std::move(top);
  }
  return out;
}

void Predictor::AppendRowJson(const Predictions& p, size_t row, std::string& out, double threshold) const {
  const float* v = p.values.data() + row * p.per_row;
  auto field = [&out](std::string_view name, bool first = false) {
    if (!first) out.push_back(',');
    core::AppendJsonString(out, name);
    out.push_back(':');
  };
  auto list = [&](const float* values, size_t n) {
    out.push_back('[');
    for (size_t i = 0; i < n; ++i) {
      if (i) out.push_back(',');
      core::AppendJsonNumber(out, values[i]);
    }
    out.push_back(']');
  };
  out.push_back('{');
  switch (problem_) {
    case ml::Problem::kRegression:
      field("prediction", true);
      core::AppendJsonNumber(out, v[0]);
      break;
    case ml::Problem::kClustering:
      field("cluster", true);
      fmt::format_to(std::back_inserter(out), "{}", static_cast<int>(v[0]));
      field("distance");
      core::AppendJsonNumber(out, v[1]);
      break;
    case ml::Problem::kAnomalyDetection:
      field("score", true);
      core::AppendJsonNumber(out, v[0]);
      field("anomaly");
      out.append(v[1] > 0.5f ? "true" : "false");
      break;
    case ml::Problem::kDimensionalityReduction:
      field("components", true);
      list(v, static_cast<size_t>(p.per_row));
      break;
    case ml::Problem::kEmbedding:
      field("embedding", true);
      list(v, static_cast<size_t>(p.per_row));
      break;
    default: {
      // Classifiers: as RowJson, whose top_classes and repeated class names (an object
      // keeps one) are left to it.
      const size_t n = problem_ == ml::Problem::kBinaryClassification
                           ? 2
                           : std::min<size_t>(static_cast<size_t>(p.per_row), classes_.size());
      const bool simple = top_k_ == 0 && std::set<std::string_view>(classes_.begin(), classes_.begin() + n).size() == n;
      if (!simple) {
        out.pop_back();
        out.append(RowJson(p, row, threshold).dump(-1, ' ', false, Json::error_handler_t::replace));
        return;
      }
      field("prediction", true);
      core::AppendJsonString(out, classes_[static_cast<size_t>(PredictedClass(p, row, threshold))]);
      field("probabilities");
      out.push_back('{');
      for (size_t c = 0; c < n; ++c) {
        field(classes_[c], c == 0);
        // As RowJson: the probability is a float (binary: 1 - p in float arithmetic).
        const float prob = problem_ == ml::Problem::kBinaryClassification ? (c == 0 ? 1.0f - v[0] : v[0]) : v[c];
        core::AppendJsonNumber(out, prob);
      }
      out.push_back('}');
    }
  }
  out.push_back('}');
}

}  // namespace strata::serve
