#pragma once
// The text algorithms, on fastText 0.9.2 (fasttext_model.h): both read the raw text of
// one column (Algorithm::input_kind() is kText) and tokenize it on whitespace, as
// fastText does; newlines inside a text are read as spaces.
//
// `text-classifier`: supervised classification (binary and multi-class) from a text
// column and a label column: fastText's linear model over word and word n-gram
// embeddings, loss softmax, one-vs-all (ova) or hierarchical softmax (hs). Predictions
// follow algorithm.h: class probabilities in class-index order (binary: of class 1),
// from fastText's predict over all labels, normalised to sum to 1 (fastText adds 1e-5
// to each, and ova's independent sigmoids need not sum to 1); a class the training
// rows lacked gets 0. fastText's label for class index i is `__label__i`. Info()
// reports "top_k", so each served prediction also lists the top_k most probable classes.
// No per-row weights: fastText weighs every example the same (class_weight=balanced is
// an InvalidArgument).
//
// `word-vectors`: unsupervised word vectors (skipgram or cbow, with character n-gram
// subwords, so unseen words get vectors too). Its problem is text_embedding: each row's
// prediction is fastText's sentence vector of the text (the mean of its L2-normalised
// word vectors), `dim` values.
//
// Files: the version directory holds `model.bin`, fastText's own format, which the
// fasttext Python package loads (fasttext.load_model) and predicts with alike.
//
// Training writes the examples to a temporary file (fastText trains from a file) in
// TrainInput::work_dir and removes it afterwards. With threads > 1 fastText trains
// lock-free in parallel, so results vary slightly from run to run; threads=1 with a
// fixed seed is reproducible. Predict/PredictText are thread-safe without a lock (see
// fasttext_model.h).

#include "ml/algorithm.h"

namespace strata::ml {

const Algorithm& TextClassifierAlgorithm();
const Algorithm& WordVectorsAlgorithm();

}  // namespace strata::ml
