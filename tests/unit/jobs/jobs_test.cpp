#include <unistd.h>

#include <filesystem>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "jobs/jobs.h"

namespace strata::jobs {
namespace {

class JobsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("strata-jobs-test-" + std::to_string(getpid()) + "-" + std::to_string(std::random_device{}()));
    auto s = store::OpenStore(dir_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::make_unique<store::Store>(std::move(*s));
    repo_ = std::make_unique<JobRepository>(*store_->catalog);
  }
  void TearDown() override {
    repo_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  Job WaitTerminal(const std::string& id) {
    for (int i = 0; i < 300; ++i) {
      auto j = repo_->Get(id);
      if (j.ok() && IsTerminal(j->status)) return *j;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "job " << id << " did not finish";
    return *repo_->Get(id);
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<JobRepository> repo_;
};

TEST_F(JobsTest, StatusNamesRoundTrip) {
  for (auto s : {JobStatus::kPending, JobStatus::kInProgress, JobStatus::kCompleted, JobStatus::kFailed,
                 JobStatus::kStopping, JobStatus::kStopped}) {
    EXPECT_EQ(ParseJobStatus(JobStatusName(s)), s);
  }
  EXPECT_FALSE(ParseJobStatus("Sleeping"));
  EXPECT_TRUE(IsTerminal(JobStatus::kStopped));
  EXPECT_FALSE(IsTerminal(JobStatus::kStopping));
}

TEST_F(JobsTest, CreateGetByIdOrNameAndConflict) {
  auto job = repo_->Create("first", "echo", {{"message", "x"}});
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  EXPECT_EQ(job->status, JobStatus::kPending);
  EXPECT_EQ(repo_->Get(job->id)->name, "first");
  EXPECT_EQ(repo_->Get("first")->params["message"], "x");
  EXPECT_EQ(repo_->Create("first", "echo", {}).status().code(), ErrorCode::kConflict);
  EXPECT_EQ(repo_->Get("nope").status().code(), ErrorCode::kNotFound);
  auto unnamed = repo_->Create("", "sleep", {});
  ASSERT_TRUE(unnamed.ok());
  EXPECT_EQ(unnamed->name.rfind("sleep-", 0), 0u) << unnamed->name;
}

TEST_F(JobsTest, ListPagesNewestFirstWithFilters) {
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(repo_->Create(fmt::format("j{}", i), i % 2 ? "echo" : "sleep", {}).ok());
  auto p1 = repo_->List(3, "");
  ASSERT_TRUE(p1.ok());
  ASSERT_EQ(p1->items.size(), 3u);
  EXPECT_EQ(p1->items[0].name, "j6");
  auto p2 = repo_->List(3, p1->next_page_token);
  auto p3 = repo_->List(3, p2->next_page_token);
  EXPECT_EQ(p3->items.size(), 1u);
  EXPECT_EQ(p3->items[0].name, "j0");
  EXPECT_TRUE(p3->next_page_token.empty());
  EXPECT_EQ(repo_->List(100, "", {std::nullopt, "echo"})->items.size(), 3u);
  EXPECT_EQ(repo_->List(100, "", {JobStatus::kPending, ""})->items.size(), 7u);
  EXPECT_EQ(repo_->List(10, "garbage").status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(JobsTest, ClaimTakesOldestOnceAndTerminalStatesStick) {
  auto a = repo_->Create("a", "echo", {});
  auto b = repo_->Create("b", "echo", {});
  auto c1 = repo_->ClaimNextPending("s1");
  ASSERT_TRUE(c1.ok() && c1->has_value());
  EXPECT_EQ((*c1)->id, a->id);
  EXPECT_EQ((*c1)->status, JobStatus::kInProgress);
  auto c2 = repo_->ClaimNextPending("s2");
  EXPECT_EQ((*c2)->id, b->id);
  EXPECT_FALSE(repo_->ClaimNextPending("s1")->has_value());

  ASSERT_TRUE(repo_->UpdateProgress(a->id, 0.5, "half").ok());
  EXPECT_DOUBLE_EQ(repo_->Get(a->id)->progress, 0.5);
  EXPECT_TRUE(*repo_->Complete(a->id, {{"ok", true}}));
  EXPECT_FALSE(*repo_->Fail(a->id, "too late"));  // terminal stays terminal
  Job done = *repo_->Get(a->id);
  EXPECT_EQ(done.status, JobStatus::kCompleted);
  EXPECT_DOUBLE_EQ(done.progress, 1.0);
  EXPECT_EQ(done.result["ok"], true);
  ASSERT_TRUE(repo_->UpdateProgress(a->id, 0.1, "late").ok());
  EXPECT_DOUBLE_EQ(repo_->Get(a->id)->progress, 1.0);
}

TEST_F(JobsTest, StopPendingRunningAndFinished) {
  auto p = repo_->Create("p", "echo", {});
  auto stopped = repo_->RequestStop("p");
  ASSERT_TRUE(stopped.ok());
  EXPECT_EQ(stopped->status, JobStatus::kStopped);
  auto r = repo_->Create("r", "echo", {});
  ASSERT_TRUE(repo_->ClaimNextPending("s")->has_value());
  auto stopping = repo_->RequestStop(r->id);
  EXPECT_EQ(stopping->status, JobStatus::kStopping);
  EXPECT_TRUE(stopping->stop_requested);
  EXPECT_TRUE(*repo_->MarkStopped(r->id, "stopped"));
  EXPECT_EQ(repo_->RequestStop("r").status().code(), ErrorCode::kConflict);
}

TEST_F(JobsTest, RequeueReturnsRunningJobToQueueAndIgnoresLateOutcome) {
  auto j = repo_->Create("j", "echo", {});
  ASSERT_TRUE(repo_->ClaimNextPending("s")->has_value());
  EXPECT_TRUE(*repo_->Requeue(j->id, "shutdown"));
  EXPECT_EQ(repo_->Get(j->id)->status, JobStatus::kPending);
  EXPECT_FALSE(*repo_->MarkStopped(j->id, "worker's late word"));  // Pending is not touched
  EXPECT_EQ(repo_->Get(j->id)->status, JobStatus::kPending);
}

JobTypeRegistry TestTypes() {
  JobTypeRegistry types;
  RegisterBuiltinJobTypes(types);
  EXPECT_TRUE(types.Register({"answer", "", nullptr, [](JobContext& ctx) -> Result<Json> {
                                ctx.Progress(0.5, "thinking");
                                return Json{{"answer", 42}};
                              }}).ok());
  EXPECT_TRUE(types.Register({"throws", "", nullptr, [](JobContext&) -> Result<Json> {
                                throw std::runtime_error("kaput");
                              }}).ok());
  EXPECT_EQ(types.Register({"answer", "", nullptr, nullptr}).code(), ErrorCode::kConflict);
  return types;
}

TEST_F(JobsTest, WorkerRecordsOutcomes) {
  JobTypeRegistry types = TestTypes();
  auto ok = repo_->Create("ok", "answer", {});
  auto bad = repo_->Create("bad", "throws", {});
  auto fail = repo_->Create("fail", "sleep", {{"seconds", 0}, {"fail", "on purpose"}});
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(repo_->ClaimNextPending("s")->has_value());
  EXPECT_EQ(RunWorker(*store_, types, ok->id), 0);
  EXPECT_EQ(RunWorker(*store_, types, bad->id), 0);
  EXPECT_EQ(RunWorker(*store_, types, fail->id), 0);
  EXPECT_EQ(repo_->Get("ok")->result["answer"], 42);
  EXPECT_EQ(repo_->Get("bad")->status, JobStatus::kFailed);
  EXPECT_EQ(repo_->Get("bad")->failure_reason, "job crashed: kaput");
  EXPECT_EQ(repo_->Get("fail")->failure_reason, "on purpose");
  auto pending = repo_->Create("pending", "answer", {});
  EXPECT_EQ(RunWorker(*store_, types, pending->id), 1);  // not claimed: refuses to run
  EXPECT_EQ(RunWorker(*store_, types, "no-such-job"), 1);
}

TEST_F(JobsTest, SchedulerFailsJobWhoseWorkerExitsWithoutOutcome) {
  // /bin/false plays a worker that dies without recording anything.
  SchedulerOptions options;
  options.worker_executable = "/bin/false";
  options.data_dir = dir_;
  options.poll_interval = std::chrono::milliseconds(20);
  Scheduler scheduler(options, *store_, *repo_);
  ASSERT_TRUE(scheduler.Start().ok());
  auto j = repo_->Create("doomed", "echo", {});
  scheduler.Notify();
  Job done = WaitTerminal(j->id);
  EXPECT_EQ(done.status, JobStatus::kFailed);
  EXPECT_EQ(done.failure_reason, "worker exited with code 1 without recording a result");
  auto log = store_->objects->Get(done.log_key);
  ASSERT_TRUE(log.ok());
  EXPECT_NE(log->find("[scheduler] worker exited with code 1"), std::string::npos);
}

TEST_F(JobsTest, StopWithoutRequeueStopsRunningJobs) {
  // A script that sleeps plays a worker that runs until it is signalled.
  std::string script = (dir_ / "worker.sh").string();
  ASSERT_TRUE(core::WriteFileAtomic(script, "#!/bin/sh\nexec sleep 30\n").ok());
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  SchedulerOptions options;
  options.worker_executable = script;
  options.data_dir = dir_;
  options.poll_interval = std::chrono::milliseconds(20);
  auto j = repo_->Create("long", "echo", {});
  {
    Scheduler scheduler(options, *store_, *repo_);
    ASSERT_TRUE(scheduler.Start().ok());
    scheduler.Notify();
    for (int i = 0; i < 200 && scheduler.running() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_EQ(scheduler.running(), 1);
    scheduler.Stop(/*requeue=*/false);
  }
  EXPECT_EQ(repo_->Get(j->id)->status, JobStatus::kStopped);
}

TEST_F(JobsTest, StartFailsJobsOfDeadSchedulers) {
  auto j = repo_->Create("lost", "echo", {});
  ASSERT_TRUE(repo_->ClaimNextPending("999999999:1")->has_value());  // no such process
  auto mine = repo_->Create("alive", "echo", {});
  ASSERT_TRUE(repo_->ClaimNextPending(Scheduler::ProcessInstanceId())->has_value());
  EXPECT_TRUE(Scheduler::IsInstanceAlive(Scheduler::ProcessInstanceId()));
  EXPECT_FALSE(Scheduler::IsInstanceAlive("999999999:1"));
  SchedulerOptions options;
  options.worker_executable = "/bin/false";
  options.data_dir = dir_;
  {
    // A second scheduler in this same (live) process must not touch the live one's job.
    Scheduler scheduler(options, *store_, *repo_);
    ASSERT_TRUE(scheduler.Start().ok());
  }
  Job lost = *repo_->Get(j->id);
  EXPECT_EQ(lost.status, JobStatus::kFailed);
  EXPECT_NE(lost.failure_reason.find("stopped unexpectedly"), std::string::npos);
  EXPECT_EQ(repo_->Get(mine->id)->status, JobStatus::kInProgress);
}

}  // namespace
}  // namespace strata::jobs
