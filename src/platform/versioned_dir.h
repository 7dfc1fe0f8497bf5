#pragma once
// Versioned artifact directories (dataset versions, model versions): a directory is
// written under a temporary name, then, in one catalog write transaction, given the
// next version number of its name, renamed to `<parent>/v<version>`, synced, and
// recorded by the caller's INSERT. A crash leaves either no version or a whole one
// (a directory left without its row is replaced by the next commit).

#include <filesystem>
#include <functional>
#include <string>

#include "core/core.h"
#include "store/store.h"

namespace strata::platform {

// `table` has columns name and version. `record(version, object_prefix)` inserts the
// row; object_prefix is "<prefix_base>/v<version>". On failure `temp` is removed, and
// its parent too when empty.
Status CommitNextVersion(store::Database& catalog, const char* table, const std::string& name,
                         const std::filesystem::path& temp, const std::string& prefix_base,
                         const std::function<Status(int64_t version, const std::string& object_prefix)>& record);

}  // namespace strata::platform
