#!/usr/bin/env python3
"""The pipeline a user would write instead of `strata train`: pandas.read_csv, one-hot of
categorical columns, a stratified 80/20 split, xgboost.train with the same
hyperparameters, tree method and thread count, validation AUC.
Usage: pandas_xgboost_train.py IN.csv TARGET ROUNDS THREADS -> JSON on stdout"""
import json
import sys
import time

import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

path, target, rounds, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
t0 = time.time()
df = pd.read_csv(path)
t_read = time.time() - t0
y = df.pop(target).to_numpy()
x = pd.get_dummies(df, dummy_na=False).to_numpy(dtype=np.float32)
xt, xv, yt, yv = train_test_split(x, y, test_size=0.2, stratify=y, random_state=1)
params = {"objective": "binary:logistic", "eta": 0.3, "max_depth": 6, "tree_method": "hist",
          "nthread": threads, "eval_metric": "logloss", "seed": 0}
booster = xgb.train(params, xgb.DMatrix(xt, label=yt), rounds)
auc = roc_auc_score(yv, booster.predict(xgb.DMatrix(xv)))
print(json.dumps({"read_s": t_read, "total_s": time.time() - t0, "auc": auc}))
