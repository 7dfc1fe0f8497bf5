// /api/v1/datasets: import (the body is the file, streamed to disk), list, show,
// rows, delete.
#include <fmt/format.h>

#include "api/handler_util.h"
#include "api/routes.h"

namespace strata::api {
namespace {

// Query parameters of an import: format, separator, header, on_error, types.
Result<data::ImportOptions> ParseImportOptions(const Request& request) {
  data::ImportOptions o;
  std::string format = request.Query("format");
  if (format.empty()) {
    o.reader.format = data::GuessFileFormat(request.Query("source", "data.csv"));
  } else {
    STRATA_ASSIGN_OR_RETURN(o.reader.format, data::ParseFileFormat(format));
  }
  std::string sep = request.Query("separator");
  if (sep == "\\t" || sep == "tab") sep.assign(1, '\t');  // not `= "\t"`: GCC 12 warns falsely (-Wrestrict)
  if (sep.size() > 1) return InvalidArgumentError(fmt::format("separator must be one character, got '{}'", sep));
  if (!sep.empty()) o.reader.separator = sep[0];
  STRATA_ASSIGN_OR_RETURN(o.reader.header, QueryBool(request, "header", true));
  std::string on_error = request.Query("on_error", "fail");
  if (on_error == "skip") o.on_error = data::OnError::kSkip;
  else if (on_error != "fail") return InvalidArgumentError(fmt::format("on_error must be fail or skip, got '{}'", on_error));
  if (request.query.count("null_tokens")) {
    o.reader.null_tokens.clear();
    std::string tokens = request.Query("null_tokens");
    for (size_t start = 0; start <= tokens.size();) {
      size_t comma = tokens.find(',', start);
      if (comma == std::string::npos) comma = tokens.size();
      if (comma > start) o.reader.null_tokens.push_back(tokens.substr(start, comma - start));
      start = comma + 1;
    }
  }
  // types=col:type,col:type
  std::string types = request.Query("types");
  for (size_t start = 0; start < types.size();) {
    size_t comma = types.find(',', start);
    if (comma == std::string::npos) comma = types.size();
    std::string pair = types.substr(start, comma - start);
    start = comma + 1;
    size_t colon = pair.rfind(':');
    if (colon == std::string::npos || colon == 0) {
      return InvalidArgumentError(fmt::format("types: '{}' must be column:type", pair));
    }
    auto type = data::ParseColumnType(pair.substr(colon + 1));
    if (!type) {
      return InvalidArgumentError(fmt::format(
          "types: '{}' is not a type (float, int, bool, category, text, timestamp)", pair.substr(colon + 1)));
    }
    o.types[pair.substr(0, colon)] = *type;
  }
  return o;
}

Response ImportDataset(platform::App& app, Request& request) {
  std::string name = request.Query("name");
  if (name.empty()) return ErrorResponse(request, InvalidArgumentError("query parameter 'name' is required"));
  auto options = ParseImportOptions(request);
  if (!options.ok()) return ErrorResponse(request, options.status());
  if (request.body_file.empty()) {
    return ErrorResponse(request, InvalidArgumentError("send the file to import as the request body"));
  }
  std::string source = request.Query("source", name);
  auto dataset = app.datasets().Import(name, request.body_file, source, *options,
                                       [&request](uint64_t done, uint64_t total) {
                                         if (request.progress) request.progress(done, total);
                                       });
  if (!dataset.ok()) return ErrorResponse(request, dataset.status());
  return JsonResponse(201, dataset->ToJson());
}

Response ListDatasets(platform::App& app, Request& request) {
  auto page = ParsePageParams(request);
  if (!page.ok()) return ErrorResponse(request, page.status());
  auto result = app.datasets().List(page->limit, page->page_token);
  if (!result.ok()) return ErrorResponse(request, result.status());
  Json items = Json::array();
  for (const auto& d : result->items) items.push_back(d.ToJson());
  return JsonResponse(200, {{"items", items},
                            {"next_page_token", result->next_page_token.empty() ? Json(nullptr)
                                                                                : Json(result->next_page_token)}});
}

Result<platform::Dataset> FindDataset(platform::App& app, Request& request) {
  std::optional<int64_t> version;
  if (request.query.count("version")) {
    STRATA_ASSIGN_OR_RETURN(uint64_t v, QueryUint(request, "version", 0));
    version = static_cast<int64_t>(v);
  }
  return app.datasets().Get(request.path_params["name"], version);
}

Response GetDataset(platform::App& app, Request& request) {
  auto dataset = FindDataset(app, request);
  if (!dataset.ok()) return ErrorResponse(request, dataset.status());
  auto versions = app.datasets().Versions(dataset->name);
  if (!versions.ok()) return ErrorResponse(request, versions.status());
  Json j = dataset->ToJson();
  j["versions"] = Json::array();
  for (const auto& v : *versions) j["versions"].push_back(v.version);
  return JsonResponse(200, j);
}

Response DatasetRows(platform::App& app, Request& request) {
  auto dataset = FindDataset(app, request);
  if (!dataset.ok()) return ErrorResponse(request, dataset.status());
  auto offset = QueryUint(request, "offset", 0);
  if (!offset.ok()) return ErrorResponse(request, offset.status());
  auto limit = QueryUint(request, "limit", 100);
  if (!limit.ok()) return ErrorResponse(request, limit.status());
  if (*limit > 10000) {
    return ErrorResponse(request, InvalidArgumentError(fmt::format("limit must be at most 10000, got {}", *limit)));
  }
  auto rows = app.datasets().Rows(*dataset, static_cast<int64_t>(*offset), static_cast<int64_t>(*limit));
  if (!rows.ok()) return ErrorResponse(request, rows.status());
  return JsonResponse(200, {{"name", dataset->name},
                            {"version", dataset->version},
                            {"offset", *offset},
                            {"total_rows", dataset->rows},
                            {"rows", *rows}});
}

Response ProfileDataset(platform::App& app, Request& request) {
  auto dataset = FindDataset(app, request);
  if (!dataset.ok()) return ErrorResponse(request, dataset.status());
  data::ProfileOptions options;
  options.target = request.Query("target");
  auto bins = QueryUint(request, "bins", 20);
  if (!bins.ok()) return ErrorResponse(request, bins.status());
  if (*bins < 2 || *bins > 200) {
    return ErrorResponse(request, InvalidArgumentError(fmt::format("bins must be in [2, 200], got {}", *bins)));
  }
  options.histogram_bins = static_cast<int>(*bins);
  std::string format = request.Query("format", "json");
  if (format != "json" && format != "html") {
    return ErrorResponse(request, InvalidArgumentError(fmt::format("format must be json or html, got '{}'", format)));
  }
  auto profile = app.datasets().Profile(*dataset, options);
  if (!profile.ok()) return ErrorResponse(request, profile.status());
  if (format == "html") {
    return Response::MakeText(200, data::RenderProfileHtml(*profile, fmt::format("{} v{}", dataset->name, dataset->version)),
                              "text/html; charset=utf-8");
  }
  return JsonResponse(200, *profile);
}

Response SplitDataset(platform::App& app, Request& request) {
  auto body = ParseJsonBody(request);
  if (!body.ok()) return ErrorResponse(request, body.status());
  data::SplitSpec spec;
  const Json& fractions = (*body)["fractions"];
  if (!fractions.is_object() || fractions.empty()) {
    return ErrorResponse(request, InvalidArgumentError(
                                      "field 'fractions' must be an object of part: share, e.g. {\"train\": 0.8, \"test\": 0.2}"));
  }
  for (const auto& [part, share] : fractions.items()) {
    if (!share.is_number()) {
      return ErrorResponse(request, InvalidArgumentError(fmt::format("fractions: '{}' must be a number, got {}", part,
                                                                     core::JsonTypeName(share))));
    }
    spec.fractions.emplace_back(part, share.get<double>());
  }
  auto stratify = core::OptionalString(*body, "stratify_by", "");
  auto time = core::OptionalString(*body, "time_column", "");
  auto seed = core::OptionalInt(*body, "seed", 1);
  auto prefix = core::OptionalString(*body, "prefix", "");
  auto version = core::OptionalInt(*body, "version", 0);
  for (const Status& s : {stratify.status(), time.status(), seed.status(), prefix.status(), version.status()}) {
    if (!s.ok()) return ErrorResponse(request, s);
  }
  spec.stratify_by = *stratify;
  spec.time_column = *time;
  spec.seed = static_cast<uint64_t>(*seed);
  auto source = app.datasets().Get(request.path_params["name"],
                                   *version > 0 ? std::optional<int64_t>(*version) : std::nullopt);
  if (!source.ok()) return ErrorResponse(request, source.status());
  auto parts = app.datasets().Split(*source, spec, *prefix);
  if (!parts.ok()) return ErrorResponse(request, parts.status());
  Json items = Json::array();
  for (const auto& d : *parts) items.push_back(d.ToJson());
  return JsonResponse(201, {{"parent", fmt::format("{}@{}", source->name, source->version)}, {"datasets", items}});
}

Response SampleDataset(platform::App& app, Request& request) {
  auto dataset = FindDataset(app, request);
  if (!dataset.ok()) return ErrorResponse(request, dataset.status());
  auto n = QueryUint(request, "n", 10);
  if (!n.ok()) return ErrorResponse(request, n.status());
  if (*n < 1 || *n > 10000) return ErrorResponse(request, InvalidArgumentError(fmt::format("n must be in [1, 10000], got {}", *n)));
  auto seed = QueryUint(request, "seed", 1);
  if (!seed.ok()) return ErrorResponse(request, seed.status());
  auto rows = app.datasets().Sample(*dataset, static_cast<int64_t>(*n), *seed);
  if (!rows.ok()) return ErrorResponse(request, rows.status());
  return JsonResponse(200, {{"name", dataset->name}, {"version", dataset->version}, {"rows", *rows}});
}

Response DeleteDataset(platform::App& app, Request& request) {
  auto n = app.datasets().Delete(request.path_params["name"]);
  if (!n.ok()) return ErrorResponse(request, n.status());
  return JsonResponse(200, {{"deleted", request.path_params["name"]}, {"versions", *n}});
}

}  // namespace

void AddDatasetRoutes(Router& router, platform::App& app) {
  // Uploads stream to a file; the limit is the disk's, not memory's.
  router.Add("POST", "/api/v1/datasets", [&app](Request& r) { return ImportDataset(app, r); },
             {uint64_t{1} << 42, true});
  router.Add("GET", "/api/v1/datasets", [&app](Request& r) { return ListDatasets(app, r); });
  router.Add("GET", "/api/v1/datasets/{name}", [&app](Request& r) { return GetDataset(app, r); });
  router.Add("GET", "/api/v1/datasets/{name}/rows", [&app](Request& r) { return DatasetRows(app, r); });
  router.Add("GET", "/api/v1/datasets/{name}/profile", [&app](Request& r) { return ProfileDataset(app, r); });
  router.Add("POST", "/api/v1/datasets/{name}/split", [&app](Request& r) { return SplitDataset(app, r); });
  router.Add("GET", "/api/v1/datasets/{name}/sample", [&app](Request& r) { return SampleDataset(app, r); });
  router.Add("DELETE", "/api/v1/datasets/{name}", [&app](Request& r) { return DeleteDataset(app, r); });
}

}  // namespace strata::api
