// `strata train` and `strata models ...`
#include <cstdlib>

#include <fmt/format.h>

#include "cli/commands.h"

namespace strata::cli {
namespace {

std::string Metric(const Json& metrics, const char* key) {
  return metrics.contains(key) && metrics[key].is_number() ? fmt::format("{:.4f}", metrics[key].get<double>()) : "-";
}

// The headline metrics of a model: what a data scientist looks at first.
std::string Headline(const Json& metrics, const std::string& problem) {
  if (problem == "clustering") {
    return fmt::format("silhouette {}  inertia {}  clusters {}", Metric(metrics, "silhouette"),
                       Metric(metrics, "inertia"), metrics.value("clusters", 0));
  }
  if (problem == "anomaly_detection") {
    std::string out = fmt::format("flagged {}", Metric(metrics, "flagged_rate"));
    if (metrics.contains("roc_auc")) out += fmt::format("  auc {}  recall {}", Metric(metrics, "roc_auc"), Metric(metrics, "recall"));
    return out;
  }
  if (problem == "dimensionality_reduction") {
    return fmt::format("explained variance {}  components {}", Metric(metrics, "total_explained_variance_ratio"),
                       metrics.value("components", 0));
  }
  if (problem == "regression") {
    return fmt::format("rmse {}  mae {}  r2 {}", Metric(metrics, "rmse"), Metric(metrics, "mae"), Metric(metrics, "r2"));
  }
  if (problem == "binary_classification") {
    return fmt::format("auc {}  accuracy {}  f1 {}  log_loss {}", Metric(metrics, "roc_auc"), Metric(metrics, "accuracy"),
                       Metric(metrics, "f1"), Metric(metrics, "log_loss"));
  }
  return fmt::format("accuracy {}  macro f1 {}  log_loss {}", Metric(metrics, "accuracy"),
                     metrics.contains("macro") ? Metric(metrics["macro"], "f1") : "-", Metric(metrics, "log_loss"));
}

std::string RenderModels(const Json& page) {
  Table t;
  t.headers = {"MODEL", "VERSION", "ALGORITHM", "PROBLEM", "DATASET", "METRICS", "CREATED"};
  for (const auto& m : page["items"]) {
    t.rows.push_back({m["name"], Cell(m["version"]), m["algorithm"], m["problem"], m["dataset"],
                      Headline(m["metrics"], m["problem"]), Cell(m["created_at"])});
  }
  return t.Render();
}

std::string RenderModel(const Json& m) {
  Table t;
  t.headers = {"VERSION", "DATASET", "JOB", "TRAINING", "METRICS", "CREATED"};
  for (const auto& v : m["versions"]) {
    t.rows.push_back({Cell(v["version"]), v["dataset"], Cell(v["job"]), fmt::format("{:.1f}s", v["training_seconds"].get<double>()),
                      Headline(v["metrics"], v["problem"]), Cell(v["created_at"])});
  }
  const Json& latest = m["versions"].back();
  const std::string target = latest["target"];
  return fmt::format("{}: {} {}{}\n\n", m["name"].get<std::string>(), latest["algorithm"].get<std::string>(),
                     latest["problem"].get<std::string>(), target.empty() ? "" : fmt::format(" predicting '{}'", target)) +
         t.Render();
}

}  // namespace

int CmdTrain(const GlobalFlags& g, const TrainArgs& a) {
  Json hp = Json::object();
  for (const auto& kv : a.hyperparameters) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return ReportError(InvalidArgumentError(fmt::format("--hp '{}' must be name=value", kv)));
    }
    hp[kv.substr(0, eq)] = kv.substr(eq + 1);  // numbers are checked against the schema server-side
  }
  Json body = {{"dataset", a.dataset}, {"algorithm", a.algorithm}, {"hyperparameters", hp}};
  if (!a.target.empty()) body["target"] = a.target;
  if (!a.name.empty()) body["name"] = a.name;
  if (!a.model.empty()) body["model"] = a.model;
  if (!a.validation_dataset.empty()) body["validation"] = {{"dataset", a.validation_dataset}};
  else if (a.validation_fraction > 0) body["validation"] = {{"fraction", a.validation_fraction}};
  if (!a.problem.empty()) body["problem"] = a.problem;
  if (!a.class_weight.empty()) body["class_weight"] = a.class_weight;
  if (!a.facet.empty()) body["facet"] = a.facet;
  if (!a.positive.empty()) body["positive"] = a.positive;
  if (!a.preprocessing.empty()) {
    auto pre = core::ParseJson(a.preprocessing, "--preprocessing");
    if (!pre.ok()) return ReportError(pre.status());
    body["preprocessing"] = *pre;
  }
  auto session = Session::Open(g);
  if (!session.ok()) return ReportError(session.status());
  if (a.wait) {
    if (auto* app = (*session)->transport().local_app()) {
      if (Status s = app->StartScheduler(); !s.ok()) return ReportError(s);
    }
  }
  auto job = CallJson((*session)->transport(), MakeRequest("POST", "/api/v1/training-jobs", {}, &body));
  if (!job.ok()) return ReportError(job.status());
  std::string id = (*job)["id"];
  if (!a.wait) {
    (*session)->Print(*job, [](const Json& j) {
      return fmt::format("training job {} submitted ({}); follow it with: strata jobs logs {} --follow\n",
                         j["name"].get<std::string>(), j["status"].get<std::string>(), j["name"].get<std::string>());
    });
    return 0;
  }
  auto done = WaitForJob(**session, id);
  if (!done.ok()) return ReportError(done.status());
  auto full = CallJson((*session)->transport(), MakeRequest("GET", "/api/v1/training-jobs/" + id));
  if (!full.ok()) return ReportError(full.status());
  (*session)->Print(*full, [](const Json& j) {
    if (!j.contains("model")) return fmt::format("training job {}: {}\n", j["name"].get<std::string>(), j["status"].get<std::string>());
    const std::string problem = j.value("problem", "");
    std::string out = fmt::format("trained model {} v{} in {:.1f}s\nvalidation: {}\n", j["model"]["name"].get<std::string>(),
                                  j["model"]["version"].get<int64_t>(), j.value("duration_s", 0.0), Headline(j["metrics"], problem));
    if (j.contains("bias")) out += fmt::format("\n{}", RenderBias(j["bias"]));
    return out;
  });
  return JobExitCode(*done);
}

int CmdModelsList(const GlobalFlags& g) {
  auto session = Session::Open(g);
  if (!session.ok()) return ReportError(session.status());
  auto page = CallJson((*session)->transport(), MakeRequest("GET", "/api/v1/models"));
  if (!page.ok()) return ReportError(page.status());
  (*session)->Print(*page, RenderModels);
  return 0;
}

int CmdModelsShow(const GlobalFlags& g, const std::string& name, const std::string& version) {
  auto session = Session::Open(g);
  if (!session.ok()) return ReportError(session.status());
  if (!version.empty()) {
    auto m = CallJson((*session)->transport(), MakeRequest("GET", "/api/v1/models/" + name + "/versions/" + version));
    if (!m.ok()) return ReportError(m.status());
    (*session)->Print(*m, RenderObject);
    return 0;
  }
  auto m = CallJson((*session)->transport(), MakeRequest("GET", "/api/v1/models/" + name));
  if (!m.ok()) return ReportError(m.status());
  (*session)->Print(*m, RenderModel);
  return 0;
}

int CmdModelsAlias(const GlobalFlags& g, const std::string& name, const std::string& alias, int64_t version) {
  auto session = Session::Open(g);
  if (!session.ok()) return ReportError(session.status());
  Json body = {{"version", version}};
  api::Request request = MakeRequest("PUT", "/api/v1/models/" + name + "/aliases/" + alias, {}, &body);
  if (const char* user = std::getenv("USER")) request.headers.emplace_back("X-Strata-User", user);
  auto r = CallJson((*session)->transport(), std::move(request));
  if (!r.ok()) return ReportError(r.status());
  (*session)->Print(*r, [&](const Json& j) {
    return fmt::format("{} {} -> v{}\n", name, alias, j["aliases"][alias]["version"].get<int64_t>());
  });
  return 0;
}

int CmdModelsCompare(const GlobalFlags& g, const std::string& name, const std::string& sort) {
  auto session = Session::Open(g);
  if (!session.ok()) return ReportError(session.status());
  std::map<std::string, std::string> query;
  if (!sort.empty()) query["sort"] = sort;
  auto r = CallJson((*session)->transport(), MakeRequest("GET", "/api/v1/models/" + name + "/compare", query));
  if (!r.ok()) return ReportError(r.status());
  (*session)->Print(*r, [](const Json& j) {
    // Columns: the hyperparameters that differ between versions, then the numeric metrics.
    const Json& versions = j["versions"];
    std::vector<std::string> hps, metrics;
    for (const auto& [k, v] : versions[0]["hyperparameters"].items()) {
      for (const auto& other : versions) {
        if (other["hyperparameters"][k] != v) {
          hps.push_back(k);
          break;
        }
      }
    }
    for (const auto& [k, v] : versions[0]["metrics"].items()) {
      if (v.is_number() && k != "threshold") metrics.push_back(k);
    }
    Table t;
    t.headers = {"VERSION"};
    for (const auto& h : hps) t.headers.push_back(h);
    for (const auto& m : metrics) t.headers.push_back(m);
    for (const auto& v : versions) {
      std::vector<std::string> row = {Cell(v["version"])};
      for (const auto& h : hps) row.push_back(Cell(v["hyperparameters"][h]));
      for (const auto& m : metrics) row.push_back(Cell(v["metrics"][m]));
      t.rows.push_back(row);
    }
    return t.Render();
  });
  return 0;
}

}  // namespace strata::cli
