#include "api/handler_util.h"
#include "api/routes.h"

namespace strata::api {

void AddServiceRoutes(Router& router, platform::App& app, Metrics& metrics) {
  router.Add("GET", "/health", [](Request&) {
    return JsonResponse(200, {{"status", "ok"},
                              {"version", core::Version()},
                              {"commit", core::GitCommit()}});
  });

  metrics.AddGaugeCallback("strata_jobs_running", "Jobs running in worker processes of this server",
                           [&app] {
                             const auto* s = app.scheduler();
                             return s ? static_cast<double>(s->running()) : 0.0;
                           });
  metrics.AddGaugeCallback("strata_jobs_pending", "Jobs waiting in the queue", [&app] {
    auto page = app.jobs().List(1000, "", {jobs::JobStatus::kPending, ""});
    return page.ok() ? static_cast<double>(page->items.size()) : 0.0;
  });

  router.Add("GET", "/metrics", [&metrics](Request&) {
    return Response::MakeText(200, metrics.RenderPrometheus(),
                              "text/plain; version=0.0.4; charset=utf-8");
  });
}

void AddAllRoutes(Router& router, platform::App& app, Metrics& metrics) {
  AddServiceRoutes(router, app, metrics);
  AddJobRoutes(router, app);
  AddDatasetRoutes(router, app);
  AddTrainingRoutes(router, app);
  AddEndpointRoutes(router, app, metrics);
  AddModelRoutes(router, app);
  AddBiasRoutes(router, app);
  AddClusteringRoutes(router, app);
}

}  // namespace strata::api
