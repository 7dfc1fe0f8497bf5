#include "platform/app.h"

#include "platform/transform.h"

#include <algorithm>

#include <fmt/format.h>

#include "platform/training.h"

namespace strata::platform {

void RegisterJobTypes(jobs::JobTypeRegistry& registry) {
  jobs::RegisterBuiltinJobTypes(registry);
  (void)registry.Register(TrainingJobType());
  (void)registry.Register(TransformJobType());
}

App::App(core::Config config, Mode mode, store::Store store)
    : config_(std::move(config)), mode_(mode), store_(std::move(store)) {
  RegisterJobTypes(job_types_);
  job_service_ = std::make_unique<JobService>(store_, job_types_);
  dataset_service_ = std::make_unique<DatasetService>(store_);
  model_service_ = std::make_unique<ModelService>(store_);
  endpoint_service_ = std::make_unique<EndpointService>(store_, *model_service_);
}

App::~App() { StopScheduler(); }

Result<std::unique_ptr<App>> App::Open(const core::Config& config, Mode mode) {
  STRATA_ASSIGN_OR_RETURN(store::Store store, store::OpenStore(config.Get("data_dir")));
  std::unique_ptr<App> app(new App(config, mode, std::move(store)));
  if (mode == Mode::kServer) STRATA_RETURN_IF_ERROR(app->StartScheduler());
  return app;
}

Status App::StartScheduler() {
  if (scheduler_) return Status::Ok();
  // The scheduler gets its own repository: it shares the catalog connection, which is
  // thread-safe, but keeps its state apart from the request path.
  scheduler_repo_ = std::make_unique<jobs::JobRepository>(*store_.catalog);
  jobs::SchedulerOptions options;
  options.max_concurrent = static_cast<int>(config_.GetInt("max_jobs"));
  options.data_dir = store_.data_dir;
  scheduler_ = std::make_unique<jobs::Scheduler>(options, store_, *scheduler_repo_);
  STRATA_RETURN_IF_ERROR(scheduler_->Start());
  job_service_->AttachScheduler(scheduler_.get());
  return Status::Ok();
}

void App::StopScheduler() {
  if (!scheduler_) return;
  job_service_->AttachScheduler(nullptr);
  scheduler_->Stop();
  scheduler_.reset();
}

Result<int> App::LoadSampleData(const std::filesystem::path& dir) {
  STRATA_ASSIGN_OR_RETURN(DatasetPage existing, dataset_service_->List(1, ""));
  if (!existing.items.empty()) return 0;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return InvalidArgumentError(fmt::format("sample data directory '{}' does not exist", dir.string()));
  }
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string ext = entry.path().extension().string();
    if (entry.is_regular_file() && (ext == ".csv" || ext == ".tsv" || ext == ".jsonl")) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  int loaded = 0;
  for (const auto& file : files) {
    data::ImportOptions options;
    options.reader.format = data::GuessFileFormat(file);
    auto d = dataset_service_->Import(file.stem().string(), file, file.filename().string(), options);
    if (!d.ok()) {
      core::log::Warn("sample data {}: {}", file.string(), d.status().ToString());
      continue;
    }
    core::log::Info("loaded sample dataset {} ({} rows, {} columns)", d->name, d->rows, d->schema.columns.size());
    ++loaded;
  }
  return loaded;
}

int RunWorkerProcess(const core::Config& config, const std::string& job_id) {
  auto store = store::OpenStore(config.Get("data_dir"));
  if (!store.ok()) {
    core::log::Error("worker: {}", store.status().ToString());
    return 1;
  }
  jobs::JobTypeRegistry types;
  RegisterJobTypes(types);
  return jobs::RunWorker(*store, types, job_id);
}

}  // namespace strata::platform
