#include "platform/importance.h"

#include <chrono>

#include <fmt/format.h>

namespace strata::platform {
namespace {

// Permutation importance of every column with features, into out["permutation"].
void AddPermutationImportance(const ml::Model& model, const data::Recipe& recipe, ml::Matrix valid,
                              std::span<const float> labels, ml::Problem problem, int num_classes,
                              Json* out, Json* notes) {
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
  auto p = ml::ComputePermutationImportance(model, valid, labels, problem, num_classes, groups);
  if (!p.ok()) {
    notes->push_back(fmt::format("permutation: {}", p.status().message()));
    return;
  }
  std::vector<double> mean(recipe.steps().size(), 0.0), stddev(recipe.steps().size(), 0.0);
  for (size_t g = 0; g < groups.size(); ++g) {
    mean[group_step[g]] = p->mean[g];
    stddev[group_step[g]] = p->stddev[g];
  }
  (*out)["permutation"] = {
      {"description",
       fmt::format("drop of validation {} when the column is shuffled (mean of {} shuffles)",
                   p->metric, p->repeats)},
      {"metric", p->metric},
      {"baseline", p->baseline},
      {"rows", p->rows},
      {"repeats", p->repeats},
      {"values", ColumnValues(recipe, mean)},
      {"std", ColumnValues(recipe, stddev)}};
  core::log::Info(
      "permutation importance: {} columns x {} shuffles on {} rows in {:.2f} s", groups.size(),
      p->repeats, p->rows,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
}

// The model's own kinds (gain, cover, coefficients), summed per raw column.
void AddModelImportance(const ml::Model& model, const data::Recipe& recipe, Json* out,
                        Json* notes) {
  auto own = model.Importance();
  if (!own.ok()) {
    notes->push_back(fmt::format("model importance: {}", own.status().message()));
    return;
  }
  for (const ml::FeatureImportance& k : *own) {
    if (k.values.size() != recipe.num_features()) {
      notes->push_back(fmt::format("{}: {} values for {} features", k.kind, k.values.size(),
                                   recipe.num_features()));
      continue;
    }
    (*out)[k.kind] = {{"description", k.description},
                      {"values", ColumnValues(recipe, recipe.SumByColumn(k.values))}};
  }
}

}  // namespace

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
  // Unsupervised models have no target to score against: no permutation importance.
  if (ml::IsSupervised(problem)) {
    AddPermutationImportance(model, recipe, valid, valid_labels, problem, num_classes, &out,
                             &notes);
  }
  AddModelImportance(model, recipe, &out, &notes);
  if (!notes.empty()) {
    for (const auto& n : notes) core::log::Warn("feature importance: {}", n.get<std::string>());
    out["notes"] = notes;
  }
  return out;
}

}  // namespace strata::platform
