#pragma once
// The native REST API (API.md): each group of routes in its own file, added to one
// Router. Handlers translate between HTTP and platform calls and hold no logic.

#include "api/http.h"
#include "api/metrics.h"
#include "platform/platform.h"

namespace strata::api {

// GET /health, GET /metrics.
void AddServiceRoutes(Router& router, platform::App& app, Metrics& metrics);
// /api/v1/jobs...
void AddJobRoutes(Router& router, platform::App& app);

// /api/v1/datasets...
void AddDatasetRoutes(Router& router, platform::App& app);

// /api/v1/algorithms, /api/v1/training-jobs..., /api/v1/models...
void AddTrainingRoutes(Router& router, platform::App& app);

// /api/v1/endpoints..., invocations (also at /endpoints/{name}/invocations).
void AddEndpointRoutes(Router& router, platform::App& app, Metrics& metrics);
// /api/v1/models/{name}/versions/{version}/evaluate and /export, /api/v1/models/import.
void AddModelRoutes(Router& router, platform::App& app);
// POST /api/v1/clustering/sweeps.
void AddClusteringRoutes(Router& router, platform::App& app);

// POST /api/v1/bias: bias (fairness) reports.
void AddBiasRoutes(Router& router, platform::App& app);

// Every route of the program.
void AddAllRoutes(Router& router, platform::App& app, Metrics& metrics);

}  // namespace strata::api
