#pragma once
// The losses XGBoost reports after each boosting round (its `eval_metric`), computed
// here from the margins of its prediction cache rather than by XGBoosterEvalOneIter.
//
// Why: libxgboost 1.7's own evaluation cost as much as the boosting it reports on
// (100 rounds on 800,000 + 200,000 rows: 6.2 s boosting, 6.0 s evaluating), while
// reading the cached margins takes a few milliseconds a round and the sums below a few
// more. Definitions follow XGBoost's (src/metric/elementwise_metric.cu,
// multiclass_metric.cu, common/math.h): the objective's transform in float, weighted
// means over rows, probabilities clamped at 1e-16, so the values agree with its
// evaluation line to float precision.

#include <cstddef>
#include <optional>
#include <string_view>

#include "ml/margin_link.h"

namespace strata::ml {

// Whether RoundLoss knows `metric`: logloss, error, mlogloss, merror, rmse, mae,
// poisson-nloglik and tweedie-nloglik@RHO.
bool IsRoundLossMetric(std::string_view metric);

// `margins`: one per row (num_class per row with kSoftmax), as XGBoost predicts them
// with output_margin. `weights`: one per row, or null for all 1. Work is split over
// `threads` OpenMP threads; the result does not depend on how many.
// nullopt when `metric` is not one IsRoundLossMetric accepts.
std::optional<double> RoundLoss(std::string_view metric, MarginLink link, const float* margins, const float* labels,
                                const float* weights, size_t rows, int num_class, int threads);

}  // namespace strata::ml
