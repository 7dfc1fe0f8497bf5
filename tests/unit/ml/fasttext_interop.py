"""Reads a fastText model.bin written by Strata with the fasttext Python package (Debian's
python3-fasttext) and prints, as JSON, what the package computes for each line of a text
file: for supervised models every label's probability (predict with k=-1, threshold 0),
for word vectors the sentence vector. text_algorithms_test.cpp compares them with
Strata's own predictions.

Usage: fasttext_interop.py MODEL.bin TEXTS.txt supervised|vectors
"""
import json
import sys

import fasttext

model = fasttext.load_model(sys.argv[1])
with open(sys.argv[2], encoding="utf-8") as f:
    lines = f.read().split("\n")[:-1]
out = []
if sys.argv[3] == "supervised":
    for line in lines:
        labels, probs = model.predict(line, k=-1, threshold=0.0)
        out.append({label: float(p) for label, p in zip(labels, probs)})
else:
    for line in lines:
        out.append([float(v) for v in model.get_sentence_vector(line)])
print(json.dumps({"dimension": model.get_dimension(), "rows": out}))
