#include "data/hyperloglog.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace strata::data {

uint64_t HashBytes(std::string_view s) {
  // FNV-1a over 8-byte words, then mixed: fast and good enough for counting.
  uint64_t h = 0xcbf29ce484222325ull ^ s.size();
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * 0x100000001b3ull;
  }
  uint64_t tail = 0;
  std::memcpy(&tail, s.data() + i, s.size() - i);
  h = (h ^ tail) * 0x100000001b3ull;
  return MixHash(h);
}

void HyperLogLog::Add(uint64_t hash) {
  uint32_t index = static_cast<uint32_t>(hash >> (64 - kPrecision));
  uint64_t rest = (hash << kPrecision) | (1ull << (kPrecision - 1));  // guard bit bounds the rank
  uint8_t rank = static_cast<uint8_t>(__builtin_clzll(rest) + 1);
  registers_[index] = std::max(registers_[index], rank);
}

void HyperLogLog::Merge(const HyperLogLog& other) {
  for (size_t i = 0; i < registers_.size(); ++i) registers_[i] = std::max(registers_[i], other.registers_[i]);
}

double HyperLogLog::Estimate() const {
  const double m = static_cast<double>(registers_.size());
  double sum = 0;
  int zeros = 0;
  for (uint8_t r : registers_) {
    sum += std::ldexp(1.0, -r);
    zeros += r == 0;
  }
  double alpha = 0.7213 / (1 + 1.079 / m);
  double estimate = alpha * m * m / sum;
  if (estimate <= 2.5 * m && zeros > 0) estimate = m * std::log(m / zeros);  // linear counting
  return estimate;
}

}  // namespace strata::data
