// /api/v1/training-jobs, /api/v1/algorithms, /api/v1/models.
#include <fmt/format.h>

#include "api/handler_util.h"
#include "api/routes.h"

namespace strata::api {
namespace {

Response SubmitTraining(platform::App& app, Request& request) {
  auto body = ParseJsonBody(request);
  if (!body.ok()) return ErrorResponse(request, body.status());
  auto params = platform::PrepareTrainingParams(app.datasets(), *body);
  if (!params.ok()) return ErrorResponse(request, params.status());
  auto name = core::OptionalString(*body, "name", "");
  if (!name.ok()) return ErrorResponse(request, name.status());
  auto job = app.jobs().Submit("training", *name, *params);
  if (!job.ok()) return ErrorResponse(request, job.status());
  return JsonResponse(202, job->ToJson());
}

Response ListTraining(platform::App& app, Request& request) {
  auto page = ParsePageParams(request);
  if (!page.ok()) return ErrorResponse(request, page.status());
  auto result = app.jobs().List(page->limit, page->page_token, {std::nullopt, "training"});
  if (!result.ok()) return ErrorResponse(request, result.status());
  Json items = Json::array();
  for (const auto& job : result->items) items.push_back(job.ToJson());
  return JsonResponse(200, {{"items", items},
                            {"next_page_token", result->next_page_token.empty() ? Json(nullptr)
                                                                                : Json(result->next_page_token)}});
}

Result<jobs::Job> FindTraining(platform::App& app, Request& request) {
  STRATA_ASSIGN_OR_RETURN(jobs::Job job, app.jobs().Get(request.path_params["name"]));
  if (job.type != "training") {
    return NotFoundError(fmt::format("training job '{}' does not exist", request.path_params["name"]));
  }
  return job;
}

Response GetTraining(platform::App& app, Request& request) {
  auto job = FindTraining(app, request);
  if (!job.ok()) return ErrorResponse(request, job.status());
  Json j = job->ToJson();
  if (job->result.is_object() && job->result.contains("model")) {
    j["model"] = job->result["model"];
    j["metrics"] = job->result["metrics"];
  }
  return JsonResponse(200, j);
}

Response StopTraining(platform::App& app, Request& request) {
  auto job = FindTraining(app, request);
  if (!job.ok()) return ErrorResponse(request, job.status());
  auto stopped = app.jobs().Stop(job->id);
  if (!stopped.ok()) return ErrorResponse(request, stopped.status());
  return JsonResponse(202, stopped->ToJson());
}

Response ListModels(platform::App& app, Request& request) {
  auto page = ParsePageParams(request);
  if (!page.ok()) return ErrorResponse(request, page.status());
  std::string next;
  auto models = app.models().List(page->limit, page->page_token, &next);
  if (!models.ok()) return ErrorResponse(request, models.status());
  Json items = Json::array();
  for (const auto& m : *models) items.push_back(m.ToJson());
  return JsonResponse(200, {{"items", items}, {"next_page_token", next.empty() ? Json(nullptr) : Json(next)}});
}

Response GetModel(platform::App& app, Request& request) {
  auto versions = app.models().Versions(request.path_params["name"]);
  if (!versions.ok()) return ErrorResponse(request, versions.status());
  if (versions->empty()) {
    return ErrorResponse(request, NotFoundError(fmt::format("model '{}' does not exist", request.path_params["name"])));
  }
  Json items = Json::array();
  for (const auto& m : *versions) items.push_back(m.ToJson());
  return JsonResponse(200, {{"name", request.path_params["name"]}, {"latest", versions->back().version}, {"versions", items}});
}

Response GetModelVersion(platform::App& app, Request& request) {
  const std::string& text = request.path_params["version"];
  char* end = nullptr;
  long long version = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || version < 1) {
    return ErrorResponse(request, InvalidArgumentError(fmt::format("version must be a positive integer, got '{}'", text)));
  }
  auto m = app.models().Get(request.path_params["name"], version);
  if (!m.ok()) return ErrorResponse(request, m.status());
  return JsonResponse(200, m->ToJson());
}

}  // namespace

void AddTrainingRoutes(Router& router, platform::App& app) {
  router.Add("GET", "/api/v1/algorithms", [](Request&) { return JsonResponse(200, {{"items", platform::AlgorithmsJson()}}); });
  router.Add("POST", "/api/v1/training-jobs", [&app](Request& r) { return SubmitTraining(app, r); });
  router.Add("GET", "/api/v1/training-jobs", [&app](Request& r) { return ListTraining(app, r); });
  router.Add("GET", "/api/v1/training-jobs/{name}", [&app](Request& r) { return GetTraining(app, r); });
  router.Add("POST", "/api/v1/training-jobs/{name}/stop", [&app](Request& r) { return StopTraining(app, r); });
  router.Add("GET", "/api/v1/models", [&app](Request& r) { return ListModels(app, r); });
  router.Add("GET", "/api/v1/models/{name}", [&app](Request& r) { return GetModel(app, r); });
  router.Add("GET", "/api/v1/models/{name}/versions/{version}", [&app](Request& r) { return GetModelVersion(app, r); });
}

}  // namespace strata::api
