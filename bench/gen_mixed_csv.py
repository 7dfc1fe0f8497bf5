#!/usr/bin/env python3
"""Generates the benchmark CSV of issue 3: N rows x 20 columns of mixed types
(numbers, categories, text, timestamps) with 5 % nulls. Deterministic; stdlib only.
Usage: gen_mixed_csv.py OUT.csv [ROWS]"""
import datetime as dt
import random
import sys

def main():
    out, rows = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    rng = random.Random(7)
    cats = [["red", "green", "blue", "cyan"], [f"city_{i}" for i in range(60)], ["a", "b"], [f"sku{i}" for i in range(500)]]
    words = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma".split()
    t0 = dt.datetime(2020, 1, 1)
    header = ([f"f{i}" for i in range(8)] + [f"i{i}" for i in range(4)] + [f"c{i}" for i in range(4)]
              + ["text0", "text1", "ts0", "ts1"])
    def null(v):
        return "" if rng.random() < 0.05 else v
    with open(out, "w") as f:
        f.write(",".join(header) + "\n")
        for r in range(rows):
            vals = [null(f"{rng.gauss(0, 1):.6f}") for _ in range(8)]
            vals += [null(str(rng.randrange(-1000, 100000))) for _ in range(4)]
            vals += [null(rng.choice(c)) for c in cats]
            vals += [null(" ".join(rng.choice(words) for _ in range(rng.randrange(3, 9)))) for _ in range(2)]
            t = t0 + dt.timedelta(seconds=rng.randrange(0, 5 * 365 * 86400))
            vals += [null(t.strftime("%Y-%m-%d %H:%M:%S")), null(t.strftime("%Y-%m-%d"))]
            f.write(",".join(vals) + "\n")

if __name__ == "__main__":
    main()
