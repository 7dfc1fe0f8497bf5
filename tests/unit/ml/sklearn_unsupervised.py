#!/usr/bin/env python3
"""scikit-learn's PCA and IsolationForest on the CSV files pca_test.cpp and
anomaly_test.cpp write, as JSON on stdout.

Usage: sklearn_unsupervised.py pca DIR      (DIR/x.csv: the features, no header)
       sklearn_unsupervised.py iforest DIR  (DIR/x.csv, DIR/labels.csv, DIR/strata_scores.csv)"""
import json
import os
import sys

import numpy as np
from scipy.stats import spearmanr
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.ensemble._iforest import _average_path_length
from sklearn.metrics import roc_auc_score


def flip(components):
    """Strata's sign convention: each component's largest-magnitude loading positive."""
    out = components.copy()
    for c in out:
        if c[np.argmax(np.abs(c))] < 0:
            c *= -1
    return out


def pca(d):
    x = np.loadtxt(os.path.join(d, "x.csv"), delimiter=",", ndmin=2)
    out = {}
    for whiten in (False, True):
        p = PCA(n_components=3, svd_solver="full", whiten=whiten).fit(x)
        signs = np.sign(np.sum(flip(p.components_) * p.components_, axis=1))
        out["whiten" if whiten else "plain"] = {
            "mean": p.mean_.tolist(),
            "components": flip(p.components_).tolist(),
            "explained_variance": p.explained_variance_.tolist(),
            "explained_variance_ratio": p.explained_variance_ratio_.tolist(),
            "singular_values": p.singular_values_.tolist(),
            "transform": (p.transform(x[:20]) * signs).tolist(),
        }
    out["fraction_0.9"] = int(PCA(n_components=0.9, svd_solver="full").fit(x).n_components_)
    return out


def iforest(d):
    x = np.loadtxt(os.path.join(d, "x.csv"), delimiter=",", ndmin=2).astype(np.float32)
    labels = np.loadtxt(os.path.join(d, "labels.csv"), ndmin=1).astype(int)
    ours = np.loadtxt(os.path.join(d, "strata_scores.csv"), ndmin=1)
    f = IsolationForest(n_estimators=300, max_samples=256, contamination=0.01, random_state=0).fit(x)
    theirs = -f.score_samples(x)
    return {
        "sklearn_auc": roc_auc_score(labels, theirs),
        "strata_auc": roc_auc_score(labels, ours),
        "spearman": spearmanr(ours, theirs).correlation,
        "sklearn_flagged_rate": float(np.mean(f.predict(x) == -1)),
        "sklearn_threshold": float(-f.offset_),
        "average_path_length": _average_path_length(np.arange(0, 1001)).tolist(),
    }


def main():
    mode, d = sys.argv[1], sys.argv[2]
    print(json.dumps({"pca": pca, "iforest": iforest}[mode](d)))


if __name__ == "__main__":
    main()
