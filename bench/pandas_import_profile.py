#!/usr/bin/env python3
"""What a user would write instead of `strata datasets import` + `profile`: pandas
read_csv, then describe(include='all') and corr(). Prints JSON timings and peak RSS.
Usage: pandas_import_profile.py FILE.csv"""
import json
import resource
import sys
import time

import pandas as pd

t0 = time.perf_counter()
df = pd.read_csv(sys.argv[1])
t1 = time.perf_counter()
df.describe(include="all")
df.corr(numeric_only=True)
t2 = time.perf_counter()
print(json.dumps({"read_csv_s": t1 - t0, "profile_s": t2 - t1,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "rows": len(df), "pandas": pd.__version__}))
