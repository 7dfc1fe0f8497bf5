#pragma once
// Facade of ml/: the algorithms behind one Algorithm/Model interface (algorithm.h),
// their hyperparameter schemas, the metrics a data scientist judges models by, and
// bias (fairness) metrics between facet groups.

#include "ml/algorithm.h"
#include "ml/anomaly_algorithm.h"
#include "ml/bias.h"
#include "ml/explain.h"
#include "ml/hyperparameters.h"
#include "ml/linear_learner.h"
#include "ml/matrix.h"
#include "ml/metrics.h"
#include "ml/pca_algorithm.h"
#include "ml/permutation_importance.h"
#include "ml/text_algorithms.h"
#include "ml/unsupervised_metrics.h"
#include "ml/xgboost_model.h"
