// The job system through the real server: workers as child processes, progress,
// logs, stop, failure, crashes, a killed worker, a killed server, a graceful restart.
#include <signal.h>

#include <thread>

#include <gtest/gtest.h>

#include "harness.h"

namespace strata::e2e {
namespace {

Json Submit(const std::string& url, const Json& body) {
  int status = 0;
  Json job = HttpJson(url, "POST", "/api/v1/jobs", body, &status);
  EXPECT_EQ(status, 202) << job.dump();
  return job;
}

bool Running(const Json& j) { return j.value("status", "") == "InProgress" && j.contains("worker_pid"); }

TEST(JobsE2E, SleepJobRunsToCompletionWithProgressAndLogs) {
  TempDir dir;
  ServerProcess server;
  server.Start(dir.str() + "/data");
  Json job = Submit(server.url(), {{"type", "sleep"}, {"name", "nap"}, {"params", {{"seconds", 0.5}, {"steps", 5}}}});
  EXPECT_EQ(job["status"], "Pending");
  Json done = WaitJob(server.url(), "nap", IsTerminalStatus);
  EXPECT_EQ(done["status"], "Completed") << done.dump();
  EXPECT_DOUBLE_EQ(done["progress"].get<double>(), 1.0);
  EXPECT_EQ(done["result"]["steps"], 5);
  EXPECT_TRUE(done["started_at"].is_string());
  EXPECT_TRUE(done["ended_at"].is_string());
  api::Response logs = Http(server.url(), "GET", "/api/v1/jobs/nap/logs");
  EXPECT_EQ(logs.status, 200);
  EXPECT_NE(logs.body.find("step 5/5"), std::string::npos) << logs.body;
  EXPECT_NE(logs.body.find("job_id="), std::string::npos) << "log lines carry the job id:\n" << logs.body;
  // A name is unique.
  int status = 0;
  HttpJson(server.url(), "POST", "/api/v1/jobs", {{"type", "echo"}, {"name", "nap"}}, &status);
  EXPECT_EQ(status, 409);
}

TEST(JobsE2E, FailingAndCrashingJobsReportWhy) {
  TempDir dir;
  ServerProcess server;
  server.Start(dir.str() + "/data");
  Submit(server.url(), {{"type", "sleep"}, {"name", "bad"}, {"params", {{"seconds", 0.1}, {"fail", "no luck"}}}});
  Submit(server.url(), {{"type", "sleep"}, {"name", "boom"}, {"params", {{"seconds", 0.2}, {"crash", true}}}});
  Json bad = WaitJob(server.url(), "bad", IsTerminalStatus);
  EXPECT_EQ(bad["status"], "Failed");
  EXPECT_EQ(bad["failure_reason"], "no luck");
  Json boom = WaitJob(server.url(), "boom", IsTerminalStatus);
  EXPECT_EQ(boom["status"], "Failed");
  EXPECT_NE(boom["failure_reason"].get<std::string>().find("signal 6 (SIGABRT)"), std::string::npos)
      << boom.dump();
  api::Response logs = Http(server.url(), "GET", "/api/v1/jobs/boom/logs");
  EXPECT_NE(logs.body.find("crashing on purpose"), std::string::npos) << logs.body;
}

TEST(JobsE2E, KilledWorkerMarksJobFailed) {
  TempDir dir;
  ServerProcess server;
  server.Start(dir.str() + "/data");
  Submit(server.url(), {{"type", "sleep"}, {"name", "victim"}, {"params", {{"seconds", 60}}}});
  Json running = WaitJob(server.url(), "victim", Running);
  pid_t worker = running["worker_pid"].get<pid_t>();
  ASSERT_TRUE(ProcessAlive(worker));
  ASSERT_EQ(::kill(worker, SIGKILL), 0);
  Json failed = WaitJob(server.url(), "victim", IsTerminalStatus);
  EXPECT_EQ(failed["status"], "Failed");
  EXPECT_NE(failed["failure_reason"].get<std::string>().find("signal 9"), std::string::npos) << failed.dump();
  EXPECT_EQ(Http(server.url(), "GET", "/health").status, 200);
}

TEST(JobsE2E, StopEndsARunningJobAndAPendingOne) {
  TempDir dir;
  ServerProcess server;
  server.Start(dir.str() + "/data", {"--max-jobs", "1"});
  Submit(server.url(), {{"type", "sleep"}, {"name", "long"}, {"params", {{"seconds", 60}, {"steps", 600}}}});
  Submit(server.url(), {{"type", "sleep"}, {"name", "queued"}, {"params", {{"seconds", 60}}}});
  WaitJob(server.url(), "long", Running);
  int status = 0;
  Json q = HttpJson(server.url(), "POST", "/api/v1/jobs/queued/stop", nullptr, &status);
  EXPECT_EQ(status, 202);
  EXPECT_EQ(q["status"], "Stopped");
  Json s = HttpJson(server.url(), "POST", "/api/v1/jobs/long/stop", nullptr, &status);
  EXPECT_EQ(status, 202);
  EXPECT_EQ(s["status"], "Stopping");
  Json stopped = WaitJob(server.url(), "long", IsTerminalStatus);
  EXPECT_EQ(stopped["status"], "Stopped");
  HttpJson(server.url(), "POST", "/api/v1/jobs/long/stop", nullptr, &status);
  EXPECT_EQ(status, 409);
}

TEST(JobsE2E, ServerKilledMidJobLeavesNoOrphanAndRestartMarksTheJob) {
  TempDir dir;
  std::string data = dir.str() + "/data";
  pid_t worker = 0;
  {
    ServerProcess server;
    server.Start(data);
    Submit(server.url(), {{"type", "sleep"}, {"name", "orphan"}, {"params", {{"seconds", 60}}}});
    worker = WaitJob(server.url(), "orphan", Running)["worker_pid"].get<pid_t>();
    server.Signal(SIGKILL);
  }
  // The worker dies with its server.
  for (int i = 0; i < 100 && ProcessAlive(worker); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(ProcessAlive(worker));
  ServerProcess again;
  again.Start(data);
  Json job = HttpJson(again.url(), "GET", "/api/v1/jobs/orphan");
  EXPECT_EQ(job["status"], "Failed") << job.dump();
  EXPECT_NE(job["failure_reason"].get<std::string>().find("stopped unexpectedly"), std::string::npos);
}

TEST(JobsE2E, GracefulShutdownRequeuesAndRestartFinishes) {
  TempDir dir;
  std::string data = dir.str() + "/data";
  {
    ServerProcess server;
    server.Start(data);
    Submit(server.url(), {{"type", "sleep"}, {"name", "patient"}, {"params", {{"seconds", 3}, {"steps", 30}}}});
    WaitJob(server.url(), "patient", Running);
    int status = server.Signal(SIGTERM);
    EXPECT_TRUE(WIFEXITED(status)) << status;
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  ServerProcess again;
  again.Start(data);
  Json done = WaitJob(again.url(), "patient", IsTerminalStatus);
  EXPECT_EQ(done["status"], "Completed") << done.dump();
}

TEST(JobsE2E, ListPagesNewestFirst) {
  TempDir dir;
  ServerProcess server;
  server.Start(dir.str() + "/data");
  for (int i = 0; i < 5; ++i) Submit(server.url(), {{"type", "echo"}, {"name", fmt::format("e{}", i)}});
  Json p1 = HttpJson(server.url(), "GET", "/api/v1/jobs?limit=3");
  ASSERT_EQ(p1["items"].size(), 3u);
  EXPECT_EQ(p1["items"][0]["name"], "e4");
  ASSERT_TRUE(p1["next_page_token"].is_string());
  Json p2 = HttpJson(server.url(), "GET", "/api/v1/jobs?limit=3&page_token=" + p1["next_page_token"].get<std::string>());
  ASSERT_EQ(p2["items"].size(), 2u);
  EXPECT_EQ(p2["items"][1]["name"], "e0");
  EXPECT_TRUE(p2["next_page_token"].is_null());
}

}  // namespace
}  // namespace strata::e2e
