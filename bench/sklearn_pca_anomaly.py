#!/usr/bin/env python3
"""What a user would write instead of `strata train --algorithm pca|anomaly`:
pandas.read_csv, then StandardScaler + PCA(n_components=5), or
IsolationForest(n_estimators=100, max_samples=256, contamination=0.01, all cores).
Prints the time from reading to a fitted model and the main metric on all rows: the
total explained variance ratio, or the ROC AUC of the scores against is_anomaly.
Usage: sklearn_pca_anomaly.py pca|anomaly IN.csv -> JSON on stdout"""
import json
import sys
import time

import pandas as pd
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler

mode, path = sys.argv[1], sys.argv[2]
t0 = time.time()
df = pd.read_csv(path)
y = df.pop("is_anomaly").to_numpy()
x = df.to_numpy()
if mode == "pca":
    pca = PCA(n_components=5).fit(StandardScaler().fit_transform(x))
    seconds = time.time() - t0
    metric = float(pca.explained_variance_ratio_.sum())
else:
    forest = IsolationForest(n_estimators=100, max_samples=256, contamination=0.01, n_jobs=-1, random_state=0).fit(x)
    seconds = time.time() - t0
    metric = roc_auc_score(y, -forest.score_samples(x))
print(json.dumps({"total_s": seconds, "metric": metric}))
