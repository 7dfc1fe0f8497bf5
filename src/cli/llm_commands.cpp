// `strata llm ...`: the LLM engine's tools on a local GGUF file (inspect, tokenize, run,
// logits, perplexity, bench, quantize). They work on files, not on the catalog, so they
// call genai/ directly instead of going through the API.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>
#include <random>

#include <fmt/format.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/output.h"
#include "core/core.h"
#include "genai/genai.h"

namespace strata::cli {
namespace {

using genai::LlmModel;
using genai::TokenId;

struct Loaded {
  std::unique_ptr<LlmModel> model;
  OutputFormat format = OutputFormat::kTable;
};

Result<Loaded> Load(const GlobalFlags& g, const std::string& path) {
  STRATA_ASSIGN_OR_RETURN(core::Config config, LoadConfig(g, /*client_command=*/true));
  (void)config;
  Loaded l;
  STRATA_ASSIGN_OR_RETURN(l.format, ResolveOutputFormat(g.output));
  STRATA_ASSIGN_OR_RETURN(l.model, LlmModel::Open(path));
  return l;
}

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Peak resident memory of this process in bytes.
uint64_t PeakRssBytes() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<uint64_t>(u.ru_maxrss) * 1024;
}

std::string Escape(std::string_view s) {
  std::string out;
  for (unsigned char ch : s) {
    if (ch == '\n') out += "\\n";
    else if (ch == '\t') out += "\\t";
    else if (ch < 0x20) out += fmt::format("\\x{:02x}", ch);
    else out += static_cast<char>(ch);
  }
  return out;
}

int Fail(const Status& s) { return ReportError(s); }

std::vector<TokenId> Tokenize(const LlmModel& m, const std::string& text, bool bos, bool special) {
  const auto& tok = m.tokenizer();
  std::vector<TokenId> ids = tok.Encode(text, /*add_special=*/false, special);
  if (bos && tok.add_bos() && tok.bos() >= 0) ids.insert(ids.begin(), tok.bos());
  return ids;
}

}  // namespace

int CmdLlmInfo(const GlobalFlags& g, const std::string& path) {
  auto l = Load(g, path);
  if (!l.ok()) return Fail(l.status());
  const LlmModel& m = *l->model;
  const auto& c = m.config();
  std::map<std::string, int> types;
  for (const auto& t : m.file().tensors()) ++types[std::string(genai::TensorTypeName(t.type))];
  Json kernels = Json::object();
  for (const auto& [type, n] : types) {
    if (auto t = genai::TensorTypeFromName(type)) kernels[type] = genai::MatMulKernelName(*t);
  }
  const auto& tok = m.tokenizer();
  Json info = {
      {"file", path},
      {"size_bytes", m.file().file_size()},
      {"architecture", c.arch_name},
      {"parameters", m.n_params()},
      {"layers", c.n_layer},
      {"embedding", c.n_embd},
      {"feed_forward", c.n_ff},
      {"heads", c.n_head},
      {"kv_heads", c.n_head_kv},
      {"head_dim", c.head_dim_k},
      {"context_train", c.n_ctx_train},
      {"vocab", c.n_vocab},
      {"rope", {{"mode", c.rope_mode == genai::RopeMode::kNormal ? "normal" : "neox"},
                {"dims", c.rope_dims}, {"base", c.rope_base}, {"freq_scale", c.rope_freq_scale}}},
      {"norm_eps", c.norm_eps},
      {"sliding_window", c.sliding_window},
      {"tokenizer", {{"model", tok.model()}, {"pre", tok.pre()}, {"bos", tok.bos()}, {"eos", tok.eos()},
                     {"add_bos", tok.add_bos()}}},
      {"tensor_types", types},
      {"kernels", kernels},
      {"kv_cache_bytes_per_token", 2 * sizeof(float) * c.n_layer * c.n_embd_k_gqa()},
  };
  if (l->format == OutputFormat::kJson) {
    fmt::print("{}\n", info.dump(2));
    return 0;
  }
  Table t{{"property", "value"}, {}};
  for (const auto& [k, v] : info.items()) {
    t.rows.push_back({k, v.is_structured() ? v.dump() : Cell(v)});
  }
  fmt::print("{}", t.Render());
  return 0;
}

int CmdLlmTokenize(const GlobalFlags& g, const LlmTokenizeArgs& a) {
  auto l = Load(g, a.model);
  if (!l.ok()) return Fail(l.status());
  const auto ids = Tokenize(*l->model, a.text, !a.no_bos, a.parse_special);
  if (l->format == OutputFormat::kJson) {
    fmt::print("{}\n", Json{{"ids", ids}}.dump());
    return 0;
  }
  Table t{{"index", "id", "piece"}, {}};
  for (size_t i = 0; i < ids.size(); ++i) {
    t.rows.push_back({std::to_string(i), std::to_string(ids[i]),
                      fmt::format("'{}'", Escape(l->model->tokenizer().Piece(ids[i])))});
  }
  fmt::print("{}{} tokens\n", t.Render(), ids.size());
  return 0;
}

int CmdLlmLogits(const GlobalFlags& g, const LlmLogitsArgs& a) {
  auto l = Load(g, a.model);
  if (!l.ok()) return Fail(l.status());
  const LlmModel& m = *l->model;
  const auto ids = Tokenize(m, a.prompt, !a.no_bos, a.parse_special);
  if (ids.empty()) return Fail(InvalidArgumentError("the prompt has no tokens"));
  genai::LlmEvaluator eval(m, a.threads);
  genai::KvCache cache(m, static_cast<int>(ids.size()));
  genai::SequenceInput in{&cache, ids};
  std::vector<float> logits;
  if (Status s = eval.Decode({&in, 1}, &logits); !s.ok()) return Fail(s);
  const int n_vocab = m.config().n_vocab;
  std::vector<int> order(n_vocab);
  std::iota(order.begin(), order.end(), 0);
  const int k = std::clamp(a.top, 1, n_vocab);
  std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int x, int y) {
    return logits[x] != logits[y] ? logits[x] > logits[y] : x < y;
  });
  std::vector<int> top_ids(order.begin(), order.begin() + k);
  std::vector<float> top_logits;
  for (int id : top_ids) top_logits.push_back(logits[id]);
  if (l->format == OutputFormat::kJson) {
    fmt::print("{}\n", Json{{"top_ids", top_ids}, {"top_logits", top_logits}}.dump());
    return 0;
  }
  Table t{{"rank", "id", "logit", "piece"}, {}};
  for (int i = 0; i < k; ++i) {
    t.rows.push_back({std::to_string(i + 1), std::to_string(top_ids[i]), fmt::format("{:.4f}", top_logits[i]),
                      fmt::format("'{}'", Escape(m.tokenizer().Piece(top_ids[i])))});
  }
  fmt::print("{}", t.Render());
  return 0;
}

int CmdLlmRun(const GlobalFlags& g, const LlmRunArgs& a) {
  auto l = Load(g, a.model);
  if (!l.ok()) return Fail(l.status());
  const LlmModel& m = *l->model;
  std::vector<TokenId> ids;
  if (a.chat) {
    // The prompt is a user message rendered by the model's chat template; the rendered
    // text holds the template's special tokens, so they are parsed as such.
    auto tmpl = genai::ChatTemplate::ForModel(m.file().metadata(), m.tokenizer());
    if (!tmpl.ok()) return Fail(tmpl.status());
    std::vector<genai::ChatMessage> messages;
    if (!a.system.empty()) messages.push_back({"system", a.system});
    messages.push_back({"user", a.prompt});
    auto text = tmpl->Render(messages, genai::ChatOptionsFor(m.tokenizer()));
    if (!text.ok()) return Fail(text.status());
    ids = m.tokenizer().Encode(*text, /*add_special=*/false, /*parse_special=*/true);
    const auto& tok = m.tokenizer();
    if (!a.no_bos && tok.add_bos() && tok.bos() >= 0 && (ids.empty() || ids[0] != tok.bos())) {
      ids.insert(ids.begin(), tok.bos());
    }
  } else {
    ids = Tokenize(m, a.prompt, !a.no_bos, a.parse_special);
  }
  genai::GenerateOptions opt;
  opt.max_tokens = a.n_predict;
  opt.stop = a.stop;
  opt.ignore_eos = a.ignore_eos;
  opt.sampling.temperature = a.temperature;
  opt.sampling.top_k = a.top_k;
  opt.sampling.top_p = a.top_p;
  opt.sampling.min_p = a.min_p;
  opt.sampling.repeat_penalty = a.repeat_penalty;
  opt.sampling.seed = a.seed;
  const int ctx = a.ctx > 0 ? a.ctx : std::min(m.config().n_ctx_train, static_cast<int>(ids.size()) + a.n_predict + 1);
  genai::LlmEvaluator eval(m, a.threads);
  genai::KvCache cache(m, std::max(ctx, static_cast<int>(ids.size()) + 1));
  const bool stream = l->format == OutputFormat::kTable;
  if (stream && !a.chat) {
    fmt::print("{}", a.prompt);
    std::fflush(stdout);
  }
  auto r = genai::Generate(eval, m.tokenizer(), cache, ids, opt, [&](std::string_view text) {
    if (stream) {
      std::fwrite(text.data(), 1, text.size(), stdout);
      std::fflush(stdout);
    }
    return true;
  });
  if (!r.ok()) return Fail(r.status());
  if (stream) {
    fmt::print("\n");
    fmt::print(stderr, "\n{} prompt tokens in {:.3f} s ({:.1f} tok/s), {} generated in {:.3f} s ({:.1f} tok/s), finish: {}\n",
               r->n_prompt, r->prompt_seconds, r->n_prompt / std::max(1e-9, r->prompt_seconds), r->ids.size(),
               r->generate_seconds, r->ids.size() / std::max(1e-9, r->generate_seconds), r->finish_reason);
    return 0;
  }
  fmt::print("{}\n", Json{{"ids", r->ids},
                          {"text", r->text},
                          {"finish_reason", r->finish_reason},
                          {"prompt_tokens", r->n_prompt},
                          {"prompt_seconds", r->prompt_seconds},
                          {"generate_seconds", r->generate_seconds}}
                         .dump(-1, ' ', false, Json::error_handler_t::replace));
  return 0;
}

int CmdLlmPerplexity(const GlobalFlags& g, const LlmPerplexityArgs& a) {
  auto l = Load(g, a.model);
  if (!l.ok()) return Fail(l.status());
  const LlmModel& m = *l->model;
  auto text = core::ReadFile(a.file);
  if (!text.ok()) return Fail(text.status());
  const auto& tok = m.tokenizer();
  const auto ids = Tokenize(m, *text, true, false);
  const int n_ctx = a.ctx;
  if (n_ctx < 8) return Fail(InvalidArgumentError(fmt::format("--ctx must be at least 8, got {}", n_ctx)));
  const size_t n_chunk = ids.size() / n_ctx;
  if (n_chunk == 0) {
    return Fail(InvalidArgumentError(fmt::format("{}: {} tokens is less than one chunk of --ctx {}", a.file,
                                                 ids.size(), n_ctx)));
  }
  genai::LlmEvaluator eval(m, a.threads);
  const int n_vocab = m.config().n_vocab;
  double nll = 0, nll2 = 0;
  int count = 0;
  std::vector<float> logits;
  std::vector<double> cumulative;
  core::ProgressBar bar("perplexity", static_cast<double>(n_chunk));
  for (size_t c = 0; c < n_chunk; ++c) {
    std::vector<TokenId> chunk(ids.begin() + c * n_ctx, ids.begin() + (c + 1) * n_ctx);
    if (tok.add_bos() && tok.bos() >= 0) chunk[0] = tok.bos();
    genai::KvCache cache(m, n_ctx);
    genai::SequenceInput in{&cache, chunk, true};
    if (Status s = eval.Decode({&in, 1}, &logits); !s.ok()) return Fail(s);
    // Score the second half: each token predicted with at least n_ctx/2 of context.
    for (int j = n_ctx / 2; j <= n_ctx - 2; ++j) {
      const float* row = logits.data() + static_cast<size_t>(j) * n_vocab;
      const float max = *std::max_element(row, row + n_vocab);
      double sum = 0;
      for (int v = 0; v < n_vocab; ++v) sum += std::exp(static_cast<double>(row[v]) - max);
      const double x = -(row[chunk[j + 1]] - max - std::log(sum));
      nll += x;
      nll2 += x * x;
      ++count;
    }
    cumulative.push_back(std::exp(nll / count));
    bar.Update(static_cast<double>(c + 1));
  }
  bar.Finish();
  const double mean = nll / count, ppl = std::exp(mean);
  const double err = count > 1 ? ppl * std::sqrt((nll2 / count - mean * mean) / (count - 1)) : 0;
  if (l->format == OutputFormat::kJson) {
    fmt::print("{}\n", Json{{"perplexity", ppl}, {"error", err}, {"tokens", ids.size()}, {"chunks", n_chunk},
                            {"ctx", n_ctx}, {"scored", count}, {"cumulative", cumulative}}
                           .dump());
    return 0;
  }
  fmt::print("{} tokens, {} chunks of {}, {} scored\nperplexity: {:.4f} +/- {:.5f}\n", ids.size(), n_chunk, n_ctx,
             count, ppl, err);
  return 0;
}

int CmdLlmBench(const GlobalFlags& g, const LlmBenchArgs& a) {
  auto l = Load(g, a.model);
  if (!l.ok()) return Fail(l.status());
  const LlmModel& m = *l->model;
  const int n_vocab = m.config().n_vocab;
  std::mt19937 rng(1);
  std::uniform_int_distribution<int> pick(0, n_vocab - 1);
  std::vector<TokenId> prompt(a.n_prompt);
  for (auto& t : prompt) t = pick(rng);
  genai::LlmEvaluator eval(m, a.threads);
  genai::KvCache cache(m, a.n_prompt + a.n_gen + 1);
  std::vector<float> logits;
  double pp_best = 0, tg_best = 0;
  for (int rep = 0; rep < a.repetitions; ++rep) {
    cache.Clear();
    auto start = std::chrono::steady_clock::now();
    genai::SequenceInput in{&cache, prompt};
    if (Status s = eval.Decode({&in, 1}, &logits); !s.ok()) return Fail(s);
    pp_best = std::max(pp_best, a.n_prompt / Seconds(start));
    // Generation from an empty cache, as the common benchmarks measure it.
    cache.Clear();
    TokenId t = prompt[0];
    start = std::chrono::steady_clock::now();
    for (int i = 0; i < a.n_gen; ++i) {
      genai::SequenceInput one{&cache, std::span<const TokenId>(&t, 1)};
      if (Status s = eval.Decode({&one, 1}, &logits); !s.ok()) return Fail(s);
      t = static_cast<TokenId>(std::max_element(logits.begin(), logits.end()) - logits.begin());
    }
    tg_best = std::max(tg_best, a.n_gen / Seconds(start));
  }
  // Read once, after the runs: /proc/self/smaps is parsed for the second.
  const uint64_t peak_rss = PeakRssBytes();
  const size_t huge = m.file().HugeMappedBytes();
  const Json out = {{"model", a.model},
                    {"size_bytes", m.file().file_size()},
                    {"parameters", m.n_params()},
                    {"threads", eval.n_threads()},
                    {"kernels", genai::MatMulKernelName(m.weights().layers[0].ffn_down.type)},
                    {"prompt_tokens", a.n_prompt},
                    {"prompt_tokens_per_second", pp_best},
                    {"generated_tokens", a.n_gen},
                    {"generation_tokens_per_second", tg_best},
                    {"peak_rss_bytes", peak_rss},
                    {"huge_page_bytes", huge}};
  if (l->format == OutputFormat::kJson) {
    fmt::print("{}\n", out.dump());
    return 0;
  }
  Table t{{"model", "size", "params", "threads", "test", "tokens/s"}, {}};
  const std::string size = fmt::format("{:.1f} MiB", m.file().file_size() / 1048576.0);
  const std::string params = fmt::format("{:.1f} M", m.n_params() / 1e6);
  t.rows.push_back({a.model, size, params, std::to_string(eval.n_threads()), fmt::format("pp{}", a.n_prompt),
                    fmt::format("{:.2f}", pp_best)});
  t.rows.push_back({a.model, size, params, std::to_string(eval.n_threads()), fmt::format("tg{}", a.n_gen),
                    fmt::format("{:.2f}", tg_best)});
  fmt::print("{}peak resident memory: {:.1f} MiB (the model is mapped, not copied; {:.0f} MiB of it in 2 MiB pages)\n",
             t.Render(), peak_rss / 1048576.0, huge / 1048576.0);
  return 0;
}

int CmdLlmQuantize(const GlobalFlags& g, const LlmQuantizeArgs& a) {
  auto format = ResolveOutputFormat(g.output);
  if (!format.ok()) return Fail(format.status());
  auto type = genai::TensorTypeFromName(a.type);
  if (!type) return Fail(InvalidArgumentError(fmt::format("unknown tensor type '{}'", a.type)));
  auto file = genai::GgufFile::Open(a.input);
  if (!file.ok()) return Fail(file.status());
  core::ProgressBar bar("quantizing", static_cast<double>(file->tensors().size()));
  auto r = genai::QuantizeModel(*file, a.output, *type, [&](size_t done, size_t) { bar.Update(static_cast<double>(done)); });
  bar.Finish();
  if (!r.ok()) return Fail(r.status());
  const Json out = {{"input", a.input}, {"output", a.output}, {"type", genai::TensorTypeName(*type)},
                    {"input_bytes", file->file_size()}, {"output_bytes", r->output_bytes},
                    {"tensors", r->tensors}, {"quantized", r->quantized}, {"fallbacks", r->fallbacks}};
  if (*format == OutputFormat::kJson) {
    fmt::print("{}\n", out.dump());
  } else {
    fmt::print("{}", RenderObject(out));
  }
  return 0;
}

int CmdLlmSynth(const GlobalFlags& g, const LlmSynthArgs& a) {
  auto format = ResolveOutputFormat(g.output);
  if (!format.ok()) return Fail(format.status());
  auto type = genai::TensorTypeFromName(a.type);
  if (!type) return Fail(InvalidArgumentError(fmt::format("unknown tensor type '{}'", a.type)));
  genai::SyntheticModelSpec spec;
  spec.n_layer = a.layers;
  spec.n_embd = a.embd;
  spec.n_ff = a.ff;
  spec.n_head = a.heads;
  spec.n_head_kv = a.kv_heads;
  spec.type = *type;
  spec.vocab = a.vocab;
  spec.seed = a.seed;
  core::ProgressBar bar("writing " + a.output, 0);
  Status s = genai::WriteSyntheticModel(spec, a.output, [&](size_t done, size_t total) {
    bar.Update(static_cast<double>(done));
    (void)total;
  });
  bar.Finish();
  if (!s.ok()) return Fail(s);
  auto model = LlmModel::Open(a.output);
  if (!model.ok()) return Fail(model.status());
  const Json out = {{"output", a.output}, {"parameters", (*model)->n_params()},
                    {"size_bytes", (*model)->file().file_size()}, {"type", genai::TensorTypeName(*type)}};
  if (*format == OutputFormat::kJson) {
    fmt::print("{}\n", out.dump());
  } else {
    fmt::print("{}", RenderObject(out));
  }
  return 0;
}

}  // namespace strata::cli
