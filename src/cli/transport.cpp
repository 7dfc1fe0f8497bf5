#include "cli/transport.h"

#include <fmt/format.h>

namespace strata::cli {
namespace {

std::string PercentEncode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

class RemoteTransport : public Transport {
 public:
  explicit RemoteTransport(api::HttpClient client) : client_(std::move(client)) {}
  Result<api::Response> Send(api::Request& request,
                             const std::function<bool(std::string_view)>& on_chunk) override {
    return client_.Send(request, on_chunk);
  }

 private:
  api::HttpClient client_;
};

// Runs a streamed response body in the calling thread, chunk by chunk.
class CallbackWriter : public api::StreamWriter {
 public:
  explicit CallbackWriter(const std::function<bool(std::string_view)>& sink) : sink_(sink) {}
  bool Write(std::string_view data) override {
    if (stopped_) return false;
    if (!sink_(data)) stopped_ = true;
    return !stopped_;
  }
  bool Cancelled() const override { return stopped_; }

 private:
  const std::function<bool(std::string_view)>& sink_;
  bool stopped_ = false;
};

class LocalTransport : public Transport {
 public:
  explicit LocalTransport(std::unique_ptr<platform::App> app) : app_(std::move(app)) {
    api::AddAllRoutes(router_, *app_, metrics_);
  }
  Result<api::Response> Send(api::Request& request,
                             const std::function<bool(std::string_view)>& on_chunk) override {
    if (request.request_id.empty()) request.request_id = core::NewId();
    api::Response response = router_.Dispatch(request);
    if (response.stream) {
      std::string buffered;
      std::function<bool(std::string_view)> sink =
          on_chunk ? on_chunk : [&buffered](std::string_view d) {
            buffered.append(d);
            return true;
          };
      CallbackWriter writer(sink);
      response.stream(writer);
      response.stream = nullptr;
      response.body = std::move(buffered);
    } else if (on_chunk && response.status < 400 && !response.body.empty()) {
      on_chunk(response.body);
      response.body.clear();
    }
    return response;
  }
  platform::App* local_app() override { return app_.get(); }

 private:
  std::unique_ptr<platform::App> app_;
  api::Metrics metrics_;
  api::Router router_;
};

}  // namespace

Result<std::unique_ptr<Transport>> MakeRemoteTransport(const std::string& server_url) {
  STRATA_ASSIGN_OR_RETURN(api::HttpClient client, api::HttpClient::Create(server_url));
  return std::unique_ptr<Transport>(new RemoteTransport(std::move(client)));
}

Result<std::unique_ptr<Transport>> MakeLocalTransport(const core::Config& config) {
  STRATA_ASSIGN_OR_RETURN(auto app, platform::App::Open(config, platform::Mode::kLocal));
  return std::unique_ptr<Transport>(new LocalTransport(std::move(app)));
}

api::Request MakeRequest(std::string method, const std::string& path,
                         const std::map<std::string, std::string>& query, const Json* body) {
  api::Request request;
  request.method = std::move(method);
  std::string target;
  for (char c : path) {
    // Path segments from user input (names) are encoded; the separators are kept.
    target += c == '/' ? std::string("/") : PercentEncode(std::string_view(&c, 1));
  }
  char sep = '?';
  for (const auto& [k, v] : query) {
    target += sep + PercentEncode(k) + "=" + PercentEncode(v);
    sep = '&';
  }
  request.target = target;
  (void)request.ParseTarget(target);
  request.headers.emplace_back("Accept", "application/json");
  if (body != nullptr) {
    request.body = body->dump();
    request.headers.emplace_back("Content-Type", "application/json");
  }
  return request;
}

namespace {

// The Status an HTTP error response stands for: the code and message of its error JSON.
Status StatusOfError(const api::Response& response) {
  Result<Json> parsed = core::ParseJson(response.body, "server response");
  ErrorCode code = ErrorCodeForHttpStatus(response.status);
  std::string message = fmt::format("HTTP {}", response.status);
  if (parsed.ok() && parsed->contains("error") && (*parsed)["error"].is_object()) {
    const Json& e = (*parsed)["error"];
    if (e.contains("code") && e["code"].is_string()) {
      if (auto c = ErrorCodeFromName(e["code"].get<std::string>())) code = *c;
    }
    if (e.contains("message") && e["message"].is_string()) message = e["message"].get<std::string>();
  }
  return Status(code, message);
}

}  // namespace

Result<Json> CallJson(Transport& transport, api::Request request) {
  STRATA_ASSIGN_OR_RETURN(api::Response response, transport.Send(request, nullptr));
  if (response.status >= 400) return StatusOfError(response);
  return core::ParseJson(response.body, "server response");
}

Result<api::Response> CallRaw(Transport& transport, api::Request request) {
  STRATA_ASSIGN_OR_RETURN(api::Response response, transport.Send(request, nullptr));
  if (response.status >= 400) return StatusOfError(response);
  return response;
}

}  // namespace strata::cli
