#include "ml/matrix.h"

#include <cmath>

#include <fmt/format.h>

namespace strata::ml {

Status CheckFinite(Matrix x, std::string_view algorithm) {
  for (size_t r = 0; r < x.rows; ++r) {
    const float* row = x.row(r);
    for (size_t j = 0; j < x.cols; ++j) {
      if (!std::isfinite(row[j])) {
        return InvalidArgumentError(
            fmt::format("{} needs every value: training row {}, feature {} is missing or infinite "
                        "(impute it in preprocessing)",
                        algorithm, r + 1, j + 1));
      }
    }
  }
  return Status::Ok();
}

}  // namespace strata::ml
