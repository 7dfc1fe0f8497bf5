#pragma once
// Internal to the liblinear adapter (linear_learner.cpp trains and loads, linear_model.cpp
// predicts, saves and explains): the fitted linear model over liblinear 2.3's C model.
// These two files are the only ones that include <linear.h>.

#include <linear.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "ml/algorithm.h"

namespace strata::ml::linear {

// The file of a version directory that holds liblinear's own text format.
inline constexpr std::string_view kModelFile = "liblinear.model";

struct ModelDeleter {
  void operator()(::model* m) const { free_and_destroy_model(&m); }
};
using ModelPtr = std::unique_ptr<::model, ModelDeleter>;

// Rows in liblinear's sparse layout: 1-based (index, value) pairs ending in index -1, and
// the constant bias feature (index cols+1) appended when bias >= 0. Zeros are left out.
// NaN (a missing value) is left out too, which means it counts as 0: the platform's
// recipe imputes missing values before training and prediction, so a NaN here is a gap
// the recipe did not fill, and 0 (the mean of a standardized feature) is the least
// surprising guess. Infinities are treated the same way rather than poisoning the fit.
void AppendRow(const float* row, size_t cols, double bias, std::vector<feature_node>* out);

class LinearModel final : public Model {
 public:
  // Checks that `m` fits the problem, so that Predict can index classes blindly: a
  // classifier's labels must be distinct class indexes 0..num_classes-1 (liblinear keeps
  // them in the order it first met them in the training data, not sorted).
  static Result<std::unique_ptr<LinearModel>> Make(ModelPtr m, Problem problem, int num_classes,
                                                   Json info);

  // Thread-safe: liblinear's predict_values and predict_probability read the model and
  // write only the caller's buffers; each call here has its own.
  Result<std::vector<float>> Predict(Matrix x) const override;

  int outputs_per_row() const override {
    return problem_ == Problem::kMulticlassClassification ? num_classes_ : 1;
  }

  // save_model writes to a path with stdio and reports failure as -1 only. It writes a
  // temporary beside the target; the bytes are read back and put in place by
  // WriteFileAtomic (fsync, rename), so a crash never leaves a torn liblinear.model.
  Result<std::string> Save(const std::filesystem::path& dir) const override;

  Json Info() const override { return info_; }

  // |w| per feature, summed over the one-vs-rest weight vectors of a multi-class model.
  // Comparable across features because the platform standardizes numeric features.
  Result<std::vector<FeatureImportance>> Importance() const override;

  // Exact for a linear model: the margin w·x + b splits into w_i·x_i per feature plus the
  // bias term b (liblinear's weight of its constant feature times `bias`). This is SHAP
  // under feature independence with the all-zero encoded row as the reference: a
  // standardized numeric feature is 0 at its training mean, a one-hot feature at
  // "not this category". Missing or infinite values count as 0, as Predict treats them.
  Result<Contributions> Contribute(Matrix x) const override;

  // Before the model is shared: Info() is read without a lock.
  void set_info(Json info) { info_ = std::move(info); }

 private:
  LinearModel(ModelPtr m, Problem problem, int num_classes, Json info)
      : model_(std::move(m)),
        problem_(problem),
        num_classes_(num_classes),
        info_(std::move(info)) {}

  // liblinear keeps one weight vector for two classes (and for regression), else one per
  // class; w[feature * WeightVectors() + vector].
  size_t WeightVectors() const;

  // probs[c] for every class index c. liblinear's class j is class index label[j];
  // classes absent from the training data (a rare class the split left out) get 0.
  void ClassProbabilities(const feature_node* x, double* dec, double* probs) const;

  ModelPtr model_;
  Problem problem_;
  int num_classes_;
  Json info_;
};

}  // namespace strata::ml::linear
