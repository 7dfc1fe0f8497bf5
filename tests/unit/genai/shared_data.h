#pragma once
// Where the tests find the shared LLM conformance data (shared/llm): the environment
// variable STRATA_SHARED_DIR, else the path CMake compiled in. Missing data is a test
// failure, never a skip: a green run must mean the conformance checks ran.

#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "core/core.h"

namespace strata::genai::testing {

inline std::filesystem::path SharedDir() {
  if (const char* env = std::getenv("STRATA_SHARED_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  return STRATA_SHARED_DIR;
}

inline std::filesystem::path LlmData(const std::string& relative) {
  return SharedDir() / "llm" / relative;
}

inline std::string MissingDataMessage(const std::filesystem::path& path) {
  return "shared LLM conformance data missing: " + path.string() +
         " (set STRATA_SHARED_DIR to the shared/ folder that holds llm/)";
}

// Reads and parses a JSON file of the shared data; ADD_FAILURE with a clear message
// when it is missing or invalid, and returns null then.
inline Json LoadSharedJson(const std::string& relative) {
  const auto path = LlmData(relative);
  Result<std::string> text = core::ReadFile(path);
  if (!text.ok()) {
    ADD_FAILURE() << MissingDataMessage(path) << ": " << text.status().ToString();
    return nullptr;
  }
  Result<Json> json = core::ParseJson(*text, path.string());
  if (!json.ok()) {
    ADD_FAILURE() << json.status().ToString();
    return nullptr;
  }
  return std::move(json).value();
}

}  // namespace strata::genai::testing
