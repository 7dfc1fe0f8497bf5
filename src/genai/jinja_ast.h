#pragma once
// The syntax tree of a parsed Jinja template (internal to genai/; see jinja.h).
// jinja_parser.cpp builds it, jinja_render.cpp walks it. Nodes keep the line and
// column of their first token for error messages.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "genai/jinja_value.h"

namespace strata::genai::jinja {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  enum class Kind {
    kLiteral,  // value
    kName,     // name
    kList,     // args: items (tuples are lists too)
    kDict,     // args: key, value, key, value, ...
    kAttr,     // args[0].name
    kItem,     // args[0][args[1]]
    kSlice,    // args[0][args[1]:args[2]:args[3]]; absent parts are null
    kCall,     // args[0](args[1..], kwargs)
    kFilter,   // args[0] | name(args[1..], kwargs)
    kTest,     // args[0] is [not] name(args[1..]); negated
    kNeg,      // -args[0]
    kNot,      // not args[0]
    kBinary,   // args[0] op args[1]: + - * / // % ** ~ == != < > <= >= in
    kAnd,
    kOr,
    kCondition,  // args[0] if args[1] else args[2] (args[2] null: undefined)
  };
  Kind kind;
  int line = 0;
  int column = 0;
  Value value;       // kLiteral
  std::string name;  // kName, kAttr, kFilter, kTest; kBinary: the operator; "not in" too
  bool negated = false;
  std::vector<ExprPtr> args;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
};

struct Stmt;
using Body = std::vector<std::unique_ptr<Stmt>>;

struct Stmt {
  enum class Kind {
    kText,      // text
    kOutput,    // {{ expr }}
    kIf,        // branches: (condition, body)...; else_body
    kFor,       // targets in expr [if filter]: body [else else_body]
    kSet,       // targets = expr, or target.attribute = expr
    kSetBlock,  // {% set target %}body{% endset %}
    kMacro,     // name(params) body
    kBreak,
    kContinue,
    kBlock,  // body rendered as is ({% generation %} of HF's AssistantTracker)
  };
  Kind kind;
  int line = 0;
  int column = 0;
  std::string text;
  ExprPtr expr;
  ExprPtr filter;
  std::vector<std::string> targets;                     // kFor, kSet, kSetBlock; kMacro: its name
  std::string attribute;                                // kSet on a namespace: targets[0].attribute
  std::vector<std::pair<std::string, ExprPtr>> params;  // kMacro: name, default (may be null)
  std::vector<std::pair<ExprPtr, Body>> branches;
  Body body;
  Body else_body;
};

}  // namespace strata::genai::jinja
