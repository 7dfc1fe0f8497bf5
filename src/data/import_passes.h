#pragma once
// The two ways ImportFile runs its two passes (inference, then parse and write):
// serially over a RecordReader (JSON Lines, and inputs that cannot be mapped such as
// pipes), or over a mapped CSV/TSV in parallel chunks. Both keep every behaviour of
// importer.h and store the same bytes.

#include <optional>

#include "data/importer.h"

namespace strata::data {

constexpr size_t kMaxSkipExamples = 5;

Result<ImportSummary> ImportSerial(const std::filesystem::path& input, const ImportOptions& options,
                                   const std::filesystem::path& out_dir,
                                   const ImportProgress& progress);

// std::nullopt when the input is not a CSV/TSV file that maps into memory.
std::optional<Result<ImportSummary>> ImportParallel(const std::filesystem::path& input,
                                                    const ImportOptions& options,
                                                    const std::filesystem::path& out_dir,
                                                    const ImportProgress& progress);

}  // namespace strata::data
