#pragma once
// fastText 0.9.2 (Debian's libfasttext-dev) behind a small Strata-owned class: the only
// file pair that sees <fasttext/fasttext.h>, and the place where fastText's exceptions
// (std::invalid_argument on bad arguments or files, its AbortError, bad_alloc) become
// Status. text_algorithms.cpp builds the `text-classifier` and `word-vectors`
// algorithms on it.
//
// Files are fastText's own `.bin` format (saveModel/loadModel), so a model saved here
// loads in the fasttext Python package (fasttext.load_model) and the other way round.
//
// Threads: Probabilities and SentenceVector may be called from several threads at once.
// fastText 0.9.2's FastText::predict is const and keeps its per-call state
// (Model::State) on the stack; Dictionary::getLine and getWordVector are const too.
// getSentenceVector is not declared const but only reads the model (its code in 0.9.2),
// so no lock is needed. Train runs fastText's own worker threads (`threads`).

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"

namespace fasttext {
class FastText;
}

namespace strata::ml {

// fastText's label prefix: a token that starts with it is a label, not a word.
inline constexpr std::string_view kFastTextLabelPrefix = "__label__";

// `text` as one fastText input line (without the newline): newlines become spaces
// (fastText ends a line, and an example, at '\n'), and a word that starts with the
// label prefix gets one more leading '_' so it stays a word. Training files and
// predictions use the same function, so both see the same words.
std::string FastTextLine(std::string_view text);

struct FastTextTrainOptions {
  std::string model = "supervised";  // supervised, skipgram or cbow
  std::string loss = "softmax";      // softmax, ova, hs or ns
  int epochs = 5;
  double lr = 0.1;
  int dim = 100;
  int word_ngrams = 1;
  int min_count = 1;
  int minn = 0, maxn = 0;  // character n-gram lengths (0: none)
  int bucket = 0;          // hash buckets for word and character n-grams
  int window = 5;          // skipgram/cbow context size
  int neg = 5;             // negatives sampled (loss ns)
  int threads = 1;
  int seed = 0;
};

// During training, from fastText's threads (calls are serialized): epoch `epoch`
// (0-based) is done and the running average loss is `loss`. Called for the epochs
// before the last one, each once and in order; return false to stop training.
using FastTextEpochCallback = std::function<bool(int epoch, double loss)>;

class FastTextModel {
 public:
  FastTextModel(FastTextModel&&) noexcept;
  FastTextModel& operator=(FastTextModel&&) noexcept;
  ~FastTextModel();

  // Trains on `input`, a file of lines as fastText reads them ("__label__3 some words"
  // for supervised models). fastText's console output goes to the debug log. A stop
  // asked for by the callback returns the partly trained model with stopped() true.
  static Result<FastTextModel> Train(const std::filesystem::path& input,
                                     const FastTextTrainOptions& options,
                                     const FastTextEpochCallback& on_epoch);
  static Result<FastTextModel> Load(const std::filesystem::path& file);
  // Writes the model to `file` atomically (core::AtomicFileWriter: temporary, fsync,
  // rename).
  Status Save(const std::filesystem::path& file) const;

  bool supervised() const;
  bool stopped() const { return stopped_; }
  int dimension() const;
  // The labels of a supervised model, by fastText's label index.
  const std::vector<std::string>& labels() const { return labels_; }
  // Dictionary and training facts: words, labels, tokens, dim, model, loss, epochs,
  // word_ngrams, bucket, minn, maxn.
  Json Stats() const;
  // After Train: the average loss over training (of thread 0's examples); -1 if unknown.
  double loss() const { return loss_; }

  // Supervised models: the probability of each label (labels().size() values into
  // `out`) for one FastTextLine, from predict with k = all labels and threshold 0, as
  // fastText reports them: each is the model's output plus 1e-5 (fastText's predict
  // takes log(p + 1e-5)); ova's are independent sigmoids that need not sum to 1; labels
  // that the hierarchical softmax prunes (below 1e-5) get 0.
  Status Probabilities(const std::string& line, float* out) const;
  // fastText's sentence vector of one FastTextLine (dimension() values into `out`):
  // the mean of the input vectors of its words and n-grams (supervised) or of its
  // L2-normalised word vectors (skipgram/cbow), as getSentenceVector computes it.
  Status SentenceVector(const std::string& line, float* out) const;

 private:
  FastTextModel() = default;
  Status Describe();  // fills labels_ from the dictionary

  std::unique_ptr<fasttext::FastText> ft_;
  std::vector<std::string> labels_;
  double loss_ = -1;
  bool stopped_ = false;
};

}  // namespace strata::ml
