#!/usr/bin/env python3
"""The server a user would write instead of a Strata endpoint: Flask + xgboost, loading
the same model file. Run under gunicorn: MODEL=path/xgboost.json gunicorn -w 2 ... \
flask_xgboost_server:app. Accepts {"instances": [{"f0": .., ...}]} like Strata."""
import os

import numpy as np
import xgboost as xgb
from flask import Flask, jsonify, request

FEATURES = [f"f{i}" for i in range(30)]
booster = xgb.Booster(model_file=os.environ["MODEL"])
booster.set_param({"nthread": 1})
app = Flask(__name__)

@app.post("/invocations")
def invocations():
    rows = request.get_json()["instances"]
    x = np.array([[r[f] for f in FEATURES] for r in rows], dtype=np.float32)
    p = booster.predict(xgb.DMatrix(x))
    return jsonify({"predictions": [{"prediction": int(v >= 0.5), "probabilities": {"0": float(1 - v), "1": float(v)}} for v in p]})
