#pragma once
// What a model reads at training (internal to platform/training.cpp): the dense features
// of the preprocessing recipe, fitted on the training rows, or, for text algorithms
// (ml::InputKind::kText), the raw text of one column, named by the request's
// `text_column`. The one place training branches on the algorithm's input.

#include <optional>
#include <string>
#include <vector>

#include "core/core.h"
#include "data/data.h"
#include "ml/ml.h"

namespace strata::platform {

// The text column of a training request. Text algorithms: `text_column` as given (a
// text or category column other than the target), else the dataset's only text column
// (or, with no text column, its only category column); InvalidArgument naming the
// column or asking for it, and for a `preprocessing` field, which text algorithms do
// not use. Other algorithms: "", and InvalidArgument when `text_column` is given.
Result<std::string> TextColumnOf(const ml::Algorithm& algo, const Json& request,
                                 const data::Schema& schema, const std::string& target,
                                 const std::string& dataset);

struct ModelInputs {
  std::optional<data::Recipe> recipe;                 // feature algorithms
  std::string text_column;                            // text algorithms
  std::vector<float> train_features, valid_features;  // rows x num_features()
  std::vector<std::string> train_texts, valid_texts;
  size_t train_rows = 0, valid_rows = 0;
  data::TransformNotes notes;

  size_t num_features() const { return recipe ? recipe->num_features() : 0; }
  // Points the inputs of `in` at these (which must outlive it).
  void Fill(ml::TrainInput* in) const;
  // The model's predictions for the validation rows.
  Result<std::vector<float>> PredictValid(const ml::Model& model) const;
  // What model.json needs to read rows again: "recipe" or "text_column".
  void Describe(Json* model_json) const;
};

// `params`: the training job's (PrepareTrainingParams).
Result<ModelInputs> PrepareModelInputs(const ml::Algorithm& algo, const Json& params,
                                       const data::Table& table,
                                       const std::vector<int64_t>& train_rows,
                                       const data::Table& valid_table,
                                       const std::vector<int64_t>& valid_rows);

}  // namespace strata::platform
