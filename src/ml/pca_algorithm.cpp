// The `pca` algorithm: the Eigen adapter (the contract is in pca_algorithm.h). Every
// Eigen type of Strata is in this file.
#include "ml/pca_algorithm.h"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <new>
#include <numeric>

#include <fmt/format.h>

#include "core/core.h"

namespace strata::ml {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kModelFile = "pca.json";
constexpr std::string_view kFormat = "strata-pca";
constexpr int kFormatVersion = 1;
constexpr size_t kCovarianceMaxFeatures = 4096;  // a 128 MiB covariance matrix, O(d³) to solve
constexpr size_t kSvdMaxCells = 50'000'000;      // the centred matrix: 400 MB of doubles
constexpr size_t kMaxFeatures = 1 << 20;         // what pca.json may claim
constexpr size_t kBlockRows = 1024;              // rows per rank update / prediction block
constexpr size_t kMaxParts = 8;                  // partial sums accumulated side by side
constexpr size_t kPartialBytes = 256u << 20;     // their memory at most

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// What a fit learns. Components are rows, sorted by decreasing variance.
struct Pca {
  size_t features = 0;
  bool whiten = false;
  std::string solver;
  int64_t training_rows = 0;
  std::vector<double> mean;
  RowMatrix components;  // k x features
  std::vector<double> explained_variance, explained_variance_ratio, singular_values;
  size_t k() const { return explained_variance.size(); }
};

// Contiguous row ranges. Their number depends on the sizes only, and their partial sums
// are added in range order, so a fit gives the same bits whatever the thread count.
std::vector<std::pair<size_t, size_t>> Partition(size_t rows, size_t parts) {
  parts = std::clamp<size_t>(parts, 1, std::max<size_t>(1, rows));
  std::vector<std::pair<size_t, size_t>> out;
  for (size_t p = 0; p < parts; ++p) out.emplace_back(rows * p / parts, rows * (p + 1) / parts);
  return out;
}

std::vector<double> ColumnMeans(Matrix x, core::ThreadPool& pool) {
  const auto parts = Partition(x.rows, kMaxParts);
  std::vector<std::vector<double>> sums(parts.size(), std::vector<double>(x.cols, 0));
  pool.ParallelFor(parts.size(), [&](size_t p) {
    std::vector<double>& s = sums[p];
    for (size_t r = parts[p].first; r < parts[p].second; ++r) {
      const float* row = x.row(r);
      for (size_t j = 0; j < x.cols; ++j) s[j] += row[j];
    }
  });
  std::vector<double> mean(x.cols, 0);
  for (const auto& s : sums) {
    for (size_t j = 0; j < x.cols; ++j) mean[j] += s[j];
  }
  for (double& m : mean) m /= static_cast<double>(x.rows);
  return mean;
}

// Rows r0..r0+m of x minus the mean, into the top of `block` (m x cols).
template <typename Block>
void CentreRows(Matrix x, size_t r0, size_t m, const std::vector<double>& mean, Block* block) {
  for (size_t i = 0; i < m; ++i) {
    const float* row = x.row(r0 + i);
    for (size_t j = 0; j < x.cols; ++j)
      (*block)(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = row[j] - mean[j];
  }
}

// The spectrum of the data, whichever solver found it: variances (descending) with
// their unit directions as the columns of `vectors`, and the total variance.
struct Spectrum {
  std::vector<double> variance;
  Eigen::MatrixXd vectors;
  double total = 0;
};

// Σ (x - mean)(x - mean)ᵀ / (n - 1) by symmetric rank updates of row blocks, then its
// eigendecomposition.
Result<Spectrum> CovarianceSpectrum(Matrix x, const std::vector<double>& mean,
                                    core::ThreadPool& pool) {
  const auto d = static_cast<Eigen::Index>(x.cols);
  const size_t partial_bytes = x.cols * x.cols * sizeof(double);
  const size_t max_parts =
      std::clamp<size_t>(kPartialBytes / std::max<size_t>(1, partial_bytes), 1, kMaxParts);
  const auto parts = Partition(x.rows, std::min(max_parts, x.rows / kBlockRows));
  std::vector<Eigen::MatrixXd> partial(parts.size());
  pool.ParallelFor(parts.size(), [&](size_t p) {
    partial[p] = Eigen::MatrixXd::Zero(d, d);
    Eigen::MatrixXd block(static_cast<Eigen::Index>(kBlockRows), d);
    for (size_t r0 = parts[p].first; r0 < parts[p].second; r0 += kBlockRows) {
      const size_t m = std::min(kBlockRows, parts[p].second - r0);
      CentreRows(x, r0, m, mean, &block);
      partial[p].selfadjointView<Eigen::Lower>().rankUpdate(
          block.topRows(static_cast<Eigen::Index>(m)).transpose());
    }
  });
  Eigen::MatrixXd cov = Eigen::MatrixXd::Zero(d, d);
  for (const auto& c : partial) cov += c;
  cov = Eigen::MatrixXd(cov.selfadjointView<Eigen::Lower>()) / static_cast<double>(x.rows - 1);

  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(cov);
  if (eigen.info() != Eigen::Success)
    return InternalError("Eigen: the covariance eigendecomposition did not converge");
  Spectrum s;
  s.total = cov.trace();
  const Eigen::VectorXd& values = eigen.eigenvalues();  // ascending
  s.vectors = eigen.eigenvectors().rowwise().reverse();
  for (Eigen::Index i = d - 1; i >= 0; --i)
    s.variance.push_back(std::max(0.0, values(i)));  // roundoff below 0
  return s;
}

// The thin SVD of the centred matrix: variances are the squared singular values / (n - 1).
Result<Spectrum> SvdSpectrum(Matrix x, const std::vector<double>& mean) {
  if (x.rows * x.cols > kSvdMaxCells) {
    return InvalidArgumentError(fmt::format(
        "solver svd holds the {} x {} matrix in memory, more than {} values: use solver covariance",
        x.rows, x.cols, kSvdMaxCells));
  }
  Eigen::MatrixXd a(static_cast<Eigen::Index>(x.rows), static_cast<Eigen::Index>(x.cols));
  CentreRows(x, 0, x.rows, mean, &a);
  Eigen::BDCSVD<Eigen::MatrixXd> svd(a, Eigen::ComputeThinV);
  if (svd.info() != Eigen::Success) return InternalError("Eigen: the SVD did not converge");
  Spectrum s;
  const double dof = static_cast<double>(x.rows - 1);
  s.total = a.squaredNorm() / dof;
  s.vectors = svd.matrixV();
  for (Eigen::Index i = 0; i < svd.singularValues().size(); ++i) {
    s.variance.push_back(svd.singularValues()(i) * svd.singularValues()(i) / dof);
  }
  return s;
}

// The number of components `components` asks for: a count, or the fewest whose
// cumulative ratio exceeds a fraction (scikit-learn's searchsorted(side="right") + 1).
Result<size_t> ChooseK(double components, const Spectrum& s, size_t rows, size_t cols) {
  const size_t available = std::min(rows, cols);
  if (components >= 1) {
    const auto k = static_cast<size_t>(components);
    if (k > available) {
      return InvalidArgumentError(fmt::format(
          "components is {}, but {} training rows of {} features have at most {} components", k,
          rows, cols, available));
    }
    return k;
  }
  double cumulative = 0;
  const size_t n = std::min(available, s.variance.size());
  for (size_t i = 0; i < n; ++i) {
    cumulative += s.total > 0 ? s.variance[i] / s.total : 0;
    if (cumulative > components) return i + 1;
  }
  return n;  // the fraction is reached only by all of them (or roundoff kept it just below)
}

Result<Pca> Fit(Matrix x, double components, bool whiten, std::string solver) {
  core::ThreadPool pool(0);
  Pca pca;
  pca.features = x.cols;
  pca.whiten = whiten;
  pca.training_rows = static_cast<int64_t>(x.rows);
  pca.mean = ColumnMeans(x, pool);
  if (solver == "auto") {
    const bool small = x.cols <= kCovarianceMaxFeatures || x.rows * x.cols > kSvdMaxCells;
    solver = small ? "covariance" : "svd";
  }
  if (solver == "covariance" && x.cols > kCovarianceMaxFeatures) {
    return InvalidArgumentError(fmt::format(
        "solver covariance takes at most {} features, got {}: use solver svd, or fewer features "
        "(hash_dims, max_categories, drop)",
        kCovarianceMaxFeatures, x.cols));
  }
  pca.solver = solver;
  Result<Spectrum> spectrum = InternalError("no solver");
  try {
    spectrum = solver == "svd" ? SvdSpectrum(x, pca.mean) : CovarianceSpectrum(x, pca.mean, pool);
  } catch (const std::bad_alloc&) {
    return InternalError(
        fmt::format("out of memory while fitting PCA on {} x {} values", x.rows, x.cols));
  }
  if (!spectrum.ok()) return spectrum.status();
  STRATA_ASSIGN_OR_RETURN(size_t k, ChooseK(components, *spectrum, x.rows, x.cols));

  pca.components.resize(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(x.cols));
  for (size_t c = 0; c < k; ++c) {
    Eigen::VectorXd v = spectrum->vectors.col(static_cast<Eigen::Index>(c));
    Eigen::Index largest = 0;  // the first entry of the largest magnitude
    for (Eigen::Index j = 1; j < v.size(); ++j) {
      if (std::fabs(v(j)) > std::fabs(v(largest))) largest = j;
    }
    if (v(largest) < 0) v = -v;
    pca.components.row(static_cast<Eigen::Index>(c)) = v.transpose();
    const double var = spectrum->variance[c];
    pca.explained_variance.push_back(var);
    pca.explained_variance_ratio.push_back(spectrum->total > 0 ? var / spectrum->total : 0);
    pca.singular_values.push_back(std::sqrt(var * static_cast<double>(x.rows - 1)));
  }
  return pca;
}

// ---------------------------------------------------------------------------------------
// pca.json

Json ToJson(const Pca& p) {
  Json rows = Json::array();
  for (Eigen::Index c = 0; c < p.components.rows(); ++c) {
    rows.push_back(std::vector<double>(p.components.row(c).begin(), p.components.row(c).end()));
  }
  return {{"format", kFormat},
          {"format_version", kFormatVersion},
          {"n_features", p.features},
          {"n_components", p.k()},
          {"whiten", p.whiten},
          {"solver", p.solver},
          {"training_rows", p.training_rows},
          {"mean", p.mean},
          {"components", rows},
          {"explained_variance", p.explained_variance},
          {"explained_variance_ratio", p.explained_variance_ratio},
          {"singular_values", p.singular_values}};
}

Status Corrupt(const std::string& why) {
  return InvalidArgumentError(fmt::format("{} is corrupt: {}", kModelFile, why));
}

Result<int64_t> CountField(const Json& j, const char* key, int64_t lo, int64_t hi) {
  if (!j.contains(key) || !j[key].is_number_integer())
    return Corrupt(fmt::format("'{}' is not an integer", key));
  const auto v = j[key].get<int64_t>();
  if (v < lo || v > hi) return Corrupt(fmt::format("'{}' is {}, outside [{}, {}]", key, v, lo, hi));
  return v;
}

Status NumbersField(const Json& j, const char* key, size_t size, bool non_negative,
                    std::vector<double>* out) {
  if (!j.contains(key) || !j[key].is_array() || j[key].size() != size) {
    return Corrupt(fmt::format("'{}' is not an array of {} numbers", key, size));
  }
  out->clear();
  for (const Json& v : j[key]) {
    if (!v.is_number() || !std::isfinite(v.get<double>()) ||
        (non_negative && v.get<double>() < 0)) {
      return Corrupt(fmt::format("'{}' holds {}, not a finite{} number", key,
                                 v.dump().substr(0, 40), non_negative ? " non-negative" : ""));
    }
    out->push_back(v.get<double>());
  }
  return Status::Ok();
}

Result<Pca> FromJson(const Json& j) {
  if (!j.is_object() || !j.contains("format") || j["format"] != kFormat) {
    return Corrupt(fmt::format("it is not a {} document", kFormat));
  }
  STRATA_ASSIGN_OR_RETURN(int64_t version, CountField(j, "format_version", 1, INT32_MAX));
  if (version > kFormatVersion) {
    return InvalidArgumentError(
        fmt::format("{} has format_version {}; this program reads versions up to {}", kModelFile,
                    version, kFormatVersion));
  }
  Pca p;
  STRATA_ASSIGN_OR_RETURN(int64_t d, CountField(j, "n_features", 1, kMaxFeatures));
  STRATA_ASSIGN_OR_RETURN(int64_t k, CountField(j, "n_components", 1, d));
  STRATA_ASSIGN_OR_RETURN(p.training_rows, CountField(j, "training_rows", 2, INT64_MAX));
  p.features = static_cast<size_t>(d);
  if (!j.contains("whiten") || !j["whiten"].is_boolean())
    return Corrupt("'whiten' is not true or false");
  p.whiten = j["whiten"].get<bool>();
  if (!j.contains("solver") || !j["solver"].is_string()) return Corrupt("'solver' is not a string");
  p.solver = j["solver"].get<std::string>();
  const auto kk = static_cast<size_t>(k);
  STRATA_RETURN_IF_ERROR(NumbersField(j, "mean", p.features, false, &p.mean));
  STRATA_RETURN_IF_ERROR(NumbersField(j, "explained_variance", kk, true, &p.explained_variance));
  STRATA_RETURN_IF_ERROR(
      NumbersField(j, "explained_variance_ratio", kk, true, &p.explained_variance_ratio));
  STRATA_RETURN_IF_ERROR(NumbersField(j, "singular_values", kk, true, &p.singular_values));
  if (!j.contains("components") || !j["components"].is_array() || j["components"].size() != kk) {
    return Corrupt(fmt::format("'components' is not an array of {} rows", k));
  }
  p.components.resize(k, d);
  for (size_t c = 0; c < kk; ++c) {
    const Json& r = j["components"][c];
    if (!r.is_array() || r.size() != p.features) {
      return Corrupt(fmt::format("components row {} is not an array of {} numbers", c + 1, d));
    }
    for (size_t i = 0; i < p.features; ++i) {
      if (!r[i].is_number() || !std::isfinite(r[i].get<double>())) {
        return Corrupt(fmt::format("components row {} holds {}, not a finite number", c + 1,
                                   r[i].dump().substr(0, 40)));
      }
      p.components(static_cast<Eigen::Index>(c), static_cast<Eigen::Index>(i)) = r[i].get<double>();
    }
  }
  return p;
}

// ---------------------------------------------------------------------------------------
// The model.

class PcaModel final : public Model {
 public:
  explicit PcaModel(Pca pca) : pca_(std::move(pca)) {
    // Whitening divides by the standard deviation; a zero-variance component outputs 0.
    for (double v : pca_.explained_variance)
      scale_.push_back(!pca_.whiten ? 1.0 : v > 0 ? 1 / std::sqrt(v) : 0.0);
    transposed_ = pca_.components.transpose();
  }

  // Thread-safe: reads the fitted state; the buffers are the call's own.
  Result<std::vector<float>> Predict(Matrix x) const override {
    if (x.cols != pca_.features) {
      return InvalidArgumentError(
          fmt::format("the model takes {} features, got {}", pca_.features, x.cols));
    }
    const size_t k = pca_.k();
    std::vector<float> out(x.rows * k);
    RowMatrix block(static_cast<Eigen::Index>(std::min(kBlockRows, std::max<size_t>(1, x.rows))),
                    static_cast<Eigen::Index>(x.cols));
    for (size_t r0 = 0; r0 < x.rows; r0 += kBlockRows) {
      const size_t m = std::min(kBlockRows, x.rows - r0);
      for (size_t i = 0; i < m; ++i) {
        const float* row = x.row(r0 + i);
        for (size_t j = 0; j < x.cols; ++j) {
          block(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) =
              std::isnan(row[j]) ? 0.0 : row[j] - pca_.mean[j];
        }
      }
      const RowMatrix y = block.topRows(static_cast<Eigen::Index>(m)) * transposed_;
      for (size_t i = 0; i < m; ++i) {
        for (size_t c = 0; c < k; ++c) {
          out[(r0 + i) * k + c] = static_cast<float>(
              y(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(c)) * scale_[c]);
        }
      }
    }
    return out;
  }

  int outputs_per_row() const override { return static_cast<int>(pca_.k()); }

  Result<std::string> Save(const fs::path& dir) const override {
    STRATA_RETURN_IF_ERROR(core::WriteFileAtomic(dir / kModelFile, ToJson(pca_).dump()));
    return std::string(kModelFile);
  }

  Json Info() const override {
    const double total = std::accumulate(pca_.explained_variance_ratio.begin(),
                                         pca_.explained_variance_ratio.end(), 0.0);
    return {{"components", pca_.k()},
            {"features", pca_.features},
            {"solver", pca_.solver},
            {"whiten", pca_.whiten},
            {"explained_variance", pca_.explained_variance},
            {"explained_variance_ratio", pca_.explained_variance_ratio},
            {"total_explained_variance_ratio", total},
            {"mean", pca_.mean}};
  }

 private:
  Pca pca_;
  Eigen::MatrixXd transposed_;  // features x k
  std::vector<double> scale_;
};

// ---------------------------------------------------------------------------------------
// The algorithm.

class PcaAlgo final : public Algorithm {
 public:
  std::string_view name() const override { return "pca"; }
  std::string_view description() const override {
    return "principal component analysis (Eigen): projects rows on the directions of largest "
           "variance; numeric features standardized";
  }
  std::vector<Problem> problems() const override { return {Problem::kDimensionalityReduction}; }
  const std::vector<HyperparameterSpec>& hyperparameters() const override {
    static const std::vector<HyperparameterSpec> kSpecs = {
        {"components",
         "float",
         0,
         INFINITY,
         true,
         {},
         2,
         "how many components: an integer >= 1, or a fraction in (0, 1): the fewest components "
         "whose cumulative explained variance ratio exceeds it (scikit-learn's n_components)"},
        {"whiten",
         "bool",
         0,
         0,
         false,
         {},
         false,
         "divide each coordinate by its component's standard deviation (unit variance outputs)"},
        {"solver",
         "string",
         0,
         0,
         false,
         {"auto", "covariance", "svd"},
         "auto",
         "covariance: eigendecomposition of the covariance matrix (one pass, memory "
         "O(features²)); svd: SVD of the centred data (exact for tiny components, holds the data "
         "in memory); auto: covariance up to 4096 features"},
    };
    return kSpecs;
  }
  std::string_view iteration_name() const override { return "fit"; }
  bool wants_scaled_features() const override { return true; }

  Status CheckHyperparameters(const Json& hp, std::optional<Problem>) const override {
    const double c = hp.value("components", 2.0);
    if (c >= 1 && c != std::floor(c)) {
      return InvalidArgumentError(
          fmt::format("components must be an integer >= 1 or a fraction in (0, 1), got {}", c));
    }
    return Status::Ok();
  }

  // One fit, reported once at its end; a false return is the caller's to act on (it
  // discards the model), as the fit has already finished.
  Result<std::unique_ptr<Model>> Train(const TrainInput& in,
                                       const IterationCallback& on_iteration) const override {
    if (in.train.rows < 2) return InvalidArgumentError("PCA needs at least two training rows");
    if (in.train.cols == 0) return InvalidArgumentError("PCA needs at least one feature");
    STRATA_RETURN_IF_ERROR(CheckHyperparameters(in.hyperparameters, in.problem));
    STRATA_RETURN_IF_ERROR(CheckFinite(in.train, "PCA"));
    const Json& hp = in.hyperparameters;
    STRATA_ASSIGN_OR_RETURN(Pca pca, Fit(in.train, hp.value("components", 2.0),
                                         hp.value("whiten", false), hp.value("solver", "auto")));
    auto model = std::make_unique<PcaModel>(std::move(pca));
    if (on_iteration) {
      on_iteration(
          0, 1,
          {{"train-explained_variance_ratio", model->Info()["total_explained_variance_ratio"]}});
    }
    return std::unique_ptr<Model>(std::move(model));
  }

  Result<std::unique_ptr<Model>> Load(const fs::path& dir, const Json&) const override {
    STRATA_ASSIGN_OR_RETURN(std::string text, core::ReadFile(dir / kModelFile));
    STRATA_ASSIGN_OR_RETURN(Json j, core::ParseJson(text, kModelFile));
    STRATA_ASSIGN_OR_RETURN(Pca pca, FromJson(j));
    return std::unique_ptr<Model>(new PcaModel(std::move(pca)));
  }
};

}  // namespace

const Algorithm& PcaAlgorithm() {
  static const PcaAlgo kAlgorithm;
  return kAlgorithm;
}

}  // namespace strata::ml
