// /api/v1/models/{name}/versions/{version}/evaluate, .../explain, .../export and model
// import.
//
// POST .../explain  {"rows": [row, ...]} (objects {column: value} or lists in the
//   model's input order, as endpoint invocations take them) or {"dataset": n,
//   "dataset_version"?: v, "offset"?: o, "limit"?: k (default 100, at most 10000)}
//   → 200 {"model", "dataset"?, "method": "tree_shap"|"linear", "link":
//   "identity"|"logit"|"softmax"|"one_vs_rest_logit"|"log", "columns",
//   "explained_class"? (binary), "base_value", "rows": [{"prediction", "probabilities"?,
//   "actual"?, "margin", "base_value", "contributions": {column: v}}], "notes"}; for
//   multi-class, margin, base_value and contributions are per class. base_value plus
//   the contributions is the margin; the link turns it into the prediction
//   (platform/explanation.h, serve/explainer.h). 404 for an unknown model, version or
//   dataset; 400 for bad rows (naming row and column) and for algorithms without
//   explanations.
#include <fmt/format.h>

#include "api/handler_util.h"
#include "api/routes.h"

namespace strata::api {
namespace {

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  for (size_t start = 0; start < s.size();) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    if (comma > start) out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

Response Evaluate(platform::App& app, Request& request, const Json& body, bool html) {
  auto options = platform::ParseEvaluationOptions(body);
  if (!options.ok()) return ErrorResponse(request, options.status());
  auto result =
      platform::EvaluateModelVersion(app.models(), app.datasets(), request.path_params["name"],
                                     request.path_params["version"], *options);
  if (!result.ok()) return ErrorResponse(request, result.status());
  if (html)
    return Response::MakeText(200, platform::RenderEvaluationHtml(*result),
                              "text/html; charset=utf-8");
  return JsonResponse(200, *result);
}

Response EvaluatePost(platform::App& app, Request& request) {
  auto body = ParseJsonBody(request);
  if (!body.ok()) return ErrorResponse(request, body.status());
  return Evaluate(app, request, *body, false);
}

// GET .../evaluate?dataset=N&dataset_version=v&threshold=t&format=json|html
Response EvaluateGet(platform::App& app, Request& request) {
  std::string format = request.Query("format", "json");
  if (format != "json" && format != "html") {
    return ErrorResponse(request, InvalidArgumentError(fmt::format(
                                      "format must be json or html, got '{}'", format)));
  }
  Json body = Json::object();
  if (request.query.count("dataset")) body["dataset"] = request.Query("dataset");
  if (request.query.count("dataset_version")) {
    auto v = QueryUint(request, "dataset_version", 0);
    if (!v.ok()) return ErrorResponse(request, v.status());
    body["dataset_version"] = *v;
  }
  if (request.query.count("threshold")) {
    const std::string t = request.Query("threshold");
    char* end = nullptr;
    double v = std::strtod(t.c_str(), &end);
    if (t.empty() || *end != '\0') {
      return ErrorResponse(
          request, InvalidArgumentError(fmt::format("threshold must be a number, got '{}'", t)));
    }
    body["threshold"] = v;
  }
  return Evaluate(app, request, body, format == "html");
}

Response Explain(platform::App& app, Request& request) {
  auto body = ParseJsonBody(request);
  if (!body.ok()) return ErrorResponse(request, body.status());
  auto options = platform::ParseExplainOptions(*body);
  if (!options.ok()) return ErrorResponse(request, options.status());
  auto result =
      platform::ExplainModelVersion(app.models(), app.datasets(), request.path_params["name"],
                                    request.path_params["version"], *options);
  if (!result.ok()) return ErrorResponse(request, result.status());
  return JsonResponse(200, *result);
}

Response Export(platform::App& app, Request& request) {
  auto m = app.models().Resolve(request.path_params["name"], request.path_params["version"]);
  if (!m.ok()) return ErrorResponse(request, m.status());
  auto dir = app.models().VersionDir(*m);
  if (!dir.ok()) return ErrorResponse(request, dir.status());
  auto bytes = platform::ExportModelArchive(*dir, *m);
  if (!bytes.ok()) return ErrorResponse(request, bytes.status());
  Response r = Response::MakeText(200, std::move(*bytes), "application/gzip");
  r.SetHeader("Content-Disposition",
              fmt::format("attachment; filename=\"{}-v{}.tar.gz\"", m->name, m->version));
  return r;
}

// The body is the file: a model archive (format=archive, the default) or an XGBoost
// JSON model (format=xgboost, with features=, classes=, target=).
Response Import(platform::App& app, Request& request, const std::string& name) {
  if (request.body_file.empty()) {
    return ErrorResponse(request,
                         InvalidArgumentError("send the archive to import as the request body"));
  }
  std::string format = request.Query("format", "archive");
  Result<platform::ModelVersion> m = InvalidArgumentError("");
  if (format == "archive") {
    m = platform::ImportModelArchive(app.models(), request.body_file, name);
  } else if (format == "xgboost") {
    if (name.empty())
      return ErrorResponse(request, InvalidArgumentError("query parameter 'name' is required"));
    platform::XGBoostImport o;
    o.name = name;
    o.features = SplitList(request.Query("features"));
    o.classes = SplitList(request.Query("classes"));
    o.target = request.Query("target", "target");
    m = platform::ImportXGBoostModel(app.models(), request.body_file, o);
  } else {
    return ErrorResponse(request, InvalidArgumentError(fmt::format(
                                      "format must be archive or xgboost, got '{}'", format)));
  }
  if (!m.ok()) return ErrorResponse(request, m.status());
  return JsonResponse(201, m->ToJson());
}

}  // namespace

void AddModelRoutes(Router& router, platform::App& app) {
  router.Add("POST", "/api/v1/models/{name}/versions/{version}/evaluate",
             [&app](Request& r) { return EvaluatePost(app, r); });
  router.Add("GET", "/api/v1/models/{name}/versions/{version}/evaluate",
             [&app](Request& r) { return EvaluateGet(app, r); });
  router.Add("POST", "/api/v1/models/{name}/versions/{version}/explain",
             [&app](Request& r) { return Explain(app, r); });
  router.Add("GET", "/api/v1/models/{name}/versions/{version}/export",
             [&app](Request& r) { return Export(app, r); });
  // Archives stream to a file; ImportModelArchive applies the size limits.
  const RouteOptions upload{uint64_t{4} << 30, true};
  router.Add(
      "POST", "/api/v1/models/import",
      [&app](Request& r) { return Import(app, r, r.Query("name")); }, upload);
  router.Add(
      "POST", "/api/v1/models/{name}/import",
      [&app](Request& r) { return Import(app, r, r.path_params["name"]); }, upload);
}

}  // namespace strata::api
