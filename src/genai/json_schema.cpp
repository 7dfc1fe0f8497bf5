// JSON Schema -> GBNF (see json_schema.h for the supported subset).
//
// Hand-written: no Debian 12 package converts JSON Schema to a grammar. Each schema
// node becomes a rule named after where it is (root-name, root-tags-item, ...); $ref
// targets get one rule each, created before their body so that recursion works.
#include "genai/json_schema.h"

#include <set>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "genai/utf8.h"

namespace strata::genai {
namespace {

// Shared by every converted schema. Whitespace is bounded (see json_schema.h); numbers
// and escapes are bounded so that every match parses with any JSON parser.
constexpr std::string_view kPrimitives = R"(ws ::= | " " | "\n" [ \t]{0,20}
json-char ::= [^"\\\x7F\x00-\x1F] | "\\" ( ["\\/bfnrt] | "u" json-hex4 )
json-hex4 ::= [0-9a-cA-Ce-fE-F] [0-9a-fA-F]{3} | [dD] [0-7] [0-9a-fA-F]{2}
json-string ::= "\"" json-char* "\""
json-integer ::= "-"? ( "0" | [1-9] [0-9]{0,15} )
json-number ::= json-integer ( "." [0-9]{1,16} )? ( [eE] [-+]? [0-9]{1,2} )?
json-boolean ::= "true" | "false"
json-null ::= "null"
json-value ::= json-object | json-array | json-string | json-number | json-boolean | json-null
json-object ::= "{" ws ( json-kv ( "," ws json-kv )* )? "}"
json-kv ::= json-string ws ":" ws json-value ws
json-array ::= "[" ws ( json-value ws ( "," ws json-value ws )* )? "]"
json-date ::= [0-9]{4} "-" ( "0" [1-9] | "1" [0-2] ) "-" ( "0" [1-9] | [12] [0-9] | "3" [01] )
json-time ::= ( [01] [0-9] | "2" [0-3] ) ":" [0-5] [0-9] ":" [0-5] [0-9] ( "." [0-9]{1,6} )? ( "Z" | [+-] ( [01] [0-9] | "2" [0-3] ) ":" [0-5] [0-9] )
json-hex ::= [0-9a-fA-F]
json-uuid ::= json-hex{8} "-" json-hex{4} "-" json-hex{4} "-" json-hex{4} "-" json-hex{12}
)";

// Characters a JSON string must escape; classes and '.' of patterns never produce them.
constexpr std::string_view kJsonUnsafe = R"("\\\x7F\x00-\x1F)";

// A GBNF string literal matching exactly `bytes`.
std::string Literal(std::string_view bytes) {
  std::string out = "\"";
  for (char ch : bytes) {
    const auto c = static_cast<uint8_t>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c == 0x7F) {
      out += fmt::format("\\x{:02X}", c);
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

// The JSON text of a value as a literal (for const and enum).
std::string JsonLiteral(const Json& value) {
  return Literal(value.dump(-1, ' ', false, nlohmann::detail::error_handler_t::replace));
}

std::string Repeat(int min, int max) {  // max < 0: unbounded
  if (max < 0) return min == 0 ? "*" : min == 1 ? "+" : fmt::format("{{{},}}", min);
  return min == max ? fmt::format("{{{}}}", min) : fmt::format("{{{},{}}}", min, max);
}

// Translates a regular expression (the ECMAScript subset of json_schema.h) to a GBNF
// expression over the JSON-escaped text of the matching strings.
class RegexTranslator {
 public:
  RegexTranslator(std::string_view re, std::string where) : re_(re), where_(std::move(where)) {}

  Result<std::string> Run() {
    if (!re_.empty() && re_.front() == '^') re_.remove_prefix(1);
    if (!re_.empty() && re_.back() == '$' && (re_.size() < 2 || re_[re_.size() - 2] != '\\')) {
      re_.remove_suffix(1);
    }
    STRATA_ASSIGN_OR_RETURN(std::string out, Alternatives());
    if (pos_ < re_.size()) return Error("unmatched ')'");
    return out;
  }

 private:
  Status Error(std::string_view what) const {
    return InvalidArgumentError(fmt::format("json schema at {}: pattern '{}': {} (at offset {})",
                                            where_, std::string(re_), what, pos_));
  }
  bool AtEnd() const { return pos_ >= re_.size(); }

  Result<std::string> Alternatives() {
    std::vector<std::string> alts;
    while (true) {
      STRATA_ASSIGN_OR_RETURN(std::string seq, Sequence());
      alts.push_back(std::move(seq));
      if (AtEnd() || re_[pos_] != '|') break;
      ++pos_;
    }
    std::string out = "(";
    for (size_t i = 0; i < alts.size(); ++i) out += (i ? " | " : " ") + alts[i];
    return out + " )";
  }

  Result<std::string> Sequence() {
    std::string out;
    while (!AtEnd() && re_[pos_] != '|' && re_[pos_] != ')') {
      STRATA_ASSIGN_OR_RETURN(std::string atom, Atom());
      STRATA_ASSIGN_OR_RETURN(std::string quant, Quantifier());
      out += atom + quant + " ";
    }
    return out;
  }

  Result<std::string> Quantifier() {
    if (AtEnd()) return std::string();
    std::string q;
    const char c = re_[pos_];
    if (c == '*' || c == '+' || c == '?') {
      q = std::string(1, c);
      ++pos_;
    } else if (c == '{') {
      size_t p = pos_ + 1;
      int min = 0, max = 0;
      auto number = [&](int* v) {
        const size_t start = p;
        *v = 0;
        while (p < re_.size() && re_[p] >= '0' && re_[p] <= '9' && *v <= Grammar::kMaxRepetition) {
          *v = *v * 10 + (re_[p++] - '0');
        }
        return p > start;
      };
      if (!number(&min)) return std::string();  // a literal '{'
      max = min;
      if (p < re_.size() && re_[p] == ',') {
        ++p;
        if (!number(&max)) max = -1;
      }
      if (p >= re_.size() || re_[p] != '}') return std::string();
      pos_ = p + 1;
      q = Repeat(min, max);
    } else {
      return std::string();
    }
    if (!AtEnd() && re_[pos_] == '?') ++pos_;  // lazy: the same language
    return q;
  }

  // A code point as it appears inside a JSON string, as a literal.
  static std::string CharLiteral(uint32_t cp) {
    std::string s;
    internal::AppendUtf8(cp, &s);
    const std::string json = Json(s).dump();  // with the quotes; escapes what JSON must
    return Literal(std::string_view(json).substr(1, json.size() - 2));
  }

  Result<std::string> Escape(bool in_class) {
    ++pos_;  // '\'
    if (AtEnd()) return Error("ends with a backslash");
    const char e = re_[pos_++];
    switch (e) {
      case 'd':
        return std::string(in_class ? "0-9" : "[0-9]");
      case 'w':
        return std::string(in_class ? "a-zA-Z0-9_" : "[a-zA-Z0-9_]");
      case 's':
        return std::string(in_class ? " " : "\" \"");  // JSON keeps other spaces escaped
      case 'D':
      case 'W':
      case 'S':
        if (in_class) return Error("negated escapes inside a class are not supported");
        return fmt::format("[^{}{}]",
                           e == 'D'   ? "0-9"
                           : e == 'W' ? "a-zA-Z0-9_"
                                      : " ",
                           kJsonUnsafe);
      case 'n':
      case 't':
      case 'r':
      case 'f':
      case 'v':
        if (in_class) return Error("control characters inside a class are not supported");
        return CharLiteral(e == 'n'   ? '\n'
                           : e == 't' ? '\t'
                           : e == 'r' ? '\r'
                           : e == 'f' ? '\f'
                                      : '\v');
      default:
        if ((e >= '0' && e <= '9') || e == 'b' || e == 'B' || e == 'k' || e == 'p' || e == 'P' ||
            e == 'u' || e == 'x' || e == 'c') {
          return Error(fmt::format("the escape '\\{}' is not supported", e));
        }
        if (in_class) {
          if (e == '"' || e == '\\')
            return Error("quotes and backslashes inside a class are not supported");
          if (e == ']' || e == '[' || e == '-' || e == '^') return std::string("\\") + e;
          return std::string(1, e);
        }
        return CharLiteral(static_cast<uint8_t>(e));
    }
  }

  Result<std::string> Atom() {
    const char c = re_[pos_];
    if (c == '(') {
      ++pos_;
      if (re_.substr(pos_, 2) == "?:") {
        pos_ += 2;
      } else if (!AtEnd() && re_[pos_] == '?') {
        return Error("lookarounds and named groups are not supported");
      }
      STRATA_ASSIGN_OR_RETURN(std::string inner, Alternatives());
      if (AtEnd() || re_[pos_] != ')') return Error("expected ')'");
      ++pos_;
      return inner;
    }
    if (c == '[') return Class();
    if (c == '.') {
      ++pos_;
      return fmt::format("[^{}]", kJsonUnsafe);
    }
    if (c == '\\') return Escape(false);
    if (c == '*' || c == '+' || c == '?') return Error("a quantifier follows nothing");
    if (c == '^' || c == '$') return Error("anchors are only supported at the start and the end");
    uint32_t cp = 0;
    if (!internal::DecodeUtf8(re_, &pos_, &cp)) return Error("invalid UTF-8");
    return CharLiteral(cp);
  }

  Result<std::string> Class() {
    ++pos_;  // '['
    bool negated = false;
    if (!AtEnd() && re_[pos_] == '^') {
      negated = true;
      ++pos_;
    }
    std::string items;
    bool first = true;
    while (!AtEnd() && (re_[pos_] != ']' || first)) {
      first = false;
      const char c = re_[pos_];
      if (c == '\\') {
        STRATA_ASSIGN_OR_RETURN(std::string e, Escape(true));
        items += e;
      } else if (c == '"') {
        return Error("quotes inside a class are not supported");
      } else if (c == '[' || c == ']' || c == '^') {
        items += std::string("\\") + c;
        ++pos_;
      } else {
        const size_t start = pos_;
        uint32_t cp = 0;
        if (!internal::DecodeUtf8(re_, &pos_, &cp)) return Error("invalid UTF-8");
        if (cp < 0x20) return Error("control characters inside a class are not supported");
        items += re_.substr(start, pos_ - start);
      }
    }
    if (AtEnd()) return Error("unterminated class");
    ++pos_;  // ']'
    // A positive class never holds the characters JSON escapes (quotes and backslashes
    // are rejected above, control characters too).
    return negated ? fmt::format("[^{}{}]", items, kJsonUnsafe) : fmt::format("[{}]", items);
  }

  std::string_view re_;
  std::string where_;
  size_t pos_ = 0;
};

class SchemaConverter {
 public:
  explicit SchemaConverter(const Json& root) : root_(root), names_{"root", "ws"} {}

  Result<std::string> Run(bool any_object) {
    std::string value = "json-object";
    if (!any_object) {
      STRATA_ASSIGN_OR_RETURN(value, Visit(root_, "root", "#"));
    }
    std::string out = fmt::format("root ::= ws {}\n", value);
    for (const auto& [name, body] : rules_) out += name + " ::= " + body + "\n";
    out += kPrimitives;
    return out;
  }

 private:
  static Status Error(const std::string& where, std::string_view what) {
    return InvalidArgumentError(fmt::format("json schema at {}: {}", where, what));
  }

  std::string NewName(std::string_view hint) {
    std::string name;
    for (char c : hint) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      name += ok ? c : '-';
    }
    if (name.empty() || name.starts_with("json-")) name = "s-" + name;
    std::string unique = name;
    for (int i = 2; !names_.insert(unique).second; ++i) unique = fmt::format("{}-{}", name, i);
    return unique;
  }

  std::string AddRule(std::string_view hint, std::string body) {
    std::string name = NewName(hint);
    rules_.emplace_back(name, std::move(body));
    return name;
  }

  Result<std::string> Visit(const Json& schema, const std::string& hint, const std::string& where) {
    if (schema.is_boolean()) {
      if (schema.get<bool>()) return std::string("json-value");
      return Error(where, "the schema 'false' matches nothing");
    }
    if (!schema.is_object()) return Error(where, "a schema must be an object or a boolean");
    for (const char* keyword : {"not", "if", "then", "else", "prefixItems", "patternProperties",
                                "dependentRequired", "dependentSchemas", "contains", "uniqueItems",
                                "propertyNames", "unevaluatedProperties"}) {
      if (schema.contains(keyword))
        return Error(where, fmt::format("unsupported keyword '{}'", keyword));
    }
    if (schema.contains("$ref")) return Ref(schema["$ref"], where);
    if (schema.contains("const")) return AddRule(hint, JsonLiteral(schema["const"]));
    if (schema.contains("enum")) {
      const Json& values = schema["enum"];
      if (!values.is_array() || values.empty())
        return Error(where, "'enum' must be a non-empty array");
      std::string body;
      for (const Json& v : values) body += (body.empty() ? "" : " | ") + JsonLiteral(v);
      return AddRule(hint, body);
    }
    for (const char* key : {"anyOf", "oneOf"}) {
      if (!schema.contains(key)) continue;
      const Json& list = schema[key];
      if (!list.is_array() || list.empty())
        return Error(where, fmt::format("'{}' must be a non-empty array", key));
      std::string body;
      for (size_t i = 0; i < list.size(); ++i) {
        STRATA_ASSIGN_OR_RETURN(std::string alt, Visit(list[i], fmt::format("{}-{}", hint, i),
                                                       fmt::format("{}/{}/{}", where, key, i)));
        body += (i ? " | " : "") + alt;
      }
      return AddRule(hint, body);
    }
    if (schema.contains("allOf")) {
      const Json& list = schema["allOf"];
      if (!list.is_array() || list.size() != 1)
        return Error(where, "'allOf' is supported with one member only");
      return Visit(list[0], hint, where + "/allOf/0");
    }
    if (!schema.contains("type")) {
      if (schema.contains("properties") || schema.contains("additionalProperties") ||
          schema.contains("required")) {
        return Type(schema, "object", hint, where);
      }
      if (schema.contains("items") || schema.contains("minItems") || schema.contains("maxItems")) {
        return Type(schema, "array", hint, where);
      }
      if (schema.contains("minLength") || schema.contains("maxLength") ||
          schema.contains("pattern") || schema.contains("format")) {
        return Type(schema, "string", hint, where);
      }
      return std::string("json-value");
    }
    const Json& type = schema["type"];
    if (type.is_string()) return Type(schema, type.get<std::string>(), hint, where);
    if (!type.is_array() || type.empty())
      return Error(where, "'type' must be a string or a non-empty array");
    std::string body;
    for (const Json& t : type) {
      if (!t.is_string()) return Error(where, "'type' lists must hold strings");
      STRATA_ASSIGN_OR_RETURN(std::string alt, Type(schema, t.get<std::string>(),
                                                    hint + "-" + t.get<std::string>(), where));
      body += (body.empty() ? "" : " | ") + alt;
    }
    return AddRule(hint, body);
  }

  Result<std::string> Ref(const Json& ref, const std::string& where) {
    if (!ref.is_string() || !ref.get<std::string>().starts_with("#")) {
      return Error(where, "only local references ('#/$defs/name') are supported in '$ref'");
    }
    const std::string target = ref.get<std::string>();
    if (auto it = refs_.find(target); it != refs_.end()) return it->second;
    const Json* node = nullptr;
    try {
      const Json::json_pointer pointer(target.substr(1));
      if (root_.contains(pointer)) node = &root_.at(pointer);
    } catch (const nlohmann::json::exception&) {
      return Error(where, fmt::format("'$ref' is not a valid JSON pointer: '{}'", target));
    }
    if (node == nullptr)
      return Error(where, fmt::format("'$ref' target '{}' does not exist", target));
    const size_t slash = target.rfind('/');
    const std::string name =
        NewName(slash == std::string::npos ? "ref" : "ref-" + target.substr(slash + 1));
    refs_.emplace(target, name);
    const size_t index = rules_.size();
    rules_.emplace_back(name, "");  // reserved: recursive references see the name
    STRATA_ASSIGN_OR_RETURN(std::string body, Visit(*node, name + "-body", target));
    rules_[index].second = body;
    return name;
  }

  static Result<int> Count(const Json& schema, const char* key, int fallback,
                           const std::string& where) {
    if (!schema.contains(key)) return fallback;
    const Json& v = schema[key];
    if (!v.is_number_integer() || v.get<int64_t>() < 0) {
      return Error(where, fmt::format("'{}' must be a non-negative integer", key));
    }
    const int64_t n = v.get<int64_t>();
    if (n > Grammar::kMaxRepetition) {
      if (fallback < 0) return -1;  // a huge maximum: unbounded
      return Error(where,
                   fmt::format("'{}' above {} is not supported", key, Grammar::kMaxRepetition));
    }
    return static_cast<int>(n);
  }

  Result<std::string> Type(const Json& schema, const std::string& type, const std::string& hint,
                           const std::string& where) {
    if (type == "string") return String(schema, hint, where);
    if (type == "integer") return std::string("json-integer");
    if (type == "number") return std::string("json-number");
    if (type == "boolean") return std::string("json-boolean");
    if (type == "null") return std::string("json-null");
    if (type == "object") return Object(schema, hint, where);
    if (type == "array") return Array(schema, hint, where);
    return Error(where, fmt::format("unsupported type '{}'", type));
  }

  Result<std::string> String(const Json& schema, const std::string& hint,
                             const std::string& where) {
    if (schema.contains("pattern")) {
      if (!schema["pattern"].is_string()) return Error(where, "'pattern' must be a string");
      STRATA_ASSIGN_OR_RETURN(std::string re,
                              RegexTranslator(schema["pattern"].get<std::string>(), where).Run());
      return AddRule(hint, "\"\\\"\" " + re + " \"\\\"\"");
    }
    if (schema.contains("format") && schema["format"].is_string()) {
      const std::string format = schema["format"].get<std::string>();
      const char* body = format == "date"        ? "json-date"
                         : format == "time"      ? "json-time"
                         : format == "date-time" ? "json-date \"T\" json-time"
                         : format == "uuid"      ? "json-uuid"
                                                 : nullptr;
      if (body != nullptr) return AddRule(hint, fmt::format("\"\\\"\" {} \"\\\"\"", body));
    }
    STRATA_ASSIGN_OR_RETURN(int min, Count(schema, "minLength", 0, where));
    STRATA_ASSIGN_OR_RETURN(int max, Count(schema, "maxLength", -1, where));
    if (min == 0 && max < 0) return std::string("json-string");
    if (max >= 0 && max < min) return Error(where, "'maxLength' is below 'minLength'");
    return AddRule(hint, fmt::format("\"\\\"\" json-char{} \"\\\"\"", Repeat(min, max)));
  }

  Result<std::string> Array(const Json& schema, const std::string& hint, const std::string& where) {
    std::string item = "json-value";
    if (schema.contains("items")) {
      STRATA_ASSIGN_OR_RETURN(item, Visit(schema["items"], hint + "-item", where + "/items"));
    }
    STRATA_ASSIGN_OR_RETURN(int min, Count(schema, "minItems", 0, where));
    STRATA_ASSIGN_OR_RETURN(int max, Count(schema, "maxItems", -1, where));
    if (max >= 0 && max < min) return Error(where, "'maxItems' is below 'minItems'");
    const std::string one = item + " ws";
    const std::string more = fmt::format("( \",\" ws {} )", one);
    if (max == 0) return AddRule(hint, "\"[\" ws \"]\"");
    if (min == 0) {
      return AddRule(hint, fmt::format("\"[\" ws ( {} {}{} )? \"]\"", one, more,
                                       Repeat(0, max < 0 ? -1 : max - 1)));
    }
    return AddRule(hint, fmt::format("\"[\" ws {} {}{} \"]\"", one, more,
                                     Repeat(min - 1, max < 0 ? -1 : max - 1)));
  }

  Result<std::string> Object(const Json& schema, const std::string& hint,
                             const std::string& where) {
    std::vector<std::pair<std::string, const Json*>> props;
    static const Json kAny = true;
    if (schema.contains("properties")) {
      const Json& p = schema["properties"];
      if (!p.is_object()) return Error(where, "'properties' must be an object");
      for (const auto& [key, sub] : p.items()) props.emplace_back(key, &sub);
    }
    std::set<std::string> required;
    if (schema.contains("required")) {
      const Json& r = schema["required"];
      if (!r.is_array()) return Error(where, "'required' must be an array of strings");
      for (const Json& k : r) {
        if (!k.is_string()) return Error(where, "'required' must be an array of strings");
        required.insert(k.get<std::string>());
        bool declared = false;
        for (const auto& [key, sub] : props) declared = declared || key == k.get<std::string>();
        if (!declared) props.emplace_back(k.get<std::string>(), &kAny);
      }
    }
    // Extra keys: an explicit schema or true; absent means none when properties exist.
    std::string extra;
    const Json* additional =
        schema.contains("additionalProperties") ? &schema["additionalProperties"] : nullptr;
    if (props.empty() &&
        (additional == nullptr || (additional->is_boolean() && additional->get<bool>()))) {
      return std::string("json-object");
    }
    if (additional == nullptr ? props.empty()
                              : !(additional->is_boolean() && !additional->get<bool>())) {
      std::string value = "json-value";
      if (additional != nullptr && !additional->is_boolean()) {
        STRATA_ASSIGN_OR_RETURN(
            value, Visit(*additional, hint + "-additional", where + "/additionalProperties"));
      }
      extra = AddRule(hint + "-extra-kv", fmt::format("json-string ws \":\" ws {} ws", value));
    }
    if (props.empty() && extra.empty()) return AddRule(hint, "\"{\" ws \"}\"");

    std::vector<std::string> kv;
    for (const auto& [key, sub] : props) {
      STRATA_ASSIGN_OR_RETURN(std::string value,
                              Visit(*sub, hint + "-" + key, where + "/properties/" + key));
      kv.push_back(AddRule(hint + "-" + key + "-kv",
                           fmt::format("{} ws \":\" ws {} ws", JsonLiteral(Json(key)), value)));
    }
    // after[i]: properties i.. once something was written (each preceded by ",");
    // first[i]: properties i.. when nothing was written yet.
    const size_t n = props.size();
    std::string after =
        AddRule(hint + "-rest", extra.empty() ? "" : fmt::format("( \",\" ws {} )*", extra));
    std::string first =
        AddRule(hint + "-first",
                extra.empty() ? "" : fmt::format("( {} ( \",\" ws {} )* )?", extra, extra));
    for (size_t i = n; i-- > 0;) {
      const bool req = required.count(props[i].first) > 0;
      const std::string next_after = after;
      after = AddRule(hint + "-rest", req ? fmt::format("\",\" ws {} {}", kv[i], next_after)
                                          : fmt::format("( \",\" ws {} )? {}", kv[i], next_after));
      first = AddRule(hint + "-first", req ? fmt::format("{} {}", kv[i], next_after)
                                           : fmt::format("{} {} | {}", kv[i], next_after, first));
    }
    return AddRule(hint, fmt::format("\"{{\" ws {} \"}}\"", first));
  }

  const Json& root_;
  std::vector<std::pair<std::string, std::string>> rules_;
  std::set<std::string> names_;
  std::unordered_map<std::string, std::string> refs_;
};

}  // namespace

Result<std::string> JsonSchemaToGbnf(const Json& schema) {
  return SchemaConverter(schema).Run(false);
}

Result<std::shared_ptr<const Grammar>> JsonSchemaGrammar(const Json& schema) {
  STRATA_ASSIGN_OR_RETURN(std::string gbnf, JsonSchemaToGbnf(schema));
  Result<std::shared_ptr<const Grammar>> g = Grammar::Parse(gbnf);
  if (!g.ok()) return g.status().WithContext("json schema");
  return g;
}

std::string AnyJsonGbnf(bool object_only) {
  const Json any = true;
  Result<std::string> gbnf = SchemaConverter(any).Run(object_only);
  return gbnf.ok() ? std::move(gbnf).value() : std::string();  // cannot fail for `true`
}

Result<std::shared_ptr<const Grammar>> AnyJsonGrammar(bool object_only) {
  return Grammar::Parse(AnyJsonGbnf(object_only));
}

}  // namespace strata::genai
