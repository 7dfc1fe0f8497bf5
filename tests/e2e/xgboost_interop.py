#!/usr/bin/env python3
"""The xgboost Python package's side of the interop tests (model_registry_e2e_test.cpp).

  predict ARCHIVE CSV OUT
      Loads xgboost.json from a `strata models export` archive with
      xgboost.Booster(model_file=...), reads the CSV's columns in the order of the
      recipe's features (model.json), and writes one prediction per line, predicting
      with the trees up to the booster's best_iteration as Strata does.
  train CSV TARGET MODEL_OUT PRED_OUT
      Trains a binary:logistic booster on the CSV's other columns (empty cells are
      missing values), saves it as JSON with its feature names and writes its
      predictions on the same rows.
"""
import csv
import json
import math
import sys
import tarfile
import tempfile

import numpy as np
import xgboost


def read_csv(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def matrix(header, rows, columns):
    idx = [header.index(c) for c in columns]
    return np.array([[float(r[i]) if r[i] != "" else math.nan for i in idx] for r in rows], dtype=np.float32)


def write_predictions(path, pred):
    with open(path, "w") as f:
        for p in np.atleast_1d(pred):
            f.write(",".join(f"{v:.9g}" for v in np.atleast_1d(p)) + "\n")


def predict(archive, csv_path, out):
    with tempfile.TemporaryDirectory() as d:
        with tarfile.open(archive, "r:gz") as t:
            names = sorted(t.getnames())
            assert names == ["model.json", "xgboost.json"], names
            t.extractall(d)
        model = json.load(open(f"{d}/model.json"))
        assert model["format"] == "strata-model" and model["payload"] == "xgboost.json"
        booster = xgboost.Booster(model_file=f"{d}/xgboost.json")
    features = model["recipe"]["features"]
    header, rows = read_csv(csv_path)
    best = booster.attr("best_iteration")
    end = int(best) + 1 if best is not None else 0
    pred = booster.predict(xgboost.DMatrix(matrix(header, rows, features), missing=math.nan), iteration_range=(0, end))
    write_predictions(out, pred)


def train(csv_path, target, model_out, pred_out):
    header, rows = read_csv(csv_path)
    features = [c for c in header if c != target]
    x = matrix(header, rows, features)
    y = np.array([float(r[header.index(target)]) for r in rows])
    d = xgboost.DMatrix(x, label=y, missing=math.nan, feature_names=features)
    booster = xgboost.train({"objective": "binary:logistic", "max_depth": 3, "eta": 0.3, "seed": 1}, d, num_boost_round=25)
    booster.save_model(model_out)
    write_predictions(pred_out, booster.predict(xgboost.DMatrix(x, missing=math.nan, feature_names=features)))


if __name__ == "__main__":
    if sys.argv[1] == "predict":
        predict(*sys.argv[2:5])
    elif sys.argv[1] == "train":
        train(*sys.argv[2:6])
    else:
        sys.exit(__doc__)
