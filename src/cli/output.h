#pragma once
// Terminal output of the CLI: JSON for scripts, aligned tables for people
// (API.md: `--output table|json`, table by default on a terminal).

#include <string>
#include <vector>

#include "core/core.h"

namespace strata::cli {

enum class OutputFormat { kTable, kJson };

// `flag` is "table", "json" or "" (table on a terminal, JSON otherwise).
Result<OutputFormat> ResolveOutputFormat(const std::string& flag);

struct Table {
  std::vector<std::string> headers;
  std::vector<std::vector<std::string>> rows;
  // Columns padded to their widest cell; the last column is not padded.
  std::string Render() const;
};

// A two-column table of an object's scalar fields ("name  value"), nested values as
// compact JSON.
std::string RenderObject(const Json& object);
// A scalar as a table cell: strings bare, null as "-", numbers as JSON.
std::string Cell(const Json& value);
std::string PrettyJson(const Json& value);

// Prints "error: <message>" to stderr and returns the status's exit code.
int ReportError(const Status& status);

}  // namespace strata::cli
