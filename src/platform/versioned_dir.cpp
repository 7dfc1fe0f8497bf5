#include "platform/versioned_dir.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

namespace strata::platform {

Status CommitNextVersion(store::Database& catalog, const char* table, const std::string& name,
                         const std::filesystem::path& temp, const std::string& prefix_base,
                         const std::function<Status(int64_t version, const std::string& object_prefix)>& record) {
  const std::filesystem::path parent = temp.parent_path();
  Status s = catalog.Transaction([&]() -> Status {
    STRATA_ASSIGN_OR_RETURN(
        auto rows,
        catalog.Query(fmt::format("SELECT COALESCE(MAX(version), 0) AS v FROM {} WHERE name = ?", table), {name}));
    int64_t version = rows[0].Int("v") + 1;
    std::filesystem::path final_dir = parent / fmt::format("v{}", version);
    std::error_code rm;
    std::filesystem::remove_all(final_dir, rm);  // left by a crash before its row was committed
    if (std::rename(temp.c_str(), final_dir.c_str()) != 0) {
      return InternalError(fmt::format("cannot move '{}' into '{}': {}", temp.filename().string(), final_dir.string(),
                                       std::strerror(errno)));
    }
    STRATA_RETURN_IF_ERROR(core::SyncDirectory(parent));
    return record(version, fmt::format("{}/v{}", prefix_base, version));
  });
  if (!s.ok()) {
    std::error_code ec;
    std::filesystem::remove_all(temp, ec);
    std::filesystem::remove(parent, ec);  // only if empty: no earlier version lives there
  }
  return s;
}

}  // namespace strata::platform
