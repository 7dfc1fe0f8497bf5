// `text-classifier` and `word-vectors`: Strata's problems, classes, hyperparameters and
// training files on top of the fastText adapter (fasttext_model.h).
#include "ml/text_algorithms.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "ml/fasttext_model.h"
#include "ml/metrics.h"

namespace strata::ml {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kModelFile = "model.bin";
// The input matrix is (words + bucket) x dim floats; beyond this it could not be
// exported (model archives take files up to 2 GiB).
constexpr double kMaxInputFloats = double(1u << 29);

// ---------------------------------------------------------------------------------------
// Hyperparameters.

HyperparameterSpec Int(std::string name, double min, double max, int def, std::string description) {
  return {std::move(name), "int", min, max, false, {}, def, std::move(description)};
}

HyperparameterSpec ThreadsSpec() {
  return Int("threads", 0, 256, 0,
             "training threads (0: one per core); more than one trains lock-free in parallel, so "
             "results vary "
             "slightly between runs");
}
HyperparameterSpec SeedSpec() {
  return Int("seed", 0, INT_MAX, 0, "random seed (reproducible with threads=1)");
}
HyperparameterSpec BucketSpec() {
  return Int("bucket", 0, 10'000'000, 200'000,
             "hash buckets for word and character n-grams (fastText's default is 2,000,000; each "
             "bucket holds dim "
             "floats in the model file); unused without n-grams");
}

const std::vector<HyperparameterSpec>& ClassifierSpecs() {
  static const std::vector<HyperparameterSpec> kSpecs = {
      Int("epochs", 1, 1000, 5, "passes over the training texts"),
      {"lr", "float", 0, 10, true, {}, 0.1, "learning rate (decays linearly to 0 over the epochs)"},
      Int("word_ngrams", 1, 5, 1,
          "longest word n-gram used as a feature (2: words and word pairs)"),
      Int("dim", 1, 1000, 100, "size of the word vectors"),
      Int("min_count", 1, INT_MAX, 1, "words seen fewer times are left out"),
      Int("minn", 0, 20, 0, "shortest character n-gram of words (0: none)"),
      Int("maxn", 0, 20, 0,
          "longest character n-gram of words (0: none); helps with typos and rare words"),
      {"loss",
       "string",
       0,
       0,
       false,
       {"softmax", "ova", "hs"},
       "softmax",
       "softmax; ova: one-vs-all (independent sigmoids, normalised into probabilities); hs: "
       "hierarchical softmax "
       "(faster with many classes)"},
      BucketSpec(),
      ThreadsSpec(),
      SeedSpec(),
      Int("top_k", 1, 100, 3,
          "each served prediction lists this many of the most probable classes"),
  };
  return kSpecs;
}

const std::vector<HyperparameterSpec>& WordVectorSpecs() {
  static const std::vector<HyperparameterSpec> kSpecs = {
      {"model",
       "string",
       0,
       0,
       false,
       {"skipgram", "cbow"},
       "skipgram",
       "skipgram: predict the context from each word; cbow: predict each word from its context"},
      Int("epochs", 1, 1000, 5, "passes over the texts"),
      {"lr",
       "float",
       0,
       10,
       true,
       {},
       0.05,
       "learning rate (decays linearly to 0 over the epochs)"},
      Int("dim", 1, 1000, 100, "size of the vectors"),
      Int("min_count", 1, INT_MAX, 5, "words seen fewer times get no vector of their own"),
      Int("window", 1, 100, 5, "context words on each side"),
      Int("neg", 1, 100, 5, "negative examples sampled per word (loss ns)"),
      Int("minn", 0, 20, 3, "shortest character n-gram of words (0: none)"),
      Int("maxn", 0, 20, 6, "longest character n-gram of words (0: no subwords)"),
      {"loss",
       "string",
       0,
       0,
       false,
       {"ns", "hs", "softmax"},
       "ns",
       "ns: negative sampling; hs: hierarchical softmax; softmax: full softmax (slow with a large "
       "vocabulary)"},
      BucketSpec(),
      ThreadsSpec(),
      SeedSpec(),
  };
  return kSpecs;
}

Status CheckFastTextHyperparameters(const Json& hp) {
  const int minn = hp.value("minn", 0), maxn = hp.value("maxn", 0);
  const int word_ngrams = hp.value("word_ngrams", 1), bucket = hp.value("bucket", 0),
            dim = hp.value("dim", 100);
  if (maxn > 0 && minn < 1)
    return InvalidArgumentError(fmt::format("minn must be >= 1 when maxn is {}", maxn));
  if (maxn > 0 && minn > maxn) {
    return InvalidArgumentError(fmt::format("minn ({}) must not exceed maxn ({})", minn, maxn));
  }
  if ((word_ngrams > 1 || maxn > 0) && bucket < 1) {
    return InvalidArgumentError(fmt::format(
        "bucket must be >= 1 with word_ngrams {} and maxn {}: n-grams are hashed into the buckets",
        word_ngrams, maxn));
  }
  if (static_cast<double>(bucket) * dim > kMaxInputFloats) {
    return InvalidArgumentError(
        fmt::format("bucket x dim = {} x {} floats is more than a model file may hold (2 GiB): "
                    "lower bucket or dim",
                    bucket, dim));
  }
  return Status::Ok();
}

FastTextTrainOptions OptionsFrom(const Json& hp, std::string model) {
  FastTextTrainOptions o;
  o.model = std::move(model);
  o.loss = hp.value("loss", o.model == "supervised" ? "softmax" : "ns");
  o.epochs = hp.value("epochs", 5);
  o.lr = hp.value("lr", 0.1);
  o.dim = hp.value("dim", 100);
  o.word_ngrams = hp.value("word_ngrams", 1);
  o.min_count = hp.value("min_count", 1);
  o.minn = hp.value("minn", 0);
  o.maxn = hp.value("maxn", 0);
  o.bucket = hp.value("bucket", 200'000);
  o.window = hp.value("window", 5);
  o.neg = hp.value("neg", 5);
  o.threads = hp.value("threads", 0);
  if (o.threads == 0)
    o.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  o.seed = hp.value("seed", 0);
  return o;
}

// ---------------------------------------------------------------------------------------
// The training file: one example per line, as fastText reads it. Removed when this
// object goes away, whatever happened in between.

class TrainingFile {
 public:
  explicit TrainingFile(const fs::path& work_dir) {
    std::error_code ec;
    const fs::path dir = work_dir.empty() ? fs::temp_directory_path(ec) : work_dir;
    fs::create_directories(dir, ec);
    path_ = dir / fmt::format(".fasttext-input-{}.txt", core::NewId());
  }
  ~TrainingFile() {
    std::error_code ec;
    fs::remove(path_, ec);
  }
  TrainingFile(const TrainingFile&) = delete;
  TrainingFile& operator=(const TrainingFile&) = delete;

  // `labels`: one class index per text, or empty (unsupervised).
  Status Write(std::span<const std::string> texts, std::span<const float> labels) {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    if (!out)
      return InternalError(fmt::format("cannot create the training file {}", path_.string()));
    std::string line;
    for (size_t i = 0; i < texts.size(); ++i) {
      line.clear();
      if (!labels.empty())
        line = fmt::format("{}{} ", kFastTextLabelPrefix, static_cast<int>(labels[i]));
      line += FastTextLine(texts[i]);
      line += '\n';
      out.write(line.data(), static_cast<std::streamsize>(line.size()));
    }
    out.close();
    if (!out)
      return InternalError(fmt::format("cannot write the training file {}", path_.string()));
    return Status::Ok();
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::map<std::string, double> LossMetric(double loss) {
  std::map<std::string, double> m;
  if (loss >= 0 && std::isfinite(loss)) m["train-loss"] = loss;
  return m;
}

// ---------------------------------------------------------------------------------------
// The models.

class TextClassifierModel final : public Model {
 public:
  // Checks that every fastText label is `__label__i` for a distinct class index i, so
  // that PredictText can map labels to classes blindly.
  static Result<std::unique_ptr<TextClassifierModel>> Make(FastTextModel ft, Problem problem,
                                                           int num_classes, Json info) {
    if (!IsClassification(problem)) {
      return InvalidArgumentError(
          fmt::format("text-classifier does not do {}", ProblemName(problem)));
    }
    if (!ft.supervised())
      return InvalidArgumentError("model.bin holds word vectors, not a text classifier");
    if (num_classes < 2 || (problem == Problem::kBinaryClassification && num_classes != 2)) {
      return InvalidArgumentError(
          fmt::format("a {} model cannot have {} classes", ProblemName(problem), num_classes));
    }
    std::vector<int> class_of_label;
    std::vector<bool> seen(static_cast<size_t>(num_classes), false);
    for (const std::string& label : ft.labels()) {
      int c = -1;
      const std::string_view digits = std::string_view(label).substr(
          label.rfind(kFastTextLabelPrefix, 0) == 0 ? kFastTextLabelPrefix.size() : label.size());
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), c);
      if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || c < 0 ||
          c >= num_classes || seen[static_cast<size_t>(c)]) {
        return InvalidArgumentError(fmt::format(
            "model.bin has label '{}' where {}0..{}{} are expected", label.substr(0, 60),
            kFastTextLabelPrefix, kFastTextLabelPrefix, num_classes - 1));
      }
      seen[static_cast<size_t>(c)] = true;
      class_of_label.push_back(c);
    }
    if (class_of_label.empty()) return InvalidArgumentError("model.bin has no labels");
    return std::unique_ptr<TextClassifierModel>(new TextClassifierModel(
        std::move(ft), problem, num_classes, std::move(class_of_label), std::move(info)));
  }

  Result<std::vector<float>> Predict(Matrix) const override {
    return InvalidArgumentError("text-classifier predicts from text, not from a feature matrix");
  }

  Result<std::vector<float>> PredictText(std::span<const std::string> texts) const override {
    const size_t k = static_cast<size_t>(num_classes_);
    std::vector<float> out;
    out.reserve(texts.size() * static_cast<size_t>(outputs_per_row()));
    std::vector<float> by_label(class_of_label_.size()), by_class(k);
    for (const std::string& text : texts) {
      STRATA_RETURN_IF_ERROR(ft_.Probabilities(FastTextLine(text), by_label.data()));
      std::fill(by_class.begin(), by_class.end(), 0.0f);
      double sum = 0;
      for (size_t j = 0; j < by_label.size(); ++j) {
        by_class[static_cast<size_t>(class_of_label_[j])] = by_label[j];
        sum += by_label[j];
      }
      for (float& p : by_class)
        p = sum > 0 ? static_cast<float>(p / sum) : 1.0f / static_cast<float>(k);
      if (problem_ == Problem::kBinaryClassification) {
        out.push_back(by_class[1]);
      } else {
        out.insert(out.end(), by_class.begin(), by_class.end());
      }
    }
    return out;
  }

  int outputs_per_row() const override {
    return problem_ == Problem::kMulticlassClassification ? num_classes_ : 1;
  }
  Result<std::string> Save(const fs::path& dir) const override {
    STRATA_RETURN_IF_ERROR(ft_.Save(dir / kModelFile));
    return std::string(kModelFile);
  }
  Json Info() const override { return info_; }
  // Before the model is shared: Info() is read without a lock.
  void set_info(Json info) { info_ = std::move(info); }

 private:
  TextClassifierModel(FastTextModel ft, Problem problem, int num_classes,
                      std::vector<int> class_of_label, Json info)
      : ft_(std::move(ft)),
        problem_(problem),
        num_classes_(num_classes),
        class_of_label_(std::move(class_of_label)),
        info_(std::move(info)) {}

  FastTextModel ft_;
  Problem problem_;
  int num_classes_;
  std::vector<int> class_of_label_;  // class index of each fastText label
  Json info_;
};

class WordVectorsModel final : public Model {
 public:
  static Result<std::unique_ptr<WordVectorsModel>> Make(FastTextModel ft, Json info) {
    if (ft.supervised())
      return InvalidArgumentError("model.bin holds a text classifier, not word vectors");
    return std::unique_ptr<WordVectorsModel>(new WordVectorsModel(std::move(ft), std::move(info)));
  }
  Result<std::vector<float>> Predict(Matrix) const override {
    return InvalidArgumentError("word-vectors embeds text, not a feature matrix");
  }
  Result<std::vector<float>> PredictText(std::span<const std::string> texts) const override {
    const size_t dim = static_cast<size_t>(ft_.dimension());
    std::vector<float> out(texts.size() * dim);
    for (size_t i = 0; i < texts.size(); ++i) {
      STRATA_RETURN_IF_ERROR(ft_.SentenceVector(FastTextLine(texts[i]), out.data() + i * dim));
    }
    return out;
  }
  int outputs_per_row() const override { return ft_.dimension(); }
  Result<std::string> Save(const fs::path& dir) const override {
    STRATA_RETURN_IF_ERROR(ft_.Save(dir / kModelFile));
    return std::string(kModelFile);
  }
  Json Info() const override { return info_; }

 private:
  WordVectorsModel(FastTextModel ft, Json info) : ft_(std::move(ft)), info_(std::move(info)) {}
  FastTextModel ft_;
  Json info_;
};

Result<FastTextModel> LoadPayload(const fs::path& dir) {
  return FastTextModel::Load(dir / kModelFile);
}

// ---------------------------------------------------------------------------------------
// The algorithms.

class TextClassifier final : public Algorithm {
 public:
  std::string_view name() const override { return "text-classifier"; }
  std::string_view description() const override {
    return "fastText text classification from one text column: word and word n-gram embeddings, "
           "softmax, "
           "one-vs-all or hierarchical softmax";
  }
  std::vector<Problem> problems() const override {
    return {Problem::kBinaryClassification, Problem::kMulticlassClassification};
  }
  const std::vector<HyperparameterSpec>& hyperparameters() const override {
    return ClassifierSpecs();
  }
  Status CheckHyperparameters(const Json& hp, std::optional<Problem>) const override {
    return CheckFastTextHyperparameters(hp);
  }
  std::string_view iteration_name() const override { return "epoch"; }
  InputKind input_kind() const override { return InputKind::kText; }
  bool takes_weights() const override { return false; }

  // The callback gets the running training loss after each epoch; after the last, also
  // the validation accuracy and log loss.
  Result<std::unique_ptr<Model>> Train(const TrainInput& in,
                                       const IterationCallback& on_iteration) const override {
    if (in.texts.empty()) return InvalidArgumentError("no training texts");
    if (in.texts.size() != in.labels.size()) {
      return InvalidArgumentError(
          fmt::format("{} training texts for {} labels", in.texts.size(), in.labels.size()));
    }
    if (!IsClassification(in.problem) || in.num_classes < 2) {
      return InvalidArgumentError("text-classifier needs a label column with at least two classes");
    }
    if (!in.weights.empty()) {
      return InvalidArgumentError(
          "text-classifier takes no class or row weights: fastText weighs every text the same");
    }
    for (size_t i = 0; i < in.labels.size(); ++i) {
      const float y = in.labels[i];
      if (y != std::floor(y) || y < 0 || y >= static_cast<float>(in.num_classes)) {
        return InvalidArgumentError(
            fmt::format("label {} of row {} is not a class index below {}", y, i, in.num_classes));
      }
    }
    const Json& hp = in.hyperparameters;
    STRATA_RETURN_IF_ERROR(CheckFastTextHyperparameters(hp));
    const FastTextTrainOptions options = OptionsFrom(hp, "supervised");
    TrainingFile file(in.work_dir);
    STRATA_RETURN_IF_ERROR(file.Write(in.texts, in.labels));
    auto trained = FastTextModel::Train(file.path(), options, [&](int epoch, double loss) {
      return !on_iteration || on_iteration(epoch, options.epochs, LossMetric(loss));
    });
    if (!trained.ok()) return trained.status();
    const bool stopped = trained->stopped();
    const double loss = trained->loss();
    Json info = trained->Stats();
    info["classes_in_training"] = trained->labels().size();
    info["top_k"] = hp.value("top_k", 3);
    info["threads"] = options.threads;
    STRATA_ASSIGN_OR_RETURN(
        std::unique_ptr<TextClassifierModel> model,
        TextClassifierModel::Make(std::move(*trained), in.problem, in.num_classes, Json()));
    if (stopped)
      return std::unique_ptr<Model>(std::move(model));  // the caller asked to stop and discards it

    std::map<std::string, double> metrics = LossMetric(loss);
    if (!in.valid_texts.empty() && in.valid_texts.size() == in.valid_labels.size()) {
      STRATA_ASSIGN_OR_RETURN(std::vector<float> pred, model->PredictText(in.valid_texts));
      std::vector<int> y(in.valid_labels.begin(), in.valid_labels.end());
      std::vector<double> scores(pred.begin(), pred.end());
      if (in.problem == Problem::kBinaryClassification) {
        STRATA_ASSIGN_OR_RETURN(BinaryMetrics m, EvaluateBinary(y, scores));
        metrics["valid-accuracy"] = m.accuracy;
        metrics["valid-logloss"] = m.log_loss;
      } else {
        std::vector<std::string> names;
        for (int c = 0; c < in.num_classes; ++c) names.push_back(std::to_string(c));
        STRATA_ASSIGN_OR_RETURN(MulticlassMetrics m, EvaluateMulticlass(y, scores, names));
        metrics["valid-accuracy"] = m.accuracy;
        metrics["valid-mlogloss"] = m.log_loss;
      }
    }
    for (const auto& [k, v] : metrics) info[k] = v;
    model->set_info(std::move(info));
    if (on_iteration)
      on_iteration(options.epochs - 1, options.epochs, metrics);  // training is over either way
    return std::unique_ptr<Model>(std::move(model));
  }

  Result<std::unique_ptr<Model>> Load(const fs::path& dir, const Json& model_json) const override {
    STRATA_ASSIGN_OR_RETURN(Problem problem, ParseProblem(model_json.value("problem", "")));
    const int classes = model_json.contains("classes") && model_json["classes"].is_array()
                            ? static_cast<int>(model_json["classes"].size())
                            : 0;
    STRATA_ASSIGN_OR_RETURN(FastTextModel ft, LoadPayload(dir));
    Json info = model_json.contains("training") ? model_json["training"] : Json::object();
    STRATA_ASSIGN_OR_RETURN(
        std::unique_ptr<TextClassifierModel> model,
        TextClassifierModel::Make(std::move(ft), problem, classes, std::move(info)));
    return std::unique_ptr<Model>(std::move(model));
  }
};

class WordVectors final : public Algorithm {
 public:
  std::string_view name() const override { return "word-vectors"; }
  std::string_view description() const override {
    return "fastText word vectors (skipgram or cbow, with subwords) learned from one text column; "
           "embeds each "
           "text as its sentence vector";
  }
  std::vector<Problem> problems() const override { return {Problem::kEmbedding}; }
  const std::vector<HyperparameterSpec>& hyperparameters() const override {
    return WordVectorSpecs();
  }
  Status CheckHyperparameters(const Json& hp, std::optional<Problem>) const override {
    return CheckFastTextHyperparameters(hp);
  }
  std::string_view iteration_name() const override { return "epoch"; }
  InputKind input_kind() const override { return InputKind::kText; }

  Result<std::unique_ptr<Model>> Train(const TrainInput& in,
                                       const IterationCallback& on_iteration) const override {
    if (in.texts.empty()) return InvalidArgumentError("no training texts");
    const Json& hp = in.hyperparameters;
    STRATA_RETURN_IF_ERROR(CheckFastTextHyperparameters(hp));
    FastTextTrainOptions options = OptionsFrom(hp, hp.value("model", "skipgram"));
    TrainingFile file(in.work_dir);
    STRATA_RETURN_IF_ERROR(file.Write(in.texts, {}));
    auto trained = FastTextModel::Train(file.path(), options, [&](int epoch, double loss) {
      return !on_iteration || on_iteration(epoch, options.epochs, LossMetric(loss));
    });
    if (!trained.ok()) return trained.status();
    const bool stopped = trained->stopped();
    Json info = trained->Stats();
    info["threads"] = options.threads;
    const std::map<std::string, double> metrics = LossMetric(trained->loss());
    for (const auto& [k, v] : metrics) info[k] = v;
    STRATA_ASSIGN_OR_RETURN(std::unique_ptr<WordVectorsModel> model,
                            WordVectorsModel::Make(std::move(*trained), info));
    if (!stopped && on_iteration) on_iteration(options.epochs - 1, options.epochs, metrics);
    return std::unique_ptr<Model>(std::move(model));
  }

  Result<std::unique_ptr<Model>> Load(const fs::path& dir, const Json& model_json) const override {
    STRATA_ASSIGN_OR_RETURN(FastTextModel ft, LoadPayload(dir));
    Json info = model_json.contains("training") ? model_json["training"] : Json::object();
    STRATA_ASSIGN_OR_RETURN(std::unique_ptr<WordVectorsModel> model,
                            WordVectorsModel::Make(std::move(ft), info));
    return std::unique_ptr<Model>(std::move(model));
  }
};

}  // namespace

const Algorithm& TextClassifierAlgorithm() {
  static const TextClassifier kAlgorithm;
  return kAlgorithm;
}

const Algorithm& WordVectorsAlgorithm() {
  static const WordVectors kAlgorithm;
  return kAlgorithm;
}

}  // namespace strata::ml
