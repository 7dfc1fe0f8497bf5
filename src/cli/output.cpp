#include "cli/output.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <fmt/format.h>

namespace strata::cli {

Result<OutputFormat> ResolveOutputFormat(const std::string& flag) {
  if (flag == "json") return OutputFormat::kJson;
  if (flag == "table") return OutputFormat::kTable;
  if (flag.empty()) return core::IsTerminal(STDOUT_FILENO) ? OutputFormat::kTable : OutputFormat::kJson;
  return InvalidArgumentError(fmt::format("--output must be table or json, got '{}'", flag));
}

std::string Table::Render() const {
  std::vector<size_t> width(headers.size(), 0);
  for (size_t c = 0; c < headers.size(); ++c) width[c] = headers[c].size();
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size() && c < width.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t c = 0; c < cells.size() && c < width.size(); ++c) {
      bool last = c + 1 == cells.size();
      out += last ? cells[c] : fmt::format("{:<{}}  ", cells[c], width[c]);
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line(headers);
  for (const auto& row : rows) out += line(row);
  return out;
}

std::string Cell(const Json& value) {
  if (value.is_null()) return "-";
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_float()) {
    double d = value.get<double>();
    if (d == std::floor(d) && std::fabs(d) < 1e15) return fmt::format("{}", static_cast<int64_t>(d));
    return fmt::format("{:.6g}", d);
  }
  return value.dump();
}

std::string RenderObject(const Json& object) {
  Table t;
  t.headers = {"FIELD", "VALUE"};
  for (const auto& [key, value] : object.items()) t.rows.push_back({key, Cell(value)});
  return t.Render();
}

std::string PrettyJson(const Json& value) {
  return value.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

int ReportError(const Status& status) {
  fmt::print(stderr, "error: {}\n", status.ToString());
  return ExitCodeFor(status.code());
}

}  // namespace strata::cli
