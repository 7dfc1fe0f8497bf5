#pragma once
// Constrained decoding, part 3: JSON Schema -> GBNF (grammar.h), for structured outputs
// (`response_format: {type: json_schema}`), JSON mode (`{type: json_object}`) and the
// arguments of tool calls in the OpenAI-compatible API.
//
// Hand-written: no Debian 12 package converts JSON Schema to a grammar.
//
// The subset of JSON Schema that OpenAI's structured outputs and tool calls use:
//   type (object, array, string, number, integer, boolean, null, or a list of them);
//   properties + required: properties appear in their declared order, optional ones may
//     be left out; additionalProperties false, true or a schema (extra keys come after
//     the declared ones). When it is absent and properties are given, no extra keys are
//     produced (as llama.cpp does: the model should fill in the declared fields);
//   items, minItems, maxItems; enum, const; anyOf, oneOf (as alternatives); allOf with
//   one member; $ref to #/$defs/..., #/definitions/... or any local JSON pointer
//   (recursion allowed); string minLength, maxLength, format date, time, date-time,
//   uuid (other formats are annotations and ignored); pattern as a regular expression
//   subset (literals, [classes], ., groups, |, * + ? {m,n}, \d \w \s, anchors; it must
//   match the whole string); number bounds (minimum, ...) are not enforced.
// Anything else that changes what is valid (prefixItems, not, if/then, lookarounds and
// backreferences in patterns, ...) is InvalidArgument naming the keyword and where it
// is ("json schema at #/properties/a: unsupported keyword 'not'").
//
// Output shape: compact or pretty-printed JSON; between tokens at most one space, or a
// newline and up to 20 spaces/tabs of indentation, so a model cannot loop on
// whitespace. Numbers have at most 16 integer digits, 16 fraction digits and 2
// exponent digits, and \u escapes never name a lone surrogate: every match parses.

#include <memory>
#include <string>

#include "core/core.h"
#include "genai/grammar.h"

namespace strata::genai {

// The GBNF text for `schema` (root rule "root").
Result<std::string> JsonSchemaToGbnf(const Json& schema);
Result<std::shared_ptr<const Grammar>> JsonSchemaGrammar(const Json& schema);

// GBNF for any JSON value, or with object_only any JSON object (JSON mode).
std::string AnyJsonGbnf(bool object_only);
Result<std::shared_ptr<const Grammar>> AnyJsonGrammar(bool object_only);

}  // namespace strata::genai
