// POST /api/v1/bias: the bias (fairness) report of a facet on a dataset, with a model's
// predictions when one is named; ?format=html (or "format": "html") for the HTML page.
#include <fmt/format.h>

#include "api/handler_util.h"
#include "api/routes.h"

namespace strata::api {
namespace {

Response Bias(platform::App& app, Request& request) {
  auto body = ParseJsonBody(request);
  if (!body.ok()) return ErrorResponse(request, body.status());
  std::string format = request.Query("format", "");
  if (format.empty()) {
    auto f = core::OptionalString(*body, "format", "json");
    if (!f.ok()) return ErrorResponse(request, f.status());
    format = *f;
  }
  if (format != "json" && format != "html") {
    return ErrorResponse(request, InvalidArgumentError(fmt::format(
                                      "format must be json or html, got '{}'", format)));
  }
  auto parsed = platform::ParseBiasRequest(*body);
  if (!parsed.ok()) return ErrorResponse(request, parsed.status());
  auto report = platform::ComputeBiasReport(app.models(), app.datasets(), *parsed);
  if (!report.ok()) return ErrorResponse(request, report.status());
  if (format == "html") {
    return Response::MakeText(200, platform::RenderBiasHtml(*report), "text/html; charset=utf-8");
  }
  return JsonResponse(200, *report);
}

}  // namespace

void AddBiasRoutes(Router& router, platform::App& app) {
  router.Add("POST", "/api/v1/bias", [&app](Request& r) { return Bias(app, r); });
}

}  // namespace strata::api
