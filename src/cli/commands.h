#pragma once
// The CLI's commands, one function each, called by the argument parser in
// cli_main.cpp. Each returns the process exit code (API.md: 0 success, 1 failed
// operation, 2 usage error).

#include <cmath>
#include <string>
#include <vector>

#include "cli/session.h"

namespace strata::cli {

struct JobsListArgs {
  std::string status, type;
  int limit = 100;
  bool all = false;
};
struct JobsSubmitArgs {
  std::string type, name, params_json;
  std::vector<std::string> params;  // k=v; v parsed as JSON when it is JSON
  bool wait = false;
};

struct DatasetsImportArgs {
  std::string file, name, format, separator, on_error;
  bool no_header = false;
  std::vector<std::string> types;        // column=type
  std::vector<std::string> null_tokens;  // replaces the default list
};

struct DatasetsProfileArgs {
  std::string name, target, html;
  int64_t version = 0;
};

struct DatasetsSplitArgs {
  std::string name, stratify_by, time_column, prefix;
  std::vector<std::string> fractions;  // part=share
  int64_t seed = 1, version = 0;
};
int CmdDatasetsSplit(const GlobalFlags& g, const DatasetsSplitArgs& a);
int CmdDatasetsSample(const GlobalFlags& g, const std::string& name, int64_t n, int64_t seed);
int CmdDatasetsProfile(const GlobalFlags& g, const DatasetsProfileArgs& a);
int CmdDatasetsImport(const GlobalFlags& g, const DatasetsImportArgs& a);
int CmdDatasetsList(const GlobalFlags& g, int limit);
int CmdDatasetsShow(const GlobalFlags& g, const std::string& name, int64_t version);
int CmdDatasetsHead(const GlobalFlags& g, const std::string& name, int64_t rows, int64_t offset, int64_t version);
int CmdDatasetsDelete(const GlobalFlags& g, const std::string& name);

struct TrainArgs {
  std::string dataset, target, algorithm = "xgboost", name, model, validation_dataset, preprocessing, problem,
      class_weight, facet, positive, text_column;
  std::vector<std::string> hyperparameters;  // name=value
  double validation_fraction = 0;
  bool wait = false;
};
int CmdTrain(const GlobalFlags& g, const TrainArgs& a);
int CmdModelsList(const GlobalFlags& g);
int CmdModelsShow(const GlobalFlags& g, const std::string& name, const std::string& version);
int CmdModelsAlias(const GlobalFlags& g, const std::string& name, const std::string& alias, int64_t version);
int CmdModelsCompare(const GlobalFlags& g, const std::string& name, const std::string& sort);

// model_registry_commands.cpp: evaluate, export, import.
struct ModelsEvaluateArgs {
  std::string model, version, dataset, html;
  int64_t dataset_version = 0;
  double threshold = -1;  // < 0: the model's
};
int CmdModelsEvaluate(const GlobalFlags& g, const ModelsEvaluateArgs& a);
// model_explain_command.cpp: per-row contributions (SHAP values).
struct ModelsExplainArgs {
  std::string model, version, dataset, data;           // data: JSON rows or @file
  int64_t dataset_version = 0, offset = 0, limit = 0;  // limit 0: the server's default
  int top = 6;                                         // columns shown in the table
};
int CmdModelsExplain(const GlobalFlags& g, const ModelsExplainArgs& a);
int CmdModelsExport(const GlobalFlags& g, const std::string& model, const std::string& version,
                    const std::string& output_file);
struct ModelsImportArgs {
  std::string file, name, format = "archive", target;
  std::vector<std::string> features, classes;  // format xgboost
};
int CmdModelsImport(const GlobalFlags& g, const ModelsImportArgs& a);

// cluster_commands.cpp: the k-means elbow/silhouette sweep.
struct ClusterSweepArgs {
  std::string dataset, k = "2:10", preprocessing, html;
  std::vector<std::string> hyperparameters;  // other kmeans hyperparameters, name=value
  int64_t dataset_version = 0, sample = 0, seed = -1;  // 0 / -1: the server's default
};
int CmdClusterSweep(const GlobalFlags& g, const ClusterSweepArgs& a);

// bias_commands.cpp: `strata bias`, and the tables of a bias report (also the one a
// training job with a facet measures).
struct BiasArgs {
  std::string dataset, target, facet, positive, facet_value, model, version, html;
  int64_t dataset_version = 0;
  double facet_threshold = NAN;  // NaN: not given
};
int CmdBias(const GlobalFlags& g, const BiasArgs& a);
std::string RenderBias(const Json& report);

int CmdJobsList(const GlobalFlags& g, const JobsListArgs& a);
int CmdJobsShow(const GlobalFlags& g, const std::string& job);
int CmdJobsLogs(const GlobalFlags& g, const std::string& job, bool follow);
int CmdJobsStop(const GlobalFlags& g, const std::string& job);
int CmdJobsSubmit(const GlobalFlags& g, const JobsSubmitArgs& a);

int CmdServer(const GlobalFlags& g);
int CmdWorker(const GlobalFlags& g, const std::string& job_id);
int CmdConfigShow(const GlobalFlags& g);
int CmdVersion(const GlobalFlags& g);

// Shared by commands that start a job: polls it until it ends, with a progress bar on
// a terminal. Returns the final job.
Result<Json> WaitForJob(Session& session, const std::string& job_id);
// Exit code for a finished job: 0 Completed, 1 otherwise (failure reason on stderr).
int JobExitCode(const Json& job);

// strata endpoints ... (endpoint_commands.cpp)
struct EndpointArgs {
  std::string name, model, version, alias, variants;  // variants: JSON or @file
  double capture_rate = -1;                           // < 0: unchanged / default
  int64_t max_rows = 0, max_concurrency = 0;          // 0: unchanged / default
};
struct EndpointInvokeArgs {
  std::string name, data, content_type;  // data: JSON, CSV, or @file
};
int CmdEndpointsCreate(const GlobalFlags& g, const EndpointArgs& a);
int CmdEndpointsUpdate(const GlobalFlags& g, const EndpointArgs& a);
int CmdEndpointsList(const GlobalFlags& g);
int CmdEndpointsShow(const GlobalFlags& g, const std::string& name);
int CmdEndpointsDelete(const GlobalFlags& g, const std::string& name);
int CmdEndpointsInvoke(const GlobalFlags& g, const EndpointInvokeArgs& a);
struct TransformArgs {
  std::string name, model, version, alias, dataset, input, output, output_dataset;
  std::vector<std::string> id_column;
  bool wait = false;
};
int CmdTransform(const GlobalFlags& g, const TransformArgs& a);

// strata llm ... (llm_commands.cpp): engine tools on a local GGUF file.
struct LlmTokenizeArgs {
  std::string model, text;
  bool no_bos = false, parse_special = false;
};
struct LlmLogitsArgs {
  std::string model, prompt;
  int top = 10, threads = 0;
  bool no_bos = false, parse_special = false;
};
struct LlmRunArgs {
  std::string model, prompt, system;
  bool chat = false;  // the prompt is a user message, rendered by the chat template
  int n_predict = 128, threads = 0, ctx = 0, top_k = 40;
  float temperature = 0.8f, top_p = 0.95f, min_p = 0.05f, repeat_penalty = 1.0f;
  uint64_t seed = 0;
  std::vector<std::string> stop;
  bool no_bos = false, parse_special = false, ignore_eos = false;
};
struct LlmPerplexityArgs {
  std::string model, file;
  int ctx = 512, threads = 0;
};
struct LlmBenchArgs {
  std::string model;
  int n_prompt = 512, n_gen = 128, threads = 0, repetitions = 1;
};
struct LlmQuantizeArgs {
  std::string input, output, type;
};
struct LlmSynthArgs {
  std::string output, type = "Q4_K", vocab;
  int layers = 16, embd = 2048, ff = 8192, heads = 32, kv_heads = 8;
  uint64_t seed = 1;
};
int CmdLlmSynth(const GlobalFlags& g, const LlmSynthArgs& a);
int CmdLlmInfo(const GlobalFlags& g, const std::string& model);
int CmdLlmTokenize(const GlobalFlags& g, const LlmTokenizeArgs& a);
int CmdLlmLogits(const GlobalFlags& g, const LlmLogitsArgs& a);
int CmdLlmRun(const GlobalFlags& g, const LlmRunArgs& a);
int CmdLlmPerplexity(const GlobalFlags& g, const LlmPerplexityArgs& a);
int CmdLlmBench(const GlobalFlags& g, const LlmBenchArgs& a);
int CmdLlmQuantize(const GlobalFlags& g, const LlmQuantizeArgs& a);

}  // namespace strata::cli
