// The fitted `linear-learner` model: predictions, liblinear.model files and explanations
// over liblinear 2.3's C model (the other half of the adapter is linear_learner.cpp).
#include "ml/linear_model.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace strata::ml::linear {
namespace {

namespace fs = std::filesystem;

double Sigmoid(double z) {
  return 1 / (1 + std::exp(-z));
}

}  // namespace

void AppendRow(const float* row, size_t cols, double bias, std::vector<feature_node>* out) {
  for (size_t j = 0; j < cols; ++j) {
    const float v = row[j];
    if (v == 0 || !std::isfinite(v)) continue;
    out->push_back({static_cast<int>(j + 1), static_cast<double>(v)});
  }
  if (bias >= 0) out->push_back({static_cast<int>(cols + 1), bias});
  out->push_back({-1, 0});
}

Result<std::unique_ptr<LinearModel>> LinearModel::Make(ModelPtr m, Problem problem, int num_classes,
                                                       Json info) {
  const bool regression_model = check_regression_model(m.get()) != 0;
  if (problem == Problem::kRegression) {
    if (!regression_model)
      return InvalidArgumentError("liblinear.model holds a classifier, not a regression model");
  } else {
    if (regression_model)
      return InvalidArgumentError("liblinear.model holds a regression model, not a classifier");
    if (num_classes < 2 || (problem == Problem::kBinaryClassification && num_classes != 2)) {
      return InvalidArgumentError(
          fmt::format("a {} model cannot have {} classes", ProblemName(problem), num_classes));
    }
    if (m->nr_class < 1 || m->nr_class > num_classes || m->label == nullptr) {
      return InvalidArgumentError(fmt::format(
          "liblinear.model has {} classes where the model has {}", m->nr_class, num_classes));
    }
    std::vector<bool> seen(static_cast<size_t>(num_classes), false);
    for (int j = 0; j < m->nr_class; ++j) {
      const int label = m->label[j];
      if (label < 0 || label >= num_classes || seen[static_cast<size_t>(label)]) {
        return InvalidArgumentError(
            fmt::format("liblinear.model has label {} where class indexes 0..{} are expected",
                        label, num_classes - 1));
      }
      seen[static_cast<size_t>(label)] = true;
    }
  }
  if (m->nr_feature < 0)
    return InvalidArgumentError("liblinear.model has a negative feature count");
  return std::unique_ptr<LinearModel>(
      new LinearModel(std::move(m), problem, num_classes, std::move(info)));
}

Result<std::vector<float>> LinearModel::Predict(Matrix x) const {
  const ::model* m = model_.get();
  if (x.cols != static_cast<size_t>(m->nr_feature)) {
    return InvalidArgumentError(
        fmt::format("the model takes {} features, got {}", m->nr_feature, x.cols));
  }
  const size_t outputs = static_cast<size_t>(outputs_per_row());
  std::vector<float> out;
  out.reserve(x.rows * outputs);
  std::vector<feature_node> row;
  row.reserve(x.cols + 2);
  std::vector<double> dec(static_cast<size_t>(std::max(m->nr_class, 2)));
  std::vector<double> probs(static_cast<size_t>(std::max(num_classes_, 1)));
  for (size_t r = 0; r < x.rows; ++r) {
    row.clear();
    AppendRow(x.row(r), x.cols, m->bias, &row);
    if (problem_ == Problem::kRegression) {
      out.push_back(static_cast<float>(predict_values(m, row.data(), dec.data())));
      continue;
    }
    ClassProbabilities(row.data(), dec.data(), probs.data());
    if (problem_ == Problem::kBinaryClassification) {
      out.push_back(static_cast<float>(probs[1]));
    } else {
      for (double p : probs) out.push_back(static_cast<float>(p));
    }
  }
  return out;
}

Result<std::string> LinearModel::Save(const fs::path& dir) const {
  const fs::path temp = dir / fmt::format(".{}.{}.tmp", kModelFile, core::NewId());
  const int rc = save_model(temp.c_str(), model_.get());
  Result<std::string> text =
      rc == 0 ? core::ReadFile(temp) : Result<std::string>(InternalError(""));
  std::error_code ec;
  fs::remove(temp, ec);
  if (rc != 0)
    return InternalError(fmt::format("liblinear: could not write the model to {}", temp.string()));
  if (!text.ok()) return text.status();
  STRATA_RETURN_IF_ERROR(core::WriteFileAtomic(dir / kModelFile, *text));
  return std::string(kModelFile);
}

Result<std::vector<FeatureImportance>> LinearModel::Importance() const {
  const ::model* m = model_.get();
  const size_t n = static_cast<size_t>(m->nr_feature), nr_w = WeightVectors();
  std::vector<double> values(n, 0.0);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < nr_w; ++j) values[i] += std::fabs(m->w[i * nr_w + j]);
  }
  return std::vector<FeatureImportance>{
      {"coefficients",
       "|weight| of the (standardized) features, summed over classes for multi-class",
       std::move(values)}};
}

Result<Contributions> LinearModel::Contribute(Matrix x) const {
  const ::model* m = model_.get();
  if (x.cols != static_cast<size_t>(m->nr_feature)) {
    return InvalidArgumentError(
        fmt::format("the model takes {} features, got {}", m->nr_feature, x.cols));
  }
  Contributions out;
  out.method = "linear";
  out.rows = x.rows;
  out.features = x.cols;
  out.groups = problem_ == Problem::kMulticlassClassification ? num_classes_ : 1;
  out.link = problem_ == Problem::kRegression             ? "identity"
             : problem_ == Problem::kBinaryClassification ? "logit"
                                                          : "one_vs_rest_logit";
  // Per group: the weight vector it reads (index into liblinear's nr_w) and its sign.
  // With one weight vector (two classes) liblinear's label[0] has margin d and
  // label[1] has -d; a class liblinear never saw has no margin at all.
  const size_t nr_w = WeightVectors();
  std::vector<int> vec(static_cast<size_t>(out.groups), -1);
  std::vector<double> sign(static_cast<size_t>(out.groups), 1.0);
  for (int g = 0; g < out.groups; ++g) {
    const int cls = problem_ == Problem::kBinaryClassification ? 1 : g;
    if (problem_ == Problem::kRegression) {
      vec[0] = 0;
      continue;
    }
    for (int j = 0; j < m->nr_class; ++j) {
      if (m->label[j] != cls) continue;
      vec[static_cast<size_t>(g)] = nr_w == 1 ? 0 : j;
      sign[static_cast<size_t>(g)] = nr_w == 1 && j == 1 ? -1.0 : 1.0;
    }
  }
  const size_t stride = x.cols + 1;
  out.values.assign(x.rows * static_cast<size_t>(out.groups) * stride, 0.0);
  for (size_t r = 0; r < x.rows; ++r) {
    const float* row = x.row(r);
    for (int g = 0; g < out.groups; ++g) {
      double* c = out.values.data() +
                  (r * static_cast<size_t>(out.groups) + static_cast<size_t>(g)) * stride;
      const int j = vec[static_cast<size_t>(g)];
      if (j < 0) {
        c[x.cols] = -INFINITY;
        continue;
      }
      const double s = sign[static_cast<size_t>(g)];
      for (size_t i = 0; i < x.cols; ++i) {
        if (std::isfinite(row[i])) c[i] = s * m->w[i * nr_w + static_cast<size_t>(j)] * row[i];
      }
      c[x.cols] = m->bias >= 0 ? s * m->w[x.cols * nr_w + static_cast<size_t>(j)] * m->bias : 0.0;
    }
  }
  return out;
}

size_t LinearModel::WeightVectors() const {
  const ::model* m = model_.get();
  if (problem_ == Problem::kRegression) return 1;
  return m->nr_class == 2 && m->param.solver_type != MCSVM_CS ? 1
                                                              : static_cast<size_t>(m->nr_class);
}

void LinearModel::ClassProbabilities(const feature_node* x, double* dec, double* probs) const {
  const ::model* m = model_.get();
  const int k = m->nr_class;
  if (check_probability_model(m)) {
    predict_probability(m, x, dec);  // logistic: liblinear's own probabilities
  } else {
    // SVM losses: the same transformation liblinear applies to logistic decision
    // values (a sigmoid per one-vs-rest class, normalized), here an uncalibrated score.
    predict_values(m, x, dec);
    const int nr_w = (k == 2 && m->param.solver_type != MCSVM_CS) ? 1 : k;
    for (int j = 0; j < nr_w; ++j) dec[j] = Sigmoid(dec[j]);
    if (nr_w == 1 && k == 2) {
      dec[1] = 1 - dec[0];
    } else {
      double sum = 0;
      for (int j = 0; j < k; ++j) sum += dec[j];
      for (int j = 0; j < k; ++j) dec[j] = sum > 0 ? dec[j] / sum : 1.0 / k;
    }
  }
  std::fill(probs, probs + num_classes_, 0.0);
  for (int j = 0; j < k; ++j) probs[m->label[j]] = dec[j];
}

}  // namespace strata::ml::linear
