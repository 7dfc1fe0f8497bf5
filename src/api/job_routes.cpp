// /api/v1/jobs: the generic view of every job (training, transforms, ... and the
// built-in test types), used by `strata jobs`.
#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "api/handler_util.h"
#include "api/routes.h"

namespace strata::api {
namespace {

constexpr uint64_t kLogChunk = 1 << 20;

Result<jobs::JobFilter> ParseFilter(const Request& request) {
  jobs::JobFilter filter;
  if (std::string s = request.Query("status"); !s.empty()) {
    filter.status = jobs::ParseJobStatus(s);
    if (!filter.status) {
      return InvalidArgumentError(fmt::format(
          "query parameter 'status' must be one of Pending, InProgress, Completed, Failed, "
          "Stopping, Stopped; got '{}'",
          s));
    }
  }
  filter.type = request.Query("type");
  return filter;
}

Response ListJobs(platform::App& app, Request& request) {
  auto page = ParsePageParams(request);
  if (!page.ok()) return ErrorResponse(request, page.status());
  auto filter = ParseFilter(request);
  if (!filter.ok()) return ErrorResponse(request, filter.status());
  auto result = app.jobs().List(page->limit, page->page_token, *filter);
  if (!result.ok()) return ErrorResponse(request, result.status());
  Json items = Json::array();
  for (const auto& job : result->items) items.push_back(job.ToJson());
  return JsonResponse(200, {{"items", items},
                            {"next_page_token", result->next_page_token.empty()
                                                    ? Json(nullptr)
                                                    : Json(result->next_page_token)}});
}

Response SubmitJob(platform::App& app, Request& request) {
  auto body = ParseJsonBody(request);
  if (!body.ok()) return ErrorResponse(request, body.status());
  auto type = core::RequiredString(*body, "type");
  if (!type.ok()) return ErrorResponse(request, type.status());
  auto name = core::OptionalString(*body, "name", "");
  if (!name.ok()) return ErrorResponse(request, name.status());
  Json params = body->contains("params") ? (*body)["params"] : Json::object();
  auto job = app.jobs().Submit(*type, *name, params);
  if (!job.ok()) return ErrorResponse(request, job.status());
  return JsonResponse(202, job->ToJson());
}

Response GetJob(platform::App& app, Request& request) {
  auto job = app.jobs().Get(request.path_params["id"]);
  if (!job.ok()) return ErrorResponse(request, job.status());
  return JsonResponse(200, job->ToJson());
}

Response StopJob(platform::App& app, Request& request) {
  auto job = app.jobs().Stop(request.path_params["id"]);
  if (!job.ok()) return ErrorResponse(request, job.status());
  return JsonResponse(202, job->ToJson());
}

Response JobLogs(platform::App& app, Request& request) {
  auto job = app.jobs().Get(request.path_params["id"]);
  if (!job.ok()) return ErrorResponse(request, job.status());
  auto offset = QueryUint(request, "offset", 0);
  if (!offset.ok()) return ErrorResponse(request, offset.status());
  auto follow = QueryBool(request, "follow", false);
  if (!follow.ok()) return ErrorResponse(request, follow.status());

  if (!*follow) {
    std::string text;
    uint64_t at = *offset;
    for (;;) {
      auto chunk = app.jobs().ReadLog(*job, at, kLogChunk);
      if (!chunk.ok()) return ErrorResponse(request, chunk.status());
      if (chunk->empty()) break;
      at += chunk->size();
      text += *chunk;
    }
    return Response::MakeText(200, std::move(text));
  }

  // Following: send what is there, then poll for more until the job is over and its
  // log fully sent (or the client leaves, or the server stops).
  Response response;
  response.content_type = "text/plain; charset=utf-8";
  std::string job_id = job->id;
  uint64_t start = *offset;
  response.stream = [&app, job_id, start](StreamWriter& out) {
    uint64_t at = start;
    for (;;) {
      auto current = app.jobs().Get(job_id);
      if (!current.ok()) return;
      bool over = jobs::IsTerminal(current->status);
      for (;;) {
        auto chunk = app.jobs().ReadLog(*current, at, kLogChunk);
        if (!chunk.ok() || chunk->empty()) break;
        at += chunk->size();
        if (!out.Write(*chunk)) return;
      }
      if (over || out.Cancelled()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  };
  return response;
}

}  // namespace

void AddJobRoutes(Router& router, platform::App& app) {
  router.Add("GET", "/api/v1/jobs", [&app](Request& r) { return ListJobs(app, r); });
  router.Add("POST", "/api/v1/jobs", [&app](Request& r) { return SubmitJob(app, r); });
  router.Add("GET", "/api/v1/jobs/{id}", [&app](Request& r) { return GetJob(app, r); });
  router.Add("POST", "/api/v1/jobs/{id}/stop", [&app](Request& r) { return StopJob(app, r); });
  router.Add("GET", "/api/v1/jobs/{id}/logs", [&app](Request& r) { return JobLogs(app, r); });
}

}  // namespace strata::api
