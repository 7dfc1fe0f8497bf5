#pragma once
// Hyperparameter schemas: each algorithm publishes its parameters (name, type, range,
// default, description), and requests are validated against them with messages such
// as "eta must be in (0, 1], got 3".

#include <limits>
#include <string>
#include <vector>

#include "core/core.h"

namespace strata::ml {

struct HyperparameterSpec {
  std::string name;
  std::string type;  // "float", "int", "bool" or "string"
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool min_exclusive = false;
  std::vector<std::string> values;  // for strings: the allowed values
  Json default_value;
  std::string description;
  Json ToJson() const;
};

// Checks `given` (an object of name: value; numbers and booleans may come as strings, as
// from the CLI's --hp k=v: "true"/"false"/"1"/"0") against `specs` and returns every parameter with defaults filled in.
Result<Json> ValidateHyperparameters(const std::vector<HyperparameterSpec>& specs, const Json& given);

}  // namespace strata::ml
