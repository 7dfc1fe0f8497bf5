#pragma once
// Moving model versions in and out of the registry.
//
// The archive (`strata models export`, GET .../export) is a gzip-compressed tar of the
// version directory's files: model.json, the algorithm's payload (the file its
// "payload" field names, e.g. xgboost.json, in the library's own format) and any other
// file the algorithm saved beside it (knn's labels). The archived
// model.json carries "exported_from": {"name", "version"}. Importing checks everything
// before anything is registered: only plain files with plain names (no directories,
// links or path traversal), at most kMaxArchiveEntries entries and the byte limits
// below, model.json of a known format version and algorithm, the payload present, and
// the whole loading through Predictor::Load as an endpoint would.
//
// A model trained elsewhere with XGBoost (Booster.save_model("m.json")) imports with
// ImportXGBoostModel: its objective gives the problem, the feature names (given, or
// stored in the booster) become numeric input columns taken as they are (no scaling,
// missing values stay missing for XGBoost), and classes name the class indexes.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/core.h"
#include "platform/model_service.h"

namespace strata::platform {

constexpr int kMaxArchiveEntries = 8;

struct ArchiveLimits {
  uint64_t max_archive_bytes = uint64_t{4} << 30;  // the compressed file
  uint64_t max_entry_bytes = uint64_t{2} << 30;    // one extracted file
  uint64_t max_total_bytes = uint64_t{4} << 30;    // all extracted files
};

// The archive's bytes for the version in `version_dir` (ModelService::VersionDir).
Result<std::string> ExportModelArchive(const std::filesystem::path& version_dir,
                                       const ModelVersion& version);

// Registers the archive at `archive` as the next version of `name` ("": the name in
// its model.json's exported_from). InvalidArgument saying what is wrong with the
// archive; nothing is registered then.
Result<ModelVersion> ImportModelArchive(ModelService& models, const std::filesystem::path& archive,
                                        const std::string& name, const ArchiveLimits& limits = {});

struct XGBoostImport {
  std::string name;
  std::vector<std::string> features;  // empty: the booster's feature_names
  std::vector<std::string> classes;   // empty: "0", "1", ... (classifiers)
  std::string target = "target";      // the name evaluation looks for in datasets
};
// Registers an XGBoost JSON model file as the next version of `options.name`.
Result<ModelVersion> ImportXGBoostModel(ModelService& models, const std::filesystem::path& file,
                                        const XGBoostImport& options);

// Low level, for the functions above and tests: extracts an archive into `dir` (which
// must exist and be empty) under the rules above, returning the entry names.
Result<std::vector<std::string>> ExtractModelArchive(const std::filesystem::path& archive,
                                                     const std::filesystem::path& dir,
                                                     const ArchiveLimits& limits);
// Writes a gzip-compressed tar of `files` (name, bytes) to memory.
Result<std::string> WriteTarGz(const std::vector<std::pair<std::string, std::string>>& files);

}  // namespace strata::platform
