#include "platform/dataset_service.h"

#include "platform/versioned_dir.h"

#include <cstdio>

#include <fmt/format.h>

namespace strata::platform {
namespace {

constexpr const char* kColumns =
    "id, name, version, rows, columns, bytes, source_bytes, format, source, parent, skipped_rows, "
    "object_prefix, created_at";

Result<Dataset> FromRow(const store::Row& row) {
  Dataset d;
  d.id = row.Text("id");
  d.name = row.Text("name");
  d.version = row.Int("version");
  d.rows = row.Int("rows");
  auto columns = core::ParseJson(row.Text("columns"), "dataset columns");
  if (!columns.ok() || !columns->is_array()) return InternalError(fmt::format("dataset '{}' has corrupt columns", d.name));
  for (const auto& c : *columns) {
    auto type = data::ParseColumnType(c.value("type", ""));
    d.schema.columns.push_back({c.value("name", ""), type.value_or(data::ColumnType::kText), c.value("nulls", int64_t{0})});
  }
  d.bytes = static_cast<uint64_t>(row.Int("bytes"));
  d.source_bytes = static_cast<uint64_t>(row.Int("source_bytes"));
  d.format = row.Text("format");
  d.source = row.OptText("source").value_or("");
  d.parent = row.OptText("parent").value_or("");
  d.skipped_rows = row.Int("skipped_rows");
  d.object_prefix = row.Text("object_prefix");
  d.created_at = row.Int("created_at");
  return d;
}

}  // namespace

Json Dataset::ToJson() const {
  Json j = {{"name", name},
            {"version", version},
            {"id", id},
            {"rows", rows},
            {"columns", schema.ToJson()},
            {"bytes", bytes},
            {"source_bytes", source_bytes},
            {"format", format},
            {"source", source.empty() ? Json(nullptr) : Json(source)},
            {"parent", parent.empty() ? Json(nullptr) : Json(parent)},
            {"skipped_rows", skipped_rows},
            {"created_at", core::FormatRfc3339(core::FromUnixMillis(created_at))}};
  return j;
}

DatasetService::DatasetService(store::Store& store) : store_(store), pool_(core::CoreCount() > 1 ? core::CoreCount() - 1 : 1) {}

Result<Json> DatasetService::Profile(const Dataset& dataset, const data::ProfileOptions& options) {
  STRATA_ASSIGN_OR_RETURN(auto table, OpenTable(dataset));
  STRATA_ASSIGN_OR_RETURN(Json profile, data::ProfileTable(*table, options, &pool_));
  Json out = {{"name", dataset.name}, {"version", dataset.version}};
  for (auto& [k, v] : profile.items()) out[k] = std::move(v);
  return out;
}

Result<Dataset> DatasetService::Import(const std::string& name, const std::filesystem::path& file,
                                       const std::string& source, const data::ImportOptions& options,
                                       const data::ImportProgress& progress) {
  if (!core::IsValidName(name)) {
    return InvalidArgumentError(
        fmt::format("dataset name '{}' is not valid: use [A-Za-z0-9][A-Za-z0-9._-]{{0,127}}", name));
  }
  std::string prefix = "datasets/" + name;
  STRATA_ASSIGN_OR_RETURN(std::filesystem::path parent_dir, store_.objects->LocalPath(prefix));
  std::string id = core::NewId();
  std::filesystem::path temp = parent_dir / (".tmp-" + id);
  std::error_code ec;
  std::filesystem::create_directories(parent_dir, ec);
  if (ec) return InternalError(fmt::format("cannot create '{}': {}", parent_dir.string(), ec.message()));

  data::ImportOptions opts = options;
  if (opts.reader.display_name.empty()) opts.reader.display_name = source.empty() ? file.filename().string() : source;
  auto imported = data::ImportFile(file, opts, temp, progress);
  if (!imported.ok()) {
    std::filesystem::remove(parent_dir, ec);  // only if empty: no earlier version lives there
    return imported.status();
  }
  data::ImportSummary summary = std::move(*imported);

  Dataset d;
  d.id = id;
  d.name = name;
  d.rows = summary.rows;
  d.schema = summary.schema;
  d.bytes = summary.stored_bytes;
  d.source_bytes = summary.input_bytes;
  d.format = std::string(data::FileFormatName(opts.reader.format));
  d.source = source;
  d.skipped_rows = summary.skipped_rows;
  STRATA_RETURN_IF_ERROR(CommitVersion(temp, &d));
  core::log::Info("imported dataset {} v{}: {} rows, {} columns, {} skipped", name, d.version, d.rows,
                  d.schema.columns.size(), d.skipped_rows);
  return d;
}

Status DatasetService::CommitVersion(const std::filesystem::path& temp, Dataset* d) {
  d->created_at = core::ToUnixMillis(core::SystemClock().Now());
  return CommitNextVersion(*store_.catalog, "datasets", d->name, temp, "datasets/" + d->name,
                           [&](int64_t version, const std::string& prefix) {
                             d->version = version;
                             d->object_prefix = prefix;
                             return store_.catalog->Execute(
                                 fmt::format("INSERT INTO datasets ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                             kColumns),
                                 {d->id, d->name, d->version, d->rows, d->schema.ToJson().dump(),
                                  static_cast<int64_t>(d->bytes), static_cast<int64_t>(d->source_bytes), d->format,
                                  d->source.empty() ? store::Value(nullptr) : store::Value(d->source),
                                  d->parent.empty() ? store::Value(nullptr) : store::Value(d->parent), d->skipped_rows,
                                  d->object_prefix, d->created_at});
                           });
}

Result<std::vector<Dataset>> DatasetService::Split(const Dataset& source, const data::SplitSpec& spec,
                                                   const std::string& prefix) {
  std::string base = prefix.empty() ? source.name : prefix;
  for (const auto& [part, share] : spec.fractions) {
    std::string child = base + "-" + part;
    if (!core::IsValidName(child)) {
      return InvalidArgumentError(fmt::format("part '{}' makes the dataset name '{}', which is not valid", part, child));
    }
  }
  STRATA_ASSIGN_OR_RETURN(auto table, OpenTable(source));
  STRATA_ASSIGN_OR_RETURN(auto parts, data::SplitRows(*table, spec));
  // Every part is written before any is committed, so a failure leaves no partial split.
  std::vector<std::pair<std::filesystem::path, Dataset>> staged;
  auto cleanup = [&staged] {
    for (auto& [dir, d] : staged) {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
      std::filesystem::remove(dir.parent_path(), ec);  // only if empty
    }
  };
  for (size_t i = 0; i < parts.size(); ++i) {
    Dataset d;
    d.id = core::NewId();
    d.name = base + "-" + spec.fractions[i].first;
    STRATA_ASSIGN_OR_RETURN(std::filesystem::path parent_dir, store_.objects->LocalPath("datasets/" + d.name));
    std::error_code ec;
    std::filesystem::create_directories(parent_dir, ec);
    std::filesystem::path temp = parent_dir / (".tmp-" + d.id);
    if (Status s = data::WriteRows(*table, parts[i], temp); !s.ok()) {
      cleanup();
      return s;
    }
    auto written = data::Table::Open(temp);
    if (!written.ok()) {
      cleanup();
      return written.status();
    }
    d.rows = (*written)->rows();
    d.schema = (*written)->schema();
    d.bytes = (*written)->bytes();
    d.format = source.format;
    d.source = source.source;
    d.parent = fmt::format("{}@{}", source.name, source.version);
    staged.emplace_back(temp, std::move(d));
  }
  std::vector<Dataset> out;
  for (auto& [temp, d] : staged) {
    STRATA_RETURN_IF_ERROR(CommitVersion(temp, &d));
    out.push_back(d);
  }
  core::log::Info("split {} v{} into {} parts", source.name, source.version, out.size());
  return out;
}

Result<Json> DatasetService::Sample(const Dataset& dataset, int64_t n, uint64_t seed) {
  STRATA_ASSIGN_OR_RETURN(auto table, OpenTable(dataset));
  Json rows = Json::array();
  for (int64_t r : data::SampleRows(table->rows(), n, seed)) rows.push_back(table->RowsAsJson(r, 1)[0]);
  return rows;
}

Result<Dataset> DatasetService::Get(const std::string& name, std::optional<int64_t> version) {
  std::vector<store::Row> rows;
  if (version) {
    STRATA_ASSIGN_OR_RETURN(rows, store_.catalog->Query(
                                      fmt::format("SELECT {} FROM datasets WHERE name = ? AND version = ?", kColumns),
                                      {name, *version}));
    if (rows.empty()) return NotFoundError(fmt::format("dataset '{}' has no version {}", name, *version));
  } else {
    STRATA_ASSIGN_OR_RETURN(
        rows, store_.catalog->Query(
                  fmt::format("SELECT {} FROM datasets WHERE name = ? ORDER BY version DESC LIMIT 1", kColumns), {name}));
    if (rows.empty()) return NotFoundError(fmt::format("dataset '{}' does not exist", name));
  }
  return FromRow(rows[0]);
}

Result<DatasetPage> DatasetService::List(int limit, const std::string& page_token) {
  STRATA_ASSIGN_OR_RETURN(
      auto rows,
      store_.catalog->Query(fmt::format("SELECT {} FROM datasets d WHERE version = (SELECT MAX(version) FROM datasets "
                                        "WHERE name = d.name) AND name > ? ORDER BY name LIMIT ?",
                                        kColumns),
                            {page_token, static_cast<int64_t>(limit) + 1}));
  DatasetPage page;
  for (const auto& row : rows) {
    STRATA_ASSIGN_OR_RETURN(Dataset d, FromRow(row));
    page.items.push_back(std::move(d));
  }
  if (static_cast<int>(page.items.size()) > limit) {
    page.items.resize(limit);
    page.next_page_token = page.items.back().name;
  }
  return page;
}

Result<std::vector<Dataset>> DatasetService::Versions(const std::string& name) {
  STRATA_ASSIGN_OR_RETURN(
      auto rows, store_.catalog->Query(fmt::format("SELECT {} FROM datasets WHERE name = ? ORDER BY version", kColumns),
                                       {name}));
  std::vector<Dataset> out;
  for (const auto& row : rows) {
    STRATA_ASSIGN_OR_RETURN(Dataset d, FromRow(row));
    out.push_back(std::move(d));
  }
  return out;
}

Result<std::shared_ptr<data::Table>> DatasetService::OpenTable(const Dataset& dataset) {
  constexpr size_t kCachedTables = 16;
  {
    std::lock_guard lock(tables_mu_);
    for (auto it = tables_.begin(); it != tables_.end(); ++it) {
      if (it->first == dataset.id) {
        tables_.splice(tables_.begin(), tables_, it);  // most recently used first
        return tables_.front().second;
      }
    }
  }
  STRATA_ASSIGN_OR_RETURN(std::filesystem::path dir, store_.objects->LocalPath(dataset.object_prefix));
  STRATA_ASSIGN_OR_RETURN(std::shared_ptr<data::Table> table, data::Table::Open(dir));
  std::lock_guard lock(tables_mu_);
  tables_.emplace_front(dataset.id, table);
  if (tables_.size() > kCachedTables) tables_.pop_back();
  return table;
}

Result<Json> DatasetService::Rows(const Dataset& dataset, int64_t offset, int64_t limit) {
  STRATA_ASSIGN_OR_RETURN(auto table, OpenTable(dataset));
  return table->RowsAsJson(offset, limit);
}

Result<int64_t> DatasetService::Delete(const std::string& name) {
  STRATA_ASSIGN_OR_RETURN(auto versions, Versions(name));
  if (versions.empty()) return NotFoundError(fmt::format("dataset '{}' does not exist", name));
  {
    // Readers holding a table keep its mapping alive; only the cache lets go.
    std::lock_guard lock(tables_mu_);
    for (const auto& v : versions) tables_.remove_if([&v](const auto& e) { return e.first == v.id; });
  }
  // The rows go first: a crash after it leaves unreferenced files, never a row
  // pointing at missing files.
  STRATA_RETURN_IF_ERROR(store_.catalog->Execute("DELETE FROM datasets WHERE name = ?", {name}));
  Status s = store_.objects->DeletePrefix("datasets/" + name);
  if (!s.ok()) core::log::Warn("dataset {} deleted from the catalog, but its files remain: {}", name, s.ToString());
  return static_cast<int64_t>(versions.size());
}

}  // namespace strata::platform
