#pragma once
// Facade of cli/: the `strata` command line.

namespace strata::cli {

// Parses the command line and runs the command; returns the process exit code
// (0 success, 1 failed operation, 2 usage error).
int RunCli(int argc, char** argv);

}  // namespace strata::cli
