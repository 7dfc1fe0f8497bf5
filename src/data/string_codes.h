#pragma once
// Dense codes for distinct strings, in order of first appearance: the local dictionary
// of a category column in a ColumnBatch and the distinct values of type inference.
// Both look up every value of a column (millions per import), and nearly every lookup
// finds a string already there, so this is an open-addressing table over one arena
// with a cheap hash, in place of std::unordered_map's node per string and its
// general-purpose hash. Not thread-safe.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace strata::data {

class StringCodes {
 public:
  StringCodes();
  // The code of `s` (0, 1, ... in order of first appearance), adding it when new.
  int32_t Code(std::string_view s);
  // Adds `s`: true when it was new.
  bool Add(std::string_view s) {
    const size_t before = size();
    Code(s);
    return size() > before;
  }
  size_t size() const { return ends_.size(); }
  std::string_view at(size_t code) const {
    size_t from = code == 0 ? 0 : ends_[code - 1];
    return std::string_view(bytes_).substr(from, ends_[code] - from);
  }
  void clear();

 private:
  void Grow();

  std::string bytes_;           // the strings, back to back
  std::vector<uint64_t> ends_;  // per code, the end of its string in bytes_
  struct Slot {
    uint64_t hash = 0;
    int32_t code = -1;  // -1: empty
  };
  std::vector<Slot> slots_;  // a power of two, at most half full
};

}  // namespace strata::data
