#pragma once
// The `kmeans` algorithm (clustering): FAISS 1.7.3's k-means (faiss::Clustering over an
// exact IndexFlatL2). kmeans.cpp is the adapter, the only file of it that includes FAISS.
//
// Initialisation: FAISS 1.7.3 seeds with random training rows only. `init=k-means++`
// (the default) is written here: greedy k-means++ (D² sampling with 2 + ln k candidates
// per centre, as scikit-learn does) on a sample of the training rows, and the centres
// are handed to faiss::Clustering as its initial centroids. `init=random` is FAISS's own.
//
// Training: rows above k x max_points_per_centroid are subsampled (FAISS's default cap
// of 256 per centre) before seeding and iterating; the centres are then final for every
// row. Each iteration is one faiss::Clustering::train call of one iteration started from
// the previous centres, so progress (the inertia of the sample) is reported per
// iteration and a stop request or `tol` ends training between iterations. `seeds` runs
// (default 3) start from seed, seed+1, ... and the one with the lowest inertia is kept.
//
// Predictions follow algorithm.h: cluster index and Euclidean distance (FAISS's squared
// L2, square-rooted). Info() has "clusters" (k), "inertia" (sum of squared distances of
// the training rows to their centres) and "iterations" of the kept run.
//
// Files: `kmeans.faiss`, an IndexFlatL2 holding the k centres (row i is cluster i),
// written with faiss::write_index: faiss.read_index(path).reconstruct_n(0, k) in Python
// gives the centres.
//
// Threads: Predict is safe from several threads at once (IndexFlat search only reads).
// A small call (an endpoint's) runs on its own thread; a large one in row blocks over
// every core (faiss_support.h). Training uses every core.

#include "ml/algorithm.h"

namespace strata::ml {

const Algorithm& KMeansAlgorithm();

}  // namespace strata::ml
