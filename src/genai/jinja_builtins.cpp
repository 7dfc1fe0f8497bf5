// Built-ins of the Jinja interpreter: filters, tests, methods of strings and dicts,
// item access and slicing, and the global functions Hugging Face templates call. Each
// follows the Python behavior of Jinja2 3.x / transformers; string case mapping is
// ASCII-only (templates apply it to roles and keywords, not to prose).

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>

#include "genai/jinja_internal.h"

namespace strata::genai::jinja {
namespace {

using FilterFn = Result<Value> (*)(RenderState&, const Value&, const ValueList&, const KwArgs&);

// Positional argument i, else keyword `name`; null when neither was given.
const Value* Arg(const ValueList& args, const KwArgs& kwargs, size_t i, std::string_view name) {
  if (i < args.size()) return &args[i];
  for (const auto& [key, value] : kwargs) {
    if (key == name) return &value;
  }
  return nullptr;
}

bool IsWhitespace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Python str.strip/lstrip/rstrip: whitespace, or the characters of `chars`.
std::string Strip(std::string_view s, const Value* chars, bool left, bool right) {
  auto strip = [&](char c) {
    if (chars == nullptr || chars->is_none() || chars->is_undefined()) return IsWhitespace(c);
    return chars->ToString().find(c) != std::string::npos;
  };
  size_t begin = 0, end = s.size();
  if (left) {
    while (begin < end && strip(s[begin])) ++begin;
  }
  if (right) {
    while (end > begin && strip(s[end - 1])) --end;
  }
  return std::string(s.substr(begin, end - begin));
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}
std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
std::string Capitalize(std::string s) {
  s = Lower(std::move(s));
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}
std::string Title(std::string s) {
  bool start = true;
  for (char& c : s) {
    const auto u = static_cast<unsigned char>(c);
    c = static_cast<char>(start ? std::toupper(u) : std::tolower(u));
    start = !std::isalnum(u);
  }
  return s;
}

Result<std::string> Replace(RenderState& state, const std::string& s, const std::string& from,
                            const std::string& to, int64_t count) {
  std::string out;
  size_t pos = 0;
  int64_t done = 0;
  if (from.empty()) {  // Python inserts `to` around every character
    const auto offsets = CodePointOffsets(s);
    for (size_t i = 0; i + 1 < offsets.size() && (count < 0 || done < count); ++i, ++done) {
      out += to;
      out.append(s, offsets[i], offsets[i + 1] - offsets[i]);
      pos = offsets[i + 1];
      STRATA_RETURN_IF_ERROR(state.CheckSize(out.size()));
    }
    if (count < 0 || done < count) out += to;
    out.append(s, pos);
    return out;
  }
  while (count < 0 || done < count) {
    const size_t found = s.find(from, pos);
    if (found == std::string::npos) break;
    out.append(s, pos, found - pos);
    out += to;
    pos = found + from.size();
    ++done;
    STRATA_RETURN_IF_ERROR(state.CheckSize(out.size()));
  }
  out.append(s, pos);
  STRATA_RETURN_IF_ERROR(state.CheckSize(out.size()));
  return out;
}

Result<int64_t> IntArg(const Value* v, int64_t fallback, std::string_view what) {
  if (v == nullptr || v->is_none() || v->is_undefined()) return fallback;
  if (v->kind() == Value::Kind::kInt) return v->int_value();
  if (v->kind() == Value::Kind::kBool) return int64_t{v->bool_value()};
  return InvalidArgumentError(std::string(what) + " must be an integer, got " +
                              std::string(v->TypeName()));
}

// Python str.split: on runs of whitespace without a separator, else on each separator.
Result<Value> Split(const std::string& s, const Value* sep_arg, int64_t maxsplit) {
  ValueList parts;
  if (sep_arg == nullptr || sep_arg->is_none()) {
    size_t i = 0;
    while (i < s.size()) {
      while (i < s.size() && IsWhitespace(s[i])) ++i;
      if (i >= s.size()) break;
      if (maxsplit >= 0 && static_cast<int64_t>(parts.size()) == maxsplit) {
        size_t end = s.size();
        while (end > i && IsWhitespace(s[end - 1])) --end;
        parts.push_back(Value::String(s.substr(i, end - i)));
        break;
      }
      size_t j = i;
      while (j < s.size() && !IsWhitespace(s[j])) ++j;
      parts.push_back(Value::String(s.substr(i, j - i)));
      i = j;
    }
    return Value::List(std::move(parts));
  }
  const std::string sep = sep_arg->ToString();
  if (sep.empty()) return InvalidArgumentError("split(): empty separator");
  size_t pos = 0;
  while (maxsplit < 0 || static_cast<int64_t>(parts.size()) < maxsplit) {
    const size_t found = s.find(sep, pos);
    if (found == std::string::npos) break;
    parts.push_back(Value::String(s.substr(pos, found - pos)));
    pos = found + sep.size();
  }
  parts.push_back(Value::String(s.substr(pos)));
  return Value::List(std::move(parts));
}

Result<ValueList> ToList(const Value& v) {
  if (auto items = IterationItems(v)) return *std::move(items);
  return InvalidArgumentError(std::string(v.TypeName()) + " is not iterable");
}

// Jinja's attribute lookup for filters: "a.b" walks nested attributes/items.
Value GetPath(const Value& object, const std::string& path) {
  Value v = object;
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    const std::string part =
        path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    const bool numeric = !part.empty() && std::all_of(part.begin(), part.end(), ::isdigit);
    v = numeric ? GetItem(v, Value::Int(std::stoll(part))) : GetAttribute(v, part);
    if (dot == std::string::npos) return v;
    start = dot + 1;
  }
}

// ---- Filters ----

Result<Value> FTrim(RenderState&, const Value& in, const ValueList& a, const KwArgs& k) {
  return Value::String(Strip(in.ToString(), Arg(a, k, 0, "chars"), true, true));
}
Result<Value> FLength(RenderState&, const Value& in, const ValueList&, const KwArgs&) {
  switch (in.kind()) {
    case Value::Kind::kString:
      return Value::Int(static_cast<int64_t>(CodePointCount(in.str())));
    case Value::Kind::kList:
      return Value::Int(static_cast<int64_t>(in.list().size()));
    case Value::Kind::kDict:
      return Value::Int(static_cast<int64_t>(in.dict().size()));
    case Value::Kind::kUndefined:
      return Value::Int(0);
    default:
      return InvalidArgumentError(std::string(in.TypeName()) + " has no length");
  }
}
Result<Value> FUpper(RenderState&, const Value& in, const ValueList&, const KwArgs&) {
  return Value::String(Upper(in.ToString()));
}
Result<Value> FLower(RenderState&, const Value& in, const ValueList&, const KwArgs&) {
  return Value::String(Lower(in.ToString()));
}
Result<Value> FCapitalize(RenderState&, const Value& in, const ValueList&, const KwArgs&) {
  return Value::String(Capitalize(in.ToString()));
}
Result<Value> FTitle(RenderState&, const Value& in, const ValueList&, const KwArgs&) {
  return Value::String(Title(in.ToString()));
}
Result<Value> FString(RenderState&, const Value& in, const ValueList&, const KwArgs&) {
  return Value::String(in.ToString());
}
Result<Value> FSafe(RenderState&, const Value& in, const ValueList&, const KwArgs&) {
  return in;
}
Result<Value> FToJson(RenderState& state, const Value& in, const ValueList& a, const KwArgs& k) {
  STRATA_ASSIGN_OR_RETURN(int64_t indent, IntArg(Arg(a, k, 0, "indent"), -1, "indent"));
  STRATA_ASSIGN_OR_RETURN(Json json, in.ToJson());
  std::string out = DumpJson(json, static_cast<int>(std::min<int64_t>(indent, 64)));
  STRATA_RETURN_IF_ERROR(state.CheckSize(out.size()));
  return Value::String(std::move(out));
}
Result<Value> FFirst(RenderState&, const Value& in, const ValueList&, const KwArgs&) {
  STRATA_ASSIGN_OR_RETURN(ValueList items, ToList(in));
  return items.empty() ? Value() : items.front();
}
Result<Value> FLast(RenderState&, const Value& in, const ValueList&, const KwArgs&) {
  STRATA_ASSIGN_OR_RETURN(ValueList items, ToList(in));
  return items.empty() ? Value() : items.back();
}
Result<Value> FJoin(RenderState& state, const Value& in, const ValueList& a, const KwArgs& k) {
  const Value* sep = Arg(a, k, 0, "d");
  const Value* attribute = Arg(a, k, 1, "attribute");
  STRATA_ASSIGN_OR_RETURN(ValueList items, ToList(in));
  std::string out;
  const std::string separator = sep ? sep->ToString() : "";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += separator;
    out += (attribute ? GetPath(items[i], attribute->ToString()) : items[i]).ToString();
    STRATA_RETURN_IF_ERROR(state.CheckSize(out.size()));
  }
  return Value::String(std::move(out));
}
Result<Value> FDefault(RenderState&, const Value& in, const ValueList& a, const KwArgs& k) {
  const Value* fallback = Arg(a, k, 0, "default_value");
  const Value* boolean = Arg(a, k, 1, "boolean");
  const bool use_fallback = in.is_undefined() || (boolean && boolean->Truthy() && !in.Truthy());
  if (!use_fallback) return in;
  return fallback ? *fallback : Value::String("");
}
Result<Value> FReplace(RenderState& state, const Value& in, const ValueList& a, const KwArgs& k) {
  const Value* from = Arg(a, k, 0, "old");
  const Value* to = Arg(a, k, 1, "new");
  if (!from || !to) return InvalidArgumentError("needs the old and new strings");
  STRATA_ASSIGN_OR_RETURN(int64_t count, IntArg(Arg(a, k, 2, "count"), -1, "count"));
  STRATA_ASSIGN_OR_RETURN(std::string out,
                          Replace(state, in.ToString(), from->ToString(), to->ToString(), count));
  return Value::String(std::move(out));
}
Result<Value> ItemsOf(const Value& in) {
  if (in.is_undefined()) return Value::List({});
  if (!in.is_dict())
    return InvalidArgumentError("can only list the items of a dict, got " +
                                std::string(in.TypeName()));
  ValueList pairs;
  for (const auto& [k, v] : in.dict()) pairs.push_back(Value::List({Value::String(k), v}));
  return Value::List(std::move(pairs));
}
Result<Value> FItems(RenderState&, const Value& in, const ValueList&, const KwArgs&) {
  return ItemsOf(in);
}
Result<Value> FList(RenderState&, const Value& in, const ValueList&, const KwArgs&) {
  STRATA_ASSIGN_OR_RETURN(ValueList items, ToList(in));
  return Value::List(std::move(items));
}
Result<Value> FReverse(RenderState&, const Value& in, const ValueList&, const KwArgs&) {
  STRATA_ASSIGN_OR_RETURN(ValueList items, ToList(in));
  std::reverse(items.begin(), items.end());
  if (!in.is_string()) return Value::List(std::move(items));
  std::string out;
  for (const Value& c : items) out += c.str();
  return Value::String(std::move(out));
}

// select/reject (attribute empty) and selectattr/rejectattr.
Result<Value> SelectImpl(RenderState& state, const Value& in, const ValueList& a, bool by_attribute,
                         bool keep) {
  STRATA_ASSIGN_OR_RETURN(ValueList items, ToList(in));
  size_t next = 0;
  std::string attribute;
  if (by_attribute) {
    if (a.empty()) return InvalidArgumentError("needs an attribute name");
    attribute = a[next++].ToString();
  }
  std::string test;
  if (next < a.size()) test = a[next++].ToString();
  const ValueList test_args(a.begin() + static_cast<ptrdiff_t>(next), a.end());
  if (!test.empty() && !IsKnownTest(test))
    return InvalidArgumentError("unknown test '" + test + "'");
  ValueList out;
  for (const Value& item : items) {
    STRATA_RETURN_IF_ERROR(state.CountIterations(1));
    const Value v = by_attribute ? GetPath(item, attribute) : item;
    bool passed = v.Truthy();
    if (!test.empty()) {
      STRATA_ASSIGN_OR_RETURN(passed, ApplyTest(state, test, v, test_args));
    }
    if (passed == keep) out.push_back(item);
  }
  return Value::List(std::move(out));
}
Result<Value> FSelect(RenderState& s, const Value& in, const ValueList& a, const KwArgs&) {
  return SelectImpl(s, in, a, false, true);
}
Result<Value> FReject(RenderState& s, const Value& in, const ValueList& a, const KwArgs&) {
  return SelectImpl(s, in, a, false, false);
}
Result<Value> FSelectAttr(RenderState& s, const Value& in, const ValueList& a, const KwArgs&) {
  return SelectImpl(s, in, a, true, true);
}
Result<Value> FRejectAttr(RenderState& s, const Value& in, const ValueList& a, const KwArgs&) {
  return SelectImpl(s, in, a, true, false);
}

Result<Value> FMap(RenderState& state, const Value& in, const ValueList& a, const KwArgs& k) {
  STRATA_ASSIGN_OR_RETURN(ValueList items, ToList(in));
  const Value* attribute = Arg({}, k, 0, "attribute");
  const Value* fallback = Arg({}, k, 0, "default");
  ValueList out;
  if (attribute) {
    for (const Value& item : items) {
      Value v = GetPath(item, attribute->ToString());
      out.push_back(v.is_undefined() && fallback ? *fallback : v);
    }
    return Value::List(std::move(out));
  }
  if (a.empty()) return InvalidArgumentError("needs a filter name or attribute=");
  const std::string filter = a[0].ToString();
  if (!IsKnownFilter(filter)) return InvalidArgumentError("unknown filter '" + filter + "'");
  const ValueList rest(a.begin() + 1, a.end());
  for (const Value& item : items) {
    STRATA_RETURN_IF_ERROR(state.CountIterations(1));
    STRATA_ASSIGN_OR_RETURN(Value v, ApplyFilter(state, filter, item, rest, k));
    out.push_back(std::move(v));
  }
  return Value::List(std::move(out));
}

Result<Value> FInt(RenderState&, const Value& in, const ValueList& a, const KwArgs& k) {
  const Value* fallback = Arg(a, k, 0, "default");
  if (in.kind() == Value::Kind::kInt) return in;
  if (in.kind() == Value::Kind::kBool) return Value::Int(in.bool_value());
  if (in.kind() == Value::Kind::kFloat && std::isfinite(in.float_value())) {
    return Value::Int(static_cast<int64_t>(in.float_value()));
  }
  if (in.is_string()) {
    try {
      size_t used = 0;
      const std::string s = Strip(in.str(), nullptr, true, true);
      const int64_t v = std::stoll(s, &used);
      if (used == s.size()) return Value::Int(v);
      return Value::Int(static_cast<int64_t>(std::stod(s)));
    } catch (...) {  // std::stoll/stod signal bad input by exception only
    }
  }
  return fallback ? *fallback : Value::Int(0);
}
Result<Value> FFloat(RenderState&, const Value& in, const ValueList& a, const KwArgs& k) {
  const Value* fallback = Arg(a, k, 0, "default");
  if (in.is_number()) return Value::Float(in.number());
  if (in.kind() == Value::Kind::kBool) return Value::Float(in.bool_value());
  if (in.is_string()) {
    try {
      return Value::Float(std::stod(in.str()));
    } catch (...) {  // std::stod signals bad input by exception only
    }
  }
  return fallback ? *fallback : Value::Float(0);
}
Result<Value> FAbs(RenderState&, const Value& in, const ValueList&, const KwArgs&) {
  if (in.kind() == Value::Kind::kInt)
    return Value::Int(in.int_value() < 0 ? -in.int_value() : in.int_value());
  if (in.kind() == Value::Kind::kFloat) return Value::Float(std::fabs(in.float_value()));
  return InvalidArgumentError("bad operand type for abs(): " + std::string(in.TypeName()));
}
Result<Value> FUnique(RenderState&, const Value& in, const ValueList&, const KwArgs&) {
  STRATA_ASSIGN_OR_RETURN(ValueList items, ToList(in));
  ValueList out;
  for (const Value& item : items) {
    if (std::none_of(out.begin(), out.end(), [&](const Value& v) { return Equal(v, item); }))
      out.push_back(item);
  }
  return Value::List(std::move(out));
}
Result<Value> FIndent(RenderState& state, const Value& in, const ValueList& a, const KwArgs& k) {
  const Value* width_arg = Arg(a, k, 0, "width");
  const Value* first = Arg(a, k, 1, "first");
  const Value* blank = Arg(a, k, 2, "blank");
  std::string pad = "    ";
  if (width_arg && width_arg->is_string()) {
    pad = width_arg->str();
  } else {
    STRATA_ASSIGN_OR_RETURN(int64_t width, IntArg(width_arg, 4, "width"));
    pad = std::string(static_cast<size_t>(std::clamp<int64_t>(width, 0, 1024)), ' ');
  }
  const std::string s = in.ToString();
  std::string out;
  size_t start = 0;
  bool first_line = true;
  while (start <= s.size()) {
    size_t nl = s.find('\n', start);
    const std::string line =
        s.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    const bool indent =
        first_line ? (first && first->Truthy()) : (!line.empty() || (blank && blank->Truthy()));
    if (indent) out += pad;
    out += line;
    STRATA_RETURN_IF_ERROR(state.CheckSize(out.size()));
    if (nl == std::string::npos) break;
    out += '\n';
    start = nl + 1;
    first_line = false;
  }
  return Value::String(std::move(out));
}

const std::map<std::string, FilterFn, std::less<>>& Filters() {
  static const auto* filters = new std::map<std::string, FilterFn, std::less<>>{
      {"trim", FTrim},
      {"length", FLength},
      {"count", FLength},
      {"upper", FUpper},
      {"lower", FLower},
      {"capitalize", FCapitalize},
      {"title", FTitle},
      {"string", FString},
      {"safe", FSafe},
      {"tojson", FToJson},
      {"first", FFirst},
      {"last", FLast},
      {"join", FJoin},
      {"default", FDefault},
      {"d", FDefault},
      {"replace", FReplace},
      {"items", FItems},
      {"list", FList},
      {"reverse", FReverse},
      {"select", FSelect},
      {"reject", FReject},
      {"selectattr", FSelectAttr},
      {"rejectattr", FRejectAttr},
      {"map", FMap},
      {"int", FInt},
      {"float", FFloat},
      {"abs", FAbs},
      {"unique", FUnique},
      {"indent", FIndent},
  };
  return *filters;
}

// ---- Tests ----

Result<bool> TestValue(RenderState&, std::string_view name, const Value& v, const ValueList& args) {
  using K = Value::Kind;
  const K kind = v.kind();
  if (name == "defined") return kind != K::kUndefined;
  if (name == "undefined") return kind == K::kUndefined;
  if (name == "none") return kind == K::kNone;
  if (name == "string") return kind == K::kString;
  if (name == "mapping") return kind == K::kDict;
  if (name == "iterable") {
    return kind == K::kString || kind == K::kList || kind == K::kDict || kind == K::kUndefined;
  }
  if (name == "sequence") return kind == K::kString || kind == K::kList || kind == K::kDict;
  if (name == "number") return kind == K::kInt || kind == K::kFloat || kind == K::kBool;
  if (name == "integer") return kind == K::kInt;
  if (name == "float") return kind == K::kFloat;
  if (name == "boolean") return kind == K::kBool;
  if (name == "true") return kind == K::kBool && v.bool_value();
  if (name == "false") return kind == K::kBool && !v.bool_value();
  if (name == "callable") return kind == K::kCallable;
  if (name == "lower") return kind == K::kString && Lower(v.str()) == v.str();
  if (name == "upper") return kind == K::kString && Upper(v.str()) == v.str();
  if (name == "even" || name == "odd" || name == "divisibleby") {
    if (kind != K::kInt)
      return InvalidArgumentError("needs an integer, got " + std::string(v.TypeName()));
    int64_t divisor = 2;
    if (name == "divisibleby") {
      if (args.empty() || args[0].kind() != K::kInt || args[0].int_value() == 0) {
        return InvalidArgumentError("needs a non-zero integer argument");
      }
      divisor = args[0].int_value();
    }
    const bool divisible = v.int_value() % divisor == 0;
    return name == "odd" ? !divisible : divisible;
  }
  if (args.empty()) return InvalidArgumentError("needs an argument");
  const Value& other = args[0];
  if (name == "equalto" || name == "eq" || name == "==") return Equal(v, other);
  if (name == "ne" || name == "!=") return !Equal(v, other);
  if (name == "sameas") return Equal(v, other) && v.kind() == other.kind();
  if (name == "lt" || name == "lessthan" || name == "gt" || name == "greaterthan" || name == "le" ||
      name == "ge") {
    const bool swap = name == "gt" || name == "greaterthan" || name == "le";
    auto less = swap ? Less(other, v) : Less(v, other);
    if (!less)
      return InvalidArgumentError("cannot compare " + std::string(v.TypeName()) + " and " +
                                  std::string(other.TypeName()));
    return (name == "le" || name == "ge") ? !*less : *less;
  }
  if (name == "in") {
    if (other.is_string() && v.is_string()) return other.str().find(v.str()) != std::string::npos;
    if (other.is_list())
      return std::any_of(other.list().begin(), other.list().end(),
                         [&](const Value& x) { return Equal(x, v); });
    if (other.is_dict()) return v.is_string() && !other.Get(v.str()).is_undefined();
    return InvalidArgumentError("needs a string, list or dict argument");
  }
  return InvalidArgumentError("unknown test");
}

constexpr std::string_view kTests[] = {
    "defined",     "undefined", "none",  "string",  "mapping",     "iterable", "sequence",
    "number",      "integer",   "float", "boolean", "true",        "false",    "callable",
    "lower",       "upper",     "even",  "odd",     "divisibleby", "equalto",  "eq",
    "==",          "ne",        "!=",    "sameas",  "lt",          "lessthan", "gt",
    "greaterthan", "le",        "ge",    "in"};

// ---- Methods ----

Value Method(const Value& self, const std::string& name,
             Result<Value> (*fn)(RenderState&, const Value&, const ValueList&, const KwArgs&)) {
  auto callable = std::make_shared<Callable>();
  callable->name = name;
  callable->fn = [self, fn](RenderState& state, const ValueList& args, const KwArgs& kwargs) {
    return fn(state, self, args, kwargs);
  };
  return Value::Function(std::move(callable));
}

Result<Value> MStrip(RenderState&, const Value& s, const ValueList& a, const KwArgs& k) {
  return Value::String(Strip(s.str(), Arg(a, k, 0, "chars"), true, true));
}
Result<Value> MLStrip(RenderState&, const Value& s, const ValueList& a, const KwArgs& k) {
  return Value::String(Strip(s.str(), Arg(a, k, 0, "chars"), true, false));
}
Result<Value> MRStrip(RenderState&, const Value& s, const ValueList& a, const KwArgs& k) {
  return Value::String(Strip(s.str(), Arg(a, k, 0, "chars"), false, true));
}
Result<Value> MSplit(RenderState&, const Value& s, const ValueList& a, const KwArgs& k) {
  STRATA_ASSIGN_OR_RETURN(int64_t maxsplit, IntArg(Arg(a, k, 1, "maxsplit"), -1, "maxsplit"));
  return Split(s.str(), Arg(a, k, 0, "sep"), maxsplit);
}
Result<Value> AffixImpl(const Value& s, const ValueList& a, bool prefix) {
  if (a.empty()) return InvalidArgumentError("needs an argument");
  ValueList candidates = a[0].is_list() ? a[0].list() : ValueList{a[0]};
  for (const Value& c : candidates) {
    if (!c.is_string())
      return InvalidArgumentError("needs a string, got " + std::string(c.TypeName()));
    const std::string& t = c.str();
    const std::string& str = s.str();
    if (t.size() <= str.size() && (prefix ? str.compare(0, t.size(), t) == 0
                                          : str.compare(str.size() - t.size(), t.size(), t) == 0)) {
      return Value::Bool(true);
    }
  }
  return Value::Bool(false);
}
Result<Value> MStartsWith(RenderState&, const Value& s, const ValueList& a, const KwArgs&) {
  return AffixImpl(s, a, true);
}
Result<Value> MEndsWith(RenderState&, const Value& s, const ValueList& a, const KwArgs&) {
  return AffixImpl(s, a, false);
}
Result<Value> MUpper(RenderState&, const Value& s, const ValueList&, const KwArgs&) {
  return Value::String(Upper(s.str()));
}
Result<Value> MLower(RenderState&, const Value& s, const ValueList&, const KwArgs&) {
  return Value::String(Lower(s.str()));
}
Result<Value> MTitle(RenderState&, const Value& s, const ValueList&, const KwArgs&) {
  return Value::String(Title(s.str()));
}
Result<Value> MCapitalize(RenderState&, const Value& s, const ValueList&, const KwArgs&) {
  return Value::String(Capitalize(s.str()));
}
Result<Value> MReplace(RenderState& state, const Value& s, const ValueList& a, const KwArgs& k) {
  return FReplace(state, s, a, k);
}
Result<Value> MJoin(RenderState& state, const Value& s, const ValueList& a, const KwArgs&) {
  if (a.empty()) return InvalidArgumentError("needs an iterable");
  return FJoin(state, a[0], {s}, {});
}
Result<Value> MItems(RenderState&, const Value& d, const ValueList&, const KwArgs&) {
  return ItemsOf(d);
}
Result<Value> MKeys(RenderState&, const Value& d, const ValueList&, const KwArgs&) {
  ValueList keys;
  for (const auto& [key, unused] : d.dict()) keys.push_back(Value::String(key));
  return Value::List(std::move(keys));
}
Result<Value> MValues(RenderState&, const Value& d, const ValueList&, const KwArgs&) {
  ValueList values;
  for (const auto& [unused, value] : d.dict()) values.push_back(value);
  return Value::List(std::move(values));
}
Result<Value> MGet(RenderState&, const Value& d, const ValueList& a, const KwArgs& k) {
  if (a.empty()) return InvalidArgumentError("needs a key");
  const Value* fallback = Arg(a, k, 1, "default");
  Value v = a[0].is_string() ? d.Get(a[0].str()) : Value();
  if (!v.is_undefined()) return v;
  return fallback ? *fallback : Value::None();
}

// ---- Globals ----

Value Global(const std::string& name,
             std::function<Result<Value>(RenderState&, const ValueList&, const KwArgs&)> fn) {
  auto callable = std::make_shared<Callable>();
  callable->name = name;
  callable->fn = std::move(fn);
  return Value::Function(std::move(callable));
}

Result<Value> Range(RenderState& state, const ValueList& a, const KwArgs&) {
  if (a.empty() || a.size() > 3) return InvalidArgumentError("takes 1 to 3 integer arguments");
  int64_t bounds[3] = {0, 0, 1};
  for (size_t i = 0; i < a.size(); ++i) {
    STRATA_ASSIGN_OR_RETURN(int64_t v, IntArg(&a[i], 0, "argument"));
    bounds[a.size() == 1 ? 1 : i] = v;
  }
  const auto [start, stop, step] = bounds;
  if (step == 0) return InvalidArgumentError("step must not be zero");
  const double count = std::max(0.0, std::ceil((static_cast<double>(stop) - start) / step));
  if (count > static_cast<double>(state.limits.max_loop_iterations)) {
    return InvalidArgumentError(
        "range of " + std::to_string(static_cast<int64_t>(count)) + " items exceeds the limit of " +
        std::to_string(state.limits.max_loop_iterations) + " loop iterations");
  }
  ValueList items;
  for (int64_t i = 0; i < static_cast<int64_t>(count); ++i)
    items.push_back(Value::Int(start + i * step));
  return Value::List(std::move(items));
}

}  // namespace

bool IsKnownFilter(std::string_view name) {
  return Filters().count(name) > 0;
}

bool IsKnownTest(std::string_view name) {
  return std::find(std::begin(kTests), std::end(kTests), name) != std::end(kTests);
}

Result<Value> ApplyFilter(RenderState& state, std::string_view name, const Value& input,
                          const ValueList& args, const KwArgs& kwargs) {
  auto it = Filters().find(name);
  if (it == Filters().end())
    return InvalidArgumentError("unknown filter '" + std::string(name) + "'");
  return it->second(state, input, args, kwargs);
}

Result<bool> ApplyTest(RenderState& state, std::string_view name, const Value& input,
                       const ValueList& args) {
  return TestValue(state, name, input, args);
}

Value GetAttribute(const Value& object, const std::string& name) {
  if (object.is_dict()) {
    if (name == "items") return Method(object, name, MItems);
    if (name == "keys") return Method(object, name, MKeys);
    if (name == "values") return Method(object, name, MValues);
    if (name == "get") return Method(object, name, MGet);
    return object.Get(name);
  }
  if (object.kind() == Value::Kind::kNamespace) return object.Get(name);
  if (object.is_string()) {
    static const std::map<std::string, FilterFn, std::less<>> kStringMethods = {
        {"strip", MStrip},           {"lstrip", MLStrip},         {"rstrip", MRStrip},
        {"split", MSplit},           {"startswith", MStartsWith}, {"endswith", MEndsWith},
        {"upper", MUpper},           {"lower", MLower},           {"title", MTitle},
        {"capitalize", MCapitalize}, {"replace", MReplace},       {"join", MJoin},
    };
    auto it = kStringMethods.find(name);
    if (it != kStringMethods.end()) return Method(object, name, it->second);
  }
  return Value();
}

Value GetItem(const Value& object, const Value& key) {
  if (key.is_string()) {
    if (object.is_dict() || object.kind() == Value::Kind::kNamespace) return object.Get(key.str());
    return Value();
  }
  if (key.kind() != Value::Kind::kInt) return Value();
  int64_t i = key.int_value();
  if (object.is_list()) {
    const auto n = static_cast<int64_t>(object.list().size());
    if (i < 0) i += n;
    if (i < 0 || i >= n) return Value();
    return object.list()[static_cast<size_t>(i)];
  }
  if (object.is_string()) {
    const auto offsets = CodePointOffsets(object.str());
    const auto n = static_cast<int64_t>(offsets.size()) - 1;
    if (i < 0) i += n;
    if (i < 0 || i >= n) return Value();
    return Value::String(object.str().substr(offsets[i], offsets[i + 1] - offsets[i]));
  }
  return Value();
}

Result<Value> Slice(const Value& object, const Value& start_v, const Value& stop_v,
                    const Value& step_v) {
  auto bound = [](const Value& v, int64_t fallback) -> Result<int64_t> {
    return IntArg(&v, fallback, "slice index");
  };
  STRATA_ASSIGN_OR_RETURN(int64_t step, bound(step_v, 1));
  if (step == 0) return InvalidArgumentError("slice step cannot be zero");
  std::vector<size_t> offsets;
  int64_t n = 0;
  if (object.is_list()) {
    n = static_cast<int64_t>(object.list().size());
  } else if (object.is_string()) {
    offsets = CodePointOffsets(object.str());
    n = static_cast<int64_t>(offsets.size()) - 1;
  } else if (object.is_undefined()) {
    return Value();
  } else {
    return InvalidArgumentError("cannot slice " + std::string(object.TypeName()));
  }
  // CPython's PySlice_AdjustIndices.
  auto adjust = [&](int64_t i, bool is_start) {
    if (i < 0) {
      i += n;
      if (i < 0) i = step < 0 ? -1 : 0;
    } else if (i >= n) {
      i = step < 0 ? n - 1 : n;
    }
    (void)is_start;
    return i;
  };
  STRATA_ASSIGN_OR_RETURN(int64_t start, bound(start_v, step < 0 ? n - 1 : 0));
  STRATA_ASSIGN_OR_RETURN(int64_t stop, bound(stop_v, step < 0 ? -n - 1 : n));
  start = adjust(start, true);
  stop = adjust(stop, false);
  std::vector<int64_t> picked;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) picked.push_back(i);
  if (object.is_list()) {
    ValueList out;
    for (int64_t i : picked) out.push_back(object.list()[static_cast<size_t>(i)]);
    return Value::List(std::move(out));
  }
  std::string out;
  for (int64_t i : picked) out.append(object.str(), offsets[i], offsets[i + 1] - offsets[i]);
  return Value::String(std::move(out));
}

void AddGlobals(ValueDict* globals) {
  globals->emplace_back(
      "raise_exception",
      Global("raise_exception",
             [](RenderState& state, const ValueList& a, const KwArgs&) -> Result<Value> {
               state.raised = true;
               return InvalidArgumentError(a.empty() ? "raise_exception() called"
                                                     : a[0].ToString());
             }));
  globals->emplace_back("range", Global("range", Range));
  globals->emplace_back(
      "namespace",
      Global("namespace", [](RenderState&, const ValueList& a, const KwArgs& k) -> Result<Value> {
        ValueDict attributes;
        if (!a.empty()) {
          if (a.size() > 1 || !a[0].is_dict())
            return InvalidArgumentError("takes keyword arguments or one dict");
          attributes = a[0].dict();
        }
        auto ns = Value::NewNamespace(std::move(attributes));
        for (const auto& [key, value] : k) ns.ns().Set(key, value);
        return ns;
      }));
  globals->emplace_back(
      "dict",
      Global("dict", [](RenderState&, const ValueList& a, const KwArgs& k) -> Result<Value> {
        if (!a.empty()) return InvalidArgumentError("takes keyword arguments only");
        return Value::Dict(ValueDict(k.begin(), k.end()));
      }));
  globals->emplace_back(
      "strftime_now",
      Global("strftime_now",
             [](RenderState& state, const ValueList& a, const KwArgs&) -> Result<Value> {
               if (a.size() != 1 || !a[0].is_string())
                 return InvalidArgumentError("takes one format string");
               const std::time_t now = std::chrono::system_clock::to_time_t(state.clock->Now());
               std::tm tm{};
               gmtime_r(&now, &tm);
               char buf[512];
               const size_t n = std::strftime(buf, sizeof(buf), a[0].str().c_str(), &tm);
               if (n == 0 && !a[0].str().empty())
                 return InvalidArgumentError("format too long or invalid: " + a[0].str());
               return Value::String(std::string(buf, n));
             }));
}

}  // namespace strata::genai::jinja
