#include "ml/algorithm.h"

#include <fmt/format.h>

#include "ml/anomaly_algorithm.h"
#include "ml/kmeans.h"
#include "ml/knn.h"
#include "ml/linear_learner.h"
#include "ml/text_algorithms.h"
#include "ml/pca_algorithm.h"

namespace strata::ml {

const Algorithm& XGBoostAlgorithm();  // xgboost_algorithm.cpp

std::string_view ProblemName(Problem problem) {
  switch (problem) {
    case Problem::kBinaryClassification: return "binary_classification";
    case Problem::kMulticlassClassification: return "multiclass_classification";
    case Problem::kRegression: return "regression";
    case Problem::kClustering: return "clustering";
    case Problem::kAnomalyDetection: return "anomaly_detection";
    case Problem::kDimensionalityReduction: return "dimensionality_reduction";
    case Problem::kEmbedding: return "text_embedding";
  }
  return "";
}

Result<Problem> ParseProblem(std::string_view name) {
  std::string known;
  for (Problem p : {Problem::kBinaryClassification, Problem::kMulticlassClassification, Problem::kRegression,
                    Problem::kClustering, Problem::kAnomalyDetection, Problem::kDimensionalityReduction,
                    Problem::kEmbedding}) {
    if (ProblemName(p) == name) return p;
    known += fmt::format("{}{}", known.empty() ? "" : ", ", ProblemName(p));
  }
  return InvalidArgumentError(fmt::format("unknown problem type '{}' (known: {})", name, known));
}

Result<std::vector<float>> Model::PredictText(std::span<const std::string>) const {
  return InvalidArgumentError("this model takes features, not text");
}

bool Algorithm::supervised() const {
  for (Problem p : problems()) {
    if (IsSupervised(p)) return true;
  }
  return false;
}

Json Algorithm::ToJson() const {
  Json hp = Json::array();
  for (const auto& s : hyperparameters()) hp.push_back(s.ToJson());
  Json problems_json = Json::array();
  for (Problem p : problems()) problems_json.push_back(ProblemName(p));
  return {{"name", name()},
          {"description", description()},
          {"problem_types", problems_json},
          {"supervised", supervised()},
          {"input", input_kind() == InputKind::kText ? "text" : "features"},
          {"hyperparameters", hp}};
}

const std::vector<const Algorithm*>& Algorithms() {
  static const std::vector<const Algorithm*> kAll = {
      &XGBoostAlgorithm(), &LinearLearnerAlgorithm(), &KMeansAlgorithm(),        &KnnAlgorithm(),
      &PcaAlgorithm(),     &AnomalyAlgorithm(),       &TextClassifierAlgorithm(), &WordVectorsAlgorithm()};
  return kAll;
}

const Algorithm* FindAlgorithm(std::string_view name) {
  for (const Algorithm* a : Algorithms()) {
    if (a->name() == name) return a;
  }
  return nullptr;
}

Result<const Algorithm*> RequireAlgorithm(std::string_view name) {
  if (const Algorithm* a = FindAlgorithm(name)) return a;
  std::string known;
  for (const Algorithm* a : Algorithms()) known += (known.empty() ? "" : ", ") + std::string(a->name());
  return InvalidArgumentError(fmt::format("unknown algorithm '{}' (known: {})", name, known));
}

}  // namespace strata::ml
