#pragma once
// A small Jinja2 interpreter: the subset that chat templates of Hugging Face models use
// (tokenizer_config.json's chat_template, GGUF's tokenizer.chat_template).
//
// Hand-written: Debian 12 packages no Jinja implementation for C++ (the candidates,
// Jinja2Cpp and minja, are not packaged), and the subset is small. It follows Jinja2 as
// transformers configures it (ImmutableSandboxedEnvironment with trim_blocks=True,
// lstrip_blocks=True, the loopcontrols extension, and tojson without HTML escaping),
// so templates render byte for byte as they do in Python.
//
// Supported: {{ }} {% %} {# #} with -/+ whitespace control; if/elif/else, for (over
// lists, dicts, strings; tuple targets; `if` filter; else; loop.*; break/continue), set
// (also ns.attr and {% set x %}...{% endset %}), macro, generation; the expressions,
// tests, filters, string/dict methods and global functions listed in jinja_builtins.cpp.
// Unknown tags, filters and tests are parse errors with line and column. Undefined
// names render as "" and are falsy; attributes and items of undefined are undefined
// (more lenient than Jinja's default Undefined, which raises there).
//
// A template is immutable after Parse and may be rendered from several threads at once.

#include <memory>
#include <string>
#include <string_view>

#include "core/core.h"

namespace strata::genai {

struct JinjaSyntax {
  bool trim_blocks = true;    // drop the first newline after a block or comment tag
  bool lstrip_blocks = true;  // drop spaces and tabs before a block or comment tag on its line
  bool keep_trailing_newline = false;
};

// Bounds for hostile templates; exceeding one is InvalidArgument naming the limit.
struct JinjaLimits {
  int max_depth = 64;                       // nesting of blocks, expressions and macro calls
  int64_t max_loop_iterations = 1'000'000;  // all loops of one render together
  size_t max_output_bytes = 16u << 20;      // also bounds every string built on the way
};

struct JinjaRenderOptions {
  JinjaLimits limits;
  // "Now" for strftime_now(); null means core::SystemClock(). Formatted in UTC.
  const core::Clock* clock = nullptr;
};

namespace jinja {
struct Stmt;
}

class JinjaTemplate {
 public:
  // InvalidArgument "line L, column C: ..." on a syntax error or unsupported construct.
  static Result<JinjaTemplate> Parse(std::string_view source, const JinjaSyntax& syntax = {},
                                     const JinjaLimits& limits = {});

  JinjaTemplate(JinjaTemplate&&) noexcept;
  JinjaTemplate& operator=(JinjaTemplate&&) noexcept;
  ~JinjaTemplate();

  // `context` must be an object; its keys are the template's variables. Errors are
  // InvalidArgument: "line L: ..." for a template error, or exactly the message of the
  // template's raise_exception(message).
  Result<std::string> Render(const Json& context, const JinjaRenderOptions& options = {}) const;

 private:
  struct Impl;
  explicit JinjaTemplate(std::shared_ptr<const Impl> impl);
  std::shared_ptr<const Impl> impl_;
};

}  // namespace strata::genai
