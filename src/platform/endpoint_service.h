#pragma once
// Real-time endpoints as a platform resource: the configuration lives in the catalog
// (so endpoints survive a restart: LoadAll() brings them back), the live serve::Endpoint
// objects live here. Creating or updating resolves each variant's version or alias to a
// model version and loads it before anything is stored or swapped, so a bad update
// leaves the endpoint serving what it served. Loaded models are shared between
// endpoints that serve the same version. Thread-safe.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/core.h"
#include "platform/model_service.h"
#include "serve/serve.h"
#include "store/store.h"

namespace strata::platform {

class EndpointService {
 public:
  EndpointService(store::Store& store, ModelService& models);
  ~EndpointService();

  // Brings back every endpoint of the catalog (server start; otherwise done on first
  // use). An endpoint whose model cannot be loaded is logged and left out (listed as
  // Failed); the others serve. Runs once.
  Status LoadAll();

  Result<Json> Create(const Json& request);
  // Replaces the configuration (hot swap). `request` as for Create; its name, if
  // given, must match.
  Result<Json> Update(const std::string& name, const Json& request);
  Result<Json> Get(const std::string& name);
  Result<Json> List();
  Status Delete(const std::string& name);

  Result<serve::InvokeResult> Invoke(const std::string& name, std::string_view content_type, std::string_view body,
                                     const std::string& request_id);
  // Requests to one endpoint that arrived together (serve::Endpoint::InvokeMany).
  std::vector<Result<serve::InvokeResult>> InvokeMany(const std::string& name,
                                                      const std::vector<serve::InvokeCall>& calls);

  // Loads a model version for prediction (cached while some endpoint uses it).
  Result<std::shared_ptr<const serve::Predictor>> LoadModel(const ModelVersion& version);

 private:
  Status LoadAllOnce();
  Result<std::vector<std::shared_ptr<const serve::Predictor>>> Resolve(serve::EndpointSpec* spec);
  Json Describe(const serve::Endpoint& e, int64_t created_at, int64_t updated_at) const;
  std::shared_ptr<serve::Endpoint> Find(const std::string& name);

  store::Store& store_;
  ModelService& models_;
  std::once_flag loaded_;
  Status load_status_;
  std::mutex mu_;  // guards endpoints_ and predictors_; serialises create/update/delete
  std::map<std::string, std::shared_ptr<serve::Endpoint>> endpoints_;
  std::map<std::string, std::weak_ptr<const serve::Predictor>> predictors_;  // by model id
};

}  // namespace strata::platform
