#pragma once
// The terminal summary of a dataset profile: one line per column with a sparkline of
// its distribution or its top values, then warnings, the target, strong correlations.

#include <string>

#include "core/core.h"

namespace strata::cli {

std::string RenderProfile(const Json& profile);
// ▁▂▃▄▅▆▇█ for a list of counts.
std::string Sparkline(const Json& counts);

}  // namespace strata::cli
