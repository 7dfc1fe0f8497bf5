#include "serve/endpoint.h"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>

#include "serve/batch_cuts.h"
#include "serve/invocation.h"
#include "serve/json_features.h"

namespace strata::serve {
namespace {

Result<double> Number(const Json& obj, const char* key, double fallback, double min, double max) {
  if (!obj.contains(key)) return fallback;
  if (!obj[key].is_number()) return InvalidArgumentError(fmt::format("{} must be a number", key));
  const double v = obj[key].get<double>();
  if (!(v >= min && v <= max)) return InvalidArgumentError(fmt::format("{} must be in [{}, {}], got {}", key, min, max, v));
  return v;
}

Result<VariantSpec> ParseVariant(const Json& v, size_t index) {
  if (!v.is_object()) return InvalidArgumentError(fmt::format("variants[{}] must be an object", index));
  VariantSpec s;
  STRATA_ASSIGN_OR_RETURN(s.model, core::RequiredString(v, "model"));
  STRATA_ASSIGN_OR_RETURN(s.name, core::OptionalString(v, "name", fmt::format("variant-{}", index + 1)));
  if (!core::IsValidName(s.name)) return InvalidArgumentError(fmt::format("variants[{}].name '{}' is not valid", index, s.name));
  if (v.contains("version") && v.contains("alias")) {
    return InvalidArgumentError(fmt::format("variants[{}]: give version or alias, not both", index));
  }
  if (v.contains("version")) {
    if (v["version"].is_number_integer()) {
      s.version_ref = std::to_string(v["version"].get<int64_t>());
    } else if (v["version"].is_string()) {
      s.version_ref = v["version"].get<std::string>();
    } else {
      return InvalidArgumentError(fmt::format("variants[{}].version must be a number", index));
    }
  } else if (v.contains("alias")) {
    STRATA_ASSIGN_OR_RETURN(s.version_ref, core::RequiredString(v, "alias"));
  } else {
    s.version_ref = "latest";
  }
  STRATA_ASSIGN_OR_RETURN(s.weight, Number(v, "weight", 1, 0, 1e6));
  if (v.contains("shadow")) {
    if (!v["shadow"].is_boolean()) return InvalidArgumentError(fmt::format("variants[{}].shadow must be true or false", index));
    s.shadow = v["shadow"].get<bool>();
  }
  return s;
}

// Requests already read into features, predicted in batches of up to `max_rows` rows
// (cut by ForEachBatch as MicroBatcher::PredictTogether cuts JSON rows, one level down:
// the recipe has run per request, so only the model runs per batch). A failed batch of
// several re-runs each request alone.
std::vector<Result<BatchedResult>> PredictFeaturesTogether(const Predictor& predictor,
                                                           const std::vector<const Features*>& requests,
                                                           size_t max_rows) {
  std::vector<Result<BatchedResult>> out;
  out.reserve(requests.size());
  auto run = [&](size_t first, size_t last) {  // requests [first, last) as one batch
    Features all;
    const Features* input = requests[first];
    if (last - first > 1) {
      all.cols = input->cols;
      for (size_t i = first; i < last; ++i) {
        all.values.insert(all.values.end(), requests[i]->values.begin(), requests[i]->values.end());
        all.rows += requests[i]->rows;
      }
      input = &all;
    }
    const auto t0 = std::chrono::steady_clock::now();
    Result<Predictions> p = predictor.PredictFeatures(*input);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    size_t offset = 0;
    for (size_t i = first; i < last; ++i) {
      const Features& f = *requests[i];
      if (!p.ok()) {
        if (last - first == 1) {
          out.push_back(p.status());
        } else {
          std::vector<Result<BatchedResult>> alone = PredictFeaturesTogether(predictor, {&f}, max_rows);
          out.push_back(std::move(alone.front()));
        }
        continue;
      }
      BatchedResult r = SliceOfBatch(*p, input->rows, offset, f.rows, seconds);
      r.predictions.notes = f.notes;
      offset += f.rows;
      out.push_back(std::move(r));
    }
  };
  ForEachBatch(requests.size(), max_rows, [&](size_t i) { return requests[i]->rows; }, run);
  return out;
}

}  // namespace

Json VariantSpec::ToJson() const {
  Json j = {{"name", name}, {"model", model}, {"version", version}, {"weight", weight}};
  if (version_ref != std::to_string(version)) j["requested"] = version_ref;
  if (shadow) j["shadow"] = true;
  return j;
}

Result<EndpointSpec> EndpointSpec::FromJson(const Json& json) {
  if (!json.is_object()) return InvalidArgumentError("endpoint must be a JSON object");
  EndpointSpec s;
  STRATA_ASSIGN_OR_RETURN(s.name, core::RequiredString(json, "name"));
  if (!core::IsValidName(s.name)) return InvalidArgumentError(fmt::format("endpoint name '{}' is not valid", s.name));
  if (json.contains("variants")) {
    if (!json["variants"].is_array() || json["variants"].empty()) {
      return InvalidArgumentError("variants must be a non-empty list");
    }
    for (size_t i = 0; i < json["variants"].size(); ++i) {
      STRATA_ASSIGN_OR_RETURN(VariantSpec v, ParseVariant(json["variants"][i], i));
      s.variants.push_back(std::move(v));
    }
  } else {
    Json one = json;
    one["name"] = json.value("variant", "primary");
    STRATA_ASSIGN_OR_RETURN(VariantSpec v, ParseVariant(one, 0));
    s.variants.push_back(std::move(v));
  }
  double live_weight = 0;
  int shadows = 0;
  for (size_t i = 0; i < s.variants.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (s.variants[i].name == s.variants[j].name) {
        return InvalidArgumentError(fmt::format("two variants are named '{}'", s.variants[i].name));
      }
    }
    if (s.variants[i].shadow) {
      ++shadows;
    } else {
      live_weight += s.variants[i].weight;
    }
  }
  if (shadows > 1) return InvalidArgumentError("at most one variant may be the shadow");
  if (live_weight <= 0) return InvalidArgumentError("the weights of the live (non-shadow) variants must add up to more than 0");
  if (json.contains("capture")) {
    const Json& c = json["capture"];
    if (!c.is_object()) return InvalidArgumentError("capture must be an object");
    STRATA_ASSIGN_OR_RETURN(s.capture.sample_rate, Number(c, "sample_rate", 0, 0, 1));
    STRATA_ASSIGN_OR_RETURN(double mb, Number(c, "max_file_mb", 16, 0.001, 1024));
    s.capture.max_file_bytes = static_cast<uint64_t>(mb * 1048576);
    STRATA_ASSIGN_OR_RETURN(double age, Number(c, "max_file_seconds", 300, 1, 86400));
    s.capture.max_file_age = std::chrono::seconds(static_cast<int64_t>(age));
  }
  if (json.contains("limits")) {
    const Json& l = json["limits"];
    if (!l.is_object()) return InvalidArgumentError("limits must be an object");
    STRATA_ASSIGN_OR_RETURN(double rows, Number(l, "max_rows", 1000, 1, 1e6));
    STRATA_ASSIGN_OR_RETURN(double conc, Number(l, "max_concurrency", 64, 1, 100000));
    STRATA_ASSIGN_OR_RETURN(double timeout, Number(l, "timeout_ms", 30000, 1, 3.6e6));
    s.max_rows = static_cast<size_t>(rows);
    s.max_concurrency = static_cast<int>(conc);
    s.timeout = std::chrono::milliseconds(static_cast<int64_t>(timeout));
  }
  if (json.contains("batching")) {
    const Json& b = json["batching"];
    if (!b.is_object()) return InvalidArgumentError("batching must be an object");
    STRATA_ASSIGN_OR_RETURN(double delay, Number(b, "max_delay_us", 1000, 0, 1e6));
    STRATA_ASSIGN_OR_RETURN(double rows, Number(b, "max_rows", 256, 1, 1e6));
    s.batching.max_delay = std::chrono::microseconds(static_cast<int64_t>(delay));
    s.batching.max_rows = static_cast<size_t>(rows);
  }
  return s;
}

Json EndpointSpec::ToJson() const {
  Json vs = Json::array();
  for (const auto& v : variants) vs.push_back(v.ToJson());
  return {{"name", name},
          {"variants", vs},
          {"capture", {{"sample_rate", capture.sample_rate},
                       {"max_file_mb", static_cast<double>(capture.max_file_bytes) / 1048576},
                       {"max_file_seconds", capture.max_file_age.count()}}},
          {"limits", {{"max_rows", max_rows}, {"max_concurrency", max_concurrency}, {"timeout_ms", timeout.count()}}},
          {"batching", {{"max_delay_us", batching.max_delay.count()}, {"max_rows", batching.max_rows}}}};
}

Endpoint::Endpoint(std::string name, std::filesystem::path capture_dir)
    : name_(std::move(name)), capture_dir_(std::move(capture_dir)), rng_(std::random_device{}()) {}

Endpoint::~Endpoint() {
  shadow_pool_.reset();  // finishes queued shadow calls before the state goes
  FlushCapture();
}

void Endpoint::Swap(EndpointSpec spec, std::vector<std::shared_ptr<const Predictor>> predictors) {
  auto state = std::make_shared<State>();
  for (size_t i = 0; i < spec.variants.size(); ++i) {
    auto v = std::make_shared<Variant>();
    v->spec = spec.variants[i];
    v->predictor = predictors[i];
    std::shared_ptr<const Predictor> p = predictors[i];
    v->batcher = std::make_unique<MicroBatcher>([p](const Json& rows) { return p->PredictJson(rows); },
                                                spec.batching);
    if (v->spec.shadow) {
      state->shadow = v;
    } else {
      state->live.push_back(v);
      state->total_weight += v->spec.weight;
    }
  }
  state->spec = std::move(spec);
  std::lock_guard lock(mu_);
  // The capture travels with the state, so a request in flight keeps writing to the one
  // it started with; unchanged options keep the open file across the swap.
  const CaptureOptions& c = state->spec.capture;
  const CaptureOptions* old = state_ ? &state_->spec.capture : nullptr;
  if (old && old->sample_rate == c.sample_rate && old->max_file_bytes == c.max_file_bytes &&
      old->max_file_age == c.max_file_age) {
    state->capture = state_->capture;
  } else if (c.sample_rate > 0) {
    state->capture = std::make_shared<DataCapture>(capture_dir_, c);
  }
  if (state->shadow && !shadow_pool_) shadow_pool_ = std::make_unique<core::ThreadPool>(1);
  state_ = std::move(state);
}

EndpointSpec Endpoint::spec() const {
  auto s = Current();
  return s ? s->spec : EndpointSpec{};
}

std::shared_ptr<const Endpoint::State> Endpoint::Current() const {
  std::lock_guard lock(mu_);
  return state_;
}

std::shared_ptr<Endpoint::Variant> Endpoint::Pick(const State& state) {
  if (state.live.size() == 1) return state.live[0];
  double r;
  {
    std::lock_guard lock(rng_mu_);
    r = std::uniform_real_distribution<double>(0, state.total_weight)(rng_);
  }
  for (const auto& v : state.live) {
    if (r < v->spec.weight) return v;
    r -= v->spec.weight;
  }
  return state.live.back();
}

void Endpoint::FlushCapture() {
  if (auto state = Current(); state && state->capture) state->capture->Flush();
}

void Endpoint::RunShadow(std::shared_ptr<const State> state, Json rows, const std::string& request_id) {
  // Bounded: a slow shadow drops traffic rather than queueing without limit.
  if (shadow_in_flight_.load() >= 64 || !shadow_pool_) return;
  ++shadow_in_flight_;
  shadow_pool_->Submit([this, state = std::move(state), rows = std::move(rows), request_id] {
    auto out = state->shadow->predictor->PredictJson(rows);
    DataCapture* capture = state->capture.get();
    if (capture != nullptr && out.ok()) {
      Json preds = Json::array();
      for (size_t r = 0; r < out->rows; ++r) preds.push_back(state->shadow->predictor->RowJson(*out, r));
      capture->Record({{"time", core::FormatRfc3339(core::SystemClock().Now())}, {"request_id", request_id},
                       {"variant", state->shadow->spec.name}, {"shadow", true}, {"input", rows}, {"output", preds}});
    }
    --shadow_in_flight_;
  });
}

Status Endpoint::Admit(const State& state) {
  if (++in_flight_ > state.spec.max_concurrency) {
    --in_flight_;
    return ThrottledError(fmt::format("endpoint '{}' is serving its maximum of {} concurrent requests", name_,
                                      state.spec.max_concurrency));
  }
  return Status::Ok();
}

Result<InvokeResult> Endpoint::Invoke(std::string_view content_type, std::string_view body,
                                      const std::string& request_id) {
  const auto start = std::chrono::steady_clock::now();
  std::shared_ptr<const State> state = Current();
  if (!state) return UnavailableError(fmt::format("endpoint '{}' is not ready", name_));
  STRATA_RETURN_IF_ERROR(Admit(*state));
  struct InFlight {
    std::atomic<int>& n;
    ~InFlight() { --n; }
  } guard{in_flight_};
  std::shared_ptr<Variant> v = Pick(*state);
  MicroBatcher::Ticket ticket = v->batcher->Arrive();
  STRATA_ASSIGN_OR_RETURN(Json rows, ParseInstances(content_type, body, v->predictor->input_columns(), state->spec.max_rows));
  STRATA_ASSIGN_OR_RETURN(BatchedResult batched, v->batcher->Predict(ticket, rows));
  const bool sampled = state->capture && state->capture->Sample();
  return Answer(state, *v, std::move(rows), std::move(batched), request_id, start, sampled);
}

std::vector<Result<InvokeResult>> Endpoint::InvokeMany(const std::vector<InvokeCall>& calls) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<Result<InvokeResult>> out(calls.size(), Status(ErrorCode::kInternal, "not run"));
  std::shared_ptr<const State> state = Current();
  if (!state) {
    for (auto& r : out) r = UnavailableError(fmt::format("endpoint '{}' is not ready", name_));
    return out;
  }
  // The requests admitted, grouped by the variant each was routed to. Those read
  // straight into features (no capture sample, no shadow: nothing needs their JSON)
  // are batched as features; the others as JSON rows through the batcher.
  struct Admitted {
    size_t call = 0;
    bool sampled = false;
    bool fast = false;
    Features features;  // fast
    Json rows;          // the others
  };
  std::vector<std::pair<std::shared_ptr<Variant>, std::vector<Admitted>>> groups;
  int admitted = 0;
  for (size_t i = 0; i < calls.size(); ++i) {
    if (Status s = Admit(*state); !s.ok()) {
      out[i] = s;
      continue;
    }
    ++admitted;
    std::shared_ptr<Variant> v = Pick(*state);
    Admitted a;
    a.call = i;
    a.sampled = state->capture && state->capture->Sample();
    a.fast = !a.sampled && !state->shadow &&
             IsJsonMediaType(calls[i].content_type) &&
             ReadJsonFeatures(calls[i].body, *v->predictor, state->spec.max_rows, &a.features);
    if (!a.fast) {
      auto rows = ParseInstances(calls[i].content_type, calls[i].body, v->predictor->input_columns(),
                                 state->spec.max_rows);
      if (!rows.ok()) {
        out[i] = rows.status();
        continue;
      }
      a.rows = std::move(*rows);
    }
    auto g = std::find_if(groups.begin(), groups.end(), [&](const auto& e) { return e.first == v; });
    if (g == groups.end()) g = groups.insert(groups.end(), {v, {}});
    g->second.push_back(std::move(a));
  }
  for (auto& [v, members] : groups) {
    std::vector<const Json*> rows;
    std::vector<const Features*> features;
    for (const Admitted& a : members) {
      if (a.fast) features.push_back(&a.features);
      else rows.push_back(&a.rows);
    }
    std::vector<Result<BatchedResult>> from_rows = v->batcher->PredictTogether(rows);
    std::vector<Result<BatchedResult>> from_features =
        PredictFeaturesTogether(*v->predictor, features, state->spec.batching.max_rows);
    size_t next_rows = 0, next_features = 0;
    for (Admitted& a : members) {
      Result<BatchedResult>& b = a.fast ? from_features[next_features++] : from_rows[next_rows++];
      if (!b.ok()) {
        out[a.call] = b.status();
        continue;
      }
      out[a.call] = Answer(state, *v, std::move(a.rows), std::move(*b), calls[a.call].request_id, start, a.sampled);
    }
  }
  in_flight_ -= admitted;
  return out;
}

Result<InvokeResult> Endpoint::Answer(const std::shared_ptr<const State>& state, const Variant& v, Json rows,
                                      BatchedResult batched, const std::string& request_id,
                                      std::chrono::steady_clock::time_point start, bool sampled) {
  if (std::chrono::steady_clock::now() - start > state->spec.timeout) {
    return UnavailableError(fmt::format("endpoint '{}': the request ran past its timeout of {} ms", name_,
                                        state->spec.timeout.count()));
  }
  InvokeResult result;
  result.variant = v.spec.name;
  result.rows = batched.predictions.rows;
  result.batch_rows = batched.batch_rows;
  result.model_seconds = batched.model_seconds;
  // Written as text: building the document to dump it cost more than the prediction.
  std::string& body = result.body;
  body.reserve(128 + 96 * batched.predictions.rows);
  body.append("{\"predictions\":[");
  for (size_t r = 0; r < batched.predictions.rows; ++r) {
    if (r) body.push_back(',');
    v.predictor->AppendRowJson(batched.predictions, r, body);
  }
  body.append("],\"variant\":");
  core::AppendJsonString(body, v.spec.name);
  body.append(",\"model\":{\"name\":");
  core::AppendJsonString(body, v.spec.model);
  fmt::format_to(std::back_inserter(body), ",\"version\":{}}}", v.spec.version);
  if (!batched.predictions.notes.empty()) {
    // Notes quote the caller's values: dump() replaces what is not UTF-8.
    body.append(",\"notes\":");
    body.append(Json(batched.predictions.notes).dump(-1, ' ', false, Json::error_handler_t::replace));
  }
  body.push_back('}');

  if (sampled) {
    Json preds = Json::array();
    for (size_t r = 0; r < batched.predictions.rows; ++r) preds.push_back(v.predictor->RowJson(batched.predictions, r));
    state->capture->Record({{"time", core::FormatRfc3339(core::SystemClock().Now())}, {"request_id", request_id},
                            {"variant", v.spec.name}, {"input", rows}, {"output", std::move(preds)}});
  }
  if (state->shadow) RunShadow(state, std::move(rows), request_id);
  return result;
}

}  // namespace strata::serve
