#pragma once
// How an XGBoost objective turns a row's margins into its predictions, as libxgboost
// 1.7's PredTransform does (common/math.h): shared by the compiled trees
// (tree_ensemble.h) and the per-round losses (boosting_metrics.h), so both give its
// values to the bit. Internal to ml/.

#include <cmath>

namespace strata::ml {

// None, the logistic sigmoid, softmax over the row's classes, exp.
enum class MarginLink { kIdentity, kLogit, kSoftmax, kLog };

// Transforms one row of `width` margins in place (width is 1 but for kSoftmax).
template <MarginLink L>
inline void ApplyLink(float* v, int width) {
  if constexpr (L == MarginLink::kLogit) {
    v[0] = 1.0f / (1.0f + expf(-v[0]));
  } else if constexpr (L == MarginLink::kLog) {
    v[0] = expf(v[0]);
  } else if constexpr (L == MarginLink::kSoftmax) {
    // Max-shifted, summed in double, divided in float.
    float max = v[0];
    for (int c = 1; c < width; ++c) max = fmaxf(v[c], max);
    double sum = 0;
    for (int c = 0; c < width; ++c) {
      v[c] = expf(v[c] - max);
      sum += v[c];
    }
    for (int c = 0; c < width; ++c) v[c] /= static_cast<float>(sum);
  }
}

}  // namespace strata::ml
