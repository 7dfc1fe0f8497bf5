#include "data/importer.h"

#include "data/import_passes.h"

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
  // The column files' sizes, as Table::bytes() counts them; opening the table to ask
  // would read every offset and category code once more.
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(out_dir, ec)) {
    if (entry.path().filename() == "schema.json" || !entry.is_regular_file(ec)) continue;
    const uintmax_t size = entry.file_size(ec);
    if (!ec) result->stored_bytes += size;
  }
  return result;
}

}  // namespace strata::data
