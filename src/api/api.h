#pragma once
// Facade of api/: HTTP types and router, the server, the client, metrics, and the
// routes of the native REST API.

#include "api/handler_util.h"
#include "api/http.h"
#include "api/http_client.h"
#include "api/http_server.h"
#include "api/metrics.h"
#include "api/routes.h"
