#!/usr/bin/env python3
"""scikit-learn's metrics on the CSV files metrics_sklearn_test.cpp writes, as JSON on
stdout. Usage: sklearn_metrics.py DIR (with binary.csv, multiclass.csv, regression.csv)."""
import json
import os
import sys

import numpy as np
from sklearn import metrics


def load(path):
    return np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)


def classification(y, pred, out):
    out["accuracy"] = metrics.accuracy_score(y, pred)
    for avg in ("macro", "weighted"):
        p, r, f, _ = metrics.precision_recall_fscore_support(y, pred, average=avg, zero_division=0)
        out[avg] = {"precision": p, "recall": r, "f1": f}
    p, r, f, s = metrics.precision_recall_fscore_support(y, pred, average=None, zero_division=0)
    out["per_class"] = [{"precision": a, "recall": b, "f1": c, "support": int(d)} for a, b, c, d in zip(p, r, f, s)]


def main():
    d = sys.argv[1]
    out = {"sklearn": __import__("sklearn").__version__}

    b = load(os.path.join(d, "binary.csv"))
    y, score, threshold = b[:, 0].astype(int), b[:, 1], 0.5
    pred = (score >= threshold).astype(int)
    binary = {}
    classification(y, pred, binary)
    binary["precision"] = metrics.precision_score(y, pred, zero_division=0)
    binary["recall"] = metrics.recall_score(y, pred, zero_division=0)
    binary["f1"] = metrics.f1_score(y, pred, zero_division=0)
    binary["roc_auc"] = metrics.roc_auc_score(y, score)
    binary["pr_auc"] = metrics.average_precision_score(y, score)
    binary["log_loss"] = metrics.log_loss(y, score)
    out["binary"] = binary

    m = load(os.path.join(d, "multiclass.csv"))
    y, probs = m[:, 0].astype(int), m[:, 1:]
    k = probs.shape[1]
    multi = {}
    classification(y, probs.argmax(axis=1), multi)
    multi["log_loss"] = metrics.log_loss(y, probs, labels=list(range(k)))
    multi["roc_auc_ovr"] = metrics.roc_auc_score(y, probs, multi_class="ovr", average="macro")
    out["multiclass"] = multi

    r = load(os.path.join(d, "regression.csv"))
    actual, predicted = r[:, 0], r[:, 1]
    out["regression"] = {
        "rmse": metrics.mean_squared_error(actual, predicted) ** 0.5,
        "mae": metrics.mean_absolute_error(actual, predicted),
        "r2": metrics.r2_score(actual, predicted),
        "mape": metrics.mean_absolute_percentage_error(actual, predicted),
    }
    json.dump(out, sys.stdout, default=float)


if __name__ == "__main__":
    main()
