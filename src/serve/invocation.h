#pragma once
// Parsing an endpoint invocation's body into rows for Predictor::PredictJson.
//
//   application/json  {"instances": [row, ...]} or a bare [row, ...]; a row is an
//                     object {column: value} or a list of values in the model's
//                     column order
//   text/csv          rows without a header, in the model's column order; empty
//                     fields are null, numbers become numbers
//
// Every malformed shape is an InvalidArgument naming the row and field; more rows
// than `max_rows` is PayloadTooLarge.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"

namespace strata::serve {

Result<Json> ParseInstances(std::string_view content_type, std::string_view body,
                            const std::vector<std::string>& columns, size_t max_rows);

// Whether a Content-Type names JSON (or is empty: JSON is the default).
bool IsJsonMediaType(std::string_view content_type);

}  // namespace strata::serve
