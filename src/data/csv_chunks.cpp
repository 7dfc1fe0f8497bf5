#include "data/csv_chunks.h"

#include <algorithm>
#include <cstring>

namespace strata::data {

std::vector<size_t> GuessChunkStarts(const char* data, size_t begin, size_t end,
                                     size_t chunk_bytes) {
  std::vector<size_t> starts;
  if (begin >= end) return starts;
  starts.push_back(begin);
  // The next nominal offset counts from the last start found, so a line longer than a
  // chunk is searched once, not once per chunk it spans.
  for (size_t nominal = begin + chunk_bytes; nominal < end;) {
    // A line starts at `nominal` when the byte before it is the '\n'.
    const void* nl = std::memchr(data + nominal - 1, '\n', end - (nominal - 1));
    if (nl == nullptr) break;
    size_t start = static_cast<const char*>(nl) - data + 1;
    if (start >= end) break;
    if (start > starts.back()) starts.push_back(start);
    nominal = std::max(nominal, start) + chunk_bytes;
  }
  return starts;
}

}  // namespace strata::data
