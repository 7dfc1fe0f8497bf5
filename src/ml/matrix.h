#pragma once
// The dense feature matrix every algorithm trains and predicts on.

#include <cstddef>

namespace strata::ml {

// Row-major floats, `rows` x `cols`; NaN marks a missing value. Does not own the data.
struct Matrix {
  const float* data = nullptr;
  size_t rows = 0, cols = 0;
  const float* row(size_t r) const { return data + r * cols; }
};

}  // namespace strata::ml
