// `strata bias`: the bias (fairness) report of a facet on a dataset, and the tables
// that `strata train --facet` prints for the bias measured at training.
#include <cmath>

#include <fmt/format.h>

#include "cli/commands.h"

namespace strata::cli {
namespace {

std::string Number(const Json& v) {
  if (v.is_number_float()) return fmt::format("{:.4f}", v.get<double>());
  return Cell(v);  // null (undefined) prints as "-"
}

}  // namespace

std::string RenderBias(const Json& r) {
  std::string out;
  if (r.contains("dataset")) {
    out += fmt::format("bias of facet '{}' on dataset {} v{}: ", r["facet"].get<std::string>(),
                       r["dataset"]["name"].get<std::string>(),
                       r["dataset"]["version"].get<int64_t>());
  } else {
    out += fmt::format("bias of facet '{}': ", r["facet"].get<std::string>());
  }
  out += fmt::format("target '{}', positive class '{}'\n", r["target"].get<std::string>(),
                     r["positive"].get<std::string>());
  if (r.contains("model")) {
    out += fmt::format("model {} v{} ({})\n", r["model"]["name"].get<std::string>(),
                       r["model"]["version"].get<int64_t>(),
                       r["model"]["algorithm"].get<std::string>());
  }
  auto rows_line = [](const char* what, const Json& rows) {
    std::string line =
        fmt::format("rows{}: {} counted, {} without facet, {} without target", what,
                    rows["counted"].get<int64_t>(), rows["missing_facet"].get<int64_t>(),
                    rows["missing_target"].get<int64_t>());
    if (rows.contains("unknown_value"))
      line += fmt::format(", {} with an unknown value", rows["unknown_value"].get<int64_t>());
    return line + "\n";
  };
  const Json& rows = r["rows"];
  if (rows.contains("training")) {
    out += rows_line(" (training)", rows["training"]);
    if (rows.contains("validation")) out += rows_line(" (validation)", rows["validation"]);
  } else {
    out += rows_line("", rows);
  }
  out += "d: the facet value; a: every other row\n\npre-training (labels)\n";

  Table pre;
  pre.headers = {"GROUP", "ROWS_D", "ROWS_A", "POSITIVE_D", "POSITIVE_A", "CI", "DPL", "KL", "JS"};
  std::vector<std::string> notes;
  for (const auto& e : r["pre_training"]) {
    const std::string g = e["facet_value"].get<std::string>();
    pre.rows.push_back({g, Cell(e["d"]["rows"]), Cell(e["a"]["rows"]),
                        Number(e["d"]["positive_rate"]), Number(e["a"]["positive_rate"]),
                        Number(e["class_imbalance"]), Number(e["dpl"]), Number(e["kl"]),
                        Number(e["js"])});
    for (const auto& n : e["notes"])
      notes.push_back(fmt::format("{}: {}", g, n.get<std::string>()));
  }
  out += pre.Render();
  if (r.contains("post_training")) {
    out += "\npost-training (predictions)\n";
    Table post;
    post.headers = {"GROUP", "PRED_POS_D", "PRED_POS_A",  "DPPL",
                    "DI",    "ACC_DIFF",   "RECALL_DIFF", "FPR_DIFF"};
    for (const auto& e : r["post_training"]) {
      const std::string g = e["facet_value"].get<std::string>();
      post.rows.push_back({g, Number(e["d"]["predicted_positive_rate"]),
                           Number(e["a"]["predicted_positive_rate"]), Number(e["dppl"]),
                           Number(e["disparate_impact"]), Number(e["accuracy_difference"]),
                           Number(e["recall_difference"]), Number(e["fpr_difference"])});
      for (const auto& n : e["notes"])
        notes.push_back(fmt::format("{}: {}", g, n.get<std::string>()));
    }
    out += post.Render();
  }
  for (const auto& n : r.value("notes", Json::array())) notes.push_back(n.get<std::string>());
  if (!notes.empty()) out += "\n";
  for (const auto& n : notes) out += fmt::format("note: {}\n", n);
  return out;
}

int CmdBias(const GlobalFlags& g, const BiasArgs& a) {
  if (!a.version.empty() && a.model.empty()) {
    return ReportError(InvalidArgumentError("--version needs --model"));
  }
  Json body = {{"dataset", a.dataset}, {"facet", a.facet}};
  if (!a.target.empty()) body["target"] = a.target;
  if (a.dataset_version > 0) body["dataset_version"] = a.dataset_version;
  if (!a.positive.empty()) body["positive"] = a.positive;
  if (!a.facet_value.empty()) body["facet_value"] = a.facet_value;
  if (!std::isnan(a.facet_threshold)) body["facet_threshold"] = a.facet_threshold;
  if (!a.model.empty()) {
    body["model"] = a.model;
    body["version"] = a.version.empty() ? "latest" : a.version;
  }
  auto session = Session::Open(g);
  if (!session.ok()) return ReportError(session.status());
  auto report = CallJson((*session)->transport(), MakeRequest("POST", "/api/v1/bias", {}, &body));
  if (!report.ok()) return ReportError(report.status());
  if (!a.html.empty()) {
    // Rendered here from the JSON, so one computation gives both, remote or local.
    if (Status s = core::WriteFileAtomic(a.html, platform::RenderBiasHtml(*report)); !s.ok())
      return ReportError(s);
    fmt::print(stderr, "wrote the bias report to {}\n", a.html);
  }
  (*session)->Print(*report, RenderBias);
  return 0;
}

}  // namespace strata::cli
