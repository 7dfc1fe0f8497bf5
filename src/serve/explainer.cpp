#include "serve/explainer.h"

#include <cmath>

#include <fmt/format.h>

namespace strata::serve {

double Explanation::Margin(size_t row, size_t group) const {
  double m = Base(row, group);
  const double* c = Row(row, group);
  for (size_t i = 0; i < columns.size(); ++i) m += c[i];
  return m;
}

Result<Explanation> Explain(const Predictor& predictor, const Features& features) {
  Explanation e;
  e.algorithm = predictor.model_json().value("algorithm", "");
  if (!ml::IsSupervised(predictor.problem())) {
    return InvalidArgumentError(
        fmt::format("explanations are not supported for algorithm '{}' ({}): only classifiers and "
                    "regression models have them",
                    e.algorithm, ml::ProblemName(predictor.problem())));
  }
  auto contributions = predictor.model().Contribute(features.matrix());
  if (!contributions.ok()) {
    return contributions.status().WithContext(fmt::format("algorithm '{}'", e.algorithm));
  }
  const ml::Contributions& c = *contributions;
  const data::Recipe& recipe = predictor.recipe();
  if (c.rows != features.rows || c.features != recipe.num_features()) {
    return InternalError(
        fmt::format("contributions of {} rows x {} features for {} rows x {} features", c.rows,
                    c.features, features.rows, recipe.num_features()));
  }
  const auto& classes = predictor.classes();
  switch (predictor.problem()) {
    case ml::Problem::kRegression:
      e.groups = {""};
      break;
    case ml::Problem::kBinaryClassification:
      e.groups = {classes.at(1)};
      break;
    case ml::Problem::kMulticlassClassification:
      e.groups = classes;
      break;
    default:
      break;  // unsupervised: refused above
  }
  if (static_cast<size_t>(c.groups) != e.groups.size()) {
    return InternalError(fmt::format("the model explains {} margins per row where {} were expected",
                                     c.groups, e.groups.size()));
  }
  e.link = c.link;
  e.method = c.method;
  e.rows = c.rows;
  // Columns are the recipe steps that have features; SumByColumn gives one per step.
  std::vector<size_t> steps;
  for (size_t s = 0; s < recipe.steps().size(); ++s) {
    if (recipe.steps()[s].num_features > 0) {
      steps.push_back(s);
      e.columns.push_back(recipe.steps()[s].name);
    }
  }
  const size_t groups = e.groups.size();
  e.base.reserve(e.rows * groups);
  e.contributions.reserve(e.rows * groups * steps.size());
  for (size_t r = 0; r < e.rows; ++r) {
    for (size_t g = 0; g < groups; ++g) {
      const double* v = c.at(r, static_cast<int>(g));
      const std::vector<double> per_step = recipe.SumByColumn({v, c.features});
      for (size_t s : steps) e.contributions.push_back(per_step[s]);
      e.base.push_back(v[c.features]);
    }
  }
  STRATA_ASSIGN_OR_RETURN(e.predictions, predictor.PredictFeatures(features));
  return e;
}

namespace {

Json Number(double v) {
  return std::isfinite(v) ? Json(v) : Json(nullptr);
}

Json ColumnsJson(const Explanation& e, size_t row, size_t group) {
  Json out = Json::object();
  const double* c = e.Row(row, group);
  for (size_t i = 0; i < e.columns.size(); ++i) out[e.columns[i]] = Number(c[i]);
  return out;
}

}  // namespace

Json ExplanationJson(const Predictor& predictor, const Explanation& e) {
  const bool multi = predictor.problem() == ml::Problem::kMulticlassClassification;
  Json out = {{"method", e.method}, {"link", e.link}, {"columns", e.columns}};
  if (predictor.problem() == ml::Problem::kBinaryClassification)
    out["explained_class"] = e.groups[0];
  Json rows = Json::array();
  for (size_t r = 0; r < e.rows; ++r) {
    Json row = predictor.RowJson(e.predictions, r);
    if (multi) {
      Json margin = Json::object(), base = Json::object(), contributions = Json::object();
      for (size_t g = 0; g < e.groups.size(); ++g) {
        margin[e.groups[g]] = Number(e.Margin(r, g));
        base[e.groups[g]] = Number(e.Base(r, g));
        contributions[e.groups[g]] = ColumnsJson(e, r, g);
      }
      row["margin"] = margin;
      row["base_value"] = base;
      row["contributions"] = contributions;
    } else {
      row["margin"] = Number(e.Margin(r, 0));
      row["base_value"] = Number(e.Base(r, 0));
      row["contributions"] = ColumnsJson(e, r, 0);
    }
    rows.push_back(std::move(row));
  }
  // The base value is the same for every row (the expected margin of the trees, or the
  // linear model's intercept); the first row's stands for all at the top level.
  if (e.rows > 0) out["base_value"] = rows[0]["base_value"];
  out["rows"] = std::move(rows);
  return out;
}

std::vector<double> MeanAbsContributions(const Explanation& e) {
  std::vector<double> out(e.columns.size(), 0.0);
  if (e.rows == 0) return out;
  for (size_t r = 0; r < e.rows; ++r) {
    for (size_t g = 0; g < e.groups.size(); ++g) {
      const double* c = e.Row(r, g);
      for (size_t i = 0; i < e.columns.size(); ++i) {
        if (std::isfinite(c[i])) out[i] += std::fabs(c[i]);
      }
    }
  }
  for (double& v : out) v /= static_cast<double>(e.rows);
  return out;
}

}  // namespace strata::serve
