// The `strata` program: everything lives in the libraries; this is the last-resort
// guard around them.
#include <cstdio>
#include <exception>

#include "cli/cli.h"

int main(int argc, char** argv) {
  try {
    return strata::cli::RunCli(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: Internal: unexpected failure: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "error: Internal: unexpected failure\n");
  }
  return 1;
}
