#pragma once
// Values of the Jinja interpreter behind chat templates (internal to genai/; see
// jinja.h). Python semantics where templates can observe them: truthiness, equality
// (1 == 1.0 == true), str() of values ("None", "True", "1.0", "['a', 1]"), and
// json.dumps for the tojson filter.
//
// Lists, dicts and strings are immutable and shared (copying a Value is cheap), as in
// the ImmutableSandboxedEnvironment that Hugging Face renders templates with. The one
// mutable kind is the namespace() object, shared by reference as in Jinja.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/core.h"

namespace strata::genai::jinja {

class Value;
using ValueList = std::vector<Value>;
using ValueDict = std::vector<std::pair<std::string, Value>>;  // insertion order, unique keys
using KwArgs = std::vector<std::pair<std::string, Value>>;

struct Callable;
struct Namespace;

class Value {
 public:
  enum class Kind {
    kUndefined,
    kNone,
    kBool,
    kInt,
    kFloat,
    kString,
    kList,
    kDict,
    kNamespace,
    kCallable
  };

  Value() = default;  // undefined
  static Value None();
  static Value Bool(bool b);
  static Value Int(int64_t i);
  static Value Float(double f);
  static Value String(std::string s);
  static Value List(ValueList items);
  static Value Dict(ValueDict items);
  static Value NewNamespace(ValueDict attributes);
  static Value Function(std::shared_ptr<const Callable> callable);
  static Value FromJson(const Json& json);

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::kUndefined; }
  bool is_none() const { return kind_ == Kind::kNone; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_number() const { return kind_ == Kind::kInt || kind_ == Kind::kFloat; }
  bool is_list() const { return kind_ == Kind::kList; }
  bool is_dict() const { return kind_ == Kind::kDict; }

  // REQUIRES: the matching kind.
  bool bool_value() const { return b_; }
  int64_t int_value() const { return i_; }
  double float_value() const { return f_; }
  double number() const { return kind_ == Kind::kFloat ? f_ : static_cast<double>(i_); }
  const std::string& str() const { return *s_; }
  const ValueList& list() const { return *list_; }
  const ValueDict& dict() const { return *dict_; }
  Namespace& ns() const { return *ns_; }
  const Callable& callable() const { return *fn_; }

  bool Truthy() const;
  // Dict key or namespace attribute; undefined when absent or not a mapping.
  Value Get(std::string_view key) const;
  // Python str(): strings as they are, undefined as "".
  std::string ToString() const;
  // Python repr(), used for items of lists and dicts in ToString.
  std::string Repr() const;
  // For tojson: InvalidArgument for undefined and callables.
  Result<Json> ToJson() const;
  std::string_view TypeName() const;  // "string", "list", ... for error messages

 private:
  Kind kind_ = Kind::kUndefined;
  bool b_ = false;
  int64_t i_ = 0;
  double f_ = 0;
  std::shared_ptr<const std::string> s_;
  std::shared_ptr<const ValueList> list_;
  std::shared_ptr<const ValueDict> dict_;
  std::shared_ptr<Namespace> ns_;
  std::shared_ptr<const Callable> fn_;
};

struct Namespace {
  ValueDict attributes;
  void Set(const std::string& key, Value value);
};

// Python ==, deep (1 == 1.0 == True; lists and dicts by content).
bool Equal(const Value& a, const Value& b);
// Python <, for numbers, strings and lists; nullopt when the types do not compare.
std::optional<bool> Less(const Value& a, const Value& b);

// Python float repr: "1.0", "0.1", "1e+16", "inf".
std::string FormatFloat(double f);
// json.dumps(value, ensure_ascii=False, indent=indent) with Python's separators: ", " and
// ": " without indent, "," and ": " with one; indent < 0 means none.
std::string DumpJson(const Json& value, int indent);

// Code points of UTF-8 text (Python len()); invalid bytes count one each.
size_t CodePointCount(std::string_view text);
// Byte offsets of each code point start, plus text.size() at the end.
std::vector<size_t> CodePointOffsets(std::string_view text);

// What iterating a value yields, as Python does: a list's items, a dict's keys, a
// string's characters, nothing for undefined; nullopt for values that do not iterate.
std::optional<ValueList> IterationItems(const Value& v);

}  // namespace strata::genai::jinja
