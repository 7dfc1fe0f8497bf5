#include "platform/job_service.h"

#include <fmt/format.h>

namespace strata::platform {

JobService::JobService(store::Store& store, const jobs::JobTypeRegistry& types)
    : store_(store), types_(types), repo_(*store.catalog) {}

Result<jobs::Job> JobService::Submit(const std::string& type, const std::string& name,
                                     const Json& params) {
  const jobs::JobType* job_type = types_.Find(type);
  if (job_type == nullptr) {
    std::string known;
    for (const auto* t : types_.All()) known += (known.empty() ? "" : ", ") + t->name;
    return InvalidArgumentError(fmt::format("unknown job type '{}' (known: {})", type, known));
  }
  if (!name.empty() && !core::IsValidName(name)) {
    return InvalidArgumentError(fmt::format(
        "job name '{}' is not valid: use [A-Za-z0-9][A-Za-z0-9._-]{{0,127}}", name));
  }
  Json p = params.is_null() ? Json::object() : params;
  if (!p.is_object()) return InvalidArgumentError("field 'params' must be an object");
  if (job_type->validate) STRATA_RETURN_IF_ERROR(job_type->validate(p));
  STRATA_ASSIGN_OR_RETURN(jobs::Job job, repo_.Create(name, type, p));
  if (scheduler_ != nullptr) scheduler_->Notify();
  return job;
}

Result<jobs::Job> JobService::Get(const std::string& id_or_name) { return repo_.Get(id_or_name); }

Result<jobs::JobPage> JobService::List(int limit, const std::string& page_token,
                                       const jobs::JobFilter& filter) {
  if (limit < 1 || limit > 1000) {
    return InvalidArgumentError(fmt::format("limit must be in [1, 1000], got {}", limit));
  }
  return repo_.List(limit, page_token, filter);
}

Result<jobs::Job> JobService::Stop(const std::string& id_or_name) {
  STRATA_ASSIGN_OR_RETURN(jobs::Job job, repo_.RequestStop(id_or_name));
  if (scheduler_ != nullptr) scheduler_->Notify();
  return job;
}

Result<std::string> JobService::ReadLog(const jobs::Job& job, uint64_t offset, uint64_t max_bytes) {
  if (job.log_key.empty() || !store_.objects->Exists(job.log_key)) return std::string();
  return store_.objects->GetRange(job.log_key, offset, max_bytes);
}

}  // namespace strata::platform
