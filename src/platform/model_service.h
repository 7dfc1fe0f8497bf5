#pragma once
// The model registry: every completed training job registers a model version, a
// directory `objects/models/<name>/v<version>/` holding model.json (algorithm,
// hyperparameters, input schema, the fitted preprocessing recipe, classes, metrics,
// lineage) and the algorithm's own file (xgboost.json). Written under a temporary
// name and renamed into place before its catalog row is committed.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/core.h"
#include "store/store.h"

namespace strata::platform {

struct ModelVersion {
  std::string id, name, algorithm, problem, target, dataset, job, object_prefix, program_version;
  int64_t version = 0, bytes = 0, created_at = 0;
  double training_seconds = 0;
  Json hyperparameters, metrics;
  Json ToJson() const;
};

class ModelService {
 public:
  explicit ModelService(store::Store& store);

  // Moves `temp_dir` into place as the next version of m->name and records it.
  Status Register(const std::filesystem::path& temp_dir, ModelVersion* m);
  Result<ModelVersion> Get(const std::string& name, std::optional<int64_t> version = std::nullopt);
  Result<std::vector<ModelVersion>> Versions(const std::string& name);
  // The latest version of each model, by name.
  Result<std::vector<ModelVersion>> List(int limit, const std::string& page_token, std::string* next_page_token);
  // Points `alias` (production, staging, any name) at a version, recording when and by
  // whom in the alias history. NotFound for a missing version.
  Status SetAlias(const std::string& model, const std::string& alias, int64_t version, const std::string& who);
  // {alias: version} of a model, and the history of moves, newest first.
  Result<Json> Aliases(const std::string& model);
  // A version by alias ("production"), number ("3") or "latest".
  Result<ModelVersion> Resolve(const std::string& model, const std::string& version_or_alias);
  // The directory of a registered version: model.json and the payload (Predictor::Load).
  Result<std::filesystem::path> VersionDir(const ModelVersion& m);
  // Where a new model directory is staged before Register.
  Result<std::filesystem::path> StagingDir(const std::string& name);

 private:
  store::Store& store_;
};

}  // namespace strata::platform
