#include "core/ids.h"

#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>

namespace strata::core {

std::string NewId() {
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}()};
  static uint64_t last_ms = 0;
  static uint32_t counter = 0;

  uint64_t ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
  uint64_t rand_b;
  uint32_t seq;
  {
    std::lock_guard lock(mu);
    if (ms <= last_ms) {
      ms = last_ms;  // clock went back or same ms: keep order with the counter
      if (++counter > 0xfff) {
        counter = 0;
        last_ms = ++ms;
      }
    } else {
      last_ms = ms;
      counter = static_cast<uint32_t>(rng() & 0x3ff);  // random start, headroom to grow
    }
    seq = counter;
    rand_b = rng();
  }
  uint64_t hi = (ms << 16) | (0x7ull << 12) | (seq & 0xfff);
  uint64_t lo = (rand_b & 0x3fffffffffffffffull) | 0x8000000000000000ull;  // variant 10
  // xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx from the 128 bits, written by hand: a request
  // id is made per HTTP request, and formatting it was a percent of a one-row call.
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(36, '-');
  size_t at = 0;
  auto put = [&](uint64_t bits, int digits) {
    for (int d = digits - 1; d >= 0; --d) id[at++] = kHex[(bits >> (4 * d)) & 0xf];
  };
  put(hi >> 32, 8), ++at;
  put(hi >> 16, 4), ++at;
  put(hi, 4), ++at;
  put(lo >> 48, 4), ++at;
  put(lo, 12);
  return id;
}

bool IsValidId(std::string_view id) {
  if (id.size() != 36) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    char c = id[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

bool IsValidName(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (!alnum(name[0])) return false;
  for (char c : name.substr(1)) {
    if (!alnum(c) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

}  // namespace strata::core
