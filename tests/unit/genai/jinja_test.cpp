// The Jinja subset behind chat templates: whitespace control, statements, scoping,
// expressions, filters, tests, methods, errors and limits. Expected strings are what
// Jinja2 3.1 renders with transformers' settings (trim_blocks, lstrip_blocks).

#include "genai/jinja.h"

#include <chrono>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace strata::genai {
namespace {

using ::testing::HasSubstr;

std::string Render(std::string_view source, const Json& context = Json::object(),
                   const JinjaSyntax& syntax = {}) {
  auto t = JinjaTemplate::Parse(source, syntax);
  if (!t.ok()) return "PARSE ERROR: " + t.status().message();
  auto out = t->Render(context);
  if (!out.ok()) return "RENDER ERROR: " + out.status().message();
  return *out;
}

Status RenderError(std::string_view source, const JinjaLimits& limits = {}) {
  auto t = JinjaTemplate::Parse(source, {}, limits);
  if (!t.ok()) return t.status();
  JinjaRenderOptions options;
  options.limits = limits;
  auto out = t->Render(Json::object(), options);
  if (out.ok()) return InternalError("rendered without error: " + *out);
  return out.status();
}

TEST(JinjaWhitespace, TrimBlocksRemovesTheNewlineAfterABlockTag) {
  EXPECT_EQ(Render("{% if true %}\nyes\n{% endif %}\nafter"), "yes\nafter");
  JinjaSyntax plain;
  plain.trim_blocks = false;
  plain.lstrip_blocks = false;
  EXPECT_EQ(Render("{% if true %}\nyes\n{% endif %}\nafter", Json::object(), plain),
            "\nyes\n\nafter");
  // Not after an expression.
  EXPECT_EQ(Render("{{ 'a' }}\nb"), "a\nb");
}

TEST(JinjaWhitespace, LstripBlocksRemovesIndentationBeforeBlockTagsOnly) {
  EXPECT_EQ(Render("  {% if true %}\n  x\n  {% endif %}\n"), "  x\n");
  JinjaSyntax plain;
  plain.trim_blocks = false;
  plain.lstrip_blocks = false;
  EXPECT_EQ(Render("  {% if true %}\n  x\n  {% endif %}\n", Json::object(), plain), "  \n  x\n  ");
  EXPECT_EQ(Render("  {{ 'a' }}"), "  a");
  EXPECT_EQ(Render("x {% if true %}y{% endif %}"), "x y");  // not at the start of a line
  EXPECT_EQ(Render("a\n    {# note #}\nb"), "a\nb");
}

TEST(JinjaWhitespace, PlusAndMinusMarkers) {
  EXPECT_EQ(Render("  {%+ if true %}x{% endif %}"), "  x");
  EXPECT_EQ(Render("{% if true +%}\nx{% endif %}"), "\nx");
  EXPECT_EQ(Render("a  \n  {{- 'b' -}}  \n c"), "abc");
  EXPECT_EQ(Render("a \n{%- if true -%}\n b \n{%- endif -%}\n c"), "abc");
  EXPECT_EQ(Render("a {#- comment -#} b"), "ab");
}

TEST(JinjaWhitespace, TrailingNewlineAndLineEndings) {
  EXPECT_EQ(Render("a\r\nb\r\n"), "a\nb");
  EXPECT_EQ(Render("a\n\n"), "a\n");
  JinjaSyntax keep;
  keep.keep_trailing_newline = true;
  EXPECT_EQ(Render("a\n", Json::object(), keep), "a\n");
}

TEST(JinjaStatements, ForLoopVariables) {
  EXPECT_EQ(
      Render("{% for x in ['a','b','c'] %}{{ loop.index }}{{ loop.index0 }}{{ x }}"
             "{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.revindex }};{% endfor %}"),
      "10aTrueFalse33;21bFalseFalse32;32cFalseTrue31;");
  EXPECT_EQ(Render("{% for x in [1,2,3] %}{{ x }}{{ ',' if not loop.last }}{% endfor %}"), "1,2,3");
  EXPECT_EQ(
      Render("{% for x in [1,2] %}{{ loop.previtem is defined }}{{ loop.nextitem }}|{% endfor %}"),
      "False2|True|");
}

TEST(JinjaStatements, ForOverDictsStringsFiltersAndElse) {
  EXPECT_EQ(Render("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }};{% endfor %}"),
            "a=1;b=2;");
  EXPECT_EQ(Render("{% for k, v in {'a': 1, 'b': 2} | items %}{{ k }}{{ v }}{% endfor %}"), "a1b2");
  EXPECT_EQ(Render("{% for k in {'x': 1, 'y': 2} %}{{ k }}{% endfor %}"), "xy");
  EXPECT_EQ(Render("{% for c in 'hé' %}[{{ c }}]{% endfor %}"), "[h][é]");
  EXPECT_EQ(Render("{% for x in range(10) if x % 3 == 0 %}{{ x }}:{{ loop.index }} {% endfor %}"),
            "0:1 3:2 6:3 9:4 ");
  EXPECT_EQ(Render("{% for x in [] %}x{% else %}empty{% endfor %}"), "empty");
  EXPECT_EQ(Render("{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}"
                   "{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %}"),
            "013");
}

TEST(JinjaStatements, IfElifElse) {
  const char* t = "{% if n == 1 %}one{% elif n == 2 %}two{% else %}many{% endif %}";
  EXPECT_EQ(Render(t, {{"n", 1}}), "one");
  EXPECT_EQ(Render(t, {{"n", 2}}), "two");
  EXPECT_EQ(Render(t, {{"n", 3}}), "many");
}

TEST(JinjaScoping, SetInsideALoopDoesNotLeak) {
  EXPECT_EQ(Render("{% set x = 1 %}{% for i in [1,2] %}{{ x }}{% set x = i * 10 %}{{ x }} {% "
                   "endfor %}{{ x }}"),
            "110 120 1");
  EXPECT_EQ(Render("{% if true %}{% set y = 5 %}{% endif %}{{ y }}"), "5");  // if opens no scope
  EXPECT_EQ(Render("{% set a, b = [1, 2] %}{{ b }}{{ a }}"), "21");
  EXPECT_EQ(Render("{% set x %}a{{ 1 }}{% endset %}[{{ x }}]"), "[a1]");
}

TEST(JinjaScoping, NamespaceCarriesStateOutOfLoops) {
  EXPECT_EQ(Render("{% set ns = namespace(found=false, n=0) %}{% for m in [1,2,3] %}"
                   "{% if m == 2 %}{% set ns.found = true %}{% endif %}{% set ns.n = ns.n + m %}"
                   "{% endfor %}{{ ns.found }} {{ ns.n }}"),
            "True 6");
  EXPECT_EQ(Render("{% set ns = namespace() %}{% set ns.x = 'v' %}{{ ns.x }}"), "v");
  EXPECT_THAT(Render("{% set d = {} %}{% set d.x = 1 %}"), HasSubstr("only namespace() objects"));
}

TEST(JinjaStatements, Macros) {
  EXPECT_EQ(Render("{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}"
                   "{{ greet('a') }} {{ greet('b', punct='?') }}"),
            "Hi a! Hi b?");
}

TEST(JinjaExpressions, LiteralsAndOutput) {
  EXPECT_EQ(Render(R"({{ 'it\'s' }}|{{ "say \"hi\"" }}|{{ 'a\tb\n' }}|{{ '\u00e9' }})"),
            "it's|say \"hi\"|a\tb\n|é");
  EXPECT_EQ(Render("{{ 'ab' 'cd' }}"), "abcd");
  EXPECT_EQ(
      Render("{{ none }} {{ None }} {{ true }} {{ False }} {{ 42 }} {{ 1.5 }} {{ 2.0 }} {{ 1e3 }}"),
      "None None True False 42 1.5 2.0 1000.0");
  EXPECT_EQ(Render("{{ [1, 'a', none, true, 1.5, [2]] }}"), "[1, 'a', None, True, 1.5, [2]]");
  EXPECT_EQ(Render("{{ {'a': 1, \"b\": 'x'} }}"), "{'a': 1, 'b': 'x'}");
  EXPECT_EQ(Render("{{ ('a', 'b') }}"), "['a', 'b']");  // tuples are lists here
}

TEST(JinjaExpressions, Arithmetic) {
  EXPECT_EQ(Render("{{ 7 // 2 }}|{{ -7 // 2 }}|{{ 7 % 3 }}|{{ -7 % 3 }}|{{ 7 / 2 }}|{{ 4 / 2 }}|"
                   "{{ 2 ** 10 }}|{{ 1 + 2 * 3 }}|{{ (1 + 2) * 3 }}|{{ 1 - 0.5 }}|{{ -(3) }}"),
            "3|-4|1|2|3.5|2.0|1024|7|9|0.5|-3");
  EXPECT_EQ(Render("{{ 'ab' * 3 }}{{ [0] * 2 }}{{ [1] + [2] }}"), "ababab[0, 0][1, 2]");
  EXPECT_EQ(Render("{{ 1 ~ 'a' ~ none ~ missing }}"), "1aNone");
  EXPECT_THAT(Render("{{ 1 // 0 }}"), HasSubstr("division or modulo by zero"));
}

TEST(JinjaExpressions, ComparisonsLogicAndMembership) {
  EXPECT_EQ(Render("{{ 1 == 1.0 }} {{ 1 == true }} {{ 'a' != 'b' }} {{ 2 < 3 }} {{ 'b' >= 'a' }} "
                   "{{ [1, 2] == [1, 2] }} {{ {'a': 1} == {'a': 1} }}"),
            "True True True True True True True");
  EXPECT_EQ(
      Render("{{ 'b' in 'abc' }} {{ 2 not in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 'x' in missing }}"),
      "True False True False");
  EXPECT_EQ(Render("{{ 0 or 'x' }} {{ 'a' and 'b' }} {{ not 0 }} {{ not true == false }}"),
            "x b True True");
  EXPECT_EQ(Render("{{ 'y' if 1 > 2 else 'n' }}[{{ 'y' if false }}]"), "n[]");
  EXPECT_EQ(Render("{{ 'a' + 'b' | upper }}"), "aB");  // filters bind tighter than +
  EXPECT_EQ(Render("{{ [1,2,3] | length > 2 }}"), "True");
}

TEST(JinjaExpressions, AttributeItemAndSlice) {
  Json context = {{"m", {{"role", "user"}, {"content", "hi"}}}, {"l", {1, 2, 3, 4}}};
  EXPECT_EQ(Render("{{ m.role }} {{ m['content'] }} {{ l[0] }} {{ l[-1] }} {{ l.1 }}", context),
            "user hi 1 4 2");
  EXPECT_EQ(Render("{{ l[1:] }}{{ l[:-1] }}{{ l[::-1] }}{{ l[1:3] }}{{ l[5:] }}", context),
            "[2, 3, 4][1, 2, 3][4, 3, 2, 1][2, 3][]");
  EXPECT_EQ(Render("{{ 'héllo'[1:3] }} {{ 'abc'[-1] }}"), "él c");
}

TEST(JinjaUndefined, RendersEmptyIsFalsyAndChains) {
  EXPECT_EQ(
      Render(
          "{{ missing }}[{{ missing.attr.deeper }}]{{ missing['k'] }}{% if missing %}x{% endif %}"
          "{% for i in missing %}y{% endfor %}{{ missing | length }}"),
      "[]0");
  EXPECT_EQ(Render("{{ {'a': 1}.b }}|{{ 'str'.nope }}|{{ [1][5] }}"), "||");
  EXPECT_THAT(Render("{{ missing + 1 }}"),
              HasSubstr("unsupported operand types for +: undefined and integer"));
  EXPECT_THAT(Render("{{ missing() }}"), HasSubstr("'missing' is undefined"));
}

TEST(JinjaTests, TypeAndValueTests) {
  EXPECT_EQ(Render("{{ x is defined }}{{ x is not defined }}{{ none is none }}{{ 'a' is string }}"
                   "{{ {} is mapping }}{{ [] is iterable }}{{ 'a' is iterable }}{{ 1.5 is number }}"
                   "{{ 3 is divisibleby 3 }}{{ 2 is even }}{{ 1 is odd }}{{ 1 is string }}{{ 'a' "
                   "is mapping }}"),
            "FalseTrueTrueTrueTrueTrueTrueTrueTrueTrueTrueFalseFalse");
  EXPECT_EQ(
      Render("{{ 1 is equalto 1 }}{{ 'a' is in ['a'] }}{{ true is boolean }}{{ 1 is integer }}"),
      "TrueTrueTrueTrue");
}

TEST(JinjaFilters, Strings) {
  EXPECT_EQ(Render("[{{ '  Hi  ' | trim }}]{{ 'hi' | upper }}{{ 'HI' | lower }}{{ 'hELLO world' | "
                   "capitalize }}"
                   "{{ 'hello world' | title }}{{ 'aXbX' | replace('X', '-') }}{{ 1 | string }}{{ "
                   "'héllo' | length }}"),
            "[Hi]HIhiHello worldHello Worlda-b-15");
  EXPECT_EQ(Render("{{ ['a', 'b', 1] | join(', ') }}|{{ 'ab' | list }}|{{ [3, 1] | first }}{{ [3, "
                   "1] | last }}"),
            "a, b, 1|['a', 'b']|31");
  EXPECT_EQ(Render("{{ x | default('d') }}{{ '' | default('e', true) }}{{ 'v' | d('z') }}{{ none | "
                   "default('n') }}"),
            "devNone");
  EXPECT_EQ(Render("{{ 'a\nb' | indent(2) }}|{{ 'a\nb' | indent(2, true) }}"), "a\n  b|  a\n  b");
}

TEST(JinjaFilters, ToJson) {
  EXPECT_EQ(
      Render(
          "{{ {'a': [1, 2], 'b': 'x\"y\\n', 'c': none, 'd': true, 'e': 1.0, 'f': {}} | tojson }}"),
      R"({"a": [1, 2], "b": "x\"y\n", "c": null, "d": true, "e": 1.0, "f": {}})");
  EXPECT_EQ(Render("{{ {'a': [1], 'b': {'c': 'é'}} | tojson(indent=2) }}"),
            "{\n  \"a\": [\n    1\n  ],\n  \"b\": {\n    \"c\": \"é\"\n  }\n}");
  EXPECT_EQ(Render("{{ 'x' | tojson }}{{ '<&>' | tojson }}"), "\"x\"\"<&>\"");  // no HTML escaping
  Json context = {{"tool", {{"name", "f"}, {"n", 3}, {"x", 0.25}}}};
  EXPECT_EQ(Render("{{ tool | tojson }}", context), R"({"name": "f", "n": 3, "x": 0.25})");
}

TEST(JinjaFilters, SelectMapAndItems) {
  Json context = {{"ms",
                   {{{"role", "system"}, {"c", 1}},
                    {{"role", "user"}, {"c", 2}},
                    {{"role", "user"}, {"c", 3}}}}};
  EXPECT_EQ(Render("{{ ms | selectattr('role', 'equalto', 'user') | map(attribute='c') | list }}",
                   context),
            "[2, 3]");
  EXPECT_EQ(Render("{{ ms | rejectattr('role', 'equalto', 'user') | list | length }}", context),
            "1");
  EXPECT_EQ(Render("{{ ms | map(attribute='role') | unique | join(',') }}", context),
            "system,user");
  EXPECT_EQ(Render("{{ ['a', 'b'] | map('upper') | join }}{{ [1, 0, 2] | select | list }}"
                   "{{ ['x', 'code', 'y'] | reject('equalto', 'code') | join }}"),
            "AB[1, 2]xy");
  EXPECT_EQ(Render("{{ {'a': 1} | items | list }}"), "[['a', 1]]");
}

TEST(JinjaMethods, StringAndDictMethods) {
  EXPECT_EQ(
      Render("{{ '  x '.strip() }}|{{ 'xxay'.lstrip('x') }}|{{ ' a '.rstrip() }}|{{ "
             "'a,b,,c'.split(',') }}|"
             "{{ ' a  b '.split() }}|{{ 'abc'.startswith('ab') }}|{{ 'abc'.endswith(('x', 'c')) }}|"
             "{{ 'Ab'.upper() }}{{ 'Ab'.lower() }}|{{ 'aaa'.replace('a', 'b', 2) }}|{{ "
             "'-'.join(['a', 'b']) }}"),
      "x|ay| a|['a', 'b', '', 'c']|['a', 'b']|True|True|ABab|bba|a-b");
  EXPECT_EQ(Render("{{ d.get('a') }}{{ d.get('b', 2) }}{{ d.get('c') }}|{{ d.keys() | list }}{{ "
                   "d.values() | list }}",
                   {{"d", {{"a", 1}}}}),
            "12None|['a'][1]");
}

TEST(JinjaFunctions, RangeNamespaceRaiseAndStrftime) {
  EXPECT_EQ(Render("{{ range(3) | list }}{{ range(1, 7, 2) | list }}{{ range(3, 0, -1) | list }}"),
            "[0, 1, 2][1, 3, 5][3, 2, 1]");
  Status s = RenderError("{{ raise_exception('Only user and assistant roles are supported!') }}");
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "Only user and assistant roles are supported!");

  auto t = JinjaTemplate::Parse("{{ strftime_now('%d %b %Y') }} {{ strftime_now is defined }}");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  core::FakeClock clock(
      std::chrono::system_clock::from_time_t(1721995200));  // 2024-07-26T12:00:00Z
  JinjaRenderOptions options;
  options.clock = &clock;
  auto out = t->Render(Json::object(), options);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "26 Jul 2024 True");
}

TEST(JinjaErrors, SyntaxErrorsNameLineAndColumn) {
  auto error = [](std::string_view source) {
    auto t = JinjaTemplate::Parse(source);
    return t.ok() ? std::string("parsed") : t.status().message();
  };
  EXPECT_THAT(error("line 1\n{% if x %}\n{{ 1 + }}\n{% endif %}"),
              HasSubstr("line 3, column 8: unexpected '}}'"));
  EXPECT_THAT(error("{% foo %}"), HasSubstr("line 1, column 4: unknown tag 'foo'"));
  EXPECT_THAT(error("{% include 'x' %}"), HasSubstr("unsupported tag 'include'"));
  EXPECT_THAT(error("ab\n  {{ x | bogus }}"),
              HasSubstr("line 2, column 10: unknown filter 'bogus'"));
  EXPECT_THAT(error("{{ x is bogus }}"), HasSubstr("unknown test 'bogus'"));
  EXPECT_THAT(error("{% if true %}x"), HasSubstr("unexpected end of template, expected 'endif'"));
  EXPECT_THAT(error("{% for x in y %}{% endif %}"),
              HasSubstr("line 1, column 20: unexpected 'endif'"));
  EXPECT_THAT(error("{{ 'abc }}"), HasSubstr("line 1, column 4: unterminated string literal"));
  EXPECT_THAT(error("{{ x "), HasSubstr("unclosed '{{'"));
  EXPECT_THAT(error("{# x"), HasSubstr("unclosed comment"));
  EXPECT_THAT(error("{% break %}"), HasSubstr("'break' outside of a loop"));
}

TEST(JinjaErrors, RenderErrorsNameTheLine) {
  Status s = RenderError("\n\n{{ 1 + 'a' }}");
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(s.message(),
              HasSubstr("line 3, column 6: unsupported operand types for +: integer and string"));
  EXPECT_THAT(RenderError("{% for x in 5 %}{% endfor %}").message(),
              HasSubstr("cannot iterate over integer"));
  EXPECT_THAT(RenderError("{{ 'a' | tojson(indent='x') }}").message(),
              HasSubstr("filter 'tojson'"));
}

TEST(JinjaLimits, BoundHostileTemplates) {
  JinjaLimits small;
  small.max_loop_iterations = 10000;
  small.max_output_bytes = 50000;
  EXPECT_THAT(
      RenderError("{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}",
                  small)
          .message(),
      HasSubstr("more than 10000 loop iterations"));
  EXPECT_THAT(RenderError("{% for i in range(100) %}{{ 'x' * 1000 }}{% endfor %}", small).message(),
              HasSubstr("output exceeds the limit of 50000 bytes"));
  EXPECT_THAT(RenderError("{{ 'x' * 100000000000 }}").message(),
              HasSubstr("output exceeds the limit"));
  EXPECT_THAT(
      RenderError(
          "{% set ns = namespace(s='x' * 16) %}{% for i in range(30) %}{% set ns.s = ns.s + ns.s %}"
          "{% endfor %}")
          .message(),
      HasSubstr("output exceeds the limit"));
  EXPECT_THAT(RenderError("{{ range(10000000000) | length }}").message(),
              HasSubstr("exceeds the limit"));
  EXPECT_THAT(RenderError("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}").message(),
              HasSubstr("nested too deeply"));
  const std::string deep = "{{ " + std::string(200, '(') + "1" + std::string(200, ')') + " }}";
  EXPECT_THAT(RenderError(deep).message(), HasSubstr("nested too deeply"));
  std::string nested_ifs;
  for (int i = 0; i < 100; ++i) nested_ifs += "{% if true %}";
  EXPECT_THAT(RenderError(nested_ifs).message(), HasSubstr("nested too deeply"));
}

}  // namespace
}  // namespace strata::genai
