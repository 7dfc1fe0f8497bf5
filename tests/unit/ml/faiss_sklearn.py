#!/usr/bin/env python3
"""Cross-checks of the kmeans and knn algorithms (kmeans_test.cpp, knn_test.cpp), as JSON
on stdout. Usage: faiss_sklearn.py MODE DIR
  knn DIR     train.csv / test.csv (features..., label; no header), params.json
              {"k", "weights", "regression"}: scikit-learn's KNeighbors* predictions
              (predict_proba per class, or predict), exact kd-tree search
  kmeans DIR  x.csv, params.json {"k"}: scikit-learn's KMeans inertia (n_init=10)
  files DIR   reads the saved knn.faiss / knn_labels.npy / kmeans.faiss with faiss and
              numpy, as a user would: row count, dimension, labels"""
import json
import os
import sys

import numpy as np


def load(path):
    return np.loadtxt(path, delimiter=",", ndmin=2)


def main():
    mode, d = sys.argv[1], sys.argv[2]
    params = {}
    if os.path.exists(os.path.join(d, "params.json")):
        params = json.load(open(os.path.join(d, "params.json")))
    out = {}
    if mode == "knn":
        from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
        train, test = load(os.path.join(d, "train.csv")), load(os.path.join(d, "test.csv"))
        X, y, T = train[:, :-1], train[:, -1], test[:, :-1]
        if params["regression"]:
            m = KNeighborsRegressor(n_neighbors=params["k"], weights=params["weights"], algorithm="kd_tree")
            out["predictions"] = m.fit(X, y).predict(T).tolist()
        else:
            m = KNeighborsClassifier(n_neighbors=params["k"], weights=params["weights"], algorithm="kd_tree")
            out["probabilities"] = m.fit(X, y.astype(int)).predict_proba(T).tolist()
    elif mode == "kmeans":
        from sklearn.cluster import KMeans
        X = load(os.path.join(d, "x.csv"))
        out["inertia"] = float(KMeans(n_clusters=params["k"], n_init=10, random_state=0).fit(X).inertia_)
    elif mode == "files":
        import faiss
        for name in ("knn.faiss", "kmeans.faiss"):
            path = os.path.join(d, name)
            if os.path.exists(path):
                index = faiss.read_index(path)
                out[name] = {"ntotal": index.ntotal, "d": index.d, "type": type(index).__name__,
                             "metric_type": index.metric_type}
                if name == "kmeans.faiss":
                    out[name]["centres"] = index.reconstruct_n(0, index.ntotal).tolist()
        path = os.path.join(d, "knn_labels.npy")
        if os.path.exists(path):
            out["labels"] = np.load(path).tolist()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
