// The Jinja interpreter: walks the syntax tree of jinja_ast.h over a context of
// variables. Scoping follows Jinja2: every loop iteration and macro call has its own
// frame, so `set` inside them does not leak out; `if` opens no frame; namespace()
// objects are shared by reference, which is how templates carry state out of loops.

#include <cmath>
#include <unordered_map>

#include "genai/jinja.h"
#include "genai/jinja_internal.h"

namespace strata::genai {
namespace jinja {
namespace {

enum class Flow { kNormal, kBreak, kContinue };

class Interpreter : public RenderState {
 public:
  explicit Interpreter(const JinjaRenderOptions& options) {
    limits = options.limits;
    clock = options.clock != nullptr ? options.clock : &core::SystemClock();
  }

  Result<std::string> Run(const Body& body, const Json& context) {
    if (!context.is_object()) return InvalidArgumentError("template context must be a JSON object");
    ValueDict globals;
    AddGlobals(&globals);
    frames_.emplace_back();
    for (auto& [name, value] : globals) frames_.back()[name] = std::move(value);
    for (auto it = context.begin(); it != context.end(); ++it) {
      frames_.back()[it.key()] = Value::FromJson(it.value());
    }
    std::string out;
    STRATA_ASSIGN_OR_RETURN(Flow flow, Exec(body, &out));
    (void)flow;  // break/continue outside loops are rejected by the parser
    return out;
  }

 private:
  using Frame = std::unordered_map<std::string, Value>;

  Value Lookup(const std::string& name) const {
    for (auto it = frames_.rbegin(); it != frames_.rend(); ++it) {
      auto found = it->find(name);
      if (found != it->end()) return found->second;
    }
    return Value();
  }

  template <typename Node>
  Status Located(const Node& node, Status status) {
    if (raised || located) return status;
    located = true;
    return InvalidArgumentError("line " + std::to_string(node.line) + ", column " +
                                std::to_string(node.column) + ": " + status.message());
  }
  // Adds `context` ("filter 'x'") and the node's position, unless the error already
  // has a position or is a raise_exception() message.
  template <typename Node>
  Status Wrap(const Node& node, const Status& status, const std::string& context) {
    if (raised || located) return status;
    return Located(node, status.WithContext(context));
  }
  template <typename Node>
  Status Fail(const Node& node, const std::string& message) {
    return Located(node, InvalidArgumentError(message));
  }

  Status Append(std::string* out, std::string_view text) {
    STRATA_RETURN_IF_ERROR(CheckSize(out->size() + text.size()));
    out->append(text);
    return Status::Ok();
  }

  Result<Flow> Exec(const Body& body, std::string* out) {
    for (const auto& stmt : body) {
      STRATA_ASSIGN_OR_RETURN(Flow flow, ExecStmt(*stmt, out));
      if (flow != Flow::kNormal) return flow;
    }
    return Flow::kNormal;
  }

  Result<Flow> ExecStmt(const Stmt& s, std::string* out) {
    switch (s.kind) {
      case Stmt::Kind::kText: {
        Status st = Append(out, s.text);
        if (!st.ok()) return Located(s, st);
        return Flow::kNormal;
      }
      case Stmt::Kind::kOutput: {
        STRATA_ASSIGN_OR_RETURN(Value v, Eval(*s.expr));
        Status st = Append(out, v.ToString());
        if (!st.ok()) return Located(s, st);
        return Flow::kNormal;
      }
      case Stmt::Kind::kIf:
        for (const auto& [condition, body] : s.branches) {
          STRATA_ASSIGN_OR_RETURN(Value v, Eval(*condition));
          if (v.Truthy()) return Exec(body, out);
        }
        return Exec(s.else_body, out);
      case Stmt::Kind::kFor:
        return ExecFor(s, out);
      case Stmt::Kind::kSet: {
        STRATA_ASSIGN_OR_RETURN(Value v, Eval(*s.expr));
        if (!s.attribute.empty()) {
          Value target = Lookup(s.targets[0]);
          if (target.kind() != Value::Kind::kNamespace) {
            return Fail(s, "cannot set attribute '" + s.attribute + "' of '" + s.targets[0] +
                               "' (" + std::string(target.TypeName()) +
                               "): only namespace() objects have assignable attributes");
          }
          target.ns().Set(s.attribute, std::move(v));
          return Flow::kNormal;
        }
        Status st = Bind(s.targets, v);
        if (!st.ok()) return Located(s, st);
        return Flow::kNormal;
      }
      case Stmt::Kind::kSetBlock: {
        std::string captured;
        STRATA_ASSIGN_OR_RETURN(Flow flow, Exec(s.body, &captured));
        frames_.back()[s.targets[0]] = Value::String(std::move(captured));
        return flow;
      }
      case Stmt::Kind::kMacro:
        frames_.back()[s.targets[0]] = MakeMacro(s);
        return Flow::kNormal;
      case Stmt::Kind::kBreak:
        return Flow::kBreak;
      case Stmt::Kind::kContinue:
        return Flow::kContinue;
      case Stmt::Kind::kBlock:
        return Exec(s.body, out);
    }
    return Flow::kNormal;
  }

  // Assigns `value` to one name, or unpacks a list over several.
  Status Bind(const std::vector<std::string>& targets, const Value& value) {
    if (targets.size() == 1) {
      frames_.back()[targets[0]] = value;
      return Status::Ok();
    }
    if (!value.is_list() || value.list().size() != targets.size()) {
      return InvalidArgumentError("cannot unpack " + std::string(value.TypeName()) + " into " +
                                  std::to_string(targets.size()) + " variables");
    }
    for (size_t i = 0; i < targets.size(); ++i) frames_.back()[targets[i]] = value.list()[i];
    return Status::Ok();
  }

  Result<ValueList> Iterate(const Value& v) {
    if (auto items = IterationItems(v)) return *std::move(items);
    return InvalidArgumentError("cannot iterate over " + std::string(v.TypeName()));
  }

  Result<Flow> ExecFor(const Stmt& s, std::string* out) {
    STRATA_ASSIGN_OR_RETURN(Value iterable, Eval(*s.expr));
    auto items_or = Iterate(iterable);
    if (!items_or.ok()) return Located(*s.expr, items_or.status());
    ValueList items = std::move(items_or).value();
    if (s.filter) {  // {% for x in xs if cond %}: filtered before loop.* is computed
      ValueList kept;
      for (const Value& item : items) {
        Status st = CountIterations(1);
        if (!st.ok()) return Located(s, st);
        frames_.emplace_back();
        Status bound = Bind(s.targets, item);
        auto keep = bound.ok() ? Eval(*s.filter) : Result<Value>(Located(s, bound));
        frames_.pop_back();
        if (!keep.ok()) return keep.status();
        if (keep->Truthy()) kept.push_back(item);
      }
      items = std::move(kept);
    }
    if (items.empty()) return Exec(s.else_body, out);
    const int64_t length = static_cast<int64_t>(items.size());
    for (int64_t i = 0; i < length; ++i) {
      Status st = CountIterations(1);
      if (!st.ok()) return Located(s, st);
      frames_.emplace_back();
      st = Bind(s.targets, items[i]);
      if (!st.ok()) {
        frames_.pop_back();
        return Located(s, st);
      }
      ValueDict loop = {
          {"index", Value::Int(i + 1)},
          {"index0", Value::Int(i)},
          {"revindex", Value::Int(length - i)},
          {"revindex0", Value::Int(length - i - 1)},
          {"first", Value::Bool(i == 0)},
          {"last", Value::Bool(i == length - 1)},
          {"length", Value::Int(length)},
          {"depth", Value::Int(1)},
          {"depth0", Value::Int(0)},
      };
      if (i > 0) loop.emplace_back("previtem", items[i - 1]);
      if (i + 1 < length) loop.emplace_back("nextitem", items[i + 1]);
      auto cycle = std::make_shared<Callable>();
      cycle->name = "loop.cycle";
      cycle->fn = [i](RenderState&, const ValueList& args, const KwArgs&) -> Result<Value> {
        if (args.empty()) return InvalidArgumentError("loop.cycle() needs at least one value");
        return args[static_cast<size_t>(i) % args.size()];
      };
      loop.emplace_back("cycle", Value::Function(std::move(cycle)));
      frames_.back()["loop"] = Value::Dict(std::move(loop));
      auto flow = Exec(s.body, out);
      frames_.pop_back();
      if (!flow.ok()) return flow.status();
      if (*flow == Flow::kBreak) break;
    }
    return Flow::kNormal;
  }

  Value MakeMacro(const Stmt& s) {
    auto macro = std::make_shared<Callable>();
    macro->name = s.targets[0];
    const Stmt* def = &s;
    macro->fn = [def](RenderState& state, const ValueList& args,
                      const KwArgs& kwargs) -> Result<Value> {
      auto& self = static_cast<Interpreter&>(state);
      return self.CallMacro(*def, args, kwargs);
    };
    return Value::Function(std::move(macro));
  }

  Result<Value> CallMacro(const Stmt& def, const ValueList& args, const KwArgs& kwargs) {
    if (depth >= limits.max_depth) {
      return InvalidArgumentError("macro calls nested too deeply (limit " +
                                  std::to_string(limits.max_depth) + ")");
    }
    if (args.size() > def.params.size()) {
      return InvalidArgumentError("macro '" + def.targets[0] + "' takes " +
                                  std::to_string(def.params.size()) + " arguments, got " +
                                  std::to_string(args.size()));
    }
    Frame frame;
    for (size_t i = 0; i < def.params.size(); ++i) {
      const auto& [param, fallback] = def.params[i];
      if (i < args.size()) {
        frame[param] = args[i];
        continue;
      }
      bool found = false;
      for (const auto& [key, value] : kwargs) {
        if (key == param) {
          frame[param] = value;
          found = true;
        }
      }
      if (!found && fallback) {
        STRATA_ASSIGN_OR_RETURN(frame[param], Eval(*fallback));
      }
    }
    for (const auto& [key, value] : kwargs) {
      if (frame.count(key) == 0) {
        bool known = false;
        for (const auto& p : def.params) known = known || p.first == key;
        if (!known)
          return InvalidArgumentError("macro '" + def.targets[0] + "' has no parameter '" + key +
                                      "'");
      }
    }
    ++depth;
    frames_.push_back(std::move(frame));
    std::string out;
    auto flow = Exec(def.body, &out);
    frames_.pop_back();
    --depth;
    if (!flow.ok()) return flow.status();
    return Value::String(std::move(out));
  }

  Result<Value> Eval(const Expr& e) {
    switch (e.kind) {
      case Expr::Kind::kLiteral:
        return e.value;
      case Expr::Kind::kName:
        return Lookup(e.name);
      case Expr::Kind::kList: {
        ValueList items;
        for (const auto& arg : e.args) {
          STRATA_ASSIGN_OR_RETURN(Value v, Eval(*arg));
          items.push_back(std::move(v));
        }
        return Value::List(std::move(items));
      }
      case Expr::Kind::kDict: {
        ValueDict items;
        for (size_t i = 0; i + 1 < e.args.size(); i += 2) {
          STRATA_ASSIGN_OR_RETURN(Value key, Eval(*e.args[i]));
          STRATA_ASSIGN_OR_RETURN(Value value, Eval(*e.args[i + 1]));
          if (!key.is_string())
            return Fail(*e.args[i],
                        "dict keys must be strings, got " + std::string(key.TypeName()));
          bool replaced = false;
          for (auto& [k, v] : items) {
            if (k == key.str()) {
              v = value;
              replaced = true;
            }
          }
          if (!replaced) items.emplace_back(key.str(), std::move(value));
        }
        return Value::Dict(std::move(items));
      }
      case Expr::Kind::kAttr: {
        STRATA_ASSIGN_OR_RETURN(Value object, Eval(*e.args[0]));
        return GetAttribute(object, e.name);
      }
      case Expr::Kind::kItem: {
        STRATA_ASSIGN_OR_RETURN(Value object, Eval(*e.args[0]));
        STRATA_ASSIGN_OR_RETURN(Value key, Eval(*e.args[1]));
        return GetItem(object, key);
      }
      case Expr::Kind::kSlice: {
        STRATA_ASSIGN_OR_RETURN(Value object, Eval(*e.args[0]));
        Value parts[3];
        for (int i = 0; i < 3; ++i) {
          if (e.args[i + 1]) {
            STRATA_ASSIGN_OR_RETURN(parts[i], Eval(*e.args[i + 1]));
          }
        }
        auto r = Slice(object, parts[0], parts[1], parts[2]);
        if (!r.ok()) return Located(e, r.status());
        return r;
      }
      case Expr::Kind::kCall:
        return EvalCall(e);
      case Expr::Kind::kFilter: {
        STRATA_ASSIGN_OR_RETURN(Value input, Eval(*e.args[0]));
        STRATA_ASSIGN_OR_RETURN(auto args, EvalArgs(e));
        auto r = ApplyFilter(*this, e.name, input, args.first, args.second);
        if (!r.ok()) return Wrap(e, r.status(), "filter '" + e.name + "'");
        return r;
      }
      case Expr::Kind::kTest: {
        STRATA_ASSIGN_OR_RETURN(Value input, Eval(*e.args[0]));
        STRATA_ASSIGN_OR_RETURN(auto args, EvalArgs(e));
        auto r = ApplyTest(*this, e.name, input, args.first);
        if (!r.ok()) return Wrap(e, r.status(), "test '" + e.name + "'");
        return Value::Bool(*r != e.negated);
      }
      case Expr::Kind::kNeg: {
        STRATA_ASSIGN_OR_RETURN(Value v, Eval(*e.args[0]));
        if (v.kind() == Value::Kind::kInt) return Value::Int(-v.int_value());
        if (v.kind() == Value::Kind::kFloat) return Value::Float(-v.float_value());
        if (v.kind() == Value::Kind::kBool) return Value::Int(v.bool_value() ? -1 : 0);
        return Fail(e, "bad operand type for unary -: " + std::string(v.TypeName()));
      }
      case Expr::Kind::kNot: {
        STRATA_ASSIGN_OR_RETURN(Value v, Eval(*e.args[0]));
        return Value::Bool(!v.Truthy());
      }
      case Expr::Kind::kAnd: {
        STRATA_ASSIGN_OR_RETURN(Value left, Eval(*e.args[0]));
        if (!left.Truthy()) return left;
        return Eval(*e.args[1]);
      }
      case Expr::Kind::kOr: {
        STRATA_ASSIGN_OR_RETURN(Value left, Eval(*e.args[0]));
        if (left.Truthy()) return left;
        return Eval(*e.args[1]);
      }
      case Expr::Kind::kCondition: {
        STRATA_ASSIGN_OR_RETURN(Value test, Eval(*e.args[1]));
        if (test.Truthy()) return Eval(*e.args[0]);
        if (!e.args[2]) return Value();
        return Eval(*e.args[2]);
      }
      case Expr::Kind::kBinary: {
        STRATA_ASSIGN_OR_RETURN(Value left, Eval(*e.args[0]));
        STRATA_ASSIGN_OR_RETURN(Value right, Eval(*e.args[1]));
        auto r = BinaryOp(e.name, left, right);
        if (!r.ok()) return Located(e, r.status());
        return r;
      }
    }
    return Value();
  }

  Result<std::pair<ValueList, KwArgs>> EvalArgs(const Expr& e) {
    std::pair<ValueList, KwArgs> out;
    for (size_t i = 1; i < e.args.size(); ++i) {
      STRATA_ASSIGN_OR_RETURN(Value v, Eval(*e.args[i]));
      out.first.push_back(std::move(v));
    }
    for (const auto& [key, expr] : e.kwargs) {
      STRATA_ASSIGN_OR_RETURN(Value v, Eval(*expr));
      out.second.emplace_back(key, std::move(v));
    }
    return out;
  }

  Result<Value> EvalCall(const Expr& e) {
    const Expr& callee_expr = *e.args[0];
    STRATA_ASSIGN_OR_RETURN(Value callee, Eval(callee_expr));
    if (callee.kind() != Value::Kind::kCallable) {
      std::string what = callee_expr.kind == Expr::Kind::kName   ? "'" + callee_expr.name + "'"
                         : callee_expr.kind == Expr::Kind::kAttr ? "'" + callee_expr.name + "'"
                                                                 : "value";
      if (callee.is_undefined()) return Fail(e, what + " is undefined, cannot call it");
      return Fail(e, what + " (" + std::string(callee.TypeName()) + ") is not callable");
    }
    STRATA_ASSIGN_OR_RETURN(auto args, EvalArgs(e));
    auto r = callee.callable().fn(*this, args.first, args.second);
    if (!r.ok()) return Wrap(e, r.status(), callee.callable().name + "()");
    return r;
  }

  Result<Value> BinaryOp(const std::string& op, const Value& a, const Value& b) {
    if (op == "==") return Value::Bool(Equal(a, b));
    if (op == "!=") return Value::Bool(!Equal(a, b));
    if (op == "<" || op == ">" || op == "<=" || op == ">=") {
      const bool swap = op == ">" || op == "<=";
      auto less = swap ? Less(b, a) : Less(a, b);
      if (!less) return TypeError(op, a, b);
      return Value::Bool(op == "<" || op == ">" ? *less : !*less);
    }
    if (op == "in" || op == "not in") {
      STRATA_ASSIGN_OR_RETURN(bool found, Contains(b, a));
      return Value::Bool(found == (op == "in"));
    }
    if (op == "~") {
      std::string left = a.ToString();
      const std::string right = b.ToString();
      STRATA_RETURN_IF_ERROR(CheckSize(left.size() + right.size()));
      return Value::String(left + right);
    }
    if (op == "+" && a.is_string() && b.is_string()) {
      STRATA_RETURN_IF_ERROR(CheckSize(a.str().size() + b.str().size()));
      return Value::String(a.str() + b.str());
    }
    if (op == "+" && a.is_list() && b.is_list()) {
      ValueList items = a.list();
      items.insert(items.end(), b.list().begin(), b.list().end());
      STRATA_RETURN_IF_ERROR(CheckListSize(items.size()));
      return Value::List(std::move(items));
    }
    if (op == "*" && (a.is_string() || a.is_list() || b.is_string() || b.is_list())) {
      const Value& seq = a.is_string() || a.is_list() ? a : b;
      const Value& count = a.is_string() || a.is_list() ? b : a;
      if (count.kind() != Value::Kind::kInt && count.kind() != Value::Kind::kBool)
        return TypeError(op, a, b);
      const int64_t n = std::max<int64_t>(
          0, count.kind() == Value::Kind::kInt ? count.int_value() : count.bool_value());
      const size_t unit = seq.is_string() ? seq.str().size() : seq.list().size();
      if (unit == 0 || n == 0) return seq.is_string() ? Value::String("") : Value::List({});
      if (seq.is_string() && static_cast<uint64_t>(n) > limits.max_output_bytes / unit) {
        return CheckSize(limits.max_output_bytes + 1);
      }
      if (seq.is_list() &&
          static_cast<uint64_t>(n) > static_cast<uint64_t>(limits.max_loop_iterations) / unit) {
        return CheckListSize(static_cast<size_t>(limits.max_loop_iterations) + 1);
      }
      if (seq.is_string()) {
        std::string out;
        out.reserve(unit * n);
        for (int64_t i = 0; i < n; ++i) out += seq.str();
        return Value::String(std::move(out));
      }
      ValueList out;
      for (int64_t i = 0; i < n; ++i) out.insert(out.end(), seq.list().begin(), seq.list().end());
      return Value::List(std::move(out));
    }
    return Arithmetic(op, a, b);
  }

  Result<Value> Arithmetic(const std::string& op, const Value& a, const Value& b) {
    auto numeric = [](const Value& v) { return v.is_number() || v.kind() == Value::Kind::kBool; };
    if (!numeric(a) || !numeric(b)) return TypeError(op, a, b);
    auto as_int = [](const Value& v) {
      return v.kind() == Value::Kind::kBool ? int64_t{v.bool_value()} : v.int_value();
    };
    auto as_double = [&](const Value& v) {
      return v.kind() == Value::Kind::kFloat ? v.float_value() : static_cast<double>(as_int(v));
    };
    const bool ints = a.kind() != Value::Kind::kFloat && b.kind() != Value::Kind::kFloat;
    if (ints && op != "/") {
      const int64_t x = as_int(a), y = as_int(b);
      int64_t r = 0;
      if (op == "+" && !__builtin_add_overflow(x, y, &r)) return Value::Int(r);
      if (op == "-" && !__builtin_sub_overflow(x, y, &r)) return Value::Int(r);
      if (op == "*" && !__builtin_mul_overflow(x, y, &r)) return Value::Int(r);
      if (op == "//" || op == "%") {
        if (y == 0) return InvalidArgumentError("integer division or modulo by zero");
        if (x == INT64_MIN && y == -1) return InvalidArgumentError("integer overflow");
        int64_t q = x / y, m = x % y;
        if (m != 0 && ((m < 0) != (y < 0))) {  // Python floors toward negative infinity
          --q;
          m += y;
        }
        return Value::Int(op == "//" ? q : m);
      }
      if (op == "**" && y >= 0) {
        int64_t result = 1;
        for (int64_t i = 0; i < y; ++i) {
          if (__builtin_mul_overflow(result, x, &result))
            return InvalidArgumentError("integer overflow in **");
          if (result == 0 || result == 1) break;
        }
        return Value::Int(result);
      }
      if (op != "**") return InvalidArgumentError("integer overflow in " + op);
    }
    const double x = as_double(a), y = as_double(b);
    if (op == "+") return Value::Float(x + y);
    if (op == "-") return Value::Float(x - y);
    if (op == "*") return Value::Float(x * y);
    if (op == "**") return Value::Float(std::pow(x, y));
    if (y == 0) return InvalidArgumentError("division by zero");
    if (op == "/") return Value::Float(x / y);
    if (op == "//") return Value::Float(std::floor(x / y));
    if (op == "%") {
      double m = std::fmod(x, y);
      if (m != 0 && ((m < 0) != (y < 0))) m += y;
      return Value::Float(m);
    }
    return TypeError(op, a, b);
  }

  static Status TypeError(const std::string& op, const Value& a, const Value& b) {
    return InvalidArgumentError("unsupported operand types for " + op + ": " +
                                std::string(a.TypeName()) + " and " + std::string(b.TypeName()));
  }

  static Result<bool> Contains(const Value& container, const Value& item) {
    switch (container.kind()) {
      case Value::Kind::kString:
        if (!item.is_string()) {
          return InvalidArgumentError("'in <string>' requires a string, got " +
                                      std::string(item.TypeName()));
        }
        return container.str().find(item.str()) != std::string::npos;
      case Value::Kind::kList:
        for (const Value& v : container.list()) {
          if (Equal(v, item)) return true;
        }
        return false;
      case Value::Kind::kDict:
        return item.is_string() && !container.Get(item.str()).is_undefined();
      case Value::Kind::kUndefined:
        return false;
      default:
        return InvalidArgumentError("'in' needs a string, list or dict on the right, got " +
                                    std::string(container.TypeName()));
    }
  }

  std::vector<Frame> frames_;
};

}  // namespace

Status RenderState::CheckSize(size_t bytes) const {
  if (bytes > limits.max_output_bytes) {
    return InvalidArgumentError("output exceeds the limit of " +
                                std::to_string(limits.max_output_bytes) + " bytes");
  }
  return Status::Ok();
}

Status RenderState::CheckListSize(size_t items) const {
  if (items > static_cast<uint64_t>(limits.max_loop_iterations)) {
    return InvalidArgumentError("list of " + std::to_string(items) +
                                " items exceeds the limit of " +
                                std::to_string(limits.max_loop_iterations));
  }
  return Status::Ok();
}

Status RenderState::CountIterations(int64_t n) {
  iterations += n;
  if (iterations > limits.max_loop_iterations) {
    return InvalidArgumentError("more than " + std::to_string(limits.max_loop_iterations) +
                                " loop iterations");
  }
  return Status::Ok();
}

}  // namespace jinja

struct JinjaTemplate::Impl {
  jinja::Body body;
};

JinjaTemplate::JinjaTemplate(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
JinjaTemplate::JinjaTemplate(JinjaTemplate&&) noexcept = default;
JinjaTemplate& JinjaTemplate::operator=(JinjaTemplate&&) noexcept = default;
JinjaTemplate::~JinjaTemplate() = default;

Result<JinjaTemplate> JinjaTemplate::Parse(std::string_view source, const JinjaSyntax& syntax,
                                           const JinjaLimits& limits) {
  STRATA_ASSIGN_OR_RETURN(jinja::Body body, jinja::ParseTemplate(source, syntax, limits));
  auto impl = std::make_shared<Impl>();
  impl->body = std::move(body);
  return JinjaTemplate(std::move(impl));
}

Result<std::string> JinjaTemplate::Render(const Json& context,
                                          const JinjaRenderOptions& options) const {
  jinja::Interpreter interpreter(options);
  return interpreter.Run(impl_->body, context);
}

}  // namespace strata::genai
