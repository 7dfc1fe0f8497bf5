#include "platform/endpoint_service.h"

#include <fmt/format.h>

namespace strata::platform {

EndpointService::EndpointService(store::Store& store, ModelService& models) : store_(store), models_(models) {}
EndpointService::~EndpointService() = default;

Result<std::shared_ptr<const serve::Predictor>> EndpointService::LoadModel(const ModelVersion& version) {
  {
    std::lock_guard lock(mu_);
    if (auto it = predictors_.find(version.id); it != predictors_.end()) {
      if (auto p = it->second.lock()) return p;
    }
  }
  STRATA_ASSIGN_OR_RETURN(std::filesystem::path dir, store_.objects->LocalPath(version.object_prefix));
  auto loaded = serve::Predictor::Load(dir);
  if (!loaded.ok()) {
    return loaded.status().WithContext(fmt::format("model '{}' version {}", version.name, version.version));
  }
  std::lock_guard lock(mu_);
  predictors_[version.id] = *loaded;
  return *loaded;
}

Result<std::vector<std::shared_ptr<const serve::Predictor>>> EndpointService::Resolve(serve::EndpointSpec* spec) {
  std::vector<std::shared_ptr<const serve::Predictor>> out;
  for (auto& v : spec->variants) {
    STRATA_ASSIGN_OR_RETURN(ModelVersion mv, models_.Resolve(v.model, v.version_ref));
    v.version = mv.version;
    STRATA_ASSIGN_OR_RETURN(auto p, LoadModel(mv));
    out.push_back(std::move(p));
  }
  // Variants must agree on the inputs, or a request could not go to any of them.
  for (size_t i = 1; i < out.size(); ++i) {
    if (out[i]->input_columns() != out[0]->input_columns()) {
      return InvalidArgumentError(fmt::format("variants '{}' and '{}' take different input columns",
                                              spec->variants[0].name, spec->variants[i].name));
    }
  }
  return out;
}

std::shared_ptr<serve::Endpoint> EndpointService::Find(const std::string& name) {
  (void)LoadAll();
  std::lock_guard lock(mu_);
  auto it = endpoints_.find(name);
  return it == endpoints_.end() ? nullptr : it->second;
}

Json EndpointService::Describe(const serve::Endpoint& e, int64_t created_at, int64_t updated_at) const {
  Json j = e.spec().ToJson();
  j["status"] = "InService";
  j["in_flight"] = e.in_flight();
  j["created_at"] = core::FormatRfc3339(core::FromUnixMillis(created_at));
  j["updated_at"] = core::FormatRfc3339(core::FromUnixMillis(updated_at));
  return j;
}

Status EndpointService::LoadAll() {
  std::call_once(loaded_, [this] { load_status_ = LoadAllOnce(); });
  return load_status_;
}

Status EndpointService::LoadAllOnce() {
  STRATA_ASSIGN_OR_RETURN(auto rows, store_.catalog->Query("SELECT name, spec FROM endpoints ORDER BY name", {}));
  for (const auto& row : rows) {
    const std::string name = row.Text("name");
    auto json = core::ParseJson(row.Text("spec"), "endpoint " + name);
    Result<serve::EndpointSpec> spec = json.ok() ? serve::EndpointSpec::FromJson(*json) : json.status();
    if (!spec.ok()) {
      core::log::Error("endpoint '{}' has a corrupt configuration: {}", name, spec.status().message());
      continue;
    }
    // Pin the versions resolved when it was deployed (an alias moved since then
    // must not change what a restart serves).
    for (auto& v : spec->variants) {
      if (v.version > 0) v.version_ref = std::to_string(v.version);
    }
    auto predictors = Resolve(&*spec);
    if (!predictors.ok()) {
      core::log::Error("endpoint '{}' cannot be loaded: {}", name, predictors.status().message());
      continue;
    }
    STRATA_ASSIGN_OR_RETURN(auto capture_dir, store_.objects->LocalPath("endpoints/" + name + "/capture"));
    auto e = std::make_shared<serve::Endpoint>(name, capture_dir);
    e->Swap(std::move(spec).value(), std::move(predictors).value());
    std::lock_guard lock(mu_);
    endpoints_[name] = e;
  }
  return Status::Ok();
}

namespace {

// The stored form keeps the resolved version next to what was asked for.
Json Stored(const serve::EndpointSpec& spec) {
  Json j = spec.ToJson();
  for (size_t i = 0; i < spec.variants.size(); ++i) {
    j["variants"][i]["version"] = spec.variants[i].version;
  }
  return j;
}

}  // namespace

Result<Json> EndpointService::Create(const Json& request) {
  STRATA_ASSIGN_OR_RETURN(serve::EndpointSpec spec, serve::EndpointSpec::FromJson(request));
  if (Find(spec.name)) return ConflictError(fmt::format("endpoint '{}' already exists", spec.name));
  STRATA_ASSIGN_OR_RETURN(auto predictors, Resolve(&spec));
  const int64_t now = core::ToUnixMillis(core::SystemClock().Now());
  Status s = store_.catalog->Execute("INSERT INTO endpoints (name, spec, created_at, updated_at) VALUES (?, ?, ?, ?)",
                                     {spec.name, Stored(spec).dump(), now, now});
  if (!s.ok()) {
    if (s.code() == ErrorCode::kConflict || s.message().find("UNIQUE") != std::string::npos) {
      return ConflictError(fmt::format("endpoint '{}' already exists", spec.name));
    }
    return s;
  }
  STRATA_ASSIGN_OR_RETURN(auto capture_dir, store_.objects->LocalPath("endpoints/" + spec.name + "/capture"));
  auto e = std::make_shared<serve::Endpoint>(spec.name, capture_dir);
  const std::string name = spec.name;
  e->Swap(std::move(spec), std::move(predictors));
  {
    std::lock_guard lock(mu_);
    endpoints_[name] = e;
  }
  core::log::Info("endpoint '{}' created", name);
  return Describe(*e, now, now);
}

Result<Json> EndpointService::Update(const std::string& name, const Json& request) {
  if (!request.is_object()) return InvalidArgumentError("endpoint must be a JSON object");
  Json body = request;
  if (body.contains("name") && body["name"] != name) {
    return InvalidArgumentError(fmt::format("the body names endpoint '{}', the path '{}'", body["name"].dump(), name));
  }
  body["name"] = name;
  auto e = Find(name);
  if (!e) return NotFoundError(fmt::format("endpoint '{}' does not exist", name));
  // Settings the request leaves out keep their values.
  const Json current = e->spec().ToJson();
  for (const char* k : {"capture", "limits", "batching"}) {
    if (!body.contains(k)) body[k] = current[k];
  }
  STRATA_ASSIGN_OR_RETURN(serve::EndpointSpec spec, serve::EndpointSpec::FromJson(body));
  STRATA_ASSIGN_OR_RETURN(auto predictors, Resolve(&spec));
  const int64_t now = core::ToUnixMillis(core::SystemClock().Now());
  STRATA_ASSIGN_OR_RETURN(int64_t changed, store_.catalog->ExecuteChanges("UPDATE endpoints SET spec = ?, updated_at = ? WHERE name = ?",
                                                                          {Stored(spec).dump(), now, name}));
  if (changed == 0) return NotFoundError(fmt::format("endpoint '{}' does not exist", name));
  e->Swap(std::move(spec), std::move(predictors));
  core::log::Info("endpoint '{}' updated", name);
  return Get(name);
}

Result<Json> EndpointService::Get(const std::string& name) {
  auto e = Find(name);
  STRATA_ASSIGN_OR_RETURN(auto rows, store_.catalog->Query("SELECT created_at, updated_at FROM endpoints WHERE name = ?", {name}));
  if (!e || rows.empty()) return NotFoundError(fmt::format("endpoint '{}' does not exist", name));
  return Describe(*e, rows[0].Int("created_at"), rows[0].Int("updated_at"));
}

Result<Json> EndpointService::List() {
  STRATA_ASSIGN_OR_RETURN(auto rows, store_.catalog->Query("SELECT name, spec, created_at, updated_at FROM endpoints ORDER BY name", {}));
  Json items = Json::array();
  for (const auto& row : rows) {
    const std::string name = row.Text("name");
    if (auto e = Find(name)) {
      items.push_back(Describe(*e, row.Int("created_at"), row.Int("updated_at")));
    } else {
      // In the catalog but not serving (its model failed to load at start).
      auto spec = core::ParseJson(row.Text("spec"), "endpoint");
      Json j = spec.ok() ? *spec : Json{{"name", name}};
      j["status"] = "Failed";
      items.push_back(j);
    }
  }
  return Json{{"items", items}};
}

Status EndpointService::Delete(const std::string& name) {
  STRATA_ASSIGN_OR_RETURN(int64_t changed, store_.catalog->ExecuteChanges("DELETE FROM endpoints WHERE name = ?", {name}));
  std::shared_ptr<serve::Endpoint> e;
  {
    std::lock_guard lock(mu_);
    if (auto it = endpoints_.find(name); it != endpoints_.end()) {
      e = it->second;
      endpoints_.erase(it);
    }
  }
  if (changed == 0 && !e) return NotFoundError(fmt::format("endpoint '{}' does not exist", name));
  core::log::Info("endpoint '{}' deleted", name);
  return Status::Ok();  // requests in flight finish on their shared_ptr
}

Result<serve::InvokeResult> EndpointService::Invoke(const std::string& name, std::string_view content_type,
                                                    std::string_view body, const std::string& request_id) {
  auto e = Find(name);
  if (!e) return NotFoundError(fmt::format("endpoint '{}' does not exist", name));
  return e->Invoke(content_type, body, request_id);
}

std::vector<Result<serve::InvokeResult>> EndpointService::InvokeMany(const std::string& name,
                                                                     const std::vector<serve::InvokeCall>& calls) {
  auto e = Find(name);
  if (!e) {
    return std::vector<Result<serve::InvokeResult>>(calls.size(),
                                                    NotFoundError(fmt::format("endpoint '{}' does not exist", name)));
  }
  return e->InvokeMany(calls);
}

}  // namespace strata::platform
