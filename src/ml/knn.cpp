// The `knn` algorithm: the adapter over FAISS's flat and HNSW indexes (see knn.h). The
// vote (uniform or distance-weighted, scikit-learn's rules) is written here; finding the
// neighbours is FAISS's.
#include "ml/knn.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/utils/distances.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "ml/faiss_support.h"

namespace strata::ml {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kIndexFile = "knn.faiss";
constexpr std::string_view kLabelsFile = "knn_labels.npy";

// ---------------------------------------------------------------------------------------
// The labels file: a NumPy .npy (format 1.0) of float32, one per indexed row.

std::string NpyHeader(size_t n) {
  std::string dict = fmt::format("{{'descr': '<f4', 'fortran_order': False, 'shape': ({},), }}", n);
  // The magic (6), version (2) and length (2) plus the dict and its '\n' pad to 64 bytes.
  const size_t unpadded = 10 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(dict.size() & 0xff);
  out += static_cast<char>(dict.size() >> 8);
  return out + dict;
}

Status WriteLabels(const fs::path& path, const std::vector<float>& labels) {
  std::string bytes = NpyHeader(labels.size());
  bytes.append(reinterpret_cast<const char*>(labels.data()), labels.size() * sizeof(float));
  return core::WriteFileAtomic(path, bytes);
}

// Reads what WriteLabels wrote (and what numpy.save writes for a 1-D float32 array).
Result<std::vector<float>> ReadLabels(const fs::path& path) {
  STRATA_ASSIGN_OR_RETURN(std::string bytes, core::ReadFile(path));
  const auto bad = [&](std::string_view why) {
    return InvalidArgumentError(
        fmt::format("{} is not a 1-D float32 .npy file: {}", path.string(), why));
  };
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) return bad("no .npy magic");
  if (bytes[6] != 1)
    return bad(fmt::format("format version {} (1 expected)", static_cast<int>(bytes[6])));
  const size_t header_len = static_cast<unsigned char>(bytes[8]) |
                            (static_cast<size_t>(static_cast<unsigned char>(bytes[9])) << 8);
  if (10 + header_len > bytes.size()) return bad("the header is cut short");
  const std::string header = bytes.substr(10, header_len);
  if (header.find("'descr': '<f4'") == std::string::npos)
    return bad("the type is not little-endian float32");
  if (header.find("'fortran_order': False") == std::string::npos) return bad("Fortran order");
  const size_t shape = header.find("'shape': (");
  if (shape == std::string::npos) return bad("no shape");
  size_t pos = shape + 10, n = 0, digits = 0;
  for (; pos < header.size() && header[pos] >= '0' && header[pos] <= '9' && digits < 12;
       ++pos, ++digits) {
    n = n * 10 + static_cast<size_t>(header[pos] - '0');
  }
  if (digits == 0 || header.compare(pos, 2, ",)") != 0)
    return bad("the shape is not one dimension");
  if (bytes.size() - 10 - header_len != n * sizeof(float)) {
    return bad(
        fmt::format("it holds {} bytes of data for {} values", bytes.size() - 10 - header_len, n));
  }
  std::vector<float> labels(n);
  if (n > 0) std::memcpy(labels.data(), bytes.data() + 10 + header_len, n * sizeof(float));
  return labels;
}

// ---------------------------------------------------------------------------------------
// The model.

struct Settings {
  Problem problem = Problem::kRegression;
  int num_classes = 0;
  int k = 5;
  bool distance_weights = false;
  int ef_search = 64;
};

class KnnModel final : public Model {
 public:
  // Checks that the index and the labels fit the problem, so Predict can index blindly.
  static Result<std::unique_ptr<KnnModel>> Make(std::unique_ptr<faiss::Index> index,
                                                std::vector<float> labels, const Settings& s,
                                                Json info) {
    const float* vectors = nullptr;
    bool hnsw = false;
    // IndexHNSWFlat keeps its rows in a plain IndexFlat; either way the metric must be L2.
    if (auto* flat = dynamic_cast<const faiss::IndexFlat*>(index.get())) {
      vectors = flat->get_xb();
    } else if (auto* h = dynamic_cast<const faiss::IndexHNSWFlat*>(index.get())) {
      auto* storage = dynamic_cast<const faiss::IndexFlat*>(h->storage);
      if (storage == nullptr)
        return InvalidArgumentError("the HNSW index's storage is not a flat index");
      vectors = storage->get_xb();
      hnsw = true;
    }
    if (vectors == nullptr || index->metric_type != faiss::METRIC_L2) {
      return InvalidArgumentError(
          fmt::format("{} is neither an L2 IndexFlat nor an IndexHNSWFlat", kIndexFile));
    }
    if (index->ntotal < 1) return InvalidArgumentError(fmt::format("{} holds no rows", kIndexFile));
    if (labels.size() != static_cast<size_t>(index->ntotal)) {
      return InvalidArgumentError(fmt::format("{} holds {} labels for the {} rows of {}",
                                              kLabelsFile, labels.size(), index->ntotal,
                                              kIndexFile));
    }
    if (IsClassification(s.problem)) {
      if (s.num_classes < 2 ||
          (s.problem == Problem::kBinaryClassification && s.num_classes != 2)) {
        return InvalidArgumentError(fmt::format("a {} model cannot have {} classes",
                                                ProblemName(s.problem), s.num_classes));
      }
      for (float y : labels) {
        if (!(y >= 0 && y < s.num_classes && y == std::floor(y))) {
          return InvalidArgumentError(
              fmt::format("{} has label {} where class indexes 0..{} are expected", kLabelsFile, y,
                          s.num_classes - 1));
        }
      }
    }
    return std::unique_ptr<KnnModel>(
        new KnnModel(std::move(index), vectors, hnsw, std::move(labels), s, std::move(info)));
  }

  // Searches only read the index; threads as faiss_support.h's ForRowBlocks says.
  Result<std::vector<float>> Predict(Matrix x) const override { return PredictRows(x); }
  int outputs_per_row() const override {
    return s_.problem == Problem::kMulticlassClassification ? s_.num_classes : 1;
  }

  Result<std::string> Save(const fs::path& dir) const override {
    STRATA_RETURN_IF_ERROR(WriteLabels(dir / kLabelsFile, labels_));
    STRATA_RETURN_IF_ERROR(WriteFaissIndex(*index_, dir / kIndexFile));
    return std::string(kIndexFile);
  }
  Json Info() const override { return info_; }

 private:
  Result<std::vector<float>> PredictRows(Matrix x) const {
    const size_t d = static_cast<size_t>(index_->d);
    if (x.cols != d)
      return InvalidArgumentError(fmt::format("the model takes {} features, got {}", d, x.cols));
    std::vector<float> clean;
    const float* rows = FiniteRows(x, &clean);
    const size_t k =
        std::min<size_t>(static_cast<size_t>(s_.k), static_cast<size_t>(index_->ntotal));
    std::vector<float> found(x.rows * k);
    std::vector<faiss::Index::idx_t> ids(x.rows * k);
    faiss::SearchParametersHNSW params;
    params.efSearch = std::max<int>(s_.ef_search, static_cast<int>(k));
    STRATA_RETURN_IF_ERROR(ForRowBlocks(x.rows, [&](size_t begin, size_t end) {
      return CatchFaiss("faiss: searching neighbours", [&] {
        index_->search(static_cast<faiss::Index::idx_t>(end - begin), rows + begin * d,
                       static_cast<faiss::Index::idx_t>(k), found.data() + begin * k,
                       ids.data() + begin * k, hnsw_ ? &params : nullptr);
      });
    }));
    const size_t outputs = static_cast<size_t>(outputs_per_row());
    std::vector<float> out(x.rows * outputs);
    std::vector<double> distance(k), weight(k),
        votes(static_cast<size_t>(std::max(s_.num_classes, 1)));
    for (size_t r = 0; r < x.rows; ++r) {
      const float* row = rows + r * d;
      const faiss::Index::idx_t* nn = ids.data() + r * k;
      bool exact_match = false;
      for (size_t j = 0; j < k; ++j) {
        if (nn[j] < 0) continue;  // HNSW found fewer than k
        distance[j] =
            std::sqrt(static_cast<double>(faiss::fvec_L2sqr(row, vectors_ + nn[j] * d, d)));
        exact_match = exact_match || distance[j] == 0;
      }
      // scikit-learn's weights: 1, or 1/d; with exact matches, 1 for them and 0 for the rest.
      double total = 0;
      for (size_t j = 0; j < k; ++j) {
        weight[j] = nn[j] < 0              ? 0
                    : !s_.distance_weights ? 1
                    : exact_match          ? (distance[j] == 0 ? 1 : 0)
                                           : 1 / distance[j];
        total += weight[j];
      }
      if (!IsClassification(s_.problem)) {
        double sum = 0;
        for (size_t j = 0; j < k; ++j) {
          if (weight[j] > 0) sum += weight[j] * labels_[static_cast<size_t>(nn[j])];
        }
        out[r] =
            total > 0 ? static_cast<float>(sum / total) : std::numeric_limits<float>::quiet_NaN();
        continue;
      }
      std::fill(votes.begin(), votes.end(), 0.0);
      for (size_t j = 0; j < k; ++j) {
        if (weight[j] > 0)
          votes[static_cast<size_t>(labels_[static_cast<size_t>(nn[j])])] += weight[j];
      }
      if (s_.problem == Problem::kBinaryClassification) {
        out[r] = total > 0 ? static_cast<float>(votes[1] / total) : 0.5f;
      } else {
        for (size_t c = 0; c < outputs; ++c) {
          out[r * outputs + c] =
              total > 0 ? static_cast<float>(votes[c] / total) : 1.0f / static_cast<float>(outputs);
        }
      }
    }
    return out;
  }

  KnnModel(std::unique_ptr<faiss::Index> index, const float* vectors, bool hnsw,
           std::vector<float> labels, const Settings& s, Json info)
      : index_(std::move(index)),
        vectors_(vectors),
        hnsw_(hnsw),
        labels_(std::move(labels)),
        s_(s),
        info_(std::move(info)) {}

  std::unique_ptr<faiss::Index> index_;
  const float* vectors_;  // the indexed rows, owned by index_
  bool hnsw_;
  std::vector<float> labels_;
  Settings s_;
  Json info_;
};

Settings SettingsOf(Problem problem, int num_classes, const Json& hp) {
  Settings s;
  s.problem = problem;
  s.num_classes = IsClassification(problem) ? num_classes : 0;
  s.k = hp.value("k", 5);
  s.distance_weights = hp.value("weights", "uniform") == "distance";
  s.ef_search = hp.value("ef_search", 64);
  return s;
}

// ---------------------------------------------------------------------------------------
// The algorithm.

class Knn final : public Algorithm {
 public:
  std::string_view name() const override { return "knn"; }
  std::string_view description() const override {
    return "k nearest neighbours (FAISS): exact flat index, HNSW above hnsw_above rows; uniform or "
           "distance "
           "weights; numeric features standardized";
  }
  std::vector<Problem> problems() const override {
    return {Problem::kBinaryClassification, Problem::kMulticlassClassification,
            Problem::kRegression};
  }
  const std::vector<HyperparameterSpec>& hyperparameters() const override {
    static const std::vector<HyperparameterSpec> kSpecs = {
        {"k", "int", 1, 1000, false, {}, 5, "neighbours that vote"},
        {"weights",
         "string",
         0,
         0,
         false,
         {"uniform", "distance"},
         "uniform",
         "uniform: each neighbour counts 1; distance: 1/distance (exact matches alone when there "
         "are any), as "
         "scikit-learn"},
        {"hnsw_above",
         "int",
         0,
         2147483647,
         false,
         {},
         100000,
         "training rows above which the index is HNSW (approximate, faster to search); at or "
         "below, an exact "
         "flat index"},
        {"M",
         "int",
         2,
         256,
         false,
         {},
         32,
         "HNSW: links per node (more: better recall, more memory)"},
        {"ef_construction",
         "int",
         1,
         100000,
         false,
         {},
         40,
         "HNSW: candidate list size while building"},
        {"ef_search",
         "int",
         1,
         100000,
         false,
         {},
         64,
         "HNSW: candidate list size while searching (at least k; more: better recall, slower)"},
    };
    return kSpecs;
  }
  std::string_view iteration_name() const override { return "index"; }
  bool wants_scaled_features() const override { return true; }

  // One report, once the index is built: the model's work is at prediction.
  Result<std::unique_ptr<Model>> Train(const TrainInput& in,
                                       const IterationCallback& on_iteration) const override {
    const Json& hp = in.hyperparameters;
    const Settings s = SettingsOf(in.problem, in.num_classes, hp);
    if (in.train.rows == 0 || in.train.cols == 0)
      return InvalidArgumentError("knn needs training rows and features");
    if (in.labels.size() != in.train.rows)
      return InvalidArgumentError("knn needs one label per training row");
    if (!in.weights.empty()) {
      return InvalidArgumentError(
          "knn takes no per-row weights (class_weight=balanced): its vote is unweighted");
    }
    if (static_cast<size_t>(s.k) > in.train.rows) {
      return InvalidArgumentError(
          fmt::format("k is {} but there are only {} training rows", s.k, in.train.rows));
    }
    if (in.train.rows > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
      return InvalidArgumentError("knn takes at most 2^31 - 1 rows");
    }
    const auto d = static_cast<faiss::Index::idx_t>(in.train.cols);
    const auto n = static_cast<faiss::Index::idx_t>(in.train.rows);
    std::vector<float> clean;
    const float* rows = FiniteRows(in.train, &clean);
    const bool use_hnsw = in.train.rows > hp.value("hnsw_above", size_t{100000});
    std::unique_ptr<faiss::Index> index;
    Json info = {{"index", use_hnsw ? "hnsw" : "flat"},
                 {"indexed_rows", in.train.rows},
                 {"features", in.train.cols},
                 {"k", s.k},
                 {"weights", s.distance_weights ? "distance" : "uniform"}};
    STRATA_RETURN_IF_ERROR(CatchFaiss("faiss: building the index", [&] {
      ScopedOmpThreads all(0);
      if (use_hnsw) {
        auto h = std::make_unique<faiss::IndexHNSWFlat>(d, hp.value("M", 32));
        h->hnsw.efConstruction = hp.value("ef_construction", 40);
        h->hnsw.efSearch = s.ef_search;  // the default of searches without parameters (Python's)
        h->add(n, rows);
        index = std::move(h);
      } else {
        index = std::make_unique<faiss::IndexFlatL2>(d);
        index->add(n, rows);
      }
    }));
    if (use_hnsw) {
      info["M"] = hp.value("M", 32);
      info["ef_construction"] = hp.value("ef_construction", 40);
      info["ef_search"] = s.ef_search;
    }
    std::vector<float> labels(in.labels.begin(), in.labels.end());
    STRATA_ASSIGN_OR_RETURN(
        std::unique_ptr<KnnModel> model,
        KnnModel::Make(std::move(index), std::move(labels), s, std::move(info)));
    if (on_iteration) on_iteration(0, 1, {{"indexed_rows", static_cast<double>(in.train.rows)}});
    return std::unique_ptr<Model>(std::move(model));
  }

  Result<std::unique_ptr<Model>> Load(const fs::path& dir, const Json& model_json) const override {
    STRATA_ASSIGN_OR_RETURN(Problem problem, ParseProblem(model_json.value("problem", "")));
    const Json classes = model_json.value("classes", Json::array());
    const int num_classes = classes.is_array() ? static_cast<int>(classes.size()) : 0;
    const Json hp = model_json.value("hyperparameters", Json::object());
    STRATA_ASSIGN_OR_RETURN(Json checked, ValidateHyperparameters(hyperparameters(), hp));
    STRATA_ASSIGN_OR_RETURN(std::unique_ptr<faiss::Index> index, ReadFaissIndex(dir / kIndexFile));
    STRATA_ASSIGN_OR_RETURN(std::vector<float> labels, ReadLabels(dir / kLabelsFile));
    Json info = model_json.value("training", Json::object());
    STRATA_ASSIGN_OR_RETURN(
        std::unique_ptr<KnnModel> model,
        KnnModel::Make(std::move(index), std::move(labels),
                       SettingsOf(problem, num_classes, checked), std::move(info)));
    return std::unique_ptr<Model>(std::move(model));
  }
};

}  // namespace

const Algorithm& KnnAlgorithm() {
  static const Knn kAlgorithm;
  return kAlgorithm;
}

}  // namespace strata::ml
