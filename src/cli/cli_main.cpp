// The argument parser (CLI11, kept to this one translation unit: it is slow to
// compile). Commands mirror API.md: `strata <noun> <verb>`.
#include <CLI/CLI.hpp>

#include "cli/cli.h"
#include "cli/commands.h"

namespace strata::cli {
namespace {

// Registers the global flags, each bound to the config setting of the same name.
void AddGlobalFlags(CLI::App& app, GlobalFlags& g, std::map<std::string, std::string>& raw) {
  for (const char* name : {"server", "data_dir", "config", "log_format", "log_level"}) {
    const core::SettingSpec* spec = core::FindSetting(name);
    std::string flag = core::FlagFor(name);
    app.add_option_function<std::string>(
           flag, [&raw, name](const std::string& v) { raw[name] = v; },
           std::string(spec->help) + " [env " + core::EnvVarFor(name) + "]")
        ->option_text("TEXT");
  }
  app.add_option("-o,--output", g.output, "output format: table or json (default: table on a terminal)");
}

}  // namespace

int RunCli(int argc, char** argv) {
  CLI::App app{"Strata: a self-hosted AI platform"};
  app.require_subcommand(1);
  app.fallthrough();  // global flags may follow the subcommand: `strata jobs list --server URL`
  app.set_version_flag("--version", std::string("strata ") + std::string(core::Version()) +
                                        " (commit " + std::string(core::GitCommit()) + ")");
  GlobalFlags g;
  std::map<std::string, std::string> raw;
  AddGlobalFlags(app, g, raw);
  std::function<int()> run;

  // strata version
  app.add_subcommand("version", "print the version and the commit it was built from")
      ->callback([&] { run = [&] { return CmdVersion(g); }; });

  // strata server
  auto* server = app.add_subcommand("server", "run the HTTP API, the web console and the job scheduler");
  for (const char* name : {"host", "port", "max_jobs", "sample_data"}) {
    server->add_option_function<std::string>(
        core::FlagFor(name), [&raw, name](const std::string& v) { raw[name] = v; },
        std::string(core::FindSetting(name)->help));
  }
  server->callback([&] { run = [&] { return CmdServer(g); }; });

  // strata worker (started by the scheduler)
  std::string worker_job;
  auto* worker = app.add_subcommand("worker", "run one job (started by the server's scheduler)");
  worker->add_option("--job", worker_job, "job id")->required();
  worker->group("");  // internal: hidden from help
  worker->callback([&] { run = [&] { return CmdWorker(g, worker_job); }; });

  // strata config show
  auto* config = app.add_subcommand("config", "configuration")->require_subcommand(1);
  config->add_subcommand("show", "every setting with its value and where it came from")
      ->callback([&] { run = [&] { return CmdConfigShow(g); }; });

  // strata datasets ...
  auto* datasets = app.add_subcommand("datasets", "import, inspect and manage datasets")->require_subcommand(1);
  DatasetsImportArgs import_args;
  auto* import = datasets->add_subcommand("import", "import a CSV, TSV or JSON Lines file (a new version if the name exists)");
  import->add_option("file", import_args.file, "the file to import")->required();
  import->add_option("--name", import_args.name, "dataset name (default: the file name without extension)");
  import->add_option("--format", import_args.format, "csv, tsv or jsonl (default: from the extension)");
  import->add_option("--separator", import_args.separator, "field separator (CSV default ',', TSV tab)");
  import->add_flag("--no-header", import_args.no_header, "the first line is data; columns are named col_1, col_2, ...");
  import->add_option("--on-error", import_args.on_error, "fail (default) or skip: skip bad rows and count them");
  import->add_option("--type", import_args.types, "override a column's type: column=float|int|bool|category|text|timestamp");
  import->add_option("--null-token", import_args.null_tokens, "a value read as null (repeat; replaces the defaults)");
  import->callback([&] { run = [&] { return CmdDatasetsImport(g, import_args); }; });

  int list_limit = 100;
  auto* ds_list = datasets->add_subcommand("list", "list datasets (latest versions)");
  ds_list->add_option("--limit", list_limit, "datasets per page (1..1000)")->check(CLI::Range(1, 1000));
  ds_list->callback([&] { run = [&] { return CmdDatasetsList(g, list_limit); }; });

  std::string dataset_name;
  int64_t dataset_version = 0, head_rows = 10, head_offset = 0;
  auto* ds_show = datasets->add_subcommand("show", "a dataset's schema and size");
  ds_show->add_option("name", dataset_name, "dataset name")->required();
  ds_show->add_option("--version", dataset_version, "version (default: latest)");
  ds_show->callback([&] { run = [&] { return CmdDatasetsShow(g, dataset_name, dataset_version); }; });

  auto* ds_head = datasets->add_subcommand("head", "the first rows of a dataset");
  ds_head->add_option("name", dataset_name, "dataset name")->required();
  ds_head->add_option("-n,--rows", head_rows, "how many rows (1..10000)")->check(CLI::Range(1, 10000));
  ds_head->add_option("--offset", head_offset, "first row")->check(CLI::NonNegativeNumber);
  ds_head->add_option("--version", dataset_version, "version (default: latest)");
  ds_head->callback([&] { run = [&] { return CmdDatasetsHead(g, dataset_name, head_rows, head_offset, dataset_version); }; });

  DatasetsProfileArgs profile_args;
  auto* ds_profile = datasets->add_subcommand("profile", "statistics, distributions, correlations and warnings");
  ds_profile->add_option("name", profile_args.name, "dataset name")->required();
  ds_profile->add_option("--target", profile_args.target, "the column to predict: class balance, leakage checks");
  ds_profile->add_option("--html", profile_args.html, "write a self-contained HTML report with charts to this file");
  ds_profile->add_option("--version", profile_args.version, "version (default: latest)");
  ds_profile->callback([&] { run = [&] { return CmdDatasetsProfile(g, profile_args); }; });

  DatasetsSplitArgs split_args;
  auto* ds_split = datasets->add_subcommand("split", "split into new datasets <name>-<part> (default train 0.8, test 0.2)");
  ds_split->add_option("name", split_args.name, "dataset name")->required();
  ds_split->add_option("--fraction", split_args.fractions, "part=share, repeated; shares add up to 1");
  ds_split->add_option("--stratify-by", split_args.stratify_by, "keep this column's class shares in every part");
  ds_split->add_option("--time-column", split_args.time_column, "earlier rows go to earlier parts");
  ds_split->add_option("--seed", split_args.seed, "random seed (same seed, same split)");
  ds_split->add_option("--prefix", split_args.prefix, "name the parts <prefix>-<part>");
  ds_split->add_option("--version", split_args.version, "version to split (default: latest)");
  ds_split->callback([&] { run = [&] { return CmdDatasetsSplit(g, split_args); }; });

  int64_t sample_n = 10, sample_seed = 1;
  auto* ds_sample = datasets->add_subcommand("sample", "random rows of a dataset");
  ds_sample->add_option("name", dataset_name, "dataset name")->required();
  ds_sample->add_option("-n,--rows", sample_n, "how many rows (1..10000)")->check(CLI::Range(1, 10000));
  ds_sample->add_option("--seed", sample_seed, "random seed");
  ds_sample->callback([&] { run = [&] { return CmdDatasetsSample(g, dataset_name, sample_n, sample_seed); }; });

  auto* ds_delete = datasets->add_subcommand("delete", "delete a dataset and all its versions");
  ds_delete->add_option("name", dataset_name, "dataset name")->required();
  ds_delete->callback([&] { run = [&] { return CmdDatasetsDelete(g, dataset_name); }; });

  // strata cluster-sweep
  ClusterSweepArgs sweep_args;
  auto* sweep = app.add_subcommand("cluster-sweep", "k-means inertia (elbow) and silhouette for each k of a range");
  sweep->add_option("--dataset", sweep_args.dataset, "dataset to cluster")->required();
  sweep->add_option("--k", sweep_args.k, "range of k, MIN:MAX (default 2:10; at most 50 values)");
  sweep->add_option("--dataset-version", sweep_args.dataset_version, "dataset version (default: latest)");
  sweep->add_option("--sample", sweep_args.sample, "rows sampled from the dataset (default 20000, at most 200000)");
  sweep->add_option("--seed", sweep_args.seed, "random seed of the sample and of k-means (default 1)");
  sweep->add_option("--preprocessing", sweep_args.preprocessing,
                    "recipe options as in training, JSON (numeric features standardized by default)");
  sweep->add_option("--hp", sweep_args.hyperparameters, "other kmeans hyperparameter name=value (repeat)");
  sweep->add_option("--html", sweep_args.html, "write a self-contained HTML report (elbow and silhouette charts)");
  sweep->callback([&] { run = [&] { return CmdClusterSweep(g, sweep_args); }; });

  // strata train
  TrainArgs train_args;
  auto* train = app.add_subcommand("train", "train a model on a dataset (a training job)");
  train->add_option("--dataset", train_args.dataset, "dataset to learn from")->required();
  train->add_option("--target", train_args.target, "column to predict (unsupervised algorithms: none; anomaly: optional labels)");
  train->add_option("--algorithm", train_args.algorithm, "algorithm (strata: GET /api/v1/algorithms)");
  train->add_option("--hp", train_args.hyperparameters, "hyperparameter name=value (repeat)");
  train->add_option("--name", train_args.name, "training job name (default: generated)");
  train->add_option("--model", train_args.model, "model name (default: <dataset>-<target>)");
  train->add_option("--validation-fraction", train_args.validation_fraction, "held-out share (default 0.2)");
  train->add_option("--validation-dataset", train_args.validation_dataset, "validate on this dataset instead");
  train->add_option("--preprocessing", train_args.preprocessing, "preprocessing options as JSON");
  train->add_option("--problem", train_args.problem, "binary_classification, multiclass_classification or regression (default: from the target; unsupervised algorithms have one)");
  train->add_option("--class-weight", train_args.class_weight, "none (default) or balanced");
  train->add_option("--text-column", train_args.text_column,
                    "the text column text algorithms read (default: the dataset's only text column)");
  train->add_option("--facet", train_args.facet, "measure bias between this column's groups (see strata bias)");
  train->add_option("--positive", train_args.positive, "the positive class of the target, for bias (with --facet)");
  train->add_flag("--wait", train_args.wait, "wait for the job, with a progress bar, and print the model");
  train->callback([&] { run = [&] { return CmdTrain(g, train_args); }; });

  // strata bias
  BiasArgs bias_args;
  auto* bias = app.add_subcommand("bias", "bias (fairness) metrics between the groups of a facet column");
  bias->add_option("--dataset", bias_args.dataset, "dataset to measure")->required();
  bias->add_option("--dataset-version", bias_args.dataset_version, "dataset version (default: latest)");
  bias->add_option("--target", bias_args.target, "label column (default: the model's target)");
  bias->add_option("--facet", bias_args.facet, "column whose groups are compared (e.g. sex, age)")->required();
  bias->add_option("--positive", bias_args.positive, "the positive class (default: true for bool, 1 for 0/1 labels)");
  bias->add_option("--facet-value", bias_args.facet_value, "report this facet value against the rest (default: every value)");
  bias->add_option("--facet-threshold", bias_args.facet_threshold, "numeric facet: compare > T with <= T");
  bias->add_option("--model", bias_args.model, "model whose predictions get post-training metrics");
  bias->add_option("--version", bias_args.version, "model version: a number or an alias (default: latest)");
  bias->add_option("--html", bias_args.html, "write a self-contained HTML report with charts to this file");
  bias->callback([&] { run = [&] { return CmdBias(g, bias_args); }; });

  // strata models ...
  auto* models = app.add_subcommand("models", "the model registry")->require_subcommand(1);
  models->add_subcommand("list", "models, latest versions")->callback([&] { run = [&] { return CmdModelsList(g); }; });
  std::string model_name, model_version_ref, model_alias, compare_sort;
  int64_t alias_version = 0;
  auto* model_show = models->add_subcommand("show", "a model's versions and aliases, or one version");
  model_show->add_option("model", model_name, "model name")->required();
  model_show->add_option("--version", model_version_ref, "one version in full: a number or an alias");
  model_show->callback([&] { run = [&] { return CmdModelsShow(g, model_name, model_version_ref); }; });
  auto* model_alias_cmd = models->add_subcommand("alias", "point an alias (production, staging, ...) at a version");
  model_alias_cmd->add_option("model", model_name, "model name")->required();
  model_alias_cmd->add_option("alias", model_alias, "alias name")->required();
  model_alias_cmd->add_option("version", alias_version, "version number")->required();
  model_alias_cmd->callback([&] { run = [&] { return CmdModelsAlias(g, model_name, model_alias, alias_version); }; });
  auto* model_compare = models->add_subcommand("compare", "versions side by side: differing hyperparameters and metrics");
  model_compare->add_option("model", model_name, "model name")->required();
  model_compare->add_option("--sort", compare_sort, "metric to sort by, best first (e.g. roc_auc, rmse)");
  model_compare->callback([&] { run = [&] { return CmdModelsCompare(g, model_name, compare_sort); }; });
  ModelsEvaluateArgs eval_args;
  auto* model_eval = models->add_subcommand("evaluate", "metrics of a version on a dataset, with an HTML report");
  model_eval->add_option("model", eval_args.model, "model name")->required();
  model_eval->add_option("version", eval_args.version, "version: a number or an alias")->required();
  model_eval->add_option("--dataset", eval_args.dataset, "dataset with the model's target column")->required();
  model_eval->add_option("--dataset-version", eval_args.dataset_version, "dataset version (default: latest)");
  model_eval->add_option("--threshold", eval_args.threshold, "decision threshold of a binary classifier")
      ->check(CLI::Range(0.0, 1.0));
  model_eval->add_option("--html", eval_args.html, "write a self-contained HTML report with charts to this file");
  model_eval->callback([&] { run = [&] { return CmdModelsEvaluate(g, eval_args); }; });
  ModelsExplainArgs explain_args;
  auto* model_explain = models->add_subcommand(
      "explain", "per-row contributions of each input column to predictions (SHAP values)");
  model_explain->add_option("model", explain_args.model, "model name")->required();
  model_explain->add_option("version", explain_args.version, "version: a number or an alias")
      ->required();
  auto* explain_dataset =
      model_explain->add_option("--dataset", explain_args.dataset, "explain rows of this dataset");
  model_explain->add_option("--dataset-version", explain_args.dataset_version,
                            "dataset version (default: latest)");
  model_explain->add_option("--offset", explain_args.offset, "first dataset row (default 0)")
      ->check(CLI::NonNegativeNumber);
  model_explain
      ->add_option("--limit", explain_args.limit,
                   "dataset rows to explain (default 100, at most 10000)")
      ->check(CLI::Range(1, 10000));
  auto* explain_data = model_explain->add_option(
      "--data", explain_args.data, "rows as JSON (a list of rows, or {\"rows\": [...]}) or @file");
  explain_dataset->excludes(explain_data);
  model_explain
      ->add_option("--top", explain_args.top,
                   "columns shown in the table, by |contribution| (default 6)")
      ->check(CLI::Range(1, 100));
  model_explain->callback([&] { run = [&] { return CmdModelsExplain(g, explain_args); }; });
  std::string export_file;
  auto* model_export = models->add_subcommand("export", "write a version as a .tar.gz (model.json and the model file)");
  model_export->add_option("model", model_name, "model name")->required();
  model_export->add_option("version", model_version_ref, "version: a number or an alias")->required();
  model_export->add_option("--output-file,-f", export_file, "the archive to write (F.tar.gz)")->required();
  model_export->callback([&] { run = [&] { return CmdModelsExport(g, model_name, model_version_ref, export_file); }; });
  ModelsImportArgs model_import_args;
  auto* model_import = models->add_subcommand("import", "register an exported archive as a new version");
  model_import->add_option("file", model_import_args.file, "the .tar.gz written by `strata models export`")->required();
  model_import->add_option("--name", model_import_args.name, "model name (default: the one it was exported from)");
  model_import->callback([&] { run = [&] { return CmdModelsImport(g, model_import_args); }; });
  ModelsImportArgs xgb_args;
  xgb_args.format = "xgboost";
  auto* model_import_xgb = models->add_subcommand(
      "import-xgboost", "register an XGBoost JSON model (Booster.save_model('m.json')) trained elsewhere");
  model_import_xgb->add_option("file", xgb_args.file, "the XGBoost model, JSON format")->required();
  model_import_xgb->add_option("--name", xgb_args.name, "model name")->required();
  model_import_xgb->add_option("--features", xgb_args.features,
                               "input column names in the model's feature order (default: the booster's)")
      ->delimiter(',');
  model_import_xgb->add_option("--classes", xgb_args.classes, "class names in class-index order (default: 0,1,...)")
      ->delimiter(',');
  model_import_xgb->add_option("--target", xgb_args.target, "the target column's name, for evaluation (default: target)");
  model_import_xgb->callback([&] { run = [&] { return CmdModelsImport(g, xgb_args); }; });

  // strata jobs ...
  auto* jobs = app.add_subcommand("jobs", "long operations: list, inspect, follow and stop them")
                   ->require_subcommand(1);
  JobsListArgs list_args;
  auto* list = jobs->add_subcommand("list", "list jobs, newest first");
  list->add_option("--status", list_args.status, "only jobs in this state (Pending, InProgress, ...)");
  list->add_option("--type", list_args.type, "only jobs of this type");
  list->add_option("--limit", list_args.limit, "jobs per page (1..1000)")->check(CLI::Range(1, 1000));
  list->add_flag("--all", list_args.all, "fetch every page");
  list->callback([&] { run = [&] { return CmdJobsList(g, list_args); }; });

  std::string job_ref;
  bool follow = false;
  auto* show = jobs->add_subcommand("show", "show one job");
  show->add_option("job", job_ref, "job name or id")->required();
  show->callback([&] { run = [&] { return CmdJobsShow(g, job_ref); }; });

  auto* logs = jobs->add_subcommand("logs", "print a job's log");
  logs->add_option("job", job_ref, "job name or id")->required();
  logs->add_flag("-f,--follow", follow, "keep printing as the job writes, until it ends");
  logs->callback([&] { run = [&] { return CmdJobsLogs(g, job_ref, follow); }; });

  auto* stop = jobs->add_subcommand("stop", "ask a job to stop");
  stop->add_option("job", job_ref, "job name or id")->required();
  stop->callback([&] { run = [&] { return CmdJobsStop(g, job_ref); }; });

  JobsSubmitArgs submit_args;
  auto* submit = jobs->add_subcommand("submit", "submit a job of a built-in type (sleep, echo)");
  submit->add_option("type", submit_args.type, "job type")->required();
  submit->add_option("--name", submit_args.name, "job name (default: generated)");
  submit->add_option("-p,--param", submit_args.params, "parameter key=value (value may be JSON)");
  submit->add_option("--params", submit_args.params_json, "parameters as a JSON object");
  submit->add_flag("--wait", submit_args.wait, "wait for the job to end, with a progress bar");
  submit->callback([&] { run = [&] { return CmdJobsSubmit(g, submit_args); }; });

  // strata endpoints ...
  auto* endpoints = app.add_subcommand("endpoints", "real-time endpoints serving model versions")->require_subcommand(1);
  EndpointArgs ep_args;
  for (const char* verb : {"create", "update"}) {
    const bool create = std::string(verb) == "create";
    auto* cmd = endpoints->add_subcommand(verb, create ? "deploy a model version behind a named endpoint"
                                                       : "hot-swap an endpoint's model, variants or limits (no failed requests)");
    cmd->add_option("name", ep_args.name, "endpoint name")->required();
    cmd->add_option("--model", ep_args.model, "model name (one variant)");
    cmd->add_option("--version", ep_args.version, "model version (default: latest)");
    cmd->add_option("--alias", ep_args.alias, "model alias, resolved now (e.g. production)");
    cmd->add_option("--variants", ep_args.variants, "variants as JSON or @file: [{name, model, version|alias, weight, shadow}]");
    cmd->add_option("--capture-rate", ep_args.capture_rate, "fraction of requests captured to the object store (0..1)");
    cmd->add_option("--max-rows", ep_args.max_rows, "rows per request (413 past it)");
    cmd->add_option("--max-concurrency", ep_args.max_concurrency, "requests in flight (429 past it)");
    cmd->callback([&, create] { run = [&, create] { return create ? CmdEndpointsCreate(g, ep_args) : CmdEndpointsUpdate(g, ep_args); }; });
  }
  endpoints->add_subcommand("list", "endpoints and what they serve")->callback([&] { run = [&] { return CmdEndpointsList(g); }; });
  std::string endpoint_name;
  auto* ep_show = endpoints->add_subcommand("show", "one endpoint");
  ep_show->add_option("name", endpoint_name, "endpoint name")->required();
  ep_show->callback([&] { run = [&] { return CmdEndpointsShow(g, endpoint_name); }; });
  auto* ep_delete = endpoints->add_subcommand("delete", "delete an endpoint");
  ep_delete->add_option("name", endpoint_name, "endpoint name")->required();
  ep_delete->callback([&] { run = [&] { return CmdEndpointsDelete(g, endpoint_name); }; });
  EndpointInvokeArgs invoke_args;
  auto* ep_invoke = endpoints->add_subcommand("invoke", "predict with an endpoint");
  ep_invoke->add_option("name", invoke_args.name, "endpoint name")->required();
  ep_invoke->add_option("--data", invoke_args.data, "JSON ({\"instances\": [...]} or a list of rows), CSV rows, or @file")->required();
  ep_invoke->add_option("--content-type", invoke_args.content_type, "application/json (default) or text/csv");
  ep_invoke->callback([&] { run = [&] { return CmdEndpointsInvoke(g, invoke_args); }; });

  // strata transform
  TransformArgs tf_args;
  auto* transform = app.add_subcommand("transform", "batch transform: predict a whole dataset or file (a job)");
  transform->add_option("--model", tf_args.model, "model name")->required();
  transform->add_option("--version", tf_args.version, "model version (default: latest)");
  transform->add_option("--alias", tf_args.alias, "model alias (e.g. production)");
  transform->add_option("--dataset", tf_args.dataset, "dataset to predict");
  transform->add_option("--input", tf_args.input, "or a CSV/TSV/JSONL file to predict");
  // API.md names the file flag --output, like the global format flag: here a value of
  // "json" or "table" still means the format (use -o for the format to be explicit).
  transform->add_option("--output,--output-file", tf_args.output, "write the predictions to this CSV file");
  transform->add_option("--output-dataset", tf_args.output_dataset, "store the predictions as this dataset (default: <input>-predictions when no --output)");
  transform->add_option("--id-column", tf_args.id_column, "keep only these input columns beside the predictions (repeat, or a,b)")
      ->delimiter(',');
  transform->add_option("--name", tf_args.name, "job name (default: generated)");
  transform->add_flag("--wait", tf_args.wait, "wait for the job, with a progress bar");
  transform->callback([&] { run = [&] { return CmdTransform(g, tf_args); }; });

  // strata llm ... (engine tools on a local GGUF file)
  auto* llm = app.add_subcommand("llm", "run, inspect and measure GGUF language models on this machine")
                  ->require_subcommand(1);
  std::string llm_model;
  auto* llm_info = llm->add_subcommand("info", "architecture, size, tensor types, tokenizer and kernels");
  llm_info->add_option("model", llm_model, "GGUF file")->required()->check(CLI::ExistingFile);
  llm_info->callback([&] { run = [&] { return CmdLlmInfo(g, llm_model); }; });

  LlmTokenizeArgs tok_args;
  auto* llm_tok = llm->add_subcommand("tokenize", "the token ids (and pieces) of a text");
  llm_tok->add_option("model", tok_args.model, "GGUF file")->required()->check(CLI::ExistingFile);
  llm_tok->add_option("text", tok_args.text, "text to tokenize")->required();
  llm_tok->add_flag("--no-bos", tok_args.no_bos, "do not add the BOS token");
  llm_tok->add_flag("--parse-special", tok_args.parse_special, "read special-token text (<|im_start|>) as those tokens");
  llm_tok->callback([&] { run = [&] { return CmdLlmTokenize(g, tok_args); }; });

  LlmLogitsArgs logits_args;
  auto* llm_logits = llm->add_subcommand("logits", "the top logits after the last prompt token");
  llm_logits->add_option("model", logits_args.model, "GGUF file")->required()->check(CLI::ExistingFile);
  llm_logits->add_option("-p,--prompt", logits_args.prompt, "prompt text")->required();
  llm_logits->add_option("--top", logits_args.top, "how many (default 10)")->check(CLI::Range(1, 1000000));
  llm_logits->add_option("-t,--threads", logits_args.threads, "threads (default: all cores)");
  llm_logits->add_flag("--no-bos", logits_args.no_bos, "do not add the BOS token");
  llm_logits->add_flag("--parse-special", logits_args.parse_special, "read special-token text as those tokens");
  llm_logits->callback([&] { run = [&] { return CmdLlmLogits(g, logits_args); }; });

  LlmRunArgs run_args;
  auto* llm_run = llm->add_subcommand("run", "generate text from a prompt (streams on a terminal)");
  llm_run->add_option("model", run_args.model, "GGUF file")->required()->check(CLI::ExistingFile);
  llm_run->add_option("-p,--prompt", run_args.prompt, "prompt text")->required();
  llm_run->add_option("-n,--n-predict", run_args.n_predict, "tokens to generate (default 128)")->check(CLI::Range(0, 1000000));
  llm_run->add_option("--temp", run_args.temperature, "temperature; 0 = greedy (default 0.8)");
  llm_run->add_option("--top-k", run_args.top_k, "top-k, 0 = off (default 40)");
  llm_run->add_option("--top-p", run_args.top_p, "top-p, 1 = off (default 0.95)");
  llm_run->add_option("--min-p", run_args.min_p, "min-p, 0 = off (default 0.05)");
  llm_run->add_option("--repeat-penalty", run_args.repeat_penalty, "repetition penalty, 1 = off (default 1)");
  llm_run->add_option("-s,--seed", run_args.seed, "random seed (default 0)");
  llm_run->add_option("--stop", run_args.stop, "stop string (repeat)");
  llm_run->add_option("-c,--ctx", run_args.ctx, "context size (default: prompt + n-predict)");
  llm_run->add_option("-t,--threads", run_args.threads, "threads (default: all cores)");
  llm_run->add_flag("--no-bos", run_args.no_bos, "do not add the BOS token");
  llm_run->add_flag("--parse-special", run_args.parse_special, "read special-token text as those tokens");
  llm_run->add_flag("--ignore-eos", run_args.ignore_eos, "keep generating past end-of-generation tokens");
  llm_run->add_flag("--chat", run_args.chat, "treat the prompt as a user message in the model's chat template");
  llm_run->add_option("--system", run_args.system, "system message (with --chat)");
  llm_run->callback([&] { run = [&] { return CmdLlmRun(g, run_args); }; });

  LlmPerplexityArgs ppl_args;
  auto* llm_ppl = llm->add_subcommand("perplexity", "perplexity on a text file (chunks of --ctx, second halves scored)");
  llm_ppl->add_option("model", ppl_args.model, "GGUF file")->required()->check(CLI::ExistingFile);
  llm_ppl->add_option("file", ppl_args.file, "UTF-8 text file")->required()->check(CLI::ExistingFile);
  llm_ppl->add_option("-c,--ctx", ppl_args.ctx, "chunk size in tokens (default 512)");
  llm_ppl->add_option("-t,--threads", ppl_args.threads, "threads (default: all cores)");
  llm_ppl->callback([&] { run = [&] { return CmdLlmPerplexity(g, ppl_args); }; });

  LlmBenchArgs bench_args;
  auto* llm_bench = llm->add_subcommand("bench", "prompt-processing and generation speed");
  llm_bench->add_option("model", bench_args.model, "GGUF file")->required()->check(CLI::ExistingFile);
  llm_bench->add_option("-p,--n-prompt", bench_args.n_prompt, "prompt tokens (default 512)")->check(CLI::Range(1, 1 << 20));
  llm_bench->add_option("-n,--n-gen", bench_args.n_gen, "generated tokens (default 128)")->check(CLI::Range(1, 1 << 20));
  llm_bench->add_option("-t,--threads", bench_args.threads, "threads (default: all cores)");
  llm_bench->add_option("-r,--repetitions", bench_args.repetitions, "runs; the best is reported (default 1)")->check(CLI::Range(1, 100));
  llm_bench->callback([&] { run = [&] { return CmdLlmBench(g, bench_args); }; });

  LlmSynthArgs synth_args;
  auto* llm_synth = llm->add_subcommand("synth", "write a random-weight llama model of a chosen size (for benchmarks)");
  llm_synth->add_option("output", synth_args.output, "GGUF file to write")->required();
  llm_synth->add_option("--vocab", synth_args.vocab, "GGUF whose tokenizer is copied (a vocabulary file)")->required()->check(CLI::ExistingFile);
  llm_synth->add_option("--type", synth_args.type, "tensor type of the 2-D weights (default Q4_K)");
  llm_synth->add_option("--layers", synth_args.layers, "blocks (default 16)")->check(CLI::Range(1, 256));
  llm_synth->add_option("--embd", synth_args.embd, "embedding size (default 2048)")->check(CLI::Range(32, 65536));
  llm_synth->add_option("--ff", synth_args.ff, "feed-forward size (default 8192)")->check(CLI::Range(32, 262144));
  llm_synth->add_option("--heads", synth_args.heads, "attention heads (default 32)")->check(CLI::Range(1, 1024));
  llm_synth->add_option("--kv-heads", synth_args.kv_heads, "key/value heads (default 8)")->check(CLI::Range(1, 1024));
  llm_synth->add_option("--seed", synth_args.seed, "random seed");
  llm_synth->callback([&] { run = [&] { return CmdLlmSynth(g, synth_args); }; });

  LlmQuantizeArgs quant_args;
  auto* llm_quant = llm->add_subcommand("quantize", "re-encode a model's weights as another tensor type");
  llm_quant->add_option("input", quant_args.input, "GGUF file")->required()->check(CLI::ExistingFile);
  llm_quant->add_option("output", quant_args.output, "GGUF file to write")->required();
  llm_quant->add_option("type", quant_args.type, "F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K..Q6_K")->required();
  llm_quant->callback([&] { run = [&] { return CmdLlmQuantize(g, quant_args); }; });

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }
  g.settings = raw;
  return run ? run() : 2;
}

}  // namespace strata::cli
