// text-classifier and word-vectors (fastText) on generated text: topic sentences a
// classifier must separate, contexts that make some words neighbours; save/load, the
// fasttext Python package reading model.bin alike, stopping, bad hyperparameters.
#include "ml/text_algorithms.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "ml/fasttext_model.h"
#include "sklearn_runner.h"

namespace strata::ml {
namespace {

namespace fs = std::filesystem;


struct Texts {
  std::vector<std::string> texts;
  std::vector<float> labels;
};

// Sentences of shared filler words plus two or three words of the class's topic, so only
// the topic words tell the classes apart.
Texts Topics(int rows, int classes, uint32_t seed) {
  static const std::vector<std::vector<std::string>> kTopics = {
      {"goal", "match", "team", "score", "player", "coach", "league", "referee"},
      {"vote", "election", "senate", "law", "minister", "party", "policy", "campaign"},
      {"recipe", "oven", "flour", "sauce", "garlic", "bake", "kitchen", "spice"},
      {"planet", "orbit", "telescope", "galaxy", "rocket", "star", "comet", "nasa"}};
  static const std::vector<std::string> kFiller = {"the",  "a",    "today", "we",  "saw", "about",
                                                   "news", "very", "this",  "new", "and", "of"};
  std::mt19937 rng(seed);
  Texts t;
  for (int i = 0; i < rows; ++i) {
    const int c = static_cast<int>(rng() % static_cast<uint32_t>(classes));
    std::vector<std::string> words;
    const int topical = 2 + static_cast<int>(rng() % 2);
    for (int w = 0; w < topical; ++w) words.push_back(kTopics[c][rng() % kTopics[c].size()]);
    for (int w = 0; w < 6; ++w) words.push_back(kFiller[rng() % kFiller.size()]);
    std::shuffle(words.begin(), words.end(), rng);
    std::string text;
    for (const auto& w : words) text += (text.empty() ? "" : " ") + w;
    t.texts.push_back(std::move(text));
    t.labels.push_back(static_cast<float>(c));
  }
  return t;
}

Json ClassifierParams(Json overrides = Json::object()) {
  Json given = {{"threads", 1}, {"epochs", 10}, {"lr", 0.5}, {"seed", 3}};
  given.update(overrides);
  auto hp = ValidateHyperparameters(TextClassifierAlgorithm().hyperparameters(), given);
  EXPECT_TRUE(hp.ok()) << hp.status().ToString();
  return hp.ok() ? *hp : Json();
}

struct Trained {
  std::unique_ptr<Model> model;
  std::vector<std::map<std::string, double>> iterations;
};

Trained TrainClassifier(const Texts& train, const Texts& valid, int classes, Json hp,
                        const fs::path& work_dir) {
  TrainInput in;
  in.problem = classes == 2 ? Problem::kBinaryClassification : Problem::kMulticlassClassification;
  in.num_classes = classes;
  in.hyperparameters = std::move(hp);
  in.texts = train.texts;
  in.labels = train.labels;
  in.valid_texts = valid.texts;
  in.valid_labels = valid.labels;
  in.work_dir = work_dir;
  Trained t;
  auto model =
      TextClassifierAlgorithm().Train(in, [&](int, int, const std::map<std::string, double>& m) {
        t.iterations.push_back(m);
        return true;
      });
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  if (model.ok()) t.model = std::move(*model);
  return t;
}

double Accuracy(const std::vector<float>& pred, const Texts& t, int classes) {
  int correct = 0;
  for (size_t i = 0; i < t.labels.size(); ++i) {
    int predicted;
    if (classes == 2) {
      predicted = pred[i] >= 0.5f;
    } else {
      const float* row = pred.data() + i * static_cast<size_t>(classes);
      predicted = static_cast<int>(std::max_element(row, row + classes) - row);
    }
    correct += predicted == static_cast<int>(t.labels[i]);
  }
  return static_cast<double>(correct) / static_cast<double>(t.labels.size());
}

// The fasttext Python package's output for `lines` on `model`.
Json RunPython(const fs::path& model, const std::vector<std::string>& lines,
               const std::string& mode, const fs::path& dir) {
  const fs::path texts = dir / "texts.txt";
  {
    std::ofstream out(texts);
    for (const auto& l : lines) out << FastTextLine(l) << '\n';
  }
  const std::string cmd =
      fmt::format("/usr/bin/python3 {}/tests/unit/ml/fasttext_interop.py {} {} {}",
                  STRATA_SOURCE_DIR, model.string(), texts.string(), mode);
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while (p && (n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = p ? pclose(p) : -1;
  EXPECT_EQ(status, 0) << cmd << "\n"
                       << out << "\n(install python3-fasttext: scripts/install-deps)";
  try {
    return Json::parse(out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not JSON: " << out;
    return Json::object();
  }
}

TEST(FastTextLineTest, KeepsOneLineAndLabelPrefixedWordsAsWords) {
  EXPECT_EQ(FastTextLine("two\nlines\r\nhere"), "two lines\r here");
  EXPECT_EQ(FastTextLine("__label__1 is a word"), "___label__1 is a word");
  EXPECT_EQ(FastTextLine("a\t__label__x b__label__y"), "a\t___label__x b__label__y");
  EXPECT_EQ(FastTextLine(""), "");
}

TEST(TextClassifierTest, SeparatesTopicsAndPredictsClassProbabilities) {
  TempDir dir;
  const Texts train = Topics(1200, 4, 1), valid = Topics(400, 4, 2);
  Trained t = TrainClassifier(train, valid, 4, ClassifierParams(), dir.path());
  ASSERT_NE(t.model, nullptr);
  EXPECT_EQ(t.model->outputs_per_row(), 4);
  auto pred = t.model->PredictText(valid.texts);
  ASSERT_TRUE(pred.ok()) << pred.status().ToString();
  ASSERT_EQ(pred->size(), valid.texts.size() * 4);
  EXPECT_GT(Accuracy(*pred, valid, 4), 0.95);
  for (size_t i = 0; i < valid.texts.size(); ++i) {
    double sum = 0;
    for (int c = 0; c < 4; ++c) sum += (*pred)[i * 4 + static_cast<size_t>(c)];
    EXPECT_NEAR(sum, 1.0, 1e-5) << i;
  }
  // One report per epoch; the last with the validation accuracy.
  ASSERT_EQ(t.iterations.size(), 10u);
  EXPECT_TRUE(t.iterations.front().count("train-loss"));
  EXPECT_GT(t.iterations.back().at("valid-accuracy"), 0.95);
  EXPECT_LT(t.iterations.back().at("train-loss"), t.iterations.front().at("train-loss"));
  const Json info = t.model->Info();
  EXPECT_EQ(info["labels"], 4);
  EXPECT_EQ(info["top_k"], 3);
  EXPECT_EQ(info["loss"], "softmax");
  // A feature matrix is refused; the training file is gone.
  EXPECT_FALSE(t.model->Predict({}).ok());
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(TextClassifierTest, BinaryWithBigramsAndEveryLoss) {
  TempDir dir;
  const Texts train = Topics(800, 2, 3), valid = Topics(300, 2, 4);
  for (const char* loss : {"softmax", "ova", "hs"}) {
    Trained t = TrainClassifier(
        train, valid, 2, ClassifierParams({{"loss", loss}, {"word_ngrams", 2}, {"bucket", 10000}}),
        dir.path());
    ASSERT_NE(t.model, nullptr) << loss;
    EXPECT_EQ(t.model->outputs_per_row(), 1);
    auto pred = t.model->PredictText(valid.texts);
    ASSERT_TRUE(pred.ok()) << pred.status().ToString();
    EXPECT_GT(Accuracy(*pred, valid, 2), 0.95) << loss;
    for (float p : *pred) EXPECT_TRUE(p >= 0 && p <= 1) << loss << " " << p;
    EXPECT_EQ(t.model->Info()["bucket"], 10000) << loss;
  }
}

TEST(TextClassifierTest, SavesModelBinThatLoadsHereAndInPython) {
  TempDir dir;
  const Texts train = Topics(900, 3, 5), valid = Topics(60, 3, 6);
  Trained t = TrainClassifier(train, valid, 3,
                              ClassifierParams({{"word_ngrams", 2}, {"bucket", 5000}}), dir.path());
  ASSERT_NE(t.model, nullptr);
  auto name = t.model->Save(dir.path());
  ASSERT_TRUE(name.ok()) << name.status().ToString();
  EXPECT_EQ(*name, "model.bin");
  // Only the model file: the temporary of the atomic write was renamed.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);

  const Json model_json = {{"problem", "multiclass_classification"},
                           {"classes", {"a", "b", "c"}},
                           {"training", t.model->Info()}};
  auto loaded = TextClassifierAlgorithm().Load(dir.path(), model_json);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  std::vector<std::string> texts = valid.texts;
  texts.push_back("");                           // nothing but the end of the line
  texts.push_back("words the model never saw");  // only unknown words
  texts.push_back("goal\nmatch   team\n");       // newlines inside the text
  auto before = t.model->PredictText(texts);
  auto after = (*loaded)->PredictText(texts);
  ASSERT_TRUE(before.ok() && after.ok());
  EXPECT_EQ(*before, *after);

  // The fasttext Python package reads the same file and gives the same probabilities
  // (Strata normalises fastText's, which carry +1e-5 each).
  Json py = RunPython(dir.path() / "model.bin", texts, "supervised", dir.path());
  ASSERT_EQ(py["rows"].size(), texts.size()) << py.dump();
  for (size_t i = 0; i < texts.size(); ++i) {
    double sum = 0;
    for (const auto& [label, p] : py["rows"][i].items()) sum += p.get<double>();
    for (int c = 0; c < 3; ++c) {
      const std::string label = fmt::format("__label__{}", c);
      const double expected = py["rows"][i].value(label, 0.0) / sum;
      EXPECT_NEAR((*after)[i * 3 + static_cast<size_t>(c)], expected, 1e-5)
          << "text " << i << " " << label;
    }
  }

  // A model whose labels are not Strata's class indexes is refused, as is the wrong kind.
  const Json two_classes = {{"problem", "binary_classification"}, {"classes", {"a", "b"}}};
  EXPECT_FALSE(TextClassifierAlgorithm().Load(dir.path(), two_classes).ok());
  EXPECT_FALSE(WordVectorsAlgorithm().Load(dir.path(), model_json).ok());
  std::ofstream(dir.path() / "model.bin") << "not a fastText model";
  auto corrupt = TextClassifierAlgorithm().Load(dir.path(), model_json);
  EXPECT_FALSE(corrupt.ok());
}

TEST(TextClassifierTest, ClassMissingFromTrainingGetsZero) {
  TempDir dir;
  Texts train = Topics(600, 3, 7);
  for (float& y : train.labels) {
    if (y == 1) y = 2;  // class 1 never appears
  }
  Trained t = TrainClassifier(train, {}, 3, ClassifierParams(), dir.path());
  ASSERT_NE(t.model, nullptr);
  EXPECT_EQ(t.model->Info()["classes_in_training"], 2);
  auto pred = t.model->PredictText(std::vector<std::string>{"goal match team"});
  ASSERT_TRUE(pred.ok());
  EXPECT_EQ((*pred)[1], 0.0f);
  EXPECT_GT((*pred)[0], 0.9f);
}

TEST(TextClassifierTest, ConcurrentPredictionsAgree) {
  TempDir dir;
  const Texts train = Topics(600, 3, 8), valid = Topics(200, 3, 9);
  Trained t = TrainClassifier(train, {}, 3, ClassifierParams(), dir.path());
  ASSERT_NE(t.model, nullptr);
  auto expected = t.model->PredictText(valid.texts);
  ASSERT_TRUE(expected.ok());
  std::vector<std::thread> threads;
  std::vector<int> same(8, 0);
  for (int k = 0; k < 8; ++k) {
    threads.emplace_back([&, k] {
      for (int rep = 0; rep < 5; ++rep) {
        auto got = t.model->PredictText(valid.texts);
        same[static_cast<size_t>(k)] += got.ok() && *got == *expected;
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int k = 0; k < 8; ++k) EXPECT_EQ(same[static_cast<size_t>(k)], 5) << k;
}

TEST(TextClassifierTest, StopsWhenTheCallbackSaysSo) {
  TempDir dir;
  const Texts train = Topics(3000, 2, 10);
  TrainInput in;
  in.problem = Problem::kBinaryClassification;
  in.num_classes = 2;
  in.hyperparameters = ClassifierParams({{"epochs", 50}});
  in.texts = train.texts;
  in.labels = train.labels;
  in.work_dir = dir.path();
  int calls = 0;
  auto model = TextClassifierAlgorithm().Train(
      in, [&](int epoch, int total, const std::map<std::string, double>&) {
        EXPECT_EQ(total, 50);
        ++calls;
        return false;
      });
  ASSERT_TRUE(model.ok()) << model.status().ToString();  // the caller discards it
  EXPECT_EQ(calls, 1);
}

TEST(TextClassifierTest, RefusesBadInput) {
  TempDir dir;
  const Texts train = Topics(100, 2, 11);
  TrainInput in;
  in.problem = Problem::kBinaryClassification;
  in.num_classes = 2;
  in.hyperparameters = ClassifierParams();
  in.texts = train.texts;
  in.labels = train.labels;
  in.work_dir = dir.path();
  const std::vector<float> weights(train.labels.size(), 1.0f);
  in.weights = weights;
  auto weighted = TextClassifierAlgorithm().Train(in, {});
  ASSERT_FALSE(weighted.ok());
  EXPECT_NE(weighted.status().message().find("weights"), std::string_view::npos);
  in.weights = {};
  in.hyperparameters = ClassifierParams({{"min_count", 100000}});
  auto empty = TextClassifierAlgorithm().Train(in, {});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(empty.status().message().find("min_count"), std::string_view::npos)
      << empty.status().ToString();

  // Combinations the schema cannot express, at submission.
  const Algorithm& a = TextClassifierAlgorithm();
  auto check = [&](Json given) {
    return a.CheckHyperparameters(ClassifierParams(std::move(given)), std::nullopt);
  };
  EXPECT_TRUE(check({{"word_ngrams", 2}}).ok());
  Status no_bucket = check({{"word_ngrams", 2}, {"bucket", 0}});
  EXPECT_NE(no_bucket.message().find("bucket must be >= 1"), std::string_view::npos)
      << no_bucket.ToString();
  Status minn = check({{"minn", 5}, {"maxn", 3}});
  EXPECT_NE(minn.message().find("minn (5) must not exceed maxn (3)"), std::string_view::npos)
      << minn.ToString();
  Status big = check({{"bucket", 10000000}, {"dim", 1000}, {"word_ngrams", 2}});
  EXPECT_NE(big.message().find("bucket x dim"), std::string_view::npos) << big.ToString();
  auto bad_loss = ValidateHyperparameters(a.hyperparameters(), {{"loss", "ns"}});
  EXPECT_FALSE(bad_loss.ok());
  auto bad_epochs = ValidateHyperparameters(a.hyperparameters(), {{"epochs", 0}});
  ASSERT_FALSE(bad_epochs.ok());
  EXPECT_NE(bad_epochs.status().message().find("epochs"), std::string_view::npos);
}

// Words that share contexts: animals are fed and sleep in barns, vehicles are driven and
// parked in garages. Subwords off, so only the contexts can make neighbours.
Texts Contexts(int rows, uint32_t seed) {
  const std::vector<std::string> animals = {"dog", "horse", "sheep", "cow"};
  const std::vector<std::string> vehicles = {"truck", "bus", "tram", "van"};
  const std::vector<std::string> animal_ctx = {"fed", "barn", "sleeps", "hay", "field", "grazes"};
  const std::vector<std::string> vehicle_ctx = {"driven", "garage", "parked",
                                                "road",   "engine", "fuel"};
  std::mt19937 rng(seed);
  Texts t;
  for (int i = 0; i < rows; ++i) {
    const bool animal = rng() % 2 == 0;
    const auto& words = animal ? animals : vehicles;
    const auto& ctx = animal ? animal_ctx : vehicle_ctx;
    std::string text = "the " + words[rng() % words.size()];
    for (int w = 0; w < 4; ++w) text += " " + ctx[rng() % ctx.size()];
    text += " and the " + words[rng() % words.size()];
    t.texts.push_back(std::move(text));
  }
  return t;
}

double Cosine(const float* a, const float* b, size_t n) {
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < n; ++i) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / std::sqrt(aa * bb);
}

TEST(WordVectorsTest, WordsOfTheSameContextsAreCloser) {
  TempDir dir;
  const Texts corpus = Contexts(3000, 12);
  auto hp = ValidateHyperparameters(
      WordVectorsAlgorithm().hyperparameters(),
      {{"threads", 1}, {"dim", 20}, {"epochs", 10}, {"maxn", 0}, {"min_count", 2}});
  ASSERT_TRUE(hp.ok()) << hp.status().ToString();
  TrainInput in;
  in.problem = Problem::kEmbedding;
  in.hyperparameters = *hp;
  in.texts = corpus.texts;
  in.work_dir = dir.path();
  int epochs = 0;
  auto model =
      WordVectorsAlgorithm().Train(in, [&](int, int, const std::map<std::string, double>&) {
        ++epochs;
        return true;
      });
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ(epochs, 10);
  EXPECT_EQ((*model)->outputs_per_row(), 20);
  const std::vector<std::string> words = {"dog",   "horse", "sheep", "cow",
                                          "truck", "bus",   "tram",  "van"};
  auto vectors = (*model)->PredictText(words);
  ASSERT_TRUE(vectors.ok());
  auto v = [&](size_t i) { return vectors->data() + i * 20; };
  // Every animal is closer to every other animal than to any vehicle, and the other way round.
  for (size_t a = 0; a < 8; ++a) {
    double nearest_other = -1, farthest_same = 2;
    for (size_t b = 0; b < 8; ++b) {
      if (a == b) continue;
      const double c = Cosine(v(a), v(b), 20);
      if ((a < 4) == (b < 4)) {
        farthest_same = std::min(farthest_same, c);
      } else {
        nearest_other = std::max(nearest_other, c);
      }
    }
    EXPECT_GT(farthest_same, nearest_other) << words[a];
  }
  // A sentence vector is the mean of the unit word vectors; an unknown word gives zeros
  // (no subwords), and a text of two words lies between them.
  auto more = (*model)->PredictText(std::vector<std::string>{"zebra", "dog truck"});
  ASSERT_TRUE(more.ok());
  for (size_t i = 0; i < 20; ++i) EXPECT_EQ((*more)[i], 0.0f);
  auto unit = [&](size_t w, size_t i) {
    double n = 0;
    for (size_t k = 0; k < 20; ++k) n += v(w)[k] * v(w)[k];
    return v(w)[i] / std::sqrt(n);
  };
  for (size_t i = 0; i < 20; ++i) EXPECT_NEAR((*more)[20 + i], (unit(0, i) + unit(4, i)) / 2, 1e-5);
  EXPECT_FALSE((*model)->Predict({}).ok());
}

TEST(WordVectorsTest, SubwordVectorsMatchThePythonPackage) {
  TempDir dir;
  const Texts corpus = Contexts(1000, 13);
  auto hp = ValidateHyperparameters(
      WordVectorsAlgorithm().hyperparameters(),
      {{"threads", 1}, {"dim", 16}, {"model", "cbow"}, {"min_count", 1}, {"bucket", 20000}});
  ASSERT_TRUE(hp.ok()) << hp.status().ToString();
  TrainInput in;
  in.problem = Problem::kEmbedding;
  in.hyperparameters = *hp;
  in.texts = corpus.texts;
  in.work_dir = dir.path() / "work";
  auto model = WordVectorsAlgorithm().Train(in, {});
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ((*model)->Info()["model"], "cbow");
  ASSERT_TRUE((*model)->Save(dir.path()).ok());
  auto loaded = WordVectorsAlgorithm().Load(dir.path(), Json::object());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  // "horses" and "zebra" were never seen: their vectors come from character n-grams.
  const std::vector<std::string> texts = {"the dog", "horses in the garage", "zebra", ""};
  auto ours = (*loaded)->PredictText(texts);
  ASSERT_TRUE(ours.ok());
  EXPECT_NE((*ours)[32], 0.0f);  // zebra
  Json py = RunPython(dir.path() / "model.bin", texts, "vectors", dir.path());
  ASSERT_EQ(py["dimension"], 16);
  ASSERT_EQ(py["rows"].size(), texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    for (size_t k = 0; k < 16; ++k)
      EXPECT_NEAR((*ours)[i * 16 + k], py["rows"][i][k].get<double>(), 1e-6) << i;
  }
  EXPECT_FALSE(
      TextClassifierAlgorithm()
          .Load(dir.path(), {{"problem", "binary_classification"}, {"classes", {"a", "b"}}})
          .ok());
}

TEST(WordVectorsTest, EmptyVocabularyNamesMinCount) {
  TempDir dir;
  const Texts corpus = Contexts(50, 14);
  auto hp = ValidateHyperparameters(WordVectorsAlgorithm().hyperparameters(),
                                    {{"threads", 1}, {"min_count", 1000}});
  ASSERT_TRUE(hp.ok());
  TrainInput in;
  in.problem = Problem::kEmbedding;
  in.hyperparameters = *hp;
  in.texts = corpus.texts;
  in.work_dir = dir.path();
  auto model = WordVectorsAlgorithm().Train(in, {});
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(model.status().message().find("min_count (1000)"), std::string_view::npos)
      << model.status().ToString();
  EXPECT_TRUE(fs::is_empty(dir.path()));  // the training file is removed on failure too
}

}  // namespace
}  // namespace strata::ml
