#pragma once
// For the tests that hold Strata to scikit-learn: a scratch directory for the CSV files
// both sides read, and a runner for the small Python scripts beside the tests. Needs
// /usr/bin/python3 with python3-sklearn (scripts/install-deps).

#include <stdio.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace strata::ml {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/strata-sklearn-XXXXXX";
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

// Runs `/usr/bin/python3 tests/unit/ml/SCRIPT ARGS` and returns its stdout and stderr;
// a non-zero exit fails the test.
inline std::string RunPython(const std::string& script, const std::string& args) {
  std::string cmd =
      fmt::format("/usr/bin/python3 {}/tests/unit/ml/{} {} 2>&1", STRATA_SOURCE_DIR, script, args);
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while (p && (n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = p ? pclose(p) : -1;
  EXPECT_EQ(status, 0) << cmd << "\n" << out << "\n(install python3-sklearn: scripts/install-deps)";
  return out;
}

}  // namespace strata::ml
