// The adapter over fastText 0.9.2's C++ API: every fastText call of Strata is in this
// file, inside a try block, and its exceptions become Status here.
#include "ml/fasttext_model.h"

#include <fasttext/fasttext.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <mutex>
#include <new>
#include <sstream>
#include <streambuf>

#include <fmt/format.h>

namespace strata::ml {
namespace {

// FastText with read access to the training loss, which 0.9.2 keeps protected.
class Trainer : public fasttext::FastText {
 public:
  double loss() const { return loss_.load(); }
};

// fastText writes its dictionary summary and training progress to std::cerr. While a
// training runs, std::cerr goes to this buffer, which sends whole lines to the debug
// log; the "Progress: ..." line that fastText rewrites in place with '\r' ten times a
// second is dropped (training reports each epoch itself). Process-wide state: a count
// of trainings in flight restores the original buffer when the last one ends. Outside
// the CLI (whose commands train in worker processes) nothing in Strata writes to
// std::cerr.
class LogBuffer : public std::streambuf {
 protected:
  int overflow(int c) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (c == '\n' || c == '\r') {
      Flush();
    } else if (c != EOF) {
      line_.push_back(static_cast<char>(c));
    }
    return c == EOF ? 0 : c;
  }

 private:
  void Flush() {
    if (!line_.empty() && line_.rfind("Progress:", 0) != 0) core::log::Debug("fasttext: {}", line_);
    line_.clear();
  }
  std::mutex mu_;
  std::string line_;
};

class CerrToLog {
 public:
  CerrToLog() {
    std::lock_guard<std::mutex> lock(Mutex());
    if (Count()++ == 0) Saved() = std::cerr.rdbuf(&Buffer());
  }
  ~CerrToLog() {
    std::lock_guard<std::mutex> lock(Mutex());
    if (--Count() == 0) std::cerr.rdbuf(Saved());
  }
  CerrToLog(const CerrToLog&) = delete;
  CerrToLog& operator=(const CerrToLog&) = delete;

 private:
  static std::mutex& Mutex() {
    static std::mutex m;
    return m;
  }
  static int& Count() {
    static int n = 0;
    return n;
  }
  static std::streambuf*& Saved() {
    static std::streambuf* saved = nullptr;
    return saved;
  }
  static LogBuffer& Buffer() {
    static LogBuffer buffer;
    return buffer;
  }
};

// Every exception fastText (or the allocator under it) throws, as a Status.
Status FromException(std::string_view what) {
  try {
    throw;
  } catch (const std::bad_alloc&) {
    return InternalError(fmt::format("fastText: out of memory while {}", what));
  } catch (const std::invalid_argument& e) {
    return InvalidArgumentError(fmt::format("fastText: {}", e.what()));
  } catch (const std::exception& e) {
    return InternalError(fmt::format("fastText failed while {}: {}", what, e.what()));
  } catch (...) {
    return InternalError(fmt::format("fastText failed while {}", what));
  }
}

Status EmptyVocabulary(int min_count) {
  return InvalidArgumentError(fmt::format(
      "no word occurs at least min_count ({}) times in the training texts: lower min_count",
      min_count));
}

bool IsSeparator(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f' || c == '\0';
}

Result<fasttext::loss_name> LossName(const std::string& loss) {
  if (loss == "softmax") return fasttext::loss_name::softmax;
  if (loss == "ova") return fasttext::loss_name::ova;
  if (loss == "hs") return fasttext::loss_name::hs;
  if (loss == "ns") return fasttext::loss_name::ns;
  return InvalidArgumentError(fmt::format("unknown fastText loss '{}'", loss));
}

Result<fasttext::model_name> ModelName(const std::string& model) {
  if (model == "supervised") return fasttext::model_name::sup;
  if (model == "skipgram") return fasttext::model_name::sg;
  if (model == "cbow") return fasttext::model_name::cbow;
  return InvalidArgumentError(fmt::format("unknown fastText model '{}'", model));
}

std::string_view ModelString(fasttext::model_name m) {
  switch (m) {
    case fasttext::model_name::sup:
      return "supervised";
    case fasttext::model_name::sg:
      return "skipgram";
    case fasttext::model_name::cbow:
      return "cbow";
  }
  return "unknown";
}

}  // namespace

std::string FastTextLine(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  bool word_start = true;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (IsSeparator(c)) {
      out.push_back(c == '\n' || c == '\0' ? ' ' : c);
      word_start = true;
      continue;
    }
    if (word_start && text.compare(i, kFastTextLabelPrefix.size(), kFastTextLabelPrefix) == 0)
      out.push_back('_');
    word_start = false;
    out.push_back(c);
  }
  return out;
}

FastTextModel::FastTextModel(FastTextModel&&) noexcept = default;
FastTextModel& FastTextModel::operator=(FastTextModel&&) noexcept = default;
FastTextModel::~FastTextModel() = default;

Result<FastTextModel> FastTextModel::Train(const std::filesystem::path& input,
                                           const FastTextTrainOptions& o,
                                           const FastTextEpochCallback& on_epoch) {
  fasttext::Args args;
  STRATA_ASSIGN_OR_RETURN(args.model, ModelName(o.model));
  STRATA_ASSIGN_OR_RETURN(args.loss, LossName(o.loss));
  args.input = input.string();
  args.epoch = o.epochs;
  args.lr = o.lr;
  args.dim = o.dim;
  args.wordNgrams = o.word_ngrams;
  args.minCount = o.min_count;
  args.minn = o.minn;
  args.maxn = o.maxn;
  // As fastText's own command line does: without n-grams the buckets are unused, and
  // would only make the input matrix (words + bucket) x dim bigger.
  args.bucket = o.word_ngrams <= 1 && o.maxn == 0 ? 0 : o.bucket;
  args.ws = o.window;
  args.neg = o.neg;
  args.thread = std::max(1, o.threads);
  args.seed = o.seed;
  // 2 makes thread 0 publish the running loss that the epoch reports carry; the
  // console output that comes with it goes to the debug log (CerrToLog).
  args.verbose = 2;
  if (args.epoch < 1 || args.dim < 1 || !(args.lr > 0) || args.wordNgrams < 1 ||
      args.minCount < 1 || args.bucket < 0 || args.minn < 0 || args.maxn < 0) {
    return InvalidArgumentError("fastText options out of range");  // the schemas keep them in range
  }
  if ((args.wordNgrams > 1 || args.maxn > 0) && args.bucket < 1) {
    return InvalidArgumentError(
        "word n-grams and character n-grams need bucket >= 1");  // else fastText divides by 0
  }

  FastTextModel m;
  auto trainer = std::make_unique<Trainer>();
  Trainer* ft = trainer.get();
  std::mutex mu;
  int reported = 0;
  bool stop = false;
  // fastText calls this from each training thread, every 64 lines, with the share of
  // all epochs done so far (below 1 until the end).
  auto progress = [&](float done, float loss, double, double, int64_t) {
    std::lock_guard<std::mutex> lock(mu);
    const int epochs_done =
        std::min(args.epoch - 1, static_cast<int>(done * static_cast<float>(args.epoch)));
    while (!stop && reported < epochs_done) {
      if (on_epoch && !on_epoch(reported, loss)) {
        stop = true;
        ft->abort();  // the threads see it at their next line; train() then throws AbortError
      }
      ++reported;
    }
  };
  try {
    CerrToLog quiet;
    ft->train(args, progress);
  } catch (const fasttext::FastText::AbortError&) {
    m.stopped_ = true;
  } catch (...) {
    Status s = FromException("training");
    if (s.message().find("Empty vocabulary") != std::string_view::npos)
      s = EmptyVocabulary(o.min_count);
    return s;
  }
  m.loss_ = ft->loss();
  // Labels alone pass fastText's own check; with no word every example is skipped.
  if (ft->getDictionary()->nwords() == 0) return EmptyVocabulary(o.min_count);
  m.ft_ = std::move(trainer);
  if (!m.stopped_) {
    if (!std::isfinite(m.loss_)) {
      return InvalidArgumentError(
          fmt::format("fastText diverged (the loss is {}): lower lr, now {}", m.loss_, o.lr));
    }
    while (reported < args.epoch - 1) {
      if (on_epoch && !on_epoch(reported, m.loss_)) {
        m.stopped_ = true;
        break;
      }
      ++reported;
    }
  }
  STRATA_RETURN_IF_ERROR(m.Describe());
  return m;
}

Result<FastTextModel> FastTextModel::Load(const std::filesystem::path& file) {
  FastTextModel m;
  auto ft = std::make_unique<fasttext::FastText>();
  try {
    ft->loadModel(file.string());
  } catch (...) {
    return FromException(fmt::format("loading {}", file.string()));
  }
  m.ft_ = std::move(ft);
  STRATA_RETURN_IF_ERROR(m.Describe());
  return m;
}

Status FastTextModel::Describe() {
  try {
    auto dict = ft_->getDictionary();
    labels_.clear();
    for (int32_t i = 0; i < dict->nlabels(); ++i) labels_.push_back(dict->getLabel(i));
  } catch (...) {
    return FromException("reading the dictionary");
  }
  return Status::Ok();
}

Status FastTextModel::Save(const std::filesystem::path& file) const {
  // fastText writes by path: it writes the writer's temporary file, which Commit then
  // fsyncs and renames into place (the same inode, reopened by fastText).
  core::AtomicFileWriter writer(file);
  STRATA_RETURN_IF_ERROR(writer.Open());
  try {
    ft_->saveModel(writer.temp_path().string());
  } catch (...) {
    return FromException(fmt::format("writing {}", file.string()));
  }
  return writer.Commit();
}

bool FastTextModel::supervised() const {
  return ft_->getArgs().model == fasttext::model_name::sup;
}

int FastTextModel::dimension() const {
  return ft_->getDimension();
}

Json FastTextModel::Stats() const {
  const fasttext::Args a = ft_->getArgs();
  auto dict = ft_->getDictionary();
  return {{"words", dict->nwords()},
          {"labels", dict->nlabels()},
          {"tokens", dict->ntokens()},
          {"dim", a.dim},
          {"model", ModelString(a.model)},
          {"loss", a.lossToString(a.loss)},
          {"epochs", a.epoch},
          {"word_ngrams", a.wordNgrams},
          {"bucket", a.bucket},
          {"minn", a.minn},
          {"maxn", a.maxn}};
}

Status FastTextModel::Probabilities(const std::string& line, float* out) const {
  std::fill(out, out + labels_.size(), 0.0f);
  try {
    std::istringstream in(line + "\n");
    std::vector<int32_t> words, labels;
    ft_->getDictionary()->getLine(in, words, labels);
    fasttext::Predictions predictions;
    ft_->predict(fasttext::Model::kUnlimitedPredictions, words, predictions, 0.0);
    for (const auto& [log_p, label] : predictions) {
      if (label >= 0 && static_cast<size_t>(label) < labels_.size()) out[label] = std::exp(log_p);
    }
  } catch (...) {
    return FromException("predicting");
  }
  return Status::Ok();
}

Status FastTextModel::SentenceVector(const std::string& line, float* out) const {
  try {
    std::istringstream in(line + "\n");
    fasttext::Vector v(ft_->getDimension());
    ft_->getSentenceVector(in, v);  // reads only; see the header
    std::copy(v.data(), v.data() + v.size(), out);
  } catch (...) {
    return FromException("computing a sentence vector");
  }
  return Status::Ok();
}

}  // namespace strata::ml
