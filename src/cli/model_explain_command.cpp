// `strata models explain M V --dataset N [--limit K] | --data JSON|@file`: per-row
// contributions of each input column to the model's margin (POST .../explain).
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "cli/commands.h"

namespace strata::cli {
namespace {

std::string Fixed(const Json& v) {
  if (v.is_number()) return fmt::format("{:.4f}", v.get<double>());
  return Cell(v);
}

// One line per row: its prediction, margin and base value, then the `top` columns with
// the largest mean |contribution| over the rows shown, and the rest summed, so that
// BASE + the contribution columns = MARGIN. For multi-class, the contributions to the
// predicted class's margin.
std::string RenderExplanation(const Json& e, int top) {
  const Json& rows = e["rows"];
  const bool multi = e["model"]["problem"] == "multiclass_classification";
  std::string out =
      fmt::format("model {} v{} ({}): {} values, link {}", e["model"]["name"].get<std::string>(),
                  e["model"]["version"].get<int64_t>(), e["model"]["algorithm"].get<std::string>(),
                  e["method"].get<std::string>(), e["link"].get<std::string>());
  if (e.contains("explained_class"))
    out += fmt::format(", margin of class '{}'", e["explained_class"].get<std::string>());
  if (multi) out += ", margin of the predicted class";
  out += "\n";
  auto contributions = [&](const Json& row) -> const Json& {
    if (!multi) return row["contributions"];
    return row["contributions"][row["prediction"].get<std::string>()];
  };
  auto class_value = [&](const Json& row, const char* field) -> Json {
    return multi ? row[field][row["prediction"].get<std::string>()] : row[field];
  };
  std::vector<std::pair<double, std::string>> ranked;
  for (const auto& column : e["columns"]) {
    double sum = 0;
    for (const auto& row : rows) {
      const Json& v = contributions(row)[column.get<std::string>()];
      if (v.is_number()) sum += std::fabs(v.get<double>());
    }
    ranked.emplace_back(sum, column.get<std::string>());
  }
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  const size_t shown = std::min(ranked.size(), static_cast<size_t>(std::max(1, top)));
  const bool has_actual = !rows.empty() && rows[0].contains("actual");

  Table t;
  t.headers = {"ROW", "PREDICTION"};
  if (has_actual) t.headers.push_back("ACTUAL");
  t.headers.insert(t.headers.end(), {"MARGIN", "BASE"});
  for (size_t i = 0; i < shown; ++i) t.headers.push_back(ranked[i].second);
  if (ranked.size() > shown) t.headers.push_back(fmt::format("({} more)", ranked.size() - shown));
  const int64_t first = e.contains("dataset") ? e["dataset"]["offset"].get<int64_t>() : 0;
  for (size_t r = 0; r < rows.size(); ++r) {
    const Json& row = rows[r];
    std::vector<std::string> cells = {std::to_string(first + static_cast<int64_t>(r)),
                                      Cell(row["prediction"])};
    if (has_actual) cells.push_back(Cell(row["actual"]));
    cells.push_back(Fixed(class_value(row, "margin")));
    cells.push_back(Fixed(class_value(row, "base_value")));
    const Json& c = contributions(row);
    for (size_t i = 0; i < shown; ++i) cells.push_back(Fixed(c[ranked[i].second]));
    if (ranked.size() > shown) {
      double rest = 0;
      for (size_t i = shown; i < ranked.size(); ++i) {
        if (c[ranked[i].second].is_number()) rest += c[ranked[i].second].get<double>();
      }
      cells.push_back(fmt::format("{:.4f}", rest));
    }
    t.rows.push_back(std::move(cells));
  }
  out += t.Render();
  for (const auto& n : e.value("notes", Json::array()))
    out += "note: " + n.get<std::string>() + "\n";
  return out;
}

// --data: a list of rows, {"rows": [...]} or {"instances": [...]}; JSON text or @file.
Result<Json> RowsFromData(const std::string& data) {
  std::string text = data;
  if (!text.empty() && text[0] == '@') {
    STRATA_ASSIGN_OR_RETURN(text, core::ReadFile(text.substr(1)));
  }
  STRATA_ASSIGN_OR_RETURN(Json j, core::ParseJson(text, "--data"));
  if (j.is_array()) return j;
  for (const char* key : {"rows", "instances"}) {
    if (j.is_object() && j.contains(key)) return j[key];
  }
  return InvalidArgumentError("--data must be a list of rows, or {\"rows\": [...]}");
}

}  // namespace

int CmdModelsExplain(const GlobalFlags& g, const ModelsExplainArgs& a) {
  Json body = Json::object();
  if (!a.data.empty()) {
    auto rows = RowsFromData(a.data);
    if (!rows.ok()) return ReportError(rows.status());
    body["rows"] = *rows;
  } else if (!a.dataset.empty()) {
    body["dataset"] = a.dataset;
    if (a.dataset_version > 0) body["dataset_version"] = a.dataset_version;
    if (a.offset > 0) body["offset"] = a.offset;
    if (a.limit > 0) body["limit"] = a.limit;
  } else {
    return ReportError(
        InvalidArgumentError("give --dataset N (with --limit K) or --data JSON|@file"));
  }
  auto session = Session::Open(g);
  if (!session.ok()) return ReportError(session.status());
  auto e = CallJson(
      (*session)->transport(),
      MakeRequest("POST", "/api/v1/models/" + a.model + "/versions/" + a.version + "/explain", {},
                  &body));
  if (!e.ok()) return ReportError(e.status());
  (*session)->Print(*e, [&](const Json& j) { return RenderExplanation(j, a.top); });
  return 0;
}

}  // namespace strata::cli
