#pragma once
// Facade of ml/: algorithms behind one Estimator/Model interface (to come), metrics,
// explainability and bias. Today: metrics, hyperparameter schemas and XGBoost.

#include "ml/hyperparameters.h"
#include "ml/metrics.h"
#include "ml/xgboost_model.h"
