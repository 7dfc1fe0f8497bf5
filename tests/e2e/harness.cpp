#include "harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

namespace strata::e2e {
namespace {

std::vector<char*> Argv(std::vector<std::string>& args) {
  std::vector<char*> v;
  for (auto& a : args) v.push_back(a.data());
  v.push_back(nullptr);
  return v;
}

std::string ReadAll(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// The child's environment: ours, minus STRATA_* (a developer's settings must not leak
// into tests), plus `extra`.
std::vector<std::string> ChildEnv(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "STRATA_", 7) != 0) env.emplace_back(*e);
  }
  for (const auto& e : extra) env.push_back(e);
  return env;
}

}  // namespace

TempDir::TempDir() {
  std::random_device rd;
  path_ = std::filesystem::temp_directory_path() /
          ("strata-e2e-" + std::to_string(getpid()) + "-" + std::to_string(rd()));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) Signal(SIGKILL);
}

void ServerProcess::Start(const std::string& data_dir, const std::vector<std::string>& extra_args,
                          const std::vector<std::string>& env_extra) {
  std::vector<std::string> args = {STRATA_BINARY, "server", "--port", "0", "--data-dir", data_dir};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  auto argv = Argv(args);
  auto env_strings = ChildEnv(env_extra);
  auto envp = Argv(env_strings);
  log_path_ = std::filesystem::path(data_dir).parent_path() /
              (std::filesystem::path(data_dir).filename().string() + "-server.log");
  int out[2];
  ASSERT_EQ(::pipe(out), 0);
  int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  ASSERT_GE(log_fd, 0);
  pid_ = ::fork();
  ASSERT_GE(pid_, 0);
  if (pid_ == 0) {
    ::dup2(out[1], 1);
    ::dup2(log_fd, 2);
    ::close(out[0]);
    ::execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  ::close(out[1]);
  ::close(log_fd);
  // Read the first line: "strata server listening on http://127.0.0.1:PORT ...".
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{out[0], POLLIN, 0};
    if (::poll(&p, 1, 200) > 0) {
      char c[256];
      ssize_t n = ::read(out[0], c, sizeof c);
      if (n <= 0) break;
      line.append(c, static_cast<size_t>(n));
    }
  }
  ::close(out[0]);
  auto pos = line.find("http://127.0.0.1:");
  ASSERT_NE(pos, std::string::npos) << "server did not start; stdout: " << line << "\nlog:\n" << Log();
  port_ = std::atoi(line.c_str() + pos + std::strlen("http://127.0.0.1:"));
  ASSERT_GT(port_, 0);
}

int ServerProcess::Signal(int signal) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, signal);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

std::string ServerProcess::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::string ServerProcess::Log() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

CliResult RunCli(const std::vector<std::string>& args_in, const std::vector<std::string>& env_extra) {
  std::vector<std::string> args = {STRATA_BINARY};
  args.insert(args.end(), args_in.begin(), args_in.end());
  auto argv = Argv(args);
  auto env_strings = ChildEnv(env_extra);
  auto envp = Argv(env_strings);
  int out[2], err[2];
  if (::pipe(out) != 0 || ::pipe(err) != 0) return {};
  pid_t pid = ::fork();
  if (pid == 0) {
    int null_fd = ::open("/dev/null", O_RDONLY);
    ::dup2(null_fd, 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    ::close(out[0]);
    ::close(err[0]);
    ::execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  CliResult r;
  std::thread err_reader([&] { r.err = ReadAll(err[0]); });
  r.out = ReadAll(out[0]);
  err_reader.join();
  ::close(out[0]);
  ::close(err[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

api::Response Http(const std::string& base_url, const std::string& method, const std::string& target,
                   const std::string& body, const std::vector<std::pair<std::string, std::string>>& headers) {
  auto client = api::HttpClient::Create(base_url);
  EXPECT_TRUE(client.ok()) << client.status().ToString();
  if (!client.ok()) return {};
  api::Request req;
  req.method = method;
  req.target = target;
  (void)req.ParseTarget(target);
  req.body = body;
  req.headers = headers;
  bool typed = false;
  for (const auto& [k, v] : headers) typed = typed || strcasecmp(k.c_str(), "Content-Type") == 0;
  if (!body.empty() && !typed) req.headers.emplace_back("Content-Type", "application/json");
  auto resp = client->Send(req);
  EXPECT_TRUE(resp.ok()) << method << " " << target << ": " << resp.status().ToString();
  return resp.ok() ? *resp : api::Response{};
}

Json HttpJson(const std::string& base_url, const std::string& method, const std::string& target,
              const Json& body, int* status) {
  api::Response r = Http(base_url, method, target, body.is_null() ? "" : body.dump());
  if (status != nullptr) *status = r.status;
  auto j = core::ParseJson(r.body, "response");
  EXPECT_TRUE(j.ok()) << method << " " << target << " -> " << r.status << ": " << r.body;
  return j.ok() ? *j : Json();
}

std::string RawExchange(int port, const std::string& bytes, int timeout_ms) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "";
  }
  (void)::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buf[4096];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

bool IsTerminalStatus(const Json& job) {
  std::string s = job.value("status", "");
  return s == "Completed" || s == "Failed" || s == "Stopped";
}

Json WaitJob(const std::string& base_url, const std::string& job,
             const std::function<bool(const Json&)>& pred, double timeout_s) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  Json last;
  while (std::chrono::steady_clock::now() < deadline) {
    last = HttpJson(base_url, "GET", "/api/v1/jobs/" + job);
    if (pred(last)) return last;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ADD_FAILURE() << "timed out waiting for job " << job << "; last: " << last.dump();
  return last;
}

std::optional<std::string> HeaderOf(const api::Response& response, const std::string& name) {
  for (const auto& [k, v] : response.headers) {
    if (strcasecmp(k.c_str(), name.c_str()) == 0) return v;
  }
  return std::nullopt;
}

bool ProcessAlive(pid_t pid) {
  if (::kill(pid, 0) != 0) return false;
  // A zombie is not alive: look at its state.
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  std::getline(in, stat);
  auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
}

Json ParseOut(const CliResult& r) {
  try {
    return Json::parse(r.out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "stdout is not JSON (" << e.what() << "): " << r.out << r.err;
    return Json::object();
  }
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace strata::e2e
