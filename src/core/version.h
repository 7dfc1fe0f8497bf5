#pragma once
#include <string_view>

namespace strata::core {
// The release version ("0.1.0") and the git commit the binary was built from
// ("1a2b3c4d5e6f", with "-dirty" for uncommitted changes, or "unknown").
std::string_view Version();
std::string_view GitCommit();
}  // namespace strata::core
