// The `kmeans` algorithm: the adapter over FAISS's k-means (see kmeans.h). The
// k-means++ seeding is written here because FAISS 1.7.3 has none; everything else
// (assignment, centroid update, empty-cluster splitting, search) is FAISS's.
#include "ml/kmeans.h"

#include <faiss/Clustering.h>
#include <faiss/IndexFlat.h>
#include <faiss/utils/distances.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <limits>
#include <random>

#include <fmt/format.h>

#include "ml/faiss_support.h"
#include "ml/unsupervised_metrics.h"

namespace strata::ml {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kModelFile = "kmeans.faiss";

// ---------------------------------------------------------------------------------------
// The model: an IndexFlatL2 of the k centres.

class KMeansModel final : public Model {
 public:
  KMeansModel(std::unique_ptr<faiss::IndexFlat> index, Json info)
      : index_(std::move(index)), info_(std::move(info)) {}

  // IndexFlat::search only reads; threads as faiss_support.h's ForRowBlocks says.
  Result<std::vector<float>> Predict(Matrix x) const override { return Assign(x, nullptr); }
  int outputs_per_row() const override { return 2; }

  Result<std::string> Save(const fs::path& dir) const override {
    STRATA_RETURN_IF_ERROR(WriteFaissIndex(*index_, dir / kModelFile));
    return std::string(kModelFile);
  }
  Json Info() const override { return info_; }

  // Cluster index and Euclidean distance per row; the sum of the squared distances into
  // `inertia` when given.
  Result<std::vector<float>> Assign(Matrix x, double* inertia) const {
    if (x.cols != static_cast<size_t>(index_->d)) {
      return InvalidArgumentError(
          fmt::format("the model takes {} features, got {}", index_->d, x.cols));
    }
    std::vector<float> clean;
    const float* rows = FiniteRows(x, &clean);
    std::vector<float> distances(x.rows);
    std::vector<faiss::Index::idx_t> labels(x.rows);
    STRATA_RETURN_IF_ERROR(ForRowBlocks(x.rows, [&](size_t begin, size_t end) {
      return CatchFaiss("faiss: assigning rows to clusters", [&] {
        index_->search(static_cast<faiss::Index::idx_t>(end - begin), rows + begin * x.cols, 1,
                       distances.data() + begin, labels.data() + begin);
      });
    }));
    // The distance to the chosen centre again as Σ(x - c)²: FAISS's ‖x‖² + ‖c‖² - 2x·c
    // (its BLAS path) is off by rounding, and not 0 for a row on its centre.
    const size_t d = x.cols;
    const float* centres = index_->get_xb();
    std::vector<float> out(x.rows * 2);
    double sum = 0;
    for (size_t r = 0; r < x.rows; ++r) {
      if (labels[r] < 0) return InternalError("faiss: a row was assigned to no cluster");
      const float d2 = faiss::fvec_L2sqr(rows + r * d, centres + labels[r] * d, d);
      out[2 * r] = static_cast<float>(labels[r]);
      out[2 * r + 1] = std::sqrt(d2);
      sum += d2;
    }
    if (inertia) *inertia = sum;
    return out;
  }

  void set_info(Json info) { info_ = std::move(info); }  // before the model is shared

 private:
  std::unique_ptr<faiss::IndexFlat> index_;  // L2
  Json info_;
};

// ---------------------------------------------------------------------------------------
// Training.

struct Options {
  int k = 8, iterations = 50, seeds = 3;
  double tol = 1e-4;
  uint64_t seed = 1;
  bool plus_plus = true;
  size_t max_points_per_centroid = 256;
};

// Greedy k-means++ (Arthur & Vassilvitskii, with scikit-learn's 2 + ln k candidates per
// centre, keeping the candidate that lowers the potential most) on at most 1000 + 32k
// of the `n` rows: seeding costs O(rows x k x candidates x d), and that many rows place
// k centres well. Rows all equal to the centres so far (potential 0) fall back to a
// uniform draw.
std::vector<float> KMeansPlusPlus(const float* x, size_t n, size_t d, int k, uint64_t seed) {
  const std::vector<size_t> picked =
      SampleRows(n, std::min<size_t>(n, 1000 + 32 * static_cast<size_t>(k)), seed);
  const size_t s = picked.size();
  std::vector<float> pts(s * d);
  for (size_t i = 0; i < s; ++i) std::copy_n(x + picked[i] * d, d, pts.data() + i * d);

  std::mt19937_64 rng(seed);
  std::vector<float> centres(static_cast<size_t>(k) * d);
  size_t first = std::uniform_int_distribution<size_t>(0, s - 1)(rng);
  std::copy_n(pts.data() + first * d, d, centres.data());
  std::vector<float> closest(s);
  faiss::fvec_L2sqr_ny(closest.data(), centres.data(), pts.data(), d, s);

  const int trials = 2 + static_cast<int>(std::log(static_cast<double>(k)));
  std::vector<std::vector<float>> candidate_closest(static_cast<size_t>(trials),
                                                    std::vector<float>(s));
  std::vector<double> potential(static_cast<size_t>(trials)), cumulative(s);
  std::vector<size_t> candidates(static_cast<size_t>(trials));
  for (int c = 1; c < k; ++c) {
    double total = 0;
    for (size_t i = 0; i < s; ++i) cumulative[i] = total += closest[i];
    for (int t = 0; t < trials; ++t) {
      if (total > 0) {
        const double u = std::uniform_real_distribution<double>(0, total)(rng);
        candidates[t] = std::min<size_t>(
            std::upper_bound(cumulative.begin(), cumulative.end(), u) - cumulative.begin(), s - 1);
      } else {
        candidates[t] = std::uniform_int_distribution<size_t>(0, s - 1)(rng);
      }
    }
#pragma omp parallel for schedule(static)
    for (int t = 0; t < trials; ++t) {
      std::vector<float>& mine = candidate_closest[static_cast<size_t>(t)];
      faiss::fvec_L2sqr_ny(mine.data(), pts.data() + candidates[t] * d, pts.data(), d, s);
      double pot = 0;
      for (size_t i = 0; i < s; ++i) pot += mine[i] = std::min(mine[i], closest[i]);
      potential[static_cast<size_t>(t)] = pot;
    }
    const size_t best = std::min_element(potential.begin(), potential.end()) - potential.begin();
    closest.swap(candidate_closest[best]);
    std::copy_n(pts.data() + candidates[best] * d, d, centres.data() + static_cast<size_t>(c) * d);
  }
  return centres;
}

struct Run {
  std::unique_ptr<faiss::IndexFlat> index;  // the final centres (L2)
  double inertia = 0;                       // of the rows it was trained on
  int iterations = 0;
  bool converged = false, stopped = false;
};

// One k-means run from `seed`. `report(iteration, inertia)` is called after each
// iteration; false stops the run.
Result<Run> RunOnce(Matrix rows, const float* weights, const Options& o, uint64_t seed,
                    const std::function<bool(int, double)>& report) {
  const size_t d = rows.cols;
  Run run;
  run.index = std::make_unique<faiss::IndexFlatL2>(static_cast<faiss::Index::idx_t>(d));
  std::vector<float> centres;
  if (o.plus_plus) centres = KMeansPlusPlus(rows.data, rows.rows, d, o.k, seed);
  faiss::ClusteringParameters cp;
  cp.niter = 1;
  cp.nredo = 1;
  cp.verbose = false;
  // FAISS's int seed; its random init (init=random) draws rows with it.
  cp.seed = static_cast<int>(seed % static_cast<uint64_t>(INT_MAX));
  cp.min_points_per_centroid = 1;  // rows >= k is checked by the caller; no warnings on stderr
  cp.max_points_per_centroid = INT_MAX;  // the caller subsampled already
  double previous = -1;
  for (int it = 0; it < o.iterations; ++it) {
    faiss::Clustering clustering(static_cast<int>(d), o.k, cp);
    clustering.centroids = std::move(centres);
    STRATA_RETURN_IF_ERROR(CatchFaiss("faiss: k-means", [&] {
      clustering.train(static_cast<faiss::Index::idx_t>(rows.rows), rows.data, *run.index, weights);
    }));
    centres = std::move(clustering.centroids);
    // The inertia of the assignment to the centres this iteration started from (none
    // when rows == k: FAISS then takes the rows as the centres).
    const double inertia =
        clustering.iteration_stats.empty() ? 0.0 : clustering.iteration_stats.back().obj;
    run.iterations = it + 1;
    if (!report(it, inertia)) {
      run.stopped = true;
      break;
    }
    if (previous >= 0 && previous - inertia <= o.tol * previous) {
      run.converged = true;
      break;
    }
    previous = inertia;
  }
  // FAISS leaves the final centres in the index; their inertia on these rows:
  std::vector<float> distances(rows.rows);
  std::vector<faiss::Index::idx_t> labels(rows.rows);
  STRATA_RETURN_IF_ERROR(CatchFaiss("faiss: k-means", [&] {
    run.index->search(static_cast<faiss::Index::idx_t>(rows.rows), rows.data, 1, distances.data(),
                      labels.data());
  }));
  for (float v : distances) run.inertia += std::max(v, 0.0f);
  return run;
}

class KMeans final : public Algorithm {
 public:
  std::string_view name() const override { return "kmeans"; }
  std::string_view description() const override {
    return "k-means clustering (FAISS) with k-means++ seeding; numeric features standardized; "
           "predicts the "
           "cluster and the distance to its centre";
  }
  std::vector<Problem> problems() const override { return {Problem::kClustering}; }
  const std::vector<HyperparameterSpec>& hyperparameters() const override {
    static const std::vector<HyperparameterSpec> kSpecs = {
        {"k", "int", 1, 10000, false, {}, 8, "number of clusters"},
        {"iterations", "int", 1, 1000, false, {}, 50, "most k-means iterations per run"},
        {"tol",
         "float",
         0,
         INFINITY,
         false,
         {},
         1e-4,
         "stop a run when an iteration lowers the inertia by less than this fraction (0: run every "
         "iteration, "
         "as FAISS does)"},
        {"seeds",
         "int",
         1,
         100,
         false,
         {},
         3,
         "runs from different seeds (seed, seed+1, ...); the one with the lowest inertia is kept "
         "(FAISS's nredo); one run lands in a local minimum often enough to be worth two more"},
        {"seed",
         "int",
         0,
         2147483647,
         false,
         {},
         1,
         "random seed of the seeding and the subsample"},
        {"init",
         "string",
         0,
         0,
         false,
         {"k-means++", "random"},
         "k-means++",
         "k-means++: D² seeding on a sample (written in Strata; FAISS 1.7.3 has none); random: k "
         "random rows "
         "(FAISS's own)"},
        {"max_points_per_centroid",
         "int",
         1,
         1e8,
         false,
         {},
         256,
         "train on a random sample of at most k x this many rows (FAISS's default 256); the "
         "centres then "
         "serve every row"},
    };
    return kSpecs;
  }
  bool wants_scaled_features() const override { return true; }

  Result<std::unique_ptr<Model>> Train(const TrainInput& in,
                                       const IterationCallback& on_iteration) const override {
    const Json& hp = in.hyperparameters;
    Options o;
    o.k = hp.value("k", 8);
    o.iterations = hp.value("iterations", 50);
    o.tol = hp.value("tol", 1e-4);
    o.seeds = hp.value("seeds", 3);
    o.seed = hp.value("seed", uint64_t{1});
    o.plus_plus = hp.value("init", "k-means++") == "k-means++";
    o.max_points_per_centroid = hp.value("max_points_per_centroid", size_t{256});
    if (o.k < 1 || o.iterations < 1 || o.seeds < 1 || o.max_points_per_centroid < 1) {
      return InvalidArgumentError(
          "k, iterations, seeds and max_points_per_centroid must be at least 1");
    }
    if (in.train.cols == 0) return InvalidArgumentError("k-means needs at least one feature");
    if (in.train.rows < static_cast<size_t>(o.k)) {
      return InvalidArgumentError(fmt::format(
          "k is {} but there are only {} training rows: k can be at most the number of rows", o.k,
          in.train.rows));
    }
    if (in.train.rows > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
      return InvalidArgumentError("k-means takes at most 2^31 - 1 rows");
    }
    const size_t d = in.train.cols;
    std::vector<float> clean;
    Matrix all{FiniteRows(in.train, &clean), in.train.rows, d};
    const float* all_weights = in.weights.size() == all.rows ? in.weights.data() : nullptr;

    // The training sample, as FAISS would draw it (rows above k x max_points_per_centroid).
    std::vector<float> sample, sample_weights;
    Matrix rows = all;
    const float* weights = all_weights;
    const size_t cap = static_cast<size_t>(o.k) * o.max_points_per_centroid;
    if (all.rows > cap) {
      const std::vector<size_t> picked = SampleRows(all.rows, cap, o.seed);
      sample.resize(picked.size() * d);
      for (size_t i = 0; i < picked.size(); ++i)
        std::copy_n(all.row(picked[i]), d, sample.data() + i * d);
      if (all_weights) {
        for (size_t r : picked) sample_weights.push_back(all_weights[r]);
        weights = sample_weights.data();
      }
      rows = {sample.data(), picked.size(), d};
      core::log::Info(
          "k-means: training on a sample of {} of {} rows (k x max_points_per_centroid)", rows.rows,
          all.rows);
    }

    const int total = o.seeds * o.iterations;
    Run best;
    uint64_t best_seed = o.seed;
    for (int s = 0; s < o.seeds; ++s) {
      const uint64_t seed = o.seed + static_cast<uint64_t>(s);
      auto report = [&](int it, double inertia) {
        std::map<std::string, double> m = {{"train-inertia", inertia}};
        if (o.seeds > 1) m["seed"] = static_cast<double>(seed);
        return !on_iteration || on_iteration(s * o.iterations + it, total, m);
      };
      STRATA_ASSIGN_OR_RETURN(Run run, RunOnce(rows, weights, o, seed, report));
      const bool stopped = run.stopped;
      if (!best.index || run.inertia < best.inertia) {
        best = std::move(run);
        best_seed = seed;
      }
      if (stopped) break;  // the caller discards the model
    }

    auto model = std::make_unique<KMeansModel>(std::move(best.index), Json());
    double inertia = 0;  // of every training row, exactly as Predict measures distances
    STRATA_RETURN_IF_ERROR(model->Assign(all, &inertia).status());
    model->set_info({{"clusters", o.k},
                     {"inertia", inertia},
                     {"iterations", best.iterations},
                     {"converged", best.converged},
                     {"seeds", o.seeds},
                     {"best_seed", best_seed},
                     {"init", o.plus_plus ? "k-means++" : "random"},
                     {"training_rows", all.rows},
                     {"sampled_rows", rows.rows},
                     {"features", d}});
    return std::unique_ptr<Model>(std::move(model));
  }

  Result<std::unique_ptr<Model>> Load(const fs::path& dir, const Json& model_json) const override {
    STRATA_ASSIGN_OR_RETURN(std::unique_ptr<faiss::Index> index, ReadFaissIndex(dir / kModelFile));
    auto* flat = dynamic_cast<faiss::IndexFlat*>(index.get());
    if (flat == nullptr || flat->metric_type != faiss::METRIC_L2) {
      return InvalidArgumentError(
          fmt::format("{} is not an L2 flat index of cluster centres", kModelFile));
    }
    Json info = model_json.value("training", Json::object());
    if (!info.is_object()) info = Json::object();
    const int64_t k = info.value("clusters", int64_t{0});
    if (flat->ntotal < 1 || (k > 0 && flat->ntotal != k)) {
      return InvalidArgumentError(fmt::format(
          "{} holds {} centres where model.json says {} clusters", kModelFile, flat->ntotal, k));
    }
    info["clusters"] = flat->ntotal;
    index.release();
    return std::unique_ptr<Model>(
        new KMeansModel(std::unique_ptr<faiss::IndexFlat>(flat), std::move(info)));
  }
};

}  // namespace

const Algorithm& KMeansAlgorithm() {
  static const KMeans kAlgorithm;
  return kAlgorithm;
}

}  // namespace strata::ml
