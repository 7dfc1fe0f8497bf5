"""Trains, with the xgboost Python package, models Strata did not train itself, and
writes each model with rows and xgboost's own predictions for them.

Usage: xgboost_python_models.py OUT_DIR
Writes OUT_DIR/NAME.json (the model), NAME.csv (rows, no header, empty = missing) and
NAME.pred.csv (predictions, one row per input row) for:
  forest      multi:softprob, 3 classes, num_parallel_tree=3 (random-forest rounds)
  categorical binary:logistic with categorical splits on feature 0 (the compiled
              evaluator refuses it; Strata must fall back to libxgboost)
"""
import sys

import numpy as np
import xgboost


def data(rng, n, cols, categorical):
    x = rng.normal(size=(n, cols)).astype(np.float32)
    if categorical:
        x[:, 0] = rng.integers(0, 6, size=n)
    y_score = x[:, 1] + 0.5 * x[:, 2] + (np.isin(x[:, 0], [1, 4]) if categorical else 0)
    x[rng.random(size=x.shape) < 0.15] = np.nan
    return x, y_score


def write(out, name, booster, x):
    booster.save_model(f"{out}/{name}.json")
    np.savetxt(f"{out}/{name}.csv", x, delimiter=",", fmt="%.9g")
    with open(f"{out}/{name}.csv") as f:
        text = f.read().replace("nan", "")
    with open(f"{out}/{name}.csv", "w") as f:
        f.write(text)
    pred = booster.predict(xgboost.DMatrix(x, missing=np.nan, feature_types=booster.feature_types,
                                           enable_categorical=True))
    np.savetxt(f"{out}/{name}.pred.csv", pred.reshape(len(x), -1), delimiter=",", fmt="%.9g")


def main():
    out = sys.argv[1]
    rng = np.random.default_rng(7)

    x, s = data(rng, 3000, 8, False)
    y = np.digitize(s, [-0.5, 0.5])
    d = xgboost.DMatrix(x, label=y, missing=np.nan)
    forest = xgboost.train({"objective": "multi:softprob", "num_class": 3, "num_parallel_tree": 3,
                            "subsample": 0.8, "colsample_bynode": 0.8, "max_depth": 5, "nthread": 1,
                            "seed": 1}, d, num_boost_round=4)
    write(out, "forest", forest, data(rng, 1500, 8, False)[0])

    x, s = data(rng, 3000, 6, True)
    types = ["c"] + ["q"] * 5
    d = xgboost.DMatrix(x, label=(s > 0.5).astype(np.float32), missing=np.nan, feature_types=types,
                        enable_categorical=True)
    cat = xgboost.train({"objective": "binary:logistic", "tree_method": "hist", "max_depth": 4,
                         "max_cat_to_onehot": 1, "nthread": 1}, d, num_boost_round=20)
    write(out, "categorical", cat, data(rng, 1500, 6, True)[0])


if __name__ == "__main__":
    main()
