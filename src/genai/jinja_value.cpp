#include "genai/jinja_value.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "genai/utf8.h"

namespace strata::genai::jinja {

Value Value::None() {
  Value v;
  v.kind_ = Kind::kNone;
  return v;
}

Value Value::Bool(bool b) {
  Value v;
  v.kind_ = Kind::kBool;
  v.b_ = b;
  return v;
}

Value Value::Int(int64_t i) {
  Value v;
  v.kind_ = Kind::kInt;
  v.i_ = i;
  return v;
}

Value Value::Float(double f) {
  Value v;
  v.kind_ = Kind::kFloat;
  v.f_ = f;
  return v;
}

Value Value::String(std::string s) {
  Value v;
  v.kind_ = Kind::kString;
  v.s_ = std::make_shared<const std::string>(std::move(s));
  return v;
}

Value Value::List(ValueList items) {
  Value v;
  v.kind_ = Kind::kList;
  v.list_ = std::make_shared<const ValueList>(std::move(items));
  return v;
}

Value Value::Dict(ValueDict items) {
  Value v;
  v.kind_ = Kind::kDict;
  v.dict_ = std::make_shared<const ValueDict>(std::move(items));
  return v;
}

Value Value::NewNamespace(ValueDict attributes) {
  Value v;
  v.kind_ = Kind::kNamespace;
  v.ns_ = std::make_shared<Namespace>();
  v.ns_->attributes = std::move(attributes);
  return v;
}

Value Value::Function(std::shared_ptr<const Callable> callable) {
  Value v;
  v.kind_ = Kind::kCallable;
  v.fn_ = std::move(callable);
  return v;
}

Value Value::FromJson(const Json& json) {
  switch (json.type()) {
    case Json::value_t::null:
      return None();
    case Json::value_t::boolean:
      return Bool(json.get<bool>());
    case Json::value_t::number_integer:
      return Int(json.get<int64_t>());
    case Json::value_t::number_unsigned: {
      const uint64_t u = json.get<uint64_t>();
      if (u > static_cast<uint64_t>(INT64_MAX)) return Float(static_cast<double>(u));
      return Int(static_cast<int64_t>(u));
    }
    case Json::value_t::number_float:
      return Float(json.get<double>());
    case Json::value_t::string:
      return String(json.get<std::string>());
    case Json::value_t::array: {
      ValueList items;
      items.reserve(json.size());
      for (const Json& item : json) items.push_back(FromJson(item));
      return List(std::move(items));
    }
    case Json::value_t::object: {
      ValueDict items;
      items.reserve(json.size());
      for (auto it = json.begin(); it != json.end(); ++it) {
        items.emplace_back(it.key(), FromJson(it.value()));
      }
      return Dict(std::move(items));
    }
    default:
      return Value();  // binary and discarded values do not occur in parsed JSON
  }
}

bool Value::Truthy() const {
  switch (kind_) {
    case Kind::kUndefined:
    case Kind::kNone:
      return false;
    case Kind::kBool:
      return b_;
    case Kind::kInt:
      return i_ != 0;
    case Kind::kFloat:
      return f_ != 0;
    case Kind::kString:
      return !s_->empty();
    case Kind::kList:
      return !list_->empty();
    case Kind::kDict:
      return !dict_->empty();
    case Kind::kNamespace:
    case Kind::kCallable:
      return true;
  }
  return false;
}

Value Value::Get(std::string_view key) const {
  const ValueDict* items = kind_ == Kind::kDict        ? dict_.get()
                           : kind_ == Kind::kNamespace ? &ns_->attributes
                                                       : nullptr;
  if (items == nullptr) return Value();
  for (const auto& [k, v] : *items) {
    if (k == key) return v;
  }
  return Value();
}

void Namespace::Set(const std::string& key, Value value) {
  for (auto& [k, v] : attributes) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  attributes.emplace_back(key, std::move(value));
}

std::string FormatFloat(double f) {
  if (std::isnan(f)) return "nan";
  if (std::isinf(f)) return f > 0 ? "inf" : "-inf";
  if (f == 0) return std::signbit(f) ? "-0.0" : "0.0";
  // Shortest round-trip digits, laid out as Python's repr: positional for decimal
  // exponents in [-4, 16), scientific otherwise.
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), f, std::chars_format::scientific);
  std::string sci(buf, end);
  std::string sign;
  if (sci[0] == '-') {
    sign = "-";
    sci.erase(0, 1);
  }
  const size_t e_pos = sci.find('e');
  const int exponent = std::atoi(sci.c_str() + e_pos + 1);
  std::string digits;
  for (size_t i = 0; i < e_pos; ++i) {
    if (sci[i] != '.') digits += sci[i];
  }
  if (exponent >= 16 || exponent < -4) {
    std::string out = sign + digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char exp_buf[16];
    std::snprintf(exp_buf, sizeof(exp_buf), "e%c%02d", exponent < 0 ? '-' : '+',
                  std::abs(exponent));
    return out + exp_buf;
  }
  if (exponent < 0) return sign + "0." + std::string(-exponent - 1, '0') + digits;
  const size_t int_digits = static_cast<size_t>(exponent) + 1;
  if (digits.size() <= int_digits)
    return sign + digits + std::string(int_digits - digits.size(), '0') + ".0";
  return sign + digits.substr(0, int_digits) + "." + digits.substr(int_digits);
}

namespace {

std::string ReprString(const std::string& s) {
  const bool use_double = s.find('\'') != std::string::npos && s.find('"') == std::string::npos;
  const char quote = use_double ? '"' : '\'';
  std::string out(1, quote);
  for (unsigned char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == static_cast<unsigned char>(quote)) {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += quote;
  return out;
}

}  // namespace

std::string Value::ToString() const {
  switch (kind_) {
    case Kind::kUndefined:
      return "";
    case Kind::kString:
      return *s_;
    default:
      return Repr();
  }
}

std::string Value::Repr() const {
  switch (kind_) {
    case Kind::kUndefined:
      return "";
    case Kind::kNone:
      return "None";
    case Kind::kBool:
      return b_ ? "True" : "False";
    case Kind::kInt:
      return std::to_string(i_);
    case Kind::kFloat:
      return FormatFloat(f_);
    case Kind::kString:
      return ReprString(*s_);
    case Kind::kList: {
      std::string out = "[";
      for (size_t i = 0; i < list_->size(); ++i) {
        if (i > 0) out += ", ";
        out += (*list_)[i].Repr();
      }
      return out + "]";
    }
    case Kind::kDict:
    case Kind::kNamespace: {
      const ValueDict& items = kind_ == Kind::kDict ? *dict_ : ns_->attributes;
      std::string out = kind_ == Kind::kDict ? "{" : "<Namespace {";
      for (size_t i = 0; i < items.size(); ++i) {
        if (i > 0) out += ", ";
        out += ReprString(items[i].first) + ": " + items[i].second.Repr();
      }
      return out + (kind_ == Kind::kDict ? "}" : "}>");
    }
    case Kind::kCallable:
      return "<function>";
  }
  return "";
}

Result<Json> Value::ToJson() const {
  switch (kind_) {
    case Kind::kNone:
      return Json(nullptr);
    case Kind::kBool:
      return Json(b_);
    case Kind::kInt:
      return Json(i_);
    case Kind::kFloat:
      return Json(f_);
    case Kind::kString:
      return Json(*s_);
    case Kind::kList: {
      Json out = Json::array();
      for (const Value& item : *list_) {
        STRATA_ASSIGN_OR_RETURN(Json j, item.ToJson());
        out.push_back(std::move(j));
      }
      return out;
    }
    case Kind::kDict:
    case Kind::kNamespace: {
      Json out = Json::object();
      for (const auto& [k, v] : kind_ == Kind::kDict ? *dict_ : ns_->attributes) {
        STRATA_ASSIGN_OR_RETURN(Json j, v.ToJson());
        out[k] = std::move(j);
      }
      return out;
    }
    default:
      return InvalidArgumentError("cannot convert " + std::string(TypeName()) + " to JSON");
  }
}

std::string_view Value::TypeName() const {
  switch (kind_) {
    case Kind::kUndefined:
      return "undefined";
    case Kind::kNone:
      return "none";
    case Kind::kBool:
      return "boolean";
    case Kind::kInt:
      return "integer";
    case Kind::kFloat:
      return "float";
    case Kind::kString:
      return "string";
    case Kind::kList:
      return "list";
    case Kind::kDict:
      return "dict";
    case Kind::kNamespace:
      return "namespace";
    case Kind::kCallable:
      return "function";
  }
  return "?";
}

namespace {

bool IsNumeric(const Value& v) {
  return v.kind() == Value::Kind::kInt || v.kind() == Value::Kind::kFloat ||
         v.kind() == Value::Kind::kBool;
}

double NumericValue(const Value& v) {
  return v.kind() == Value::Kind::kBool ? (v.bool_value() ? 1.0 : 0.0) : v.number();
}

}  // namespace

bool Equal(const Value& a, const Value& b) {
  if (IsNumeric(a) && IsNumeric(b)) {
    if (a.kind() == Value::Kind::kInt && b.kind() == Value::Kind::kInt) {
      return a.int_value() == b.int_value();
    }
    return NumericValue(a) == NumericValue(b);
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::kUndefined:
    case Value::Kind::kNone:
      return true;
    case Value::Kind::kString:
      return a.str() == b.str();
    case Value::Kind::kList: {
      if (a.list().size() != b.list().size()) return false;
      for (size_t i = 0; i < a.list().size(); ++i) {
        if (!Equal(a.list()[i], b.list()[i])) return false;
      }
      return true;
    }
    case Value::Kind::kDict: {
      if (a.dict().size() != b.dict().size()) return false;
      for (const auto& [k, v] : a.dict()) {
        bool found = false;
        for (const auto& [k2, v2] : b.dict()) {
          if (k == k2) {
            if (!Equal(v, v2)) return false;
            found = true;
            break;
          }
        }
        if (!found) return false;
      }
      return true;
    }
    case Value::Kind::kNamespace:
      return &a.ns() == &b.ns();
    case Value::Kind::kCallable:
      return &a.callable() == &b.callable();
    default:
      return false;
  }
}

std::optional<bool> Less(const Value& a, const Value& b) {
  if (IsNumeric(a) && IsNumeric(b)) {
    if (a.kind() == Value::Kind::kInt && b.kind() == Value::Kind::kInt) {
      return a.int_value() < b.int_value();
    }
    return NumericValue(a) < NumericValue(b);
  }
  if (a.is_string() && b.is_string()) return a.str() < b.str();
  if (a.is_list() && b.is_list()) {
    const size_t n = std::min(a.list().size(), b.list().size());
    for (size_t i = 0; i < n; ++i) {
      if (Equal(a.list()[i], b.list()[i])) continue;
      return Less(a.list()[i], b.list()[i]);
    }
    return a.list().size() < b.list().size();
  }
  return std::nullopt;
}

namespace {

void DumpString(const std::string& s, std::string* out) {
  *out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      case '\b':
        *out += "\\b";
        break;
      case '\f':
        *out += "\\f";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          *out += buf;
        } else {
          *out += static_cast<char>(c);
        }
    }
  }
  *out += '"';
}

void Dump(const Json& v, int indent, int level, std::string* out) {
  const bool pretty = indent >= 0;
  auto newline = [&](int lvl) {
    *out += '\n';
    out->append(static_cast<size_t>(indent) * lvl, ' ');
  };
  switch (v.type()) {
    case Json::value_t::null:
      *out += "null";
      return;
    case Json::value_t::boolean:
      *out += v.get<bool>() ? "true" : "false";
      return;
    case Json::value_t::number_integer:
      *out += std::to_string(v.get<int64_t>());
      return;
    case Json::value_t::number_unsigned:
      *out += std::to_string(v.get<uint64_t>());
      return;
    case Json::value_t::number_float: {
      const double f = v.get<double>();
      // json.dumps writes NaN and Infinity (allow_nan=True).
      *out += std::isnan(f)   ? "NaN"
              : std::isinf(f) ? (f > 0 ? "Infinity" : "-Infinity")
                              : FormatFloat(f);
      return;
    }
    case Json::value_t::string:
      DumpString(v.get_ref<const std::string&>(), out);
      return;
    case Json::value_t::array: {
      if (v.empty()) {
        *out += "[]";
        return;
      }
      *out += '[';
      bool first = true;
      for (const Json& item : v) {
        if (!first) *out += pretty ? "," : ", ";
        first = false;
        if (pretty) newline(level + 1);
        Dump(item, indent, level + 1, out);
      }
      if (pretty) newline(level);
      *out += ']';
      return;
    }
    case Json::value_t::object: {
      if (v.empty()) {
        *out += "{}";
        return;
      }
      *out += '{';
      bool first = true;
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (!first) *out += pretty ? "," : ", ";
        first = false;
        if (pretty) newline(level + 1);
        DumpString(it.key(), out);
        *out += ": ";
        Dump(it.value(), indent, level + 1, out);
      }
      if (pretty) newline(level);
      *out += '}';
      return;
    }
    default:
      *out += "null";
  }
}

}  // namespace

std::string DumpJson(const Json& value, int indent) {
  std::string out;
  Dump(value, indent, 0, &out);
  return out;
}

size_t CodePointCount(std::string_view text) {
  size_t n = 0;
  size_t pos = 0;
  uint32_t cp = 0;
  while (pos < text.size()) {
    internal::DecodeUtf8(text, &pos, &cp);
    ++n;
  }
  return n;
}

std::vector<size_t> CodePointOffsets(std::string_view text) {
  std::vector<size_t> offsets;
  size_t pos = 0;
  uint32_t cp = 0;
  while (pos < text.size()) {
    offsets.push_back(pos);
    internal::DecodeUtf8(text, &pos, &cp);
  }
  offsets.push_back(text.size());
  return offsets;
}

std::optional<ValueList> IterationItems(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kUndefined:
      return ValueList{};
    case Value::Kind::kList:
      return v.list();
    case Value::Kind::kDict: {
      ValueList keys;
      for (const auto& [k, unused] : v.dict()) keys.push_back(Value::String(k));
      return keys;
    }
    case Value::Kind::kString: {
      ValueList chars;
      const auto offsets = CodePointOffsets(v.str());
      for (size_t i = 0; i + 1 < offsets.size(); ++i) {
        chars.push_back(Value::String(v.str().substr(offsets[i], offsets[i + 1] - offsets[i])));
      }
      return chars;
    }
    default:
      return std::nullopt;
  }
}

}  // namespace strata::genai::jinja
