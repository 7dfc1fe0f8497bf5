#include "jobs/job_repository.h"

#include <fmt/format.h>

namespace strata::jobs {
namespace {

constexpr const char* kColumns =
    "id, name, type, status, progress, message, params, result, failure_reason, created_at, "
    "started_at, ended_at, worker_pid, server_id, stop_requested, log_key";

Result<Job> FromRow(const store::Row& row) {
  Job job;
  job.id = row.Text("id");
  job.name = row.Text("name");
  job.type = row.Text("type");
  auto status = ParseJobStatus(row.Text("status"));
  if (!status) return InternalError(fmt::format("job '{}' has unknown status '{}' in the catalog", job.id, row.Text("status")));
  job.status = *status;
  job.progress = row.Real("progress");
  job.message = row.OptText("message").value_or("");
  auto params = core::ParseJson(row.Text("params"), "job params");
  job.params = params.ok() ? *params : Json::object();
  if (auto r = row.OptText("result"); r && !r->empty()) {
    auto parsed = core::ParseJson(*r, "job result");
    if (parsed.ok()) job.result = *parsed;
  }
  job.failure_reason = row.OptText("failure_reason").value_or("");
  job.created_at = row.Int("created_at");
  job.started_at = row.OptInt("started_at").value_or(0);
  job.ended_at = row.OptInt("ended_at").value_or(0);
  job.worker_pid = row.OptInt("worker_pid").value_or(0);
  job.server_id = row.OptText("server_id").value_or("");
  job.stop_requested = row.Int("stop_requested") != 0;
  job.log_key = row.OptText("log_key").value_or("");
  return job;
}

Result<std::vector<Job>> FromRows(const std::vector<store::Row>& rows) {
  std::vector<Job> jobs;
  jobs.reserve(rows.size());
  for (const auto& row : rows) {
    STRATA_ASSIGN_OR_RETURN(Job job, FromRow(row));
    jobs.push_back(std::move(job));
  }
  return jobs;
}

std::string Name(JobStatus s) { return std::string(JobStatusName(s)); }

}  // namespace

JobRepository::JobRepository(store::Database& db, const core::Clock& clock) : db_(db), clock_(clock) {}

Result<Job> JobRepository::Create(const std::string& name, const std::string& type,
                                  const Json& params) {
  Job job;
  job.id = core::NewId();
  job.name = name.empty() ? type + "-" + job.id.substr(0, 8) + job.id.substr(9, 4) : name;
  job.type = type;
  job.params = params.is_null() ? Json::object() : params;
  job.created_at = NowMs();
  job.log_key = "jobs/" + job.id + "/log.txt";
  Status s = db_.Execute(
      "INSERT INTO jobs (id, name, type, status, progress, params, created_at, log_key) "
      "VALUES (?, ?, ?, ?, 0, ?, ?, ?)",
      {job.id, job.name, job.type, Name(JobStatus::kPending), job.params.dump(), job.created_at,
       job.log_key});
  if (s.code() == ErrorCode::kConflict) {
    return ConflictError(fmt::format("a job named '{}' already exists", job.name));
  }
  STRATA_RETURN_IF_ERROR(s);
  return job;
}

Result<Job> JobRepository::Get(const std::string& id_or_name) {
  const char* column = core::IsValidId(id_or_name) ? "id" : "name";
  STRATA_ASSIGN_OR_RETURN(
      auto rows, db_.Query(fmt::format("SELECT {} FROM jobs WHERE {} = ?", kColumns, column),
                           {id_or_name}));
  if (rows.empty()) return NotFoundError(fmt::format("job '{}' does not exist", id_or_name));
  return FromRow(rows[0]);
}

Result<JobPage> JobRepository::List(int limit, const std::string& page_token,
                                    const JobFilter& filter) {
  std::string sql = fmt::format("SELECT {} FROM jobs WHERE 1 = 1", kColumns);
  std::vector<store::Value> params;
  if (!page_token.empty()) {
    if (!core::IsValidId(page_token)) {
      return InvalidArgumentError(fmt::format("page_token '{}' is not valid", page_token));
    }
    sql += " AND id < ?";
    params.emplace_back(page_token);
  }
  if (filter.status) {
    sql += " AND status = ?";
    params.emplace_back(Name(*filter.status));
  }
  if (!filter.type.empty()) {
    sql += " AND type = ?";
    params.emplace_back(filter.type);
  }
  sql += " ORDER BY id DESC LIMIT ?";
  params.emplace_back(static_cast<int64_t>(limit) + 1);  // one more tells if a page follows
  STRATA_ASSIGN_OR_RETURN(auto rows, db_.Query(sql, params));
  STRATA_ASSIGN_OR_RETURN(auto jobs, FromRows(rows));
  JobPage page;
  if (static_cast<int>(jobs.size()) > limit) {
    jobs.resize(limit);
    page.next_page_token = jobs.back().id;
  }
  page.items = std::move(jobs);
  return page;
}

Result<std::optional<Job>> JobRepository::ClaimNextPending(const std::string& server_id) {
  std::optional<Job> claimed;
  Status s = db_.Transaction([&]() -> Status {
    STRATA_ASSIGN_OR_RETURN(
        auto rows, db_.Query(fmt::format("SELECT {} FROM jobs WHERE status = ? ORDER BY id LIMIT 1",
                                         kColumns),
                             {Name(JobStatus::kPending)}));
    if (rows.empty()) return Status::Ok();
    STRATA_ASSIGN_OR_RETURN(Job job, FromRow(rows[0]));
    job.status = JobStatus::kInProgress;
    job.started_at = NowMs();
    job.server_id = server_id;
    STRATA_ASSIGN_OR_RETURN(
        int64_t changed,
        db_.ExecuteChanges("UPDATE jobs SET status = ?, started_at = ?, server_id = ?, "
                           "message = '', failure_reason = NULL WHERE id = ? AND status = ?",
                           {Name(JobStatus::kInProgress), job.started_at, server_id, job.id,
                            Name(JobStatus::kPending)}));
    if (changed == 1) claimed = std::move(job);
    return Status::Ok();
  });
  STRATA_RETURN_IF_ERROR(s);
  return claimed;
}

Status JobRepository::SetWorker(const std::string& id, int64_t pid, const std::string& log_key) {
  return db_.Execute("UPDATE jobs SET worker_pid = ?, log_key = ? WHERE id = ?", {pid, log_key, id});
}

Status JobRepository::UpdateProgress(const std::string& id, double progress,
                                     const std::string& message) {
  if (progress < 0) progress = 0;
  if (progress > 1) progress = 1;
  return db_.Execute("UPDATE jobs SET progress = ?, message = ? WHERE id = ? AND status IN (?, ?)",
                     {progress, message, id, Name(JobStatus::kInProgress), Name(JobStatus::kStopping)});
}

Result<bool> JobRepository::Finish(const std::string& id, JobStatus to, const Json& result,
                                   const std::string& reason, const std::string& message) {
  store::Value result_text = result.is_null() ? store::Value(nullptr) : store::Value(result.dump());
  store::Value reason_value = reason.empty() ? store::Value(nullptr) : store::Value(reason);
  STRATA_ASSIGN_OR_RETURN(
      int64_t changed,
      db_.ExecuteChanges(
          "UPDATE jobs SET status = ?, result = ?, failure_reason = ?, message = ?, ended_at = ?, "
          "progress = CASE WHEN ? = 'Completed' THEN 1 ELSE progress END "
          "WHERE id = ? AND status IN (?, ?)",
          {Name(to), result_text, reason_value, message, NowMs(), Name(to), id,
           Name(JobStatus::kInProgress), Name(JobStatus::kStopping)}));
  return changed == 1;
}

Result<bool> JobRepository::Complete(const std::string& id, const Json& result) {
  return Finish(id, JobStatus::kCompleted, result, "", "completed");
}

Result<bool> JobRepository::Fail(const std::string& id, const std::string& reason) {
  return Finish(id, JobStatus::kFailed, nullptr, reason, "failed");
}

Result<bool> JobRepository::MarkStopped(const std::string& id, const std::string& message) {
  return Finish(id, JobStatus::kStopped, nullptr, "", message);
}

Result<bool> JobRepository::Requeue(const std::string& id, const std::string& message) {
  STRATA_ASSIGN_OR_RETURN(
      int64_t changed,
      db_.ExecuteChanges("UPDATE jobs SET status = ?, progress = 0, message = ?, started_at = NULL, "
                         "worker_pid = NULL, server_id = NULL WHERE id = ? AND status = ?",
                         {Name(JobStatus::kPending), message, id, Name(JobStatus::kInProgress)}));
  return changed == 1;
}

Result<Job> JobRepository::RequestStop(const std::string& id_or_name) {
  Result<Job> out = InternalError("unset");
  Status s = db_.Transaction([&]() -> Status {
    STRATA_ASSIGN_OR_RETURN(Job job, Get(id_or_name));
    if (IsTerminal(job.status)) {
      return ConflictError(fmt::format("job '{}' is already {}", job.name, JobStatusName(job.status)));
    }
    if (job.status == JobStatus::kPending) {
      STRATA_RETURN_IF_ERROR(db_.Execute(
          "UPDATE jobs SET status = ?, stop_requested = 1, message = ?, ended_at = ? WHERE id = ?",
          {Name(JobStatus::kStopped), "stopped before it started", NowMs(), job.id}));
    } else {
      STRATA_RETURN_IF_ERROR(db_.Execute(
          "UPDATE jobs SET status = ?, stop_requested = 1, message = ? WHERE id = ?",
          {Name(JobStatus::kStopping), "stop requested", job.id}));
    }
    out = Get(job.id);
    return out.status();
  });
  STRATA_RETURN_IF_ERROR(s);
  return out;
}

Result<std::vector<Job>> JobRepository::ListActive() {
  STRATA_ASSIGN_OR_RETURN(
      auto rows,
      db_.Query(fmt::format("SELECT {} FROM jobs WHERE status IN (?, ?) ORDER BY id", kColumns),
                {Name(JobStatus::kInProgress), Name(JobStatus::kStopping)}));
  return FromRows(rows);
}

}  // namespace strata::jobs
