// `strata jobs ...`
#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "cli/commands.h"

namespace strata::cli {
namespace {

std::string Percent(const Json& job) {
  double p = job.value("progress", 0.0);
  return fmt::format("{:.0f}%", p * 100);
}

std::string Duration(const Json& job) {
  if (!job.contains("duration_s") || !job["duration_s"].is_number()) return "-";
  double s = job["duration_s"].get<double>();
  if (s < 60) return fmt::format("{:.1f}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  return fmt::format("{}h{:02}m", static_cast<int>(s) / 3600, (static_cast<int>(s) % 3600) / 60);
}

std::string RenderJobList(const Json& page) {
  Table t;
  t.headers = {"NAME", "TYPE", "STATUS", "PROGRESS", "CREATED", "DURATION", "MESSAGE"};
  for (const auto& j : page["items"]) {
    std::string message = j["failure_reason"].is_string() ? j["failure_reason"].get<std::string>()
                                                          : j.value("message", "");
    t.rows.push_back({j["name"], j["type"], j["status"], Percent(j), Cell(j["created_at"]),
                      Duration(j), message});
  }
  return t.Render();
}

std::string RenderJob(const Json& j) {
  Table t;
  t.headers = {"FIELD", "VALUE"};
  for (const char* key : {"name", "id", "type", "status"}) t.rows.push_back({key, Cell(j[key])});
  t.rows.push_back({"progress", Percent(j)});
  for (const char* key : {"message", "failure_reason", "created_at", "started_at", "ended_at"}) {
    t.rows.push_back({key, Cell(j[key])});
  }
  t.rows.push_back({"duration", Duration(j)});
  t.rows.push_back({"params", j["params"].dump()});
  if (!j["result"].is_null()) t.rows.push_back({"result", j["result"].dump()});
  return t.Render();
}

std::string JobPath(const std::string& job) { return "/api/v1/jobs/" + job; }

Json ParseParamValue(const std::string& text) {
  auto parsed = core::ParseJson(text, "param");
  if (parsed.ok() && !parsed->is_object() && !parsed->is_array()) return *parsed;
  if (parsed.ok()) return *parsed;
  return text;
}

}  // namespace

Result<Json> WaitForJob(Session& session, const std::string& job_id) {
  core::ProgressBar bar("job " + job_id.substr(0, 13), 1.0, core::ProgressBar::Unit::kPercent);
  for (;;) {
    STRATA_ASSIGN_OR_RETURN(Json job, CallJson(session.transport(), MakeRequest("GET", JobPath(job_id))));
    bar.SetLabel(fmt::format("{} {}", job.value("name", job_id), job.value("message", "")));
    bar.Update(job.value("progress", 0.0));
    auto status = jobs::ParseJobStatus(job.value("status", ""));
    if (status && jobs::IsTerminal(*status)) {
      bar.Finish();
      return job;
    }
    // A status read is cheap (one catalog row); a finished job should not sit unseen for
    // long, since --wait is how scripts and benchmarks time jobs.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

int JobExitCode(const Json& job) {
  std::string status = job.value("status", "");
  if (status == "Completed") return 0;
  std::string reason = job["failure_reason"].is_string() ? job["failure_reason"].get<std::string>() : "";
  fmt::print(stderr, "job '{}' {}{}\n", job.value("name", ""), status,
             reason.empty() ? "" : ": " + reason);
  return 1;
}

int CmdJobsList(const GlobalFlags& g, const JobsListArgs& a) {
  auto session = Session::Open(g);
  if (!session.ok()) return ReportError(session.status());
  std::map<std::string, std::string> query = {{"limit", std::to_string(a.limit)}};
  if (!a.status.empty()) query["status"] = a.status;
  if (!a.type.empty()) query["type"] = a.type;
  Json all = {{"items", Json::array()}, {"next_page_token", nullptr}};
  for (;;) {
    auto page = CallJson((*session)->transport(), MakeRequest("GET", "/api/v1/jobs", query));
    if (!page.ok()) return ReportError(page.status());
    for (auto& item : (*page)["items"]) all["items"].push_back(item);
    all["next_page_token"] = (*page)["next_page_token"];
    if (!a.all || !(*page)["next_page_token"].is_string()) break;
    query["page_token"] = (*page)["next_page_token"].get<std::string>();
  }
  (*session)->Print(all, RenderJobList);
  return 0;
}

int CmdJobsShow(const GlobalFlags& g, const std::string& job) {
  auto session = Session::Open(g);
  if (!session.ok()) return ReportError(session.status());
  auto result = CallJson((*session)->transport(), MakeRequest("GET", JobPath(job)));
  if (!result.ok()) return ReportError(result.status());
  (*session)->Print(*result, RenderJob);
  return 0;
}

int CmdJobsLogs(const GlobalFlags& g, const std::string& job, bool follow) {
  auto session = Session::Open(g);
  if (!session.ok()) return ReportError(session.status());
  // Resolve the job first, so an unknown job is a clean error rather than a body.
  auto found = CallJson((*session)->transport(), MakeRequest("GET", JobPath(job)));
  if (!found.ok()) return ReportError(found.status());
  std::map<std::string, std::string> query;
  if (follow) {
    query["follow"] = "true";
    // A local follow needs someone to run the job meanwhile.
    if (auto* app = (*session)->transport().local_app()) {
      if (Status s = app->StartScheduler(); !s.ok()) return ReportError(s);
    }
  }
  api::Request request = MakeRequest("GET", JobPath((*found)["id"].get<std::string>()) + "/logs", query);
  auto response = (*session)->transport().Send(request, [](std::string_view chunk) {
    std::fwrite(chunk.data(), 1, chunk.size(), stdout);
    std::fflush(stdout);
    return true;
  });
  if (!response.ok()) return ReportError(response.status());
  if (response->status >= 400) return ReportError(Status(ErrorCodeForHttpStatus(response->status), "cannot read the log"));
  return 0;
}

int CmdJobsStop(const GlobalFlags& g, const std::string& job) {
  auto session = Session::Open(g);
  if (!session.ok()) return ReportError(session.status());
  auto result = CallJson((*session)->transport(), MakeRequest("POST", JobPath(job) + "/stop"));
  if (!result.ok()) return ReportError(result.status());
  (*session)->Print(*result, RenderJob);
  return 0;
}

int CmdJobsSubmit(const GlobalFlags& g, const JobsSubmitArgs& a) {
  Json params = Json::object();
  if (!a.params_json.empty()) {
    auto parsed = core::ParseJson(a.params_json, "--params");
    if (!parsed.ok()) return ReportError(parsed.status());
    if (!parsed->is_object()) return ReportError(InvalidArgumentError("--params must be a JSON object"));
    params = *parsed;
  }
  for (const auto& kv : a.params) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return ReportError(InvalidArgumentError(fmt::format("--param '{}' must be key=value", kv)));
    }
    params[kv.substr(0, eq)] = ParseParamValue(kv.substr(eq + 1));
  }
  auto session = Session::Open(g);
  if (!session.ok()) return ReportError(session.status());
  if (a.wait) {
    if (auto* app = (*session)->transport().local_app()) {
      if (Status s = app->StartScheduler(); !s.ok()) return ReportError(s);
    }
  }
  Json body = {{"type", a.type}, {"params", params}};
  if (!a.name.empty()) body["name"] = a.name;
  auto job = CallJson((*session)->transport(), MakeRequest("POST", "/api/v1/jobs", {}, &body));
  if (!job.ok()) return ReportError(job.status());
  if (!a.wait) {
    (*session)->Print(*job, RenderJob);
    return 0;
  }
  auto done = WaitForJob(**session, (*job)["id"].get<std::string>());
  if (!done.ok()) return ReportError(done.status());
  (*session)->Print(*done, RenderJob);
  return JobExitCode(*done);
}

}  // namespace strata::cli
