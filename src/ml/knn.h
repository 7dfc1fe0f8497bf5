#pragma once
// The `knn` algorithm (k nearest neighbours; classification and regression) on FAISS
// 1.7.3: an exact IndexFlatL2 for up to `hnsw_above` training rows, an approximate
// IndexHNSWFlat (M, ef_construction, ef_search) above. knn.cpp is the adapter, the
// only file of it that includes FAISS.
//
// Semantics are scikit-learn's KNeighborsClassifier / KNeighborsRegressor: the k
// training rows nearest in Euclidean distance vote, each with weight 1 (`uniform`) or
// 1/distance (`distance`; when some neighbours are at distance 0, those alone vote,
// equally). Classifiers predict each class's share of the vote, in algorithm.h's
// layout; regression the weighted mean of the neighbours' values. The distances of the
// k neighbours FAISS finds are recomputed directly (Σ(x - y)², not FAISS's
// ‖x‖² + ‖y‖² - 2x·y, which is not exactly 0 for an exact match), so that distance
// weighting sees exact matches. Features are standardized (wants_scaled_features()).
//
// Files: `knn.faiss` (the index, faiss::write_index: faiss.read_index reads it) and
// `knn_labels.npy` (float32, the label of each indexed row in index order: the class
// index or the value; numpy.load reads it). Both are written atomically.
//
// Threads: Predict is safe from several threads at once (IndexFlat and IndexHNSW
// searches only read the index; ef_search goes in per-call search parameters). A small
// call (an endpoint's) runs on its own thread; a large one in row blocks over every
// core (faiss_support.h). One caveat of FAISS 1.7.3: an HNSW search adds its counters
// to the global faiss::hnsw_stats without a lock, so concurrent searches may lose
// counts there; nothing reads them. Building the index uses every core.

#include "ml/algorithm.h"

namespace strata::ml {

const Algorithm& KnnAlgorithm();

}  // namespace strata::ml
