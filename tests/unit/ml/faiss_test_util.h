#pragma once
// Helpers of kmeans_test.cpp and knn_test.cpp, beside sklearn_runner.h's TempDir and
// RunPython: matrices written as CSV that Python reads back to the same floats, and
// tests/unit/ml/faiss_sklearn.py (scikit-learn, faiss and numpy) run on them.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/core.h"
#include "sklearn_runner.h"

namespace strata::ml::testing {

using ml::TempDir;

// Rows of `cols` floats, plus one label per row when `labels` is not empty; 9
// significant digits, so Python reads exactly the floats the test used.
inline void WriteCsv(const std::filesystem::path& path, const std::vector<float>& x, size_t cols,
                     const std::vector<float>& labels = {}) {
  std::string csv;
  for (size_t r = 0; r < x.size() / cols; ++r) {
    for (size_t c = 0; c < cols; ++c) csv += fmt::format("{}{:.9g}", c ? "," : "", x[r * cols + c]);
    if (!labels.empty()) csv += fmt::format(",{:.9g}", labels[r]);
    csv += "\n";
  }
  std::ofstream(path) << csv;
}

// faiss_sklearn.py MODE DIR, parsed; fails the test (and returns {}) when it fails.
inline Json RunPythonCheck(const std::string& mode, const std::filesystem::path& dir) {
  const std::string out = RunPython("faiss_sklearn.py", fmt::format("{} {}", mode, dir.string()));
  auto parsed = core::ParseJson(out, "faiss_sklearn.py's output");
  EXPECT_TRUE(parsed.ok()) << out << "\n(python3-sklearn, python3-faiss: scripts/install-deps)";
  return parsed.ok() ? *parsed : Json::object();
}

}  // namespace strata::ml::testing
