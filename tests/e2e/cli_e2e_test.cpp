// The `strata` command line, against a server (--server) and in-process on a local
// data directory: output formats, exit codes, errors.
#include <gtest/gtest.h>

#include "harness.h"

namespace strata::e2e {
namespace {

bool Contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST(CliE2E, VersionNamesReleaseAndCommit) {
  CliResult r = RunCli({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(Contains(r.out, "strata " + std::string(core::Version()))) << r.out;
  EXPECT_TRUE(Contains(r.out, "commit")) << r.out;
  CliResult v = RunCli({"version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_EQ(v.out, r.out);
}

TEST(CliE2E, UsageErrorsExitTwo) {
  EXPECT_EQ(RunCli({}).exit_code, 2);
  EXPECT_EQ(RunCli({"no-such-command"}).exit_code, 2);
  EXPECT_EQ(RunCli({"jobs", "show"}).exit_code, 2);
  EXPECT_EQ(RunCli({"jobs", "list", "--limit", "0"}).exit_code, 2);
  CliResult bad_output = RunCli({"jobs", "list", "--output", "xml", "--data-dir", "/tmp/strata-never"});
  EXPECT_EQ(bad_output.exit_code, 2);
  EXPECT_TRUE(Contains(bad_output.err, "--output must be table or json")) << bad_output.err;
}

TEST(CliE2E, LocalModeRunsJobsInProcessOnTheDataDir) {
  TempDir dir;
  std::string data = dir.str() + "/data";
  CliResult r = RunCli({"--data-dir", data, "jobs", "submit", "echo", "--name", "hello", "-p", "message=hi",
                        "--wait", "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto job = core::ParseJson(r.out, "cli output");
  ASSERT_TRUE(job.ok()) << r.out;
  EXPECT_EQ((*job)["status"], "Completed");
  EXPECT_EQ((*job)["result"]["message"], "hi");

  // A failing job: exit code 1 and the reason on stderr.
  CliResult f = RunCli({"--data-dir", data, "jobs", "submit", "sleep", "-p", "seconds=0", "-p", "fail=nope", "--wait"});
  EXPECT_EQ(f.exit_code, 1);
  EXPECT_TRUE(Contains(f.err, "nope")) << f.err;

  // The same data dir, read through the env variable, in table form.
  CliResult list = RunCli({"jobs", "list", "--output", "table"}, {"STRATA_DATA_DIR=" + data});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_TRUE(Contains(list.out, "NAME")) << list.out;
  EXPECT_TRUE(Contains(list.out, "hello")) << list.out;
  EXPECT_TRUE(Contains(list.out, "Completed")) << list.out;

  CliResult logs = RunCli({"--data-dir", data, "jobs", "logs", "hello"});
  EXPECT_EQ(logs.exit_code, 0);
  EXPECT_TRUE(Contains(logs.out, "echo: hi")) << logs.out;

  CliResult missing = RunCli({"--data-dir", data, "jobs", "show", "nope"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(Contains(missing.err, "error: NotFound: job 'nope' does not exist")) << missing.err;
}

TEST(CliE2E, RemoteModeTalksToTheServer) {
  TempDir dir;
  ServerProcess server;
  server.Start(dir.str() + "/data");
  CliResult submit = RunCli({"--server", server.url(), "jobs", "submit", "sleep", "--name", "s1", "-p",
                             "seconds=0.6", "-p", "steps=3", "--output", "json"});
  ASSERT_EQ(submit.exit_code, 0) << submit.err;
  // Follow the log until the job ends: the stream closes by itself.
  CliResult follow = RunCli({"--server", server.url(), "jobs", "logs", "s1", "--follow"});
  EXPECT_EQ(follow.exit_code, 0) << follow.err;
  EXPECT_TRUE(Contains(follow.out, "step 3/3")) << follow.out;
  EXPECT_TRUE(Contains(follow.out, "job completed")) << follow.out;

  CliResult show = RunCli({"jobs", "show", "s1", "--output", "json"}, {"STRATA_SERVER=" + server.url()});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_EQ((*core::ParseJson(show.out, "show"))["status"], "Completed");

  CliResult stop = RunCli({"--server", server.url(), "jobs", "stop", "s1"});
  EXPECT_EQ(stop.exit_code, 1);
  EXPECT_TRUE(Contains(stop.err, "Conflict")) << stop.err;

  CliResult bad = RunCli({"--server", server.url(), "jobs", "submit", "sleep", "-p", "seconds=-3"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(Contains(bad.err, "seconds must be in [0, 86400]")) << bad.err;
}

TEST(CliE2E, UnreachableServerIsAClearError) {
  CliResult r = RunCli({"--server", "http://127.0.0.1:1", "jobs", "list"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, "Unavailable")) << r.err;
  EXPECT_TRUE(Contains(r.err, "127.0.0.1:1")) << r.err;
}

TEST(CliE2E, ConfigShowNamesEverySource) {
  TempDir dir;
  std::string yaml = dir.str() + "/strata.yaml";
  FILE* f = fopen(yaml.c_str(), "w");
  fputs("port: 9001\nlog_level: debug\n", f);
  fclose(f);
  CliResult r = RunCli({"--config", yaml, "--log-level", "error", "config", "show", "--output", "json"},
                       {"STRATA_HOST=0.0.0.0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = core::ParseJson(r.out, "config");
  ASSERT_TRUE(j.ok()) << r.out;
  EXPECT_EQ((*j)["port"]["value"], "9001");
  EXPECT_EQ((*j)["port"]["source"], "file");
  EXPECT_EQ((*j)["host"]["source"], "env");
  EXPECT_EQ((*j)["log_level"]["value"], "error");
  EXPECT_EQ((*j)["log_level"]["source"], "flag");

  std::string bad = dir.str() + "/bad.yaml";
  f = fopen(bad.c_str(), "w");
  fputs("prot: 1\n", f);
  fclose(f);
  CliResult e = RunCli({"--config", bad, "config", "show"});
  EXPECT_EQ(e.exit_code, 2);
  EXPECT_TRUE(Contains(e.err, "unknown setting 'prot'")) << e.err;
}

}  // namespace
}  // namespace strata::e2e
