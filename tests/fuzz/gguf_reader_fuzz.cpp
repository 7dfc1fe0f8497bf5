// libFuzzer target for the GGUF reader: whatever the bytes, no crash, no out-of-bounds
// access (ASan/UBSan), no huge allocation (libFuzzer's -rss_limit_mb). The input is
// parsed from memory; when it parses, every metadata accessor runs on every key and
// every decodable tensor is dequantized, so views and sizes the reader accepted are
// proven to stay inside the input.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "genai/genai.h"

using namespace strata::genai;  // NOLINT: a fuzz target

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  strata::Result<GgufFile> file = GgufFile::FromMemory(
      std::span<const std::byte>(reinterpret_cast<const std::byte*>(data), size), "fuzz.gguf");
  if (!file.ok()) return 0;
  const GgufMetadata& m = file->metadata();
  for (const auto& [key, value] : m.entries()) {
    (void)value.DebugString();
    (void)m.GetString(key);
    (void)m.GetU32(key);
    (void)m.GetI64(key);
    (void)m.GetF32(key);
    (void)m.GetBool(key);
    (void)m.GetStringArray(key);
    (void)m.GetF32Array(key);
    (void)m.GetI32Array(key);
    if (value.is_array() && value.element_type() == GgufType::kArray) {
      for (const GgufValue& item : value.array_items()) (void)item.size();
    }
  }
  std::vector<float> out;
  for (const GgufTensorInfo& t : file->tensors()) {
    const GgufTensorView view = file->View(t);
    if (view.data.size() != t.size_bytes) __builtin_trap();
    if (!CanDequantize(t.type) || t.n_elements > (1 << 22)) continue;
    out.resize(static_cast<size_t>(t.n_elements));
    if (!Dequantize(t.type, view.data.data(), out.size(), out.data()).ok()) __builtin_trap();
  }
  return 0;
}
