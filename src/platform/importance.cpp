#include "platform/importance.h"

#include <chrono>

#include <fmt/format.h>

namespace strata::platform {

Json ColumnValues(const data::Recipe& recipe, const std::vector<double>& per_column) {
  Json out = Json::object();
  for (size_t s = 0; s < recipe.steps().size() && s < per_column.size(); ++s) {
    if (recipe.steps()[s].num_features > 0) out[recipe.steps()[s].name] = per_column[s];
  }
  return out;
}

Json ModelImportance(const ml::Model& model, const data::Recipe& recipe, ml::Matrix valid,
                     std::span<const float> valid_labels, ml::Problem problem, int num_classes) {
  Json out = Json::object();
  Json notes = Json::array();

  std::vector<std::vector<size_t>> groups;
  std::vector<size_t> group_step;
  for (size_t s = 0; s < recipe.steps().size(); ++s) {
    const data::ColumnStep& step = recipe.steps()[s];
    if (step.num_features == 0) continue;
    groups.emplace_back();
    for (size_t f = 0; f < step.num_features; ++f) groups.back().push_back(step.first_feature + f);
    group_step.push_back(s);
  }
  const auto started = std::chrono::steady_clock::now();
  auto permutation =
      ml::ComputePermutationImportance(model, valid, valid_labels, problem, num_classes, groups);
  if (permutation.ok()) {
    std::vector<double> mean(recipe.steps().size(), 0.0), stddev(recipe.steps().size(), 0.0);
    for (size_t g = 0; g < groups.size(); ++g) {
      mean[group_step[g]] = permutation->mean[g];
      stddev[group_step[g]] = permutation->stddev[g];
    }
    out["permutation"] = {
        {"description",
         fmt::format("drop of validation {} when the column is shuffled (mean of {} shuffles)",
                     permutation->metric, permutation->repeats)},
        {"metric", permutation->metric},
        {"baseline", permutation->baseline},
        {"rows", permutation->rows},
        {"repeats", permutation->repeats},
        {"values", ColumnValues(recipe, mean)},
        {"std", ColumnValues(recipe, stddev)}};
    core::log::Info("permutation importance: {} columns x {} shuffles on {} rows in {:.2f} s",
                    groups.size(), permutation->repeats, permutation->rows,
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  } else {
    notes.push_back(fmt::format("permutation: {}", permutation.status().message()));
  }

  auto own = model.Importance();
  if (own.ok()) {
    for (const ml::FeatureImportance& k : *own) {
      if (k.values.size() != recipe.num_features()) {
        notes.push_back(fmt::format("{}: {} values for {} features", k.kind, k.values.size(),
                                    recipe.num_features()));
        continue;
      }
      out[k.kind] = {{"description", k.description},
                     {"values", ColumnValues(recipe, recipe.SumByColumn(k.values))}};
    }
  } else {
    notes.push_back(fmt::format("model importance: {}", own.status().message()));
  }
  if (!notes.empty()) {
    for (const auto& n : notes) core::log::Warn("feature importance: {}", n.get<std::string>());
    out["notes"] = notes;
  }
  return out;
}

}  // namespace strata::platform
