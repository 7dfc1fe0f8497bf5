// `strata models evaluate`, `export`, `import`, `import-xgboost`.
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "cli/commands.h"

namespace strata::cli {
namespace {

std::string ModelPath(const std::string& model, const std::string& version) {
  return "/api/v1/models/" + model + "/versions/" + version;
}

std::string Number(const Json& v) {
  if (v.is_number_float()) return fmt::format("{:.6f}", v.get<double>());
  return Cell(v);
}

// One line naming the columns that move the predictions most (the SHAP summary, else
// the model's importance), or "" when the evaluation has no explanations.
std::string TopColumns(const Json& e, size_t top = 5) {
  if (!e.contains("explanations")) return "";
  const Json& x = e["explanations"];
  std::string what;
  const Json* values = nullptr;
  if (x.contains("shap_summary")) {
    values = &x["shap_summary"]["values"];
    what = fmt::format("mean |SHAP| on {} rows", x["shap_summary"]["rows"].get<int64_t>());
  } else if (x.contains("importance") && x["importance"].contains("permutation")) {
    values = &x["importance"]["permutation"]["values"];
    what = "permutation importance";
  }
  if (values == nullptr || !values->is_object() || values->empty()) return "";
  std::vector<std::pair<double, std::string>> ranked;
  for (const auto& [column, v] : values->items()) {
    if (v.is_number()) ranked.emplace_back(v.get<double>(), column);
  }
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::string list;
  for (size_t i = 0; i < ranked.size() && i < top; ++i) {
    list += fmt::format("{}{} {:.4g}", i ? ", " : "", ranked[i].second, ranked[i].first);
  }
  return fmt::format("\ntop columns ({}): {}\n", what, list);
}

std::string RenderMetrics(const Json& e) {
  const Json& m = e["metrics"];
  const Json& rows = e["rows"];
  const std::string problem = e["model"]["problem"];
  std::string out =
      fmt::format("model {} v{} ({}) on dataset {} v{}\n", e["model"]["name"].get<std::string>(),
                  e["model"]["version"].get<int64_t>(), problem,
                  e["dataset"]["name"].get<std::string>(), e["dataset"]["version"].get<int64_t>());
  out += fmt::format("rows: {} evaluated, {} without target", rows["evaluated"].get<int64_t>(),
                     rows["missing_target"].get<int64_t>());
  if (problem != "regression")
    out += fmt::format(", {} with an unseen class", rows["unseen_class"].get<int64_t>());
  out += "\n";
  for (const auto& u : e.value("unseen_classes", Json::array())) {
    out += fmt::format(
        "warning: {} rows have class '{}', which the model was not trained on: not evaluated\n",
        u["rows"].get<int64_t>(), u["class"].get<std::string>());
  }
  for (const auto& n : e.value("notes", Json::array()))
    out += fmt::format("note: {}\n", n.get<std::string>());
  out += "\n";

  Table metrics;
  metrics.headers = {"METRIC", "VALUE"};
  if (problem == "regression") {
    for (const char* k : {"rmse", "mae", "r2", "mape", "zero_actuals"})
      metrics.rows.push_back({k, Number(m[k])});
    for (const char* k : {"mean", "std", "p5", "p50", "p95"}) {
      metrics.rows.push_back({fmt::format("residual {}", k), Number(m["residuals"][k])});
    }
    return out + metrics.Render();
  }
  if (problem == "binary_classification") {
    metrics.rows.push_back({"threshold", Number(e["threshold"])});
    for (const char* k :
         {"accuracy", "roc_auc", "pr_auc", "log_loss", "precision", "recall", "f1"}) {
      metrics.rows.push_back({k, Number(m[k])});
    }
  } else {
    for (const char* k : {"accuracy", "roc_auc_ovr", "log_loss"})
      metrics.rows.push_back({k, Number(m[k])});
  }
  out += metrics.Render() + "\n";

  Table classes;
  classes.headers = {"CLASS", "PRECISION", "RECALL", "F1", "SUPPORT"};
  for (const auto& c : m["per_class"]) {
    classes.rows.push_back({c["class"], Number(c["precision"]), Number(c["recall"]),
                            Number(c["f1"]), Cell(c["support"])});
  }
  for (const char* avg : {"macro", "weighted"}) {
    classes.rows.push_back({fmt::format("({} avg)", avg), Number(m[avg]["precision"]),
                            Number(m[avg]["recall"]), Number(m[avg]["f1"]), ""});
  }
  out += classes.Render() + "\nconfusion matrix (rows: actual, columns: predicted)\n";

  const std::vector<std::string> names = e["model"]["classes"].get<std::vector<std::string>>();
  std::vector<std::vector<int64_t>> confusion;
  if (problem == "binary_classification") {
    const Json& c = m["confusion_matrix"];
    confusion = {{c["tn"].get<int64_t>(), c["fp"].get<int64_t>()},
                 {c["fn"].get<int64_t>(), c["tp"].get<int64_t>()}};
  } else {
    confusion = m["confusion_matrix"].get<std::vector<std::vector<int64_t>>>();
  }
  Table cm;
  cm.headers = {""};
  for (const auto& n : names) cm.headers.push_back(n);
  for (size_t i = 0; i < confusion.size() && i < names.size(); ++i) {
    std::vector<std::string> row = {names[i]};
    for (int64_t v : confusion[i]) row.push_back(std::to_string(v));
    cm.rows.push_back(row);
  }
  return out + cm.Render();
}

std::string RenderEvaluation(const Json& e) { return RenderMetrics(e) + TopColumns(e); }

}  // namespace

int CmdModelsEvaluate(const GlobalFlags& g, const ModelsEvaluateArgs& a) {
  auto session = Session::Open(g);
  if (!session.ok()) return ReportError(session.status());
  Json body = {{"dataset", a.dataset}};
  if (a.dataset_version > 0) body["dataset_version"] = a.dataset_version;
  if (a.threshold >= 0) body["threshold"] = a.threshold;
  auto e = CallJson((*session)->transport(),
                    MakeRequest("POST", ModelPath(a.model, a.version) + "/evaluate", {}, &body));
  if (!e.ok()) return ReportError(e.status());
  if (!a.html.empty()) {
    // Rendered here from the JSON, so one evaluation gives both, remote or local.
    if (Status s = core::WriteFileAtomic(a.html, platform::RenderEvaluationHtml(*e)); !s.ok())
      return ReportError(s);
    fmt::print(stderr, "wrote the evaluation report to {}\n", a.html);
  }
  (*session)->Print(*e, RenderEvaluation);
  return 0;
}

int CmdModelsExport(const GlobalFlags& g, const std::string& model, const std::string& version,
                    const std::string& output_file) {
  auto session = Session::Open(g);
  if (!session.ok()) return ReportError(session.status());
  auto r =
      CallRaw((*session)->transport(), MakeRequest("GET", ModelPath(model, version) + "/export"));
  if (!r.ok()) return ReportError(r.status());
  if (Status s = core::WriteFileAtomic(output_file, r->body); !s.ok()) return ReportError(s);
  Json result = {
      {"model", model}, {"version", version}, {"file", output_file}, {"bytes", r->body.size()}};
  (*session)->Print(result, [](const Json& j) {
    return fmt::format("exported {} v{} to {} ({} bytes)\n", j["model"].get<std::string>(),
                       j["version"].get<std::string>(), j["file"].get<std::string>(),
                       j["bytes"].get<size_t>());
  });
  return 0;
}

int CmdModelsImport(const GlobalFlags& g, const ModelsImportArgs& a) {
  std::filesystem::path file(a.file);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec) || ::access(file.c_str(), R_OK) != 0) {
    return ReportError(InvalidArgumentError(fmt::format("'{}' is not a readable file", a.file)));
  }
  std::map<std::string, std::string> query = {{"format", a.format}};
  if (!a.name.empty()) query["name"] = a.name;
  auto join = [](const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
    return out;
  };
  if (!a.features.empty()) query["features"] = join(a.features);
  if (!a.classes.empty()) query["classes"] = join(a.classes);
  if (!a.target.empty()) query["target"] = a.target;
  auto session = Session::Open(g);
  if (!session.ok()) return ReportError(session.status());
  api::Request request = MakeRequest("POST", "/api/v1/models/import", query);
  request.body_file = std::filesystem::absolute(file).string();
  auto m = CallJson((*session)->transport(), std::move(request));
  if (!m.ok()) return ReportError(m.status());
  (*session)->Print(*m, [](const Json& j) {
    return fmt::format("imported {} v{} ({} {} predicting '{}')\n", j["name"].get<std::string>(),
                       j["version"].get<int64_t>(), j["algorithm"].get<std::string>(),
                       j["problem"].get<std::string>(), j["target"].get<std::string>());
  });
  return 0;
}

}  // namespace strata::cli
