#include "serve/invocation.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "data/data.h"

namespace strata::serve {
namespace {

std::string MediaType(std::string_view content_type) {
  std::string t(content_type.substr(0, content_type.find(';')));
  t.erase(std::remove_if(t.begin(), t.end(), [](unsigned char c) { return std::isspace(c); }), t.end());
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
  return t;
}

Status CheckRows(size_t n, size_t max_rows) {
  if (n > max_rows) {
    return PayloadTooLargeError(fmt::format("{} rows in one request; the limit is {}", n, max_rows));
  }
  return Status::Ok();
}

Result<Json> ParseJsonInstances(std::string_view body, const std::vector<std::string>& columns, size_t max_rows) {
  STRATA_ASSIGN_OR_RETURN(Json doc, core::ParseJson(body, "request body"));
  Json rows;
  if (doc.is_array()) {
    rows = std::move(doc);
  } else if (doc.is_object()) {
    if (!doc.contains("instances")) {
      return InvalidArgumentError("request body: expected {\"instances\": [...]} or a list of rows");
    }
    rows = std::move(doc["instances"]);
    if (!rows.is_array()) {
      return InvalidArgumentError(fmt::format("instances: expected a list of rows, got {}", core::JsonTypeName(rows)));
    }
  } else {
    return InvalidArgumentError(fmt::format("request body: expected an object or a list, got {}",
                                            core::JsonTypeName(doc)));
  }
  STRATA_RETURN_IF_ERROR(CheckRows(rows.size(), max_rows));
  for (size_t i = 0; i < rows.size(); ++i) {
    const Json& r = rows[i];
    if (r.is_object()) {
      for (const auto& [k, v] : r.items()) {
        if (v.is_object() || v.is_array()) {
          return InvalidArgumentError(fmt::format("row {}: column '{}': expected a number, string, boolean or null, "
                                                  "got {}", i, k, core::JsonTypeName(v)));
        }
      }
    } else if (r.is_array()) {
      if (r.size() != columns.size()) {
        return InvalidArgumentError(fmt::format("row {}: expected {} values in the model's column order ({}), got {}",
                                                i, columns.size(), fmt::join(columns, ", "), r.size()));
      }
      for (size_t c = 0; c < r.size(); ++c) {
        if (r[c].is_object() || r[c].is_array()) {
          return InvalidArgumentError(fmt::format("row {}: column '{}': expected a number, string, boolean or null, "
                                                  "got {}", i, columns[c], core::JsonTypeName(r[c])));
        }
      }
    } else {
      return InvalidArgumentError(fmt::format("row {}: expected an object or a list, got {}", i,
                                              core::JsonTypeName(r)));
    }
  }
  return rows;
}

Result<Json> ParseCsvInstances(std::string_view body, const std::vector<std::string>& columns, size_t max_rows) {
  data::CsvReader reader("request body", ',', /*header=*/false, {"NA", "null", "NaN"});
  STRATA_RETURN_IF_ERROR(reader.OpenMemory(body));
  Json rows = Json::array();
  data::Record rec;
  for (;;) {
    STRATA_ASSIGN_OR_RETURN(bool more, reader.Next(&rec));
    if (!more) break;
    const size_t i = rows.size();
    STRATA_RETURN_IF_ERROR(CheckRows(i + 1, max_rows));
    if (rec.fields.size() != columns.size()) {
      return InvalidArgumentError(fmt::format("line {}: expected {} fields in the model's column order ({}), got {}",
                                              rec.line, columns.size(), fmt::join(columns, ", "), rec.fields.size()));
    }
    Json obj = Json::object();
    for (size_t c = 0; c < columns.size(); ++c) {
      double number = 0;
      if (rec.null[c]) {
        obj[columns[c]] = nullptr;
      } else if (data::ParseDouble(rec.fields[c], &number)) {
        obj[columns[c]] = number;
      } else {
        obj[columns[c]] = std::string(rec.fields[c]);
      }
    }
    rows.push_back(std::move(obj));
  }
  return rows;
}

}  // namespace

bool IsJsonMediaType(std::string_view content_type) {
  const std::string type = MediaType(content_type);
  return type.empty() || type == "application/json";
}

Result<Json> ParseInstances(std::string_view content_type, std::string_view body,
                            const std::vector<std::string>& columns, size_t max_rows) {
  const std::string type = MediaType(content_type);
  if (type == "text/csv") return ParseCsvInstances(body, columns, max_rows);
  if (IsJsonMediaType(type)) return ParseJsonInstances(body, columns, max_rows);
  return InvalidArgumentError(
      fmt::format("Content-Type '{}' is not supported: send application/json or text/csv", content_type));
}

}  // namespace strata::serve
