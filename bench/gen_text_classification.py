#!/usr/bin/env python3
"""A generated text classification set: `label,text` rows of 12 words over 20 classes.
Each word is, with probability 0.3, one of its class's 150 topic words (a tenth of those
borrowed from another class) and otherwise one of 5,000 shared words drawn with a Zipf
law, so the classes overlap and accuracy stays below 100 %.
Usage: gen_text_classification.py OUT.csv ROWS SEED"""
import random
import sys

out, rows, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
CLASSES, TOPIC, SHARED, WORDS = 20, 150, 5000, 12
shared = [f"w{i}" for i in range(SHARED)]
cum, total = [], 0.0
for i in range(SHARED):
    total += 1.0 / (i + 1)
    cum.append(total)
topics = [[f"c{c}t{i}" for i in range(TOPIC)] for c in range(CLASSES)]
with open(out, "w") as f:
    f.write("label,text\n")
    for _ in range(rows):
        c = rng.randrange(CLASSES)
        words = []
        for _ in range(WORDS):
            if rng.random() < 0.3:
                source = c if rng.random() < 0.9 else rng.randrange(CLASSES)
                words.append(rng.choice(topics[source]))
            else:
                words.append(rng.choices(shared, cum_weights=cum)[0])
        f.write(f"class{c},{' '.join(words)}\n")
