#include "platform/model_service.h"

#include "platform/versioned_dir.h"


#include <cctype>

#include <fmt/format.h>

namespace strata::platform {
namespace {

constexpr const char* kColumns =
    "id, name, version, algorithm, problem, target, dataset, job, hyperparameters, metrics, object_prefix, bytes, "
    "training_seconds, program_version, created_at";

Result<ModelVersion> FromRow(const store::Row& row) {
  ModelVersion m;
  m.id = row.Text("id");
  m.name = row.Text("name");
  m.version = row.Int("version");
  m.algorithm = row.Text("algorithm");
  m.problem = row.Text("problem");
  m.target = row.Text("target");
  m.dataset = row.Text("dataset");
  m.job = row.OptText("job").value_or("");
  auto hp = core::ParseJson(row.Text("hyperparameters"), "model hyperparameters");
  auto metrics = core::ParseJson(row.Text("metrics"), "model metrics");
  if (!hp.ok() || !metrics.ok()) return InternalError(fmt::format("model '{}' has corrupt metadata", m.name));
  m.hyperparameters = *hp;
  m.metrics = *metrics;
  m.object_prefix = row.Text("object_prefix");
  m.bytes = row.Int("bytes");
  m.training_seconds = row.Real("training_seconds");
  m.program_version = row.Text("program_version");
  m.created_at = row.Int("created_at");
  return m;
}

}  // namespace

Json ModelVersion::ToJson() const {
  return {{"name", name},
          {"version", version},
          {"id", id},
          {"algorithm", algorithm},
          {"problem", problem},
          {"target", target},
          {"dataset", dataset},
          {"job", job.empty() ? Json(nullptr) : Json(job)},
          {"hyperparameters", hyperparameters},
          {"metrics", metrics},
          {"bytes", bytes},
          {"training_seconds", training_seconds},
          {"program_version", program_version},
          {"created_at", core::FormatRfc3339(core::FromUnixMillis(created_at))}};
}

ModelService::ModelService(store::Store& store) : store_(store) {}

Result<std::filesystem::path> ModelService::StagingDir(const std::string& name) {
  if (!core::IsValidName(name)) {
    return InvalidArgumentError(fmt::format("model name '{}' is not valid: use [A-Za-z0-9][A-Za-z0-9._-]{{0,127}}", name));
  }
  STRATA_ASSIGN_OR_RETURN(std::filesystem::path parent, store_.objects->LocalPath("models/" + name));
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) return InternalError(fmt::format("cannot create '{}': {}", parent.string(), ec.message()));
  return parent / (".tmp-" + core::NewId());
}

Result<std::filesystem::path> ModelService::VersionDir(const ModelVersion& m) {
  return store_.objects->LocalPath(m.object_prefix);
}

Status ModelService::Register(const std::filesystem::path& temp_dir, ModelVersion* m) {
  m->id = core::NewId();
  m->created_at = core::ToUnixMillis(core::SystemClock().Now());
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(temp_dir, ec)) m->bytes += static_cast<int64_t>(entry.file_size());
  return CommitNextVersion(*store_.catalog, "models", m->name, temp_dir, "models/" + m->name,
                           [&](int64_t version, const std::string& prefix) {
                             m->version = version;
                             m->object_prefix = prefix;
                             return store_.catalog->Execute(
                                 fmt::format("INSERT INTO models ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                             kColumns),
                                 {m->id, m->name, m->version, m->algorithm, m->problem, m->target, m->dataset,
                                  m->job.empty() ? store::Value(nullptr) : store::Value(m->job), m->hyperparameters.dump(),
                                  m->metrics.dump(), m->object_prefix, m->bytes, m->training_seconds, m->program_version,
                                  m->created_at});
                           });
}

Status ModelService::SetAlias(const std::string& model, const std::string& alias, int64_t version,
                              const std::string& who) {
  if (!core::IsValidName(alias)) {
    return InvalidArgumentError(fmt::format("alias '{}' is not valid: use [A-Za-z0-9][A-Za-z0-9._-]{{0,127}}", alias));
  }
  if (!alias.empty() && std::isdigit(static_cast<unsigned char>(alias[0]))) {
    return InvalidArgumentError(fmt::format("alias '{}' must not start with a digit: it would read as a version", alias));
  }
  STRATA_RETURN_IF_ERROR(Get(model, version).status());
  int64_t now = core::ToUnixMillis(core::SystemClock().Now());
  return store_.catalog->Transaction([&]() -> Status {
    STRATA_ASSIGN_OR_RETURN(auto old, store_.catalog->Query(
                                          "SELECT version FROM model_aliases WHERE model = ? AND alias = ?", {model, alias}));
    store::Value previous = nullptr;
    if (!old.empty()) previous = old[0].Int("version");
    STRATA_RETURN_IF_ERROR(store_.catalog->Execute(
        "INSERT INTO model_aliases (model, alias, version, updated_at, updated_by) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (model, alias) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at, "
        "updated_by = excluded.updated_by",
        {model, alias, version, now, who}));
    return store_.catalog->Execute(
        "INSERT INTO model_alias_history (model, alias, version, previous_version, at, by) VALUES (?, ?, ?, ?, ?, ?)",
        {model, alias, version, previous, now, who});
  });
}

Result<Json> ModelService::Aliases(const std::string& model) {
  STRATA_ASSIGN_OR_RETURN(auto rows, store_.catalog->Query(
                                         "SELECT alias, version, updated_at, updated_by FROM model_aliases WHERE model = ? "
                                         "ORDER BY alias",
                                         {model}));
  Json aliases = Json::object();
  for (const auto& r : rows) {
    aliases[r.Text("alias")] = {{"version", r.Int("version")},
                                {"updated_at", core::FormatRfc3339(core::FromUnixMillis(r.Int("updated_at")))},
                                {"updated_by", r.Text("updated_by")}};
  }
  STRATA_ASSIGN_OR_RETURN(auto history, store_.catalog->Query(
                                            "SELECT alias, version, previous_version, at, by FROM model_alias_history "
                                            "WHERE model = ? ORDER BY at DESC, rowid DESC LIMIT 100",
                                            {model}));
  Json moves = Json::array();
  for (const auto& r : history) {
    moves.push_back({{"alias", r.Text("alias")}, {"version", r.Int("version")},
                     {"previous_version", r.IsNull("previous_version") ? Json(nullptr) : Json(r.Int("previous_version"))},
                     {"at", core::FormatRfc3339(core::FromUnixMillis(r.Int("at")))}, {"by", r.Text("by")}});
  }
  return Json{{"aliases", aliases}, {"history", moves}};
}

Result<ModelVersion> ModelService::Resolve(const std::string& model, const std::string& version_or_alias) {
  if (version_or_alias == "latest") return Get(model);
  char* end = nullptr;
  long long v = std::strtoll(version_or_alias.c_str(), &end, 10);
  if (!version_or_alias.empty() && *end == '\0') {
    if (v < 1) return InvalidArgumentError(fmt::format("version must be a positive integer, got {}", v));
    return Get(model, v);
  }
  STRATA_ASSIGN_OR_RETURN(auto rows, store_.catalog->Query("SELECT version FROM model_aliases WHERE model = ? AND alias = ?",
                                                           {model, version_or_alias}));
  if (rows.empty()) {
    return NotFoundError(fmt::format("model '{}' has no version or alias '{}'", model, version_or_alias));
  }
  return Get(model, rows[0].Int("version"));
}

Result<ModelVersion> ModelService::Get(const std::string& name, std::optional<int64_t> version) {
  std::vector<store::Row> rows;
  if (version) {
    STRATA_ASSIGN_OR_RETURN(rows, store_.catalog->Query(
                                      fmt::format("SELECT {} FROM models WHERE name = ? AND version = ?", kColumns),
                                      {name, *version}));
    if (rows.empty()) return NotFoundError(fmt::format("model '{}' has no version {}", name, *version));
  } else {
    STRATA_ASSIGN_OR_RETURN(rows, store_.catalog->Query(
                                      fmt::format("SELECT {} FROM models WHERE name = ? ORDER BY version DESC LIMIT 1",
                                                  kColumns),
                                      {name}));
    if (rows.empty()) return NotFoundError(fmt::format("model '{}' does not exist", name));
  }
  return FromRow(rows[0]);
}

Result<std::vector<ModelVersion>> ModelService::Versions(const std::string& name) {
  STRATA_ASSIGN_OR_RETURN(auto rows, store_.catalog->Query(
                                         fmt::format("SELECT {} FROM models WHERE name = ? ORDER BY version", kColumns),
                                         {name}));
  std::vector<ModelVersion> out;
  for (const auto& row : rows) {
    STRATA_ASSIGN_OR_RETURN(ModelVersion m, FromRow(row));
    out.push_back(std::move(m));
  }
  return out;
}

Result<std::vector<ModelVersion>> ModelService::List(int limit, const std::string& page_token,
                                                     std::string* next_page_token) {
  STRATA_ASSIGN_OR_RETURN(
      auto rows,
      store_.catalog->Query(fmt::format("SELECT {} FROM models m WHERE version = (SELECT MAX(version) FROM models "
                                        "WHERE name = m.name) AND name > ? ORDER BY name LIMIT ?",
                                        kColumns),
                            {page_token, static_cast<int64_t>(limit) + 1}));
  std::vector<ModelVersion> out;
  for (const auto& row : rows) {
    STRATA_ASSIGN_OR_RETURN(ModelVersion m, FromRow(row));
    out.push_back(std::move(m));
  }
  next_page_token->clear();
  if (static_cast<int>(out.size()) > limit) {
    out.resize(limit);
    *next_page_token = out.back().name;
  }
  return out;
}

}  // namespace strata::platform
