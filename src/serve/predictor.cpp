#include "serve/predictor.h"

#include <algorithm>
#include <set>

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
  if (mj.contains("threshold") && mj["threshold"].is_number()) p->threshold_ = mj["threshold"].get<double>();
  if (!mj.contains("recipe")) return bad("the preprocessing recipe is missing");
  STRATA_ASSIGN_OR_RETURN(p->recipe_, data::Recipe::FromJson(mj["recipe"]));
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
  if (out.values.size() != f.rows * static_cast<size_t>(out.per_row)) {
    return InternalError(
        fmt::format("the model gave {} values for {} rows", out.values.size(), f.rows));
  }
  return out;
}

Result<Features> Predictor::FeaturesJson(const Json& instances) const {
  if (!instances.is_array()) {
    return InvalidArgumentError("instances must be a list of rows: objects {column: value} or lists in schema order");
  }
  // Lists in schema order become objects; extra columns of objects are reported.
  Json rows = Json::array();
  Features out;
  std::set<std::string> known(input_columns_.begin(), input_columns_.end());
  for (size_t i = 0; i < instances.size(); ++i) {
    const Json& r = instances[i];
    if (r.is_array()) {
      if (r.size() != input_columns_.size()) {
        return InvalidArgumentError(fmt::format("row {}: expected {} values in schema order ({}), got {}", i,
                                                input_columns_.size(), fmt::join(input_columns_, ", "), r.size()));
      }
      Json obj = Json::object();
      for (size_t c = 0; c < r.size(); ++c) obj[input_columns_[c]] = r[c];
      rows.push_back(std::move(obj));
    } else {
      if (r.is_object() && !known.empty()) {
        for (const auto& [k, v] : r.items()) {
          if (!known.count(k))
            out.notes.push_back(
                fmt::format("row {}: column '{}' is not an input of the model: ignored", i, k));
        }
      }
      rows.push_back(r);
    }
  }
  STRATA_ASSIGN_OR_RETURN(out.values, recipe_.TransformJson(rows, &out.notes));
  out.rows = rows.size();
  out.cols = recipe_.num_features();
  return out;
}

Result<Features> Predictor::FeaturesTable(const data::Table& table,
                                          const std::vector<int64_t>& rows) const {
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
  STRATA_ASSIGN_OR_RETURN(Features f, FeaturesJson(instances));
  return PredictFeatures(f);
}

Result<Predictions> Predictor::PredictTable(const data::Table& table, const std::vector<int64_t>& rows) const {
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
    default: break;
  }
  Json probs = Json::object();
  if (problem_ == ml::Problem::kBinaryClassification) {
    probs[classes_[0]] = 1.0f - v[0];
    probs[classes_[1]] = v[0];
  } else {
    for (int c = 0; c < p.per_row && c < static_cast<int>(classes_.size()); ++c) probs[classes_[c]] = v[c];
  }
  return {{"prediction", classes_[PredictedClass(p, row, threshold)]}, {"probabilities", probs}};
}

}  // namespace strata::serve
