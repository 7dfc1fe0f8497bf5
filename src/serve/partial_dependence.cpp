#include "serve/partial_dependence.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace strata::serve {
namespace {

// Up to `points` distinct values at evenly spaced quantiles (nearest rank, so each is a
// value the column really holds).
Json NumericGrid(const data::Table& table, size_t column, const std::vector<int64_t>& rows,
                 int points) {
  std::vector<double> values;
  const data::ColumnView& c = table.column(column);
  const int64_t n = rows.empty() ? table.rows() : static_cast<int64_t>(rows.size());
  for (int64_t i = 0; i < n; ++i) {
    const int64_t r = rows.empty() ? i : rows[static_cast<size_t>(i)];
    if (!c.IsValid(r)) continue;
    const double v =
        c.type == data::ColumnType::kInt ? static_cast<double>(c.ints[r]) : c.floats[r];
    if (std::isfinite(v)) values.push_back(v);
  }
  Json grid = Json::array();
  if (values.empty()) return grid;
  std::sort(values.begin(), values.end());
  const int k = std::max(2, points);
  double last = NAN;
  for (int q = 0; q < k; ++q) {
    const size_t at =
        static_cast<size_t>(std::llround(q * (values.size() - 1) / static_cast<double>(k - 1)));
    const double v = values[at];
    if (v == last) continue;
    last = v;
    if (c.type == data::ColumnType::kInt) {
      grid.push_back(static_cast<int64_t>(v));
    } else {
      grid.push_back(v);
    }
  }
  return grid;
}

}  // namespace

Json PartialDependence::ToJson() const {
  Json series = Json::array();
  for (size_t o = 0; o < outputs.size(); ++o)
    series.push_back({{"name", outputs[o]}, {"values", mean[o]}});
  return {{"column", column},
          {"kind", categorical ? "categorical" : "numeric"},
          {"grid", grid},
          {"series", series}};
}

Result<PartialDependence> ComputePartialDependence(const Predictor& predictor,
                                                   const data::Table& table,
                                                   const std::vector<int64_t>& rows,
                                                   const std::string& column, int grid_points) {
  if (!ml::IsSupervised(predictor.problem())) {
    return InvalidArgumentError(
        fmt::format("partial dependence is for classifiers and regression models, not {}",
                    ml::ProblemName(predictor.problem())));
  }
  const data::Recipe& recipe = predictor.recipe();
  const data::ColumnStep* step = nullptr;
  for (const auto& s : recipe.steps()) {
    if (s.name == column) step = &s;
  }
  if (step == nullptr || step->num_features == 0) {
    return InvalidArgumentError(fmt::format("'{}' is not an input column of the model", column));
  }
  const int ci = table.schema().Find(column);
  if (ci < 0) return InvalidArgumentError(fmt::format("the dataset has no column '{}'", column));

  PartialDependence pd;
  pd.column = column;
  switch (step->encoding) {
    case data::Encoding::kOneHot:
    case data::Encoding::kOrdinal:
      pd.categorical = true;
      for (const auto& c : step->categories) pd.grid.push_back(c);
      break;
    case data::Encoding::kNumeric:
      if (step->type == data::ColumnType::kBool) {
        pd.categorical = true;
        pd.grid = {false, true};
      } else if (table.column(static_cast<size_t>(ci)).type == data::ColumnType::kInt ||
                 table.column(static_cast<size_t>(ci)).type == data::ColumnType::kFloat) {
        pd.grid = NumericGrid(table, static_cast<size_t>(ci), rows, grid_points);
      }
      break;
    default:
      break;
  }
  if (pd.grid.empty()) {
    return InvalidArgumentError(
        fmt::format("no partial dependence for column '{}' ({} values, {} encoding)", column,
                    data::ColumnTypeName(step->type), pd.categorical ? "categorical" : "other"));
  }

  STRATA_ASSIGN_OR_RETURN(Features base, predictor.FeaturesTable(table, rows));
  if (base.rows == 0) return InvalidArgumentError("no rows for partial dependence");
  // Each grid value encoded once by the recipe; only this column's features are used.
  Json encode = Json::array();
  for (const auto& v : pd.grid) encode.push_back(Json{{column, v}});
  STRATA_ASSIGN_OR_RETURN(std::vector<float> encoded, recipe.TransformJson(encode, nullptr));

  const auto& classes = predictor.classes();
  switch (predictor.problem()) {
    case ml::Problem::kRegression:
      pd.outputs = {"prediction"};
      break;
    case ml::Problem::kBinaryClassification:
      pd.outputs = {classes.at(1)};
      break;
    case ml::Problem::kMulticlassClassification:
      pd.outputs = classes;
      break;
    default:
      break;  // unsupervised: refused above
  }
  pd.mean.assign(pd.outputs.size(), std::vector<double>(pd.grid.size(), 0.0));
  Features work = base;
  const size_t nf = recipe.num_features(), first = step->first_feature, width = step->num_features;
  for (size_t g = 0; g < pd.grid.size(); ++g) {
    for (size_t r = 0; r < work.rows; ++r) {
      std::copy_n(encoded.data() + g * nf + first, width, work.values.data() + r * nf + first);
    }
    STRATA_ASSIGN_OR_RETURN(Predictions p, predictor.PredictFeatures(work));
    const size_t per_row = static_cast<size_t>(p.per_row);
    for (size_t o = 0; o < pd.outputs.size() && o < per_row; ++o) {
      double sum = 0;
      for (size_t r = 0; r < p.rows; ++r) sum += p.values[r * per_row + o];
      pd.mean[o][g] = sum / static_cast<double>(p.rows);
    }
  }
  return pd;
}

}  // namespace strata::serve
