#pragma once
// The fast way in for the common invocation: a JSON body of rows ({"instances": [row,
// ...]} or a bare [row, ...], rows as objects or as lists in the model's column order)
// read straight into a model's features, without building a JSON document. The
// document path (ParseInstances, then Predictor::PredictJson) reads everything else
// and says what is wrong; this one only ever agrees with it.

#include <cstddef>
#include <string_view>

#include "serve/predictor.h"

namespace strata::serve {

// True only for a body that ParseInstances and Predictor::FeaturesJson would take
// without an error or a note, and then `out` holds exactly their features. False for
// anything else (malformed JSON, a nested value, an unknown or missing column, an
// unknown category, no rows or more than `max_rows`, a text model): the caller then
// takes the document path. Thread-safe.
bool ReadJsonFeatures(std::string_view body, const Predictor& predictor, size_t max_rows, Features* out);

}  // namespace strata::serve
