#!/usr/bin/env bash
# LLM engine benchmark of issue 7, side by side in one run on the same GGUF files:
# `strata llm bench` against llama.cpp through node-llama-cpp's prebuilt CPU binaries
# (npm; llama.cpp is not packaged in Debian 12), same thread count, F32 KV cache on both,
# a pseudo-random prompt of NP tokens in one batch and NG greedy tokens one at a time,
# both from an empty cache, best of REPS. The two engines alternate model by model.
# Models: two of the shared conformance models and random-weight 1.1B llama models
# written by `strata llm synth` (TYPES, default Q4_K and Q8_0; kept in bench/llm/models/).
# Usage: bench/llm_bench.sh [THREADS, default 2]; NP, NG, REPS, TYPES from the environment
# (e.g. TYPES="Q4_K Q8_0 Q4_0 Q5_K Q6_K").
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS=${1:-2}
NP=${NP:-512}
NG=${NG:-128}
REPS=${REPS:-3}
TYPES=${TYPES:-Q4_K Q8_0}
STRATA=$PWD/build/strata
SHARED=${STRATA_SHARED_DIR:-$PWD/../shared}
HERE=$PWD/bench/llm

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "llm_bench: node and npm are needed for the llama.cpp side (node-llama-cpp)" >&2
  exit 1
fi
# Only the linux-x64 CPU binaries (no CUDA/Vulkan builds); no install scripts: the
# prebuilt binaries are used as they are, never built.
[ -d "$HERE/node_modules/node-llama-cpp" ] ||
  (cd "$HERE" && npm install --omit=optional --ignore-scripts --no-audit --no-fund >&2)

mkdir -p "$HERE/models"
for type in $TYPES; do
  out=$HERE/models/random-1.1b-$type.gguf
  [ -f "$out" ] || "$STRATA" llm synth "$out" --vocab "$SHARED/llm/tokenizer/ggml-vocab-llama-spm.gguf" \
    --type "$type" -o json >&2
done

models=("$SHARED/llm/models/stories260K.gguf" "$SHARED/llm/models/tiny-llama-spm-q4_k_m.gguf")
for type in $TYPES; do models+=("$HERE/models/random-1.1b-$type.gguf"); done
echo "threads $THREADS, prompt $NP tokens, generation $NG tokens, best of $REPS ($(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
printf '%-28s %11s | %9s %9s | %9s %9s | %10s %10s | %10s\n' model size "strata pp" "llama pp" "strata tg" "llama tg" "strata RSS" "llama RSS" "in 2M pages"
for m in "${models[@]}"; do
  s=$("$STRATA" llm bench "$m" -p "$NP" -n "$NG" -t "$THREADS" -r "$REPS" -o json)
  l=$(node "$HERE/llama_cpp_bench.mjs" "$m" "$NP" "$NG" "$THREADS" "$REPS")
  /usr/bin/python3 - "$m" "$s" "$l" <<'PY'
import json, os, sys
m, s, l = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
mib = lambda b: f"{b / 2**20:6.0f} MiB"
print(f"{os.path.basename(m):28s} {mib(s['size_bytes']):>11s} | "
      f"{s['prompt_tokens_per_second']:9.1f} {l['prompt_tokens_per_second']:9.1f} | "
      f"{s['generation_tokens_per_second']:9.1f} {l['generation_tokens_per_second']:9.1f} | "
      f"{mib(s['peak_rss_bytes']):>10s} {mib(l['peak_rss_bytes']):>10s} | {mib(s['huge_page_bytes']):>10s}")
PY
done
echo "llama.cpp side: $(node -e 'console.log(require(process.argv[1]).version)' "$HERE/node_modules/node-llama-cpp/package.json" 2>/dev/null || echo '?') of node-llama-cpp; Strata kernels: $("$STRATA" llm bench "${models[2]}" -p 1 -n 1 -r 1 -o json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["kernels"])')"
