#pragma once
// Partial dependence (Friedman 2001): the model's average prediction over a set of rows
// when one raw column is set to the same value in all of them, for a grid of values.
// It shows how the prediction moves with the column, the other columns kept as they
// are. Numeric columns take up to `grid_points` distinct quantiles of the rows' own
// values; booleans false and true; categorical columns (one-hot or ordinal) each
// category the recipe knows. Text and timestamp columns have no grid (InvalidArgument).
//
// The value is set on the raw column and encoded by the model's recipe, so the grid
// speaks the column's own units (not standardized ones).

#include <string>
#include <vector>

#include "core/core.h"
#include "data/data.h"
#include "serve/predictor.h"

namespace strata::serve {

struct PartialDependence {
  std::string column;
  bool categorical = false;
  Json grid = Json::array();  // the raw values, in order
  // One series per value of Predict's output: "prediction" (regression), the positive
  // class (binary: its probability), or each class (multi-class).
  std::vector<std::string> outputs;
  std::vector<std::vector<double>> mean;  // [output][grid point]
  Json ToJson() const;  // {"column", "kind", "grid", "series": [{"name", "values"}]}
};

// `rows` of `table` (all rows when empty) are the rows averaged over.
Result<PartialDependence> ComputePartialDependence(const Predictor& predictor,
                                                   const data::Table& table,
                                                   const std::vector<int64_t>& rows,
                                                   const std::string& column, int grid_points = 20);

}  // namespace strata::serve
