#!/usr/bin/env python3
"""A numeric CSV for the pca and anomaly benchmark: 20 columns (f0..f19) driven by 5
latent factors plus noise, so a handful of components explain most of the variance,
and 1% planted anomalies (rows pushed 6 to 10 standard deviations off the data along a
random direction) labelled is_anomaly = 1. Deterministic (numpy, seed 7).
Usage: gen_latent_anomalies.py OUT.csv ROWS"""
import sys

import numpy as np


def main():
    out, rows = sys.argv[1], int(sys.argv[2])
    rng = np.random.default_rng(7)
    cols, factors = 20, 5
    loadings = rng.normal(0, 1, (factors, cols))
    spread = np.array([3.0, 2.0, 1.5, 1.0, 0.7])
    x = (rng.normal(0, 1, (rows, factors)) * spread) @ loadings + rng.normal(0, 0.5, (rows, cols))
    labels = (rng.random(rows) < 0.01).astype(int)
    k = int(labels.sum())
    direction = rng.normal(0, 1, (k, cols))
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    x[labels == 1] += direction * rng.uniform(6, 10, (k, 1)) * x.std(axis=0)
    with open(out, "w") as f:
        f.write(",".join([f"f{i}" for i in range(cols)] + ["is_anomaly"]) + "\n")
        for start in range(0, rows, 100000):
            block = x[start:start + 100000]
            lab = labels[start:start + 100000]
            f.write("".join(",".join(f"{v:.5f}" for v in row) + f",{y}\n" for row, y in zip(block, lab)))


if __name__ == "__main__":
    main()
