#pragma once
// How a CLI command reaches the API: over HTTP to `--server URL`, or in-process
// through the same Router the server uses, on the local data directory. Every command
// builds an api::Request and goes through a Transport, so both modes share one code
// path.

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "api/api.h"
#include "core/core.h"
#include "platform/platform.h"

namespace strata::cli {

class Transport {
 public:
  virtual ~Transport() = default;
  // Sends the request. With on_chunk, a streamed body is delivered as it arrives (return
  // false to stop) and the returned body is empty. Transport failures (connection
  // refused) are errors; HTTP error statuses are returned as responses.
  virtual Result<api::Response> Send(api::Request& request,
                                     const std::function<bool(std::string_view)>& on_chunk) = 0;
  // The in-process application, or null for a remote server.
  virtual platform::App* local_app() { return nullptr; }
};

Result<std::unique_ptr<Transport>> MakeRemoteTransport(const std::string& server_url);
Result<std::unique_ptr<Transport>> MakeLocalTransport(const core::Config& config);

// Builds a request: `path` plus percent-encoded `query`, JSON body when given.
api::Request MakeRequest(std::string method, const std::string& path,
                         const std::map<std::string, std::string>& query = {},
                         const Json* body = nullptr);

// Sends and turns an HTTP error status into the Status it stands for (code from the
// error JSON, message with the request id), so commands deal in Result<Json> only.
Result<Json> CallJson(Transport& transport, api::Request request);
// The same for a response that is not JSON (an archive, a report): the response when
// its status is below 400, else the Status of its error JSON.
Result<api::Response> CallRaw(Transport& transport, api::Request request);

}  // namespace strata::cli
