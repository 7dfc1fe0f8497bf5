#pragma once
// Pieces of the Jinja interpreter shared between its files (internal to genai/):
// the parser's entry point, the render state builtins see, and the builtins
// (jinja_builtins.cpp) the renderer calls.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/core.h"
#include "genai/jinja.h"
#include "genai/jinja_ast.h"
#include "genai/jinja_value.h"

namespace strata::genai::jinja {

// Tokenizes and parses a whole template. Errors: "line L, column C: ...".
Result<Body> ParseTemplate(std::string_view source, const JinjaSyntax& syntax,
                           const JinjaLimits& limits);

// What one render carries besides variables: limits and their counters, the clock.
struct RenderState {
  JinjaLimits limits;
  const core::Clock* clock = nullptr;
  int64_t iterations = 0;
  int depth = 0;
  bool raised = false;   // the error is a raise_exception() message: pass it through as is
  bool located = false;  // the error already names its line

  // InvalidArgument when a string of `bytes` would exceed max_output_bytes.
  Status CheckSize(size_t bytes) const;
  // Lists built by + and * are bounded by max_loop_iterations items.
  Status CheckListSize(size_t items) const;
  // Counts n loop iterations against max_loop_iterations.
  Status CountIterations(int64_t n);
};

// A function value: a global (range, namespace, ...), a bound method ("a".strip) or a
// macro. Arguments are evaluated; errors are plain messages (the caller adds the line).
struct Callable {
  std::string name;
  std::function<Result<Value>(RenderState& state, const ValueList& args, const KwArgs& kwargs)> fn;
};

bool IsKnownFilter(std::string_view name);
bool IsKnownTest(std::string_view name);
Result<Value> ApplyFilter(RenderState& state, std::string_view name, const Value& input,
                          const ValueList& args, const KwArgs& kwargs);
Result<bool> ApplyTest(RenderState& state, std::string_view name, const Value& input,
                       const ValueList& args);
// obj.name: a dict's key or a namespace's attribute, or a bound method of a string or
// dict ("strip", "items", ...); undefined otherwise.
Value GetAttribute(const Value& object, const std::string& name);
// obj[key]: dict key, list index (negative from the end), string character.
Value GetItem(const Value& object, const Value& key);
// Python slicing of lists and strings (code points). Step 0 is an error.
Result<Value> Slice(const Value& object, const Value& start, const Value& stop, const Value& step);
// raise_exception, range, namespace, dict, strftime_now.
void AddGlobals(ValueDict* globals);

}  // namespace strata::genai::jinja
