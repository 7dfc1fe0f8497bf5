#include "platform/cluster_sweep.h"

#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "data/data.h"
#include "ml/ml.h"

namespace strata::platform {
namespace {

constexpr int kMaxK = 1000, kMaxValues = 50;
constexpr int64_t kMaxSample = 200000;

double SecondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

Result<ClusterSweepOptions> ParseClusterSweepOptions(const Json& r) {
  if (!r.is_object()) return InvalidArgumentError("request body must be a JSON object");
  ClusterSweepOptions o;
  STRATA_ASSIGN_OR_RETURN(o.dataset, core::RequiredString(r, "dataset"));
  STRATA_ASSIGN_OR_RETURN(o.dataset_version, core::OptionalInt(r, "dataset_version", 0));
  STRATA_ASSIGN_OR_RETURN(int64_t k_min, core::OptionalInt(r, "k_min", 2));
  STRATA_ASSIGN_OR_RETURN(int64_t k_max, core::OptionalInt(r, "k_max", 10));
  if (k_min < 1 || k_min > kMaxK) {
    return InvalidArgumentError(fmt::format("k_min must be in [1, {}], got {}", kMaxK, k_min));
  }
  if (k_max < k_min || k_max > kMaxK) {
    return InvalidArgumentError(
        fmt::format("k_max must be in [k_min, {}] = [{}, {}], got {}", kMaxK, k_min, kMaxK, k_max));
  }
  if (k_max - k_min + 1 > kMaxValues) {
    return InvalidArgumentError(fmt::format("a sweep takes at most {} values of k; {}..{} has {}",
                                            kMaxValues, k_min, k_max, k_max - k_min + 1));
  }
  o.k_min = static_cast<int>(k_min);
  o.k_max = static_cast<int>(k_max);
  STRATA_ASSIGN_OR_RETURN(int64_t sample, core::OptionalInt(r, "sample", 20000));
  if (sample < 2 || sample > kMaxSample) {
    return InvalidArgumentError(
        fmt::format("sample must be in [2, {}], got {}", kMaxSample, sample));
  }
  o.sample = static_cast<size_t>(sample);
  STRATA_ASSIGN_OR_RETURN(int64_t seed, core::OptionalInt(r, "seed", 1));
  if (seed < 0) return InvalidArgumentError(fmt::format("seed must be at least 0, got {}", seed));
  o.seed = static_cast<uint64_t>(seed);
  if (r.contains("preprocessing")) {
    if (!r["preprocessing"].is_object())
      return InvalidArgumentError("preprocessing must be a JSON object");
    o.preprocessing = r["preprocessing"];
  }
  if (!o.preprocessing.contains("scale"))
    o.preprocessing["scale"] = "standard";  // k-means is distance based
  STRATA_RETURN_IF_ERROR(data::ParseRecipeOptions(o.preprocessing).status());
  if (r.contains("hyperparameters")) {
    const Json& hp = r["hyperparameters"];
    if (!hp.is_object()) return InvalidArgumentError("hyperparameters must be a JSON object");
    if (hp.contains("k"))
      return InvalidArgumentError(
          "hyperparameters must not set k: the sweep sets it (k_min, k_max)");
    o.hyperparameters = hp;
  }
  // Checked once here, so a bad value is a 400 before any work.
  STRATA_ASSIGN_OR_RETURN(const ml::Algorithm* kmeans, ml::RequireAlgorithm("kmeans"));
  STRATA_RETURN_IF_ERROR(
      ml::ValidateHyperparameters(kmeans->hyperparameters(), o.hyperparameters).status());
  return o;
}

Result<Json> RunClusterSweep(DatasetService& datasets, const ClusterSweepOptions& o) {
  const auto started = std::chrono::steady_clock::now();
  STRATA_ASSIGN_OR_RETURN(const ml::Algorithm* kmeans, ml::RequireAlgorithm("kmeans"));
  STRATA_ASSIGN_OR_RETURN(
      Dataset dataset,
      datasets.Get(o.dataset, o.dataset_version > 0 ? std::optional<int64_t>(o.dataset_version)
                                                    : std::nullopt));
  STRATA_ASSIGN_OR_RETURN(auto table, datasets.OpenTable(dataset));
  std::vector<int64_t> rows;
  for (size_t r : ml::SampleRows(static_cast<size_t>(table->rows()), o.sample, o.seed)) {
    rows.push_back(static_cast<int64_t>(r));
  }
  if (rows.size() < static_cast<size_t>(o.k_max)) {
    return InvalidArgumentError(fmt::format("k_max is {} but dataset '{}' has only {} rows",
                                            o.k_max, o.dataset, rows.size()));
  }
  STRATA_ASSIGN_OR_RETURN(data::RecipeOptions ropts, data::ParseRecipeOptions(o.preprocessing));
  STRATA_ASSIGN_OR_RETURN(data::Recipe recipe, data::Recipe::Fit(*table, rows, "", ropts));
  if (recipe.num_features() == 0) {
    return InvalidArgumentError(fmt::format("dataset '{}' has no column to cluster on", o.dataset));
  }
  data::TransformNotes notes;
  STRATA_ASSIGN_OR_RETURN(std::vector<float> x, recipe.TransformTable(*table, rows, &notes));
  const ml::Matrix m{x.data(), rows.size(), recipe.num_features()};

  Json results = Json::array();
  Json hp_used;
  std::optional<int> suggested;
  double best = -INFINITY;
  for (int k = o.k_min; k <= o.k_max; ++k) {
    const auto t = std::chrono::steady_clock::now();
    Json given = o.hyperparameters;
    given["k"] = k;
    ml::TrainInput in;
    in.problem = ml::Problem::kClustering;
    STRATA_ASSIGN_OR_RETURN(in.hyperparameters,
                            ml::ValidateHyperparameters(kmeans->hyperparameters(), given));
    in.train = m;
    hp_used = in.hyperparameters;
    STRATA_ASSIGN_OR_RETURN(std::unique_ptr<ml::Model> model, kmeans->Train(in, nullptr));
    STRATA_ASSIGN_OR_RETURN(std::vector<float> pred, model->Predict(m));
    STRATA_ASSIGN_OR_RETURN(ml::ClusteringMetrics metrics,
                            ml::EvaluateClustering(m, pred, k, 4000, o.seed));
    const Json info = model->Info();
    results.push_back(
        {{"k", k},
         {"inertia", metrics.inertia},
         {"silhouette", metrics.silhouette ? Json(*metrics.silhouette) : Json(nullptr)},
         {"sizes", metrics.sizes},
         {"iterations", info.value("iterations", 0)},
         {"seconds", SecondsSince(t)}});
    if (metrics.silhouette && *metrics.silhouette > best) {
      best = *metrics.silhouette;
      suggested = k;
    }
    core::log::Info("cluster sweep of '{}': k={} inertia={:.6g} silhouette={}", o.dataset, k,
                    metrics.inertia,
                    metrics.silhouette ? fmt::format("{:.4f}", *metrics.silhouette) : "-");
  }
  hp_used.erase("k");
  Json out = {
      {"dataset", {{"name", dataset.name}, {"version", dataset.version}, {"rows", dataset.rows}}},
      {"rows_used", rows.size()},
      {"features", recipe.num_features()},
      {"preprocessing", o.preprocessing},
      {"hyperparameters", hp_used},
      {"results", results},
      {"suggested_k", suggested ? Json(*suggested) : Json(nullptr)},
      {"seconds", SecondsSince(started)}};
  if (!notes.empty()) {
    out["notes"] =
        std::vector<std::string>(notes.begin(), notes.begin() + std::min<size_t>(notes.size(), 20));
  }
  return out;
}

std::string RenderClusterSweepHtml(const Json& s) {
  namespace html = data::html;
  const Json& d = s["dataset"];
  std::string out = html::PageStart(
      fmt::format("k-means sweep of {} v{}", d["name"].get<std::string>(),
                  d["version"].get<int64_t>()),
      fmt::format("Strata {}: k = {}..{} on {} of {} rows, {} features", core::Version(),
                  s["results"].front()["k"].get<int>(), s["results"].back()["k"].get<int>(),
                  s["rows_used"].get<int64_t>(), d["rows"].get<int64_t>(),
                  s["features"].get<int64_t>()));
  std::optional<double> mark;
  if (s["suggested_k"].is_number()) mark = s["suggested_k"].get<double>();
  out += "<section class=card>" + html::Kpi("suggested k (highest silhouette)",
                                            mark ? html::FormatValue(s["suggested_k"]) : "–");
  std::vector<html::Point> inertia, silhouette;
  std::string table =
      "<table "
      "class=metrics><tr><th>k</th><th>inertia</th><th>silhouette</th><th>iterations</th></tr>";
  for (const auto& r : s["results"]) {
    const double k = r["k"].get<double>();
    inertia.push_back({k, r["inertia"].get<double>()});
    if (r["silhouette"].is_number()) silhouette.push_back({k, r["silhouette"].get<double>()});
    table += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", html::FormatValue(r["k"]),
        html::FormatValue(r["inertia"]),
        r["silhouette"].is_number() ? fmt::format("{:.4f}", r["silhouette"].get<double>()) : "–",
        html::FormatValue(r["iterations"]));
  }
  out += "</section><section class=grid>";
  out += fmt::format("<div class=card><h2>Elbow: inertia by k</h2>{}</div>",
                     html::LineSvg({{"", "line-a", inertia}}, "k", "inertia", mark));
  out += fmt::format("<div class=card><h2>Silhouette by k</h2>{}</div>",
                     html::LineSvg({{"", "line-b", silhouette}}, "k", "silhouette", mark));
  out += "</section><section class=card><h2>Per k</h2>" + table + "</table></section>";
  return out + html::PageEnd();
}

}  // namespace strata::platform
