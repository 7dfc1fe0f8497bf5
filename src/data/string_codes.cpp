#include "data/string_codes.h"

#include <cstring>

namespace strata::data {
namespace {

// Eight bytes at a time, multiply-and-fold mixing (as in wyhash): strong enough for a
// table kept half empty, and a few cycles for the short strings categories hold.
uint64_t Mix(uint64_t a, uint64_t b) {
  __uint128_t r = static_cast<__uint128_t>(a ^ 0xa0761d6478bd642full) * (b ^ 0xe7037ed1a0b428dbull);
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

uint64_t Hash(std::string_view s) {
  uint64_t h = s.size();
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = Mix(h, w);
  }
  uint64_t tail = 0;
  if (i < s.size()) std::memcpy(&tail, s.data() + i, s.size() - i);
  return Mix(h, tail);
}

}  // namespace

StringCodes::StringCodes() : slots_(16) {}

void StringCodes::clear() {
  bytes_.clear();
  ends_.clear();
  slots_.assign(16, Slot{});
}

int32_t StringCodes::Code(std::string_view s) {
  const uint64_t h = Hash(s);
  const size_t mask = slots_.size() - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    Slot& slot = slots_[i];
    if (slot.code < 0) {
      slot.hash = h;
      slot.code = static_cast<int32_t>(ends_.size());
      bytes_.append(s);
      ends_.push_back(bytes_.size());
      if (2 * ends_.size() > slots_.size()) Grow();
      return static_cast<int32_t>(ends_.size() - 1);
    }
    if (slot.hash == h && at(static_cast<size_t>(slot.code)) == s) return slot.code;
  }
}

void StringCodes::Grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.size() * 2, Slot{});
  const size_t mask = slots_.size() - 1;
  for (const Slot& o : old) {
    if (o.code < 0) continue;
    size_t i = o.hash & mask;
    while (slots_[i].code >= 0) i = (i + 1) & mask;
    slots_[i] = o;
  }
}

}  // namespace strata::data
