#pragma once
// The one JSON library of Strata's APIs (nlohmann::json), and parsing that reports
// where the input is wrong.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace strata {

// Objects keep insertion order: API responses list fields in a deliberate order, and
// rows and JSON Lines keys keep their column order.
using Json = nlohmann::ordered_json;

namespace core {

// Parses `text`; on failure the message names `what` (e.g. "request body") and the
// line and column of the error: "request body: invalid JSON at line 3, column 7: ...".
Result<Json> ParseJson(std::string_view text, std::string_view what);

// Typed field access for request objects, with errors that name the field:
// "field 'port' must be an integer, got string". A missing optional field yields
// `fallback`; a missing required field is InvalidArgument.
Result<std::string> RequiredString(const Json& object, std::string_view field);
Result<std::string> OptionalString(const Json& object, std::string_view field,
                                   std::string fallback);
Result<int64_t> OptionalInt(const Json& object, std::string_view field, int64_t fallback);
Result<double> OptionalNumber(const Json& object, std::string_view field, double fallback);
Result<bool> OptionalBool(const Json& object, std::string_view field, bool fallback);
// The JSON type name used in error messages: "object", "string", "integer", ...
std::string_view JsonTypeName(const Json& value);

// Append JSON text as dump() would write it, for hot paths that write a response
// without building a document (a one-row invocation's answer). A string's bytes are
// copied as they are: the caller passes valid UTF-8. A non-finite number is null;
// an integral one keeps its ".0", as in dump().
void AppendJsonString(std::string& out, std::string_view s);
void AppendJsonNumber(std::string& out, double v);

}  // namespace core
}  // namespace strata
