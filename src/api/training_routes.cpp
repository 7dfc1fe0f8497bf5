// /api/v1/training-jobs, /api/v1/algorithms, /api/v1/models.
#include <algorithm>
#include <cmath>

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
    if (job->result.contains("bias")) j["bias"] = job->result["bias"];
    if (job->result.contains("problem")) j["problem"] = job->result["problem"];
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
  auto aliases = app.models().Aliases(request.path_params["name"]);
  if (!aliases.ok()) return ErrorResponse(request, aliases.status());
  return JsonResponse(200, {{"name", request.path_params["name"]},
                            {"latest", versions->back().version},
                            {"aliases", (*aliases)["aliases"]},
                            {"alias_history", (*aliases)["history"]},
                            {"versions", items}});
}

Response GetModelVersion(platform::App& app, Request& request) {
  auto m = app.models().Resolve(request.path_params["name"], request.path_params["version"]);
  if (!m.ok()) return ErrorResponse(request, m.status());
  return JsonResponse(200, m->ToJson());
}

Response SetAlias(platform::App& app, Request& request) {
  auto body = ParseJsonBody(request);
  if (!body.ok()) return ErrorResponse(request, body.status());
  auto version = core::OptionalInt(*body, "version", 0);
  if (!version.ok()) return ErrorResponse(request, version.status());
  if (*version < 1) return ErrorResponse(request, InvalidArgumentError("field 'version' is required: a positive integer"));
  // Who moved it: the caller's own word until API keys arrive, else where it came from.
  std::string who = request.Header("X-Strata-User").value_or(request.remote.empty() ? "local" : request.remote);
  Status s = app.models().SetAlias(request.path_params["name"], request.path_params["alias"], *version, who);
  if (!s.ok()) return ErrorResponse(request, s);
  auto aliases = app.models().Aliases(request.path_params["name"]);
  if (!aliases.ok()) return ErrorResponse(request, aliases.status());
  return JsonResponse(200, *aliases);
}

// Versions side by side, sorted by a metric (the best first: higher for scores,
// lower for losses and errors).
Response CompareModel(platform::App& app, Request& request) {
  auto versions = app.models().Versions(request.path_params["name"]);
  if (!versions.ok()) return ErrorResponse(request, versions.status());
  if (versions->empty()) {
    return ErrorResponse(request, NotFoundError(fmt::format("model '{}' does not exist", request.path_params["name"])));
  }
  std::string sort = request.Query("sort");
  if (!sort.empty() && !versions->front().metrics.contains(sort)) {
    std::string known;
    for (const auto& [k, v] : versions->front().metrics.items()) {
      if (v.is_number()) known += (known.empty() ? "" : ", ") + k;
    }
    return ErrorResponse(request, InvalidArgumentError(fmt::format("sort: '{}' is not a metric of this model (known: {})",
                                                                   sort, known)));
  }
  bool lower_is_better = sort == "log_loss" || sort == "rmse" || sort == "mae" || sort == "mape";
  std::vector<platform::ModelVersion> v = *versions;
  if (!sort.empty()) {
    std::stable_sort(v.begin(), v.end(), [&](const platform::ModelVersion& a, const platform::ModelVersion& b) {
      double x = a.metrics[sort].is_number() ? a.metrics[sort].get<double>() : NAN;
      double y = b.metrics[sort].is_number() ? b.metrics[sort].get<double>() : NAN;
      if (std::isnan(x) != std::isnan(y)) return !std::isnan(x);
      return lower_is_better ? x < y : x > y;
    });
  }
  Json items = Json::array();
  for (const auto& m : v) {
    items.push_back({{"version", m.version}, {"dataset", m.dataset}, {"job", m.job},
                     {"hyperparameters", m.hyperparameters}, {"metrics", m.metrics}, {"created_at",
                     core::FormatRfc3339(core::FromUnixMillis(m.created_at))}});
  }
  return JsonResponse(200, {{"name", request.path_params["name"]}, {"sort", sort.empty() ? Json(nullptr) : Json(sort)},
                            {"versions", items}});
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
  router.Add("PUT", "/api/v1/models/{name}/aliases/{alias}", [&app](Request& r) { return SetAlias(app, r); });
  router.Add("GET", "/api/v1/models/{name}/compare", [&app](Request& r) { return CompareModel(app, r); });
}

}  // namespace strata::api
