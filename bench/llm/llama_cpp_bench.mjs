// The side of bench/llm_bench.sh that a user would run instead of Strata: llama.cpp through
// node-llama-cpp's prebuilt CPU binaries from npm (llama.cpp itself is not packaged in
// Debian 12). Measures what `strata llm bench` measures: a pseudo-random prompt evaluated in
// one batch from an empty cache, then tokens generated one at a time (greedy) from an empty
// cache; best of the repetitions. Prints one JSON line.
// Usage: node llama_cpp_bench.mjs MODEL.gguf [n_prompt] [n_gen] [threads] [repetitions] [kv_type]
import {readFileSync} from "node:fs";
import {getLlama, LlamaLogLevel} from "node-llama-cpp";

const [modelPath, nPromptArg, nGenArg, threadsArg, repsArg, kvArg] = process.argv.slice(2);
const nPrompt = Number(nPromptArg ?? 512), nGen = Number(nGenArg ?? 128);
const threads = Number(threadsArg ?? 2), reps = Number(repsArg ?? 3), kv = kvArg ?? "F32";
const version = JSON.parse(
    readFileSync(new URL("./node_modules/node-llama-cpp/package.json", import.meta.url))).version;

const llama = await getLlama({gpu: false, build: "never", maxThreads: threads,
                              logLevel: process.env.LLAMA_LOG ?? LlamaLogLevel.error});
const model = await llama.loadModel({modelPath, gpuLayers: 0, useMmap: true});
const context = await model.createContext({
  contextSize: nPrompt + nGen + 16, batchSize: nPrompt, sequences: 1, flashAttention: false,
  threads,
  // Dispatch each evaluation at once rather than on the next event-loop cycle: the
  // binding's scheduling would otherwise add to every generated token's time.
  batching: {dispatchSchedule: (dispatch) => dispatch()},
  // Strata's cache is F32: compare like with like (llama.cpp's default is F16).
  experimentalKvCacheKeyType: kv, experimentalKvCacheValueType: kv,
});
const seq = context.getSequence({checkpoints: {max: 0, interval: false}});
// Token ids 3..502 exist in every vocabulary here (the smallest has 512); what the
// tokens are does not change the work.
let state = 1;
const prompt = Array.from({length: nPrompt},
                          () => 3 + (state = (state * 1103515245 + 12345) % 2147483648) % 500);

const seconds = (start) => Number(process.hrtime.bigint() - start) / 1e9;
let ppBest = 0, tgBest = 0;
for (let rep = 0; rep < reps; ++rep) {
  await seq.clearHistory();
  let start = process.hrtime.bigint();
  await seq.evaluateWithoutGeneratingNewTokens(prompt);
  ppBest = Math.max(ppBest, nPrompt / seconds(start));
  await seq.clearHistory();
  start = process.hrtime.bigint();
  let made = 0;
  for await (const token of seq.evaluate([prompt[0]], {temperature: 0})) {
    if (++made === nGen) break;
  }
  tgBest = Math.max(tgBest, nGen / seconds(start));
}
console.log(JSON.stringify({
  model: modelPath, runtime: `llama.cpp (node-llama-cpp ${version})`, threads, kv_cache: kv,
  prompt_tokens: nPrompt, prompt_tokens_per_second: ppBest,
  generated_tokens: nGen, generation_tokens_per_second: tgBest,
  peak_rss_bytes: process.resourceUsage().maxRSS * 1024,
}));
await context.dispose();
await model.dispose();
await llama.dispose();
