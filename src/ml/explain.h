#pragma once
// What a Model can say about why it predicts what it predicts, in terms of its encoded
// features (the columns of the Matrix it was trained on). Callers that know the
// preprocessing recipe sum these over the features of each raw column
// (data::Recipe::SumByColumn); ml/ knows nothing of raw columns.

#include <cstddef>
#include <string>
#include <vector>

namespace strata::ml {

// One kind of global importance: one non-negative value per encoded feature.
struct FeatureImportance {
  std::string kind;         // "gain", "cover", "coefficients", ...
  std::string description;  // one line for people: what the value measures
  std::vector<double> values;
};

// How a model's margin (the sum of the contributions and the bias) becomes its
// prediction (algorithm.h's Predict output):
//   identity           prediction = margin (regression)
//   logit              probability of class 1 = 1 / (1 + exp(-margin))
//   softmax            probability of class c = exp(margin_c) / sum_k exp(margin_k)
//   one_vs_rest_logit  probability of class c = s(margin_c) / sum_k s(margin_k), with
//                      s the logistic function (liblinear's multi-class probabilities)
//   log                prediction = exp(margin) (count:poisson, reg:tweedie, reg:gamma)
// A class the model never saw in training has margin -infinity (probability 0).
struct Contributions {
  std::string link;
  std::string method;  // "tree_shap" (exact TreeSHAP), "linear" (see LinearLearner)
  size_t rows = 0, features = 0;
  int groups = 1;  // margins per row: the number of classes for multi-class, else 1
  // rows x groups x (features + 1), row-major; the last value of each (row, group) is the
  // bias, the margin with no feature known (the base value). The values of a (row,
  // group) sum to that row's margin for that group.
  std::vector<double> values;

  const double* at(size_t row, int group) const {
    return values.data() +
           (row * static_cast<size_t>(groups) + static_cast<size_t>(group)) * (features + 1);
  }
};

}  // namespace strata::ml
