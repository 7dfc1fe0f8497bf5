// `strata endpoints ...` (real-time endpoints) and `strata transform` (batch transform).
#include <filesystem>

#include <fmt/format.h>

#include "cli/commands.h"

namespace strata::cli {
namespace {

std::string VariantsCell(const Json& e) {
  std::string out;
  for (const auto& v : e.value("variants", Json::array())) {
    if (!out.empty()) out += ", ";
    out += fmt::format("{}={}:v{}", v.value("name", ""), v.value("model", ""), Cell(v.value("version", Json())));
    if (v.value("shadow", false)) out += " (shadow)";
    else if (e["variants"].size() > 1) out += fmt::format(" w{}", Cell(v.value("weight", Json())));
  }
  return out;
}

std::string RenderEndpoint(const Json& e) {
  Table t{{"VARIANT", "MODEL", "VERSION", "WEIGHT", "SHADOW"}, {}};
  for (const auto& v : e["variants"]) {
    t.rows.push_back({v["name"], v["model"], Cell(v["version"]), Cell(v["weight"]), v.value("shadow", false) ? "yes" : ""});
  }
  return fmt::format("{}  {}  in flight {}  capture {}\n\n{}", e["name"].get<std::string>(), Cell(e["status"]),
                     Cell(e.value("in_flight", Json(0))), Cell(e["capture"]["sample_rate"]), t.Render());
}

// The create/update body from the flags.
Result<Json> Body(const EndpointArgs& a) {
  Json body = {{"name", a.name}};
  if (!a.variants.empty()) {
    std::string text = a.variants;
    if (text[0] == '@') {
      STRATA_ASSIGN_OR_RETURN(text, core::ReadFile(text.substr(1)));
    }
    STRATA_ASSIGN_OR_RETURN(Json v, core::ParseJson(text, "--variants"));
    body["variants"] = v;
  } else {
    if (a.model.empty()) return InvalidArgumentError("give --model (with --version or --alias) or --variants");
    Json variant = {{"name", "primary"}, {"model", a.model}};
    if (!a.version.empty() && !a.alias.empty()) return InvalidArgumentError("give --version or --alias, not both");
    if (!a.version.empty()) variant["version"] = a.version;
    if (!a.alias.empty()) variant["alias"] = a.alias;
    body["variants"] = Json::array({variant});
  }
  if (a.capture_rate >= 0) body["capture"] = {{"sample_rate", a.capture_rate}};
  Json limits = Json::object();
  if (a.max_rows > 0) limits["max_rows"] = a.max_rows;
  if (a.max_concurrency > 0) limits["max_concurrency"] = a.max_concurrency;
  if (!limits.empty()) body["limits"] = limits;
  return body;
}

int Upsert(const GlobalFlags& g, const EndpointArgs& a, bool create) {
  auto session = Session::Open(g);
  if (!session.ok()) return ReportError(session.status());
  auto body = Body(a);
  if (!body.ok()) return ReportError(body.status());
  auto r = CallJson((*session)->transport(), create ? MakeRequest("POST", "/api/v1/endpoints", {}, &*body)
                                                    : MakeRequest("PUT", "/api/v1/endpoints/" + a.name, {}, &*body));
  if (!r.ok()) return ReportError(r.status());
  (*session)->Print(*r, RenderEndpoint);
  return 0;
}

}  // namespace

int CmdEndpointsCreate(const GlobalFlags& g, const EndpointArgs& a) { return Upsert(g, a, true); }
int CmdEndpointsUpdate(const GlobalFlags& g, const EndpointArgs& a) { return Upsert(g, a, false); }

int CmdEndpointsList(const GlobalFlags& g) {
  auto session = Session::Open(g);
  if (!session.ok()) return ReportError(session.status());
  auto r = CallJson((*session)->transport(), MakeRequest("GET", "/api/v1/endpoints"));
  if (!r.ok()) return ReportError(r.status());
  (*session)->Print(*r, [](const Json& j) {
    Table t{{"ENDPOINT", "STATUS", "VARIANTS", "UPDATED"}, {}};
    for (const auto& e : j["items"]) t.rows.push_back({e["name"], Cell(e["status"]), VariantsCell(e), Cell(e.value("updated_at", Json()))});
    return t.Render();
  });
  return 0;
}

int CmdEndpointsShow(const GlobalFlags& g, const std::string& name) {
  auto session = Session::Open(g);
  if (!session.ok()) return ReportError(session.status());
  auto r = CallJson((*session)->transport(), MakeRequest("GET", "/api/v1/endpoints/" + name));
  if (!r.ok()) return ReportError(r.status());
  (*session)->Print(*r, RenderEndpoint);
  return 0;
}

int CmdEndpointsDelete(const GlobalFlags& g, const std::string& name) {
  auto session = Session::Open(g);
  if (!session.ok()) return ReportError(session.status());
  auto r = CallJson((*session)->transport(), MakeRequest("DELETE", "/api/v1/endpoints/" + name));
  if (!r.ok()) return ReportError(r.status());
  (*session)->Print(*r, [&](const Json&) { return fmt::format("deleted endpoint {}\n", name); });
  return 0;
}

int CmdEndpointsInvoke(const GlobalFlags& g, const EndpointInvokeArgs& a) {
  auto session = Session::Open(g);
  if (!session.ok()) return ReportError(session.status());
  std::string data = a.data;
  std::string content_type = a.content_type;
  if (!data.empty() && data[0] == '@') {
    const std::string file = data.substr(1);
    auto text = core::ReadFile(file);
    if (!text.ok()) return ReportError(text.status());
    data = std::move(text).value();
    if (content_type.empty() && file.size() > 4 && file.substr(file.size() - 4) == ".csv") content_type = "text/csv";
  }
  if (content_type.empty()) content_type = "application/json";
  api::Request request = MakeRequest("POST", "/api/v1/endpoints/" + a.name + "/invocations");
  request.body = std::move(data);
  request.headers.emplace_back("Content-Type", content_type);
  auto r = CallJson((*session)->transport(), std::move(request));
  if (!r.ok()) return ReportError(r.status());
  (*session)->Print(*r, [](const Json& j) {
    Table t{{"ROW", "PREDICTION", "DETAILS"}, {}};
    size_t i = 0;
    for (const auto& p : j["predictions"]) {
      t.rows.push_back({std::to_string(i++), Cell(p["prediction"]), p.contains("probabilities") ? p["probabilities"].dump() : ""});
    }
    std::string out = fmt::format("variant {}\n{}", Cell(j["variant"]), t.Render());
    for (const auto& n : j.value("notes", Json::array())) out += "note: " + n.get<std::string>() + "\n";
    return out;
  });
  return 0;
}

int CmdTransform(const GlobalFlags& global, const TransformArgs& args) {
  GlobalFlags g = global;
  TransformArgs a = args;
  if (a.output == "json" || a.output == "table") {
    g.output = a.output;
    a.output.clear();
  }
  Json body = {{"model", a.model}};
  if (!a.name.empty()) body["name"] = a.name;
  if (!a.version.empty() && !a.alias.empty()) return ReportError(InvalidArgumentError("give --version or --alias, not both"));
  if (!a.version.empty()) body["version"] = a.version;
  if (!a.alias.empty()) body["alias"] = a.alias;
  if (!a.dataset.empty()) body["dataset"] = a.dataset;
  if (!a.input.empty()) body["input_path"] = std::filesystem::absolute(a.input).string();
  if (!a.output.empty()) body["output_path"] = std::filesystem::absolute(a.output).string();
  if (!a.output_dataset.empty()) body["output_dataset"] = a.output_dataset;
  if (!a.id_column.empty()) body["id_column"] = a.id_column;
  auto session = Session::Open(g);
  if (!session.ok()) return ReportError(session.status());
  if (a.wait) {
    if (auto* app = (*session)->transport().local_app()) {
      if (Status s = app->StartScheduler(); !s.ok()) return ReportError(s);
    }
  }
  auto job = CallJson((*session)->transport(), MakeRequest("POST", "/api/v1/transform-jobs", {}, &body));
  if (!job.ok()) return ReportError(job.status());
  const std::string id = (*job)["id"];
  if (!a.wait) {
    (*session)->Print(*job, [](const Json& j) {
      return fmt::format("transform job {} submitted; follow it with: strata jobs logs {} --follow\n",
                         j["name"].get<std::string>(), j["name"].get<std::string>());
    });
    return 0;
  }
  auto done = WaitForJob(**session, id);
  if (!done.ok()) return ReportError(done.status());
  auto full = CallJson((*session)->transport(), MakeRequest("GET", "/api/v1/transform-jobs/" + id));
  if (!full.ok()) return ReportError(full.status());
  (*session)->Print(*full, [](const Json& j) {
    if (!j.contains("rows")) return fmt::format("transform job {}: {}\n", j["name"].get<std::string>(), j["status"].get<std::string>());
    std::string out = fmt::format("predicted {} rows ({:.0f} rows/s)\n", j["rows"].get<int64_t>(), j["rows_per_second"].get<double>());
    if (j.contains("output_path")) out += fmt::format("file: {}\n", j["output_path"].get<std::string>());
    if (j.contains("output_dataset")) {
      out += fmt::format("dataset: {} v{}\n", j["output_dataset"]["name"].get<std::string>(), j["output_dataset"]["version"].get<int64_t>());
    }
    return out;
  });
  return JobExitCode(*done);
}

}  // namespace strata::cli
