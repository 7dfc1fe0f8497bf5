#include "data/importer.h"

#include "data/import_passes.h"
#include "data/table.h"

namespace strata::data {

Result<ImportSummary> ImportFile(const std::filesystem::path& input, const ImportOptions& options,
                                 const std::filesystem::path& out_dir,
                                 const ImportProgress& progress) {
  std::optional<Result<ImportSummary>> parallel = ImportParallel(input, options, out_dir, progress);
  Result<ImportSummary> result =
      parallel ? std::move(*parallel) : ImportSerial(input, options, out_dir, progress);
  if (!result.ok()) {
    std::error_code ec;
    std::filesystem::remove_all(out_dir, ec);
    return result;
  }
  auto table = Table::Open(out_dir);
  if (table.ok()) result->stored_bytes = (*table)->bytes();
  return result;
}

}  // namespace strata::data
