// /api/v1/endpoints... (real-time endpoints), the SageMaker Runtime-style
// /endpoints/{name}/invocations, and /api/v1/transform-jobs (batch transform).
#include <fmt/format.h>

#include "api/handler_util.h"
#include "api/routes.h"

namespace strata::api {
namespace {

Response FromResult(const Request& request, const Result<Json>& r, int status = 200) {
  if (!r.ok()) return ErrorResponse(request, r.status());
  return JsonResponse(status, *r);
}

Response Invoke(platform::App& app, Metrics& metrics, Request& request) {
  const auto start = std::chrono::steady_clock::now();
  const std::string name = request.path_params["name"];
  const std::string content_type = request.Header("Content-Type").value_or("application/json");
  auto r = app.endpoints().Invoke(name, content_type, request.body, request.request_id);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!r.ok()) {
    metrics.IncrementCounter("strata_endpoint_errors_total", "endpoint invocations that failed, by error code",
                             {{"endpoint", name}, {"code", std::string(ErrorCodeName(r.status().code()))}});
    return ErrorResponse(request, r.status());
  }
  const Labels labels = {{"endpoint", name}, {"variant", r->variant}};
  metrics.IncrementCounter("strata_endpoint_invocations_total", "endpoint invocations answered", labels);
  metrics.IncrementCounter("strata_endpoint_rows_total", "rows predicted by endpoints", labels,
                           static_cast<double>(r->rows));
  metrics.Observe("strata_endpoint_latency_seconds", "endpoint invocation time, total (parse, batch, predict)",
                  labels, seconds);
  metrics.Observe("strata_endpoint_model_latency_seconds", "time of the model call of the batch a request ran in",
                  labels, r->model_seconds);
  // Mean batch size = batched_rows_total / invocations_total.
  metrics.IncrementCounter("strata_endpoint_batched_rows_total",
                           "rows of the micro-batches requests ran in (divide by invocations for the mean)", labels,
                           static_cast<double>(r->batch_rows));
  Response resp = JsonResponse(200, r->body);
  resp.SetHeader("X-Strata-Variant", r->variant);
  return resp;
}

Response SubmitTransform(platform::App& app, Request& request) {
  auto body = ParseJsonBody(request);
  if (!body.ok()) return ErrorResponse(request, body.status());
  auto params = platform::PrepareTransformParams(app.datasets(), app.models(), *body);
  if (!params.ok()) return ErrorResponse(request, params.status());
  auto name = core::OptionalString(*body, "name", "");
  if (!name.ok()) return ErrorResponse(request, name.status());
  auto job = app.jobs().Submit("transform", *name, *params);
  if (!job.ok()) return ErrorResponse(request, job.status());
  return JsonResponse(202, job->ToJson());
}

Response GetTransform(platform::App& app, Request& request) {
  auto job = app.jobs().Get(request.path_params["name"]);
  if (!job.ok()) return ErrorResponse(request, job.status());
  if (job->type != "transform") {
    return ErrorResponse(request, NotFoundError(fmt::format("transform job '{}' does not exist", request.path_params["name"])));
  }
  Json j = job->ToJson();
  if (job->result.is_object()) {
    for (const char* k : {"rows", "rows_per_second", "output_path", "output_dataset"}) {
      if (job->result.contains(k)) j[k] = job->result[k];
    }
  }
  return JsonResponse(200, j);
}

}  // namespace

void AddEndpointRoutes(Router& router, platform::App& app, Metrics& metrics) {
  router.Add("POST", "/api/v1/endpoints", [&app](Request& r) {
    auto body = ParseJsonBody(r);
    if (!body.ok()) return ErrorResponse(r, body.status());
    return FromResult(r, app.endpoints().Create(*body), 201);
  });
  router.Add("GET", "/api/v1/endpoints", [&app](Request& r) { return FromResult(r, app.endpoints().List()); });
  router.Add("GET", "/api/v1/endpoints/{name}",
             [&app](Request& r) { return FromResult(r, app.endpoints().Get(r.path_params["name"])); });
  router.Add("PUT", "/api/v1/endpoints/{name}", [&app](Request& r) {
    auto body = ParseJsonBody(r);
    if (!body.ok()) return ErrorResponse(r, body.status());
    return FromResult(r, app.endpoints().Update(r.path_params["name"], *body));
  });
  router.Add("DELETE", "/api/v1/endpoints/{name}", [&app](Request& r) {
    Status s = app.endpoints().Delete(r.path_params["name"]);
    if (!s.ok()) return ErrorResponse(r, s);
    return JsonResponse(200, Json{{"deleted", r.path_params["name"]}});
  });
  router.Add("POST", "/api/v1/endpoints/{name}/invocations",
             [&app, &metrics](Request& r) { return Invoke(app, metrics, r); });
  router.Add("POST", "/endpoints/{name}/invocations", [&app, &metrics](Request& r) { return Invoke(app, metrics, r); });
  router.Add("POST", "/api/v1/transform-jobs", [&app](Request& r) { return SubmitTransform(app, r); });
  router.Add("GET", "/api/v1/transform-jobs/{name}", [&app](Request& r) { return GetTransform(app, r); });
  metrics.AddGaugeCallback("strata_endpoints", "endpoints in the catalog", [&app] {
    auto list = app.endpoints().List();
    return list.ok() ? static_cast<double>((*list)["items"].size()) : 0.0;
  });
}

}  // namespace strata::api
