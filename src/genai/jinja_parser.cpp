// The Jinja parser: tokens (jinja_lexer.h) to the syntax tree (jinja_ast.h), with
// Jinja2's operator precedence (jinja2/parser.py): conditional < or < and < not <
// comparisons and `in` < + - < ~ < * / // % < ** < unary minus < postfix, filters, tests.

#include <set>

#include "genai/jinja_internal.h"
#include "genai/jinja_lexer.h"

namespace strata::genai::jinja {
namespace {

class Parser {
 public:
  Parser(std::vector<Token> tokens, const JinjaLimits& limits)
      : tokens_(std::move(tokens)), limits_(limits) {}

  Result<Body> ParseAll() {
    std::string end_tag;
    STRATA_ASSIGN_OR_RETURN(Body body, ParseBody({}, &end_tag));
    return body;
  }

 private:
  // Raises the nesting depth for the lifetime of the guard.
  struct DepthGuard {
    explicit DepthGuard(int* d) : depth(d) { ++*depth; }
    ~DepthGuard() { --*depth; }
    int* depth;
  };
  Status CheckDepth() const {
    if (depth_ > limits_.max_depth) {
      return Error(Peek(),
                   "template nested too deeply (limit " + std::to_string(limits_.max_depth) + ")");
    }
    return Status::Ok();
  }

  const Token& Peek(size_t ahead = 0) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  const Token& Next() { return tokens_[std::min(pos_++, tokens_.size() - 1)]; }
  bool IsOp(std::string_view op, size_t ahead = 0) const {
    return Peek(ahead).type == Tok::kOp && Peek(ahead).text == op;
  }
  bool IsName(std::string_view name, size_t ahead = 0) const {
    return Peek(ahead).type == Tok::kName && Peek(ahead).text == name;
  }
  bool SkipOp(std::string_view op) {
    if (!IsOp(op)) return false;
    ++pos_;
    return true;
  }
  bool SkipName(std::string_view name) {
    if (!IsName(name)) return false;
    ++pos_;
    return true;
  }

  static std::string Describe(const Token& t) {
    switch (t.type) {
      case Tok::kText:
        return "text";
      case Tok::kVarBegin:
        return "'{{'";
      case Tok::kVarEnd:
        return "'}}'";
      case Tok::kBlockBegin:
        return "'{%'";
      case Tok::kBlockEnd:
        return "'%}'";
      case Tok::kName:
        return "'" + t.text + "'";
      case Tok::kString:
        return "string literal";
      case Tok::kInt:
      case Tok::kFloat:
        return "number";
      case Tok::kOp:
        return "'" + t.text + "'";
      case Tok::kEof:
        return "end of template";
    }
    return "token";
  }
  static Status Error(const Token& at, const std::string& message) {
    return InvalidArgumentError("line " + std::to_string(at.line) + ", column " +
                                std::to_string(at.column) + ": " + message);
  }
  Status Expect(Tok type, std::string_view what) {
    if (Peek().type != type)
      return Error(Peek(), "expected " + std::string(what) + ", got " + Describe(Peek()));
    ++pos_;
    return Status::Ok();
  }
  Status ExpectOp(std::string_view op) {
    if (!SkipOp(op))
      return Error(Peek(), "expected '" + std::string(op) + "', got " + Describe(Peek()));
    return Status::Ok();
  }
  Result<std::string> ExpectName(std::string_view what) {
    if (Peek().type != Tok::kName)
      return Error(Peek(), "expected " + std::string(what) + ", got " + Describe(Peek()));
    return Next().text;
  }

  // Statements until one of end_tags (its name is consumed, stored in *end_tag) or the
  // end of the template (only when end_tags is empty).
  Result<Body> ParseBody(const std::set<std::string>& end_tags, std::string* end_tag) {
    DepthGuard guard(&depth_);
    STRATA_RETURN_IF_ERROR(CheckDepth());
    Body body;
    while (true) {
      const Token& t = Peek();
      if (t.type == Tok::kEof) {
        if (end_tags.empty()) return body;
        return Error(t, "unexpected end of template, expected '" + *end_tags.rbegin() + "'");
      }
      if (t.type == Tok::kText) {
        auto stmt = NewStmt(Stmt::Kind::kText, t);
        stmt->text = t.text;
        body.push_back(std::move(stmt));
        ++pos_;
        continue;
      }
      if (t.type == Tok::kVarBegin) {
        ++pos_;
        auto stmt = NewStmt(Stmt::Kind::kOutput, t);
        STRATA_ASSIGN_OR_RETURN(stmt->expr, ParseTuple());
        STRATA_RETURN_IF_ERROR(Expect(Tok::kVarEnd, "'}}'"));
        body.push_back(std::move(stmt));
        continue;
      }
      if (t.type != Tok::kBlockBegin) return Error(t, "unexpected " + Describe(t));
      ++pos_;
      const Token& name_token = Peek();
      STRATA_ASSIGN_OR_RETURN(std::string name, ExpectName("a tag name"));
      if (end_tags.count(name)) {
        *end_tag = name;
        return body;
      }
      STRATA_ASSIGN_OR_RETURN(auto stmt, ParseStatement(name, name_token));
      body.push_back(std::move(stmt));
    }
  }

  std::unique_ptr<Stmt> NewStmt(Stmt::Kind kind, const Token& at) {
    auto stmt = std::make_unique<Stmt>();
    stmt->kind = kind;
    stmt->line = at.line;
    stmt->column = at.column;
    return stmt;
  }

  Result<std::unique_ptr<Stmt>> ParseStatement(const std::string& name, const Token& at) {
    if (name == "if") return ParseIf(at);
    if (name == "for") return ParseFor(at);
    if (name == "set") return ParseSet(at);
    if (name == "macro") return ParseMacro(at);
    if (name == "break" || name == "continue") {
      if (loop_depth_ == 0) return Error(at, "'" + name + "' outside of a loop");
      STRATA_RETURN_IF_ERROR(Expect(Tok::kBlockEnd, "'%}'"));
      return NewStmt(name == "break" ? Stmt::Kind::kBreak : Stmt::Kind::kContinue, at);
    }
    if (name == "generation") {
      STRATA_RETURN_IF_ERROR(Expect(Tok::kBlockEnd, "'%}'"));
      auto stmt = NewStmt(Stmt::Kind::kBlock, at);
      std::string end;
      STRATA_ASSIGN_OR_RETURN(stmt->body, ParseBody({"endgeneration"}, &end));
      STRATA_RETURN_IF_ERROR(Expect(Tok::kBlockEnd, "'%}'"));
      return stmt;
    }
    static const std::set<std::string> kUnsupported = {"raw",    "include",    "extends", "block",
                                                       "import", "from",       "with",    "filter",
                                                       "call",   "autoescape", "do",      "trans"};
    if (kUnsupported.count(name)) return Error(at, "unsupported tag '" + name + "'");
    if (name.rfind("end", 0) == 0 || name == "elif" || name == "else") {
      return Error(at, "unexpected '" + name + "'");
    }
    return Error(at, "unknown tag '" + name + "'");
  }

  Result<std::unique_ptr<Stmt>> ParseIf(const Token& at) {
    auto stmt = NewStmt(Stmt::Kind::kIf, at);
    while (true) {
      STRATA_ASSIGN_OR_RETURN(ExprPtr condition, ParseExpression());
      STRATA_RETURN_IF_ERROR(Expect(Tok::kBlockEnd, "'%}'"));
      std::string end;
      STRATA_ASSIGN_OR_RETURN(Body body, ParseBody({"elif", "else", "endif"}, &end));
      stmt->branches.emplace_back(std::move(condition), std::move(body));
      if (end == "elif") continue;
      STRATA_RETURN_IF_ERROR(Expect(Tok::kBlockEnd, "'%}'"));
      if (end == "else") {
        STRATA_ASSIGN_OR_RETURN(stmt->else_body, ParseBody({"endif"}, &end));
        STRATA_RETURN_IF_ERROR(Expect(Tok::kBlockEnd, "'%}'"));
      }
      return stmt;
    }
  }

  Result<std::unique_ptr<Stmt>> ParseFor(const Token& at) {
    auto stmt = NewStmt(Stmt::Kind::kFor, at);
    const bool parenthesized = SkipOp("(");
    do {
      STRATA_ASSIGN_OR_RETURN(std::string target, ExpectName("a loop variable"));
      stmt->targets.push_back(std::move(target));
    } while (SkipOp(","));
    if (parenthesized) STRATA_RETURN_IF_ERROR(ExpectOp(")"));
    if (!SkipName("in")) return Error(Peek(), "expected 'in', got " + Describe(Peek()));
    STRATA_ASSIGN_OR_RETURN(stmt->expr, ParseTuple(/*with_condition=*/false));
    if (SkipName("if")) {
      STRATA_ASSIGN_OR_RETURN(stmt->filter, ParseExpression());
    }
    if (IsName("recursive")) return Error(Peek(), "unsupported: recursive loops");
    STRATA_RETURN_IF_ERROR(Expect(Tok::kBlockEnd, "'%}'"));
    ++loop_depth_;
    std::string end;
    auto body = ParseBody({"else", "endfor"}, &end);
    --loop_depth_;
    if (!body.ok()) return body.status();
    stmt->body = std::move(body).value();
    STRATA_RETURN_IF_ERROR(Expect(Tok::kBlockEnd, "'%}'"));
    if (end == "else") {
      STRATA_ASSIGN_OR_RETURN(stmt->else_body, ParseBody({"endfor"}, &end));
      STRATA_RETURN_IF_ERROR(Expect(Tok::kBlockEnd, "'%}'"));
    }
    return stmt;
  }

  Result<std::unique_ptr<Stmt>> ParseSet(const Token& at) {
    auto stmt = NewStmt(Stmt::Kind::kSet, at);
    STRATA_ASSIGN_OR_RETURN(std::string target, ExpectName("a variable name"));
    stmt->targets.push_back(std::move(target));
    if (SkipOp(".")) {
      STRATA_ASSIGN_OR_RETURN(stmt->attribute, ExpectName("an attribute name"));
    } else {
      while (SkipOp(",")) {
        STRATA_ASSIGN_OR_RETURN(std::string more, ExpectName("a variable name"));
        stmt->targets.push_back(std::move(more));
      }
    }
    if (SkipOp("=")) {
      STRATA_ASSIGN_OR_RETURN(stmt->expr, ParseTuple());
      STRATA_RETURN_IF_ERROR(Expect(Tok::kBlockEnd, "'%}'"));
      return stmt;
    }
    if (!stmt->attribute.empty() || stmt->targets.size() != 1) {
      return Error(Peek(), "expected '=', got " + Describe(Peek()));
    }
    if (IsOp("|")) return Error(Peek(), "unsupported: filters on set blocks");
    STRATA_RETURN_IF_ERROR(Expect(Tok::kBlockEnd, "'%}' or '='"));
    stmt->kind = Stmt::Kind::kSetBlock;
    std::string end;
    STRATA_ASSIGN_OR_RETURN(stmt->body, ParseBody({"endset"}, &end));
    STRATA_RETURN_IF_ERROR(Expect(Tok::kBlockEnd, "'%}'"));
    return stmt;
  }

  Result<std::unique_ptr<Stmt>> ParseMacro(const Token& at) {
    auto stmt = NewStmt(Stmt::Kind::kMacro, at);
    STRATA_ASSIGN_OR_RETURN(std::string name, ExpectName("a macro name"));
    stmt->targets.push_back(std::move(name));
    STRATA_RETURN_IF_ERROR(ExpectOp("("));
    while (!IsOp(")")) {
      STRATA_ASSIGN_OR_RETURN(std::string param, ExpectName("a parameter name"));
      ExprPtr fallback;
      if (SkipOp("=")) {
        STRATA_ASSIGN_OR_RETURN(fallback, ParseExpression());
      }
      stmt->params.emplace_back(std::move(param), std::move(fallback));
      if (!SkipOp(",")) break;
    }
    STRATA_RETURN_IF_ERROR(ExpectOp(")"));
    STRATA_RETURN_IF_ERROR(Expect(Tok::kBlockEnd, "'%}'"));
    const int saved_loop_depth = loop_depth_;
    loop_depth_ = 0;
    std::string end;
    auto body = ParseBody({"endmacro"}, &end);
    loop_depth_ = saved_loop_depth;
    if (!body.ok()) return body.status();
    stmt->body = std::move(body).value();
    STRATA_RETURN_IF_ERROR(Expect(Tok::kBlockEnd, "'%}'"));
    return stmt;
  }

  // ---- Expressions ----

  ExprPtr NewExpr(Expr::Kind kind, const Token& at) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->line = at.line;
    e->column = at.column;
    return e;
  }
  ExprPtr Binary(Expr::Kind kind, const Token& at, std::string op, ExprPtr a, ExprPtr b) {
    auto e = NewExpr(kind, at);
    e->name = std::move(op);
    e->args.push_back(std::move(a));
    e->args.push_back(std::move(b));
    return e;
  }

  // `a, b` without brackets is a tuple (a list here).
  Result<ExprPtr> ParseTuple(bool with_condition = true) {
    const Token& at = Peek();
    STRATA_ASSIGN_OR_RETURN(ExprPtr first, with_condition ? ParseExpression() : ParseOr());
    if (!IsOp(",")) return first;
    auto list = NewExpr(Expr::Kind::kList, at);
    list->args.push_back(std::move(first));
    while (SkipOp(",")) {
      if (Peek().type == Tok::kBlockEnd || Peek().type == Tok::kVarEnd) break;
      STRATA_ASSIGN_OR_RETURN(ExprPtr item, with_condition ? ParseExpression() : ParseOr());
      list->args.push_back(std::move(item));
    }
    return list;
  }

  Result<ExprPtr> ParseExpression() {
    DepthGuard guard(&depth_);
    STRATA_RETURN_IF_ERROR(CheckDepth());
    const Token& at = Peek();
    STRATA_ASSIGN_OR_RETURN(ExprPtr expr, ParseOr());
    while (SkipName("if")) {
      auto cond = NewExpr(Expr::Kind::kCondition, at);
      STRATA_ASSIGN_OR_RETURN(ExprPtr test, ParseOr());
      ExprPtr otherwise;
      if (SkipName("else")) {
        STRATA_ASSIGN_OR_RETURN(otherwise, ParseExpression());
      }
      cond->args.push_back(std::move(expr));
      cond->args.push_back(std::move(test));
      cond->args.push_back(std::move(otherwise));
      expr = std::move(cond);
    }
    return expr;
  }

  Result<ExprPtr> ParseOr() {
    STRATA_ASSIGN_OR_RETURN(ExprPtr left, ParseAnd());
    while (IsName("or")) {
      const Token& at = Next();
      STRATA_ASSIGN_OR_RETURN(ExprPtr right, ParseAnd());
      left = Binary(Expr::Kind::kOr, at, "or", std::move(left), std::move(right));
    }
    return left;
  }

  Result<ExprPtr> ParseAnd() {
    STRATA_ASSIGN_OR_RETURN(ExprPtr left, ParseNot());
    while (IsName("and")) {
      const Token& at = Next();
      STRATA_ASSIGN_OR_RETURN(ExprPtr right, ParseNot());
      left = Binary(Expr::Kind::kAnd, at, "and", std::move(left), std::move(right));
    }
    return left;
  }

  Result<ExprPtr> ParseNot() {
    if (IsName("not")) {
      const Token& at = Next();
      DepthGuard guard(&depth_);
      STRATA_RETURN_IF_ERROR(CheckDepth());
      auto e = NewExpr(Expr::Kind::kNot, at);
      STRATA_ASSIGN_OR_RETURN(ExprPtr operand, ParseNot());
      e->args.push_back(std::move(operand));
      return e;
    }
    return ParseCompare();
  }

  Result<ExprPtr> ParseCompare() {
    STRATA_ASSIGN_OR_RETURN(ExprPtr left, ParseMath1());
    while (true) {
      const Token& at = Peek();
      std::string op;
      if (at.type == Tok::kOp && (at.text == "==" || at.text == "!=" || at.text == "<" ||
                                  at.text == ">" || at.text == "<=" || at.text == ">=")) {
        op = at.text;
        ++pos_;
      } else if (IsName("in")) {
        op = "in";
        ++pos_;
      } else if (IsName("not") && IsName("in", 1)) {
        op = "not in";
        pos_ += 2;
      } else {
        return left;
      }
      STRATA_ASSIGN_OR_RETURN(ExprPtr right, ParseMath1());
      left = Binary(Expr::Kind::kBinary, at, op, std::move(left), std::move(right));
    }
  }

  Result<ExprPtr> ParseMath1() {
    STRATA_ASSIGN_OR_RETURN(ExprPtr left, ParseConcat());
    while (IsOp("+") || IsOp("-")) {
      const Token& at = Next();
      STRATA_ASSIGN_OR_RETURN(ExprPtr right, ParseConcat());
      left = Binary(Expr::Kind::kBinary, at, at.text, std::move(left), std::move(right));
    }
    return left;
  }

  Result<ExprPtr> ParseConcat() {
    STRATA_ASSIGN_OR_RETURN(ExprPtr left, ParseMath2());
    while (IsOp("~")) {
      const Token& at = Next();
      STRATA_ASSIGN_OR_RETURN(ExprPtr right, ParseMath2());
      left = Binary(Expr::Kind::kBinary, at, "~", std::move(left), std::move(right));
    }
    return left;
  }

  Result<ExprPtr> ParseMath2() {
    STRATA_ASSIGN_OR_RETURN(ExprPtr left, ParsePow());
    while (IsOp("*") || IsOp("/") || IsOp("//") || IsOp("%")) {
      const Token& at = Next();
      STRATA_ASSIGN_OR_RETURN(ExprPtr right, ParsePow());
      left = Binary(Expr::Kind::kBinary, at, at.text, std::move(left), std::move(right));
    }
    return left;
  }

  Result<ExprPtr> ParsePow() {
    STRATA_ASSIGN_OR_RETURN(ExprPtr left, ParseUnary(true));
    while (IsOp("**")) {
      const Token& at = Next();
      STRATA_ASSIGN_OR_RETURN(ExprPtr right, ParseUnary(true));
      left = Binary(Expr::Kind::kBinary, at, "**", std::move(left), std::move(right));
    }
    return left;
  }

  Result<ExprPtr> ParseUnary(bool with_filter) {
    DepthGuard guard(&depth_);
    STRATA_RETURN_IF_ERROR(CheckDepth());
    ExprPtr node;
    if (IsOp("-") || IsOp("+")) {
      const Token& at = Next();
      STRATA_ASSIGN_OR_RETURN(ExprPtr operand, ParseUnary(false));
      if (at.text == "+") {
        node = std::move(operand);
      } else {
        node = NewExpr(Expr::Kind::kNeg, at);
        node->args.push_back(std::move(operand));
      }
    } else {
      STRATA_ASSIGN_OR_RETURN(node, ParsePrimary());
    }
    STRATA_ASSIGN_OR_RETURN(node, ParsePostfix(std::move(node)));
    if (with_filter) {
      STRATA_ASSIGN_OR_RETURN(node, ParseFilterExpr(std::move(node)));
    }
    return node;
  }

  Result<ExprPtr> ParsePrimary() {
    const Token& t = Peek();
    if (t.type == Tok::kName) {
      ++pos_;
      auto e = NewExpr(Expr::Kind::kLiteral, t);
      if (t.text == "true" || t.text == "True") {
        e->value = Value::Bool(true);
      } else if (t.text == "false" || t.text == "False") {
        e->value = Value::Bool(false);
      } else if (t.text == "none" || t.text == "None") {
        e->value = Value::None();
      } else {
        e->kind = Expr::Kind::kName;
        e->name = t.text;
      }
      return e;
    }
    if (t.type == Tok::kString) {
      std::string s;
      while (Peek().type == Tok::kString) s += Next().text;  // adjacent literals concatenate
      auto e = NewExpr(Expr::Kind::kLiteral, t);
      e->value = Value::String(std::move(s));
      return e;
    }
    if (t.type == Tok::kInt || t.type == Tok::kFloat) {
      ++pos_;
      auto e = NewExpr(Expr::Kind::kLiteral, t);
      e->value = t.type == Tok::kInt ? Value::Int(t.i) : Value::Float(t.f);
      return e;
    }
    if (SkipOp("(")) {
      if (SkipOp(")")) return NewExpr(Expr::Kind::kList, t);  // ()
      STRATA_ASSIGN_OR_RETURN(ExprPtr inner, ParseExpression());
      if (IsOp(",")) {
        auto list = NewExpr(Expr::Kind::kList, t);
        list->args.push_back(std::move(inner));
        while (SkipOp(",")) {
          if (IsOp(")")) break;
          STRATA_ASSIGN_OR_RETURN(ExprPtr item, ParseExpression());
          list->args.push_back(std::move(item));
        }
        inner = std::move(list);
      }
      STRATA_RETURN_IF_ERROR(ExpectOp(")"));
      return inner;
    }
    if (SkipOp("[")) {
      auto list = NewExpr(Expr::Kind::kList, t);
      while (!IsOp("]")) {
        STRATA_ASSIGN_OR_RETURN(ExprPtr item, ParseExpression());
        list->args.push_back(std::move(item));
        if (!SkipOp(",")) break;
      }
      STRATA_RETURN_IF_ERROR(ExpectOp("]"));
      return list;
    }
    if (SkipOp("{")) {
      auto dict = NewExpr(Expr::Kind::kDict, t);
      while (!IsOp("}")) {
        STRATA_ASSIGN_OR_RETURN(ExprPtr key, ParseExpression());
        STRATA_RETURN_IF_ERROR(ExpectOp(":"));
        STRATA_ASSIGN_OR_RETURN(ExprPtr value, ParseExpression());
        dict->args.push_back(std::move(key));
        dict->args.push_back(std::move(value));
        if (!SkipOp(",")) break;
      }
      STRATA_RETURN_IF_ERROR(ExpectOp("}"));
      return dict;
    }
    return Error(t, "unexpected " + Describe(t) + " in expression");
  }

  Result<ExprPtr> ParsePostfix(ExprPtr node) {
    while (true) {
      const Token& at = Peek();
      if (SkipOp(".")) {
        const Token& attr = Next();
        if (attr.type == Tok::kName) {
          auto e = NewExpr(Expr::Kind::kAttr, at);
          e->name = attr.text;
          e->args.push_back(std::move(node));
          node = std::move(e);
        } else if (attr.type == Tok::kInt) {
          auto e = NewExpr(Expr::Kind::kItem, at);
          auto index = NewExpr(Expr::Kind::kLiteral, attr);
          index->value = Value::Int(attr.i);
          e->args.push_back(std::move(node));
          e->args.push_back(std::move(index));
          node = std::move(e);
        } else {
          return Error(attr, "expected an attribute name, got " + Describe(attr));
        }
      } else if (SkipOp("[")) {
        STRATA_ASSIGN_OR_RETURN(node, ParseSubscript(std::move(node), at));
      } else if (IsOp("(")) {
        STRATA_ASSIGN_OR_RETURN(node, ParseCall(std::move(node)));
      } else {
        return node;
      }
    }
  }

  // After '[': an index or a slice [start:stop:step].
  Result<ExprPtr> ParseSubscript(ExprPtr node, const Token& at) {
    ExprPtr parts[3];
    int n_parts = 1;
    if (!IsOp(":")) {
      STRATA_ASSIGN_OR_RETURN(parts[0], ParseExpression());
    }
    while (n_parts < 3 && SkipOp(":")) {
      if (!IsOp(":") && !IsOp("]")) {
        STRATA_ASSIGN_OR_RETURN(parts[n_parts], ParseExpression());
      }
      ++n_parts;
    }
    STRATA_RETURN_IF_ERROR(ExpectOp("]"));
    auto e = NewExpr(n_parts == 1 ? Expr::Kind::kItem : Expr::Kind::kSlice, at);
    e->args.push_back(std::move(node));
    for (int i = 0; i < (n_parts == 1 ? 1 : 3); ++i) e->args.push_back(std::move(parts[i]));
    return e;
  }

  // Parses "(args)" into e->args (after those already there) and e->kwargs.
  Status ParseArgs(Expr* e) {
    STRATA_RETURN_IF_ERROR(ExpectOp("("));
    while (!IsOp(")")) {
      if (Peek().type == Tok::kName && IsOp("=", 1)) {
        std::string key = Next().text;
        ++pos_;
        STRATA_ASSIGN_OR_RETURN(ExprPtr value, ParseExpression());
        e->kwargs.emplace_back(std::move(key), std::move(value));
      } else {
        if (!e->kwargs.empty()) return Error(Peek(), "positional argument after keyword argument");
        STRATA_ASSIGN_OR_RETURN(ExprPtr value, ParseExpression());
        e->args.push_back(std::move(value));
      }
      if (!SkipOp(",")) break;
    }
    return ExpectOp(")");
  }

  Result<ExprPtr> ParseCall(ExprPtr callee) {
    auto e = NewExpr(Expr::Kind::kCall, Peek());
    e->args.push_back(std::move(callee));
    STRATA_RETURN_IF_ERROR(ParseArgs(e.get()));
    return e;
  }

  Result<ExprPtr> ParseFilterExpr(ExprPtr node) {
    while (true) {
      if (IsOp("|")) {
        const Token& at = Next();
        const Token& name_token = Peek();
        STRATA_ASSIGN_OR_RETURN(std::string name, ExpectName("a filter name"));
        if (!IsKnownFilter(name)) return Error(name_token, "unknown filter '" + name + "'");
        auto e = NewExpr(Expr::Kind::kFilter, at);
        e->name = std::move(name);
        e->args.push_back(std::move(node));
        if (IsOp("(")) STRATA_RETURN_IF_ERROR(ParseArgs(e.get()));
        node = std::move(e);
      } else if (IsName("is")) {
        const Token& at = Next();
        auto e = NewExpr(Expr::Kind::kTest, at);
        e->negated = SkipName("not");
        const Token& name_token = Peek();
        STRATA_ASSIGN_OR_RETURN(e->name, ExpectName("a test name"));
        if (!IsKnownTest(e->name)) return Error(name_token, "unknown test '" + e->name + "'");
        e->args.push_back(std::move(node));
        const Token& next = Peek();
        if (IsOp("(")) {
          STRATA_RETURN_IF_ERROR(ParseArgs(e.get()));
        } else if ((next.type == Tok::kName || next.type == Tok::kString ||
                    next.type == Tok::kInt || next.type == Tok::kFloat || IsOp("[") || IsOp("{")) &&
                   !IsName("else") && !IsName("or") && !IsName("and")) {
          if (IsName("is")) return Error(next, "cannot chain tests with 'is'");
          STRATA_ASSIGN_OR_RETURN(ExprPtr arg, ParsePrimary());
          STRATA_ASSIGN_OR_RETURN(arg, ParsePostfix(std::move(arg)));
          e->args.push_back(std::move(arg));
        }
        node = std::move(e);
      } else if (IsOp("(")) {
        STRATA_ASSIGN_OR_RETURN(node, ParseCall(std::move(node)));
      } else {
        return node;
      }
    }
  }

  std::vector<Token> tokens_;
  JinjaLimits limits_;
  size_t pos_ = 0;
  int depth_ = 0;
  int loop_depth_ = 0;
};

}  // namespace

Result<Body> ParseTemplate(std::string_view source, const JinjaSyntax& syntax,
                           const JinjaLimits& limits) {
  STRATA_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(source, syntax));
  return Parser(std::move(tokens), limits).ParseAll();
}

}  // namespace strata::genai::jinja
