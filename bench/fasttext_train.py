#!/usr/bin/env python3
"""What a user would write instead of `strata train --algorithm text-classifier`: read the
CSV, write fastText's `__label__` file, fasttext.train_supervised with the same
hyperparameters, accuracy on the validation CSV.
Usage: fasttext_train.py TRAIN.csv VALID.csv EPOCHS LR NGRAMS DIM BUCKET THREADS -> JSON"""
import csv
import json
import os
import sys
import tempfile
import time

import fasttext

train, valid = sys.argv[1], sys.argv[2]
epochs, lr, ngrams, dim, bucket, threads = (int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]),
                                            int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8]))
t0 = time.time()
with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f, open(train) as src:
    for row in csv.DictReader(src):
        f.write(f"__label__{row['label']} {row['text']}\n")
    path = f.name
model = fasttext.train_supervised(path, epoch=epochs, lr=lr, wordNgrams=ngrams, dim=dim, bucket=bucket,
                                  thread=threads, minCount=1, loss="softmax", verbose=0)
os.unlink(path)
t_train = time.time() - t0
with open(valid) as src:
    rows = list(csv.DictReader(src))
labels, _ = model.predict([r["text"] for r in rows], k=1)
accuracy = sum(l[0] == "__label__" + r["label"] for l, r in zip(labels, rows)) / len(rows)
print(json.dumps({"train_s": t_train, "total_s": time.time() - t0, "accuracy": accuracy}))
