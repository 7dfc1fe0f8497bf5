#pragma once
// Datasets: imported files stored in the columnar format, versioned by name.
// A dataset version is a directory `objects/datasets/<name>/v<version>/` written under
// a temporary name and renamed into place before its catalog row is committed, so a
// crash leaves either no version or a whole one.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <list>
#include <mutex>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/core.h"
#include "data/data.h"
#include "store/store.h"

namespace strata::platform {

struct Dataset {
  std::string id;
  std::string name;
  int64_t version = 0;
  int64_t rows = 0;
  data::Schema schema;
  uint64_t bytes = 0;         // stored
  uint64_t source_bytes = 0;  // of the imported file
  std::string format;
  std::string source;  // file name it came from
  std::string parent;  // "name@version" for derived datasets
  int64_t skipped_rows = 0;
  std::string object_prefix;
  int64_t created_at = 0;

  Json ToJson() const;
};

struct DatasetPage {
  std::vector<Dataset> items;
  std::string next_page_token;
};

class DatasetService {
 public:
  explicit DatasetService(store::Store& store);

  // Imports `file` as a new version of `name`. `source` names the file in messages
  // and lineage. Progress as in data::ImportFile.
  Result<Dataset> Import(const std::string& name, const std::filesystem::path& file, const std::string& source,
                         const data::ImportOptions& options, const data::ImportProgress& progress = nullptr);
  // The latest version, or the given one. NotFound otherwise.
  Result<Dataset> Get(const std::string& name, std::optional<int64_t> version = std::nullopt);
  // The latest version of each dataset, by name.
  Result<DatasetPage> List(int limit, const std::string& page_token);
  Result<std::vector<Dataset>> Versions(const std::string& name);
  // Rows [offset, offset+limit) as JSON objects.
  Result<Json> Rows(const Dataset& dataset, int64_t offset, int64_t limit);
  Result<std::shared_ptr<data::Table>> OpenTable(const Dataset& dataset);
  // Splits a version into parts named `<prefix>-<part>` (prefix: the dataset's name),
  // each a new dataset (or version) whose parent is `name@version`. All parts are
  // written before any is committed.
  Result<std::vector<Dataset>> Split(const Dataset& source, const data::SplitSpec& spec, const std::string& prefix);
  // `n` random rows (reproducible by seed) as JSON objects.
  Result<Json> Sample(const Dataset& dataset, int64_t n, uint64_t seed);
  // The profile of a dataset version (data::ProfileTable), computed on both cores.
  Result<Json> Profile(const Dataset& dataset, const data::ProfileOptions& options);
  // Deletes every version; returns how many.
  Result<int64_t> Delete(const std::string& name);

 private:
  // Moves a finished table directory into place as the next version of d->name and
  // records it; fills in version, object_prefix and created_at.
  Status CommitVersion(const std::filesystem::path& temp, Dataset* d);

  store::Store& store_;
  core::ThreadPool pool_;  // compute for profiling; one thread per core
  // Opened tables by dataset version id (unique, so a version deleted and written
  // again by another process under the same path is a new entry). Versions never
  // change once written; opening validates every offset and code, which is worth
  // doing once, not per request. Bounded; least recently used out first.
  std::mutex tables_mu_;
  std::list<std::pair<std::string, std::shared_ptr<data::Table>>> tables_;
};

}  // namespace strata::platform
