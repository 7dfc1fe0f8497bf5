// Export and import of model versions (model_archive.h): what goes into an archive,
// what an imported one must satisfy, and models trained elsewhere with XGBoost.
#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "data/data.h"
#include "ml/ml.h"
#include "platform/model_archive.h"
#include "serve/serve.h"

namespace strata::platform {
namespace {

constexpr int kModelFormatVersion = 1;  // model.json's format_version (training.cpp)

// Loads the staged version as an endpoint would and predicts one row of missing values,
// which fails when the payload and the recipe disagree on the number of features.
Status CheckLoadable(const std::filesystem::path& dir) {
  auto loaded = serve::Predictor::Load(dir);
  if (!loaded.ok()) {
    // The library's own message, without the stack trace XGBoost appends.
    std::string why(loaded.status().message());
    why = why.substr(0, why.find("\nStack trace"));
    return InvalidArgumentError(fmt::format("the model does not load: {}", why));
  }
  const std::shared_ptr<const serve::Predictor>& p = *loaded;
  auto smoke = p->PredictJson(Json::array({Json::object()}));
  if (!smoke.ok())
    return InvalidArgumentError(
        fmt::format("the model does not predict: {}", smoke.status().message()));
  return Status::Ok();
}

// The catalog row of a staged model.json.
ModelVersion VersionFromModelJson(const std::string& name, const Json& mj) {
  ModelVersion mv;
  mv.name = name;
  mv.algorithm = mj.value("algorithm", "");
  mv.problem = mj.value("problem", "");
  mv.target = mj.value("target", "");
  const Json lineage = mj.value("lineage", Json::object());
  if (lineage.contains("dataset") && lineage["dataset"].is_string()) {
    mv.dataset = lineage["dataset"].get<std::string>();
    if (lineage.contains("dataset_version")) mv.dataset += "@" + lineage["dataset_version"].dump();
  } else {
    mv.dataset = "(imported)";
  }
  mv.hyperparameters = mj.value("hyperparameters", Json::object());
  mv.metrics = mj.value("metrics", Json::object());
  if (!mv.metrics.is_object()) mv.metrics = Json::object();
  mv.metrics.erase("roc_curve");
  mv.metrics.erase("pr_curve");
  mv.training_seconds = mj.value("training_seconds", 0.0);
  mv.program_version = fmt::format("{} ({})", core::Version(), core::GitCommit());
  return mv;
}

Status StageAndRegister(ModelService& models, const std::filesystem::path& staging,
                        const Json& model_json, ModelVersion* mv) {
  STRATA_RETURN_IF_ERROR(core::WriteFileAtomic(staging / "model.json", model_json.dump(2)));
  STRATA_RETURN_IF_ERROR(CheckLoadable(staging));
  return models.Register(staging, mv);
}

// Removes a staging directory unless `keep` was set (it was registered and moved).
struct StagingGuard {
  std::filesystem::path dir;
  ~StagingGuard() {
    if (dir.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    std::filesystem::remove(dir.parent_path(), ec);  // only if empty: no model lives there
  }
};

}  // namespace

Result<std::string> ExportModelArchive(const std::filesystem::path& dir,
                                       const ModelVersion& version) {
  STRATA_ASSIGN_OR_RETURN(std::string text, core::ReadFile(dir / "model.json"));
  STRATA_ASSIGN_OR_RETURN(Json mj, core::ParseJson(text, (dir / "model.json").string()));
  const std::string payload = mj.value("payload", "");
  if (payload.empty() || payload.find('/') != std::string::npos || payload == "model.json") {
    return InternalError(fmt::format("model '{}' v{} names no payload file in model.json",
                                     version.name, version.version));
  }
  STRATA_ASSIGN_OR_RETURN(std::string bytes, core::ReadFile(dir / payload));
  mj["exported_from"] = {
      {"name", version.name}, {"version", version.version}, {"program", version.program_version}};
  std::vector<std::pair<std::string, std::string>> files = {{"model.json", mj.dump(2)},
                                                             {payload, std::move(bytes)}};
  // Files the algorithm saved beside its payload (knn's labels); hidden ones are
  // temporaries of atomic writes.
  std::vector<std::string> others;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && name[0] != '.' && name != "model.json" && name != payload)
      others.push_back(name);
  }
  if (ec) return InternalError(fmt::format("cannot list '{}': {}", dir.string(), ec.message()));
  std::sort(others.begin(), others.end());
  for (const auto& name : others) {
    STRATA_ASSIGN_OR_RETURN(std::string other, core::ReadFile(dir / name));
    files.emplace_back(name, std::move(other));
  }
  return WriteTarGz(files);
}

Result<ModelVersion> ImportModelArchive(ModelService& models, const std::filesystem::path& archive,
                                        const std::string& name, const ArchiveLimits& limits) {
  // Extracted next to where the version will live; renamed once the name is known.
  STRATA_ASSIGN_OR_RETURN(std::filesystem::path staging,
                          models.StagingDir(name.empty() ? "import" : name));
  StagingGuard guard{staging};
  std::error_code ec;
  std::filesystem::create_directories(staging, ec);
  if (ec)
    return InternalError(fmt::format("cannot create '{}': {}", staging.string(), ec.message()));
  STRATA_ASSIGN_OR_RETURN(std::vector<std::string> entries,
                          ExtractModelArchive(archive, staging, limits));

  const auto bad = [](std::string what) { return InvalidArgumentError("model archive: " + what); };
  if (std::find(entries.begin(), entries.end(), "model.json") == entries.end())
    return bad("model.json is missing");
  STRATA_ASSIGN_OR_RETURN(std::string text, core::ReadFile(staging / "model.json"));
  auto parsed = core::ParseJson(text, "model.json");
  if (!parsed.ok()) return bad(std::string(parsed.status().message()));
  Json mj = *parsed;
  if (!mj.is_object() || mj.value("format", "") != "strata-model")
    return bad("model.json is not a Strata model (format)");
  if (!mj["format_version"].is_number_integer() || mj["format_version"].get<int>() < 1 ||
      mj["format_version"].get<int>() > kModelFormatVersion) {
    return bad(fmt::format("model.json format_version {} is not one this strata reads (1 to {})",
                           mj.value("format_version", Json()).dump(), kModelFormatVersion));
  }
  if (!ml::FindAlgorithm(mj.value("algorithm", ""))) {
    return bad(std::string(ml::RequireAlgorithm(mj.value("algorithm", "")).status().message()));
  }
  const std::string payload = mj.value("payload", "");
  if (payload.empty() || std::find(entries.begin(), entries.end(), payload) == entries.end()) {
    return bad(
        fmt::format("the payload file '{}' that model.json names is not in the archive", payload));
  }
  // Other entries are files the algorithm saved beside its payload (knn's labels);
  // extraction admitted plain names only, and loading below checks them.

  std::string target_name = name;
  const Json from = mj.value("exported_from", Json::object());
  if (target_name.empty()) target_name = from.is_object() ? from.value("name", "") : "";
  if (target_name.empty())
    return bad("the archive does not say which model it came from: give a name");
  if (!core::IsValidName(target_name))
    return bad(fmt::format("model name '{}' is not valid", target_name));
  if (target_name != (name.empty() ? "import" : name)) {
    STRATA_ASSIGN_OR_RETURN(std::filesystem::path final_staging, models.StagingDir(target_name));
    std::filesystem::rename(staging, final_staging, ec);
    if (ec)
      return InternalError(fmt::format("cannot move '{}': {}", staging.string(), ec.message()));
    std::filesystem::remove(staging.parent_path(), ec);
    staging = final_staging;
    guard.dir = staging;
  }
  mj.erase("exported_from");
  Json lineage = mj.value("lineage", Json::object());
  if (!lineage.is_object()) lineage = Json::object();
  lineage["imported_from"] =
      from.is_object() && !from.empty() ? from : Json(archive.filename().string());
  mj["lineage"] = lineage;
  ModelVersion mv = VersionFromModelJson(target_name, mj);
  STRATA_RETURN_IF_ERROR(StageAndRegister(models, staging, mj, &mv));
  guard.dir.clear();
  return mv;
}

Result<ModelVersion> ImportXGBoostModel(ModelService& models, const std::filesystem::path& file,
                                        const XGBoostImport& o) {
  STRATA_ASSIGN_OR_RETURN(std::string bytes, core::ReadFile(file));
  const auto bad = [](std::string what) { return InvalidArgumentError("XGBoost model: " + what); };
  auto parsed = core::ParseJson(bytes, "the XGBoost model");
  if (!parsed.ok())
    return bad(fmt::format("not JSON ({}): save it with Booster.save_model('model.json')",
                           parsed.status().message()));
  const Json& j = *parsed;
  if (!j.is_object() || !j.contains("learner") || !j["learner"].is_object()) {
    return bad(
        "no 'learner': not an XGBoost JSON model (save it with Booster.save_model('model.json'))");
  }
  const Json& learner = j["learner"];
  const std::string objective = learner.value("objective", Json::object()).value("name", "");
  const Json params = learner.value("learner_model_param", Json::object());
  auto param_int = [&](const char* k) -> int64_t {
    const Json& v = params.value(k, Json("0"));
    return v.is_string()   ? std::strtoll(v.get<std::string>().c_str(), nullptr, 10)
           : v.is_number() ? v.get<int64_t>()
                           : 0;
  };
  ml::Problem problem;
  static const std::set<std::string> kRegression = {
      "reg:squarederror",  "reg:squaredlogerror", "reg:pseudohubererror",
      "reg:absoluteerror", "reg:tweedie",         "count:poisson",
      "reg:gamma"};
  if (objective == "binary:logistic")
    problem = ml::Problem::kBinaryClassification;
  else if (objective == "multi:softprob")
    problem = ml::Problem::kMulticlassClassification;
  else if (kRegression.count(objective))
    problem = ml::Problem::kRegression;
  else {
    return bad(fmt::format(
        "objective '{}' is not supported: use binary:logistic, multi:softprob (not multi:softmax, "
        "which gives no probabilities) or a regression objective",
        objective));
  }
  const int64_t num_feature = param_int("num_feature");
  std::vector<std::string> features = o.features;
  if (features.empty() && learner.contains("feature_names") &&
      learner["feature_names"].is_array()) {
    for (const auto& f : learner["feature_names"]) {
      if (f.is_string()) features.push_back(f.get<std::string>());
    }
  }
  if (features.empty())
    return bad("the model stores no feature names: give them (--features f1,f2,...)");
  if (static_cast<int64_t>(features.size()) != num_feature) {
    return bad(fmt::format("the model has {} features but {} names were given ({})", num_feature,
                           features.size(), fmt::join(features, ", ")));
  }
  std::set<std::string> unique;
  for (const auto& f : features) {
    if (f.empty() || !unique.insert(f).second)
      return bad(fmt::format("feature name '{}' is empty or repeated", f));
    if (f == o.target) return bad(fmt::format("feature '{}' has the target's name", f));
  }
  std::vector<std::string> classes = o.classes;
  if (ml::IsClassification(problem)) {
    const int64_t k = problem == ml::Problem::kBinaryClassification ? 2 : param_int("num_class");
    if (classes.empty()) {
      for (int64_t c = 0; c < k; ++c) classes.push_back(std::to_string(c));
    }
    if (static_cast<int64_t>(classes.size()) != k) {
      return bad(
          fmt::format("the model has {} classes but {} names were given", k, classes.size()));
    }
    if (std::set<std::string>(classes.begin(), classes.end()).size() != classes.size())
      return bad("class names repeat");
  } else if (!classes.empty()) {
    return bad(fmt::format("objective '{}' is a regression: classes do not apply", objective));
  }

  // Numeric inputs taken as they are: no imputation (XGBoost treats NaN as missing),
  // no scaling.
  Json steps = Json::array(), schema = Json::array();
  for (const auto& f : features) {
    steps.push_back({{"name", f},
                     {"type", "float"},
                     {"encoding", "numeric"},
                     {"impute", "none"},
                     {"fill", nullptr},
                     {"center", 0.0},
                     {"scale", 1.0}});
    schema.push_back({{"name", f}, {"type", "float"}});
  }
  Json mj = {
      {"format", "strata-model"},
      {"format_version", kModelFormatVersion},
      {"algorithm", "xgboost"},
      {"problem", std::string(ml::ProblemName(problem))},
      {"target", o.target},
      {"classes", classes},
      {"input_schema", schema},
      {"recipe", {{"version", data::kRecipeVersion}, {"steps", steps}, {"features", features}}},
      {"hyperparameters", Json::object()},
      {"training", {{"objective", objective}, {"imported", true}}},
      {"metrics", Json::object()},
      {"lineage", {{"imported_from", file.filename().string()}}},
      {"payload", "xgboost.json"}};
  STRATA_ASSIGN_OR_RETURN(std::filesystem::path staging, models.StagingDir(o.name));
  StagingGuard guard{staging};
  std::error_code ec;
  std::filesystem::create_directories(staging, ec);
  if (ec)
    return InternalError(fmt::format("cannot create '{}': {}", staging.string(), ec.message()));
  STRATA_RETURN_IF_ERROR(core::WriteFileAtomic(staging / "xgboost.json", bytes));
  ModelVersion mv = VersionFromModelJson(o.name, mj);
  mv.hyperparameters = {{"objective", objective}};
  STRATA_RETURN_IF_ERROR(StageAndRegister(models, staging, mj, &mv));
  guard.dir.clear();
  return mv;
}

}  // namespace strata::platform
