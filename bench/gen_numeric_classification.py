#!/usr/bin/env python3
"""A binary classification CSV with 30 numeric columns (f0..f29) and a label y, for the
serving benchmark: all-numeric so the Flask baseline needs no preprocessing and both
servers run the same XGBoost model file on the same features. Deterministic; stdlib only.
Usage: gen_numeric_classification.py OUT.csv ROWS [--no-label]"""
import random
import sys

def main():
    out, rows = sys.argv[1], int(sys.argv[2])
    label = "--no-label" not in sys.argv
    rng = random.Random(13)
    w = [rng.gauss(0, 1) for _ in range(30)]
    with open(out, "w") as f:
        f.write(",".join([f"f{i}" for i in range(30)] + (["y"] if label else [])) + "\n")
        for _ in range(rows):
            x = [rng.gauss(0, 1) for _ in range(30)]
            s = sum(a * b for a, b in zip(w, x)) + rng.gauss(0, 2)
            vals = [f"{v:.5f}" for v in x] + ([str(int(s > 0))] if label else [])
            f.write(",".join(vals) + "\n")

if __name__ == "__main__":
    main()
