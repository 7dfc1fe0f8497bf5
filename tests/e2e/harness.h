#pragma once
// End-to-end test harness: runs the real `strata` binary as a server on a free port
// and as a CLI, and talks to the server with Strata's own HTTP client.

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "api/api.h"

namespace strata::e2e {

// A fresh data directory, removed at destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

// `strata server --port 0 --data-dir DIR` in a child process.
class ServerProcess {
 public:
  ServerProcess() = default;
  ~ServerProcess();  // SIGKILL if still running

  // Starts and waits for the "listening on" line. env entries are NAME=value.
  void Start(const std::string& data_dir, const std::vector<std::string>& extra_args = {},
             const std::vector<std::string>& env = {});
  // Sends `signal` and waits; returns the raw wait status.
  int Signal(int signal);
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  int port() const { return port_; }
  std::string url() const;
  // The server's stderr (its log) so far.
  std::string Log() const;

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::filesystem::path log_path_;
};

struct CliResult {
  int exit_code = -1;
  std::string out, err;
};

// Runs `strata ARGS...` with `env` (NAME=value) added, stdin from /dev/null.
CliResult RunCli(const std::vector<std::string>& args, const std::vector<std::string>& env = {});

// The CLI's stdout as JSON (-o json); a failed test and {} when it is not JSON.
Json ParseOut(const CliResult& r);
// `text` split at newlines (no trailing empty line for a final newline).
std::vector<std::string> Lines(const std::string& text);

// One request through api::HttpClient; fails the test on a transport error.
api::Response Http(const std::string& base_url, const std::string& method, const std::string& target,
                   const std::string& body = "", const std::vector<std::pair<std::string, std::string>>& headers = {});
Json HttpJson(const std::string& base_url, const std::string& method, const std::string& target,
              const Json& body = nullptr, int* status = nullptr);

// Sends raw bytes on a new TCP connection and returns whatever comes back until the
// server closes or `timeout_ms` passes.
std::string RawExchange(int port, const std::string& bytes, int timeout_ms = 3000);

// Polls GET /api/v1/jobs/{job} until `pred` holds or `timeout_s` passes; returns the last job.
Json WaitJob(const std::string& base_url, const std::string& job,
             const std::function<bool(const Json&)>& pred, double timeout_s = 30);
bool IsTerminalStatus(const Json& job);

bool ProcessAlive(pid_t pid);
// Case-insensitive response header lookup.
std::optional<std::string> HeaderOf(const api::Response& response, const std::string& name);

}  // namespace strata::e2e
