#!/usr/bin/env python3
"""Batch prediction as a user would write it: pandas.read_csv + xgboost predict on all
cores, predictions written to CSV. Usage: batch_predict_pandas.py MODEL IN.csv OUT.csv"""
import sys

import pandas as pd
import xgboost as xgb

model, inp, out = sys.argv[1:4]
df = pd.read_csv(inp)
booster = xgb.Booster(model_file=model)
p = booster.predict(xgb.DMatrix(df[[f"f{i}" for i in range(30)]].to_numpy(dtype="float32")))
df["prediction"] = (p >= 0.5).astype(int)
df["p_1"] = p
df.to_csv(out, index=False)
