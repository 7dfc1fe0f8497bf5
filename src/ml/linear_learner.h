#pragma once
// The `linear-learner` algorithm: linear models through liblinear 2.3 (Debian's
// liblinear-dev). linear_learner.cpp and linear_model.cpp (the adapter) are the only
// files that include <linear.h>.
//
// Losses: `logistic` (logistic regression; the default for classification), `hinge`
// and `squared_hinge` (linear SVMs with L1 and L2 loss), `squared` (ridge regression;
// the default for regression). Penalty `l2`, or `l1` for logistic and squared_hinge
// (liblinear has L1 regularisation for those two only). Multi-class is one-vs-rest.
// Features should be on one scale, so the platform standardizes numeric features first
// (wants_scaled_features()).
//
// Predictions follow algorithm.h: binary → probability of class 1, multi-class → one
// probability per class in class-index order, regression → the value. For `logistic`
// they are liblinear's own probabilities; for the SVM losses they are a logistic
// sigmoid of the decision value (normalized over the classes for multi-class): an
// uncalibrated score, monotone in the margin, not a probability.
//
// Weights: liblinear 2.3 has per-class weights only, no per-row weights. TrainInput's
// per-row weights are accepted when they are constant within each class (which
// class_weight=balanced produces) and become per-class weights; anything else is an
// InvalidArgument.
//
// Files: the version directory holds `liblinear.model` in liblinear's own text format,
// so liblinear's `predict` tool reads it (its label i is Strata's class index i).
//
// Threads: Predict is safe to call from several threads at once (liblinear's
// predict_values/predict_probability only read the model). Training and Load/Save may
// run beside each other; see linear_learner.cpp for the one process-wide caveat (the
// C library's rand() and locale that liblinear touches).

#include "ml/algorithm.h"

namespace strata::ml {

const Algorithm& LinearLearnerAlgorithm();

}  // namespace strata::ml
