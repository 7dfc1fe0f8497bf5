#pragma once
// The `pca` algorithm (dimensionality reduction): principal component analysis on Eigen
// 3.4 (Debian's libeigen3-dev). pca_algorithm.cpp is the only file that includes Eigen.
//
// Fitting centres the features on their training mean (the platform standardizes
// numeric features first: wants_scaled_features(), as StandardScaler + PCA would) and
// finds the components with one of two solvers:
//   covariance  the d x d covariance matrix, accumulated in double over row blocks on
//               all cores, then Eigen's SelfAdjointEigenSolver. One pass of O(n·d²)
//               plus O(d³), memory O(d²) whatever the row count: the right choice for
//               the tall tables of this platform (millions of rows, tens to a few
//               thousand features). It squares the condition number, so components
//               whose variance is below ~1e-12 of the largest are noise.
//   svd         Eigen's BDCSVD of the centred n x d matrix: exact to working precision
//               for every component, but it holds the whole matrix in double.
//   auto        covariance up to 4096 features, svd beyond (while the matrix fits).
// Explained variances use the n - 1 denominator and the ratios divide by the total
// variance of all features, as scikit-learn's PCA does.
//
// Hyperparameters: `components`, as scikit-learn's n_components: an integer k >= 1, or a
// fraction f in (0, 1): the fewest components whose cumulative explained variance ratio
// exceeds f. `whiten` divides each coordinate by the component's standard deviation
// (a component with zero variance then outputs 0); the platform's projection metrics
// (variance of the outputs over the input's) are then not explained variance ratios,
// Info()'s explained_variance_ratio still is. `solver` as above.
//
// Signs: an eigenvector's sign is arbitrary, so each component is flipped to make its
// largest-magnitude loading positive (the first such entry on ties): the same data
// gives the same components on every machine, and they compare to scikit-learn's after
// the same flip.
//
// Predict: (x - mean) · componentsᵀ (÷ sqrt(explained variance) when whitened), one
// value per component. A missing (NaN) feature counts as the training mean. Thread-safe.
//
// Files: `pca.json`, a plain JSON document (format "strata-pca", format_version 1) whose
// fields are named after scikit-learn's PCA attributes: n_features, n_components,
// whiten, mean (d), components (k rows of d), explained_variance (k),
// explained_variance_ratio (k), singular_values (k), plus solver and training_rows.
// sklearn.decomposition.PCA attributes set from it transform the same way.

#include "ml/algorithm.h"

namespace strata::ml {

const Algorithm& PcaAlgorithm();

}  // namespace strata::ml
