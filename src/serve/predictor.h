#pragma once
// A registered model version loaded for prediction: its model.json, the fitted
// preprocessing recipe and the algorithm's model. Turns raw rows (JSON objects, lists in
// input-schema order, or rows of a stored table) into predictions, applying the recipe
// exactly as training did. Text models (ml::InputKind::kText) have no recipe: they read
// the raw text of the column model.json names as "text_column" (data/text_input.h).
// Immutable once loaded and safe to share between threads (endpoints, batch transform
// and evaluation all use it).

#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/core.h"
#include "data/data.h"
#include "ml/ml.h"

namespace strata::serve {

struct Predictions {
  size_t rows = 0;
  int per_row = 1;          // values per row in `values`
  std::vector<float> values;  // rows x per_row, from Model::Predict
  data::TransformNotes notes;  // unknown categories, missing columns, extra columns
};

// Raw rows turned into the model's encoded features by the recipe: the matrix
// PredictJson and PredictTable feed the model, also what explanations start from.
struct Features {
  std::vector<float> values;  // rows x recipe().num_features(), row-major
  size_t rows = 0, cols = 0;
  data::TransformNotes notes;
  ml::Matrix matrix() const { return {values.data(), rows, cols}; }
};

class Predictor {
 public:
  // Reads `dir`/model.json and the algorithm's payload. InvalidArgument / NotFound with
  // the path when something is missing or corrupt.
  static Result<std::shared_ptr<const Predictor>> Load(const std::filesystem::path& dir);

  const Json& model_json() const { return model_json_; }
  ml::Problem problem() const { return problem_; }
  const std::vector<std::string>& classes() const { return classes_; }
  // The raw columns the model was trained on, in schema order.
  const std::vector<std::string>& input_columns() const { return input_columns_; }
  double threshold() const { return threshold_; }  // binary decision threshold
  int outputs_per_row() const { return model_->outputs_per_row(); }

  // `instances`: a list of objects ({column: value}) or of lists in input_columns()
  // order. InvalidArgument naming the row and column for values of the wrong kind.
  Result<Predictions> PredictJson(const Json& instances) const;
  // `rows` of `table`, all rows when empty.
  Result<Predictions> PredictTable(const data::Table& table, const std::vector<int64_t>& rows) const;
  // The two steps of PredictJson / PredictTable apart: rows to features (same errors and
  // notes), then features to predictions (the notes are copied into the result).
  // InvalidArgument for text models, which see text, not features.
  Result<Features> FeaturesJson(const Json& instances) const;
  Result<Features> FeaturesTable(const data::Table& table, const std::vector<int64_t>& rows) const;
  Result<Predictions> PredictFeatures(const Features& features) const;

  const data::Recipe& recipe() const { return recipe_; }
  const ml::Model& model() const { return *model_; }
  size_t num_features() const { return recipe_.num_features(); }
  // The column a text model reads; empty for models that read the recipe's features.
  const std::string& text_column() const { return text_column_; }

  // One row's result, by problem: {"prediction": label, "probabilities": {class: p}}
  // (classifiers; with "top_classes": [{"class", "probability"}...], most probable
  // first, when the model's training info sets top_k), {"prediction": value}
  // (regression), {"cluster": i, "distance": d}, {"score": s, "anomaly": bool},
  // {"components": [...]} (dimensionality reduction), {"embedding": [...]} (text
  // embedding). threshold < 0 uses the model's.
  Json RowJson(const Predictions& p, size_t row, double threshold = -1) const;
  // RowJson(p, row, threshold).dump() appended to `out`, without building the document
  // (the hot path of an invocation's answer).
  void AppendRowJson(const Predictions& p, size_t row, std::string& out, double threshold = -1) const;
  // The predicted class index for a row. REQUIRES: a classifier.
  int PredictedClass(const Predictions& p, size_t row, double threshold = -1) const;

 private:
  Predictor() = default;
  // Extra columns of objects are noted. When some rows are lists in schema order,
  // `converted` gets all rows as objects; otherwise it stays null and `instances` serve.
  Status RowObjects(const Json& instances, Json* converted, data::TransformNotes* notes) const;
  // Whether an object row holds exactly the input columns in schema order (the common
  // case, checked without a lookup per key).
  bool InSchemaOrder(const Json& row) const;
  Result<Predictions> PredictText(const std::vector<std::string>& texts, data::TransformNotes notes) const;
  Result<Predictions> Checked(Predictions out) const;

  Json model_json_;
  ml::Problem problem_ = ml::Problem::kRegression;
  std::vector<std::string> classes_, input_columns_;
  std::set<std::string, std::less<>> known_columns_;  // input_columns_, for lookups
  double threshold_ = 0.5;
  int top_k_ = 0;
  data::Recipe recipe_;
  std::string text_column_;
  std::unique_ptr<ml::Model> model_;
};

}  // namespace strata::serve
