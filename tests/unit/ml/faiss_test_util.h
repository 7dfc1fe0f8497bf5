#pragma once
// Helpers of kmeans_test.cpp and knn_test.cpp: a temporary directory, matrices written
// as CSV that Python reads back to the same floats, and tests/unit/ml/faiss_sklearn.py
// (scikit-learn, faiss and numpy under /usr/bin/python3) run on them.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/core.h"

namespace strata::ml::testing {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/strata-faiss-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

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
  const std::string cmd =
      fmt::format("/usr/bin/python3 {}/tests/unit/ml/faiss_sklearn.py {} {} 2>&1",
                  STRATA_SOURCE_DIR, mode, dir.string());
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while (p && (n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = p ? pclose(p) : -1;
  EXPECT_EQ(status, 0) << cmd << "\n"
                       << out << "\n(python3-sklearn, python3-faiss: scripts/install-deps)";
  auto parsed = core::ParseJson(out, "faiss_sklearn.py's output");
  EXPECT_TRUE(parsed.ok()) << out;
  return parsed.ok() ? *parsed : Json::object();
}

}  // namespace strata::ml::testing
