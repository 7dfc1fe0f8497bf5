#include "platform/transform.h"

#include <atomic>
#include <chrono>
#include <filesystem>

#include <fmt/format.h>

#include "serve/serve.h"

namespace strata::platform {
namespace {

// A CSV field, quoted when it must be (RFC 4180).
void AppendCsv(std::string* out, std::string_view v) {
  if (v.find_first_of(",\"\n\r") == std::string_view::npos) {
    out->append(v);
    return;
  }
  out->push_back('"');
  for (char c : v) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

}  // namespace

Result<Json> PrepareTransformParams(DatasetService& datasets, ModelService& models, const Json& r) {
  if (!r.is_object()) return InvalidArgumentError("request body must be a JSON object");
  STRATA_ASSIGN_OR_RETURN(std::string model, core::RequiredString(r, "model"));
  if (r.contains("version") && r.contains("alias")) return InvalidArgumentError("give version or alias, not both");
  std::string ref = "latest";
  if (r.contains("version")) ref = r["version"].is_number_integer() ? std::to_string(r["version"].get<int64_t>()) : r["version"].dump();
  if (r.contains("alias")) {
    STRATA_ASSIGN_OR_RETURN(ref, core::RequiredString(r, "alias"));
  }
  STRATA_ASSIGN_OR_RETURN(ModelVersion mv, models.Resolve(model, ref));
  Json p = {{"model", model}, {"version", mv.version}};
  const bool has_dataset = r.contains("dataset"), has_input = r.contains("input_path");
  if (has_dataset == has_input) return InvalidArgumentError("give exactly one of dataset and input_path");
  std::string base;
  if (has_dataset) {
    STRATA_ASSIGN_OR_RETURN(std::string name, core::RequiredString(r, "dataset"));
    STRATA_ASSIGN_OR_RETURN(int64_t v, core::OptionalInt(r, "dataset_version", 0));
    STRATA_ASSIGN_OR_RETURN(Dataset d, datasets.Get(name, v > 0 ? std::optional<int64_t>(v) : std::nullopt));
    p["dataset"] = name;
    p["dataset_version"] = d.version;
    base = name;
  } else {
    STRATA_ASSIGN_OR_RETURN(std::string path, core::RequiredString(r, "input_path"));
    std::error_code ec;
    const auto abs = std::filesystem::absolute(path, ec);
    if (ec || !std::filesystem::is_regular_file(abs)) {
      return InvalidArgumentError(fmt::format("input_path '{}' is not a readable file", path));
    }
    p["input_path"] = abs.string();
    base = abs.stem().string();
  }
  STRATA_ASSIGN_OR_RETURN(std::string output_path, core::OptionalString(r, "output_path", ""));
  if (!output_path.empty()) {
    std::error_code ec;
    const auto abs = std::filesystem::absolute(output_path, ec);
    if (ec || !std::filesystem::is_directory(abs.parent_path())) {
      return InvalidArgumentError(fmt::format("output_path '{}': its directory does not exist", output_path));
    }
    p["output_path"] = abs.string();
  }
  std::string default_dataset = output_path.empty() ? base + "-predictions" : "";
  STRATA_ASSIGN_OR_RETURN(std::string output_dataset, core::OptionalString(r, "output_dataset", default_dataset));
  if (!output_dataset.empty() && !core::IsValidName(output_dataset)) {
    return InvalidArgumentError(fmt::format("output_dataset '{}' is not a valid name", output_dataset));
  }
  p["output_dataset"] = output_dataset;
  // The input columns to keep beside the predictions: one name or a list (an id, and a
  // label to train on the output); none keeps them all.
  Json keep = Json::array();
  if (r.contains("id_column") && r["id_column"].is_string()) {
    if (!r["id_column"].get<std::string>().empty()) keep.push_back(r["id_column"]);
  } else if (r.contains("id_column")) {
    if (!r["id_column"].is_array()) return InvalidArgumentError("id_column must be a column name or a list of them");
    for (const Json& c : r["id_column"]) {
      if (!c.is_string() || c.get<std::string>().empty()) {
        return InvalidArgumentError(fmt::format("id_column: {} is not a column name", c.dump()));
      }
      keep.push_back(c);
    }
  }
  p["id_column"] = keep;
  STRATA_ASSIGN_OR_RETURN(int64_t chunk, core::OptionalInt(r, "chunk_rows", 65536));
  if (chunk < 1 || chunk > 10'000'000) return InvalidArgumentError(fmt::format("chunk_rows must be in [1, 10000000], got {}", chunk));
  p["chunk_rows"] = chunk;
  return p;
}

namespace {

Result<Json> RunTransform(jobs::JobContext& ctx) {
  const auto started = std::chrono::steady_clock::now();
  const Json& p = ctx.job().params;
  DatasetService datasets(ctx.store());
  ModelService models(ctx.store());
  STRATA_ASSIGN_OR_RETURN(ModelVersion mv, models.Get(p["model"], p["version"].get<int64_t>()));
  STRATA_ASSIGN_OR_RETURN(auto model_dir, ctx.store().objects->LocalPath(mv.object_prefix));
  STRATA_ASSIGN_OR_RETURN(auto predictor, serve::Predictor::Load(model_dir));
  ctx.Progress(0, "reading input");

  // The input as a table: a dataset, or the file imported into the job's scratch space.
  STRATA_ASSIGN_OR_RETURN(auto scratch, ctx.store().objects->LocalPath("jobs/" + ctx.job().id + "/transform"));
  std::error_code ec;
  std::filesystem::remove_all(scratch, ec);  // a re-run starts clean
  std::filesystem::create_directories(scratch, ec);
  std::shared_ptr<data::Table> table;
  std::string source;
  if (p.contains("dataset")) {
    STRATA_ASSIGN_OR_RETURN(Dataset d, datasets.Get(p["dataset"], p["dataset_version"].get<int64_t>()));
    STRATA_ASSIGN_OR_RETURN(table, datasets.OpenTable(d));
    source = fmt::format("{}@{}", d.name, d.version);
  } else {
    const std::filesystem::path input = p["input_path"].get<std::string>();
    data::ImportOptions io;
    io.reader.format = data::GuessFileFormat(input);
    STRATA_RETURN_IF_ERROR(data::ImportFile(input, io, scratch / "input").status());
    STRATA_ASSIGN_OR_RETURN(table, data::Table::Open(scratch / "input"));
    source = input.string();
  }
  const int64_t rows = table->rows();
  // Jobs submitted before id_column took a list hold one name (empty: keep all).
  std::vector<std::string> id_columns;
  if (p["id_column"].is_string()) {
    if (!p["id_column"].get<std::string>().empty()) id_columns.push_back(p["id_column"]);
  } else {
    id_columns = p["id_column"].get<std::vector<std::string>>();
  }
  std::vector<size_t> keep;  // input columns copied to the output
  for (const std::string& name : id_columns) {
    const int i = table->schema().Find(name);
    if (i < 0) return InvalidArgumentError(fmt::format("id_column '{}' is not a column of the input", name));
    keep.push_back(static_cast<size_t>(i));
  }
  if (id_columns.empty()) {
    for (size_t i = 0; i < table->schema().columns.size(); ++i) keep.push_back(i);
  }

  // Header: kept columns, prediction, one probability per class.
  std::string header;
  for (size_t k = 0; k < keep.size(); ++k) {
    if (k) header += ',';
    AppendCsv(&header, table->schema().columns[keep[k]].name);
  }
  const ml::Problem problem = predictor->problem();
  std::vector<std::string> outputs;
  switch (problem) {
    case ml::Problem::kClustering: outputs = {"cluster", "distance"}; break;
    case ml::Problem::kAnomalyDetection: outputs = {"anomaly_score", "anomaly"}; break;
    case ml::Problem::kDimensionalityReduction:
      for (int k = 0; k < predictor->outputs_per_row(); ++k) outputs.push_back(fmt::format("component_{}", k + 1));
      break;
    case ml::Problem::kEmbedding:
      for (int k = 0; k < predictor->outputs_per_row(); ++k) outputs.push_back(fmt::format("embedding_{}", k + 1));
      break;
    default:
      outputs = {"prediction"};
      if (ml::IsClassification(problem)) {
        for (const auto& c : predictor->classes()) outputs.push_back("p_" + c);
      }
  }
  for (const auto& name : outputs) {
    if (!header.empty()) header += ',';
    AppendCsv(&header, name);
  }
  header += '\n';

  // Chunks in parallel; each chunk's CSV text is kept in order and written at the end
  // of the chunk wave, so memory stays at a few chunks.
  const int64_t chunk = p["chunk_rows"].get<int64_t>();
  const int64_t n_chunks = (rows + chunk - 1) / chunk;
  const auto out_csv = scratch / "predictions.csv";
  core::AtomicFileWriter writer(out_csv);
  STRATA_RETURN_IF_ERROR(writer.Open());
  STRATA_RETURN_IF_ERROR(writer.Write(header));
  core::ThreadPool pool(0);
  const size_t wave = pool.size() * 2;
  int64_t done_rows = 0;
  for (int64_t first = 0; first < n_chunks; first += static_cast<int64_t>(wave)) {
    const int64_t last = std::min<int64_t>(n_chunks, first + static_cast<int64_t>(wave));
    std::vector<std::string> texts(last - first);
    std::vector<Status> errors(last - first);
    pool.ParallelFor(static_cast<size_t>(last - first), [&](size_t i) {
      const int64_t c = first + static_cast<int64_t>(i);
      const int64_t r0 = c * chunk, r1 = std::min(rows, r0 + chunk);
      std::vector<int64_t> idx(r1 - r0);
      for (int64_t r = r0; r < r1; ++r) idx[r - r0] = r;
      auto pred = predictor->PredictTable(*table, idx);
      if (!pred.ok()) {
        errors[i] = pred.status().WithContext(fmt::format("rows {}..{}", r0 + 1, r1));
        return;
      }
      std::string& out = texts[i];
      for (int64_t r = r0; r < r1; ++r) {
        for (size_t k = 0; k < keep.size(); ++k) {
          if (k) out += ',';
          AppendCsv(&out, table->ValueAsText(keep[k], r));
        }
        if (!keep.empty()) out += ',';
        const size_t row = static_cast<size_t>(r - r0);
        const float* v = pred->values.data() + row * pred->per_row;
        switch (problem) {
          case ml::Problem::kRegression: out += fmt::format("{}", v[0]); break;
          case ml::Problem::kClustering: out += fmt::format("{},{}", static_cast<int>(v[0]), v[1]); break;
          case ml::Problem::kAnomalyDetection: out += fmt::format("{},{}", v[0], v[1] > 0.5f); break;
          case ml::Problem::kDimensionalityReduction:
          case ml::Problem::kEmbedding:
            for (int k = 0; k < pred->per_row; ++k) out += fmt::format("{}{}", k ? "," : "", v[k]);
            break;
          case ml::Problem::kBinaryClassification:
            AppendCsv(&out, predictor->classes()[predictor->PredictedClass(*pred, row)]);
            out += fmt::format(",{},{}", 1.0f - v[0], v[0]);
            break;
          case ml::Problem::kMulticlassClassification:
            AppendCsv(&out, predictor->classes()[predictor->PredictedClass(*pred, row)]);
            for (int k = 0; k < pred->per_row; ++k) out += fmt::format(",{}", v[k]);
            break;
        }
        out += '\n';
      }
    });
    for (size_t i = 0; i < texts.size(); ++i) {
      if (!errors[i].ok()) return errors[i];
      STRATA_RETURN_IF_ERROR(writer.Write(texts[i]));
    }
    done_rows = std::min(rows, last * chunk);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    ctx.Progress(0.9 * static_cast<double>(done_rows) / std::max<int64_t>(1, rows),
                 fmt::format("{} of {} rows, {:.0f} rows/s", done_rows, rows, done_rows / std::max(1e-9, secs)));
    if (ctx.StopRequested()) return Json{{"stopped_at_row", done_rows}};
  }
  STRATA_RETURN_IF_ERROR(writer.Commit());
  const double predict_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  core::log::Info("predicted {} rows in {:.2f} s ({:.0f} rows/s)", rows, predict_seconds, rows / std::max(1e-9, predict_seconds));

  Json result = {{"model", {{"name", mv.name}, {"version", mv.version}}},
                 {"input", source},
                 {"rows", rows},
                 {"rows_per_second", rows / std::max(1e-9, predict_seconds)}};
  if (p.contains("output_path") && !p["output_path"].get<std::string>().empty()) {
    // Copy then rename in the destination directory: the file appears whole or not at all.
    const std::filesystem::path dest = p["output_path"].get<std::string>();
    const auto tmp = dest.parent_path() / ("." + dest.filename().string() + ".partial");
    std::filesystem::copy_file(out_csv, tmp, std::filesystem::copy_options::overwrite_existing, ec);
    if (!ec) std::filesystem::rename(tmp, dest, ec);
    if (ec) return InternalError(fmt::format("writing {}: {}", dest.string(), ec.message()));
    result["output_path"] = dest.string();
  }
  if (const std::string out_name = p["output_dataset"]; !out_name.empty()) {
    ctx.Progress(0.92, "storing the predictions as dataset " + out_name);
    data::ImportOptions io;
    STRATA_ASSIGN_OR_RETURN(Dataset d, datasets.Import(out_name, out_csv, "transform " + ctx.job().name, io));
    result["output_dataset"] = {{"name", d.name}, {"version", d.version}};
  }
  std::filesystem::remove_all(scratch, ec);
  ctx.Progress(1, fmt::format("{} rows predicted", rows));
  return result;
}

}  // namespace

jobs::JobType TransformJobType() {
  return {"transform", "runs a model version over a dataset or file (POST /api/v1/transform-jobs)",
          [](const Json& params) -> Status {
            for (const char* k : {"model", "version", "output_dataset", "chunk_rows", "id_column"}) {
              if (!params.contains(k)) {
                return InvalidArgumentError(fmt::format("transform params lack '{}': submit through /api/v1/transform-jobs", k));
              }
            }
            return Status::Ok();
          },
          RunTransform};
}

}  // namespace strata::platform
