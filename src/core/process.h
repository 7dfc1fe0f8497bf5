#pragma once
// Facts about the running process and its terminal.

#include <cstdint>

namespace strata::core {

// Resident set size in bytes (from /proc/self/statm); 0 if unknown.
uint64_t ResidentMemoryBytes();
// True when the file descriptor is a terminal (progress bars, table output).
bool IsTerminal(int fd);
// Hardware threads, at least 1.
unsigned CoreCount();

}  // namespace strata::core
