// `strata cluster-sweep`: the k-means elbow/silhouette sweep over a range of k.
#include <fmt/format.h>

#include "cli/commands.h"

namespace strata::cli {
namespace {

std::string RenderSweep(const Json& s) {
  Table t;
  t.headers = {"K", "INERTIA", "SILHOUETTE", "ITERATIONS", ""};
  for (const auto& r : s["results"]) {
    const bool suggested = s["suggested_k"] == r["k"];
    t.rows.push_back(
        {Cell(r["k"]), fmt::format("{:.6g}", r["inertia"].get<double>()),
         r["silhouette"].is_number() ? fmt::format("{:.4f}", r["silhouette"].get<double>()) : "-",
         Cell(r["iterations"]), suggested ? "<- suggested" : ""});
  }
  std::string out =
      fmt::format("k-means sweep of {} v{}: {} of {} rows, {} features, {:.1f}s\n\n",
                  s["dataset"]["name"].get<std::string>(), s["dataset"]["version"].get<int64_t>(),
                  s["rows_used"].get<int64_t>(), s["dataset"]["rows"].get<int64_t>(),
                  s["features"].get<int64_t>(), s["seconds"].get<double>());
  out += t.Render();
  out += s["suggested_k"].is_number()
             ? fmt::format("\nsuggested k: {} (highest silhouette)\n", s["suggested_k"].get<int>())
             : "\nno suggestion: no k has a silhouette (it needs at least two clusters)\n";
  return out;
}

}  // namespace

int CmdClusterSweep(const GlobalFlags& g, const ClusterSweepArgs& a) {
  // --k 2:10, or one k.
  int64_t k_min = 0, k_max = 0;
  char tail = 0;
  if (std::sscanf(a.k.c_str(), "%ld:%ld%c", &k_min, &k_max, &tail) != 2) {
    if (std::sscanf(a.k.c_str(), "%ld%c", &k_min, &tail) != 1) {
      return ReportError(
          InvalidArgumentError(fmt::format("--k '{}' must be a range MIN:MAX (e.g. 2:10)", a.k)));
    }
    k_max = k_min;
  }
  Json body = {{"dataset", a.dataset}, {"k_min", k_min}, {"k_max", k_max}};
  if (a.dataset_version > 0) body["dataset_version"] = a.dataset_version;
  if (a.sample > 0) body["sample"] = a.sample;
  if (a.seed >= 0) body["seed"] = a.seed;
  if (!a.preprocessing.empty()) {
    auto pre = core::ParseJson(a.preprocessing, "--preprocessing");
    if (!pre.ok()) return ReportError(pre.status());
    body["preprocessing"] = *pre;
  }
  Json hp = Json::object();
  for (const auto& kv : a.hyperparameters) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return ReportError(InvalidArgumentError(fmt::format("--hp '{}' must be name=value", kv)));
    }
    hp[kv.substr(0, eq)] = kv.substr(eq + 1);  // checked against kmeans' schema server-side
  }
  if (!hp.empty()) body["hyperparameters"] = hp;
  auto session = Session::Open(g);
  if (!session.ok()) return ReportError(session.status());
  auto s = CallJson((*session)->transport(),
                    MakeRequest("POST", "/api/v1/clustering/sweeps", {}, &body));
  if (!s.ok()) return ReportError(s.status());
  if (!a.html.empty()) {
    // Rendered here from the JSON, so one sweep gives both, remote or local.
    if (Status w = core::WriteFileAtomic(a.html, platform::RenderClusterSweepHtml(*s)); !w.ok()) {
      return ReportError(w);
    }
    fmt::print(stderr, "wrote the sweep report to {}\n", a.html);
  }
  (*session)->Print(*s, RenderSweep);
  return 0;
}

}  // namespace strata::cli
