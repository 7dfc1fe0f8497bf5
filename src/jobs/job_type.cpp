#include "jobs/job_type.h"

#include <fmt/format.h>

namespace strata::jobs {

Status JobTypeRegistry::Register(JobType type) {
  if (types_.count(type.name)) return ConflictError(fmt::format("job type '{}' is already registered", type.name));
  std::string name = type.name;
  types_.emplace(std::move(name), std::move(type));
  return Status::Ok();
}

const JobType* JobTypeRegistry::Find(std::string_view name) const {
  auto it = types_.find(name);
  return it == types_.end() ? nullptr : &it->second;
}

std::vector<const JobType*> JobTypeRegistry::All() const {
  std::vector<const JobType*> out;
  for (const auto& [name, type] : types_) out.push_back(&type);
  return out;
}

}  // namespace strata::jobs
