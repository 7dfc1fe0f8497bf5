#pragma once
// Facade of ml/: algorithms behind one Estimator/Model interface (to come), metrics,
// explainability and bias. Today: evaluation metrics.

#include "ml/metrics.h"
