#pragma once
// Per-prediction explanations of a loaded model (Predictor): the model's exact additive
// contributions of its encoded features (ml::Model::Contribute: TreeSHAP for xgboost,
// w·x for linear-learner), summed into one contribution per raw input column. For every
// row and margin, base value + the sum of the column contributions = the margin, and
// the link (ml/explain.h) turns the margin into the prediction.
//
// Which margins: regression → the prediction (or its log, link "log"); binary → the
// log-odds of the second class (classes()[1], the positive one); multi-class → one per
// class. Algorithms without contributions give InvalidArgument naming the algorithm.

#include <string>
#include <vector>

#include "core/core.h"
#include "serve/predictor.h"

namespace strata::serve {

struct Explanation {
  std::string algorithm, link, method;
  std::vector<std::string> columns;  // raw columns with features, in recipe order
  // What each margin is of: {""} for regression, {classes[1]} for binary, the classes
  // for multi-class.
  std::vector<std::string> groups;
  size_t rows = 0;
  std::vector<double> base;           // rows x groups
  std::vector<double> contributions;  // rows x groups x columns
  Predictions predictions;

  double Base(size_t row, size_t group) const { return base[row * groups.size() + group]; }
  const double* Row(size_t row, size_t group) const {
    return contributions.data() + (row * groups.size() + group) * columns.size();
  }
  // Base plus the contributions: the row's margin for `group`.
  double Margin(size_t row, size_t group) const;
};

Result<Explanation> Explain(const Predictor& predictor, const Features& features);

// The explanation as the API returns it:
//   {"method", "link", "columns": [...], "explained_class"? (binary),
//    "base_value": b | {class: b},
//    "rows": [{"prediction", "probabilities"?, "margin": m | {class: m},
//              "base_value": b | {class: b},
//              "contributions": {column: v} | {class: {column: v}}}]}
// Non-finite numbers (a class a linear model never saw) are null.
Json ExplanationJson(const Predictor& predictor, const Explanation& e);

// Mean |contribution| per column over rows (summed over a multi-class model's classes):
// the SHAP summary, in the order of e.columns.
std::vector<double> MeanAbsContributions(const Explanation& e);

}  // namespace strata::serve
