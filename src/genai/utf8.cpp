// Hand-written, because it is a few dozen lines over the encoding's definition (see
// utf8.h).
#include "genai/utf8.h"

namespace strata::genai::internal {

Utf8Check CheckUtf8(std::string_view text, size_t pos, size_t* length) {
  const auto lead = static_cast<uint8_t>(text[pos]);
  if (lead < 0x80) {
    *length = 1;
    return Utf8Check::kValid;
  }
  size_t need = 0;    // continuation bytes
  uint8_t lo = 0x80;  // allowed range of the first continuation byte
  uint8_t hi = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    need = 1;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    need = 2;
    if (lead == 0xE0) lo = 0xA0;  // no overlongs
    if (lead == 0xED) hi = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    need = 3;
    if (lead == 0xF0) lo = 0x90;  // no overlongs
    if (lead == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    *length = 1;
    return Utf8Check::kInvalid;
  }
  for (size_t i = 1; i <= need; ++i) {
    if (pos + i >= text.size()) {
      *length = i;
      return Utf8Check::kIncomplete;
    }
    const auto c = static_cast<uint8_t>(text[pos + i]);
    const uint8_t min = i == 1 ? lo : 0x80;
    const uint8_t max = i == 1 ? hi : 0xBF;
    if (c < min || c > max) {
      *length = i;
      return Utf8Check::kInvalid;
    }
  }
  *length = need + 1;
  return Utf8Check::kValid;
}

bool DecodeUtf8(std::string_view text, size_t* pos, uint32_t* code_point) {
  size_t len = 0;
  if (CheckUtf8(text, *pos, &len) != Utf8Check::kValid) {
    ++*pos;
    return false;
  }
  const auto* p = reinterpret_cast<const uint8_t*>(text.data() + *pos);
  uint32_t cp = 0;
  switch (len) {
    case 1:
      cp = p[0];
      break;
    case 2:
      cp = (p[0] & 0x1Fu) << 6 | (p[1] & 0x3Fu);
      break;
    case 3:
      cp = (p[0] & 0x0Fu) << 12 | (p[1] & 0x3Fu) << 6 | (p[2] & 0x3Fu);
      break;
    default:
      cp = (p[0] & 0x07u) << 18 | (p[1] & 0x3Fu) << 12 | (p[2] & 0x3Fu) << 6 | (p[3] & 0x3Fu);
  }
  *code_point = cp;
  *pos += len;
  return true;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

size_t AppendSanitizedUtf8(std::string_view bytes, bool keep_incomplete_tail, std::string* out) {
  size_t pos = 0;
  while (pos < bytes.size()) {
    size_t len = 0;
    switch (CheckUtf8(bytes, pos, &len)) {
      case Utf8Check::kValid:
        out->append(bytes.substr(pos, len));
        break;
      case Utf8Check::kIncomplete:
        if (keep_incomplete_tail) return pos;
        out->append(kReplacementChar);
        len = bytes.size() - pos;
        break;
      case Utf8Check::kInvalid:
        out->append(kReplacementChar);
        break;
    }
    pos += len;
  }
  return pos;
}

}  // namespace strata::genai::internal
