#pragma once
// The dense feature matrix every algorithm trains and predicts on.

#include <cstddef>
#include <string_view>

#include "core/core.h"

namespace strata::ml {

// Row-major floats, `rows` x `cols`; NaN marks a missing value. Does not own the data.
struct Matrix {
  const float* data = nullptr;
  size_t rows = 0, cols = 0;
  const float* row(size_t r) const { return data + r * cols; }
};

// For algorithms that need every value (the platform's recipe imputes missing values
// unless told not to): an InvalidArgument naming the first missing or infinite value,
// "<algorithm> needs every value: training row 3, feature 2 is missing or infinite
// (impute it in preprocessing)", or Ok.
Status CheckFinite(Matrix x, std::string_view algorithm);

}  // namespace strata::ml
