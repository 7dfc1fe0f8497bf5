// `strata datasets ...`
#include <unistd.h>

#include <filesystem>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/profile_render.h"

namespace strata::cli {
namespace {

std::string Bytes(uint64_t b) {
  if (b < 1000) return fmt::format("{} B", b);
  if (b < 1000000) return fmt::format("{:.1f} KB", b / 1e3);
  if (b < 1000000000) return fmt::format("{:.1f} MB", b / 1e6);
  return fmt::format("{:.2f} GB", b / 1e9);
}

std::string RenderList(const Json& page) {
  Table t;
  t.headers = {"NAME", "VERSION", "ROWS", "COLUMNS", "SIZE", "CREATED"};
  for (const auto& d : page["items"]) {
    t.rows.push_back({d["name"], Cell(d["version"]), Cell(d["rows"]), std::to_string(d["columns"].size()),
                      Bytes(d.value("bytes", uint64_t{0})), Cell(d["created_at"])});
  }
  return t.Render();
}

std::string RenderDataset(const Json& d) {
  std::string out = fmt::format("{} v{}: {} rows, {} columns, {} stored ({} source, {})\n", d["name"].get<std::string>(),
                                d["version"].get<int64_t>(), d["rows"].get<int64_t>(), d["columns"].size(),
                                Bytes(d.value("bytes", uint64_t{0})), Bytes(d.value("source_bytes", uint64_t{0})),
                                d.value("format", ""));
  if (d.value("skipped_rows", 0) > 0) out += fmt::format("skipped rows: {}\n", d["skipped_rows"].get<int64_t>());
  if (d.contains("versions")) out += fmt::format("versions: {}\n", d["versions"].dump());
  out += "\n";
  Table t;
  t.headers = {"COLUMN", "TYPE", "NULLS"};
  for (const auto& c : d["columns"]) t.rows.push_back({c["name"], c["type"], Cell(c["nulls"])});
  return out + t.Render();
}

std::string RenderRows(const Json& page) {
  Table t;
  const Json& rows = page["rows"];
  if (rows.empty()) return "(no rows)\n";
  for (const auto& [k, v] : rows[0].items()) t.headers.push_back(k);
  for (const auto& row : rows) {
    std::vector<std::string> cells;
    for (const auto& [k, v] : row.items()) {
      std::string c = Cell(v);
      for (char& ch : c) {
        if (ch == '\n' || ch == '\t') ch = ' ';
      }
      if (c.size() > 40) c = c.substr(0, 37) + "...";
      cells.push_back(c);
    }
    t.rows.push_back(cells);
  }
  return t.Render();
}

// A dataset name from a file name: its stem, with characters names cannot hold as '-'.
std::string NameFromFile(const std::filesystem::path& file) {
  std::string name = file.stem().string();
  for (char& c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-';
    if (!ok) c = '-';
  }
  while (!name.empty() && !std::isalnum(static_cast<unsigned char>(name[0]))) name.erase(0, 1);
  return name.empty() ? "dataset" : name.substr(0, 128);
}

std::string Path(const std::string& name) { return "/api/v1/datasets/" + name; }

}  // namespace

int CmdDatasetsImport(const GlobalFlags& g, const DatasetsImportArgs& a) {
  std::filesystem::path file(a.file);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec) || ::access(file.c_str(), R_OK) != 0) {
    return ReportError(InvalidArgumentError(fmt::format("'{}' is not a readable file", a.file)));
  }
  std::map<std::string, std::string> query;
  query["name"] = a.name.empty() ? NameFromFile(file) : a.name;
  query["source"] = file.filename().string();
  if (!a.format.empty()) query["format"] = a.format;
  if (!a.separator.empty()) query["separator"] = a.separator;
  if (a.no_header) query["header"] = "false";
  if (!a.on_error.empty()) query["on_error"] = a.on_error;
  std::string types;
  for (const auto& t : a.types) {
    auto eq = t.rfind('=');
    if (eq == std::string::npos || eq == 0) {
      return ReportError(InvalidArgumentError(fmt::format("--type '{}' must be column=type", t)));
    }
    types += (types.empty() ? "" : ",") + t.substr(0, eq) + ":" + t.substr(eq + 1);
  }
  if (!types.empty()) query["types"] = types;
  if (!a.null_tokens.empty()) {
    std::string tokens;
    for (const auto& t : a.null_tokens) tokens += (tokens.empty() ? "" : ",") + t;
    query["null_tokens"] = tokens;
  }

  auto session = Session::Open(g);
  if (!session.ok()) return ReportError(session.status());
  bool local = (*session)->transport().local_app() != nullptr;
  api::Request request = MakeRequest("POST", "/api/v1/datasets", query);
  request.body_file = std::filesystem::absolute(file).string();
  auto size = std::filesystem::file_size(file, ec);
  core::ProgressBar bar((local ? "importing " : "uploading ") + file.filename().string(), static_cast<double>(size),
                        core::ProgressBar::Unit::kBytes);
  request.progress = [&bar, local](uint64_t done, uint64_t /*total*/) {
    // A local import reads the file twice (inference, then storage): show one pass.
    bar.Update(static_cast<double>(local ? done / 2 : done));
  };
  auto result = CallJson((*session)->transport(), std::move(request));
  bar.Finish();
  if (!result.ok()) return ReportError(result.status());
  (*session)->Print(*result, RenderDataset);
  return 0;
}

int CmdDatasetsList(const GlobalFlags& g, int limit) {
  auto session = Session::Open(g);
  if (!session.ok()) return ReportError(session.status());
  auto page = CallJson((*session)->transport(), MakeRequest("GET", "/api/v1/datasets", {{"limit", std::to_string(limit)}}));
  if (!page.ok()) return ReportError(page.status());
  (*session)->Print(*page, RenderList);
  return 0;
}

int CmdDatasetsShow(const GlobalFlags& g, const std::string& name, int64_t version) {
  auto session = Session::Open(g);
  if (!session.ok()) return ReportError(session.status());
  std::map<std::string, std::string> query;
  if (version > 0) query["version"] = std::to_string(version);
  auto d = CallJson((*session)->transport(), MakeRequest("GET", Path(name), query));
  if (!d.ok()) return ReportError(d.status());
  (*session)->Print(*d, RenderDataset);
  return 0;
}

int CmdDatasetsHead(const GlobalFlags& g, const std::string& name, int64_t rows, int64_t offset, int64_t version) {
  auto session = Session::Open(g);
  if (!session.ok()) return ReportError(session.status());
  std::map<std::string, std::string> query = {{"limit", std::to_string(rows)}, {"offset", std::to_string(offset)}};
  if (version > 0) query["version"] = std::to_string(version);
  auto page = CallJson((*session)->transport(), MakeRequest("GET", Path(name) + "/rows", query));
  if (!page.ok()) return ReportError(page.status());
  (*session)->Print(*page, RenderRows);
  return 0;
}

int CmdDatasetsProfile(const GlobalFlags& g, const DatasetsProfileArgs& a) {
  auto session = Session::Open(g);
  if (!session.ok()) return ReportError(session.status());
  std::map<std::string, std::string> query;
  if (!a.target.empty()) query["target"] = a.target;
  if (a.version > 0) query["version"] = std::to_string(a.version);
  if (!a.html.empty()) {
    query["format"] = "html";
    api::Request request = MakeRequest("GET", Path(a.name) + "/profile", query);
    auto response = (*session)->transport().Send(request, nullptr);
    if (!response.ok()) return ReportError(response.status());
    if (response->status >= 400) {
      // Re-ask as JSON for the error's code and message.
      query.erase("format");
      auto err = CallJson((*session)->transport(), MakeRequest("GET", Path(a.name) + "/profile", query));
      return ReportError(err.ok() ? InternalError(fmt::format("HTTP {}", response->status)) : err.status());
    }
    if (Status s = core::WriteFileAtomic(a.html, response->body); !s.ok()) return ReportError(s);
    fmt::print(stderr, "wrote the profile report to {}\n", a.html);
    return 0;
  }
  auto profile = CallJson((*session)->transport(), MakeRequest("GET", Path(a.name) + "/profile", query));
  if (!profile.ok()) return ReportError(profile.status());
  (*session)->Print(*profile, RenderProfile);
  return 0;
}

int CmdDatasetsSplit(const GlobalFlags& g, const DatasetsSplitArgs& a) {
  Json fractions = Json::object();
  for (const auto& f : a.fractions) {
    auto eq = f.rfind('=');
    double share = 0;
    if (eq == std::string::npos || eq == 0 || !data::ParseDouble(f.substr(eq + 1), &share)) {
      return ReportError(InvalidArgumentError(fmt::format("--fraction '{}' must be part=share, e.g. train=0.8", f)));
    }
    fractions[f.substr(0, eq)] = share;
  }
  if (fractions.empty()) fractions = {{"train", 0.8}, {"test", 0.2}};
  Json body = {{"fractions", fractions}, {"seed", a.seed}};
  if (!a.stratify_by.empty()) body["stratify_by"] = a.stratify_by;
  if (!a.time_column.empty()) body["time_column"] = a.time_column;
  if (!a.prefix.empty()) body["prefix"] = a.prefix;
  if (a.version > 0) body["version"] = a.version;
  auto session = Session::Open(g);
  if (!session.ok()) return ReportError(session.status());
  auto r = CallJson((*session)->transport(), MakeRequest("POST", Path(a.name) + "/split", {}, &body));
  if (!r.ok()) return ReportError(r.status());
  (*session)->Print(*r, [](const Json& j) {
    Table t;
    t.headers = {"DATASET", "VERSION", "ROWS", "PARENT"};
    for (const auto& d : j["datasets"]) t.rows.push_back({d["name"], Cell(d["version"]), Cell(d["rows"]), Cell(d["parent"])});
    return t.Render();
  });
  return 0;
}

int CmdDatasetsSample(const GlobalFlags& g, const std::string& name, int64_t n, int64_t seed) {
  auto session = Session::Open(g);
  if (!session.ok()) return ReportError(session.status());
  auto page = CallJson((*session)->transport(),
                       MakeRequest("GET", Path(name) + "/sample", {{"n", std::to_string(n)}, {"seed", std::to_string(seed)}}));
  if (!page.ok()) return ReportError(page.status());
  (*session)->Print(*page, RenderRows);
  return 0;
}

int CmdDatasetsDelete(const GlobalFlags& g, const std::string& name) {
  auto session = Session::Open(g);
  if (!session.ok()) return ReportError(session.status());
  auto r = CallJson((*session)->transport(), MakeRequest("DELETE", Path(name)));
  if (!r.ok()) return ReportError(r.status());
  (*session)->Print(*r, [](const Json& j) {
    return fmt::format("deleted dataset {} ({} versions)\n", j["deleted"].get<std::string>(), j["versions"].get<int64_t>());
  });
  return 0;
}

}  // namespace strata::cli
