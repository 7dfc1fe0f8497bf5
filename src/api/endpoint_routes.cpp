// /api/v1/endpoints... (real-time endpoints), the SageMaker Runtime-style
// /endpoints/{name}/invocations, and /api/v1/transform-jobs (batch transform).
#include <memory>
#include <mutex>
#include <unordered_map>

#include <fmt/format.h>

#include "api/handler_util.h"
#include "api/routes.h"

namespace strata::api {
namespace {

// About 60 rows of 30 numeric columns.
constexpr uint64_t kInlineInvocationBytes = 16 * 1024;

Response FromResult(const Request& request, const Result<Json>& r, int status = 200) {
  if (!r.ok()) return ErrorResponse(request, r.status());
  return JsonResponse(status, *r);
}

// The series of each (endpoint, variant), found once rather than on every request.
class EndpointSeries {
 public:
  struct Series {
    Metrics::CounterRef invocations, rows, batched_rows;
    Metrics::HistogramRef latency, model_latency;
  };
  explicit EndpointSeries(Metrics& metrics) : metrics_(metrics) {}

  const Series& For(const std::string& endpoint, const std::string& variant) {
    std::string key = endpoint + '\n' + variant;
    {
      std::lock_guard lock(mu_);
      if (auto it = series_.find(key); it != series_.end()) return it->second;
    }
    const Labels labels = {{"endpoint", endpoint}, {"variant", variant}};
    Series made{
        metrics_.Counter("strata_endpoint_invocations_total", "endpoint invocations answered", labels),
        metrics_.Counter("strata_endpoint_rows_total", "rows predicted by endpoints", labels),
        // Mean batch size = batched_rows_total / invocations_total.
        metrics_.Counter("strata_endpoint_batched_rows_total",
                         "rows of the micro-batches requests ran in (divide by invocations for the mean)", labels),
        metrics_.Histogram("strata_endpoint_latency_seconds", "endpoint invocation time, total (parse, batch, predict)",
                           labels),
        metrics_.Histogram("strata_endpoint_model_latency_seconds",
                           "time of the model call of the batch a request ran in", labels)};
    std::lock_guard lock(mu_);
    return series_.try_emplace(std::move(key), made).first->second;  // element references stay valid
  }

 private:
  Metrics& metrics_;
  std::mutex mu_;
  std::unordered_map<std::string, Series> series_;
};

// The response to one invocation, with its metrics.
Response Answer(Metrics& metrics, EndpointSeries& series, const Request& request,
                Result<serve::InvokeResult>& r, double seconds) {
  const std::string& name = request.path_params.at("name");
  if (!r.ok()) {
    metrics.IncrementCounter("strata_endpoint_errors_total", "endpoint invocations that failed, by error code",
                             {{"endpoint", name}, {"code", std::string(ErrorCodeName(r.status().code()))}});
    return ErrorResponse(request, r.status());
  }
  const EndpointSeries::Series& s = series.For(name, r->variant);
  s.invocations.Add();
  s.rows.Add(static_cast<double>(r->rows));
  s.latency.Observe(seconds);
  s.model_latency.Observe(r->model_seconds);
  s.batched_rows.Add(static_cast<double>(r->batch_rows));
  Response resp = Response::MakeText(200, std::move(r->body), "application/json");
  resp.SetHeader("X-Strata-Variant", r->variant);
  return resp;
}

std::string ContentType(const Request& request) {
  return request.Header("Content-Type").value_or("application/json");
}

// Invocations to this route. Small ones (those the server runs on its I/O threads,
// alone or gathered) are predicted together per endpoint, right away: an I/O thread
// must not wait in the MicroBatcher for requests on other threads. Larger ones come
// from the handler pool one at a time and batch through the MicroBatcher, which may
// wait for others in flight.
std::vector<Response> Invoke(platform::App& app, Metrics& metrics, EndpointSeries& series,
                             const std::vector<Request*>& requests) {
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&start] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  std::vector<Response> out(requests.size());
  std::vector<bool> done(requests.size());
  std::vector<std::string> types(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) types[i] = ContentType(*requests[i]);
  for (size_t i = 0; i < requests.size(); ++i) {
    if (done[i]) continue;
    Request& r = *requests[i];
    const std::string& name = r.path_params["name"];
    if (r.body.size() >= kInlineInvocationBytes) {
      auto result = app.endpoints().Invoke(name, types[i], r.body, r.request_id);
      out[i] = Answer(metrics, series, r, result, elapsed());
      done[i] = true;
      continue;
    }
    std::vector<size_t> same;
    std::vector<serve::InvokeCall> calls;
    for (size_t j = i; j < requests.size(); ++j) {
      if (done[j] || requests[j]->body.size() >= kInlineInvocationBytes || requests[j]->path_params["name"] != name) {
        continue;
      }
      same.push_back(j);
      calls.push_back({types[j], requests[j]->body, requests[j]->request_id});
      done[j] = true;
    }
    auto results = app.endpoints().InvokeMany(name, calls);
    const double seconds = elapsed();
    for (size_t k = 0; k < same.size(); ++k) out[same[k]] = Answer(metrics, series, *requests[same[k]], results[k], seconds);
  }
  return out;
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
  // A few rows predict in tens of microseconds, less than handing the request to the
  // handler pool and back; bigger bodies go to the pool so they do not hold up the I/O
  // thread. The small ones that an I/O thread finds ready together are predicted as one
  // batch (the route is a batch route): batching without waiting, and without waking
  // another thread. Requests on the pool batch through the variant's MicroBatcher.
  RouteOptions invocation;
  invocation.inline_below_bytes = kInlineInvocationBytes;
  invocation.debug_access_log = true;
  auto series = std::make_shared<EndpointSeries>(metrics);
  for (const char* path : {"/api/v1/endpoints/{name}/invocations", "/endpoints/{name}/invocations"}) {
    router.AddBatch(
        "POST", path,
        [&app, &metrics, series](const std::vector<Request*>& r) { return Invoke(app, metrics, *series, r); },
        invocation);
  }
  router.Add("POST", "/api/v1/transform-jobs", [&app](Request& r) { return SubmitTransform(app, r); });
  router.Add("GET", "/api/v1/transform-jobs/{name}", [&app](Request& r) { return GetTransform(app, r); });
  metrics.AddGaugeCallback("strata_endpoints", "endpoints in the catalog", [&app] {
    auto list = app.endpoints().List();
    return list.ok() ? static_cast<double>((*list)["items"].size()) : 0.0;
  });
}

}  // namespace strata::api
