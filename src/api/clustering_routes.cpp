// POST /api/v1/clustering/sweeps: the k-means elbow/silhouette sweep (platform/cluster_sweep.h).
#include <fmt/format.h>

#include "api/handler_util.h"
#include "api/routes.h"

namespace strata::api {
namespace {

// Body: {"dataset", "k_min", "k_max", ...}; ?format=html answers the HTML report.
Response Sweep(platform::App& app, Request& request) {
  const std::string format = request.Query("format", "json");
  if (format != "json" && format != "html") {
    return ErrorResponse(request, InvalidArgumentError(fmt::format(
                                      "format must be json or html, got '{}'", format)));
  }
  auto body = ParseJsonBody(request);
  if (!body.ok()) return ErrorResponse(request, body.status());
  auto options = platform::ParseClusterSweepOptions(*body);
  if (!options.ok()) return ErrorResponse(request, options.status());
  auto result = platform::RunClusterSweep(app.datasets(), *options);
  if (!result.ok()) return ErrorResponse(request, result.status());
  if (format == "html") {
    return Response::MakeText(200, platform::RenderClusterSweepHtml(*result),
                              "text/html; charset=utf-8");
  }
  return JsonResponse(200, *result);
}

}  // namespace

void AddClusteringRoutes(Router& router, platform::App& app) {
  router.Add("POST", "/api/v1/clustering/sweeps", [&app](Request& r) { return Sweep(app, r); });
}

}  // namespace strata::api
