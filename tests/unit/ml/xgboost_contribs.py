"""TreeSHAP contributions of a saved booster, from the xgboost Python package.

Usage: xgboost_contribs.py MODEL_JSON DATA_CSV ITERATION_END
DATA_CSV holds the feature matrix without a header; empty fields are missing. Prints
the contributions as JSON, shape (rows, groups, features + 1) (strict_shape), computed
with the trees [0, ITERATION_END) as Strata's explanations use them.
"""
import json
import sys

import numpy as np
import xgboost


def main():
    model, data, end = sys.argv[1], sys.argv[2], int(sys.argv[3])
    x = np.genfromtxt(data, delimiter=",", dtype=np.float32, missing_values="", filling_values=np.nan)
    if x.ndim == 1:
        x = x.reshape(1, -1)
    booster = xgboost.Booster()
    booster.load_model(model)
    contribs = booster.predict(xgboost.DMatrix(x, missing=np.nan), pred_contribs=True,
                               iteration_range=(0, end), strict_shape=True)
    json.dump(np.asarray(contribs, dtype=np.float64).tolist(), sys.stdout)


if __name__ == "__main__":
    main()
