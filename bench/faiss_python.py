#!/usr/bin/env python3
"""The Python side of bench/faiss_bench.sh: the generated data, and the same algorithms
run from their libraries' Python packages on the same CSV files.
  gen-clusters OUT.csv ROWS              20 numeric columns around 10 Gaussian centres
  gen-classes TRAIN.csv TEST.csv ROWS    20 numeric columns, 5 overlapping classes `y`
                                         (ROWS for training, ROWS/5 for testing)
  kmeans IN.csv K ITERATIONS             pandas.read_csv, standardize, then faiss.Kmeans
                                         (random init) and sklearn KMeans (k-means++),
                                         three runs each, as Strata's default seeds=3
  knn TRAIN.csv TEST.csv K               pandas.read_csv, standardize on the training
                                         rows, sklearn KNeighborsClassifier (brute, all
                                         cores): fit on TRAIN, predict TEST
Timed: reading, scaling, fitting and assigning/predicting; the metrics after. JSON out.
Silhouette is scikit-learn's on a 4,000-row sample, as Strata's."""
import json
import os
import sys
import time

import numpy as np
import pandas as pd


def gen_clusters(out, rows):
    rng = np.random.default_rng(5)
    centres = rng.normal(0, 3, (10, 20))
    x = centres[rng.integers(0, 10, rows)] + rng.normal(0, 1, (rows, 20))
    pd.DataFrame(x, columns=[f"f{i}" for i in range(20)]).to_csv(out, index=False, float_format="%.4f")


def gen_classes(train, test, rows):
    rng = np.random.default_rng(6)
    centres = rng.normal(0, 0.7, (5, 20))
    for path, n in ((train, rows), (test, rows // 5)):
        y = rng.integers(0, 5, n)
        x = centres[y] + rng.normal(0, 1, (n, 20))
        df = pd.DataFrame(x, columns=[f"f{i}" for i in range(20)])
        df["y"] = [f"c{v}" for v in y]
        df.to_csv(path, index=False, float_format="%.4f")


def silhouette(x, labels):
    from sklearn.metrics import silhouette_score
    return float(silhouette_score(x, labels, sample_size=4000, random_state=1))


def kmeans(path, k, iterations):
    import faiss
    from sklearn.cluster import KMeans
    out = {}
    t0 = time.time()
    x = pd.read_csv(path).to_numpy(dtype=np.float32)
    x = np.ascontiguousarray((x - x.mean(axis=0)) / x.std(axis=0))
    read_s = time.time() - t0

    t = time.time()
    km = faiss.Kmeans(x.shape[1], k, niter=iterations, nredo=3, seed=1)
    km.train(x)
    dist, labels = km.index.search(x, 1)
    out["faiss"] = {"seconds": read_s + time.time() - t, "inertia": float(dist.sum()),
                    "silhouette": silhouette(x, labels.ravel())}

    t = time.time()
    sk = KMeans(n_clusters=k, n_init=3, max_iter=iterations, random_state=1).fit(x)
    out["sklearn"] = {"seconds": read_s + time.time() - t, "inertia": float(sk.inertia_),
                      "silhouette": silhouette(x, sk.labels_)}
    return out


def knn(train, test, k):
    from sklearn.neighbors import KNeighborsClassifier
    t0 = time.time()
    tr, te = pd.read_csv(train), pd.read_csv(test)
    yt, yv = tr.pop("y").to_numpy(), te.pop("y").to_numpy()
    xt, xv = tr.to_numpy(dtype=np.float32), te.to_numpy(dtype=np.float32)
    mean, std = xt.mean(axis=0), xt.std(axis=0)
    xt, xv = np.ascontiguousarray((xt - mean) / std), np.ascontiguousarray((xv - mean) / std)
    model = KNeighborsClassifier(n_neighbors=k, algorithm="brute", n_jobs=-1).fit(xt, yt)
    pred = model.predict(xv)
    seconds = time.time() - t0
    return {"sklearn": {"seconds": seconds, "accuracy": float((pred == yv).mean())}}


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "gen-clusters":
        gen_clusters(args[0], int(args[1]))
    elif cmd == "gen-classes":
        gen_classes(args[0], args[1], int(args[2]))
    elif cmd == "kmeans":
        print(json.dumps(kmeans(args[0], int(args[1]), int(args[2]))))
    elif cmd == "knn":
        print(json.dumps(knn(args[0], args[1], int(args[2]))))
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
