#include "platform/training_inputs.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace strata::platform {

Result<std::string> TextColumnOf(const ml::Algorithm& algo, const Json& r,
                                 const data::Schema& schema, const std::string& target,
                                 const std::string& dataset) {
  if (algo.input_kind() != ml::InputKind::kText) {
    if (r.contains("text_column")) {
      return InvalidArgumentError(
          fmt::format("text_column applies to text algorithms (text-classifier, word-vectors); "
                      "'{}' reads every column",
                      algo.name()));
    }
    return std::string();
  }
  STRATA_ASSIGN_OR_RETURN(std::string column, core::OptionalString(r, "text_column", ""));
  if (column.empty()) {
    // The only text column; with none, the only category column (short texts that
    // repeat can read as categories at import).
    for (data::ColumnType type : {data::ColumnType::kText, data::ColumnType::kCategory}) {
      std::vector<std::string> candidates;
      for (const auto& c : schema.columns) {
        if (c.type == type && c.name != target) candidates.push_back(c.name);
      }
      if (candidates.size() > 1) {
        return InvalidArgumentError(
            fmt::format("algorithm '{}' reads one text column and dataset '{}' has {} {} columns "
                        "({}): give text_column",
                        algo.name(), dataset, candidates.size(), data::ColumnTypeName(type),
                        fmt::join(candidates, ", ")));
      }
      if (candidates.size() == 1) {
        column = candidates[0];
        break;
      }
    }
    if (column.empty()) {
      return InvalidArgumentError(fmt::format(
          "algorithm '{}' reads a text column and dataset '{}' has none: give text_column",
          algo.name(), dataset));
    }
  } else {
    const int i = schema.Find(column);
    if (i < 0) {
      return InvalidArgumentError(
          fmt::format("text_column '{}' is not a column of dataset '{}'", column, dataset));
    }
    if (column == target)
      return InvalidArgumentError(fmt::format("text_column '{}' is the target", column));
    const data::ColumnType type = schema.columns[static_cast<size_t>(i)].type;
    if (type != data::ColumnType::kText && type != data::ColumnType::kCategory) {
      return InvalidArgumentError(fmt::format("text_column '{}' of dataset '{}' is {}, not text",
                                              column, dataset, data::ColumnTypeName(type)));
    }
  }
  if (r.contains("preprocessing")) {
    return InvalidArgumentError(fmt::format(
        "preprocessing does not apply to algorithm '{}': it reads the text of column '{}' as it is",
        algo.name(), column));
  }
  return column;
}

void ModelInputs::Fill(ml::TrainInput* in) const {
  if (recipe) {
    in->train = {train_features.data(), train_rows, num_features()};
    in->valid = {valid_features.data(), valid_rows, num_features()};
  } else {
    in->texts = train_texts;
    in->valid_texts = valid_texts;
  }
}

Result<std::vector<float>> ModelInputs::PredictValid(const ml::Model& model) const {
  if (recipe) return model.Predict({valid_features.data(), valid_rows, num_features()});
  return model.PredictText(valid_texts);
}

void ModelInputs::Describe(Json* model_json) const {
  if (recipe) {
    (*model_json)["recipe"] = recipe->ToJson();
  } else {
    (*model_json)["text_column"] = text_column;
  }
}

Result<ModelInputs> PrepareModelInputs(const ml::Algorithm& algo, const Json& p,
                                       const data::Table& table,
                                       const std::vector<int64_t>& train_rows,
                                       const data::Table& valid_table,
                                       const std::vector<int64_t>& valid_rows) {
  ModelInputs in;
  in.train_rows = train_rows.size();
  in.valid_rows = valid_rows.size();
  if (algo.input_kind() == ml::InputKind::kText) {
    in.text_column = p.value("text_column", "");
    if (in.text_column.empty())
      return InvalidArgumentError("the training params name no text_column");
    STRATA_ASSIGN_OR_RETURN(in.train_texts, data::ColumnTexts(table, in.text_column, train_rows));
    auto valid = data::ColumnTexts(valid_table, in.text_column, valid_rows);
    if (!valid.ok()) return valid.status().WithContext("validation data");
    in.valid_texts = std::move(*valid);
    core::log::Info("input: the text of column '{}'", in.text_column);
    return in;
  }
  // Preprocessing, fitted on the training rows only.
  STRATA_ASSIGN_OR_RETURN(data::RecipeOptions options,
                          data::ParseRecipeOptions(p["preprocessing"]));
  STRATA_ASSIGN_OR_RETURN(data::Recipe recipe,
                          data::Recipe::Fit(table, train_rows, p.value("target", ""), options));
  STRATA_ASSIGN_OR_RETURN(in.train_features, recipe.TransformTable(table, train_rows, &in.notes));
  STRATA_ASSIGN_OR_RETURN(in.valid_features,
                          recipe.TransformTable(valid_table, valid_rows, &in.notes));
  core::log::Info("preprocessing: {} columns -> {} features", recipe.steps().size(),
                  recipe.num_features());
  in.recipe = std::move(recipe);
  return in;
}

}  // namespace strata::platform
