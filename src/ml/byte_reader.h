#pragma once
// Reads fixed-size values off the front of a byte string, refusing to run past its end:
// what the readers of model files that come from outside (an isolation forest's
// iforest.bin, a FAISS index) parse with. Internal to ml/.

#include <cstddef>
#include <cstring>
#include <string_view>

namespace strata::ml {

class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : bytes_(bytes) {}
  // False, reading nothing, when fewer than sizeof(T) bytes are left.
  template <typename T>
  bool Get(T* v) {
    if (left() < sizeof(T)) return false;
    std::memcpy(v, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }
  // The next n bytes, or false when fewer are left.
  bool Take(size_t n, std::string_view* out) {
    if (left() < n) return false;
    *out = bytes_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  size_t left() const { return bytes_.size() - pos_; }
  size_t pos() const { return pos_; }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
};

}  // namespace strata::ml
